// Amounts enter as yuan strings and leave as yuan strings; these tests pin down exactly which strings
// are money and that fen survive the trip both ways, so no amount is ever misread or reshaped.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AMOUNT_FEN_LIMIT,
  absFen,
  formatYuan,
  formatYuanGrouped,
  parseYuan,
  sumFen,
  toFen,
} from "../../ledger/money.js";

describe("parseYuan", () => {
  it.each<[string, bigint]>([
    ["0", 0n],
    ["0.00", 0n],
    ["-0", 0n],
    ["1", 100n],
    ["1.5", 150n],
    ["1.05", 105n],
    ["0.01", 1n],
    ["-0.01", -1n],
    ["-1234.56", -123456n],
    ["1234.56", 123456n],
    ["0012.30", 1230n],
    ["100000000000", 10_000_000_000_000n],
    ["-100000000000.00", -10_000_000_000_000n],
  ])("reads %s yuan as %s fen", (text, fen) => {
    expect(parseYuan(text)).toBe(fen);
  });

  it.each<[string, string]>([
    ["1.234", "three decimals"],
    ["0.001", "three decimals below a fen"],
    ["1e5", "an exponent"],
    ["1.2E+3", "an exponent with a sign"],
    ["1E5", "a capital exponent"],
    ["1,234.56", "a thousands comma"],
    ["1234,56", "a decimal comma"],
    [" 1", "a leading space"],
    ["1 ", "a trailing space"],
    ["1 000", "a space inside"],
    ["", "nothing at all"],
    ["+5", "a plus sign"],
    [".5", "no whole part"],
    ["-.5", "a minus and no whole part"],
    ["5.", "a point without decimals"],
    ["-", "a lone minus"],
    ["--1", "two minus signs"],
    ["1.2.3", "two points"],
    ["¥5", "a currency sign"],
    ["５", "a full-width digit"],
    ["0x10", "hex"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
    ["1\n", "a trailing newline"],
    ["100000000000.01", "one fen over the limit of 10^13 fen"],
    ["-100000000000.01", "one fen under the limit, negative"],
    ["99999999999999999", "more digits than any receipt may carry"],
  ])("rejects %s (%s)", (text) => {
    expect(parseYuan(text)).toBeNull();
  });

  it.each<[string, string]>([
    ["1.5", "1.50"],
    ["007", "7.00"],
    ["-0", "0.00"],
    ["-0.01", "-0.01"],
    ["-1234.5", "-1234.50"],
    ["100000000000", "100000000000.00"],
  ])("the accepted string %s is shown back as %s", (text, shown) => {
    const fen = parseYuan(text);
    expect(fen).not.toBeNull();
    expect(formatYuan(fen!)).toBe(shown);
  });

  it("every amount within the limit survives formatYuan then parseYuan unchanged", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -AMOUNT_FEN_LIMIT, max: AMOUNT_FEN_LIMIT }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toBe(fen);
      }),
      { numRuns: 1000 },
    );
  });

  it("every canonical two-decimal string survives parseYuan then formatYuan unchanged", () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 11n - 1n }), fc.integer({ min: 0, max: 99 }))
      .filter(([negative, whole, cents]) => !negative || whole > 0n || cents > 0)
      .map(([negative, whole, cents]) => `${negative ? "-" : ""}${whole}.${String(cents).padStart(2, "0")}`);
    fc.assert(
      fc.property(canonical, (text) => {
        expect(formatYuan(parseYuan(text)!)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("formatYuan", () => {
  it.each<[bigint, string]>([
    [0n, "0.00"],
    [5n, "0.05"],
    [-5n, "-0.05"],
    [50n, "0.50"],
    [100n, "1.00"],
    [-100n, "-1.00"],
    [123456n, "1234.56"],
    [-123456n, "-1234.56"],
    [1_000_000_000_000_000n, "10000000000000.00"],
  ])("shows %s fen as %s", (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });
});

describe("formatYuanGrouped", () => {
  it.each<[bigint, string]>([
    [0n, "0.00"],
    [-7n, "-0.07"],
    [99_999n, "999.99"],
    [100_000n, "1,000.00"],
    [-100_000n, "-1,000.00"],
    [12_345_678n, "123,456.78"],
    [123_456_789n, "1,234,567.89"],
    [-123_456_789n, "-1,234,567.89"],
    [100_000_000n, "1,000,000.00"],
    [1_000_000_000_000_000n, "10,000,000,000,000.00"],
  ])("shows %s fen as %s in a terminal table", (fen, text) => {
    expect(formatYuanGrouped(fen)).toBe(text);
  });

  it("removing the commas gives back exactly formatYuan", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -AMOUNT_FEN_LIMIT, max: AMOUNT_FEN_LIMIT }), (fen) => {
        expect(formatYuanGrouped(fen).replaceAll(",", "")).toBe(formatYuan(fen));
      }),
    );
  });
});

describe("toFen", () => {
  it.each<[string, unknown, bigint]>([
    ["a bigint from PGlite", 123n, 123n],
    ["a safe integer number from PGlite", -4567, -4567n],
    ["a numeric string from pg", "-9007199254740993", -9_007_199_254_740_993n],
    ["null (an empty sum)", null, 0n],
    ["undefined (an empty sum)", undefined, 0n],
  ])("reads %s as fen", (_what, value, fen) => {
    expect(toFen(value)).toBe(fen);
  });

  it.each<[string, unknown]>([
    ["a number with a fraction", 1.5],
    ["a number past the safe integers", 2 ** 53],
    ["a yuan string with decimals", "12.34"],
    ["an empty string", ""],
    ["an object", {}],
  ])("refuses %s instead of guessing", (_what, value) => {
    expect(() => toFen(value)).toThrow(/not an integer fen amount/);
  });
});

describe("sumFen and absFen", () => {
  it.each<[string, bigint[], bigint]>([
    ["no amounts", [], 0n],
    ["1, 2 and 3 fen", [1n, 2n, 3n], 6n],
    ["a receipt, its full refund and a one-fen refund", [300n, -300n, -1n], -1n],
  ])("sums %s exactly", (_what, values, total) => {
    expect(sumFen(values)).toBe(total);
  });

  it.each<[bigint, bigint]>([
    [-5n, 5n],
    [5n, 5n],
    [0n, 0n],
  ])("the absolute value of %s is %s", (value, abs) => {
    expect(absFen(value)).toBe(abs);
  });
});
