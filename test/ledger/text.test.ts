// What text may enter the books (ledger/text.ts): everything that passes is stored as it was hashed.
// PostgreSQL's driver writes a lone surrogate as U+FFFD and refuses NUL, so neither may pass.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amountProblem, AMOUNT_FEN_LIMIT, formatYuan } from "../../ledger/money.js";
import { textProblem, visibleText } from "../../ledger/text.js";

/** The UTF-8 a database driver writes for `s`, read back: equal to `s` exactly when nothing was replaced. */
const throughUtf8 = (s: string) => Buffer.from(s, "utf8").toString("utf8");

describe("textProblem", () => {
  it.each([
    ["a lone high surrogate", "LS-\ud800"],
    ["a lone low surrogate", "\udc00-LS"],
    ["surrogates in the wrong order", "\udc00\ud800"],
  ])("refuses %s in any text as text_malformed", (_what, value) => {
    expect(textProblem(value, "identifier")?.code).toBe("text_malformed");
    expect(textProblem(value, "text")?.code).toBe("text_malformed");
  });

  it.each([
    ["NUL", "PZ\u0000"],
    ["a bell", "PZ\u0007"],
    ["DEL", "PZ\u007f"],
    ["a C1 control", "PZ\u0085"],
    ["an escape", "\u001b[31mred"],
  ])("refuses %s in any text as text_control_character", (_what, value) => {
    expect(textProblem(value, "identifier")?.code).toBe("text_control_character");
    expect(textProblem(value, "text")?.code).toBe("text_control_character");
  });

  it.each([
    ["a tab", "2025\t03"],
    ["a line break", "line one\nline two"],
    ["a right-to-left mark", "شىنجاڭ\u200f ltd"],
    ["a replacement character", "\ufffd"],
  ])("keeps %s in free text but refuses it in an identifier", (_what, value) => {
    expect(textProblem(value, "text")).toBeNull();
    expect(textProblem(value, "identifier")?.code).toBe("text_control_character");
  });

  it.each([" T-1", "T-1 ", "\u3000T-1", "T-1\u00a0"])("refuses the identifier %j, padded with white space", (value) => {
    expect(textProblem(value, "identifier")?.code).toBe("identifier_padded");
    expect(textProblem(value, "text")).toBeNull();
  });

  it.each(["PZ-2025-000001", "T 1 (inside)", "票号①", "=cmd|' /C calc'!A0", "𠀀 (outside the BMP)", "Ünïcödé"])(
    "accepts the identifier %s",
    (value) => {
      expect(textProblem(value, "identifier")).toBeNull();
    },
  );

  it("whatever it accepts survives the trip through UTF-8 unchanged, and whatever does not survive it refuses", () => {
    const anyString = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.constantFrom("\ud800", "\udfff", "\u0000", "\u200f", "\u202e", "a", "\t", "\ud83d\ude00") }),
    );
    fc.assert(
      fc.property(anyString, fc.constantFrom("identifier" as const, "text" as const), (value, kind) => {
        if (textProblem(value, kind) === null) expect(throughUtf8(value)).toBe(value);
        if (throughUtf8(value) !== value) expect(textProblem(value, kind)).not.toBeNull();
        if (value.includes("\u0000")) expect(textProblem(value, kind)).not.toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});

describe("visibleText", () => {
  it("escapes what a terminal would hide or mangle and keeps the rest", () => {
    expect(visibleText("A\u0000B\ud800C\u202eD中")).toBe("A\\u0000B\\ud800C\\u202eD中");
  });
});

describe("amountProblem", () => {
  it("tells an amount too large from one that is not an amount", () => {
    expect(amountProblem(formatYuan(AMOUNT_FEN_LIMIT))).toBeNull();
    expect(amountProblem(`-${formatYuan(AMOUNT_FEN_LIMIT)}`)).toBeNull();
    expect(amountProblem(formatYuan(AMOUNT_FEN_LIMIT + 1n))).toBe("amount_too_large");
    expect(amountProblem("10000000000000.00")).toBe("amount_too_large");
    expect(amountProblem("1e5")).toBe("amount_invalid");
  });
});
