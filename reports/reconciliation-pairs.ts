// What the reconciliation (reports/reconciliation.ts) works out for the items that differ: what a
// difference would change in the operator's share, the decisions people recorded on pairs of items,
// and the probable counterparts of unmatched rows.

import { splitReceipt } from "../ledger/allocate.js";
import { formatYuan, parseYuan, toFen, type Fen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { pairKey, type DecisionInForce } from "../src/repositories/reconciliation-decisions.js";
import type { ReconciliationItem, ReconciliationStatus } from "./reconciliation.js";

/** Receipts a few days apart with the same enterprise, tax and amount are probably one receipt. */
const PROBABLE_DAYS_MAX = 3;

/** The figures of a row that differs, to value the difference (the database's text or bigints). */
export interface PairRow {
  p_fen: unknown;
  o_fen: unknown;
  p_operator_fen: unknown;
  p_scope: "gross" | "local" | null;
  p_central_bp: number | null;
  p_operator_bp: number | null;
}

/** The operator's share of `amount` under the terms the receipt stands with (booked, or as last re-split). */
export function operatorShareOf(amount: Fen, r: PairRow): Fen {
  if (r.p_operator_bp === null) return 0n;
  return splitReceipt(amount, {
    scope: r.p_scope ?? "local",
    central_share_bp: r.p_central_bp ?? 0,
    operator_share_bp: r.p_operator_bp,
    rounding: "half_up",
  }).operator_fen;
}

/**
 * The operator's share of a statement row the prefecture has not booked, as if it were booked on its
 * date: statement rows carry no scope, so they are valued as local-scope receipts (the CSV default).
 */
export function statementShare(ref: ReferenceData, park: string, amount: Fen, tax_code: string, on: string): Fen {
  const agreement = ref.agreementOn(park, on);
  const tax = ref.tax(tax_code);
  if (agreement === undefined || tax === undefined) return 0n;
  if (!tax.is_tax && !agreement.shared_non_tax.includes(tax.code)) return 0n;
  return splitReceipt(amount, {
    scope: "local",
    central_share_bp: 0,
    operator_share_bp: agreement.operator_share_bp,
    rounding: "half_up",
  }).operator_fen;
}

/**
 * The decisions in force on pairs of this reconciliation's items. A confirmed pair whose receipt is
 * still missing_in_operator and whose counterpart still missing_in_prefecture, of one enterprise and
 * tax, becomes matched_by_decision on both sides: the counterpart's effect is none, the receipt's is
 * what the operator's figure would change in its share, valued as an amount_mismatch is (none when the
 * amounts agree). `moved` is told of each item's move and the change of its effect. Every item of a
 * decided pair carries the decision in force (the confirmed one first). Answers the rejected pairs'
 * keys, which are never suggested again.
 */
export function applyDecisions(
  decisions: Map<string, DecisionInForce>,
  decided: Map<string, { item: ReconciliationItem; row: PairRow }>,
  moved: (before: ReconciliationStatus, after: ReconciliationStatus, effect: Fen) => void,
): Set<string> {
  const rejected = new Set<string>();
  if (decisions.size === 0) return rejected;
  const confirmed: DecisionInForce[] = [];
  for (const [key, d] of decisions) {
    if (d.decision === "reject") rejected.add(key);
    else confirmed.push(d);
  }
  for (const d of confirmed) {
    const p = decided.get(d.receipt_no);
    const o = decided.get(d.counterpart_no);
    if (p === undefined || o === undefined) continue;
    if (p.item.status !== "missing_in_operator" || o.item.status !== "missing_in_prefecture") continue;
    if (p.item.uscc !== o.item.uscc || p.item.tax_code !== o.item.tax_code) continue;
    const pEffect = parseYuan(p.item.operator_share_effect)!;
    const oEffect = parseYuan(o.item.operator_share_effect)!;
    const amountsAgree = toFen(p.row.p_fen) === toFen(o.row.o_fen);
    const effect = amountsAgree ? 0n : operatorShareOf(toFen(o.row.o_fen), p.row) - toFen(p.row.p_operator_fen);
    for (const [side, before, after] of [
      [p, pEffect, effect],
      [o, oEffect, 0n],
    ] as const) {
      const was = side.item.status;
      side.item.status = "matched_by_decision";
      side.item.operator_share_effect = after === 0n ? "0.00" : formatYuan(after);
      side.item.decision = decisionOf(d);
      moved(was, "matched_by_decision", after - before);
    }
  }
  // the other decided items carry the latest decision on a pair they are in
  const latest = [...decisions.values()].sort((a, b) => (a.decided_at < b.decided_at ? 1 : -1));
  for (const d of latest) {
    for (const no of [d.receipt_no, d.counterpart_no]) {
      const side = decided.get(no);
      if (side !== undefined && side.item.decision === null) side.item.decision = decisionOf(d);
    }
  }
  return rejected;
}

function decisionOf(d: DecisionInForce): NonNullable<ReconciliationItem["decision"]> {
  return {
    receipt_no: d.receipt_no,
    counterpart_no: d.counterpart_no,
    decision: d.decision,
    reason: d.reason,
    party: d.party,
    user: d.user,
    decided_at: d.decided_at,
  };
}

/**
 * Pairs unmatched rows of the two sides with the same enterprise, tax and amount, a few days apart,
 * never a pair a person rejected (`rejected`, by pairKey).
 */
export function pairProbable(items: ReconciliationItem[], rejected: Set<string>): number {
  const key = (i: ReconciliationItem, amount: string | null) => `${i.uscc}|${i.tax_code}|${amount}`;
  const waiting = new Map<string, ReconciliationItem[]>();
  for (const item of items) {
    if (item.status === "missing_in_operator") {
      const k = key(item, item.prefecture_amount);
      const list = waiting.get(k) ?? [];
      list.push(item);
      waiting.set(k, list);
    }
  }
  let pairs = 0;
  for (const item of items) {
    if (item.status !== "missing_in_prefecture") continue;
    const candidates = waiting.get(key(item, item.operator_amount));
    if (candidates === undefined) continue;
    const at = candidates.findIndex(
      (c) =>
        c.probable_counterpart === null &&
        daysApart(c.collected_on, item.collected_on) <= PROBABLE_DAYS_MAX &&
        (rejected.size === 0 || !rejected.has(pairKey(c.receipt_no, item.receipt_no))),
    );
    if (at < 0) continue;
    const counterpart = candidates[at]!;
    counterpart.probable_counterpart = item.receipt_no;
    item.probable_counterpart = counterpart.receipt_no;
    candidates.splice(at, 1);
    pairs += 1;
  }
  return pairs;
}

function daysApart(a: string, b: string): number {
  return Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;
}
