// Reason: treasury receipts (入库明细) as recorded, with the ratios and split they were booked with so a
// refund reuses them; interim transfers (预拨); and the years each operator has settled and closed.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table receipts (
      id bigint primary key,
      receipt_no text not null unique,
      uscc text not null,
      tax_code text not null,
      collected_on date not null,
      amount_fen bigint not null check (amount_fen <> 0),
      scope text not null check (scope in ('gross', 'local')),
      tax_period text,
      refund_of_id bigint,
      status text not null check (status in ('posted', 'suspense')),
      park text,
      operator text,
      host text not null,
      central_share_bp integer,
      operator_share_bp integer,
      central_ratio_id integer,
      agreement_id integer,
      central_fen bigint not null,
      local_fen bigint not null,
      operator_fen bigint not null,
      host_fen bigint not null,
      fiscal_year integer not null,
      entry_id bigint not null,
      import_id bigint,
      source_row integer,
      check (central_fen + local_fen = amount_fen and operator_fen + host_fen = local_fen),
      check ((refund_of_id is null) = (amount_fen > 0)),
      check ((status = 'suspense') = (park is null))
    );
    create sequence receipts_id_seq owned by receipts.id;
    create index receipts_refunds on receipts (refund_of_id) where refund_of_id is not null;
    -- a refund names a recorded receipt that is not itself a refund (checked per statement, not per row)
    create function receipts_check() returns trigger language plpgsql
      set enable_hashjoin = off set enable_mergejoin = off as $$
    declare
      bad record;
    begin
      -- one index probe per refund; most statements add no refunds at all
      if not exists (select 1 from new_receipts where refund_of_id is not null) then
        return null;
      end if;
      select n.receipt_no, n.refund_of_id into bad from new_receipts n
       where n.refund_of_id is not null
         and not exists (select 1 from receipts o where o.id = n.refund_of_id and o.refund_of_id is null)
       limit 1;
      if found then
        raise exception 'parkledger: refund % names % which is not a recorded original receipt', bad.receipt_no, bad.refund_of_id
          using errcode = '23503', hint = 'refund_of_unknown';
      end if;
      return null;
    end $$;
    create trigger receipts_checked after insert on receipts
      referencing new table as new_receipts for each statement execute function receipts_check();
    create trigger receipts_append_only before update or delete on receipts
      for each row execute function parkledger_refuse_change();
    create trigger receipts_no_truncate before truncate on receipts
      for each statement execute function parkledger_refuse_change();

    create table transfers (
      id bigserial primary key,
      ref text not null unique,
      operator text not null references jurisdictions (code),
      host text not null references jurisdictions (code),
      amount_fen bigint not null check (amount_fen <> 0),
      transferred_on date not null,
      fiscal_year integer not null,
      entry_id bigint not null references journal_entries (id),
      content_hash text not null,
      recorded_at timestamptz not null default now()
    );
    create index transfers_by_year on transfers (operator, fiscal_year);
    create trigger transfers_append_only before update or delete on transfers
      for each row execute function parkledger_refuse_change();

    create table closures (
      operator text not null references jurisdictions (code),
      year integer not null,
      balance_due_fen bigint not null,
      entry_id bigint references journal_entries (id),
      statement jsonb not null,
      closed_at timestamptz not null default now(),
      primary key (operator, year)
    );
    create trigger closures_append_only before update or delete on closures
      for each row execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `drop table closures; drop table transfers; drop table receipts; drop function receipts_check();`,
  );
}
