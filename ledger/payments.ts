// Payments of settled balances and the ageing of what is still owed, as pure rules (no I/O). Once a
// year is settled with an operator for a park (src/services/settle.ts), its balance due is a debt: of
// the host to the operator when positive (the operator's share exceeded what was transferred), of the
// operator to the host when negative (it was over-transferred). A payment runs the way the debt runs,
// is positive, and never exceeds what is outstanding; it clears the settlement accounts the closure
// booked (`settlementLines`), in the books of both parties.

import type { Fen } from "./money.js";
import { toLinesOf, type Line } from "./posting.js";

/** How a settled balance is paid: directly (直接划拨), or through the year-end settlement of transfers. */
export type PaymentMethod = "direct" | "remittance" | "subsidy";
export const PAYMENT_METHODS: readonly PaymentMethod[] = ["direct", "remittance", "subsidy"];

/** The Chinese label of each method, for tables. */
export const PAYMENT_METHOD_ZH: Record<PaymentMethod, string> = {
  direct: "直接划拨",
  remittance: "年终结算上解",
  subsidy: "年终结算补助",
};

export type DebtDirection = "host_to_operator" | "operator_to_host";

export const DIRECTION_ZH: Record<DebtDirection, string> = {
  host_to_operator: "东道方应付运营方",
  operator_to_host: "运营方应付东道方",
};

/** The debt a settled balance makes: who owes whom and how much (positive); null for a balance of zero. */
export function debtOf(
  balance_due: Fen,
  host: string,
  operator: string,
): { direction: DebtDirection; debtor: string; creditor: string; amount_fen: Fen } | null {
  if (balance_due === 0n) return null;
  return balance_due > 0n
    ? { direction: "host_to_operator", debtor: host, creditor: operator, amount_fen: balance_due }
    : { direction: "operator_to_host", debtor: operator, creditor: host, amount_fen: -balance_due };
}

/** What is still owed of a debt after the payments made (each positive); never negative when payments are held to it. */
export function outstandingOf(debt_fen: Fen, paid: readonly Fen[]): Fen {
  return paid.reduce((rest, p) => rest - p, debt_fen);
}

/**
 * Why a payment of `amount` may not be made against a debt with `outstanding` left, or null when it may:
 * a payment is positive and never more than what is outstanding.
 */
export function paymentProblem(
  amount: Fen,
  outstanding: Fen,
): "amount_zero" | "payment_not_positive" | "overpayment" | null {
  if (amount === 0n) return "amount_zero";
  if (amount < 0n) return "payment_not_positive";
  if (amount > outstanding) return "overpayment";
  return null;
}

/**
 * The lines of a payment of `amount` (positive) the way the debt runs. The host owing: its settlement
 * payable is debited against its treasury, the operator's funds received against its settlement
 * receivable. The operator owing: the same lines the other way. Each party's lines balance.
 */
export function paymentLines(
  amount: Fen,
  direction: DebtDirection,
  host: string,
  operator: string,
  park: string | null,
): Line[] {
  const signed = direction === "host_to_operator" ? amount : -amount;
  return toLinesOf(
    [
      { jurisdiction: host, account: `settlement_payable:${operator}`, amount_fen: signed },
      { jurisdiction: host, account: "treasury", amount_fen: -signed },
      { jurisdiction: operator, account: "cash", amount_fen: signed },
      { jurisdiction: operator, account: `settlement_receivable:${host}`, amount_fen: -signed },
    ],
    null,
    park,
  );
}

/** The ageing buckets, by days past the date a balance became due. */
export const AGEING_BUCKETS = [
  { key: "d0_30", max: 30, label_zh: "30天以内", label_en: "0-30 days" },
  { key: "d31_90", max: 90, label_zh: "31-90天", label_en: "31-90 days" },
  { key: "d91_180", max: 180, label_zh: "91-180天", label_en: "91-180 days" },
  { key: "d181_365", max: 365, label_zh: "181-365天", label_en: "181-365 days" },
  { key: "over_365", max: Number.POSITIVE_INFINITY, label_zh: "365天以上", label_en: "Over 365 days" },
] as const;
export type AgeingBucket = (typeof AGEING_BUCKETS)[number]["key"];

/** The bucket of a balance `days` past due (0 on the day it became due). */
export function bucketOf(days: number): AgeingBucket {
  if (!Number.isInteger(days) || days < 0) throw new Error(`days past due is a whole number from 0: ${days}`);
  return AGEING_BUCKETS.find((b) => days <= b.max)!.key;
}

/** Whole days from one calendar date (YYYY-MM-DD) to another, negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.UTC(...ymd(to)) - Date.UTC(...ymd(from))) / 86_400_000);
}

function ymd(date: string): [number, number, number] {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return [y, m - 1, d];
}

/** The calendar date of an instant in Beijing time (Asia/Shanghai), where the books are kept. */
export function beijingDate(at: Date): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}
