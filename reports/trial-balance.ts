// The trial balance (试算平衡表) of one jurisdiction's books for one fiscal year: each account's
// opening balance, the year's debits and credits, and the closing balance. Every entry balances in
// every jurisdiction's books, so the columns always balance; `difference` shows it in figures.
// `trialBalanceFigures` gives the same figures as integers in each book's smallest unit (fen, or
// ten-thousandths of an indicator's unit), for whoever compares or sums them (trace).

import type { Knex } from "knex";
import { formatQuantity } from "../ledger/indicators.js";
import { formatYuan, toFen } from "../ledger/money.js";
import { MONEY_UNIT } from "../src/repositories/accounts.js";
import { Rejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Tabular } from "./render.js";
import { formatPeriod, isWholeYear, type Period } from "../ledger/periods.js";
import { inPeriod, monthColumnLabel, monthLabel, monthsShown } from "./period.js";

export interface TrialBalanceRow {
  account: string;
  name_zh: string;
  name_en: string;
  normal_balance: "debit" | "credit";
  opening_debit: string;
  opening_credit: string;
  debit: string;
  credit: string;
  closing_debit: string;
  closing_credit: string;
  /** With `by month`: the debits and credits of each month (month null: dated outside the year). */
  months?: { month: string | null; debit: string; credit: string }[];
}

/** One unit's books: money in yuan (2 decimals) or one indicator unit (4 decimals). */
export interface UnitBooks {
  unit: string;
  accounts: TrialBalanceRow[];
  totals: Omit<TrialBalanceRow, "account" | "name_zh" | "name_en" | "normal_balance">;
  balanced: boolean;
  difference: string;
}

/** The money books at the top level (as the contract has them), the indicator books beside them. */
export interface TrialBalance extends Omit<UnitBooks, "unit"> {
  year: number;
  /** The months the debits and credits are of (`2025-01..2025-03`), when not the whole year. */
  period?: string;
  jurisdiction: string;
  /** Books kept in indicator units (万元, 万美元), each balancing on its own; empty when none. */
  indicator_books: UnitBooks[];
}

/** One account's figures as integers in its book's smallest unit. */
export interface AccountFigures {
  account: string;
  name_zh: string;
  name_en: string;
  normal_balance: "debit" | "credit";
  opening_debit: bigint;
  opening_credit: bigint;
  debit: bigint;
  credit: bigint;
  closing_debit: bigint;
  closing_credit: bigint;
  /** The debits and credits of each month shown (the period's, or the year's and month 0), in order. */
  months: MonthMovement[];
}

/** One month's debits and credits (month 0: booked in the year, dated outside it). */
export interface MonthMovement {
  month: number;
  debit: bigint;
  credit: bigint;
}

/** One unit's books as integers: scale 2 (fen) for money, 4 for an indicator unit. */
export interface UnitFigures {
  unit: string;
  scale: number;
  accounts: AccountFigures[];
  totals: Omit<AccountFigures, "account" | "name_zh" | "name_en" | "normal_balance">;
  /** debit − credit */
  difference: bigint;
  balanced: boolean;
}

export interface TrialBalanceFigures {
  year: number;
  /** The part of the year the debits and credits are of; undefined for the whole year. */
  period?: Period;
  jurisdiction: string;
  /** The money books first, then each indicator unit's (the money books even when empty). */
  books: UnitFigures[];
}

/** The trial balance's figures as integers: the query and the sums, before any formatting. */
export async function trialBalanceFigures(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  jurisdiction: string,
  /** Part of the year: its months' debits and credits, opening with what came before them. */
  period?: Period,
): Promise<TrialBalanceFigures> {
  const part = period === undefined || isWholeYear(period) ? undefined : period;
  const known = ref.jurisdiction(jurisdiction);
  if (known === undefined) {
    throw new Rejection(
      "jurisdiction_unknown",
      `not a jurisdiction: ${jurisdiction}; use one of ${ref.jurisdictions.map((j) => j.code).join(", ")}`,
    );
  }
  // one row per account and month of the year (the running balances keep the month, migrations/022),
  // and one (month -1) for every year before it
  const { rows } = await knex.raw(
    `select a.unit, a.scale, a.code, a.name_zh, a.name_en, a.normal_balance,
            case when b.fiscal_year < ? then -1 else b.month end as month,
            sum(b.debit_fen) as debit, sum(b.credit_fen) as credit
       from accounts a join balances b on b.account_id = a.id
      where a.jurisdiction = ? and b.fiscal_year <= ?
      group by a.unit, a.scale, a.code, a.name_zh, a.name_en, a.normal_balance, 7
      order by a.scale, a.unit, a.code, 7`,
    [year, known.code, year],
  );
  const byUnit = new Map<string, { scale: number; rows: AccountMonths[] }>();
  for (const r of rows) {
    const unit = byUnit.get(r.unit) ?? { scale: Number(r.scale), rows: [] };
    let account = unit.rows.at(-1);
    if (account === undefined || account.code !== r.code) {
      account = { code: r.code, name_zh: r.name_zh, name_en: r.name_en, normal_balance: r.normal_balance, months: [] };
      unit.rows.push(account);
    }
    account.months.push({ month: Number(r.month), debit: toFen(r.debit), credit: toFen(r.credit) });
    byUnit.set(r.unit, unit);
  }
  const outside = rows.some((r: { month: unknown }) => Number(r.month) === 0);
  const shown = monthsShown(part, outside);
  const money = unitFigures(MONEY_UNIT, 2, byUnit.get(MONEY_UNIT)?.rows ?? [], part, shown);
  const indicators = [...byUnit.entries()]
    .filter(([unit]) => unit !== MONEY_UNIT)
    .map(([unit, { scale, rows: unitRows }]) => unitFigures(unit, scale, unitRows, part, shown))
    .filter((books) => books.accounts.length > 0);
  return {
    year,
    ...(part !== undefined ? { period: part } : {}),
    jurisdiction: known.code,
    books: [money, ...indicators],
  };
}

/** An account's debits and credits by month of the year (-1: every year before it). */
export interface AccountMonths {
  code: string;
  name_zh: string;
  name_en: string;
  normal_balance: "debit" | "credit";
  months: MonthMovement[];
}

export async function trialBalance(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  jurisdiction: string,
  options: { period?: Period; byMonth?: boolean } = {},
): Promise<TrialBalance> {
  const figures = await trialBalanceFigures(knex, ref, year, jurisdiction, options.period);
  const [money, ...indicator_books] = figures.books.map((b) => unitBooks(b, year, options.byMonth === true)) as [
    UnitBooks,
    ...UnitBooks[],
  ];
  return {
    year,
    ...(figures.period !== undefined ? { period: formatPeriod(figures.period) } : {}),
    jurisdiction: figures.jurisdiction,
    accounts: money.accounts,
    totals: money.totals,
    balanced: money.balanced,
    difference: money.difference,
    indicator_books,
  };
}

/**
 * Sums one unit's rows (per account, what came before the year and each month's debits and credits).
 * With a period: its months' debits and credits, opening with the years before and the months of the
 * year before it (month 0, dated outside the year, belongs to the whole year only). Pure.
 */
export function unitFigures(
  unit: string,
  scale: number,
  rows: readonly AccountMonths[],
  period: Period | undefined,
  shown: readonly number[],
): UnitFigures {
  const sides = (net: bigint): [bigint, bigint] => (net >= 0n ? [net, 0n] : [0n, -net]);
  const sum = { od: 0n, oc: 0n, d: 0n, c: 0n, cd: 0n, cc: 0n };
  const monthSums = shown.map((month) => ({ month, debit: 0n, credit: 0n }));
  const accounts: AccountFigures[] = [];
  for (const r of rows) {
    let opening = 0n;
    let debit = 0n;
    let credit = 0n;
    for (const m of r.months) {
      const before = m.month === -1 || (period !== undefined && m.month >= 1 && m.month < period.from);
      if (before) opening += m.debit - m.credit;
      else if (m.month !== -1 && inPeriod(period, m.month)) {
        debit += m.debit;
        credit += m.credit;
      }
    }
    const months = shown.map((month) => {
      const m = r.months.find((x) => x.month === month);
      return { month, debit: m?.debit ?? 0n, credit: m?.credit ?? 0n };
    });
    const [od, oc] = sides(opening);
    const [cd, cc] = sides(opening + debit - credit);
    if (od === 0n && oc === 0n && debit === 0n && credit === 0n) continue;
    months.forEach((m, i) => {
      monthSums[i]!.debit += m.debit;
      monthSums[i]!.credit += m.credit;
    });
    sum.od += od;
    sum.oc += oc;
    sum.d += debit;
    sum.c += credit;
    sum.cd += cd;
    sum.cc += cc;
    accounts.push({
      account: r.code,
      name_zh: r.name_zh,
      name_en: r.name_en,
      normal_balance: r.normal_balance,
      opening_debit: od,
      opening_credit: oc,
      debit,
      credit,
      closing_debit: cd,
      closing_credit: cc,
      months,
    });
  }
  const difference = sum.d - sum.c;
  return {
    unit,
    scale,
    accounts,
    totals: {
      opening_debit: sum.od,
      opening_credit: sum.oc,
      debit: sum.d,
      credit: sum.c,
      closing_debit: sum.cd,
      closing_credit: sum.cc,
      months: monthSums,
    },
    difference,
    balanced: difference === 0n && sum.od === sum.oc && sum.cd === sum.cc,
  };
}

/** The formatter of books kept at `scale`: yuan for money, four decimals for an indicator unit. */
function unitFormat(scale: number, unit: string): (units: bigint) => string {
  const format = scale === 2 ? formatYuan : scale === 4 ? formatQuantity : null;
  if (format === null) throw new Error(`no format for books kept at scale ${scale} (${unit})`);
  return format;
}

function unitBooks(f: UnitFigures, year: number, byMonth: boolean): UnitBooks {
  const format = unitFormat(f.scale, f.unit);
  const figures = (a: UnitFigures["totals"]) => ({
    opening_debit: format(a.opening_debit),
    opening_credit: format(a.opening_credit),
    debit: format(a.debit),
    credit: format(a.credit),
    closing_debit: format(a.closing_debit),
    closing_credit: format(a.closing_credit),
    ...(byMonth
      ? {
          months: a.months.map((m) => ({
            month: monthLabel(year, m.month),
            debit: format(m.debit),
            credit: format(m.credit),
          })),
        }
      : {}),
  });
  return {
    unit: f.unit,
    accounts: f.accounts.map((a) => ({
      account: a.account,
      name_zh: a.name_zh,
      name_en: a.name_en,
      normal_balance: a.normal_balance,
      ...figures(a),
    })),
    totals: figures(f.totals),
    balanced: f.balanced,
    difference: format(f.difference),
  };
}

export function trialBalanceTabular(tb: TrialBalance, ref: ReferenceData): Tabular {
  const unbalanced = [{ unit: MONEY_UNIT, ...tb }, ...tb.indicator_books].filter((b) => !b.balanced);
  const section = (books: UnitBooks, kind: "money" | "indicator", title_zh?: string, title_en?: string) => {
    const figure = (key: string, label_zh: string, label_en: string) => ({
      key,
      label_zh,
      label_en,
      align: "right" as const,
      kind,
    });
    // by month: each month's debits and credits after the period's, two columns a month
    const months = books.totals.months ?? [];
    const monthNo = (label: string | null) => (label === null ? 0 : Number(label.slice(5)));
    const monthColumns = months.flatMap((m) => {
      const c = monthColumnLabel(tb.year, monthNo(m.month));
      return [
        figure(`${c.key}_debit`, `${c.label_zh}借方`, `${c.label_en} Dr`),
        figure(`${c.key}_credit`, `${c.label_zh}贷方`, `${c.label_en} Cr`),
      ];
    });
    const monthCells = (list: TrialBalanceRow["months"]) =>
      Object.fromEntries(
        (list ?? []).flatMap((m) => {
          const key = monthColumnLabel(tb.year, monthNo(m.month)).key;
          return [
            [`${key}_debit`, m.debit],
            [`${key}_credit`, m.credit],
          ];
        }),
      );
    const plain = ({
      months: list,
      ...rest
    }: Omit<TrialBalanceRow, "account" | "name_zh" | "name_en" | "normal_balance">) => ({
      ...rest,
      ...monthCells(list),
    });
    return {
      ...(title_zh !== undefined ? { title_zh } : {}),
      ...(title_en !== undefined ? { title_en } : {}),
      columns: [
        { key: "account", label_zh: "科目代码", label_en: "Account" },
        { key: "name_zh", label_zh: "科目名称", label_en: "Name" },
        figure("opening_debit", "期初借方", "Opening Dr"),
        figure("opening_credit", "期初贷方", "Opening Cr"),
        figure("debit", "本期借方", "Debit"),
        figure("credit", "本期贷方", "Credit"),
        figure("closing_debit", "期末借方", "Closing Dr"),
        figure("closing_credit", "期末贷方", "Closing Cr"),
        ...monthColumns,
      ],
      rows: books.accounts.map((a) => ({ account: a.account, name_zh: a.name_zh, name_en: a.name_en, ...plain(a) })),
      totals: { account: "", name_zh: "", ...plain(books.totals) },
    };
  };
  const moneyBooks: UnitBooks = { unit: MONEY_UNIT, ...tb };
  return {
    title_zh: `${tb.period ?? tb.year}${tb.period === undefined ? "年度" : ""}试算平衡表`,
    title_en: `Trial balance ${tb.period ?? tb.year}`,
    subtitle: `${ref.jurisdiction(tb.jurisdiction)?.name_zh ?? tb.jurisdiction} (${tb.jurisdiction}) · ${
      unbalanced.length === 0
        ? "平衡 balanced"
        : `不平衡 UNBALANCED: ${unbalanced.map((b) => `${b.unit} by ${b.difference}`).join(", ")}`
    }`,
    sections: [
      tb.indicator_books.length > 0
        ? section(moneyBooks, "money", "资金账（元）", "Money (CNY)")
        : section(moneyBooks, "money"),
      ...tb.indicator_books.map((b) =>
        section(
          b,
          "indicator",
          `指标账（${ref.indicators.find((i) => i.unit === b.unit)?.unit_zh ?? b.unit}）`,
          `Indicator books (${b.unit})`,
        ),
      ),
    ],
  };
}
