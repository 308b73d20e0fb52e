// The trial balance's sums over a period (reports/trial-balance.ts, unitFigures): for any accounts'
// monthly debits and credits, the months shown add up to the year to the fen, two periods that split
// the year add up to it, and a period closes where the next one opens.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { periodFromTo, parsePeriod, type Period } from "../../ledger/periods.js";
import { monthsShown } from "../../reports/period.js";
import { unitFigures, type MonthMovement } from "../../reports/trial-balance.js";

const fen = fc.bigInt({ min: 0n, max: 10n ** 15n });
const movement = fc.record({ month: fc.integer({ min: -1, max: 12 }), debit: fen, credit: fen });
const account = fc.record({
  code: fc.constantFrom("treasury", "revenue_shared", "due_to:bingtuan"),
  months: fc.uniqueArray(movement, { selector: (m) => m.month, maxLength: 14 }),
});
const accounts = fc.uniqueArray(account, { selector: (a) => a.code, minLength: 1, maxLength: 3 }).map((list) =>
  list.map((a) => ({
    code: a.code,
    name_zh: a.code,
    name_en: a.code,
    normal_balance: "debit" as const,
    months: [...a.months].sort((x, y) => x.month - y.month) as MonthMovement[],
  })),
);

const figures = (rows: Parameters<typeof unitFigures>[2], period?: Period) =>
  unitFigures("CNY", 2, rows, period, monthsShown(period, true));

describe("trial balance by period (property)", () => {
  it("the months add up to the year, and two periods splitting the year add up to it", () => {
    fc.assert(
      fc.property(accounts, fc.integer({ min: 1, max: 11 }), (rows, k) => {
        const year = figures(rows);
        for (const a of year.accounts) {
          expect(a.months.reduce((n, m) => n + m.debit, 0n)).toBe(a.debit);
          expect(a.months.reduce((n, m) => n + m.credit, 0n)).toBe(a.credit);
        }
        const first = figures(rows, { year: 2025, from: 1, to: k });
        const second = figures(rows, { year: 2025, from: k + 1, to: 12 });
        const outside = rows.flatMap((r) => r.months.filter((m) => m.month === 0));
        const outsideDebit = outside.reduce((n, m) => n + m.debit, 0n);
        expect(first.totals.debit + second.totals.debit + outsideDebit).toBe(year.totals.debit);
        // the second period opens where the first closes, account by account
        for (const a of second.accounts) {
          const before = first.accounts.find((b) => b.account === a.account);
          const closed = before === undefined ? 0n : before.closing_debit - before.closing_credit;
          expect(a.opening_debit - a.opening_credit).toBe(closed);
        }
      }),
    );
  });

  it("reads a period by its ends as by its name", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const mm = (n: number) => String(n).padStart(2, "0");
        const named = parsePeriod(`2025-${mm(from)}..2025-${mm(to)}`);
        expect(periodFromTo(`2025-${mm(from)}`, `2025-${mm(to)}`)).toEqual(named);
        expect(periodFromTo(`2025-${mm(from)}-01`, undefined)).toEqual({ year: 2025, from, to: 12 });
        if (a !== b) expect(periodFromTo(`2025-${mm(to)}`, `2025-${mm(from)}`)).toMatchObject({ field: "to" });
      }),
    );
  });
});
