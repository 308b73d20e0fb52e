// Every text that enters the books is stored exactly as it was hashed. A JavaScript string can hold
// what no database text can (a lone UTF-16 surrogate, which the driver writes as U+FFFD, or NUL,
// which PostgreSQL refuses), and an identifier can hold what makes it look like another (control and
// bidirectional-control characters). Such text is refused at the edge, by every route (JSON, CSV,
// command line), with the field named; what passes is stored and read back unchanged.

import { REJECTIONS, type RejectionCode } from "./rejections.js";

/**
 * identifier: receipt numbers, references, codes, keys: printable characters only, no bidirectional
 * controls (they make one number display as another), no U+FFFD (bytes that were not text), and no
 * white space at either end.
 * text: names, notes, periods: any well-formed text without NUL or other control characters than
 * tab, line feed and carriage return; right-to-left marks are kept, as Uyghur names may need them.
 */
export type TextKind = "identifier" | "text";

export interface TextProblem {
  code: RejectionCode;
  reason: string;
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const PADDED = /^\s|\s$/u;
const UNSAFE_IN_IDENTIFIER = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/u;

/** Why `value` cannot enter the books as a `kind`, or null when it can. */
export function textProblem(value: string, kind: TextKind): TextProblem | null {
  if (!value.isWellFormed()) return { code: "text_malformed", reason: REJECTIONS.text_malformed };
  // " T-1" and "T-1" would be two references that read as one: a retry would book twice
  if (kind === "identifier" && PADDED.test(value))
    return { code: "identifier_padded", reason: REJECTIONS.identifier_padded };
  if (kind === "identifier" ? UNSAFE_IN_IDENTIFIER.test(value) : CONTROL_IN_TEXT.test(value)) {
    return {
      code: "text_control_character",
      reason:
        kind === "identifier"
          ? "an identifier holds printable characters only: no control, bidirectional-control or replacement (U+FFFD) characters"
          : "the text holds a control character (NUL, …) other than tab and line breaks",
    };
  }
  return null;
}

/** A value as a reader can see it in a message: control and lone surrogate code units escaped. */
export function visibleText(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    const unsafe =
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      UNSAFE_IN_IDENTIFIER.test(ch);
    out += unsafe ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
  }
  return out;
}
