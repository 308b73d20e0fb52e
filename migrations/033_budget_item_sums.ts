// Reason: revenue by budget item (reports/budget-items.ts) added up every receipt of the year, the
// receipts rebooked out of suspense and the re-splits' differences, by park, tax, budget item and
// month: over a million receipts about 1.3 s of the database on PostgreSQL, 5 s embedded, for a few
// hundred sums. `budget_item_sums` keeps those sums as receipts are booked, as `balances` keeps the
// accounts' (docs/decisions/0018-budget-item-sums.md), and the report reads them instead.
//
// The sums are kept by the database itself: a statement-level trigger on each of the three tables the
// report reads adds what each statement inserted, grouped, to the sums (a COPY batch of 5,000 receipts
// is one grouping and a few dozen rows upserted), so every writer keeps them: a file, a request, a
// refund, a rebooking out of suspense, a re-split, SQL by hand. The three tables are append-only
// (migrations 005, 018, 027), so an insert is the only change there is to follow.
//
// A row of the sums is one key of the report as it grouped the rows before naming them, with how many
// rows it sums (a key with none is in no report):
// - a posted receipt counts in its year, park, tax, budget code as given (null: the tax item) and the
//   month of its collection date in its year (0: dated outside it);
// - a receipt rebooked out of suspense counts likewise, in the park, year and split its
//   reclassification records;
// - a re-split adds its differences (and no receipt) in the year and month of its adjusting entry, in the
//   park the receipt stands in: its reclassification park once rebooked. A receipt rebooked after it was
//   re-split (a refund still held when its rebooked original was re-split) takes its differences along:
//   the reclassification moves them from the park they counted in (none while held) to its own.
// `verify` recomputes the sums from the rows.

import type { Knex } from "knex";
import { noteWritesSql } from "./030_data_version.js";
import { runScript } from "./sql.js";

/** The month (0-12) of `date` in fiscal year `year`, 0 outside it (SQL; a migration keeps its own). */
const MONTH_SQL = (date: string, year: string) =>
  `(case when extract(year from ${date}) = ${year} then extract(month from ${date}) else 0 end)::smallint`;

const KEY = "fiscal_year, park, tax_code, budget_code, month";
const SUMS = "source_rows, receipts, central_fen, local_fen, operator_fen, host_fen, central_off_ratio";

/**
 * Adds the rows of `select` to the sums. It gives each row its key with the day in place of the month
 * (fiscal_year, park, tax_code, budget_code, day) and its sums (source_rows, receipts, central_fen,
 * local_fen, operator_fen, host_fen, off_ratio), grouped by that key: a statement of thousands of
 * receipts falls on a few hundred days, so the month is worked out once a day rather than once a
 * receipt (extract gives a numeric, and took two thirds of the time).
 */
const ADD = (select: string) => `
  insert into budget_item_sums as s (${KEY}, ${SUMS})
  select d.fiscal_year, d.park, d.tax_code, d.budget_code, ${MONTH_SQL("d.day", "d.fiscal_year")},
         sum(d.source_rows), sum(d.receipts), sum(d.central_fen), sum(d.local_fen), sum(d.operator_fen),
         sum(d.host_fen), sum(d.off_ratio)
    from (${select}) d
   group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
  on conflict (${KEY}) do update set
    source_rows = s.source_rows + excluded.source_rows,
    receipts = s.receipts + excluded.receipts,
    central_fen = s.central_fen + excluded.central_fen,
    local_fen = s.local_fen + excluded.local_fen,
    operator_fen = s.operator_fen + excluded.operator_fen,
    host_fen = s.host_fen + excluded.host_fen,
    central_off_ratio = s.central_off_ratio + excluded.central_off_ratio;`;

/**
 * The posted receipts of `r`, in their year, on the day they were collected. Those held in suspense
 * are left out by the aggregates rather than by a condition on the rows: given a condition on a
 * statement's new rows, of which it keeps no statistics, the planner expects a handful and sorts
 * thousands by their text keys instead of hashing them (three times the time).
 */
const FROM_RECEIPTS = (r: string) => {
  const posted = "r.status = 'posted'";
  return `
  select r.fiscal_year, r.park, r.tax_code, r.budget_code, r.collected_on as day,
         count(*) filter (where ${posted}) as source_rows, count(*) filter (where ${posted}) as receipts,
         sum(r.central_fen) filter (where ${posted}) as central_fen, sum(r.local_fen) filter (where ${posted}) as local_fen,
         sum(r.operator_fen) filter (where ${posted}) as operator_fen, sum(r.host_fen) filter (where ${posted}) as host_fen,
         count(*) filter (where ${posted} and abs(r.central_fen - r.ratio_central_fen) > 1) as off_ratio
    from ${r} r
   group by 1, 2, 3, 4, 5 having count(*) filter (where ${posted}) > 0`;
};

/** The reclassifications of `c`, each with its receipt: in the year it records, on the day collected. */
const FROM_RECLASSIFICATIONS = (c: string) => `
  select c.fiscal_year, c.park, r.tax_code, r.budget_code, r.collected_on as day,
         count(*) as source_rows, count(*) as receipts, sum(c.central_fen) as central_fen,
         sum(c.local_fen) as local_fen, sum(c.operator_fen) as operator_fen, sum(c.host_fen) as host_fen,
         count(*) filter (where abs(c.central_fen - r.ratio_central_fen) > 1) as off_ratio
    from ${c} c join receipts r on r.id = c.receipt_id
   group by 1, 2, 3, 4, 5`;

/**
 * Re-splits in the year and on the day of their adjusting entry, in `park`, counted `sign` times:
 * `from` joins the re-splits `x` to their receipts `r` (and may join their reclassification `c`).
 */
const RESPLITS = (from: string, park: string, sign: "" | "-") => `
  select e.fiscal_year, ${park} as park, r.tax_code, r.budget_code, e.effective_on as day,
         ${sign}count(*) as source_rows, 0 as receipts, ${sign}sum(x.central_delta_fen) as central_fen,
         ${sign}sum(x.local_delta_fen) as local_fen, ${sign}sum(x.operator_delta_fen) as operator_fen,
         ${sign}sum(x.host_delta_fen) as host_fen, 0 as off_ratio
    from ${from} join journal_entries e on e.id = x.entry_id
   where ${park} is not null
   group by 1, 2, 3, 4, 5`;

/** The re-splits of `x`, in the park their receipt stands in. */
const FROM_RESPLITS = (x: string) =>
  RESPLITS(
    `${x} x join receipts r on r.id = x.receipt_id left join receipt_reclassifications c on c.receipt_id = r.id`,
    "coalesce(c.park, r.park)",
    "",
  );

/** The re-splits of the receipts the reclassifications `c` rebook, taken from where they counted to `c`'s park. */
const MOVED_RESPLITS = (c: string) => {
  const from = `${c} c join receipts r on r.id = c.receipt_id join receipt_resplits x on x.receipt_id = c.receipt_id`;
  return `${RESPLITS(from, "r.park", "-")}
   union all ${RESPLITS(from, "c.park", "")}`;
};

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table budget_item_sums (
      fiscal_year integer not null,
      park text not null,
      tax_code text not null,
      -- as the receipts give it: null for a receipt named by its tax (the report names the tax item)
      budget_code text,
      month smallint not null check (month between 0 and 12),
      -- how many rows of receipts, reclassifications and re-splits it sums (none: in no report)
      source_rows bigint not null,
      receipts bigint not null,
      central_fen bigint not null,
      local_fen bigint not null,
      operator_fen bigint not null,
      host_fen bigint not null,
      central_off_ratio bigint not null,
      constraint budget_item_sums_key unique nulls not distinct (${KEY})
    );

    create function budget_item_sums_add_receipts() returns trigger language plpgsql as $$
    begin
      ${ADD(FROM_RECEIPTS("new_receipts"))}
      return null;
    end $$;
    -- one index probe per row the statement added: a few rows against large tables
    create function budget_item_sums_add_reclassifications() returns trigger language plpgsql
      set enable_hashjoin = off set enable_mergejoin = off as $$
    begin
      ${ADD(`${FROM_RECLASSIFICATIONS("new_reclassifications")} union all ${MOVED_RESPLITS("new_reclassifications")}`)}
      return null;
    end $$;
    create function budget_item_sums_add_resplits() returns trigger language plpgsql
      set enable_hashjoin = off set enable_mergejoin = off as $$
    begin
      ${ADD(FROM_RESPLITS("new_resplits"))}
      return null;
    end $$;

    create trigger receipts_budget_item_sums after insert on receipts
      referencing new table as new_receipts for each statement execute function budget_item_sums_add_receipts();
    create trigger receipt_reclassifications_budget_item_sums after insert on receipt_reclassifications
      referencing new table as new_reclassifications for each statement execute function budget_item_sums_add_reclassifications();
    create trigger receipt_resplits_budget_item_sums after insert on receipt_resplits
      referencing new table as new_resplits for each statement execute function budget_item_sums_add_resplits();

    ${ADD(`${FROM_RECEIPTS("receipts")} union all ${FROM_RECLASSIFICATIONS("receipt_reclassifications")} union all ${FROM_RESPLITS("receipt_resplits")}`)}
    ${noteWritesSql("budget_item_sums")}
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop trigger receipts_budget_item_sums on receipts;
    drop trigger receipt_reclassifications_budget_item_sums on receipt_reclassifications;
    drop trigger receipt_resplits_budget_item_sums on receipt_resplits;
    drop function budget_item_sums_add_receipts();
    drop function budget_item_sums_add_reclassifications();
    drop function budget_item_sums_add_resplits();
    drop table budget_item_sums;
  `,
  );
}
