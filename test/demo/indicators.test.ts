// The demo's indicator reports must be believable and importable: the same bytes for the same seed,
// no January row (the 1–2月 report covers it), year-to-date figures that never fall, four decimals,
// and revisions only of months already reported.

import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parseQuantity } from "../../ledger/indicators.js";
import { demoIndicators } from "../../src/demo/indicators.js";

type Row = { park: string; indicator: string; month: string; value: string; basis: string };
const rows = (text: string): Row[] => parse(text, { columns: true }) as Row[];

describe("demo indicator reports", () => {
  it("are the same for the same seed and differ for another", () => {
    expect(demoIndicators(2025, 7, 12)).toEqual(demoIndicators(2025, 7, 12));
    expect(demoIndicators(2025, 8, 12).reports).not.toBe(demoIndicators(2025, 7, 12).reports);
  });

  it("report February to the last month begun, year to date, never falling", () => {
    const { reports, revisions } = demoIndicators(2025, 20250101, 9);
    const list = rows(reports);
    expect(list.length).toBe(3 * 5 * 8); // three parks, five indicators, February–September
    expect(list.some((r) => r.month === "2025-01" || r.month > "2025-09")).toBe(false);
    const last = new Map<string, bigint>();
    for (const r of list) {
      const value = parseQuantity(r.value);
      expect(value, r.value).not.toBeNull();
      expect(r.basis).toBe("ytd");
      const key = `${r.park}|${r.indicator}`;
      expect(value! > (last.get(key) ?? 0n)).toBe(true);
      last.set(key, value!);
    }
    const reported = new Set(list.map((r) => `${r.park}|${r.indicator}|${r.month}`));
    const revised = rows(revisions);
    expect(revised.length).toBeGreaterThan(0);
    for (const r of revised) expect(reported.has(`${r.park}|${r.indicator}|${r.month}`)).toBe(true);
  });
});
