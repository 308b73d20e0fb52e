// A rejection is a value from one closed list; the command line and the API rely on its code and on
// the default message stating the rule that was broken.

import { describe, expect, it } from "vitest";
import { REJECTIONS, Rejection, type RejectionCode } from "../../ledger/rejections.js";

describe("Rejection", () => {
  it.each<[RejectionCode, string]>([
    ["entry_unbalanced", "an entry's debits and credits differ in the books of a jurisdiction"],
    ["refund_exceeds_original", "refunds of a receipt can never add up to more than the receipt"],
    ["amount_invalid", "not an amount of the form -?digits[.d[d]] in yuan (no exponent, at most two decimals)"],
    ["uscc_check_character", "the USCC check character does not match the first 17 characters"],
  ])("a rejection %s without a message states the rule: %s", (code, message) => {
    const rejection = new Rejection(code);
    expect(rejection).toBeInstanceOf(Error);
    expect(rejection.name).toBe("Rejection");
    expect(rejection.code).toBe(code);
    expect(rejection.message).toBe(message);
    expect(rejection.details).toBeUndefined();
  });

  it("a rejection keeps its own message and its details", () => {
    const rejection = new Rejection("entry_unbalanced", "the lines of bingtuan differ by 1 fen", {
      jurisdiction: "bingtuan",
    });
    expect(rejection.message).toBe("the lines of bingtuan differ by 1 fen");
    expect(rejection.details).toEqual({ jurisdiction: "bingtuan" });
  });

  it("every USCC problem usccProblem can report is a rejection code", () => {
    for (const code of ["uscc_length", "uscc_character", "uscc_check_character"])
      expect(Object.hasOwn(REJECTIONS, code), code).toBe(true);
  });

  it("every code's rule is a non-empty sentence in lower case", () => {
    for (const [code, rule] of Object.entries(REJECTIONS))
      expect(/^[a-z]/.test(rule) && rule.length > 10, code).toBe(true);
  });
});
