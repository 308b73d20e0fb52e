// A row naming another: a refund of one receipt, split with its original's terms so that refunds
// adding up to the original undo it exactly (docs/decisions/0005), and a treasury adjustment (调库)
// returning part of a credit refund's local burden, split as that refund's local part was. Each is
// checked against what it names; neither can exceed it.

import { shareOf, splitRefund, type ReceiptSplit, type SplitRule } from "./allocate.js";
import { KIND_NAMES, LOCAL_LEVELS, sharedLocal, type Levels } from "./kinds.js";
import { formatYuan, type Fen } from "./money.js";
import { receiptLines, suspenseLines } from "./posting.js";
import {
  fiscalYearOf,
  type Booking,
  type BookingTerms,
  type ClosedYears,
  type OriginalTerms,
  type RefundFacts,
  type RuleRejection,
} from "./rules.js";

const HALF_UP = "half_up" as const;

/** What a refund of `original` or an adjustment of it may not be, whatever it is. */
function sameEnterpriseAndTax(refund: RefundFacts, original: OriginalTerms): RuleRejection[] {
  const problems: RuleRejection[] = [];
  const of = refund.refund_of;
  if (original.uscc !== refund.uscc)
    problems.push({
      column: "uscc",
      code: "refund_enterprise_differs",
      reason: `the refunded receipt ${of} belongs to ${original.uscc}`,
    });
  if (original.tax_code !== refund.tax_code)
    problems.push({
      column: "tax_code",
      code: "refund_tax_differs",
      reason: `the refunded receipt ${of} is ${original.tax_code}`,
    });
  if (refund.collected_on < original.collected_on)
    problems.push({
      column: "collected_on",
      code: "refund_before_original",
      reason: `the refunded receipt ${of} entered the treasury on ${original.collected_on}`,
    });
  return problems;
}

/** Why `original` is not what the row may name: a refund names a receipt, an adjustment a credit refund. */
function namesWrongKind(refund: RefundFacts, original: OriginalTerms): RuleRejection | null {
  if (refund.kind === "treasury_adjustment")
    return original.kind === "credit_refund"
      ? null
      : {
          column: "refund_of",
          code: "adjustment_of_non_credit_refund",
          reason: `${refund.refund_of} is not a credit refund (留抵退税); a treasury adjustment names the credit refund it adjusts`,
        };
  // a treasury adjustment names a row too: it is named for what it is, not called a refund
  if (original.kind !== "receipt" && original.kind !== "refund") {
    const name = KIND_NAMES[original.kind as keyof typeof KIND_NAMES];
    return {
      column: "refund_of",
      code: "refund_of_refund",
      reason: `${refund.refund_of} is a ${original.kind}${name === undefined ? "" : ` (${name.zh})`}, not a receipt; a refund names the receipt it refunds`,
    };
  }
  if (original.is_refund)
    return {
      column: "refund_of",
      code: "refund_of_refund",
      reason: `${refund.refund_of} is itself a refund; name the original receipt`,
    };
  return null;
}

/**
 * What is wrong with a refund (or adjustment) of `original`, of which `before` is refunded (or
 * adjusted) so far. `counts` says whether it adds to that sum (it does not when it names the wrong
 * kind of row or would exceed what is left).
 */
export function refundProblems(
  refund: RefundFacts,
  original: OriginalTerms,
  before: Fen,
  beforeLevels: Levels = NO_LEVELS,
): { problems: RuleRejection[]; counts: boolean } {
  const wrong = namesWrongKind(refund, original);
  if (wrong !== null) return { problems: [wrong], counts: false };
  const problems = sameEnterpriseAndTax(refund, original);
  const of = refund.refund_of;
  if (refund.kind === "treasury_adjustment") {
    if (before + refund.amount_fen > -original.local_fen) {
      problems.push({
        column: "amount",
        code: "adjustment_exceeds_local_burden",
        reason: `the local part of credit refund ${of} is ${formatYuan(-original.local_fen)}, already returned ${formatYuan(before)}; returning ${formatYuan(refund.amount_fen)} more would exceed it`,
      });
      return { problems, counts: false };
    }
    return { problems, counts: true };
  }
  if (refund.scope !== "" && refund.scope !== original.scope && refund.levels === null)
    problems.push({
      column: "scope",
      code: "scope_invalid",
      reason: `the refunded receipt ${of} has scope ${original.scope}; a refund is split with its original's scope`,
    });
  if (original.levels !== null && refund.levels === null)
    problems.push({
      column: "central",
      code: "levels_required",
      reason: `the refunded receipt ${of} was booked with the amounts of each level; give the refund's levels too`,
    });
  if (original.levels === null && refund.levels !== null)
    problems.push({
      column: "central",
      code: "levels_invalid",
      reason: `the refunded receipt ${of} was booked as a total, split by the ratio; a refund of it is split the same way: give no levels`,
    });
  if (original.levels !== null && refund.levels !== null) {
    // each level is refunded at most what the original had at that level, refunds before included
    const over = LEVEL_NAMES.find((l) => original.levels![l] + beforeLevels[l] + refund.levels![l] < 0n);
    if (over !== undefined) {
      problems.push({
        column: over,
        code: "refund_exceeds_original",
        reason: `${of} had ${formatYuan(original.levels[over])} at the ${over} level, already refunded ${formatYuan(-beforeLevels[over])}; refunding ${formatYuan(-refund.levels[over])} more would exceed it`,
      });
      return { problems, counts: false };
    }
  }
  if (original.amount_fen + before + refund.amount_fen < 0n) {
    problems.push({
      column: "amount",
      code: "refund_exceeds_original",
      reason: `${of} is ${formatYuan(original.amount_fen)}, already refunded ${formatYuan(-before)}; refunding ${formatYuan(-refund.amount_fen)} more would exceed it`,
    });
    return { problems, counts: false };
  }
  return { problems, counts: true };
}

const LEVEL_NAMES = ["central", "region", "prefecture", "county"] as const;

/** What refunds before have taken of each level (zero or negative); none yet. */
export const NO_LEVELS: Levels = Object.freeze({ central: 0n, region: 0n, prefecture: 0n, county: 0n });

export function addLevels(a: Levels, b: Levels): Levels {
  return {
    central: a.central + b.central,
    region: a.region + b.region,
    prefecture: a.prefecture + b.prefecture,
    county: a.county + b.county,
  };
}

/** The local levels the original's agreement shares (every one for a park run by its host). */
function sharedLevelsOf(original: OriginalTerms, terms: BookingTerms): readonly string[] {
  if (original.park === null) return LOCAL_LEVELS;
  return terms.agreementOn(original.park, original.collected_on)?.shared_levels ?? LOCAL_LEVELS;
}

/** round_half_up(|amount| × part / whole) with the amount's sign (part and whole of one sign); 0 when whole is 0. */
function proportion(amount: Fen, part: Fen, whole: Fen): Fen {
  if (whole === 0n) return 0n;
  const abs = (v: Fen) => (v < 0n ? -v : v);
  const share = (abs(amount) * abs(part) * 2n + abs(whole)) / (2n * abs(whole));
  return amount < 0n ? -share : share;
}

/** The split of a refund or an adjustment under its original's terms. */
function splitNamed(
  refund: RefundFacts,
  original: OriginalTerms,
  before: Fen,
  beforeLevels: Levels,
  terms: BookingTerms,
): ReceiptSplit {
  const operator_bp = original.operator_share_bp;
  if (refund.kind === "treasury_adjustment") {
    // cumulative, like refunds, in the proportion the credit refund's local part was borne: adjustments
    // returning the whole burden return each party's part of it exactly, whatever levels it shared
    const borne = (returned: Fen) => proportion(returned, original.operator_fen, original.local_fen);
    const operator = borne(before + refund.amount_fen) - borne(before);
    return {
      central_fen: 0n,
      local_fen: refund.amount_fen,
      operator_fen: operator,
      host_fen: refund.amount_fen - operator,
    };
  }
  if (refund.levels !== null) {
    // as given, the operator's part cumulative over the shared levels: refunds of every level of the
    // original return each party's part of it exactly
    const shared = sharedLevelsOf(original, terms);
    const share = (levels: Levels) =>
      operator_bp === null ? 0n : shareOf(sharedLocal(levels, shared), operator_bp, HALF_UP);
    const operator = share(addLevels(beforeLevels, refund.levels)) - share(beforeLevels);
    const local = refund.amount_fen - refund.levels.central;
    return { central_fen: refund.levels.central, local_fen: local, operator_fen: operator, host_fen: local - operator };
  }
  const rule: SplitRule = {
    scope: original.scope,
    central_share_bp: original.central_share_bp ?? 0,
    operator_share_bp: operator_bp,
    rounding: HALF_UP,
  };
  return splitRefund(refund.amount_fen, before, rule);
}

/**
 * A refund booked with its original's terms (ratio, agreement, scope, park), or an adjustment with
 * its credit refund's; its year is its own, the first still open.
 */
export function refundBooking(
  refund: RefundFacts,
  original: OriginalTerms,
  before: Fen,
  terms: BookingTerms,
  closed: ClosedYears,
  beforeLevels: Levels = NO_LEVELS,
): Booking {
  const park = original.park === null ? null : (terms.park(original.park) ?? null);
  const split = splitNamed(refund, original, before, beforeLevels, terms);
  const lines =
    original.status === "suspense"
      ? suspenseLines(split, original.host, terms.central, refund.tax_code)
      : receiptLines(
          split,
          {
            host: original.host,
            operator: original.operator,
            central: terms.central,
            is_tax: terms.tax(refund.tax_code)!.is_tax,
          },
          refund.tax_code,
          original.park!,
        );
  const adjustment = refund.kind === "treasury_adjustment";
  return {
    entry_kind: adjustment ? "receipt" : "refund",
    kind: adjustment ? "treasury_adjustment" : "refund",
    status: original.status,
    park: original.status === "suspense" ? null : (park?.code ?? null),
    operator: original.operator,
    host: original.host,
    scope: adjustment ? "local" : original.scope,
    central_ratio_id: adjustment ? null : original.central_ratio_id,
    central_share_bp: adjustment ? null : original.central_share_bp,
    agreement_id: original.agreement_id,
    operator_share_bp: original.operator_share_bp,
    split,
    lines,
    fiscal_year: fiscalYearOf(park, refund.collected_on, closed),
    suspense_reason: null,
    levels: refund.levels,
    ratio_central_fen: null,
    ratio_exception_id: null,
  };
}
