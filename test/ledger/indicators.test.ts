// Indicators as a statistician reads them: four-decimal values, year-to-date reports turned into
// monthly values with unreported months folded into the next report (1–2月), each month split by the
// agreement of its first day, and booked so both jurisdictions' indicator books balance.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  attributeMonths,
  formatQuantity,
  monthlyValues,
  parseBasis,
  parseMonth,
  parseQuantity,
  splitIndicator,
  type MonthReport,
} from "../../ledger/indicators.js";
import { assertBalanced, indicatorLines } from "../../ledger/posting.js";

describe("quantities at four decimals", () => {
  it.each([
    ["0", 0n],
    ["1234.5", 12_345_000n],
    ["0.0001", 1n],
    ["-12.3456", -123_456n],
    ["999999999999999.9999", 9_999_999_999_999_999_999n],
  ])("parses %s", (text, units) => {
    expect(parseQuantity(text)).toBe(units);
    expect(parseQuantity(formatQuantity(units))).toBe(units);
  });

  it.each([["1.23456"], ["1e3"], ["1,234.5"], [""], [" 1"], ["+1"], ["."], ["1."], ["0x10"]])("refuses %j", (text) => {
    expect(parseQuantity(text)).toBeNull();
  });

  it("formats with exactly four places and the sign", () => {
    expect(formatQuantity(12_345_000n)).toBe("1234.5000");
    expect(formatQuantity(-1n)).toBe("-0.0001");
    expect(formatQuantity(0n)).toBe("0.0000");
  });
});

describe("months and bases", () => {
  it.each([
    ["2025-03", "2025-03"],
    ["2025/3", "2025-03"],
    ["2025-3", "2025-03"],
    ["2025/3/1", "2025-03"],
    ["2025-03-01", "2025-03"],
    ["2025.12", "2025-12"],
  ])("reads %s as %s", (text, month) => {
    expect(parseMonth(text)).toBe(month);
  });

  it.each([["2025-13"], ["2025-00"], ["2025-03-02"], ["25-03"], ["March 2025"], [""]])("refuses %j", (text) => {
    expect(parseMonth(text)).toBeNull();
  });

  it("reads ytd by default, and the Chinese names of both bases", () => {
    expect(parseBasis("")).toBe("ytd");
    expect(parseBasis("累计")).toBe("ytd");
    expect(parseBasis("MONTH")).toBe("month");
    expect(parseBasis("当月")).toBe("month");
    expect(parseBasis("quarter")).toBeNull();
  });
});

describe("monthly values from the reports in force", () => {
  it("takes differences of year-to-date figures and folds January into the 1–2月 report", () => {
    const values = monthlyValues([
      { month: 3, basis: "ytd", value: 3_500_000n },
      { month: 2, basis: "ytd", value: 2_000_000n },
      { month: 5, basis: "ytd", value: 6_000_000n },
    ]);
    expect(values.map((v) => [v.month, v.first_month, v.value, v.ytd])).toEqual([
      [2, 1, 2_000_000n, 2_000_000n],
      [3, 3, 1_500_000n, 3_500_000n],
      [5, 4, 2_500_000n, 6_000_000n],
    ]);
  });

  it("adds monthly figures as they are, and mixes them with year-to-date ones", () => {
    const values = monthlyValues([
      { month: 1, basis: "month", value: 100n },
      { month: 2, basis: "month", value: 50n },
      { month: 4, basis: "ytd", value: 400n },
    ]);
    expect(values.map((v) => [v.month, v.first_month, v.value, v.ytd])).toEqual([
      [1, 1, 100n, 100n],
      [2, 2, 50n, 150n],
      [4, 3, 250n, 400n],
    ]);
  });

  it("gives a negative month when a year-to-date figure falls, rather than dropping it", () => {
    const values = monthlyValues([
      { month: 6, basis: "ytd", value: 1000n },
      { month: 7, basis: "ytd", value: 900n },
    ]);
    expect(values.map((v) => v.value)).toEqual([1000n, -100n]);
  });

  it("refuses two reports in force for one month", () => {
    expect(() =>
      monthlyValues([
        { month: 6, basis: "ytd", value: 1n },
        { month: 6, basis: "month", value: 1n },
      ]),
    ).toThrow(/two reports/);
  });
});

describe("the assessment split", () => {
  it("splits 80:20 at four decimals, rounding the operator half up", () => {
    expect(splitIndicator(3n, 8000)).toEqual({ operator: 2n, host: 1n }); // 2.4 → 2
    expect(splitIndicator(5n, 7500)).toEqual({ operator: 4n, host: 1n }); // 3.75 → 4
    expect(splitIndicator(-5n, 7500)).toEqual({ operator: -4n, host: -1n });
    expect(splitIndicator(12_345n, null)).toEqual({ operator: 12_345n, host: 0n });
  });

  it("splits each month by the agreement of its first day: 80 % to June, 75 % from July", () => {
    const months = attributeMonths(
      [
        { month: 6, basis: "ytd", value: 6_000_000n },
        { month: 8, basis: "ytd", value: 10_000_000n },
      ],
      (month) => (month < 7 ? 8000 : 7500),
    );
    expect(months.map((m) => [m.month, m.operator, m.host, m.operator_share_bp])).toEqual([
      [6, 4_800_000n, 1_200_000n, 8000],
      [8, 3_000_000n, 1_000_000n, 7500],
    ]);
  });

  const report: fc.Arbitrary<MonthReport> = fc.record({
    month: fc.integer({ min: 1, max: 12 }),
    basis: fc.constantFrom<"ytd" | "month">("ytd", "month"),
    value: fc.oneof(fc.bigInt({ min: -50n, max: 50n }), fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n })),
  });
  const reports = fc.uniqueArray(report, { selector: (r) => r.month, maxLength: 12 });
  const share = fc.oneof(fc.constantFrom(0, 7500, 8000, 10000), fc.integer({ min: 0, max: 10000 }));

  it("property: every month's parts add up to its value, and the months add up to the year", () => {
    fc.assert(
      fc.property(reports, fc.array(share, { minLength: 12, maxLength: 12 }), (rs, shares) => {
        const months = attributeMonths(rs, (m) => shares[m - 1]!);
        let operator = 0n;
        let host = 0n;
        let total = 0n;
        for (const m of months) {
          expect(m.operator + m.host).toBe(m.value);
          // the operator's part has the value's sign and is never more than the value
          expect(m.operator === 0n || m.operator > 0n === m.value > 0n).toBe(true);
          expect(m.operator < 0n ? -m.operator : m.operator).toBeLessThanOrEqual(m.value < 0n ? -m.value : m.value);
          operator += m.operator;
          host += m.host;
          total += m.value;
        }
        expect(operator + host).toBe(total);
        // the year is the latest year-to-date figure, or the sum of monthly ones
        expect(total).toBe(months.at(-1)?.ytd ?? 0n);
      }),
    );
  });

  it("property: the lines that book a change of attribution balance in each jurisdiction's books", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), share, fc.boolean(), (value, bp, hosted) => {
        const split = splitIndicator(value, hosted ? null : bp);
        const parties = hosted
          ? { operator: "prefecture", host: "prefecture" }
          : { operator: "bingtuan", host: "prefecture" };
        const lines = indicatorLines({ value, ...split }, parties, "GDP", "BZ");
        assertBalanced(lines);
        const reported = lines
          .filter((l) => l.account === "indicator_reported:GDP")
          .reduce((sum, l) => sum + l.debit_fen - l.credit_fen, 0n);
        expect(reported).toBe(value);
      }),
    );
  });
});
