// What a treasury row can be besides a receipt, and what it may carry (docs/domain.md#treasury-data):
// the kinds of negative flow that name no single receipt, the amounts of each budget level when the
// treasury divided them, and the tax period (所属期) a row is for. Pure: the row checker, the rules and
// the tests use the same definitions.

import { shareOf } from "./allocate.js";
import type { Fen } from "./money.js";

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

/** A tax period's span (所属期): ledger/periods.ts reads it, as it reads a report's period. */
export { parseTaxPeriod } from "./periods.js";
