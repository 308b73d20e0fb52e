// Which rule books a receipt, decided without the database: the park the enterprise was in on the
// day, or in its tax period when the agreement attributes by tax period (or suspense), the
// central–local ratio (or the enterprise's exception to it) and the park's agreement in force then,
// the fiscal year (the first one still open with the park's operator), and from them the split and
// the lines. Amounts the treasury divided by level are booked as given. Refunds of one receipt and
// treasury adjustments of a credit refund are in ./refunds.ts. The booking engine (src/booking/) asks
// these functions for every receipt, whether it came from a file or over HTTP.

import { shareOf, splitReceipt, type ReceiptSplit } from "./allocate.js";
import { LOCAL_LEVELS, PERIOD_REFUND_KINDS, sharedLocal, type Levels, type ReceiptKind } from "./kinds.js";
import type { Fen } from "./money.js";
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
  /** The local levels whose amounts are shared (every one by default). */
  shared_levels: readonly string[];
  /** Whether a mover's tax follows the park of the entry date or of the tax period. */
  attribution: "collected_on" | "tax_period";
  /** The operator's share of a refund kind's local part, where it differs from operator_share_bp. */
  refund_shares: Readonly<Record<string, number>>;
}

/** An enterprise's exception to a tax's central–local ratio (some CIT is wholly central). */
export interface ExceptionTerms {
  id: number;
  central_share_bp: number;
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
  exceptionOn(uscc: string, tax_code: string, isoDate: string): ExceptionTerms | undefined;
}

/** Reference data as plain lists, effective-dated where it changes. */
export interface PlainTerms {
  central: string;
  parks: readonly ParkTerms[];
  taxes: readonly TaxTerms[];
  ratios: readonly (RatioTerms & { tax_code: string; effective_from: string })[];
  agreements: readonly (AgreementTerms & { park: string; effective_from: string })[];
  exceptions?: readonly (ExceptionTerms & { uscc: string; tax_code: string; effective_from: string })[];
}

/** BookingTerms over plain lists (the repository's ReferenceData gives the same answers from the database). */
export function termsOf(plain: PlainTerms): BookingTerms & { parks: readonly ParkTerms[] } {
  const ratios = sortVersions([...plain.ratios]);
  const agreements = sortVersions([...plain.agreements]);
  const exceptions = sortVersions([...(plain.exceptions ?? [])]);
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
    exceptionOn: (uscc, tax_code, on) =>
      inForceOn(
        exceptions.filter((e) => e.uscc === uscc && e.tax_code === tax_code),
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
  uscc: string;
  kind: Exclude<ReceiptKind, "treasury_adjustment">;
  amount_fen: Fen;
  tax_code: string;
  collected_on: string;
  /** As given: '' when the receipt names none (only with levels or for an export offset). */
  scope: string;
  /** The amounts of each level as the treasury divided them; null when it gave only the total. */
  levels: Levels | null;
  /** The last day of the tax period the receipt is for; '' when it names none. */
  period_end: string;
  /** The enterprise's park on the day; null when it was in none or is unknown. */
  park: string | null;
  /** The enterprise's park on `period_end` (null: none; equal to `park` when no period is named). */
  period_park: string | null;
  /** Whether the registry knows the enterprise at all. */
  known: boolean;
}

/** A receipt already booked, as a refund or a treasury adjustment of it needs it: the terms it was split with. */
export interface OriginalTerms {
  uscc: string;
  /** What it is: `receipt` (also for receipts recorded before kinds were), or a kind of negative flow. */
  kind: string;
  tax_code: string;
  collected_on: string;
  amount_fen: Fen;
  /** Its local part and the operator's share of it, as they stand (a treasury adjustment returns parts of them). */
  local_fen: Fen;
  operator_fen: Fen;
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
  /** The levels it was booked with, as given; null when it was split by the ratio. */
  levels: Levels | null;
}

export interface RefundFacts {
  uscc: string;
  /** `receipt`: a refund of the receipt named; `treasury_adjustment`: a 调库 of the credit refund named. */
  kind: "receipt" | "treasury_adjustment";
  levels: Levels | null;
  tax_code: string;
  collected_on: string;
  /** Negative for a refund, positive for a treasury adjustment. */
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
  /** What the receipt row records it as. */
  kind: ReceiptKind | "refund";
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
  /** The levels booked as given, and the central amount the dated ratio gives for the check. */
  levels: Levels | null;
  ratio_central_fen: Fen | null;
  ratio_exception_id: number | null;
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
 * The park a receipt is booked in: the enterprise's park on the entry date, or its park in the tax
 * period when the receipt names one and the agreement of either park attributes by tax period (the
 * park that opted for it takes its movers' earlier periods and gives up its newcomers').
 */
export function attributedPark(r: ReceiptFacts, terms: BookingTerms): string | null {
  // the rule is for an enterprise that was in another park in its tax period: in none, the entry date's park keeps it
  if (r.period_end === "" || r.period_park === r.park || r.period_park === null) return r.park;
  const byPeriod = (park: string | null) =>
    park !== null && terms.agreementOn(park, r.collected_on)?.attribution === "tax_period";
  return byPeriod(r.park) || byPeriod(r.period_park) ? r.period_park : r.park;
}

/** The day whose ratio and agreement split a row: its tax period's for refunds identified by period. */
export function termsDate(r: Pick<ReceiptFacts, "kind" | "collected_on" | "period_end">): string {
  const byPeriod = PERIOD_REFUND_KINDS.includes(r.kind) || r.kind === "export_offset";
  return byPeriod && r.period_end !== "" ? r.period_end : r.collected_on;
}

/** The central share for the enterprise and tax on the day: its exception if it has one, else the tax's ratio. */
function centralTerms(
  r: ReceiptFacts,
  terms: BookingTerms,
  on: string,
): { ratio: RatioTerms | undefined; exception: ExceptionTerms | undefined; bp: number | undefined } {
  const exception = terms.exceptionOn(r.uscc, r.tax_code, on);
  const ratio = terms.centralRatioOn(r.tax_code, on);
  return { ratio, exception, bp: exception?.central_share_bp ?? ratio?.central_share_bp };
}

/** What the scope and the ratio allow, or why the row cannot be booked. */
function scopeProblem(
  r: ReceiptFacts,
  scope: string,
  bp: number | undefined,
  on: string,
  tax: TaxTerms,
): RuleRejection | null {
  if (scope === "")
    return {
      column: "scope",
      code: "scope_required",
      reason:
        "say whether the amount is the whole tax (gross) or already the local portion (local): a scope column, --scope gross|local for the file, or the amounts of each level",
    };
  if (scope === "gross" && bp === undefined && r.levels === null)
    return {
      column: "collected_on",
      code: "no_central_ratio",
      reason: `no central–local ratio for ${r.tax_code} is in force on ${on}; add one with 'parkledger ratio set'`,
    };
  if (scope === "local" && bp === 10_000 && r.kind !== "export_offset")
    return {
      column: "scope",
      code: "local_scope_of_central_tax",
      reason: `${r.tax_code} (${tax.name_zh}) is wholly central on ${on}, so a local-scope receipt of it cannot exist; use scope gross`,
    };
  return null;
}

/** The split of a row: as the levels give it, an export offset's move, or by the ratio and the share. */
function splitOf(
  r: ReceiptFacts,
  scope: "gross" | "local",
  central_bp: number,
  operator_bp: number | null,
  shared_levels: readonly string[],
): ReceiptSplit {
  const byShare = (local: Fen, base: Fen): [Fen, Fen] => {
    const operator = operator_bp === null ? 0n : shareOf(base, operator_bp, HALF_UP);
    return [operator, local - operator];
  };
  if (r.levels !== null) {
    const local = r.amount_fen - r.levels.central;
    const [operator_fen, host_fen] = byShare(local, sharedLocal(r.levels, shared_levels));
    return { central_fen: r.levels.central, local_fen: local, operator_fen, host_fen };
  }
  if (r.kind === "export_offset") {
    const [operator_fen, host_fen] = byShare(r.amount_fen, r.amount_fen);
    return { central_fen: -r.amount_fen, local_fen: r.amount_fen, operator_fen, host_fen };
  }
  return splitReceipt(r.amount_fen, {
    scope,
    central_share_bp: central_bp,
    operator_share_bp: operator_bp,
    rounding: HALF_UP,
  });
}

/** A row whose enterprise was in no park (that day or that period): held whole, less any central level given. */
function suspenseBooking(r: ReceiptFacts, scope: "gross" | "local", collector: string, terms: BookingTerms): Booking {
  const split =
    r.kind === "export_offset" || r.levels !== null
      ? splitOf(r, scope, 0, null, LOCAL_LEVELS)
      : splitReceipt(r.amount_fen, { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: HALF_UP });
  return {
    entry_kind: "suspense",
    kind: r.kind,
    status: "suspense",
    park: null,
    operator: null,
    host: collector,
    scope,
    central_ratio_id: null,
    central_share_bp: null,
    agreement_id: null,
    operator_share_bp: null,
    split,
    lines: suspenseLines(split, collector, terms.central, r.tax_code),
    fiscal_year: yearOf(r.collected_on),
    suspense_reason: r.known ? "enterprise_in_no_park" : "enterprise_unknown",
    levels: r.levels,
    ratio_central_fen: null,
    ratio_exception_id: null,
  };
}

/**
 * The rule for a receipt or a negative flow identified by its tax period: suspense when the
 * enterprise was in no park, else the park's agreement and the central ratio in force on the day
 * (the tax period's last day for refunds identified by period); refused when one is missing.
 */
export function ruleForReceipt(
  r: ReceiptFacts,
  terms: BookingTerms,
  closed: ClosedYears,
  collector: string,
): RuleChoice {
  const code = attributedPark(r, terms);
  const park = code === null ? null : (terms.park(code) ?? null);
  const tax = terms.tax(r.tax_code)!;
  const on = termsDate(r);
  const scope = r.levels !== null ? "gross" : r.kind === "export_offset" ? "local" : r.scope;
  const central = centralTerms(r, terms, on);
  const problem = scopeProblem(r, scope, central.bp, on, tax);
  if (problem !== null) return { booking: null, rejection: problem };
  const sure = scope as "gross" | "local";
  if (park === null) return chosen(suspenseBooking(r, sure, collector, terms));
  const shares = park.operator !== park.host;
  const agreement = shares ? terms.agreementOn(park.code, on) : undefined;
  if (shares && agreement === undefined)
    return refuse(
      "collected_on",
      "no_agreement",
      `park ${park.code} has no sharing agreement in force on ${on}; add one with 'parkledger agreement set'`,
    );
  const shared = agreement !== undefined && (tax.is_tax || agreement.shared_non_tax.includes(tax.code));
  const central_bp = sure === "gross" ? (central.bp ?? 0) : 0;
  const operator_bp = shared ? (agreement.refund_shares[r.kind] ?? agreement.operator_share_bp) : null;
  const split = splitOf(r, sure, central_bp, operator_bp, agreement?.shared_levels ?? LOCAL_LEVELS);
  const operator = shared ? park.operator : null;
  const byRatio = sure === "gross" && central.bp !== undefined;
  return chosen({
    entry_kind: r.amount_fen < 0n ? "refund" : "receipt",
    kind: r.kind,
    status: "posted",
    park: park.code,
    operator,
    host: park.host,
    scope: sure,
    central_ratio_id: byRatio && central.exception === undefined ? (central.ratio?.id ?? null) : null,
    central_share_bp: byRatio ? central_bp : null,
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
    levels: r.levels,
    ratio_central_fen:
      r.levels !== null && central.bp !== undefined ? shareOf(r.amount_fen, central.bp, HALF_UP) : null,
    ratio_exception_id: central.exception?.id ?? null,
  });
}

export function chosen(booking: Booking): RuleChoice {
  return { booking, rejection: null };
}

export function refuse(column: string, code: RejectionCode, reason: string): RuleChoice {
  return { booking: null, rejection: { column, code, reason } };
}
