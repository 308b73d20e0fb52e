// Reason: the double-entry journal. Entries and lines are append-only (the database refuses UPDATE,
// DELETE and TRUNCATE), every statement that adds lines must leave each entry balanced in the books
// of each jurisdiction, and each entry carries an idempotency key with the hash of its input.
// Balances are a running summary per account, year, park and tax that reports read instead of
// scanning millions of lines; `verify` recomputes them from the lines.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table accounts (
      id serial primary key,
      jurisdiction text not null references jurisdictions (code),
      code text not null,
      normal_balance text not null check (normal_balance in ('debit', 'credit')),
      name_zh text not null,
      name_en text not null,
      unique (jurisdiction, code)
    );

    create table journal_entries (
      id bigint primary key,
      idempotency_key text not null unique,
      input_hash text not null,
      kind text not null check (kind in ('receipt', 'refund', 'suspense', 'transfer', 'settlement')),
      fiscal_year integer not null,
      origin_year integer not null,
      effective_on date not null,
      park text,
      tax_code text,
      operator text,
      description text,
      import_id bigint,
      source_row integer,
      posted_at timestamptz not null default now(),
      check (origin_year <= fiscal_year)
    );
    create sequence journal_entries_id_seq owned by journal_entries.id;

    -- Lines are as narrow as a line can be: the jurisdiction comes from the account, the park and the
    -- tax from the entry. Millions of them are written per year of receipts.
    create table journal_lines (
      entry_id bigint not null,
      line_no smallint not null,
      account_id integer not null,
      debit_fen bigint not null check (debit_fen >= 0),
      credit_fen bigint not null check (credit_fen >= 0),
      primary key (entry_id, line_no),
      check ((debit_fen = 0) <> (credit_fen = 0))
    );

    create table balances (
      fiscal_year integer not null,
      account_id integer not null references accounts (id),
      park text not null default '',
      tax_code text not null default '',
      origin_year integer not null,
      debit_fen bigint not null default 0,
      credit_fen bigint not null default 0,
      line_count bigint not null default 0,
      primary key (fiscal_year, account_id, park, tax_code, origin_year)
    );

    -- The park, operator, tax and import an entry names are not foreign keys: row-by-row checks cost
    -- more than the rest of an entry's insert, the code that posts resolves them from the reference
    -- tables, and verify checks every one of them.
    -- Set-based checks of every statement that adds lines: each entry balances in the books of each
    -- jurisdiction, and every line names an account and an entry that exist. A batch's entries have
    -- consecutive ids, so counting the entries in the batch's id range usually proves them all there.
    create function journal_lines_check() returns trigger language plpgsql as $$
    declare
      bad record;
      first_id bigint;
      last_id bigint;
      named bigint;
      present bigint;
    begin
      select n.entry_id, a.jurisdiction, sum(n.debit_fen) - sum(n.credit_fen) as difference into bad
        from new_lines n left join accounts a on a.id = n.account_id
       group by n.entry_id, a.jurisdiction
      having sum(n.debit_fen) <> sum(n.credit_fen) or a.jurisdiction is null limit 1;
      if found and bad.jurisdiction is null then
        raise exception 'parkledger: a line of entry % names an account that does not exist', bad.entry_id
          using errcode = '23503', hint = 'account_missing';
      elsif found then
        raise exception 'parkledger: entry % is unbalanced in the books of % by % fen', bad.entry_id, bad.jurisdiction, bad.difference
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

    create trigger journal_lines_balanced after insert on journal_lines
      referencing new table as new_lines for each statement execute function journal_lines_check();

    create trigger journal_entries_append_only before update or delete on journal_entries
      for each row execute function parkledger_refuse_change();
    create trigger journal_lines_append_only before update or delete on journal_lines
      for each row execute function parkledger_refuse_change();
    create trigger journal_entries_no_truncate before truncate on journal_entries
      for each statement execute function parkledger_refuse_change();
    create trigger journal_lines_no_truncate before truncate on journal_lines
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `drop table balances; drop table journal_lines; drop table journal_entries; drop table accounts;
    drop function journal_lines_check();`,
  );
}
