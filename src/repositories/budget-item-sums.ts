// The sums by budget item kept as receipts are booked (`budget_item_sums`, migrations/033): what verify
// checks of them. They must equal what reports/budget-items.ts once added up from the rows each time:
// the posted receipts, the receipts rebooked out of suspense (in the park, year and split their
// reclassification records) and the re-splits' differences (in the year and month of their adjusting
// entry, in the park the receipt stands in), by year, park, tax, budget code as given and month, with
// how many rows each key sums.

import type { Knex } from "knex";

/** The month (0–12) of `date` in fiscal year `year`, 0 outside it, as the sums are kept (SQL). */
const MONTH_SQL = (date: string, year: string) =>
  `(case when extract(year from ${date}) = ${year} then extract(month from ${date}) else 0 end)::smallint`;

/**
 * The sums recomputed from the rows, one row per key (SQL). The rows are added up by day first and the
 * days by month after: the month is worked out once a day, not once a receipt (extract gives a numeric).
 */
export const BUDGET_ITEM_SUMS_FROM_ROWS = `
  select u.fiscal_year, u.park, u.tax_code, u.budget_code, ${MONTH_SQL("u.day", "u.fiscal_year")} as month,
         sum(u.source_rows) as source_rows, sum(u.receipts) as receipts, sum(u.central) as central_fen,
         sum(u.local) as local_fen, sum(u.operator) as operator_fen, sum(u.host) as host_fen,
         sum(u.off_ratio) as central_off_ratio
    from (select r.fiscal_year, r.park, r.tax_code, r.budget_code, r.collected_on as day, count(*) as source_rows,
                 count(*) as receipts, sum(r.central_fen) as central, sum(r.local_fen) as local,
                 sum(r.operator_fen) as operator, sum(r.host_fen) as host,
                 count(*) filter (where abs(r.central_fen - r.ratio_central_fen) > 1) as off_ratio
            from receipts r where r.status = 'posted'
           group by 1, 2, 3, 4, 5
          union all
          select c.fiscal_year, c.park, r.tax_code, r.budget_code, r.collected_on, count(*), count(*),
                 sum(c.central_fen), sum(c.local_fen), sum(c.operator_fen), sum(c.host_fen),
                 count(*) filter (where abs(c.central_fen - r.ratio_central_fen) > 1)
            from receipt_reclassifications c join receipts r on r.id = c.receipt_id
           group by 1, 2, 3, 4, 5
          union all
          select e.fiscal_year, coalesce(c.park, r.park), r.tax_code, r.budget_code, e.effective_on, count(*), 0,
                 sum(x.central_delta_fen), sum(x.local_delta_fen), sum(x.operator_delta_fen), sum(x.host_delta_fen), 0
            from receipt_resplits x join journal_entries e on e.id = x.entry_id join receipts r on r.id = x.receipt_id
            left join receipt_reclassifications c on c.receipt_id = r.id
           where coalesce(c.park, r.park) is not null
           group by 1, 2, 3, 4, 5) u
   group by 1, 2, 3, 4, 5`;

/**
 * A kept row that sums something (SQL, of `budget_item_sums`). A receipt rebooked into another park after
 * it was re-split moves its differences out of the key they counted in, which may be left with nothing:
 * such a key is in no report and the rows give no such key.
 */
export const NOT_EMPTY = `(source_rows, receipts, central_fen, local_fen, operator_fen, host_fen, central_off_ratio) <> (0, 0, 0, 0, 0, 0, 0)`;

const SUMS = [
  "source_rows",
  "receipts",
  "central_fen",
  "local_fen",
  "operator_fen",
  "host_fen",
  "central_off_ratio",
] as const;

export type BudgetItemSums = Record<(typeof SUMS)[number], string>;

export interface BudgetItemSumsDrift {
  fiscal_year: number;
  park: string;
  tax_code: string;
  budget_code: string | null;
  month: number;
  /** Recomputed from the rows; null where they give no such key. */
  rows: BudgetItemSums | null;
  /** As kept; null where no such key is kept. */
  kept: BudgetItemSums | null;
}

/**
 * Where the kept sums and the sums recomputed from the rows differ (verify), at most `limit`, in key
 * order. The recomputation adds up every receipt, for this query only given room, so the database does
 * it in a hash table rather than sorting a million rows on disk, and no parallel workers: verify's pass
 * over the journal has the other core meanwhile, and one process adds up a year in about the same time
 * as three with half the processor time.
 */
export async function budgetItemSumsDrift(k: Knex.Transaction, limit: number): Promise<BudgetItemSumsDrift[]> {
  const { rows: setting } = await k.raw(
    `select current_setting('work_mem') as work_mem, current_setting('max_parallel_workers_per_gather') as workers`,
  );
  await k.raw(`set local work_mem = '64MB'`);
  await k.raw(`set local max_parallel_workers_per_gather = 0`);
  const sums = (alias: string) => SUMS.map((c) => `${alias}.${c}`).join(", ");
  const { rows } = await k.raw(
    `with from_rows as (${BUDGET_ITEM_SUMS_FROM_ROWS})
     select coalesce(f.fiscal_year, s.fiscal_year) as fiscal_year, coalesce(f.park, s.park) as park,
            coalesce(f.tax_code, s.tax_code) as tax_code,
            case when f.park is not null then f.budget_code else s.budget_code end as budget_code,
            coalesce(f.month, s.month) as month, f.park is not null as in_rows, s.park is not null as kept,
            ${SUMS.map((c) => `f.${c}::text as rows_${c}, s.${c}::text as kept_${c}`).join(", ")}
       from from_rows f full join (select * from budget_item_sums where ${NOT_EMPTY}) s
         on s.fiscal_year = f.fiscal_year and s.park = f.park and s.tax_code = f.tax_code and s.month = f.month
        and coalesce(s.budget_code, '') = coalesce(f.budget_code, '') and (s.budget_code is null) = (f.budget_code is null)
      where (${sums("f")}) is distinct from (${sums("s")})
      order by 1, 2, 3, 4, 5 limit ${Number(limit)}`,
  );
  // back to what the transaction had for the checks after this one
  await k.raw(`select set_config('work_mem', ?, true), set_config('max_parallel_workers_per_gather', ?, true)`, [
    String(setting[0].work_mem),
    String(setting[0].workers),
  ]);
  const pick = (r: Record<string, unknown>, side: "rows" | "kept"): BudgetItemSums =>
    Object.fromEntries(SUMS.map((c) => [c, String(r[`${side}_${c}`])])) as BudgetItemSums;
  return (rows as Record<string, unknown>[]).map((r) => ({
    fiscal_year: Number(r.fiscal_year),
    park: String(r.park),
    tax_code: String(r.tax_code),
    budget_code: r.budget_code === null ? null : String(r.budget_code),
    month: Number(r.month),
    rows: r.in_rows === true ? pick(r, "rows") : null,
    kept: r.kept === true ? pick(r, "kept") : null,
  }));
}
