// Agreements and central ratios are typed in as percentages; these tests pin down which strings are
// shares and that each becomes the exact basis points the split uses.

import { describe, expect, it } from "vitest";
import { BP_WHOLE, formatBpAsPercent, parsePercentToBp } from "../../ledger/ratio.js";

describe("parsePercentToBp", () => {
  it.each<[string, number]>([
    ["80", 8000],
    ["20", 2000],
    ["50", 5000],
    ["60", 6000],
    ["37.5", 3750],
    ["12.34", 1234],
    ["0.01", 1],
    ["0", 0],
    ["100", 10000],
    ["100.00", 10000],
    ["80%", 8000],
    [" 80 ", 8000],
    ["075", 7500],
  ])('reads "%s" as a share of %s bp', (text, bp) => {
    expect(parsePercentToBp(text)).toBe(bp);
  });

  it.each<[string, string]>([
    ["100.01", "more than the whole"],
    ["101", "more than the whole"],
    ["999", "more than the whole"],
    ["-5", "a negative share"],
    ["80.123", "three decimals"],
    ["1e2", "an exponent"],
    ["", "nothing"],
    [".5", "no whole part"],
    ["5.", "a point without decimals"],
    ["1,5", "a decimal comma"],
    ["eighty", "words"],
    ["1000", "four digits"],
  ])("rejects %s (%s)", (text) => {
    expect(parsePercentToBp(text)).toBeNull();
  });

  it("reads 0.8 as 0.8 %, i.e. 80 bp, not as the fraction 80 %", () => {
    expect(parsePercentToBp("0.8")).toBe(80);
  });

  it("the whole is 10000 bp", () => {
    expect(BP_WHOLE).toBe(10000);
  });
});

describe("formatBpAsPercent", () => {
  it.each<[number, string]>([
    [8000, "80.00"],
    [3750, "37.50"],
    [1, "0.01"],
    [0, "0.00"],
    [10000, "100.00"],
  ])("shows %s bp as %s per cent", (bp, text) => {
    expect(formatBpAsPercent(bp)).toBe(text);
  });

  it("every bp from 0 to 10000 is read back from its percentage", () => {
    for (let bp = 0; bp <= BP_WHOLE; bp++) expect(parsePercentToBp(formatBpAsPercent(bp))).toBe(bp);
  });
});
