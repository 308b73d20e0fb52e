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
      park text references parks (code),
      operator text references jurisdictions (code),
      description text not null,
      import_id bigint references imports (id),
      source_row integer,
      posted_at timestamptz not null default now(),
      check (origin_year <= fiscal_year)
    );
    create sequence journal_entries_id_seq owned by journal_entries.id;
    create index journal_entries_by_year on journal_entries (fiscal_year, kind);

    create table journal_lines (
      entry_id bigint not null,
      line_no smallint not null,
      account_id integer not null,
      jurisdiction text not null,
      debit_fen bigint not null check (debit_fen >= 0),
      credit_fen bigint not null check (credit_fen >= 0),
      tax_code text,
      park text,
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

    -- Set-based checks of every statement that adds lines: each (entry, jurisdiction) balances, and
    -- every line names an entry and an account that exist and the account's own jurisdiction.
    create function journal_lines_check() returns trigger language plpgsql as $$
    declare
      bad record;
    begin
      select n.entry_id, n.jurisdiction, sum(n.debit_fen) - sum(n.credit_fen) as difference into bad
        from new_lines n group by n.entry_id, n.jurisdiction
        having sum(n.debit_fen) <> sum(n.credit_fen) limit 1;
      if found then
        raise exception 'parkledger: entry % is unbalanced in the books of % by % fen', bad.entry_id, bad.jurisdiction, bad.difference
          using errcode = '23514', hint = 'entry_unbalanced';
      end if;
      select n.entry_id into bad from new_lines n
        where not exists (select 1 from journal_entries e where e.id = n.entry_id) limit 1;
      if found then
        raise exception 'parkledger: line names entry % which does not exist', bad.entry_id
          using errcode = '23503', hint = 'entry_missing';
      end if;
      select n.entry_id into bad from new_lines n
        where not exists (select 1 from accounts a where a.id = n.account_id and a.jurisdiction = n.jurisdiction) limit 1;
      if found then
        raise exception 'parkledger: a line of entry % names an account outside its jurisdiction', bad.entry_id
          using errcode = '23503', hint = 'account_mismatch';
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
