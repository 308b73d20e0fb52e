// Reason: jurisdictions, parks, taxes, central–local ratios and park agreements are data with effective
// dates (docs/domain.md#reference-data-with-effective-dates), never constants in code; versions are only
// ever added.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create function parkledger_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'parkledger: % on % refused: recorded rows are append-only; post a correction instead', tg_op, tg_table_name
        using errcode = 'P0001', hint = 'journal_is_append_only';
    end $$;

    create table jurisdictions (
      code text primary key check (code ~ '^[a-z][a-z0-9_]{1,31}$'),
      name_zh text not null,
      name_en text not null,
      is_central boolean not null default false
    );

    create table parks (
      code text primary key check (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
      name_zh text not null,
      name_en text not null,
      operator text not null references jurisdictions (code),
      host text not null references jurisdictions (code)
    );

    create table tax_types (
      code text primary key check (code ~ '^[A-Z]{2,8}$'),
      item_code text not null unique check (item_code ~ '^[0-9]{5}$'),
      name_zh text not null,
      name_en text not null,
      is_tax boolean not null
    );

    create table central_ratios (
      id serial primary key,
      tax_code text not null references tax_types (code),
      effective_from date not null,
      central_share_bp integer not null check (central_share_bp between 0 and 10000),
      note text not null default '',
      recorded_at timestamptz not null default now()
    );
    create index central_ratios_lookup on central_ratios (tax_code, effective_from);

    create table agreements (
      id serial primary key,
      park text not null references parks (code),
      effective_from date not null,
      operator_share_bp integer not null check (operator_share_bp between 0 and 10000),
      shared_non_tax text[] not null default '{}',
      note text not null default '',
      recorded_at timestamptz not null default now()
    );
    create index agreements_lookup on agreements (park, effective_from);

    create trigger central_ratios_append_only before update or delete on central_ratios
      for each row execute function parkledger_refuse_change();
    create trigger agreements_append_only before update or delete on agreements
      for each row execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop table agreements; drop table central_ratios; drop table tax_types; drop table parks; drop table jurisdictions;
    drop function parkledger_refuse_change();
  `,
  );
}
