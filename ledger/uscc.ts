// The Unified Social Credit Code (GB 32100-2015) identifies an enterprise; its 18th character is a
// check character, so a mistyped code is caught at the door instead of becoming a phantom enterprise.

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export type UsccProblem = "uscc_length" | "uscc_character" | "uscc_check_character";

/** The check character for the first 17 characters, or null unless they are exactly 17 characters of the alphabet. */
export function usccCheckCharacter(first17: string): string | null {
  // without this a short prefix reads as zero-padded: "".indexOf("") is 0, the value of "0"
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i] ?? "");
    if (value < 0) return null;
    sum += value * WEIGHTS[i]!;
  }
  return ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** Null when the code is valid, else the rule it breaks. Codes are compared upper-case. */
export function usccProblem(code: string): UsccProblem | null {
  if (code.length !== 18) return "uscc_length";
  for (const ch of code) if (!ALPHABET.includes(ch)) return "uscc_character";
  return usccCheckCharacter(code.slice(0, 17)) === code[17] ? null : "uscc_check_character";
}

/** Completes 17 characters into a valid code (used by the demo and test data generators). */
export function completeUscc(first17: string): string {
  const check = usccCheckCharacter(first17);
  if (check === null) throw new RangeError(`not a USCC prefix: ${first17}`);
  return first17 + check;
}
