// Tracing a report figure back to its entries and source rows, as an auditor does: the entries'
// contributions add up to the figure the report shows, and each names its file, sha256 and row.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
let receiptsFile: string;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  receiptsFile = csvFile([
    RECEIPT_HEADER,
    ["T-1", uscc(1), "VAT", "2025-03-01", "100.03", "gross", "", ""],
    ["T-2", uscc(2), "10101", "2025-04-02", "250.00", "gross", "", ""],
    ["T-3", uscc(3), "CIT", "2025-05-03", "300.00", "local", "", ""],
    ["T-4", uscc(11), "VAT", "2025-05-04", "999.99", "gross", "", ""],
    ["T-5", uscc(1), "VAT", "2025-06-01", "-40.01", "gross", "", "T-1"],
  ]);
  expect((await cli(db, "import", "receipts", receiptsFile)).code).toBe(0);
  const t = await cli(
    db,
    "transfer",
    "--operator",
    "bingtuan",
    "--amount",
    "20.00",
    "--on",
    "2025-07-01",
    "--ref",
    "TR-1",
  );
  expect(t.code, t.stderr).toBe(0);
  const indicators = csvFile([
    ["park", "indicator", "month", "value"],
    ["BZ", "GDP", "2025-02", "100.0001"],
    ["BZ", "GDP", "2025-05", "250.5"],
  ]);
  expect((await cli(db, "import", "indicators", indicators)).code).toBe(0);
});
afterAll(async () => db?.drop());

async function traced(...args: string[]) {
  const r = await cli(db, "trace", ...args, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe(`trace (${dialectLabel})`, () => {
  it("traces the VAT operator share with Bingtuan to its receipts and refund, adding up to the statement", async () => {
    const t = await traced("settlement", "--year", "2025", "--operator", "bingtuan", "--tax", "VAT");
    const statement = (
      await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "json")
    ).json();
    const vat = statement.by_tax.find((r: { tax_code: string }) => r.tax_code === "VAT");
    expect(t).toMatchObject({ figure: vat.operator_share, total: vat.operator_share, agrees: true, entry_count: 3 });
    expect(t.entries.map((e: { idempotency_key: string }) => e.idempotency_key)).toEqual([
      "receipt:T-1",
      "receipt:T-2",
      "receipt:T-5",
    ]);
    const sum = t.entries.reduce((s: bigint, e: { amount: string }) => s + parseYuan(e.amount)!, 0n);
    expect(sum).toBe(parseYuan(vat.operator_share));
    expect(t.entries[0].source).toMatchObject({ row: 2 });
    expect(t.entries[0].source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(t.entries[2].source).toMatchObject({ row: 6 });
    expect(Number(t.entries[2].amount)).toBeLessThan(0); // the refund takes back its share
  });

  it("traces the balance due as the operator's share less the transfers", async () => {
    const t = await traced("settlement", "--year", "2025", "--operator", "bingtuan", "--figure", "balance_due");
    expect(t.agrees).toBe(true);
    const transfer = t.entries.find((e: { kind: string }) => e.kind === "transfer");
    expect(transfer).toMatchObject({ amount: "-20.00", source: null });
    expect(transfer.posted_by).toMatch(/^cli:/);
  });

  it("traces every settlement figure of both operators to a total that agrees", async () => {
    for (const operator of ["bingtuan", "urumqi"])
      for (const figure of [
        "operator_share",
        "host_share",
        "local_revenue",
        "central_excluded",
        "not_shared",
        "transferred",
      ]) {
        const t = await traced("settlement", "--year", "2025", "--operator", operator, "--figure", figure);
        expect(t.agrees, `${operator} ${figure}: ${t.figure} vs ${t.total}`).toBe(true);
      }
  });

  it("traces indicator figures to the indicator entries and report rows", async () => {
    const total = await traced("indicators", "--year", "2025", "--park", "BZ", "--indicator", "GDP");
    expect(total).toMatchObject({
      unit: "10k CNY",
      figure: "250.5000",
      total: "250.5000",
      agrees: true,
      entry_count: 2,
    });
    expect(total.entries[1].source).toMatchObject({ row: 3 });
    const host = await traced(
      "indicators",
      "--year",
      "2025",
      "--park",
      "BZ",
      "--indicator",
      "GDP",
      "--figure",
      "assessment_host",
    );
    expect(host).toMatchObject({ figure: "50.1000", agrees: true });
    const may = await traced(
      "indicators",
      "--year",
      "2025",
      "--park",
      "BZ",
      "--indicator",
      "GDP",
      "--month",
      "2025-05",
      "--figure",
      "assessment_operator",
    );
    expect(may).toMatchObject({ figure: "120.3999", total: "120.3999", agrees: true, entry_count: 1 });
  });

  it("traces one side of an account in a jurisdiction's trial balance", async () => {
    const t = await traced("account", "--year", "2025", "--jurisdiction", "prefecture", "--account", "treasury");
    expect(t).toMatchObject({ agrees: true, entry_count: 4 });
    const credit = await traced(
      "account",
      "--year",
      "2025",
      "--jurisdiction",
      "prefecture",
      "--account",
      "treasury",
      "--figure",
      "credit",
    );
    expect(credit).toMatchObject({ agrees: true });
    expect(credit.entry_count).toBe(2); // the refund and the transfer
  });

  it("limits the list, never the total, and shows a table for people", async () => {
    const t = await traced("settlement", "--year", "2025", "--operator", "bingtuan", "--limit", "1");
    expect(t.entries).toHaveLength(1);
    expect(t.entry_count).toBeGreaterThan(1);
    expect(t.agrees).toBe(true);
    const table = await cli(db, "trace", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(table.stdout).toContain("一致 agrees");
    expect(table.stdout).toContain("receipt:T-1");
  });

  it("pages a long trace: the pages are the full list in order, each entry's amount as there, the total over all", async () => {
    const targets: string[][] = [
      ["settlement", "--year", "2025", "--operator", "bingtuan"],
      ["settlement", "--year", "2025", "--operator", "bingtuan", "--figure", "local_revenue"],
      ["settlement", "--year", "2025", "--operator", "urumqi", "--figure", "balance_due"],
      ["indicators", "--year", "2025", "--park", "BZ", "--indicator", "GDP"],
      ["account", "--year", "2025", "--jurisdiction", "prefecture", "--account", "treasury", "--figure", "credit"],
      ["account", "--year", "2025", "--jurisdiction", "prefecture", "--account", "treasury"],
    ];
    for (const target of targets) {
      const full = await traced(...target);
      const pages = [];
      for (let offset = 0; offset < full.entry_count + 2; offset += 2) {
        const page = await traced(...target, "--limit", "2", "--offset", String(offset));
        expect(page, target.join(" ")).toMatchObject({
          figure: full.figure,
          total: full.total,
          agrees: full.agrees,
          entry_count: full.entry_count,
          offset,
        });
        pages.push(...page.entries);
      }
      expect(pages, target.join(" ")).toEqual(full.entries);
    }
    // a page asked for without adding every entry up: the same entries, no total
    const quick = await traced(
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--limit",
      "2",
      "--totals",
      "no",
    );
    const slow = await traced("settlement", "--year", "2025", "--operator", "bingtuan", "--limit", "2");
    expect(quick).toMatchObject({ total: null, agrees: null, entry_count: null, figure: slow.figure });
    expect(quick.entries).toEqual(slow.entries);
    const none = await traced("settlement", "--year", "2025", "--operator", "bingtuan", "--limit", "0");
    expect(none.entries).toEqual([]);
    expect(none.agrees).toBe(true);
  });

  it("refuses what cannot be traced, naming why", async () => {
    const r = await cli(db, "trace", "settlement", "--year", "2025", "--operator", "bingtuan", "--tax", "XYZ");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/XYZ is not a tax code/);
    const zd = await cli(
      db,
      "trace",
      "indicators",
      "--year",
      "2025",
      "--park",
      "ZD",
      "--indicator",
      "GDP",
      "--figure",
      "assessment_host",
    );
    expect(zd.code).toBe(2);
  });
});

describe(`trace of a journal changed behind its back (${dialectLabel})`, () => {
  let books: TestDatabase;
  beforeAll(async () => {
    books = await testDatabase();
    expect((await cli(books, "import", "enterprises", standardRegistry())).code).toBe(0);
    const receipts = csvFile([
      RECEIPT_HEADER,
      ["A-1", uscc(1), "VAT", "2025-03-01", "100.00", "gross", "", ""],
      ["A-2", uscc(2), "VAT", "2025-04-02", "200.00", "gross", "", ""],
    ]);
    expect((await cli(books, "import", "receipts", receipts)).code).toBe(0);
  });
  afterAll(async () => books?.drop());

  const trace = async (...args: string[]) => {
    const r = await cli(
      books,
      "trace",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      ...args,
      "--format",
      "json",
    );
    expect(r.code, r.stderr).toBe(0);
    return r.json();
  };

  /** As someone with database access would, the append-only triggers switched off (as test/integration/audit-trail.test.ts). */
  async function tamper(...statements: string[]): Promise<void> {
    await books.knex.transaction(async (trx) => {
      for (const table of ["journal_entries", "journal_lines"])
        await trx.raw(`alter table ${table} disable trigger user`);
      for (const s of statements) await trx.raw(s);
      for (const table of ["journal_entries", "journal_lines"])
        await trx.raw(`alter table ${table} enable trigger user`);
    });
  }

  it("adds up what the lines hold, not what the report says: a changed line or a moved entry makes them disagree", async () => {
    const before = await trace("--limit", "1");
    expect(before).toMatchObject({ agrees: true, entry_count: 2 });
    const figure = parseYuan(before.figure)!;
    const share = async (key: string) =>
      parseYuan((await trace()).entries.find((e: { idempotency_key: string }) => e.idempotency_key === key).amount)!;
    const moved = await share("receipt:A-1");

    // one fen more credited to the operator's share of A-2, beside the balances the report reads
    await tamper(
      `update journal_lines set credit_fen = credit_fen + 1
        where entry_id = (select id from journal_entries where idempotency_key = 'receipt:A-2')
          and account_id = (select id from accounts where jurisdiction = 'bingtuan' and code = 'revenue_shared')`,
    );
    for (const args of [["--limit", "1"], [], ["--figure", "local_revenue", "--limit", "1"]]) {
      const t = await trace(...args);
      expect(t.agrees, args.join(" ")).toBe(false);
      expect(parseYuan(t.total)! - parseYuan(t.figure)!, args.join(" ")).toBe(1n);
      expect(t.entry_count, args.join(" ")).toBe(2);
    }
    const table = await cli(books, "trace", "settlement", "--year", "2025", "--operator", "bingtuan", "--limit", "1");
    expect(table.stdout).toContain("不一致 DOES NOT AGREE");

    // A-1's entry said to be of another park: no longer behind Bingtuan's figure
    await tamper(`update journal_entries set park = 'WZ' where idempotency_key = 'receipt:A-1'`);
    const t = await trace("--limit", "1");
    expect(t).toMatchObject({ figure: before.figure, agrees: false, entry_count: 1 });
    expect(parseYuan(t.total)).toBe(figure - moved + 1n);
    expect(t.entries.map((e: { idempotency_key: string }) => e.idempotency_key)).toEqual(["receipt:A-2"]);
  });
});
