// Reason: land and mineral revenue (seed 004 item 7; docs/domain.md#land-and-mineral-revenue). The items
// (土地出让收入, 新增建设用地土地有偿使用费, 矿业权出让收益) are reference data with their central share
// dated; revenue of them is recorded per park and booked in the journal (entry kind `land`); the
// exemptions granted under 新财综〔2022〕48号 are a register of revenue forgone, which moves no money.
// Every table here is append-only. The kind checks of `imports` and `journal_entries` are widened by
// adding to the values they hold, whatever migrations before this one added to them.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

const ITEMS: [string, string | null, string, string, "fund" | "general", [string, number, string][]][] = [
  [
    "LAND",
    "1030148",
    "土地出让收入",
    "Land-transfer revenue",
    "fund",
    [["1994-01-01", 0, "国有土地使用权出让收入全部归地方，纳入政府性基金预算 (seed)"]],
  ],
  [
    "NCLF",
    null,
    "新增建设用地土地有偿使用费",
    "New construction land use fee",
    "fund",
    [["1999-01-01", 3000, "土地管理法：30%上缴中央，70%留给地方 (seed)"]],
  ],
  [
    "MRR",
    null,
    "矿业权出让收益",
    "Mining-right transfer revenue",
    "general",
    [["2017-07-01", 4000, "财综〔2017〕35号：中央与地方按4:6分成，纳入一般公共预算 (seed)"]],
  ],
];

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table land_items (
      code text primary key check (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
      budget_code text unique check (budget_code ~ '^[0-9]{7}$'),
      name_zh text not null,
      name_en text not null,
      budget text not null check (budget in ('fund', 'general')),
      sort_order integer not null
    );

    create table land_item_ratios (
      id serial primary key,
      item text not null references land_items (code),
      effective_from date not null,
      central_share_bp integer not null check (central_share_bp between 0 and 10000),
      note text not null default '',
      recorded_at timestamptz not null default now()
    );
    create index land_item_ratios_lookup on land_item_ratios (item, effective_from);

    create table land_revenue (
      id bigserial primary key,
      ref text not null unique,
      park text not null references parks (code),
      item text not null references land_items (code),
      item_as_given text not null,
      collected_on date not null,
      amount_fen bigint not null check (amount_fen > 0),
      uscc text check (length(uscc) = 18),
      project_no text,
      operator text references jurisdictions (code),
      host text not null references jurisdictions (code),
      central_ratio_id integer not null references land_item_ratios (id),
      central_share_bp integer not null,
      agreement_id integer references agreements (id),
      operator_share_bp integer,
      central_fen bigint not null,
      local_fen bigint not null,
      operator_fen bigint not null,
      host_fen bigint not null,
      fiscal_year integer not null,
      entry_id bigint not null references journal_entries (id),
      content_hash text not null,
      import_id bigint not null references imports (id),
      source_row integer not null,
      recorded_at timestamptz not null default now(),
      check (central_fen + local_fen = amount_fen and operator_fen + host_fen = local_fen),
      check ((operator is null) = (operator_share_bp is null))
    );
    create index land_revenue_by_year on land_revenue (fiscal_year, park);
    create index land_revenue_by_park on land_revenue (park, collected_on);

    -- revenue forgone, not money moved: who forgoes what, in columns that add up to the amount
    create table land_exemptions (
      id bigserial primary key,
      ref text not null unique,
      park text not null references parks (code),
      project_no text not null,
      uscc text not null check (length(uscc) = 18),
      item text not null references land_items (code),
      item_as_given text not null,
      amount_fen bigint not null check (amount_fen > 0),
      basis text not null,
      approved_on date not null,
      forgone_by text not null,
      agreement_id integer references agreements (id),
      central_fen bigint not null check (central_fen >= 0),
      operator_fen bigint not null check (operator_fen >= 0),
      host_fen bigint not null check (host_fen >= 0),
      content_hash text not null,
      import_id bigint not null references imports (id),
      source_row integer not null,
      recorded_at timestamptz not null default now(),
      check (central_fen + operator_fen + host_fen = amount_fen)
    );
    create index land_exemptions_by_park on land_exemptions (park, approved_on);
  `,
  );
  for (const table of ["land_item_ratios", "land_revenue", "land_exemptions"]) await appendOnly(knex, table);
  await seedItems(knex);
  await widenKindCheck(knex, "imports", "imports_kind_check", "land", true);
  await widenKindCheck(knex, "journal_entries", "journal_entries_kind_check", "land", true);
}

async function appendOnly(knex: Knex, table: string): Promise<void> {
  await knex.raw(
    `create trigger ${table}_append_only before update or delete on ${table}
       for each row execute function parkledger_refuse_change()`,
  );
  await knex.raw(
    `create trigger ${table}_no_truncate before truncate on ${table}
       for each statement execute function parkledger_refuse_change()`,
  );
}

async function seedItems(knex: Knex): Promise<void> {
  await knex("land_items").insert(
    ITEMS.map(([code, budget_code, name_zh, name_en, budget], i) => ({
      code,
      budget_code,
      name_zh,
      name_en,
      budget,
      sort_order: i + 1,
    })),
  );
  await knex("land_item_ratios").insert(
    ITEMS.flatMap(([item, , , , , history]) =>
      history.map(([effective_from, central_share_bp, note]) => ({ item, effective_from, central_share_bp, note })),
    ),
  );
}

/**
 * Adds `value` to (or, going down, removes it from) the values a `kind in (…)` check allows, keeping
 * every value it holds now: migrations numbered before this one may have added their own.
 */
async function widenKindCheck(knex: Knex, table: string, constraint: string, value: string, add: boolean) {
  const { rows } = await knex.raw(
    `select pg_get_constraintdef(c.oid) as definition from pg_constraint c
      where c.conname = ? and c.conrelid = ?::regclass`,
    [constraint, table],
  );
  if (rows.length !== 1) throw new Error(`${table} has no constraint ${constraint} to widen`);
  const held = [...String(rows[0].definition).matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
  const values = add ? [...new Set([...held, value])] : held.filter((v) => v !== value);
  await knex.raw(`alter table ${table} drop constraint ${constraint}`);
  await knex.raw(
    `alter table ${table} add constraint ${constraint} check (kind in (${values.map((v) => `'${v}'`).join(", ")}))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await widenKindCheck(knex, "journal_entries", "journal_entries_kind_check", "land", false);
  await widenKindCheck(knex, "imports", "imports_kind_check", "land", false);
  await runScript(
    knex,
    `
    drop table land_exemptions;
    drop table land_revenue;
    drop table land_item_ratios;
    drop table land_items;
  `,
  );
}
