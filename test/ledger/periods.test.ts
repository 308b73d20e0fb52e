// Revenue belongs to the year it entered the treasury (collected_on); these tests pin down which dates
// are accepted and in which year a receipt is booked once years start closing.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  bookingYear,
  daysInMonth,
  formatPeriod,
  parseIsoDate,
  parsePeriod,
  periodDays,
  yearOf,
} from "../../ledger/periods.js";

describe("parseIsoDate", () => {
  it.each<[string, string, string]>([
    ["an ordinary date", "2025-03-05", "2025-03-05"],
    ["the leap day of a leap year", "2024-02-29", "2024-02-29"],
    ["the leap day of 2000 (divisible by 400)", "2000-02-29", "2000-02-29"],
    ["Excel's Chinese-locale date with slashes and no zero padding", "2025/3/5", "2025-03-05"],
    ["a slashed date with padding", "2025/12/31", "2025-12-31"],
    ["the last day of a 30-day month", "2025-04-30", "2025-04-30"],
    ["the first day of the year", "2026-01-01", "2026-01-01"],
  ])("accepts %s: %s is %s", (_why, text, iso) => {
    expect(parseIsoDate(text)).toBe(iso);
  });

  it.each<[string, string]>([
    ["2025-02-29", "no leap day in 2025"],
    ["1900-02-29", "no leap day in 1900 (divisible by 100, not by 400)"],
    ["2025-02-30", "February never has 30 days"],
    ["2025-04-31", "April has 30 days"],
    ["2025-13-01", "there is no month 13"],
    ["2025-00-10", "there is no month 0"],
    ["2025-01-00", "there is no day 0"],
    ["2025-01-32", "no month has 32 days"],
    ["25-01-01", "a two-digit year"],
    ["20250105", "no separators"],
    ["2025-01-05T00:00:00Z", "a timestamp"],
    [" 2025-01-05", "a leading space"],
    ["2025-01-05 ", "a trailing space"],
    ["05/01/2025", "day first"],
    ["2025年1月5日", "Chinese date characters"],
    ["", "nothing"],
    ["1899-12-31", "a year before 1900"],
    ["3000-01-01", "a year after 2999"],
  ])("rejects %s (%s)", (text) => {
    expect(parseIsoDate(text)).toBeNull();
  });
});

describe("daysInMonth", () => {
  it.each<[number, number, number]>([
    [2025, 1, 31],
    [2025, 2, 28],
    [2024, 2, 29],
    [2000, 2, 29],
    [2100, 2, 28],
    [2025, 4, 30],
    [2025, 6, 30],
    [2025, 9, 30],
    [2025, 11, 30],
    [2025, 12, 31],
  ])("%s-%s has %s days", (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });
});

describe("bookingYear", () => {
  it.each<[string, number, number[], number]>([
    ["a receipt of an open year is booked in that year", 2025, [], 2025],
    ["a receipt of a closed year is booked in the next open year", 2025, [2025], 2026],
    ["a receipt skips every closed year in a row", 2025, [2025, 2026], 2027],
    ["closing an earlier year does not move a later receipt", 2025, [2024], 2025],
    ["closing a later year does not move an earlier open year's receipt", 2024, [2025], 2024],
    ["a gap in the closed years stops at the first open one", 2023, [2023, 2025], 2024],
  ])("%s (collected %s, closed %j, booked %s)", (_why, collected, closed, booked) => {
    expect(bookingYear(collected, new Set(closed))).toBe(booked);
  });
});

describe("yearOf", () => {
  it.each<[string, number]>([
    ["2025-01-01", 2025],
    ["2024-12-31", 2024],
  ])("%s is in %s", (date, year) => {
    expect(yearOf(date)).toBe(year);
  });
});

describe("parsePeriod", () => {
  it.each<[string, string, [number, number, number]]>([
    ["a year", "2025", [2025, 1, 12]],
    ["a month", "2025-03", [2025, 3, 3]],
    ["a quarter", "2025-Q2", [2025, 4, 6]],
    ["a quarter in small letters", "2025-q4", [2025, 10, 12]],
    ["a half year", "2025-H2", [2025, 7, 12]],
    ["a range of months", "2025-01..2025-06", [2025, 1, 6]],
    ["a range as a tax period is written", "2025-Q1/2025-05", [2025, 1, 5]],
  ])("reads %s: %s", (_why, text, [year, from, to]) => {
    expect(parsePeriod(text)).toEqual({ year, from, to });
  });

  it.each<[string, string]>([
    ["a range across years", "2025-11..2026-02"],
    ["a backwards range", "2025-06..2025-01"],
    ["month 13", "2025-13"],
    ["month 0", "2025-00"],
    ["a fifth quarter", "2025-Q5"],
    ["a day", "2025-03-05"],
    ["days that are not whole months", "2025-03-05/2025-04-30"],
    ["words", "last quarter"],
    ["nothing", ""],
  ])("refuses %s: %s", (_why, text) => {
    expect(parsePeriod(text)).toBeNull();
  });

  it("property: what it formats it reads back, and the days run from the first of the first month to the last of the last", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        (year, a, b) => {
          const p = { year, from: Math.min(a, b), to: Math.max(a, b) };
          expect(parsePeriod(formatPeriod(p))).toEqual(p);
          const { first, last } = periodDays(p);
          expect(parseIsoDate(first)).toBe(first);
          expect(parseIsoDate(last)).toBe(last);
          expect(last.slice(8)).toBe(String(daysInMonth(year, p.to)));
        },
      ),
    );
  });
});
