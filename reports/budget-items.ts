// Revenue by budget item (按预算科目): the receipts booked in a fiscal year per park, tax type and the
// budget classification code they were given (a receipt named by its tax's mnemonic counts under the
// tax's own item), with the split of each as booked plus the re-splits booked in the year, and how many carried a central
// level off the ratio. The settlement statement gives the same money per tax type; this gives it as
// the treasury names it. An operator sees its own parks only.

import type { Knex } from "knex";
import { formatYuan, toFen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { moneyColumn, type Tabular } from "./render.js";
import type { Viewer } from "./viewer.js";
import { formatPeriod, isWholeYear, type Period } from "../ledger/periods.js";
import { inPeriod, monthColumnLabel, monthLabel, monthsShown } from "./period.js";

export interface BudgetItemRow {
  park: string;
  tax_code: string;
  budget_code: string;
  budget_name_zh: string;
  receipts: number;
  amount: string;
  central_excluded: string;
  local_revenue: string;
  operator_share: string;
  host_share: string;
  /** Receipts whose central level, as the treasury gave it, was off the dated ratio by more than rounding. */
  central_off_ratio: number;
  /** With `by month`: each month's amount and split (month null: dated outside the year). */
  months?: BudgetItemMonth[];
}

export type BudgetItemMonth = { month: string | null; receipts: number } & Pick<
  BudgetItemRow,
  "amount" | "central_excluded" | "local_revenue" | "operator_share" | "host_share"
>;

export interface BudgetItemsReport {
  year: number;
  /** The months it covers (`2025-01..2025-03`), when not the whole year. */
  period?: string;
  parks: string[];
  items: BudgetItemRow[];
  totals: Pick<BudgetItemRow, "amount" | "central_excluded" | "local_revenue" | "operator_share" | "host_share">;
  /** With `by month`: the totals of each month. */
  months?: BudgetItemMonth[];
}

const FEN_COLUMNS = ["amount", "central", "local", "operator", "host"] as const;

/** The parks a viewer may see among those asked for (one park, an operator's, or every park). */
function parksOf(ref: ReferenceData, viewer: Viewer, operator?: string, park?: string): string[] {
  let parks = ref.parks.map((p) => p.code);
  if (operator !== undefined) parks = ref.parksRunBy(operator).map((p) => p.code);
  if (viewer.kind === "operator") {
    const own = new Set(ref.parksRunBy(viewer.operator).map((p) => p.code));
    parks = parks.filter((p) => own.has(p));
  }
  return park === undefined ? parks : parks.filter((p) => p === park);
}

export async function budgetItemsReport(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  viewer: Viewer,
  filter: { operator?: string; park?: string; period?: Period; byMonth?: boolean } = {},
): Promise<BudgetItemsReport> {
  const parks = parksOf(ref, viewer, filter.operator, filter.park);
  const period = filter.period === undefined || isWholeYear(filter.period) ? undefined : filter.period;
  // the sums by item and month kept as receipts are booked (migrations/033_budget_item_sums.ts): a
  // few hundred rows a year, summed over the budget codes that name the same item, then named (the
  // item's name looked up once per item and month)
  const { rows } = (await knex.raw(
    `select g.park, g.tax_code, g.budget_code,
            coalesce((select b.name_zh from budget_items b where b.code = g.budget_code
                       order by b.valid_from desc limit 1), t.name_zh) as budget_name_zh,
            g.receipts, g.amount::text as amount, g.central::text as central, g.local::text as local,
            g.operator::text as operator, g.host::text as host, g.central_off_ratio, g.month
       from (select s.park, s.tax_code, coalesce(s.budget_code, t.item_code) as budget_code, s.month,
                    sum(s.receipts) as receipts, sum(s.central_fen) + sum(s.local_fen) as amount,
                    sum(s.central_fen) as central, sum(s.local_fen) as local, sum(s.operator_fen) as operator,
                    sum(s.host_fen) as host, sum(s.central_off_ratio) as central_off_ratio
               from budget_item_sums s join tax_types t on t.code = s.tax_code
              where s.fiscal_year = ? and s.park = any(?) and s.source_rows > 0
              group by 1, 2, 3, 4) g
       join tax_types t on t.code = g.tax_code
      order by 1, 3, 2, g.month`,
    [year, parks],
  )) as { rows: Record<string, string | number>[] };
  // the rows are by item and month: an item's figures are its months' in the period, summed
  type Sums = Record<(typeof FEN_COLUMNS)[number] | "receipts" | "off", bigint>;
  const zero = (): Sums => ({ amount: 0n, central: 0n, local: 0n, operator: 0n, host: 0n, receipts: 0n, off: 0n });
  const add = (to: Sums, r: Record<string, string | number>) => {
    for (const c of FEN_COLUMNS) to[c] += toFen(String(r[c]));
    to.receipts += BigInt(r.receipts!);
    to.off += BigInt(r.central_off_ratio!);
  };
  const outside = (rows as { month: unknown }[]).some((r) => Number(r.month) === 0);
  const shown = monthsShown(period, outside);
  const byItem = new Map<string, { first: Record<string, string | number>; sum: Sums; months: Map<number, Sums> }>();
  const monthTotals = new Map<number, Sums>(shown.map((m) => [m, zero()]));
  const total = zero();
  for (const r of rows as Record<string, string | number>[]) {
    const month = Number(r.month);
    if (!inPeriod(period, month)) continue;
    const key = `${r.park}|${r.tax_code}|${r.budget_code}`;
    const item = byItem.get(key) ?? { first: r, sum: zero(), months: new Map<number, Sums>() };
    byItem.set(key, item);
    add(item.sum, r);
    add(total, r);
    const m = item.months.get(month) ?? zero();
    item.months.set(month, m);
    add(m, r);
    add(monthTotals.get(month)!, r);
  }
  const money = (x: Sums) => ({
    amount: formatYuan(x.amount),
    central_excluded: formatYuan(x.central),
    local_revenue: formatYuan(x.local),
    operator_share: formatYuan(x.operator),
    host_share: formatYuan(x.host),
  });
  const monthsOf = (m: Map<number, Sums>): BudgetItemMonth[] =>
    shown.map((month) => {
      const x = m.get(month) ?? zero();
      return { month: monthLabel(year, month), receipts: Number(x.receipts), ...money(x) };
    });
  const items = [...byItem.values()].map(({ first: r, sum, months }): BudgetItemRow => ({
    park: String(r.park),
    tax_code: String(r.tax_code),
    budget_code: String(r.budget_code),
    budget_name_zh: String(r.budget_name_zh),
    receipts: Number(sum.receipts),
    ...money(sum),
    central_off_ratio: Number(sum.off),
    ...(filter.byMonth === true ? { months: monthsOf(months) } : {}),
  }));
  return {
    year,
    ...(period !== undefined ? { period: formatPeriod(period) } : {}),
    parks,
    items,
    totals: money(total),
    ...(filter.byMonth === true ? { months: monthsOf(monthTotals) } : {}),
  };
}

export function budgetItemsTabular(r: BudgetItemsReport): Tabular {
  // by month: the amount of each month after the split (the months add up to the amount)
  const monthNo = (label: string | null) => (label === null ? 0 : Number(label.slice(5)));
  const monthColumns = (r.months ?? []).map((m) => {
    const c = monthColumnLabel(r.year, monthNo(m.month));
    return moneyColumn(c.key, c.label_zh, c.label_en);
  });
  const monthCells = (list: BudgetItemMonth[] | undefined) =>
    Object.fromEntries((list ?? []).map((m) => [monthColumnLabel(r.year, monthNo(m.month)).key, m.amount]));
  return {
    title_zh: `${r.period ?? r.year}${r.period === undefined ? "年度" : ""}按预算科目收入`,
    title_en: `Revenue by budget item ${r.period ?? r.year}`,
    subtitle: `园区 parks: ${r.parks.join(", ")}`,
    sections: [
      {
        columns: [
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "budget_code", label_zh: "预算科目", label_en: "Budget item" },
          { key: "budget_name_zh", label_zh: "科目名称", label_en: "Name" },
          { key: "tax_code", label_zh: "税种", label_en: "Tax" },
          { key: "receipts", label_zh: "笔数", label_en: "Receipts", kind: "count" },
          moneyColumn("amount", "入库金额", "Amount"),
          moneyColumn("central_excluded", "中央", "Central"),
          moneyColumn("local_revenue", "地方", "Local"),
          moneyColumn("operator_share", "运营方", "Operator"),
          moneyColumn("host_share", "东道方", "Host"),
          { key: "central_off_ratio", label_zh: "中央级不符", label_en: "Central off ratio", kind: "count" },
          ...monthColumns,
        ],
        rows: r.items.map(({ months, ...i }) => ({ ...i, ...monthCells(months) })),
        totals: { park: "合计 Total", ...r.totals, ...monthCells(r.months) },
      },
    ],
  };
}
