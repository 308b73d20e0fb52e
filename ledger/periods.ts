// Which fiscal year an event is booked in. Revenue belongs to the year it entered the treasury,
// unless that year is already settled and closed with the park's operator: then it is a prior-year
// adjustment in the first year still open, so a closed year's figures never change.

export function bookingYear(collected_year: number, closed_years: ReadonlySet<number>): number {
  let year = collected_year;
  while (closed_years.has(year)) year += 1;
  return year;
}

/** The calendar year of an ISO date `YYYY-MM-DD`. */
export function yearOf(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}

const DATE_PATTERN = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/;

/**
 * Parses `YYYY-MM-DD` (and `YYYY/M/D`, which Excel writes in a Chinese locale) into a canonical
 * `YYYY-MM-DD`; null when malformed or not a day of the calendar (2025-02-30).
 */
export function parseIsoDate(text: string): string | null {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return null;
  if (day > daysInMonth(year, month)) return null;
  return `${match[1]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A run of whole months of one year: a month, a quarter, a half year, the year, or any range of its months. */
export interface Period {
  year: number;
  /** 1–12, from ≤ to */
  from: number;
  to: number;
}

const YEAR = /^(\d{4})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const QUARTER = /^(\d{4})-?Q([1-4])$/i;
const HALF = /^(\d{4})-?H([12])$/i;

/** The first and last day of a month, quarter, half or year as a tax period names it; null otherwise. */
function periodSpan(text: string): { from: string; to: string } | null {
  const t = text.trim();
  let m = YEAR.exec(t);
  if (m !== null) return { from: `${m[1]}-01-01`, to: `${m[1]}-12-31` };
  m = MONTH.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]), Number(m[2]));
  m = QUARTER.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]) * 3 - 2, Number(m[2]) * 3);
  m = HALF.exec(t);
  if (m !== null) return monthSpan(Number(m[1]), Number(m[2]) * 6 - 5, Number(m[2]) * 6);
  const day = parseIsoDate(t);
  return day === null ? null : { from: day, to: day };
}

function monthSpan(year: number, first: number, last: number): { from: string; to: string } | null {
  if (first < 1 || last > 12 || year < 1900 || year > 2999) return null;
  const mm = (n: number) => String(n).padStart(2, "0");
  return { from: `${year}-${mm(first)}-01`, to: `${year}-${mm(last)}-${mm(daysInMonth(year, last))}` };
}

/**
 * The span of a tax period as written: `2025`, `2025-03`, `2025-Q1`, `2025-H1`, a day, or two of
 * these joined by `/` or `~` (所属期起/所属期止, `2025-01-01/2025-03-31`); null when it names none, or
 * ends before it starts.
 */
export function parseTaxPeriod(text: string): { from: string; to: string } | null {
  const whole = periodSpan(text);
  if (whole !== null) return whole;
  const parts = text.split(/\s*[/~\uff5e]\s*/); // \uff5e: the full-width tilde ～
  if (parts.length > 2) return null;
  const first = periodSpan(parts[0] ?? "");
  const last = parts.length === 2 ? periodSpan(parts[1]!) : first;
  if (first === null || last === null || last.to < first.from) return null;
  return { from: first.from, to: last.to };
}

/**
 * Reads a period as finance officers write one: `2025` (the year), `2025-03` (a month), `2025-Q1`
 * (a quarter), `2025-H1` (a half year), or two of these as from and to (`2025-01..2025-06`, or with
 * `/` or `~` as a tax period is written). Null when it names none, is not whole months, or spans years.
 */
export function parsePeriod(text: string): Period | null {
  const span = parseTaxPeriod(text.trim().replace(/\s*\.\.\s*/, "/"));
  if (span === null) return null;
  const year = Number(span.from.slice(0, 4));
  const from = Number(span.from.slice(5, 7));
  const to = Number(span.to.slice(5, 7));
  const whole = span.from.endsWith("-01") && span.to.slice(8) === String(daysInMonth(year, to));
  if (!whole || Number(span.to.slice(0, 4)) !== year) return null;
  return { year, from, to };
}

/** Whether the period is its whole year. */
export function isWholeYear(p: Period): boolean {
  return p.from === 1 && p.to === 12;
}

/** `2025-01..2025-06`, `2025-03`, or `2025` for the whole year. */
export function formatPeriod(p: Period): string {
  const month = (n: number) => `${p.year}-${String(n).padStart(2, "0")}`;
  if (isWholeYear(p)) return String(p.year);
  return p.from === p.to ? month(p.from) : `${month(p.from)}..${month(p.to)}`;
}

/** The first and last day of the period, `YYYY-MM-DD`. */
export function periodDays(p: Period): { first: string; last: string } {
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    first: `${p.year}-${pad(p.from)}-01`,
    last: `${p.year}-${pad(p.to)}-${pad(daysInMonth(p.year, p.to))}`,
  };
}

/** What is wrong with a `from`/`to` pair, naming the option (`from` or `to`) it is about. */
export interface PeriodProblem {
  field: "from" | "to" | "period";
  reason: string;
}

/** One end of a range: a month `YYYY-MM`, or a day that starts (`from`) or ends (`to`) a month. */
function rangeEnd(text: string, end: "from" | "to"): { year: number; month: number } | string {
  const t = text.trim();
  const month = MONTH.exec(t);
  if (month !== null) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? { year: Number(month[1]), month: m } : `${t} is not a month`;
  }
  const day = parseIsoDate(t);
  if (day === null) return `${t} is neither a day YYYY-MM-DD nor a month YYYY-MM`;
  const year = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  if (end === "from" && d !== 1)
    return `${day} does not start a month: the books are kept by month, so --from is a month's first day (${day.slice(0, 8)}01)`;
  if (end === "to" && d !== daysInMonth(year, m))
    return `${day} does not end a month: the books are kept by month, so --to is a month's last day (${day.slice(0, 8)}${daysInMonth(year, m)})`;
  return { year, month: m };
}

/**
 * The period from `from` to `to` (either may be left out: the start or the end of the other's year),
 * each a month `YYYY-MM` or a day starting (from) or ending (to) a month. Within one fiscal year, and
 * not reversed; otherwise the problem, naming the option.
 */
export function periodFromTo(from: string | undefined, to: string | undefined): Period | PeriodProblem {
  if (from === undefined && to === undefined) return { field: "from", reason: "give --from, --to or both" };
  const first = from === undefined ? undefined : rangeEnd(from, "from");
  if (typeof first === "string") return { field: "from", reason: first };
  const last = to === undefined ? undefined : rangeEnd(to, "to");
  if (typeof last === "string") return { field: "to", reason: last };
  const year = first?.year ?? last!.year;
  if (last !== undefined && last.year !== year)
    return {
      field: "to",
      reason: `${to} is not in ${year}, the year of --from: a period lies within one fiscal year (ask each year apart)`,
    };
  const p = { year, from: first?.month ?? 1, to: last?.month ?? 12 };
  if (p.to < p.from) return { field: "to", reason: `${to} is before ${from}: the period is reversed` };
  return p;
}

/** The months of a period in order, 1–12. */
export function periodMonths(p: Period): number[] {
  const months: number[] = [];
  for (let m = p.from; m <= p.to; m += 1) months.push(m);
  return months;
}
