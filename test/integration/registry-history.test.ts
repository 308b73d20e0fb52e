// The registry's history (migrations/026) and clearing suspense (migrations/027): a correction of a
// stay is a new version beside the old one, the database refusing to change either; the registry as
// known at an earlier time; a Bingtuan flag still set after its removal date is an anomaly; a receipt
// held in suspense is rebooked to its park by an adjusting entry once a late registry row places it,
// a closed year's into the next open year, traced to the registry row; resolving again books nothing.
// Expected figures are computed here in integer fen from the receipts themselves.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(...argv: string[]): Promise<any> {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function booksIntact(year: number): Promise<void> {
  const v = await json("verify");
  expect(v.intact, JSON.stringify(v.findings)).toBe(true);
  for (const j of ["prefecture", "bingtuan", "urumqi", "central"]) {
    const tb = await json("report", "trial-balance", "--year", String(year), "--jurisdiction", j);
    expect(tb.balanced, `${j} ${year}`).toBe(true);
  }
}

async function suspenseNos(): Promise<string[]> {
  return (await json("report", "suspense")).items.map((i: { receipt_no: string }) => i.receipt_no);
}

/** Half-up share of `fen` at `bp` basis points, as the ledger rounds. */
function share(fen: bigint, bp: bigint): bigint {
  return (fen * bp * 2n + 10_000n) / 20_000n;
}

const HEADER = [...ENTERPRISE_HEADER, "bingtuan_flag_removed_on"];

describe(`registry history (${dialectLabel})`, () => {
  it("records a correction as a new version, the old one kept and readable, and --as-of shows what was known then", async () => {
    const first = csvFile([HEADER, [uscc(301), "三零一公司", "BZ", "2025-01-01", "", "new", "bingtuan", "true", ""]]);
    expect((await cli(db, "import", "enterprises", first)).code).toBe(0);
    const { rows: between } = await db.knex.raw(
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const corrected = csvFile([
      HEADER,
      [uscc(301), "三零一公司", "BZ", "2025-01-01", "2025-12-31", "new", "bingtuan", "true", "2025-06-01"],
    ]);
    const r = await json("import", "enterprises", corrected);
    expect(r).toMatchObject({ changed_stays: 1, new_stays: 0 });

    const history = await json("report", "enterprise-history", "--uscc", uscc(301));
    expect(history.versions).toHaveLength(2);
    expect(history.versions[0]).toMatchObject({ version: 1, to: null, current: false, bingtuan_flag_removed_on: null });
    expect(history.versions[0].superseded_at).toBe(history.versions[1].recorded_at);
    expect(history.versions[1]).toMatchObject({
      version: 2,
      to: "2025-12-31",
      current: true,
      bingtuan_flag_removed_on: "2025-06-01",
      source: { row: 2 },
    });
    expect(history.versions[1].source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(history.versions[1].recorded_by).toMatch(/^cli:/);

    const then = await json("report", "enterprises", "--uscc", uscc(301), "--as-of", between[0].at);
    expect(then.stays).toEqual([expect.objectContaining({ version: 1, to: null })]);
    const now = await json("report", "enterprises", "--uscc", uscc(301));
    expect(now.stays).toEqual([expect.objectContaining({ version: 2, to: "2025-12-31" })]);
    const before = await json("report", "enterprises", "--uscc", uscc(301), "--as-of", "2000-01-01");
    expect(before.stays).toEqual([]);
    // the current registry, as booking reads it
    const { rows } = await db.knex.raw(`select valid_to from enterprise_stays where uscc = ?`, [uscc(301)]);
    expect(rows).toEqual([{ valid_to: "2025-12-31" }]);
  });

  it("refuses a bad --as-of and a bad removal date, naming the field", async () => {
    const bad = await cli(db, "report", "enterprises", "--as-of", "2025-13-45");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/as.of/);
    const file = csvFile([HEADER, [uscc(302), "三零二公司", "BZ", "2025-01-01", "", "", "", "true", "soon"]]);
    const r = await cli(db, "import", "enterprises", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(":2: column bingtuan_flag_removed_on:");
  });

  it("the database refuses to change or remove a version", async () => {
    await expect(
      db.knex.raw(`update enterprise_stay_versions set park = 'WZ' where uscc = ?`, [uscc(301)]),
    ).rejects.toThrow();
    await expect(db.knex.raw(`delete from enterprise_stay_versions where uscc = ?`, [uscc(301)])).rejects.toThrow();
    const { rows } = await db.knex.raw(`select count(*)::int as n from enterprise_stay_versions where uscc = ?`, [
      uscc(301),
    ]);
    expect(rows[0].n).toBe(2);
  });

  it("a file without the removal date column keeps the recorded one", async () => {
    const old = csvFile([
      ENTERPRISE_HEADER,
      [uscc(301), "三零一公司", "BZ", "2025-01-01", "2025-12-31", "new", "bingtuan", "true"],
    ]);
    const r = await json("import", "enterprises", old);
    expect(r).toMatchObject({ changed_stays: 0, unchanged_stays: 1 });
  });

  it("names a Bingtuan flag still set after its removal date, with the receipts booked since", async () => {
    const receipts = csvFile([
      RECEIPT_HEADER,
      ["F-1", uscc(301), "VAT", "2025-03-01", "100.00", "gross", "", ""],
      ["F-2", uscc(301), "VAT", "2025-07-01", "200.00", "gross", "", ""],
    ]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    const rec = await json("report", "reconciliation", "--year", "2025", "--operator", "bingtuan");
    const flagged = rec.anomalies.filter((a: { kind: string }) => a.kind === "bingtuan_flag_after_removal");
    expect(flagged).toEqual([
      expect.objectContaining({
        uscc: uscc(301),
        amount: "200.00",
        detail: expect.stringMatching(/removed on 2025-06-01.*1 receipts/),
      }),
    ]);
    const urumqi = await json("report", "reconciliation", "--year", "2025", "--operator", "urumqi");
    expect(urumqi.anomalies.some((a: { kind: string }) => a.kind === "bingtuan_flag_after_removal")).toBe(false);
  });
});

describe(`clearing suspense (${dialectLabel})`, () => {
  it("a late registry row rebooks a suspense receipt and its refund into the park, to the fen, traced to the row", async () => {
    const receipts = csvFile([
      RECEIPT_HEADER,
      ["Q-1", uscc(401), "VAT", "2026-02-10", "1000.03", "gross", "", ""],
      ["Q-1-R", uscc(401), "VAT", "2026-03-01", "-200.01", "", "", "Q-1"],
      ["Q-2", uscc(402), "VAT", "2026-02-11", "50.00", "gross", "", ""],
    ]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    expect(await suspenseNos()).toEqual(expect.arrayContaining(["Q-1", "Q-2"]));
    const before = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    await booksIntact(2026);

    const late = csvFile([HEADER, [uscc(401), "四零一公司", "BZ", "2026-01-01", "", "new", "bingtuan", "false", ""]]);
    const r = await json("import", "enterprises", late);
    expect(r).toMatchObject({ new_stays: 1, suspense_now_resolvable: 1, suspense_rebooked: 1 });
    expect(await suspenseNos()).not.toContain("Q-1");
    expect(await suspenseNos()).toContain("Q-2");

    // VAT is 50 % central, BZ gives bingtuan 80 % of the local part, half up; the refund cumulatively,
    // so the receipt and its refund together split as their net does
    const net = 100_003n - 20_001n;
    const local = net - share(net, 5000n);
    const operator = share(local, 8000n);
    const after = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    const diff = (k: string) =>
      formatYuan(BigInt(after.totals[k].replace(".", "")) - BigInt(before.totals[k].replace(".", "")));
    expect(diff("local_revenue")).toBe(formatYuan(local));
    expect(diff("operator_share")).toBe(formatYuan(operator));
    expect(diff("central_excluded")).toBe(formatYuan(net - local));
    await booksIntact(2026);

    const { rows } = await db.knex.raw(
      `select r.receipt_no, c.park, v.uscc, v.version, e.idempotency_key, e.import_id, e.source_row, i.file_name
         from receipt_reclassifications c join receipts r on r.id = c.receipt_id
         join enterprise_stay_versions v on v.id = c.stay_version_id
         join journal_entries e on e.id = c.entry_id left join imports i on i.id = e.import_id
        order by r.receipt_no`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        receipt_no: "Q-1",
        park: "BZ",
        uscc: uscc(401),
        version: 1,
        idempotency_key: "reclassify:Q-1",
        source_row: 2,
      }),
      expect.objectContaining({ receipt_no: "Q-1-R", park: "BZ", idempotency_key: "reclassify:Q-1-R", source_row: 2 }),
    ]);
    const trace = await json("trace", "settlement", "--year", "2026", "--operator", "bingtuan", "--tax", "VAT");
    const text = JSON.stringify(trace);
    expect(text).toContain("reclassification of Q-1 out of suspense into BZ");
    expect(text).toContain(rows[0].file_name);
  });

  it("resolving again books nothing", async () => {
    const { rows: before } = await db.knex.raw(`select count(*)::int as n from journal_entries`);
    const r = await json("suspense", "resolve");
    expect(r).toMatchObject({ rebooked: 0, refunds: 0 });
    const { rows: after } = await db.knex.raw(`select count(*)::int as n from journal_entries`);
    expect(after[0].n).toBe(before[0].n);
  });

  it("a refund booked after its receipt was rebooked goes to its park, split after the refunds before it", async () => {
    const before = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    const late = csvFile([RECEIPT_HEADER, ["Q-1-R2", uscc(401), "VAT", "2026-04-01", "-100.01", "", "", "Q-1"]]);
    expect(await json("import", "receipts", late)).toMatchObject({ refunds: 1 });
    // its original stands in BZ (src/repositories/resplits.ts): so does the refund, never held
    const { rows: posted } = await db.knex.raw(`select status, park from receipts where receipt_no = 'Q-1-R2'`);
    expect(posted).toEqual([{ status: "posted", park: "BZ" }]);
    expect(await json("suspense", "resolve")).toMatchObject({ rebooked: 0, refunds: 0 });
    const after = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    // cumulatively: the split of everything refunded so far less the split of what was refunded before
    const localOf = (gross: bigint) => gross - share(gross, 5000n);
    const was = 100_003n - 20_001n;
    const now = was - 10_001n;
    const fen = (k: string, s: { totals: Record<string, string> }) => BigInt(s.totals[k]!.replace(".", ""));
    expect(fen("local_revenue", after) - fen("local_revenue", before)).toBe(localOf(now) - localOf(was));
    expect(fen("operator_share", after) - fen("operator_share", before)).toBe(
      share(localOf(now), 8000n) - share(localOf(was), 8000n),
    );
    await booksIntact(2026);
  });

  it("a closed year's suspense receipt goes to the next open year as a prior-year adjustment", async () => {
    const receipts = csvFile([RECEIPT_HEADER, ["P-1", uscc(501), "RES", "2025-09-01", "300.00", "local", "", ""]]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "test: no statement",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const closed = await json("report", "settlement", "--year", "2025", "--operator", "bingtuan");
    const late = csvFile([HEADER, [uscc(501), "五零一公司", "BZ", "2025-01-01", "", "new", "bingtuan", "false", ""]]);
    // recorded first without rebooking, then resolved by the command for that enterprise
    const imported = await json("import", "enterprises", late);
    expect(imported).toMatchObject({ suspense_rebooked: 1, suspense_prior_year_adjustments: 1 });
    expect(await json("report", "settlement", "--year", "2025", "--operator", "bingtuan")).toEqual(closed);
    const next = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    expect(next.prior_year_adjustments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          origin_year: 2025,
          tax_code: "RES",
          local_revenue: "300.00",
          operator_share: "240.00",
        }),
      ]),
    );
    const { rows } = await db.knex.raw(
      `select c.fiscal_year, e.fiscal_year as entry_year, e.origin_year from receipt_reclassifications c
         join receipts r on r.id = c.receipt_id join journal_entries e on e.id = c.entry_id where r.receipt_no = 'P-1'`,
    );
    expect(rows).toEqual([{ fiscal_year: 2026, entry_year: 2026, origin_year: 2025 }]);
    await booksIntact(2025);
    await booksIntact(2026);
  });

  it("suspense resolve --uscc rebooks what a registry row recorded before placed, and refuses a change that would move it", async () => {
    const receipts = csvFile([RECEIPT_HEADER, ["U-1", uscc(601), "RES", "2026-04-01", "10.00", "local", "", ""]]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    // the stay is recorded straight into the versions, as a registry row recorded by other means would be
    await db.knex.raw(`insert into enterprises (uscc, name) values (?, '六零一公司')`, [uscc(601)]);
    await db.knex.raw(
      `insert into enterprise_stay_versions (uscc, park, valid_from, version, recorded_by) values (?, 'WZ', '2026-01-01', 1, 'test')`,
      [uscc(601)],
    );
    expect(await suspenseNos()).toContain("U-1");
    const r = await json("suspense", "resolve", "--uscc", uscc(601));
    expect(r).toMatchObject({ rebooked: 1, items: [expect.objectContaining({ receipt_no: "U-1", park: "WZ" })] });
    expect(await suspenseNos()).not.toContain("U-1");
    await booksIntact(2026);
    const moved = csvFile([HEADER, [uscc(601), "六零一公司", "BZ", "2026-01-01", "", "", "", "false", ""]]);
    const refused = await cli(db, "import", "enterprises", moved);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/receipt U-1 .* is booked in WZ/);
  });

  it("verify names a reclassification whose record says otherwise than its entry", async () => {
    const tamper = (fen: number) =>
      db.knex.transaction(async (trx) => {
        await trx.raw("alter table receipt_reclassifications disable trigger user");
        await trx.raw(
          `update receipt_reclassifications set operator_fen = operator_fen + ?, host_fen = host_fen - ?
            where id = (select min(id) from receipt_reclassifications)`,
          [fen, fen],
        );
        await trx.raw("alter table receipt_reclassifications enable trigger user");
      });
    await tamper(1);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code).not.toBe(0);
    expect(v.json().findings).toEqual([
      // the sums by budget item were kept from the record as booked
      expect.objectContaining({
        check: "budget_item_sums_match_receipts",
        detail: expect.stringMatching(
          /^2026 BZ VAT - month 2: the receipts give .* operator 40002 host 9999 fen.*, the kept sums /,
        ),
      }),
      expect.objectContaining({
        check: "reclassification_booked",
        detail: expect.stringMatching(/of receipt Q-1 moves/),
      }),
    ]);
    await tamper(-1);
    expect((await json("verify")).intact).toBe(true);
  });
});
