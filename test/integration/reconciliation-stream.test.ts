// The reconciliation's JSON written a batch of items at a time (what a year of a million receipts
// goes out as): the same bytes as the report held whole, whatever the batch, every receipt and
// statement row once and in receipt-number order with the rows that differ merged in where they
// belong, decisions and probable counterparts on them, and an operator's own view kept to itself.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openReconciliation,
  reconciliation,
  reconciliationJson,
  type Reconciliation,
} from "../../reports/reconciliation.js";
import { FULL_VIEW, operatorView, type Viewer } from "../../reports/viewer.js";
import { ReferenceData } from "../../src/repositories/reference.js";
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
    ["A-1", uscc(1), "VAT", "2025-03-01", "100.00", "local", "", ""], // matched
    ["A-2", uscc(1), "VAT", "2025-03-02", "200.00", "local", "", ""], // amount mismatch
    ["A-3", uscc(1), "CIT", "2025-03-03", "300.00", "local", "", ""], // matched, another date in the statement
    ["B-1", uscc(2), "RES", "2025-04-10", "400.00", "local", "", ""], // missing in operator; probable pair of C-9
    ["B-2", uscc(2), "VAT", "2025-04-11", "10.00", "local", "", ""], // matched
    ["D-1", uscc(2), "VAT", "2025-05-01", "50.00", "local", "", ""], // confirmed with E-1
    ["F-1", uscc(1), "VAT", "2025-06-01", "60.00", "local", "", ""], // matched
    ["Z-1", uscc(11), "VAT", "2025-03-05", "500.00", "local", "", ""], // WZ, urumqi's
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  const bingtuan = csvFile([
    STATEMENT_HEADER,
    ["A-1", uscc(1), "VAT", "2025-03-01", "100.00"],
    ["A-2", uscc(1), "VAT", "2025-03-02", "200.50"],
    ["A-3", uscc(1), "CIT", "2025-03-04", "300.00"],
    ["A-4", uscc(3), "VAT", "2025-03-04", "70.00"], // missing in prefecture, between matched rows
    ["B-2", uscc(2), "VAT", "2025-04-11", "10.00"],
    ["C-9", uscc(2), "RES", "2025-04-12", "400.00"],
    ["E-1", uscc(2), "VAT", "2025-05-02", "50.00"],
    ["F-1", uscc(1), "VAT", "2025-06-01", "60.00"],
    ["G-1", uscc(1), "CIT", "2025-07-01", "80.00"], // missing in prefecture, after every matched row
  ]);
  expect((await cli(db, "import", "statements", "--party", "bingtuan", bingtuan)).code).toBe(0);
  const urumqi = csvFile([STATEMENT_HEADER, ["A-1", uscc(1), "VAT", "2025-03-01", "100.00"]]);
  expect((await cli(db, "import", "statements", "--party", "urumqi", urumqi)).code).toBe(0);
  const decided = await cli(
    db,
    ...["reconcile", "decide", "--operator", "bingtuan", "--year", "2025", "--receipt", "D-1"],
    ...["--counterpart", "E-1", "--confirm"],
  );
  expect(decided.code, decided.stderr).toBe(0);
});
afterAll(async () => db?.drop());

async function streamed(viewer: Viewer, operator: string, batchRows: number, splitAt?: string[]): Promise<string> {
  const ref = await ReferenceData.load(db.knex);
  const open = await openReconciliation(db.knex, ref, 2025, operator, viewer, undefined, {
    batchRows,
    ...(splitAt !== undefined ? { splitAt } : {}),
  });
  let text = "";
  for await (const piece of reconciliationJson(open)) text += piece;
  return text;
}

describe(`the reconciliation's JSON a batch at a time (${dialectLabel})`, () => {
  it("is the whole report's JSON to the byte, whatever the batch", async () => {
    const ref = await ReferenceData.load(db.knex);
    const whole = JSON.stringify(await reconciliation(db.knex, ref, 2025, "bingtuan", FULL_VIEW)) + "\n";
    for (const batch of [1, 2, 3, 5_000]) expect(await streamed(FULL_VIEW, "bingtuan", batch)).toBe(whole);
    // on PostgreSQL the pairing runs in ranges of receipt numbers, each on its own connection
    for (const splitAt of [["B-2"], ["A-4", "E-1"], [""], ["ZZZ"]])
      for (const batch of [1, 5_000]) expect(await streamed(FULL_VIEW, "bingtuan", batch, splitAt)).toBe(whole);
  });

  it("lists every receipt and statement row once, in receipt-number order, each as it stands", async () => {
    const r = JSON.parse(await streamed(FULL_VIEW, "bingtuan", 2)) as Reconciliation;
    const status = Object.fromEntries(r.items.map((i) => [i.receipt_no, i.status]));
    expect(r.items.map((i) => i.receipt_no)).toEqual([
      ...["A-1", "A-2", "A-3", "A-4", "B-1", "B-2", "C-9", "D-1", "E-1", "F-1", "G-1"],
    ]);
    expect(status).toEqual({
      "A-1": "matched",
      "A-2": "amount_mismatch",
      "A-3": "matched",
      "A-4": "missing_in_prefecture",
      "B-1": "missing_in_operator",
      "B-2": "matched",
      "C-9": "missing_in_prefecture",
      "D-1": "matched_by_decision",
      "E-1": "matched_by_decision",
      "F-1": "matched",
      "G-1": "missing_in_prefecture",
    });
    const item = (no: string) => r.items.find((i) => i.receipt_no === no)!;
    expect(item("A-3").differences).toEqual(["collected_on"]);
    expect(item("A-2")).toMatchObject({ prefecture_amount: "200.00", operator_amount: "200.50" });
    expect(item("B-1").probable_counterpart).toBe("C-9");
    expect(item("C-9").probable_counterpart).toBe("B-1");
    expect(item("D-1").decision).toMatchObject({ receipt_no: "D-1", counterpart_no: "E-1", decision: "confirm" });
    expect(r.summary).toMatchObject({
      matched: 4,
      amount_mismatch: 1,
      missing_in_operator: 1,
      missing_in_prefecture: 3,
      matched_by_decision: 2,
      probable_pairs: 1,
      prefecture_total: "1120.00",
      operator_total: "1270.50",
    });
    expect(r.anomalies.some((a) => a.kind === "claimed_by_both_operators" && a.receipt_no === "A-1")).toBe(true);
  });

  it("keeps an operator's view to its own: no word of the other operator's statement", async () => {
    const own = JSON.parse(await streamed(operatorView("bingtuan"), "bingtuan", 3)) as Reconciliation;
    expect(own.items.map((i) => i.receipt_no)).not.toContain("Z-1");
    expect(own.anomalies.filter((a) => a.kind === "claimed_by_both_operators")).toEqual([]);
    const theirs = JSON.parse(await streamed(operatorView("urumqi"), "urumqi", 1)) as Reconciliation;
    expect(theirs.items.map((i) => `${i.receipt_no} ${i.status}`)).toEqual([
      "A-1 missing_in_prefecture",
      "Z-1 missing_in_operator",
    ]);
  });
});
