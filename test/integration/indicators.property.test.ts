// Property: whatever reports arrive, in however many files and revisions, the indicator report holds
// for each month exactly what the latest reports give, the assessment parts add up to each month and
// to the year, and verify finds the journal in agreement with the reports.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeMonths, formatQuantity, parseQuantity, type MonthReport } from "../../ledger/indicators.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile } from "../support/files.js";

let db: TestDatabase;
let run = 0;
const PARKS = ["BZ", "WZ", "ZD"];
const INDICATORS = ["GDP", "GIOV", "FAI", "TRADE", "FDI"];

beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

const reportArb = fc.record({
  month: fc.integer({ min: 1, max: 12 }),
  basis: fc.constantFrom<"ytd" | "month">("ytd", "month"),
  value: fc.oneof(fc.bigInt({ min: -20n, max: 20n }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 15n })),
});
const fileArb = fc.uniqueArray(reportArb, { selector: (r) => r.month, minLength: 1, maxLength: 6 });

describe(`indicator attribution (${dialectLabel})`, () => {
  it("holds what the latest reports give, with parts adding up to every month and the year", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fileArb, { minLength: 1, maxLength: 3 }), async (files) => {
        // each run its own park, indicator and year (all under the seeded 80 % agreements)
        const combo = run++;
        const park = PARKS[combo % 3]!;
        const indicator = INDICATORS[Math.floor(combo / 3) % 5]!;
        const year = 2020 + Math.floor(combo / 15);
        const inForce = new Map<number, MonthReport>();
        for (const reports of files) {
          const file = csvFile([
            ["park", "indicator", "month", "value", "basis"],
            ...reports.map((r) => [
              park,
              indicator,
              `${year}-${String(r.month).padStart(2, "0")}`,
              formatQuantity(r.value),
              r.basis,
            ]),
          ]);
          const imported = await cli(db, "import", "indicators", file);
          expect(imported.code, imported.stderr).toBe(0);
          for (const r of reports) inForce.set(r.month, r);
        }
        const expected = attributeMonths([...inForce.values()], () => (park === "ZD" ? null : 8000));
        const out = await cli(db, "report", "indicators", "--year", String(year), "--park", park, "--format", "json");
        expect(out.code, out.stderr).toBe(0);
        const line = out.json().indicators.find((i: { indicator: string }) => i.indicator === indicator);
        const operator = park === "ZD" ? "prefecture" : park === "BZ" ? "bingtuan" : "urumqi";
        const q = (text: string | undefined) => parseQuantity(text ?? "0")!;
        expect(line.months.map((m: { month: string }) => Number(m.month.slice(5)))).toEqual(
          expected.map((m) => m.month),
        );
        let op = 0n;
        let host = 0n;
        for (const [i, m] of line.months.entries()) {
          const want = expected[i]!;
          expect(q(m.value)).toBe(want.value);
          const parts = q(m.assessment[operator]) + (park === "ZD" ? 0n : q(m.assessment.prefecture));
          expect(parts).toBe(q(m.value));
          if (park !== "ZD") expect(q(m.assessment.prefecture)).toBe(want.host);
          op += q(m.assessment[operator]);
          host += park === "ZD" ? 0n : q(m.assessment.prefecture);
        }
        expect(q(line.total)).toBe(expected.at(-1)?.ytd ?? 0n);
        expect(op + host).toBe(q(line.total));
        expect(q(line.statistical[operator])).toBe(q(line.total));
      }),
      { numRuns: 20 },
    );
    const v = await cli(db, "verify", "--format", "json");
    expect(v.json().findings).toEqual([]);
  });
});
