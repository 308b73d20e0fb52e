// The split rule of docs/domain.md#the-split-and-rounding, exact to the fen: every party but the last gets
// round_half_up(|amount| × share) with the amount's sign, the last gets the remainder,
// so the parts always add up to the whole. Refunds reuse the rule cumulatively, so that
// refunds adding up to the original undo it exactly in every party's column.

import { absFen, type Fen } from "./money.js";
import { BP_WHOLE } from "./ratio.js";

export type RoundingMode = "half_up" | "half_even" | "down";

const BP = BigInt(BP_WHOLE);

/** |amount| × bp / 10000 rounded by `mode`, carrying the amount's sign. */
export function shareOf(amount: Fen, bp: number, mode: RoundingMode): Fen {
  if (!Number.isInteger(bp) || bp < 0 || bp > BP_WHOLE) throw new RangeError(`share out of range: ${bp} bp`);
  const product = absFen(amount) * BigInt(bp);
  let share = product / BP;
  const remainder = product % BP;
  if (mode === "half_up" && remainder * 2n >= BP) share += 1n;
  if (mode === "half_even" && (remainder * 2n > BP || (remainder * 2n === BP && share % 2n === 1n))) share += 1n;
  return amount < 0n ? -share : share;
}

/** Splits `amount` between parties listed in order; `sharesBp` has one entry per party but the last. */
export function splitInOrder(amount: Fen, sharesBp: readonly number[], mode: RoundingMode): Fen[] {
  const parts: Fen[] = [];
  let rest = amount;
  for (const bp of sharesBp) {
    const part = shareOf(amount, bp, mode);
    parts.push(part);
    rest -= part;
  }
  parts.push(rest);
  return parts;
}

/** How one receipt is divided: what the ledger books for it. */
export interface SplitRule {
  /** `gross`: the whole tax, the central share comes out first; `local`: already the local portion. */
  scope: "gross" | "local";
  /** Central share of the gross amount, in basis points (ignored for `local` scope). */
  central_share_bp: number;
  /** Operator's share of the local revenue in basis points; null when the park shares nothing. */
  operator_share_bp: number | null;
  rounding: RoundingMode;
}

export interface ReceiptSplit {
  central_fen: Fen;
  local_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
}

export const ZERO_SPLIT: ReceiptSplit = Object.freeze({
  central_fen: 0n,
  local_fen: 0n,
  operator_fen: 0n,
  host_fen: 0n,
});

/** Central before local, operator before host (docs/domain.md#the-split-and-rounding). */
export function splitReceipt(amount: Fen, rule: SplitRule): ReceiptSplit {
  const [central_fen, local_fen] =
    rule.scope === "gross"
      ? (splitInOrder(amount, [rule.central_share_bp], rule.rounding) as [Fen, Fen])
      : [0n, amount];
  const [operator_fen, host_fen] =
    rule.operator_share_bp === null
      ? [0n, local_fen]
      : (splitInOrder(local_fen, [rule.operator_share_bp], rule.rounding) as [Fen, Fen]);
  return { central_fen, local_fen, operator_fen, host_fen };
}

export function subtractSplit(a: ReceiptSplit, b: ReceiptSplit): ReceiptSplit {
  return {
    central_fen: a.central_fen - b.central_fen,
    local_fen: a.local_fen - b.local_fen,
    operator_fen: a.operator_fen - b.operator_fen,
    host_fen: a.host_fen - b.host_fen,
  };
}

export function addSplit(a: ReceiptSplit, b: ReceiptSplit): ReceiptSplit {
  return {
    central_fen: a.central_fen + b.central_fen,
    local_fen: a.local_fen + b.local_fen,
    operator_fen: a.operator_fen + b.operator_fen,
    host_fen: a.host_fen + b.host_fen,
  };
}

/**
 * The split of a refund (a negative amount) of a receipt of which `refunded_before` (≤ 0) was
 * already refunded, under the original's rule: split(before + refund) − split(before). A single
 * refund gets exactly the split rule; refunds summing to the original return every party to zero
 * (docs/domain.md#refunds, docs/decisions/0005-cumulative-refund-splits.md).
 */
export function splitRefund(refund: Fen, refunded_before: Fen, rule: SplitRule): ReceiptSplit {
  if (refund >= 0n) throw new RangeError("a refund is negative");
  if (refunded_before > 0n) throw new RangeError("refunded_before is a sum of refunds, never positive");
  return subtractSplit(splitReceipt(refunded_before + refund, rule), splitReceipt(refunded_before, rule));
}

export function splitIsWhole(amount: Fen, split: ReceiptSplit): boolean {
  return split.central_fen + split.local_fen === amount && split.operator_fen + split.host_fen === split.local_fen;
}
