// Property: whatever the two sides hold, reconciliation puts every receipt number of the year in
// exactly one status, consistent with which side has it, and its totals are the sums of each side.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
let run = 0;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

const rowArb = fc.record({
  n: fc.integer({ min: 1, max: 40 }),
  fen: fc.bigInt({ min: 1n, max: 10_000_000n }),
  side: fc.constantFrom("both", "both_other_amount", "prefecture", "operator"),
  day: fc.integer({ min: 1, max: 28 }),
});

describe(`reconciliation partition (${dialectLabel})`, () => {
  it("puts every receipt number of the year in exactly one status", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(rowArb, { selector: (r) => r.n, minLength: 1, maxLength: 25 }), async (rows) => {
        run += 1;
        const year = 2030 + run; // each run its own year, so runs do not see each other
        const date = (day: number) => `${year}-03-${String(day).padStart(2, "0")}`;
        const no = (n: number) => `PR${run}-${n}`;
        const receipts = rows.filter((r) => r.side !== "operator");
        const statement = rows.filter((r) => r.side !== "prefecture");
        if (receipts.length > 0) {
          const file = csvFile([
            RECEIPT_HEADER,
            ...receipts.map((r) => [no(r.n), uscc(1), "VAT", date(r.day), formatYuan(r.fen), "local", "", ""]),
          ]);
          expect((await cli(db, "import", "receipts", file)).code).toBe(0);
        }
        if (statement.length > 0) {
          const amount = (r: (typeof rows)[number]) => formatYuan(r.side === "both_other_amount" ? r.fen + 1n : r.fen);
          const file = csvFile([
            ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
            ...statement.map((r) => [no(r.n), uscc(1), "VAT", date(r.day), amount(r)]),
          ]);
          expect((await cli(db, "import", "statements", "--party", "bingtuan", file)).code).toBe(0);
        }
        const out = await cli(
          db,
          "report",
          "reconciliation",
          "--year",
          String(year),
          "--operator",
          "bingtuan",
          "--format",
          "json",
        );
        const report = out.json();
        const seen = report.items.map((i: { receipt_no: string }) => i.receipt_no);
        expect(new Set(seen).size).toBe(seen.length);
        expect(new Set(seen)).toEqual(new Set(rows.map((r) => no(r.n))));
        const expected: Record<string, string> = {
          both: "matched",
          both_other_amount: "amount_mismatch",
          prefecture: "missing_in_operator",
          operator: "missing_in_prefecture",
        };
        for (const r of rows)
          expect(report.items.find((i: { receipt_no: string }) => i.receipt_no === no(r.n)).status).toBe(
            expected[r.side],
          );
        const s = report.summary;
        expect(s.matched + s.amount_mismatch + s.missing_in_operator + s.missing_in_prefecture).toBe(rows.length);
        const sum = (list: typeof rows, extra: (r: (typeof rows)[number]) => bigint) =>
          list.reduce((t, r) => t + r.fen + extra(r), 0n);
        expect(s.prefecture_total).toBe(formatYuan(sum(receipts, () => 0n)));
        expect(s.operator_total).toBe(formatYuan(sum(statement, (r) => (r.side === "both_other_amount" ? 1n : 0n))));
      }),
      { numRuns: 8 },
    );
  });
});
