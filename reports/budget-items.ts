// Revenue by budget item (按预算科目): the receipts booked in a fiscal year per park, tax type and the
// budget classification code they were given (a receipt named by its tax's mnemonic counts under the
// tax's own item), with the split of each as booked plus the re-splits booked in the year, and how many carried a central
// level off the ratio. The settlement statement gives the same money per tax type; this gives it as
// the treasury names it. An operator sees its own parks only.

import type { Knex } from "knex";
import { formatYuan, sumFen, toFen, type Fen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { moneyColumn, type Tabular } from "./render.js";
import type { Viewer } from "./viewer.js";

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
}

export interface BudgetItemsReport {
  year: number;
  parks: string[];
  items: BudgetItemRow[];
  totals: Pick<BudgetItemRow, "amount" | "central_excluded" | "local_revenue" | "operator_share" | "host_share">;
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
  filter: { operator?: string; park?: string } = {},
): Promise<BudgetItemsReport> {
  const parks = parksOf(ref, viewer, filter.operator, filter.park);
  const { rows } = await knex.raw(
    `select u.park, u.tax_code, coalesce(u.budget_code, t.item_code) as budget_code,
            coalesce((select b.name_zh from budget_items b where b.code = coalesce(u.budget_code, t.item_code)
                       order by b.valid_from desc limit 1), t.name_zh) as budget_name_zh,
            sum(u.counted) as receipts, sum(u.amount)::text as amount, sum(u.central)::text as central,
            sum(u.local)::text as local, sum(u.operator)::text as operator, sum(u.host)::text as host,
            sum(u.off_ratio) as central_off_ratio
       from (select r.park, r.tax_code, r.budget_code, 1 as counted, r.central_fen + r.local_fen as amount,
                    r.central_fen as central, r.local_fen as local, r.operator_fen as operator, r.host_fen as host,
                    case when abs(r.central_fen - r.ratio_central_fen) > 1 then 1 else 0 end as off_ratio
               from receipts r where r.fiscal_year = ? and r.status = 'posted' and r.park = any(?)
             union all
             -- the difference a re-split made belongs to the year its adjusting entry is booked in (no quote here: knex counts them)
             select r.park, r.tax_code, r.budget_code, 0, 0, x.central_delta_fen, x.local_delta_fen,
                    x.operator_delta_fen, x.host_delta_fen, 0
               from receipt_resplits x join journal_entries e on e.id = x.entry_id
               join receipts r on r.id = x.receipt_id
              where e.fiscal_year = ? and r.park = any(?)) u
       join tax_types t on t.code = u.tax_code
      group by 1, 2, 3, 4 order by 1, 3`,
    [year, parks, year, parks],
  );
  const sums = Object.fromEntries(FEN_COLUMNS.map((c) => [c, [] as Fen[]])) as Record<
    (typeof FEN_COLUMNS)[number],
    Fen[]
  >;
  const items = (rows as Record<string, string | number>[]).map((r): BudgetItemRow => {
    for (const c of FEN_COLUMNS) sums[c].push(toFen(String(r[c])));
    return {
      park: String(r.park),
      tax_code: String(r.tax_code),
      budget_code: String(r.budget_code),
      budget_name_zh: String(r.budget_name_zh),
      receipts: Number(r.receipts),
      amount: formatYuan(toFen(String(r.amount))),
      central_excluded: formatYuan(toFen(String(r.central))),
      local_revenue: formatYuan(toFen(String(r.local))),
      operator_share: formatYuan(toFen(String(r.operator))),
      host_share: formatYuan(toFen(String(r.host))),
      central_off_ratio: Number(r.central_off_ratio),
    };
  });
  const total = (c: (typeof FEN_COLUMNS)[number]) => formatYuan(sumFen(sums[c]));
  return {
    year,
    parks,
    items,
    totals: {
      amount: total("amount"),
      central_excluded: total("central"),
      local_revenue: total("local"),
      operator_share: total("operator"),
      host_share: total("host"),
    },
  };
}

export function budgetItemsTabular(r: BudgetItemsReport): Tabular {
  return {
    title_zh: `${r.year}年度按预算科目收入`,
    title_en: `Revenue by budget item ${r.year}`,
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
        ],
        rows: r.items.map((i) => ({ ...i })),
        totals: { park: "合计 Total", ...r.totals },
      },
    ],
  };
}
