// Land and mineral revenue (seed 004 item 7; docs/domain.md#land-and-mineral-revenue), decided without
// the database. Revenue of an item is split like a gross receipt: the item's central share in force on
// the day it entered the treasury comes out first (half up to the fen, the remainder local); the local
// part goes to the park's operator only where the park's agreement names the item, else the host keeps
// it as fund revenue (土地出让收入, 新增建设用地土地有偿使用费) or non-tax revenue (矿业权出让收益).
// An exemption moves no money: it says who forgoes how much of the revenue an item would have brought.

import { splitInOrder, splitReceipt, type ReceiptSplit } from "./allocate.js";
import type { Fen } from "./money.js";
import { receiptLines, type Line } from "./posting.js";
import type { RejectionCode } from "./rejections.js";
import { fiscalYearOf, type AgreementTerms, type ClosedYears, type ParkTerms, type RatioTerms } from "./rules.js";

export interface LandItemTerms {
  code: string;
  budget: "fund" | "general";
}

/** The reference data the land rules read: pure lookups by code and date (ReferenceData answers them). */
export interface LandTerms {
  readonly central: string;
  park(code: string): ParkTerms | undefined;
  landItem(code: string): LandItemTerms | undefined;
  landRatioOn(item: string, isoDate: string): RatioTerms | undefined;
  agreementOn(
    park: string,
    isoDate: string,
  ): Pick<AgreementTerms, "id" | "operator_share_bp" | "shared_non_tax"> | undefined;
}

/** A problem with a row that only the reference data in force shows, naming the column at fault. */
export interface LandRejection {
  column: string;
  code: RejectionCode;
  reason: string;
}

/** What a rule decided: a value, or the rejection that stands in its way. */
export type Decided<T> = { value: T; rejection: null } | { value: null; rejection: LandRejection };

export interface LandRevenueFacts {
  park: string;
  item: string;
  collected_on: string;
  /** Positive. */
  amount_fen: Fen;
}

/** What land revenue is booked as: the terms it was split with, the split, its lines and its year. */
export interface LandBooking {
  /** The operator that shares the item; null when the host keeps the local part. */
  operator: string | null;
  host: string;
  central_ratio_id: number;
  central_share_bp: number;
  agreement_id: number | null;
  operator_share_bp: number | null;
  split: ReceiptSplit;
  lines: Line[];
  fiscal_year: number;
}

const HALF_UP = "half_up" as const;

/** Whether an agreement in force shares `item` (a park its host runs shares nothing). */
function sharesItem(
  park: ParkTerms,
  agreement: Pick<AgreementTerms, "shared_non_tax"> | undefined,
  item: string,
): boolean {
  return park.operator !== park.host && agreement !== undefined && agreement.shared_non_tax.includes(item);
}

/** The booking of land revenue, or why the reference data in force cannot book it. */
export function landRevenueBooking(r: LandRevenueFacts, terms: LandTerms, closed: ClosedYears): Decided<LandBooking> {
  const park = terms.park(r.park)!;
  const item = terms.landItem(r.item)!;
  const ratio = terms.landRatioOn(item.code, r.collected_on);
  if (ratio === undefined)
    return refuse(
      "collected_on",
      "no_central_ratio",
      `no central share of ${item.code} is in force on ${r.collected_on}`,
    );
  const agreement = park.operator !== park.host ? terms.agreementOn(park.code, r.collected_on) : undefined;
  if (park.operator !== park.host && agreement === undefined)
    return refuse(
      "collected_on",
      "no_agreement",
      `park ${park.code} has no sharing agreement in force on ${r.collected_on}; add one with 'parkledger agreement set'`,
    );
  const shared = sharesItem(park, agreement, item.code);
  const operator_share_bp = shared ? agreement!.operator_share_bp : null;
  const split = splitReceipt(r.amount_fen, {
    scope: "gross",
    central_share_bp: ratio.central_share_bp,
    operator_share_bp,
    rounding: HALF_UP,
  });
  const operator = shared ? park.operator : null;
  const unshared = item.budget === "fund" ? { unshared_account: "fund_revenue" as const } : {};
  return decided({
    operator,
    host: park.host,
    central_ratio_id: ratio.id,
    central_share_bp: ratio.central_share_bp,
    agreement_id: agreement?.id ?? null,
    operator_share_bp,
    split,
    lines: receiptLines(
      split,
      { host: park.host, operator, central: terms.central, is_tax: false, ...unshared },
      item.code,
      park.code,
    ),
    fiscal_year: fiscalYearOf(park, r.collected_on, closed),
  });
}

export interface ExemptionFacts {
  park: string;
  item: string;
  approved_on: string;
  /** Positive. */
  amount_fen: Fen;
  /** A party's code, or `shared`: the operator and the host by the park's agreement. */
  forgone_by: string;
}

/** Who forgoes how much of an exemption; the three parts add up to its amount. */
export interface ExemptionShares {
  central_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
  /** The agreement a `shared` exemption was divided by. */
  agreement_id: number | null;
}

/**
 * Divides an exemption among the parties that forgo it: the one named, or with `shared` the park's
 * operator and host by the agreement in force on the approval date (operator first, half up to the
 * fen, the host the remainder; a park its host runs: the host). Central may forgo only an item with a
 * central share on that date.
 */
export function exemptionShares(e: ExemptionFacts, terms: LandTerms): Decided<ExemptionShares> {
  const park = terms.park(e.park)!;
  const one = (part: "central_fen" | "operator_fen" | "host_fen") =>
    decided<ExemptionShares>({
      central_fen: 0n,
      operator_fen: 0n,
      host_fen: 0n,
      agreement_id: null,
      [part]: e.amount_fen,
    });
  if (e.forgone_by === "shared") {
    if (park.operator === park.host) return one("host_fen");
    const agreement = terms.agreementOn(park.code, e.approved_on);
    if (agreement === undefined)
      return refuse(
        "approved_on",
        "no_agreement",
        `park ${park.code} has no sharing agreement in force on ${e.approved_on}`,
      );
    const [operator_fen, host_fen] = splitInOrder(e.amount_fen, [agreement.operator_share_bp], HALF_UP) as [Fen, Fen];
    return decided({ central_fen: 0n, operator_fen, host_fen, agreement_id: agreement.id });
  }
  if (e.forgone_by === park.host) return one("host_fen");
  if (e.forgone_by === park.operator) return one("operator_fen");
  if (e.forgone_by === terms.central && (terms.landRatioOn(e.item, e.approved_on)?.central_share_bp ?? 0) > 0)
    return one("central_fen");
  const parties = [...new Set([park.operator, park.host])].join(", ");
  return refuse(
    "forgone_by",
    "forgone_by_invalid",
    e.forgone_by === terms.central
      ? `${e.item} has no central share on ${e.approved_on}, so central forgoes none of it; use ${parties} or shared`
      : `${e.forgone_by} neither runs nor hosts ${park.code}; use ${parties}, shared, or central for an item central shares`,
  );
}

function decided<T>(value: T): Decided<T> {
  return { value, rejection: null };
}

function refuse(column: string, code: RejectionCode, reason: string): { value: null; rejection: LandRejection } {
  return { value: null, rejection: { column, code, reason } };
}
