// Indicators (指标统计) as the ledger counts them: values in 1/10000 of the indicator's unit (万元 or
// 万美元), so that "exact at 4 decimals" is integer arithmetic like fen. Reports arrive as
// year-to-date figures (or monthly ones); a month with no report folds into the next reported month
// (the combined 1–2月 report); each month's value is split between operator and host by the agreement
// in force on the first day of that month, with the same rule as money (docs/domain.md#indicators).

import { splitInOrder } from "./allocate.js";

/** A quantity in 1/10000 of an indicator's unit. */
export type Units = bigint;

export const UNITS_PER_WHOLE = 10_000n;

/**
 * The largest absolute indicator value or quota a report may carry: 10^16 units, 1,000,000,000,000.0000
 * (a trillion 万元, far past the country's GDP), so running totals stay inside the books' balance limit.
 */
export const QUANTITY_UNITS_LIMIT: Units = 10n ** 16n;

const QUANTITY_PATTERN = /^(-?)(\d{1,15})(?:\.(\d{1,4}))?$/;

/** Parses `"1234.5"` into units of 1/10000; null for anything but `-?digits[.dddd]`. */
export function parseQuantity(text: string): Units | null {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) return null;
  const [, sign, whole, fraction = ""] = match;
  const units = BigInt(whole!) * UNITS_PER_WHOLE + BigInt(fraction.padEnd(4, "0") || "0");
  return sign === "-" ? -units : units;
}

/** Formats units as a decimal with exactly four places: `12345n` → `"1.2345"`. */
export function formatQuantity(units: Units): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  return `${negative ? "-" : ""}${abs / UNITS_PER_WHOLE}.${(abs % UNITS_PER_WHOLE).toString().padStart(4, "0")}`;
}

const MONTH_PATTERN = /^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$/;

/**
 * Parses a report month: `2025-03`, `2025/3` (as Excel shows it), or the first day of the month
 * (`2025-03-01`, `2025/3/1`: Excel turns `2025-03` into a date). Canonical form `YYYY-MM`; null otherwise.
 */
export function parseMonth(text: string): string | null {
  const match = MONTH_PATTERN.exec(text.trim());
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (year < 1900 || year > 2999 || month < 1 || month > 12) return null;
  if (match[3] !== undefined && Number(match[3]) !== 1) return null;
  return `${match[1]}-${String(month).padStart(2, "0")}`;
}

export type Basis = "ytd" | "month";

/** Parses a basis: `ytd` / `累计` (default when empty) or `month` / `当月`. */
export function parseBasis(text: string): Basis | null {
  const t = text.trim().toLowerCase();
  if (t === "" || t === "ytd" || t === "累计") return "ytd";
  if (t === "month" || t === "当月") return "month";
  return null;
}

/** The report in force for one month of a year: the latest on record for that park, indicator and month. */
export interface MonthReport {
  /** 1–12 */
  month: number;
  basis: Basis;
  value: Units;
}

/** One reported month of a year and the value it adds: what the assessment view splits. */
export interface MonthValue {
  month: number;
  /** The first month this value covers: earlier when unreported months fold into this one (1–2月). */
  first_month: number;
  basis: Basis;
  reported: Units;
  /** The year-to-date figure after this month. */
  ytd: Units;
  /** This month's value (with any folded months): the difference between consecutive year-to-date figures. */
  value: Units;
}

/**
 * Monthly values from the reports in force, in month order. A year-to-date report's value is its
 * difference from the previous reported month's year-to-date figure; a monthly report adds itself.
 * Months without a report fold into the next reported month.
 */
export function monthlyValues(reports: readonly MonthReport[]): MonthValue[] {
  const sorted = [...reports].sort((a, b) => a.month - b.month);
  const values: MonthValue[] = [];
  let ytd = 0n;
  let previous = 0;
  for (const r of sorted) {
    if (!Number.isInteger(r.month) || r.month < 1 || r.month > 12) throw new RangeError(`month ${r.month}`);
    if (r.month === previous) throw new RangeError(`two reports in force for month ${r.month}`);
    const value = r.basis === "ytd" ? r.value - ytd : r.value;
    ytd += value;
    // a monthly figure is that month's alone; a year-to-date one also covers the unreported months before it
    const first_month = r.basis === "ytd" ? previous + 1 : r.month;
    values.push({ month: r.month, first_month, basis: r.basis, reported: r.value, ytd, value });
    previous = r.month;
  }
  return values;
}

export interface IndicatorSplit {
  operator: Units;
  host: Units;
}

/**
 * Splits a month's value: the operator gets round_half_up(|value| × share) at 4 decimals with the
 * value's sign, the host the rest. A park whose operator is its host (null share) keeps it all.
 */
export function splitIndicator(value: Units, operator_share_bp: number | null): IndicatorSplit {
  if (operator_share_bp === null) return { operator: value, host: 0n };
  const [operator, host] = splitInOrder(value, [operator_share_bp], "half_up") as [Units, Units];
  return { operator, host };
}

/** A month's value and its assessment split, as the journal must hold it. */
export interface MonthAttribution extends MonthValue, IndicatorSplit {
  /** The operator's share in force on the first day of the month; null when the park shares nothing. */
  operator_share_bp: number | null;
}

/** Attributes each month's value by the share in force on the first day of that month. */
export function attributeMonths(
  reports: readonly MonthReport[],
  shareOnFirstDay: (month: number) => number | null,
): MonthAttribution[] {
  return monthlyValues(reports).map((m) => {
    const operator_share_bp = shareOnFirstDay(m.month);
    return { ...m, operator_share_bp, ...splitIndicator(m.value, operator_share_bp) };
  });
}
