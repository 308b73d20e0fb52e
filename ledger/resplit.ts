// A new agreement or central–local ratio version that reaches back re-splits what was booked, never by
// editing a receipt or its entry (the journal is append-only) but by an adjusting entry holding the
// difference between the split a receipt has now and the split the terms now in force give it
// (docs/decisions/0009-resplits-by-adjusting-entries.md). Pure: the caller reads each receipt with its
// current terms and split, and writes what comes back.

import {
  splitIsWhole,
  splitReceipt,
  splitRefund,
  subtractSplit,
  type ReceiptSplit,
  type SplitRule,
} from "./allocate.js";
import type { Fen } from "./money.js";
import { assertBalanced, receiptLines, type Line } from "./posting.js";
import { Rejection } from "./rejections.js";
import type { Levels } from "./kinds.js";
import { addLevels, NO_LEVELS, refundBooking } from "./refunds.js";
import { ruleForReceipt, type BookingTerms, type OriginalTerms, type ReceiptFacts, type RefundFacts } from "./rules.js";

/** The terms a receipt is split with: those it was booked with, or its latest re-split's. */
export interface SplitTerms {
  /** Who receives the operator share; null when the park or the item shares nothing. */
  operator: string | null;
  central_ratio_id: number | null;
  central_share_bp: number | null;
  agreement_id: number | null;
  operator_share_bp: number | null;
}

/** A posted receipt or refund as it stands: its facts, its current terms and the split they gave it. */
export interface StandingReceipt {
  receipt_no: string;
  /** Negative for a refund. */
  amount_fen: Fen;
  tax_code: string;
  collected_on: string;
  scope: "gross" | "local";
  park: string;
  host: string;
  uscc: string;
  /** `receipt`, `refund`, or one of the other kinds (ledger/kinds.ts). */
  kind: string;
  /** The levels it was booked with, as given; null when it was split by the ratio. */
  levels: Levels | null;
  /** The last day of its tax period; '' when it names none. */
  period_end: string;
  terms: SplitTerms;
  /** As booked plus every re-split's difference. */
  split: ReceiptSplit;
}

/** The terms in force for a receipt and the rule they split by (a refund splits by its original's). */
export interface TermsInForce {
  terms: SplitTerms;
  rule: SplitRule;
  /** The receipt's own split under them, as the rules give it (levels, kinds and exceptions included); else by `rule`. */
  split?: ReceiptSplit;
}

/** What re-splitting one receipt posts: its terms and split from now on, the difference, and its lines. */
export interface Resplit {
  terms: SplitTerms;
  split: ReceiptSplit;
  /** `split` less the split it had: what moves between the parties. */
  delta: ReceiptSplit;
  /** The difference between the receipt's lines under its new terms and under its old ones, balanced. */
  lines: Line[];
}

const NOTHING_CLOSED: ReadonlyMap<string, ReadonlySet<number>> = new Map();

/**
 * The terms the rules give a posted receipt (not a refund) now: the ones `ruleForReceipt` would book it
 * with today, in its park, on its date and in its scope. A rule that would refuse it is a rejection.
 * A local-scope receipt has no central share whatever ratio is in force now, so it is not refused
 * as a local receipt of a tax a later version made wholly central (a check for receipts arriving).
 */
export function termsInForce(r: StandingReceipt, terms: BookingTerms): TermsInForce {
  const facts: ReceiptFacts = {
    uscc: r.uscc,
    kind: r.kind as ReceiptFacts["kind"],
    amount_fen: r.amount_fen,
    tax_code: r.tax_code,
    collected_on: r.collected_on,
    scope: r.scope,
    levels: r.levels,
    period_end: r.period_end,
    // it stays in the park it was booked in: a version changes terms, not where a receipt belongs
    park: r.park,
    period_park: r.park,
    known: true,
  };
  const choice = ruleForReceipt(facts, r.scope === "gross" ? terms : withoutRatios(terms), NOTHING_CLOSED, r.host);
  if (choice.rejection !== null)
    throw new Rejection(choice.rejection.code, `receipt ${r.receipt_no}: ${choice.rejection.reason}`);
  const b = choice.booking;
  return {
    terms: {
      operator: b.operator,
      central_ratio_id: b.central_ratio_id,
      central_share_bp: b.central_share_bp,
      agreement_id: b.agreement_id,
      operator_share_bp: b.operator_share_bp,
    },
    rule: {
      scope: b.scope,
      central_share_bp: b.central_share_bp ?? 0,
      operator_share_bp: b.operator_share_bp,
      rounding: "half_up",
    },
    split: b.split,
  };
}

function withoutRatios(terms: BookingTerms): BookingTerms {
  return {
    central: terms.central,
    park: (code) => terms.park(code),
    tax: (code) => terms.tax(code),
    centralRatioOn: () => undefined,
    agreementOn: (park, on) => terms.agreementOn(park, on),
    exceptionOn: () => undefined,
  };
}

/**
 * Re-splits `r` under `terms`, `split` giving its amount's split by the rules (splitReceipt for a
 * receipt, the cumulative splitRefund for a refund, or a receipt kind's own); null when its lines
 * would not change. `central` is the central jurisdiction, `is_tax` whether the item is a tax.
 */
export function resplit(
  r: StandingReceipt,
  terms: SplitTerms,
  split: (amount: Fen) => ReceiptSplit,
  books: { central: string; is_tax: boolean },
): Resplit | null {
  const next = split(r.amount_fen);
  // an export offset moves its amount between the levels: its parts add up to nothing in the treasury
  const whole =
    r.kind === "export_offset"
      ? splitIsWhole(0n, next) && next.local_fen === r.amount_fen
      : splitIsWhole(r.amount_fen, next);
  if (!whole) throw new Error(`the split of ${r.receipt_no} does not add up`);
  const linesOf = (s: ReceiptSplit, operator: string | null) =>
    receiptLines(s, { host: r.host, operator, central: books.central, is_tax: books.is_tax }, r.tax_code, r.park);
  const lines = differenceOf(linesOf(r.split, r.terms.operator), linesOf(next, terms.operator));
  if (lines.length === 0) return null;
  assertBalanced(lines);
  return { terms, split: next, delta: subtractSplit(next, r.split), lines };
}

/**
 * A receipt and its refunds (in the order they were booked) re-split under `now`: the receipt as the
 * rules split it, each refund cumulatively after the refunds before it, so that refunds adding up to
 * the receipt still return every party to zero. With `terms`, a refund of a receipt booked with its
 * levels and a treasury adjustment of a credit refund are split as ledger/refunds.ts splits them.
 * One Resplit (or null: unchanged) per receipt, in order.
 */
export function resplitWithRefunds(
  original: StandingReceipt,
  refunds: readonly StandingReceipt[],
  now: TermsInForce,
  books: { central: string; is_tax: boolean },
  terms?: BookingTerms,
): (Resplit | null)[] {
  const out = [resplit(original, now.terms, (amount) => now.split ?? splitReceipt(amount, now.rule), books)];
  let before = 0n;
  let beforeLevels = NO_LEVELS;
  for (const refund of refunds) {
    const [refunded, levelsBefore] = [before, beforeLevels];
    const own =
      terms !== undefined &&
      (refund.kind === "treasury_adjustment" || refund.levels !== null || original.levels !== null);
    const split = own
      ? () => childSplit(original, refund, now, { amount: refunded, levels: levelsBefore }, terms)
      : (amount: Fen) => splitRefund(amount, refunded, now.rule);
    out.push(resplit(refund, now.terms, split, books));
    before += refund.amount_fen;
    if (refund.levels !== null) beforeLevels = addLevels(beforeLevels, refund.levels);
  }
  return out;
}

/** A refund's or a treasury adjustment's split under its original's terms now, as a booking of it gives it. */
export function childSplit(
  original: StandingReceipt,
  child: StandingReceipt,
  now: TermsInForce,
  refunded: { amount: Fen; levels: Levels },
  terms: BookingTerms,
): ReceiptSplit {
  const before = refunded.amount;
  const standing = now.split ?? splitReceipt(original.amount_fen, now.rule);
  // a version may not leave a credit refund's treasury adjustments returning more than its local burden
  if (child.kind === "treasury_adjustment" && before + child.amount_fen > -standing.local_fen)
    throw new Rejection(
      "adjustment_exceeds_local_burden",
      `under the new terms the local part of credit refund ${original.receipt_no} would be ${-standing.local_fen} fen, less than the ${before + child.amount_fen} fen its treasury adjustments have returned`,
    );
  const originalNow: OriginalTerms = {
    uscc: original.uscc,
    kind: original.kind,
    tax_code: original.tax_code,
    collected_on: original.collected_on,
    amount_fen: original.amount_fen,
    local_fen: standing.local_fen,
    operator_fen: standing.operator_fen,
    scope: original.scope,
    is_refund: false,
    status: "posted",
    park: original.park,
    operator: now.terms.operator,
    host: original.host,
    central_share_bp: now.terms.central_share_bp,
    operator_share_bp: now.terms.operator_share_bp,
    central_ratio_id: now.terms.central_ratio_id,
    agreement_id: now.terms.agreement_id,
    levels: original.levels,
  };
  const facts: RefundFacts = {
    uscc: child.uscc,
    kind: child.kind === "treasury_adjustment" ? "treasury_adjustment" : "receipt",
    levels: child.levels,
    tax_code: child.tax_code,
    collected_on: child.collected_on,
    amount_fen: child.amount_fen,
    scope: "",
    refund_of: original.receipt_no,
  };
  return refundBooking(facts, originalNow, before, terms, NOTHING_CLOSED, refunded.levels).split;
}

/** The lines that take `before` to `after`: per jurisdiction and account, the net of the two; zeros dropped. */
export function differenceOf(before: readonly Line[], after: readonly Line[]): Line[] {
  const net = new Map<string, { line: Line; fen: Fen }>();
  const add = (line: Line, fen: Fen) => {
    const key = `${line.jurisdiction}\u0000${line.account}`;
    const held = net.get(key);
    if (held === undefined) net.set(key, { line, fen });
    else held.fen += fen;
  };
  for (const line of after) add(line, line.debit_fen - line.credit_fen);
  for (const line of before) add(line, line.credit_fen - line.debit_fen);
  const lines: Line[] = [];
  for (const { line, fen } of net.values()) {
    if (fen === 0n) continue;
    lines.push({ ...line, debit_fen: fen > 0n ? fen : 0n, credit_fen: fen < 0n ? -fen : 0n });
  }
  return lines;
}
