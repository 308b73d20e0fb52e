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
