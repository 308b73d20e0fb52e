// Reconciling the prefecture's books with an operator's own statement: every row in exactly one
// status, probable counterparts for a person to confirm, and the anomalies a finance officer must see.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

const STATEMENT_HEADER = ["receipt_no", "uscc", "tax_code", "collected_on", "amount"];
let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-03-01", "100.00", "local", "", ""], // matched
    ["P-2", uscc(2), "VAT", "2025-03-02", "200.00", "local", "", ""], // amount mismatch (operator 250)
    ["P-3", uscc(1), "CIT", "2025-03-03", "300.00", "local", "", ""], // missing in operator
    ["P-4", uscc(2), "RES", "2025-04-10", "400.00", "local", "", ""], // probable counterpart of O-9
    ["P-5", uscc(11), "VAT", "2025-03-05", "500.00", "local", "", ""], // WZ: claimed by bingtuan's statement
    ["P-6", uscc(999), "VAT", "2025-05-05", "60.00", "gross", "", ""], // suspense
    ["P-7", uscc(1), "VAT", "2024-12-30", "70.00", "local", "", ""], // another year
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  const bingtuan = csvFile([
    STATEMENT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-03-01", "100.00"],
    ["P-2", uscc(2), "VAT", "2025-03-02", "250.00"],
    ["O-8", uscc(3), "PROP", "2025-06-01", "80.00"], // missing in prefecture
    ["O-9", uscc(2), "10107", "2025-04-12", "400.00"], // same enterprise, tax, amount, 2 days later than P-4
    ["P-5", uscc(11), "VAT", "2025-03-05", "500.00"], // the registry and the books put it in WZ
  ]);
  const r = await cli(db, "import", "statements", "--party", "bingtuan", bingtuan, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  expect(r.json()).toMatchObject({ rows: 5, new_rows: 5 });
  const urumqi = csvFile([STATEMENT_HEADER, ["P-5", uscc(11), "VAT", "2025-03-05", "500.00"]]);
  expect((await cli(db, "import", "statements", "--party", "urumqi", urumqi)).code).toBe(0);
});
afterAll(async () => db?.drop());

async function report(...extra: string[]) {
  const r = await cli(db, "report", "reconciliation", "--year", "2025", ...extra, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe(`reconciliation (${dialectLabel})`, () => {
  it("puts every receipt of the park and every statement row of the year in exactly one status", async () => {
    const r = await report("--operator", "bingtuan");
    const byNo = Object.fromEntries(
      r.items.map((i: { receipt_no: string; status: string }) => [i.receipt_no, i.status]),
    );
    expect(byNo).toEqual({
      "P-1": "matched",
      "P-2": "amount_mismatch",
      "P-3": "missing_in_operator",
      "P-4": "missing_in_operator",
      "P-5": "missing_in_prefecture",
      "O-8": "missing_in_prefecture",
      "O-9": "missing_in_prefecture",
    });
    expect(r.summary).toMatchObject({
      matched: 1,
      amount_mismatch: 1,
      missing_in_operator: 2,
      missing_in_prefecture: 3,
      prefecture_total: "1000.00",
      operator_total: "1330.00",
      difference: "-330.00",
    });
  });

  it("pairs probable counterparts for a person to confirm, never counting them as matched", async () => {
    const r = await report("--operator", "bingtuan");
    const p4 = r.items.find((i: { receipt_no: string }) => i.receipt_no === "P-4");
    const o9 = r.items.find((i: { receipt_no: string }) => i.receipt_no === "O-9");
    expect(p4).toMatchObject({ status: "missing_in_operator", probable_counterpart: "O-9" });
    expect(o9).toMatchObject({ status: "missing_in_prefecture", probable_counterpart: "P-4" });
    expect(r.summary.probable_pairs).toBe(1);
  });

  it("says what the differences would change in the operator's share", async () => {
    const r = await report("--operator", "bingtuan");
    const effect = (no: string) =>
      r.items.find((i: { receipt_no: string }) => i.receipt_no === no).operator_share_effect;
    expect(effect("P-1")).toBe("0.00");
    expect(effect("P-2")).toBe("40.00"); // 80 % of the 50.00 more the operator recorded
    expect(effect("P-3")).toBe("-240.00"); // the operator does not record a booked 300.00
    expect(effect("O-8")).toBe("64.00"); // 80 % of 80.00 the prefecture has not booked
    // booked shares: P-1 80, P-2 160, P-3 240, P-4 320
    expect(r.summary.operator_share_booked).toBe("800.00");
  });

  it("lists the Bingtuan flag still set, receipts claimed by both operators, and suspense", async () => {
    const r = await report("--operator", "bingtuan");
    const kinds = r.anomalies.map((a: { kind: string; uscc: string; receipt_no?: string }) => [
      a.kind,
      a.uscc,
      a.receipt_no ?? null,
    ]);
    expect(kinds).toContainEqual(["bingtuan_flag_set", uscc(3), null]);
    expect(kinds).toContainEqual(["claimed_by_both_operators", uscc(11), "P-5"]);
    expect(kinds).toContainEqual(["suspense", uscc(999), "P-6"]);
  });

  it("gives the three-party summary without --operator", async () => {
    const r = await report();
    expect(r.parties.map((p: { operator: string }) => p.operator)).toEqual(["bingtuan", "urumqi"]);
    const urumqi = r.parties.find((p: { operator: string }) => p.operator === "urumqi");
    expect(urumqi.summary).toMatchObject({ matched: 1, missing_in_operator: 0, missing_in_prefecture: 0 });
    expect(
      r.anomalies.filter((a: { kind: string }) => a.kind === "claimed_by_both_operators").length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("imports a statement again as a no-op and refuses a number reused with other content", async () => {
    const again = csvFile([STATEMENT_HEADER, ["P-1", uscc(1), "VAT", "2025-03-01", "100.00"]]);
    const r1 = await cli(db, "import", "statements", "--party", "bingtuan", again, "--format", "json");
    expect(r1.json()).toMatchObject({ new_rows: 0, unchanged_rows: 1 });
    const changed = csvFile([STATEMENT_HEADER, ["P-1", uscc(1), "VAT", "2025-03-01", "101.00"]]);
    const r2 = await cli(db, "import", "statements", "--party", "bingtuan", changed);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/:2: column receipt_no: .*already in bingtuan's statement/);
    const bad = await cli(db, "import", "statements", "--party", "prefecture", again);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/party_unknown/);
  });

  it("writes every item as CSV and the report as a table", async () => {
    const csv = await cli(
      db,
      "report",
      "reconciliation",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "csv",
    );
    const lines = csv.stdout
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(/^receipt_no,status,/);
    expect(lines.length).toBe(1 + 7);
    const table = await cli(db, "report", "reconciliation", "--year", "2025", "--operator", "bingtuan");
    expect(table.stdout).toContain("对账单");
    expect(table.stdout).toContain("missing_in_prefecture");
  });
});

describe(`statement rows (${dialectLabel})`, () => {
  it("takes an operator's refund as a plain negative row and checks rows as receipts are checked", async () => {
    const ok = csvFile([STATEMENT_HEADER, ["O-NEG-1", uscc(1), "VAT", "2025-07-01", "-12.34"]]);
    const r1 = await cli(db, "import", "statements", "--party", "bingtuan", ok, "--format", "json");
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.json()).toMatchObject({ new_rows: 1 });
    const bad = csvFile([STATEMENT_HEADER, ["O-BAD-1", uscc(1).slice(0, 17) + "0", "VAT", "2025-02-30", "1.234"]]);
    const r2 = await cli(db, "import", "statements", "--party", "bingtuan", bad);
    expect(r2.code).toBe(2);
    for (const where of [":2: column collected_on:", ":2: column amount:"]) expect(r2.stderr).toContain(where);
  });
});
