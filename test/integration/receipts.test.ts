// Receipts in, split to the fen, booked in every jurisdiction's books: driven through the command
// line against the real PostgreSQL (DATABASE_URL) or the embedded PGlite.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  const r = await cli(db, "import", "enterprises", standardRegistry(), "--format", "json");
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

async function settlement(year: number, operator: string) {
  const r = await cli(db, "report", "settlement", "--year", String(year), "--operator", operator, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function receiptCount(): Promise<number> {
  const { rows } = await db.knex.raw("select count(*)::int as n from receipts");
  return Number(rows[0].n);
}

function taxRow(statement: { by_tax: { tax_code: string }[] }, tax: string) {
  return statement.by_tax.find((t) => t.tax_code === tax);
}

describe(`receipts import (${dialectLabel})`, () => {
  it("splits a VAT receipt of 0.03 gross into central 0.02, local 0.01, operator 0.01, host 0.00", async () => {
    const file = csvFile([RECEIPT_HEADER, ["R-ROUND-1", uscc(1), "VAT", "2024-03-05", "0.03", "gross", "", ""]]);
    const r = await cli(db, "import", "receipts", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ rows: 1, new_rows: 1, receipts: 1, suspense: 0 });
    const s = await settlement(2024, "bingtuan");
    expect(taxRow(s, "VAT")).toMatchObject({
      central_excluded: "0.02",
      local_revenue: "0.01",
      operator_share: "0.01",
      host_share: "0.00",
    });
  });

  it("books a gross CIT receipt with the 60 % central share and the 80/20 split of the rest, in each jurisdiction's books", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-CIT-1", uscc(11), "10104", "2024-04-15", "1000.00", "gross", "2024-Q1", ""],
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const s = await settlement(2024, "urumqi");
    expect(taxRow(s, "CIT")).toMatchObject({
      central_excluded: "600.00",
      local_revenue: "400.00",
      operator_share: "320.00",
      host_share: "80.00",
    });
    const { rows } = await db.knex.raw(
      `select a.jurisdiction, a.code, l.debit_fen, l.credit_fen from journal_lines l join accounts a on a.id = l.account_id
         join receipts r on r.entry_id = l.entry_id where r.receipt_no = 'R-CIT-1' order by l.line_no`,
    );
    const lines = rows.map(
      (l: { jurisdiction: string; code: string; debit_fen: bigint; credit_fen: bigint }) =>
        `${l.jurisdiction} ${l.code} ${l.debit_fen}/${l.credit_fen}`,
    );
    expect(lines).toEqual([
      "prefecture treasury 100000/0",
      "prefecture central_payable 0/60000",
      "prefecture due_to:urumqi 0/32000",
      "prefecture revenue_shared_host 0/8000",
      "central due_from:prefecture 60000/0",
      "central revenue_central 0/60000",
      "urumqi due_from:prefecture 32000/0",
      "urumqi revenue_shared 0/32000",
    ]);
  });

  it("reads a GB18030 file and a UTF-8 file with BOM as Excel writes them, with collection-item codes", async () => {
    const gb = csvFile([RECEIPT_HEADER, ["R-GB-1", uscc(2), "10101", "2024/5/6", "200.00", "gross", "2024年4月", ""]], {
      encoding: "gb18030",
    });
    const r1 = await cli(db, "import", "receipts", gb, "--format", "json");
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.json()).toMatchObject({ encoding: "GB18030", new_rows: 1 });
    const { rows } = await db.knex.raw(
      "select tax_code, budget_code, collected_on, tax_period from receipts where receipt_no = 'R-GB-1'",
    );
    expect(rows[0]).toEqual({
      tax_code: "VAT",
      budget_code: null, // a tax's own 款 code says no more than its mnemonic, and hashes as before
      collected_on: "2024-05-06",
      tax_period: "2024年4月",
    });
    const bom = csvFile([RECEIPT_HEADER, ["R-BOM-1", uscc(2), "RES", "2024-05-07", "100.00", "local", "", ""]], {
      encoding: "utf8-bom",
    });
    const r2 = await cli(db, "import", "receipts", bom, "--format", "json");
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.json()).toMatchObject({ encoding: "UTF-8", new_rows: 1 });
  });

  it("keeps a tax period with backslashes, quotes and tabs exactly as written", async () => {
    const period = 'Q1\\2024 "补"\tx';
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-ESC-1", uscc(2), "RES", "2024-05-08", "1.00", "local", `"${period.replace(/"/g, '""')}"`, ""],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await db.knex.raw("select tax_period from receipts where receipt_no = 'R-ESC-1'");
    expect(rows[0].tax_period).toBe(period);
  });

  it("imports the same file again without changing anything, and the same rows in another file as no-ops", async () => {
    const rows = [
      RECEIPT_HEADER,
      ["R-IDEM-1", uscc(1), "RES", "2024-06-01", "10.00", "local", "", ""],
      ["R-IDEM-2", uscc(12), "UMCT", "2024-06-02", "20.00", "local", "", ""],
    ];
    const file = csvFile(rows);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const count = await receiptCount();
    const before = await settlement(2024, "bingtuan");
    const again = await cli(db, "import", "receipts", file, "--format", "json");
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ already_imported: true, new_rows: 0 });
    const reordered = csvFile([rows[0]!, rows[2]!, rows[1]!]);
    const third = await cli(db, "import", "receipts", reordered, "--format", "json");
    expect(third.json()).toMatchObject({ rows: 2, new_rows: 0, unchanged_rows: 2 });
    expect(await receiptCount()).toBe(count);
    expect(await settlement(2024, "bingtuan")).toEqual(before);
  });

  it("holds a receipt of an unknown enterprise, or of one in no park that day, in suspense and lists it", async () => {
    const stranger = uscc(999);
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-SUSP-1", stranger, "VAT", "2024-07-01", "500.00", "gross", "", ""],
      ["R-SUSP-2", uscc(4), "VAT", "2023-07-01", "300.00", "gross", "", ""],
    ]);
    const before = await settlement(2024, "bingtuan");
    const r = await cli(db, "import", "receipts", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ suspense: 2, receipts: 0 });
    expect(
      r.json().suspense_items.map((i: { receipt_no: string; reason: string }) => [i.receipt_no, i.reason]),
    ).toEqual([
      ["R-SUSP-1", "enterprise_unknown"],
      ["R-SUSP-2", "enterprise_in_no_park"],
    ]);
    const listed = await cli(db, "report", "suspense", "--format", "json");
    expect(listed.json().items.map((i: { receipt_no: string }) => i.receipt_no)).toEqual(["R-SUSP-2", "R-SUSP-1"]);
    expect(await settlement(2024, "bingtuan")).toEqual(before);
    const tb = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      "2024",
      "--jurisdiction",
      "prefecture",
      "--format",
      "json",
    );
    const suspenseAccount = tb.json().accounts.find((a: { account: string }) => a.account === "suspense");
    expect(suspenseAccount).toMatchObject({ credit: "500.00" });
  });

  it("books an enterprise's receipts in the park it is in on the day: BZ before its move, WZ after", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-MOVE-1", uscc(4), "PROP", "2025-06-30", "100.00", "local", "", ""],
      ["R-MOVE-2", uscc(4), "PROP", "2025-07-01", "100.00", "local", "", ""],
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const { rows } = await db.knex.raw(
      "select receipt_no, park, operator from receipts where receipt_no like 'R-MOVE-%' order by receipt_no",
    );
    expect(rows).toEqual([
      { receipt_no: "R-MOVE-1", park: "BZ", operator: "bingtuan" },
      { receipt_no: "R-MOVE-2", park: "WZ", operator: "urumqi" },
    ]);
  });

  it("keeps the host's whole local revenue for ZD and for surcharges no agreement names", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-ZD-1", uscc(21), "VAT", "2024-08-01", "100.00", "gross", "", ""],
      ["R-EDU-1", uscc(1), "30203", "2024-08-01", "30.00", "local", "", ""],
    ]);
    const before = await settlement(2024, "bingtuan");
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const after = await settlement(2024, "bingtuan");
    expect(after.totals.operator_share).toBe(before.totals.operator_share);
    expect(Number(after.totals.not_shared.replace(".", "")) - Number(before.totals.not_shared.replace(".", ""))).toBe(
      3000,
    );
    const { rows } = await db.knex.raw(
      "select central_fen, local_fen, operator_fen, host_fen from receipts where receipt_no = 'R-ZD-1'",
    );
    expect(rows[0]).toEqual({ central_fen: 5000n, local_fen: 5000n, operator_fen: 0n, host_fen: 5000n });
  });
});

describe(`refunds (${dialectLabel})`, () => {
  it("undoes a receipt exactly with a full refund, returning the settlement to where it was", async () => {
    const before = await settlement(2024, "bingtuan");
    const original = csvFile([RECEIPT_HEADER, ["R-FULL-1", uscc(1), "VAT", "2024-09-01", "1234.57", "gross", "", ""]]);
    expect((await cli(db, "import", "receipts", original)).code).toBe(0);
    expect(await settlement(2024, "bingtuan")).not.toEqual(before);
    const refund = csvFile([
      RECEIPT_HEADER,
      ["R-FULL-1-R", uscc(1), "VAT", "2024-09-20", "-1234.57", "", "", "R-FULL-1"],
    ]);
    const r = await cli(db, "import", "receipts", refund, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ refunds: 1 });
    const after = await settlement(2024, "bingtuan");
    expect(after.totals).toEqual(before.totals);
  });

  it("returns every party to zero after partial refunds that add up to the original", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-PART-1", uscc(2), "VAT", "2024-10-01", "0.03", "gross", "", ""],
      ["R-PART-1-A", uscc(2), "VAT", "2024-10-02", "-0.01", "", "", "R-PART-1"],
      ["R-PART-1-B", uscc(2), "VAT", "2024-10-03", "-0.01", "", "", "R-PART-1"],
      ["R-PART-1-C", uscc(2), "VAT", "2024-10-04", "-0.01", "", "", "R-PART-1"],
    ]);
    const r = await cli(db, "import", "receipts", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await db.knex.raw(
      `select sum(central_fen)::bigint as c, sum(local_fen)::bigint as l, sum(operator_fen)::bigint as o, sum(host_fen)::bigint as h
         from receipts where receipt_no like 'R-PART-1%'`,
    );
    expect(rows[0]).toEqual({ c: 0n, l: 0n, o: 0n, h: 0n });
  });

  it("splits a refund with the agreement of the receipt it refunds, even after the agreement changed", async () => {
    const first = csvFile([RECEIPT_HEADER, ["R-AGR-1", uscc(12), "RES", "2026-03-01", "100.00", "local", "", ""]]);
    expect((await cli(db, "import", "receipts", first)).code).toBe(0);
    const set = await cli(
      db,
      "agreement",
      "set",
      "--park",
      "WZ",
      "--operator-share",
      "70",
      "--from",
      "2026-06-01",
      "--format",
      "json",
    );
    expect(set.code, set.stderr).toBe(0);
    const later = csvFile([
      RECEIPT_HEADER,
      ["R-AGR-2", uscc(12), "RES", "2026-06-02", "100.00", "local", "", ""],
      ["R-AGR-1-R", uscc(12), "RES", "2026-06-03", "-100.00", "", "", "R-AGR-1"],
    ]);
    expect((await cli(db, "import", "receipts", later)).code).toBe(0);
    const { rows } = await db.knex.raw(
      "select receipt_no, operator_fen, host_fen, operator_share_bp from receipts where receipt_no like 'R-AGR-%' order by receipt_no",
    );
    expect(rows).toEqual([
      { receipt_no: "R-AGR-1", operator_fen: 8000n, host_fen: 2000n, operator_share_bp: 8000 },
      { receipt_no: "R-AGR-1-R", operator_fen: -8000n, host_fen: -2000n, operator_share_bp: 8000 },
      { receipt_no: "R-AGR-2", operator_fen: 7000n, host_fen: 3000n, operator_share_bp: 7000 },
    ]);
  });

  it("books a refund in the year it entered the treasury, split as its original from the year before", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["R-XY-1", uscc(3), "CIT", "2024-12-20", "100.00", "gross", "", ""],
      ["R-XY-1-R", uscc(3), "CIT", "2025-01-10", "-50.00", "", "", "R-XY-1"],
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const { rows } = await db.knex.raw(
      "select receipt_no, fiscal_year, central_fen, operator_fen from receipts where receipt_no like 'R-XY-%' order by receipt_no",
    );
    expect(rows).toEqual([
      { receipt_no: "R-XY-1", fiscal_year: 2024, central_fen: 6000n, operator_fen: 3200n },
      { receipt_no: "R-XY-1-R", fiscal_year: 2025, central_fen: -3000n, operator_fen: -1600n },
    ]);
  });
});

describe(`the books (${dialectLabel})`, () => {
  it("keeps every jurisdiction's trial balance at zero difference", async () => {
    for (const jurisdiction of ["prefecture", "bingtuan", "urumqi", "central"]) {
      for (const year of [2024, 2025, 2026]) {
        const r = await cli(
          db,
          "report",
          "trial-balance",
          "--year",
          String(year),
          "--jurisdiction",
          jurisdiction,
          "--format",
          "json",
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.json()).toMatchObject({ balanced: true, difference: "0.00" });
        expect(r.json().totals.debit).toBe(r.json().totals.credit);
      }
    }
  });

  it("verifies the ledger as intact", async () => {
    const r = await cli(db, "verify", "--format", "json");
    expect(r.code, r.stdout).toBe(0);
    expect(r.json()).toMatchObject({ intact: true, findings: [] });
  });

  it("refuses UPDATE and DELETE of posted rows in the database itself", async () => {
    for (const sql of [
      "update journal_lines set debit_fen = debit_fen + 1 where debit_fen > 0",
      "delete from journal_lines",
      "update journal_entries set fiscal_year = 1999",
      "delete from journal_entries",
      "update receipts set amount_fen = 1",
      "delete from receipts",
      "truncate journal_lines",
    ]) {
      await expect(db.knex.raw(sql), sql).rejects.toThrow(/append-only/);
    }
  });

  it("refuses an unbalanced entry written straight into the database", async () => {
    await expect(
      db.knex.transaction(async (trx) => {
        const { rows } = await trx.raw(
          "select id from accounts where jurisdiction = 'prefecture' and code = 'treasury'",
        );
        await trx.raw(
          `insert into journal_entries (id, idempotency_key, input_hash, kind, fiscal_year, origin_year, effective_on, description)
           values (999999999, 'test:unbalanced', 'x', 'receipt', 2024, 2024, '2024-01-01', 'unbalanced')`,
        );
        await trx.raw(
          "insert into journal_lines (entry_id, line_no, account_id, debit_fen, credit_fen) values (999999999, 1, ?, 100, 0)",
          [rows[0].id],
        );
      }),
    ).rejects.toThrow(/unbalanced/);
  });
});

describe(`repeated refunds (${dialectLabel})`, () => {
  it("imports a refund already recorded again as a no-op, and the same refund twice in one file once", async () => {
    const original = csvFile([
      RECEIPT_HEADER,
      ["R-RR-1", uscc(1), "VAT", "2024-11-01", "0.03", "gross", "", ""],
      ["R-RR-1-A", uscc(1), "VAT", "2024-11-02", "-0.01", "", "", "R-RR-1"],
      ["R-RR-1-B", uscc(1), "VAT", "2024-11-03", "-0.01", "", "", "R-RR-1"],
      ["R-RR-1-C", uscc(1), "VAT", "2024-11-04", "-0.01", "", "", "R-RR-1"],
    ]);
    expect((await cli(db, "import", "receipts", original)).code).toBe(0);
    const again = csvFile([
      RECEIPT_HEADER,
      ["R-RR-1-A", uscc(1), "VAT", "2024-11-02", "-0.01", "", "", "R-RR-1"],
      ["R-RR-2", uscc(1), "VAT", "2024-11-05", "100.00", "gross", "", ""],
      ["R-RR-2-A", uscc(1), "VAT", "2024-11-06", "-60.00", "", "", "R-RR-2"],
      ["R-RR-2-A", uscc(1), "VAT", "2024-11-06", "-60.00", "", "", "R-RR-2"],
    ]);
    const r = await cli(db, "import", "receipts", again, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ rows: 4, new_rows: 2, unchanged_rows: 2 });
    const { rows } = await db.knex.raw("select count(*)::int as n from receipts where receipt_no like 'R-RR-%'");
    expect(rows[0].n).toBe(6);
  });
});
