// Reason: reports by month and by period (a month, a quarter, a half year, any range of months) read the
// running balances as the annual statement does, so the month an entry belongs to is part of a balance's key.
// A balance's month is its entry's effective date's month when that date lies in the fiscal year the entry
// is booked in, else 0: a prior-year adjustment is dated in the year it corrects, and belongs to the year it
// is booked in as a whole, not to one of its months. The balances are rebuilt from the lines (they are a
// sum of them; `verify` checks they still are).

import type { Knex } from "knex";
import { runScript } from "./sql.js";

/** The month of the entry `e` in its fiscal year, 0 when it is dated outside that year (SQL; a migration keeps its own). */
const ENTRY_MONTH_SQL = (e: string) =>
  `(case when extract(year from ${e}.effective_on) = ${e}.fiscal_year then extract(month from ${e}.effective_on) else 0 end)::smallint`;

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table balances add column month smallint not null default 0 check (month between 0 and 12);
    alter table balances drop constraint balances_pkey;
    delete from balances;
    insert into balances (fiscal_year, account_id, park, tax_code, origin_year, month, debit_fen, credit_fen, line_count)
      select e.fiscal_year, l.account_id, coalesce(e.park, ''), coalesce(e.tax_code, ''), e.origin_year,
             ${ENTRY_MONTH_SQL("e")}, sum(l.debit_fen), sum(l.credit_fen), count(*)
        from journal_lines l join journal_entries e on e.id = l.entry_id
       group by 1, 2, 3, 4, 5, 6;
    alter table balances add primary key (fiscal_year, account_id, park, tax_code, origin_year, month);
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create temporary table balances_by_year as
      select fiscal_year, account_id, park, tax_code, origin_year,
             sum(debit_fen) as debit_fen, sum(credit_fen) as credit_fen, sum(line_count) as line_count
        from balances group by 1, 2, 3, 4, 5;
    delete from balances;
    alter table balances drop constraint balances_pkey;
    alter table balances drop column month;
    insert into balances select fiscal_year, account_id, park, tax_code, origin_year, debit_fen, credit_fen, line_count
      from balances_by_year;
    drop table balances_by_year;
    alter table balances add primary key (fiscal_year, account_id, park, tax_code, origin_year);
  `,
  );
}
