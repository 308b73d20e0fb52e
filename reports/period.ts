// One way for every report to take part of a year: the parameters (`period`, `from`, `to`, `by`), read
// by one function into a Period of ledger/periods.ts, and the few helpers a report uses to keep what
// lies in it and to lay out its months. A report's figures by month are each month's balances or rows
// summed as the year's are, so the months add up to the year to the fen; what is booked in a year but
// dated outside it (a prior-year adjustment) belongs to the whole year, not to a month of it: it is
// month 0, shown apart ("outside the year") in the year's months and in no period shorter than the year.

import { z } from "zod";
import { fieldRejection } from "../ledger/rejections.js";
import { formatPeriod, parsePeriod, periodFromTo, periodMonths, type Period } from "../ledger/periods.js";

/** The parameters, for a report's zod schema (the command line's options and the HTTP query alike). */
export const PERIOD_PARAMS = {
  period: z.string().max(40).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  by: z.enum(["month"]).optional(),
};

/** Their help, with what the period restricts in the report (`what`). */
export function periodHelp(what: string): Record<keyof typeof PERIOD_PARAMS, string> {
  return {
    period: `part of the year: 2025-03, 2025-Q1, 2025-H1 or 2025-01..2025-06 (${what})`,
    from: "instead of --period: the first month, YYYY-MM or its first day YYYY-MM-01 (with --to, or alone: to the year's end)",
    to: "instead of --period: the last month, YYYY-MM or its last day (alone: from the year's start)",
    by: "month: the figures month by month (the months add up to the year)",
  };
}

/**
 * The period the parameters ask for, checked against the report's `year` when it has one; undefined
 * when they ask for none (the whole year). A clear error naming the option otherwise.
 */
export function periodOf(
  q: { period?: string; from?: string; to?: string },
  year: number | undefined,
): Period | undefined {
  let p: Period;
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined)
      throw fieldRejection(
        q.from !== undefined ? "from" : "to",
        "period_invalid",
        "give either --period or --from/--to, not both",
      );
    const parsed = parsePeriod(q.period);
    if (parsed === null) throw fieldRejection("period", "period_invalid", `${q.period} is not a period`);
    p = parsed;
  } else if (q.from !== undefined || q.to !== undefined) {
    const parsed = periodFromTo(q.from, q.to);
    if ("field" in parsed) throw fieldRejection(parsed.field, "period_invalid", parsed.reason);
    p = parsed;
  } else return undefined;
  if (year !== undefined && p.year !== year) {
    const field = q.period !== undefined ? "period" : q.from !== undefined ? "from" : "to";
    throw fieldRejection(field, "period_invalid", `the period ${formatPeriod(p)} is not of the year ${year}`);
  }
  return p;
}

/** Whether month `m` (0–12) of the year is in the period; everything is in no period (the year). */
export function inPeriod(p: Period | undefined, m: number): boolean {
  return p === undefined || (m >= p.from && m <= p.to && m !== 0);
}

/** A month's label in a report: `2025-03`, or null for month 0 (dated outside the year). */
export function monthLabel(year: number, m: number): string | null {
  return m === 0 ? null : `${year}-${String(m).padStart(2, "0")}`;
}

/**
 * The months a report by month shows: those of the period, or the twelve of the year and then
 * month 0 when anything was dated outside the year (`outside`).
 */
export function monthsShown(p: Period | undefined, outside: boolean): number[] {
  if (p !== undefined && !(p.from === 1 && p.to === 12)) return periodMonths(p);
  return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...(outside ? [0] : [])];
}

/** The month (0–12) of an event dated `date` in fiscal year `year` (SQL); 0 when dated outside that year. */
export const MONTH_IN_YEAR_SQL = (date: string, year: string) =>
  `(case when extract(year from ${date}) = ${year} then extract(month from ${date}) else 0 end)::int`;

/** A month's column in a table by month: its key (a CSV's header: `2025-03`, `outside_year`) and its labels. */
export function monthColumnLabel(year: number, m: number): { key: string; label_zh: string; label_en: string } {
  const label = monthLabel(year, m);
  return label === null
    ? { key: "outside_year", label_zh: "年度外", label_en: "Outside the year" }
    : { key: label, label_zh: `${m}月`, label_en: label };
}
