// What a treasury row can be besides a receipt, and what it may carry (docs/domain.md#treasury-data):
// the kinds of negative flow that name no single receipt, the amounts of each budget level when the
// treasury divided them, and the tax period (所属期) a row is for. Pure: the row checker, the rules and
// the tests use the same definitions.

import { shareOf } from "./allocate.js";
import type { Fen } from "./money.js";
import { daysInMonth, parseIsoDate } from "./periods.js";

/**
 * `receipt` (a refund of one receipt is a receipt row naming it in refund_of), the negative flows
 * identified by enterprise, tax and tax period, the export offset adjustment between the central and
 * the local level, and the treasury's adjustment (调库) returning part of a credit refund's local burden.
 */
export const RECEIPT_KINDS = [
  "receipt",
  "credit_refund",
  "settlement_refund",
  "immediate_refund",
  "export_offset",
  "treasury_adjustment",
] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

/** What each kind is called on a statement. */
export const KIND_NAMES: Record<ReceiptKind | "refund", { zh: string; en: string }> = {
  receipt: { zh: "入库", en: "receipt" },
  refund: { zh: "退库", en: "refund of a receipt" },
  credit_refund: { zh: "增值税留抵退税", en: "VAT credit refund" },
  settlement_refund: { zh: "汇算清缴退税", en: "annual settlement refund" },
  immediate_refund: { zh: "即征即退", en: "refund upon collection" },
  export_offset: { zh: "免抵调库", en: "export offset adjustment" },
  treasury_adjustment: { zh: "留抵退税调库", en: "treasury adjustment of a credit refund" },
};

/** Kinds identified by enterprise, tax and tax period: negative, naming no receipt, split with the period's terms. */
export const PERIOD_REFUND_KINDS: readonly ReceiptKind[] = ["credit_refund", "settlement_refund", "immediate_refund"];

/** The kinds whose local part an agreement may have borne otherwise than the revenue is shared. */
export const BORNE_KINDS: readonly ReceiptKind[] = [...PERIOD_REFUND_KINDS, "export_offset"];

export function isReceiptKind(text: string): text is ReceiptKind {
  return (RECEIPT_KINDS as readonly string[]).includes(text);
}

/** The local budget levels (预算级次) below the central one, in the treasury's order. */
export const LOCAL_LEVELS = ["region", "prefecture", "county"] as const;
export type LocalLevel = (typeof LOCAL_LEVELS)[number];

/** A receipt's amount as the treasury divided it between the levels. */
export interface Levels {
  central: Fen;
  region: Fen;
  prefecture: Fen;
  county: Fen;
}

export function levelsTotal(l: Levels): Fen {
  return l.central + l.region + l.prefecture + l.county;
}

/** The local amount of the levels an agreement shares. */
export function sharedLocal(l: Levels, shared: readonly string[]): Fen {
  let sum = 0n;
  for (const level of LOCAL_LEVELS) if (shared.includes(level)) sum += l[level];
  return sum;
}

/**
 * Whether the central amount the treasury gave differs from what the dated ratio gives by more than
 * rounding: each of four levels rounded on its own may move the central amount by a fen.
 */
export function centralDiffers(given: Fen, amount: Fen, central_share_bp: number): boolean {
  const expected = shareOf(amount, central_share_bp, "half_up");
  const difference = given - expected;
  return difference > 1n || difference < -1n;
}

/** Levels as they travel between the row checker and the booking engine: `central|region|prefecture|county` in fen. */
export function encodeLevels(l: Levels | null): string {
  return l === null ? "" : `${l.central}|${l.region}|${l.prefecture}|${l.county}`;
}

export function decodeLevels(text: string): Levels | null {
  if (text === "") return null;
  const [central, region, prefecture, county] = text.split("|").map((part) => BigInt(part)) as [Fen, Fen, Fen, Fen];
  return { central, region, prefecture, county };
}

const YEAR = /^(\d{4})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const QUARTER = /^(\d{4})-?Q([1-4])$/i;
const HALF = /^(\d{4})-?H([12])$/i;

/** The first and last day of a month, quarter, half or year as a tax period names it; null otherwise. */
function periodSpan(text: string): { from: string; to: string } | null {
  const t = text.trim();
  let m = YEAR.exec(t);
  if (m !== null) return { from: `${m[1]}-01-01`, to: `${m[1]}-12-31` };
  m = MONTH.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]), Number(m[2]));
  m = QUARTER.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]) * 3 - 2, Number(m[2]) * 3);
  m = HALF.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]) * 6 - 5, Number(m[2]) * 6);
  const day = parseIsoDate(t);
  return day === null ? null : { from: day, to: day };
}

function monthSpan(year: number, first: number, last: number): { from: string; to: string } | null {
  if (first < 1 || last > 12 || year < 1900 || year > 2999) return null;
  const mm = (n: number) => String(n).padStart(2, "0");
  return { from: `${year}-${mm(first)}-01`, to: `${year}-${mm(last)}-${mm(daysInMonth(year, last))}` };
}

/**
 * The span of a tax period as written: `2025`, `2025-03`, `2025-Q1`, `2025-H1`, a day, or two of
 * these joined by `/` or `~` (所属期起/所属期止, `2025-01-01/2025-03-31`); null when it names none, or
 * ends before it starts.
 */
export function parseTaxPeriod(text: string): { from: string; to: string } | null {
  const whole = periodSpan(text);
  if (whole !== null) return whole;
  const parts = text.split(/\s*[/~～]\s*/);
  if (parts.length > 2) return null;
  const first = periodSpan(parts[0] ?? "");
  const last = parts.length === 2 ? periodSpan(parts[1]!) : first;
  if (first === null || last === null || last.to < first.from) return null;
  return { from: first.from, to: last.to };
}
