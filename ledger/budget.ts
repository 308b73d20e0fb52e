// The code a receipt names its revenue by: a tax's mnemonic (VAT), or an item of the government
// revenue classification at any level (10101 增值税, 1010101 国内增值税), which is dated data mapping
// each item to the tax type whose ratio applies (docs/domain.md#budget-classification). The code is
// kept as given; an unknown one is answered with the nearest known codes.

import { distance } from "fastest-levenshtein";
import type { RejectionCode } from "./rejections.js";

/** One dated item of the classification; `tax` null for a class too general to name one tax. */
export interface BudgetEntry {
  code: string;
  tax: string | null;
  name_zh: string;
  valid_from: string;
  valid_to: string | null;
}

/** What the row checker knows of codes: mnemonics (always valid) and the classification's items by code. */
export interface CodeBook {
  mnemonics: ReadonlyMap<string, string>;
  items: ReadonlyMap<string, readonly BudgetEntry[]>;
}

export type CodeResolution =
  | { tax: string; budget_code: string | null; problem: null }
  | { tax: null; budget_code: null; problem: RejectionCode; reason: string };

export function codeBook(mnemonics: readonly string[], entries: readonly BudgetEntry[]): CodeBook {
  const items = new Map<string, BudgetEntry[]>();
  for (const e of entries) {
    const list = items.get(e.code);
    if (list === undefined) items.set(e.code, [e]);
    else list.push(e);
  }
  return { mnemonics: new Map(mnemonics.map((m) => [m, m])), items };
}

/**
 * The tax a code names on `on` (a date, or null when the date is not known yet) and the budget
 * code to keep (null for a mnemonic), or why it names none.
 */
export function resolveCode(book: CodeBook, input: string, on: string | null): CodeResolution {
  const code = input.trim().toUpperCase();
  const mnemonic = book.mnemonics.get(code);
  if (mnemonic !== undefined) return { tax: mnemonic, budget_code: null, problem: null };
  const entries = book.items.get(code);
  if (entries === undefined)
    return {
      tax: null,
      budget_code: null,
      problem: "tax_code_unknown",
      reason: `unknown tax code or budget code; the nearest known: ${nearestCodes(book, code).join(", ")}`,
    };
  const entry = on === null ? entries[0]! : entries.find((e) => e.valid_from <= on && (e.valid_to ?? "9999") >= on);
  if (entry === undefined) {
    const spans = entries.map((e) => `${e.valid_from}–${e.valid_to ?? ""}`).join(", ");
    return {
      tax: null,
      budget_code: null,
      problem: "budget_code_not_in_force",
      reason: `${code} (${entries[0]!.name_zh}) is in the classification for ${spans}, not on ${on}`,
    };
  }
  if (entry.tax === null)
    return {
      tax: null,
      budget_code: null,
      problem: "budget_code_too_general",
      reason: `${code} (${entry.name_zh}) is a class of the classification; give the item, e.g. ${nearestCodes(book, `${code}01`).join(", ")}`,
    };
  // a tax's own 款 code (10101) says no more than its mnemonic: kept as the mnemonic is, so a receipt
  // recorded before codes were kept hashes as it did
  return { tax: entry.tax, budget_code: code.length === 5 ? null : code, problem: null };
}

const SUGGESTIONS = 3;

/**
 * The known codes nearest `input`: for a number, the items sharing the longest prefix with it (then
 * the closest in value); for letters, the mnemonics fewest edits away (then the one beginning alike,
 * then of the same length). Each with its name.
 */
export function nearestCodes(book: CodeBook, input: string): string[] {
  const numeric = /^\d+$/.test(input);
  const known = numeric
    ? [...book.items.entries()].filter(([, e]) => e.some((x) => x.tax !== null)).map(([code]) => code)
    : [...book.mnemonics.keys()];
  const prefix = (code: string) => {
    let n = 0;
    while (n < code.length && n < input.length && code[n] === input[n]) n += 1;
    return n;
  };
  const gap = (code: string) => Math.abs(Number(code.padEnd(9, "0")) - Number(input.padEnd(9, "0").slice(0, 9)));
  const ranked = numeric
    ? known.sort((a, b) => prefix(b) - prefix(a) || gap(a) - gap(b) || a.localeCompare(b))
    : known.sort(
        (a, b) =>
          distance(a, input) - distance(b, input) ||
          prefix(b) - prefix(a) ||
          Math.abs(a.length - input.length) - Math.abs(b.length - input.length) ||
          a.localeCompare(b),
      );
  return ranked.slice(0, SUGGESTIONS).map((code) => {
    const name = book.items.get(code)?.[0]?.name_zh;
    return name === undefined ? code : `${code} ${name}`;
  });
}
