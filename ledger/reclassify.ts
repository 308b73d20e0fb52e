// Clearing suspense (docs/domain.md#clearing-suspense): a receipt held in suspense because the registry
// did not place its enterprise is, once the registry does, booked to the park by an adjusting entry,
// never by an edit: the entry takes it out of the collector's suspense (the lines it was held with,
// reversed) and books it as booking it today would (`ruleForReceipt`, same split and rounding), its
// refunds with it, each by the cumulative rule after the ones before (0005), so refunds adding up to
// the receipt still return every party to zero. Pure: the caller reads the rows and writes the result.

import { splitRefund, type ReceiptSplit } from "./allocate.js";
import type { Fen } from "./money.js";
import { assertBalanced, receiptLines, suspenseLines, type Line } from "./posting.js";
import { addLevels, NO_LEVELS } from "./refunds.js";
import { childSplit, differenceOf, type SplitTerms, type StandingReceipt } from "./resplit.js";
import { ruleForReceipt, type BookingTerms, type ReceiptFacts } from "./rules.js";

/** A receipt or refund held in suspense as it stands: `host` is the collector holding it, `split` as held. */
export type HeldReceipt = Omit<StandingReceipt, "park" | "terms">;

/** Where the registry now places the receipt's enterprise: on its day, and on its tax period's last day. */
export interface Placement {
  park: string | null;
  period_park: string | null;
}

/** One row's way out of suspense: the park, the terms and split it is booked with, and the entry's lines. */
export interface Reclassification {
  park: string;
  host: string;
  terms: SplitTerms;
  split: ReceiptSplit;
  lines: Line[];
}

export type ReclassifyOutcome =
  | { kind: "rebooked"; rows: (Reclassification | null)[] }
  | { kind: "still_held" }
  | { kind: "refused"; code: string; reason: string };

const NOTHING_CLOSED: ReadonlyMap<string, ReadonlySet<number>> = new Map();

/**
 * A suspense receipt and its suspense refunds (in booking order) booked to where `placement` puts
 * them: one Reclassification per row, in order, null for the rows in `done` (rebooked before: a
 * refund booked after its receipt was rebooked is split after those before it all the same); `still_held` when the rules still give suspense (the
 * park is not the one its tax period attributes to, say), `refused` when the park's terms cannot book
 * it (no agreement in force), which leaves it held.
 */
export function reclassify(
  original: HeldReceipt,
  refunds: readonly HeldReceipt[],
  placement: Placement,
  terms: BookingTerms,
  done: ReadonlySet<string> = new Set(),
): ReclassifyOutcome {
  const facts: ReceiptFacts = {
    uscc: original.uscc,
    kind: original.kind as ReceiptFacts["kind"],
    amount_fen: original.amount_fen,
    tax_code: original.tax_code,
    collected_on: original.collected_on,
    scope: original.levels !== null ? "" : original.scope,
    levels: original.levels,
    period_end: original.period_end,
    park: placement.park,
    period_park: original.period_end === "" ? placement.park : placement.period_park,
    known: true,
  };
  const choice = ruleForReceipt(facts, terms, NOTHING_CLOSED, original.host);
  if (choice.rejection !== null)
    return { kind: "refused", code: choice.rejection.code, reason: choice.rejection.reason };
  const b = choice.booking;
  if (b.status !== "posted" || b.park === null) return { kind: "still_held" };
  const is_tax = terms.tax(original.tax_code)!.is_tax;
  const newTerms: SplitTerms = {
    operator: b.operator,
    central_ratio_id: b.central_ratio_id,
    central_share_bp: b.central_share_bp,
    agreement_id: b.agreement_id,
    operator_share_bp: b.operator_share_bp,
  };
  const out = (row: HeldReceipt, split: ReceiptSplit): Reclassification | null => {
    if (done.has(row.receipt_no)) return null;
    const held = suspenseLines(row.split, original.host, terms.central, row.tax_code);
    const booked = receiptLines(
      split,
      { host: b.host, operator: b.operator, central: terms.central, is_tax },
      row.tax_code,
      b.park!,
    );
    // the entry is the park's: the suspense it takes the receipt out of is booked under the park too
    const lines = differenceOf(held, booked).map((l) => ({ ...l, park: b.park }));
    assertBalanced(lines);
    return { park: b.park!, host: b.host, terms: newTerms, split, lines };
  };
  const rows = [out(original, b.split)];
  const rule = {
    scope: b.scope,
    central_share_bp: b.central_share_bp ?? 0,
    operator_share_bp: b.operator_share_bp,
    rounding: "half_up" as const,
  };
  const standing: StandingReceipt = { ...original, park: b.park, host: b.host, terms: newTerms, split: b.split };
  let before: Fen = 0n;
  let beforeLevels = NO_LEVELS;
  for (const refund of refunds) {
    const own = refund.kind === "treasury_adjustment" || refund.levels !== null || original.levels !== null;
    const split = own
      ? childSplit(
          standing,
          { ...refund, park: b.park, host: b.host, terms: newTerms },
          { terms: newTerms, rule, split: b.split },
          { amount: before, levels: beforeLevels },
          terms,
        )
      : splitRefund(refund.amount_fen, before, rule);
    rows.push(out(refund, split));
    before += refund.amount_fen;
    if (refund.levels !== null) beforeLevels = addLevels(beforeLevels, refund.levels);
  }
  return { kind: "rebooked", rows };
}
