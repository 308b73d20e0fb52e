// Enterprises are known by their Unified Social Credit Code; a mistyped code must be caught at the
// door (GB 32100-2015 check character) instead of becoming a phantom enterprise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { completeUscc, usccCheckCharacter, usccProblem, type UsccProblem } from "../../ledger/uscc.js";

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const usccChar = fc.constantFrom(...ALPHABET.split(""));
const first17 = fc.array(usccChar, { minLength: 17, maxLength: 17 }).map((chars) => chars.join(""));

describe("usccCheckCharacter and completeUscc", () => {
  it.each<[string, string, string]>([
    ["the real-world code 91350100M000100Y43", "91350100M000100Y4", "3"],
    ["all zeros (weighted sum 0)", "00000000000000000", "0"],
    ["a 1 in the first place (sum 1, check 30 = Y)", "10000000000000000", "Y"],
    ["a 1 in the second place (sum 3, check 28 = W)", "01000000000000000", "W"],
    ["a 1 in the last place (sum 28, check 3)", "00000000000000001", "3"],
    ["a 2 in the fourth place (sum 54 ≡ 23, check 8)", "00020000000000000", "8"],
  ])("%s: %s has check character %s", (_why, prefix, check) => {
    expect(usccCheckCharacter(prefix)).toBe(check);
    expect(completeUscc(prefix)).toBe(prefix + check);
    expect(usccProblem(prefix + check)).toBeNull();
  });

  it.each<[string, string]>([
    ["an I", "9135010000000000I"],
    ["an O", "O1350100M000100Y4"],
    ["a lower-case letter", "91350100m000100Y4"],
    ["too few characters (not read as zero-padded)", "913501"],
    ["16 characters", "91350100M000100Y"],
    ["18 characters (a whole code is not a prefix)", "91350100M000100Y43"],
  ])("refuses to complete a prefix with %s", (_why, prefix) => {
    expect(usccCheckCharacter(prefix)).toBeNull();
    expect(() => completeUscc(prefix)).toThrow(RangeError);
  });
});

describe("usccProblem", () => {
  it.each<[string, string, UsccProblem | null]>([
    ["the real-world code", "91350100M000100Y43", null],
    ["a code built with completeUscc", completeUscc("91652300MA7XY0123"), null],
    ["a wrong check character", "91350100M000100Y44", "uscc_check_character"],
    ["a check character of Y instead of 3", "91350100M000100Y4Y", "uscc_check_character"],
    ["two swapped digits", "91351000M000100Y43", "uscc_check_character"],
    ["an I in the body", "91350100I000100Y43", "uscc_character"],
    ["an O in the body", "91350100O000100Y43", "uscc_character"],
    ["an S in the body", "91350100S000100Y43", "uscc_character"],
    ["a V in the body", "91350100V000100Y43", "uscc_character"],
    ["a Z in the body", "91350100Z000100Y43", "uscc_character"],
    ["an O as the check character", "00000000000000000O", "uscc_character"],
    ["a hyphen", "91350100-000100Y43", "uscc_character"],
    ["17 characters", "91350100M000100Y4", "uscc_length"],
    ["19 characters", "91350100M000100Y430", "uscc_length"],
    ["an empty code", "", "uscc_length"],
    ["a 15-digit old business licence number", "350100000001234", "uscc_length"],
  ])("%s (%s): problem %s", (_why, code, problem) => {
    expect(usccProblem(code)).toBe(problem);
  });

  it("every code built with completeUscc is valid", () => {
    fc.assert(
      fc.property(first17, (prefix) => {
        const code = completeUscc(prefix);
        expect(code).toHaveLength(18);
        expect(code.startsWith(prefix)).toBe(true);
        expect(usccProblem(code)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it("any other check character is rejected as uscc_check_character", () => {
    fc.assert(
      fc.property(first17, usccChar, (prefix, check) => {
        fc.pre(check !== usccCheckCharacter(prefix));
        expect(usccProblem(prefix + check)).toBe("uscc_check_character");
      }),
      { numRuns: 1000 },
    );
  });

  it("any single mistyped character among the first 17 is caught", () => {
    fc.assert(
      fc.property(first17, fc.integer({ min: 0, max: 16 }), usccChar, (prefix, position, typo) => {
        fc.pre(prefix[position] !== typo);
        const code = completeUscc(prefix);
        const mistyped = code.slice(0, position) + typo + code.slice(position + 1);
        expect(usccProblem(mistyped)).toBe("uscc_check_character");
      }),
      { numRuns: 1000 },
    );
  });
});
