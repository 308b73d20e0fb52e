// Which rule books a receipt, decided without the database: the park the enterprise was in on the
// day (or suspense), the central–local ratio and the park's agreement in force then, the fiscal year
// (the first one still open with the park's operator), and from them the split and the lines. A
// refund is split with its original's terms and checked against it. The booking engine
// (src/booking/) asks these functions for every receipt, whether it came from a file or over HTTP.

import { splitReceipt, splitRefund, type ReceiptSplit, type SplitRule } from "./allocate.js";
import { formatYuan, type Fen } from "./money.js";
import { bookingYear, yearOf } from "./periods.js";
import { receiptLines, suspenseLines, type Line } from "./posting.js";
import type { RejectionCode } from "./rejections.js";
import { inForceOn, sortVersions } from "./versions.js";

export interface ParkTerms {
  code: string;
  operator: string;
  host: string;
}

export interface TaxTerms {
  code: string;
  name_zh: string;
  is_tax: boolean;
}

export interface RatioTerms {
  id: number;
  central_share_bp: number;
}

export interface AgreementTerms {
  id: number;
  operator_share_bp: number;
  shared_non_tax: readonly string[];
}

/**
 * The reference data as the rules read it: pure lookups by code and date. The repository's
 * ReferenceData answers them; `termsOf` builds them from plain lists.
 */
export interface BookingTerms {
  /** The central jurisdiction's code. */
  readonly central: string;
  park(code: string): ParkTerms | undefined;
  tax(code: string): TaxTerms | undefined;
  centralRatioOn(tax_code: string, isoDate: string): RatioTerms | undefined;
  agreementOn(park: string, isoDate: string): AgreementTerms | undefined;
}

/** Reference data as plain lists, effective-dated where it changes. */
export interface PlainTerms {
  central: string;
  parks: readonly ParkTerms[];
  taxes: readonly TaxTerms[];
  ratios: readonly (RatioTerms & { tax_code: string; effective_from: string })[];
  agreements: readonly (AgreementTerms & { park: string; effective_from: string })[];
}

/** BookingTerms over plain lists (the repository's ReferenceData gives the same answers from the database). */
export function termsOf(plain: PlainTerms): BookingTerms & { parks: readonly ParkTerms[] } {
  const ratios = sortVersions([...plain.ratios]);
  const agreements = sortVersions([...plain.agreements]);
  return {
    central: plain.central,
    parks: plain.parks,
    park: (code) => plain.parks.find((p) => p.code === code),
    tax: (code) => plain.taxes.find((t) => t.code === code),
    centralRatioOn: (tax_code, on) =>
      inForceOn(
        ratios.filter((r) => r.tax_code === tax_code),
        on,
      ),
    agreementOn: (park, on) =>
      inForceOn(
        agreements.filter((a) => a.park === park),
        on,
      ),
  };
}

/**
 * Closed fiscal years: revenue of a closed year is booked in the first year still open. Keyed by a
 * park's code for the years closed for that park, and by an operator's code for years closed with the
 * operator before closures were kept per park (every park it runs). Park codes are capitals and party
 * codes small letters, so the two never meet.
 */
export type ClosedYears = ReadonlyMap<string, ReadonlySet<number>>;

/** Whether `year` is closed for `park` (run by its operator for a host). */
export function isClosed(closed: ClosedYears, park: ParkTerms, year: number): boolean {
  return closed.get(park.code)?.has(year) === true || closed.get(park.operator)?.has(year) === true;
}

/** A receipt (not a refund) as the rules need it; `park` is the enterprise's park on `collected_on`. */
export interface ReceiptFacts {
  amount_fen: Fen;
  tax_code: string;
  collected_on: string;
  /** As given: '' when the receipt names none (local). */
  scope: string;
  /** The enterprise's park on the day; null when it was in none or is unknown. */
  park: string | null;
  /** Whether the registry knows the enterprise at all. */
  known: boolean;
}

/** A receipt already booked, as a refund of it needs it: the terms it was split with. */
export interface OriginalTerms {
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount_fen: Fen;
  scope: "gross" | "local";
  is_refund: boolean;
  status: "posted" | "suspense";
  park: string | null;
  operator: string | null;
  host: string;
  central_share_bp: number | null;
  operator_share_bp: number | null;
  central_ratio_id: number | null;
  agreement_id: number | null;
}

export interface RefundFacts {
  uscc: string;
  tax_code: string;
  collected_on: string;
  /** Negative. */
  amount_fen: Fen;
  scope: string;
  refund_of: string;
}

/** A receipt that cannot be booked, and why, naming the column at fault. */
export interface RuleRejection {
  column: string;
  code: RejectionCode;
  reason: string;
}

export type SuspenseReason = "enterprise_unknown" | "enterprise_in_no_park";

/** What a receipt is booked as: the entry's kind and year, the split, its lines, and the terms the receipt records. */
export interface Booking {
  entry_kind: "receipt" | "refund" | "suspense";
  status: "posted" | "suspense";
  /** The park the entry and the receipt are booked under; null in suspense. */
  park: string | null;
  operator: string | null;
  host: string;
  scope: "gross" | "local";
  central_ratio_id: number | null;
  central_share_bp: number | null;
  agreement_id: number | null;
  operator_share_bp: number | null;
  split: ReceiptSplit;
  lines: Line[];
  fiscal_year: number;
  /** Set for a receipt held in suspense: why it is there. */
  suspense_reason: SuspenseReason | null;
}

export type RuleChoice = { booking: Booking; rejection: null } | { booking: null; rejection: RuleRejection };

const HALF_UP = "half_up" as const;

/**
 * Who holds suspense receipts: the one host of every park, or the prefecture when parks have
 * different hosts.
 */
export function suspenseCollector(parks: readonly ParkTerms[]): string {
  const hosts = [...new Set(parks.map((p) => p.host))];
  return hosts.length === 1 ? hosts[0]! : "prefecture";
}

const NONE: ReadonlySet<number> = new Set();

/** The fiscal year revenue collected on `collected_on` in `park` is booked in. */
export function fiscalYearOf(park: ParkTerms | null, collected_on: string, closed: ClosedYears): number {
  const year = yearOf(collected_on);
  if (park === null || park.operator === park.host) return year;
  const own = closed.get(park.code);
  const operators = closed.get(park.operator);
  if (own === undefined) return bookingYear(year, operators ?? NONE);
  if (operators === undefined) return bookingYear(year, own);
  let booked = year;
  while (own.has(booked) || operators.has(booked)) booked += 1;
  return booked;
}

/**
 * The rule for a receipt: suspense when the enterprise was in no park that day, else the park's
 * agreement and the tax's central ratio in force on `collected_on`; refused when one is missing.
 */
export function ruleForReceipt(
  r: ReceiptFacts,
  terms: BookingTerms,
  closed: ClosedYears,
  collector: string,
): RuleChoice {
  const park = r.park === null ? null : (terms.park(r.park) ?? null);
  const tax = terms.tax(r.tax_code)!;
  const scope = (r.scope || "local") as "gross" | "local";
  const ratio = terms.centralRatioOn(r.tax_code, r.collected_on);
  if (scope === "gross" && ratio === undefined)
    return refuse(
      "collected_on",
      "no_central_ratio",
      `no central–local ratio for ${r.tax_code} is in force on ${r.collected_on}; add one with 'parkledger ratio set'`,
    );
  if (scope === "local" && ratio?.central_share_bp === 10_000)
    return refuse(
      "scope",
      "local_scope_of_central_tax",
      `${r.tax_code} (${tax.name_zh}) is wholly central on ${r.collected_on}, so a local-scope receipt of it cannot exist; use scope gross`,
    );
  if (park === null) {
    const rule: SplitRule = { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: HALF_UP };
    return chosen({
      entry_kind: "suspense",
      status: "suspense",
      park: null,
      operator: null,
      host: collector,
      scope,
      central_ratio_id: null,
      central_share_bp: null,
      agreement_id: null,
      operator_share_bp: null,
      split: splitReceipt(r.amount_fen, rule),
      lines: suspenseLines(r.amount_fen, collector, r.tax_code),
      fiscal_year: yearOf(r.collected_on),
      suspense_reason: r.known ? "enterprise_in_no_park" : "enterprise_unknown",
    });
  }
  const shares = park.operator !== park.host;
  const agreement = shares ? terms.agreementOn(park.code, r.collected_on) : undefined;
  if (shares && agreement === undefined)
    return refuse(
      "collected_on",
      "no_agreement",
      `park ${park.code} has no sharing agreement in force on ${r.collected_on}; add one with 'parkledger agreement set'`,
    );
  const shared = agreement !== undefined && (tax.is_tax || agreement.shared_non_tax.includes(tax.code));
  const central_bp = scope === "gross" ? ratio!.central_share_bp : 0;
  const operator_bp = shared ? agreement.operator_share_bp : null;
  const split = splitReceipt(r.amount_fen, {
    scope,
    central_share_bp: central_bp,
    operator_share_bp: operator_bp,
    rounding: HALF_UP,
  });
  const operator = shared ? park.operator : null;
  return chosen({
    entry_kind: "receipt",
    status: "posted",
    park: park.code,
    operator,
    host: park.host,
    scope,
    central_ratio_id: scope === "gross" ? ratio!.id : null,
    central_share_bp: scope === "gross" ? central_bp : null,
    agreement_id: agreement?.id ?? null,
    operator_share_bp: operator_bp,
    split,
    lines: receiptLines(
      split,
      { host: park.host, operator, central: terms.central, is_tax: tax.is_tax },
      r.tax_code,
      park.code,
    ),
    fiscal_year: fiscalYearOf(park, r.collected_on, closed),
    suspense_reason: null,
  });
}

/**
 * What is wrong with a refund of `original`, refunded by `refunded_before_fen` (zero or negative)
 * so far. `counts` says whether the refund adds to what is refunded of the original (it does not
 * when it names a refund or would exceed what is left).
 */
export function refundProblems(
  refund: RefundFacts,
  original: OriginalTerms,
  refunded_before_fen: Fen,
): { problems: RuleRejection[]; counts: boolean } {
  if (original.is_refund)
    return {
      problems: [
        {
          column: "refund_of",
          code: "refund_of_refund",
          reason: `${refund.refund_of} is itself a refund; name the original receipt`,
        },
      ],
      counts: false,
    };
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
  if (refund.scope !== "" && refund.scope !== original.scope)
    problems.push({
      column: "scope",
      code: "scope_invalid",
      reason: `the refunded receipt ${of} has scope ${original.scope}; a refund is split with its original's scope`,
    });
  if (refund.collected_on < original.collected_on)
    problems.push({
      column: "collected_on",
      code: "refund_before_original",
      reason: `the refunded receipt ${of} entered the treasury on ${original.collected_on}`,
    });
  if (original.amount_fen + refunded_before_fen + refund.amount_fen < 0n) {
    problems.push({
      column: "amount",
      code: "refund_exceeds_original",
      reason: `${of} is ${formatYuan(original.amount_fen)}, already refunded ${formatYuan(-refunded_before_fen)}; refunding ${formatYuan(-refund.amount_fen)} more would exceed it`,
    });
    return { problems, counts: false };
  }
  return { problems, counts: true };
}

/**
 * A refund booked with its original's terms (ratio, agreement, scope, park), so that refunds adding
 * up to the original undo it exactly; its year is its own, the first still open.
 */
export function refundBooking(
  refund: RefundFacts,
  original: OriginalTerms,
  refunded_before_fen: Fen,
  terms: BookingTerms,
  closed: ClosedYears,
): Booking {
  const park = original.park === null ? null : (terms.park(original.park) ?? null);
  const rule: SplitRule = {
    scope: original.scope,
    central_share_bp: original.central_share_bp ?? 0,
    operator_share_bp: original.operator_share_bp,
    rounding: HALF_UP,
  };
  const split = splitRefund(refund.amount_fen, refunded_before_fen, rule);
  const lines =
    original.status === "suspense"
      ? suspenseLines(refund.amount_fen, original.host, refund.tax_code)
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
  return {
    entry_kind: "refund",
    status: original.status,
    park: original.status === "suspense" ? null : (park?.code ?? null),
    operator: original.operator,
    host: original.host,
    scope: original.scope,
    central_ratio_id: original.central_ratio_id,
    central_share_bp: original.central_share_bp,
    agreement_id: original.agreement_id,
    operator_share_bp: original.operator_share_bp,
    split,
    lines,
    fiscal_year: fiscalYearOf(park, refund.collected_on, closed),
    suspense_reason: null,
  };
}

function chosen(booking: Booking): RuleChoice {
  return { booking, rejection: null };
}

function refuse(column: string, code: RejectionCode, reason: string): RuleChoice {
  return { booking: null, rejection: { column, code, reason } };
}
