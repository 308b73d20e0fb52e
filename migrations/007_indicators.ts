// Reason: indicators (指标统计) and their attribution, booked double-entry in each indicator's own unit.
// Accounts now carry a unit and a scale: money accounts hold fen (CNY, 2 decimals), indicator accounts
// hold 1/10000 of 万元 or 万美元 (4 decimals). An entry must balance in every jurisdiction's books for
// every unit it touches, so the balance trigger groups by unit too. Indicator reports are kept as
// reported, every revision beside the one it revises.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table accounts add column unit text not null default 'CNY';
    alter table accounts add column scale smallint not null default 2 check (scale between 0 and 6);

    create table indicators (
      code text primary key check (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
      name_zh text not null,
      name_en text not null,
      unit text not null,
      unit_zh text not null,
      sort_order integer not null
    );
    insert into indicators (code, name_zh, name_en, unit, unit_zh, sort_order) values
      ('GDP', '地区生产总值', 'Gross domestic product', '10k CNY', '万元', 1),
      ('GIOV', '工业总产值', 'Gross industrial output value', '10k CNY', '万元', 2),
      ('FAI', '固定资产投资额', 'Fixed-asset investment', '10k CNY', '万元', 3),
      ('TRADE', '进出口额', 'Imports and exports', '10k CNY', '万元', 4),
      ('FDI', '外商投资额', 'Foreign direct investment', '10k USD', '万美元', 5);

    create table indicator_reports (
      id bigserial primary key,
      park text not null references parks (code),
      indicator text not null references indicators (code),
      month date not null check (extract(day from month) = 1),
      basis text not null check (basis in ('ytd', 'month')),
      value_units bigint not null,
      revision integer not null check (revision >= 0),
      import_id bigint not null references imports (id),
      source_row integer not null,
      recorded_at timestamptz not null default now(),
      unique (park, indicator, month, revision)
    );
    create trigger indicator_reports_append_only before update or delete on indicator_reports
      for each row execute function parkledger_refuse_change();
    create trigger indicator_reports_no_truncate before truncate on indicator_reports
      for each statement execute function parkledger_refuse_change();

    alter table journal_entries drop constraint journal_entries_kind_check;
    alter table journal_entries add constraint journal_entries_kind_check
      check (kind in ('receipt', 'refund', 'suspense', 'transfer', 'settlement', 'indicator'));
    -- indicator entries are few among millions of receipt entries; reports find them by park and year
    create index journal_entries_indicators on journal_entries (park, fiscal_year, tax_code) where kind = 'indicator';

    ${balanceCheck(true)}
  `,
  );
}

/** The statement-level balance check of 004, per jurisdiction and (from here on) per unit. */
function balanceCheck(unit: boolean): string {
  return `
    create or replace function journal_lines_check() returns trigger language plpgsql as $$
    declare
      bad record;
      first_id bigint;
      last_id bigint;
      named bigint;
      present bigint;
    begin
      select n.entry_id, a.jurisdiction${unit ? ", a.unit" : ""}, sum(n.debit_fen) - sum(n.credit_fen) as difference into bad
        from new_lines n left join accounts a on a.id = n.account_id
       group by n.entry_id, a.jurisdiction${unit ? ", a.unit" : ""}
      having sum(n.debit_fen) <> sum(n.credit_fen) or a.jurisdiction is null limit 1;
      if found and bad.jurisdiction is null then
        raise exception 'parkledger: a line of entry % names an account that does not exist', bad.entry_id
          using errcode = '23503', hint = 'account_missing';
      elsif found then
        raise exception 'parkledger: entry % is unbalanced in the books of %${unit ? " (%)" : ""} by %', bad.entry_id, bad.jurisdiction${unit ? ", bad.unit" : ""}, bad.difference
          using errcode = '23514', hint = 'entry_unbalanced';
      end if;
      select min(entry_id), max(entry_id), count(distinct entry_id) into first_id, last_id, named from new_lines;
      select count(*) into present from journal_entries where id between first_id and last_id;
      if present <> last_id - first_id + 1 or named <> present then
        select n.entry_id into bad from new_lines n
         where not exists (select 1 from journal_entries e where e.id = n.entry_id) limit 1;
        if found then
          raise exception 'parkledger: line names entry % which does not exist', bad.entry_id
            using errcode = '23503', hint = 'entry_missing';
        end if;
      end if;
      return null;
    end $$;
`;
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop index journal_entries_indicators;
    alter table journal_entries drop constraint journal_entries_kind_check;
    alter table journal_entries add constraint journal_entries_kind_check
      check (kind in ('receipt', 'refund', 'suspense', 'transfer', 'settlement'));
    drop table indicator_reports;
    drop table indicators;
    ${balanceCheck(false)}
    alter table accounts drop column scale;
    alter table accounts drop column unit;
  `,
  );
}
