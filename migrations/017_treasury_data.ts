// Reason: receipts as the treasury exports them (docs/domain.md#treasury-data). The government revenue
// classification (政府收支分类科目) is dated reference data mapping each budget item to the tax type
// whose ratio applies, and a receipt keeps the code it was given. A receipt may carry the amounts of
// each budget level (预算级次) as the treasury divided them, and be one of the negative flows that
// name no single receipt (留抵退税, 汇算清缴退税, 即征即退, 免抵调库) or a treasury adjustment (调库) of
// a credit refund. An agreement says which local levels it shares, whether a mover's tax follows the
// park of the entry date or of the tax period, and who bears each refund kind. Some enterprises' tax
// is wholly central: exceptions to the ratio by enterprise, tax and date. Receipts recorded before
// keep what they were: the new columns are null for them (`kind` null reads as receipt or refund).

import type { Knex } from "knex";
import { runScript } from "./sql.js";

/** The classification edition the seed was checked against (docs/domain.md#budget-classification). */
const CLASSIFICATION = "2025";
const FROM = "2007-01-01";

// Items below the 款 level (7 digits, 项) a Zhundong receipt carries, each mapped to its tax type.
const OWNERSHIP: [string, string][] = [
  ["01", "国有企业"],
  ["02", "集体企业"],
  ["03", "股份制企业"],
  ["04", "联营企业"],
  ["05", "港澳台和外商投资企业"],
  ["06", "私营企业"],
  ["19", "其他"],
];

function byOwnership(item: string, tax: string, name: string): [string, string, string][] {
  return OWNERSHIP.map(([n, owner]) => [`${item}${n}`, `${owner}${name}`, tax]);
}

const CIT_SECTORS: [string, string][] = [
  ["01", "国有冶金工业所得税"],
  ["02", "国有有色金属工业所得税"],
  ["03", "国有煤炭工业所得税"],
  ["04", "国有电力工业所得税"],
  ["05", "国有石油和化学工业所得税"],
  ["06", "国有机械工业所得税"],
  ["07", "国有汽车工业所得税"],
  ["08", "国有核工业所得税"],
  ["09", "国有航空工业所得税"],
  ["10", "国有航天工业所得税"],
  ["11", "国有电子工业所得税"],
  ["12", "国有兵器工业所得税"],
  ["13", "国有船舶工业所得税"],
  ["14", "国有建筑材料工业所得税"],
  ["16", "国有纺织企业所得税"],
  ["17", "国有铁道企业所得税"],
  ["18", "国有交通企业所得税"],
  ["20", "国有民航企业所得税"],
  ["22", "国有外贸企业所得税"],
];

/** code, Chinese name, tax type (null: a class too general to say which ratio applies). */
const ITEMS: [string, string, string | null][] = [
  ["101", "税收收入", null],
  ["103", "非税收入", null],
  ["1010101", "国内增值税", "VAT"],
  ["1010102", "改征增值税", "VAT"],
  ["1010201", "国内消费税", "CT"],
  ...CIT_SECTORS.map(([n, name]): [string, string, string] => [`10104${n}`, name, "CIT"]),
  ["1010601", "个人所得税", "PIT"],
  ...byOwnership("10109", "UMCT", "城市维护建设税"),
  ...byOwnership("10110", "PROP", "房产税"),
  ["1011102", "其他印花税", "STAMP"],
  ...byOwnership("10112", "LUT", "城镇土地使用税"),
  ...byOwnership("10113", "LVAT", "土地增值税"),
  ["1011401", "车船税", "VVT"],
  ["1011801", "耕地占用税", "FOT"],
  ["1011901", "契税", "DEED"],
  ["1012101", "环境保护税", "ENV"],
  ["1030203", "教育费附加收入", "EDU"],
  ["1030216", "地方教育附加收入", "LEDU"],
];

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table budget_items (
      id serial primary key,
      code text not null check (code ~ '^[0-9]{3}([0-9]{2}){0,3}$'),
      name_zh text not null,
      tax_code text references tax_types (code),
      valid_from date not null,
      valid_to date,
      classification text not null,
      recorded_at timestamptz not null default now(),
      check (valid_to is null or valid_to >= valid_from)
    );
    create index budget_items_code on budget_items (code, valid_from);
    create trigger budget_items_append_only before update or delete on budget_items
      for each row execute function parkledger_refuse_change();

    create table ratio_exceptions (
      id serial primary key,
      uscc text not null,
      tax_code text not null references tax_types (code),
      effective_from date not null,
      central_share_bp integer not null check (central_share_bp between 0 and 10000),
      note text not null default '',
      recorded_at timestamptz not null default now()
    );
    create index ratio_exceptions_lookup on ratio_exceptions (uscc, tax_code, effective_from);
    create trigger ratio_exceptions_append_only before update or delete on ratio_exceptions
      for each row execute function parkledger_refuse_change();

    alter table agreements
      add column shared_levels text[] not null default '{region,prefecture,county}'
        check (shared_levels <@ array['region', 'prefecture', 'county']),
      add column attribution text not null default 'collected_on' check (attribution in ('collected_on', 'tax_period')),
      add column refund_shares jsonb not null default '{}';

    alter table receipts
      add column kind text check (kind in ('receipt', 'refund', 'credit_refund', 'settlement_refund',
        'immediate_refund', 'export_offset', 'treasury_adjustment')),
      add column budget_code text,
      add column period_end date,
      add column level_central_fen bigint,
      add column level_region_fen bigint,
      add column level_prefecture_fen bigint,
      add column level_county_fen bigint,
      add column ratio_central_fen bigint,
      add column ratio_exception_id integer references ratio_exceptions (id);
    -- an export offset moves an amount between the central and the local level: the treasury's total
    -- does not change, the local level gains what the central one gives up (or the reverse)
    alter table receipts drop constraint receipts_check;
    alter table receipts add constraint receipts_split_whole check (
      operator_fen + host_fen = local_fen and
      central_fen + local_fen = case when kind = 'export_offset' then 0 else amount_fen end and
      (kind is distinct from 'export_offset' or local_fen = amount_fen));
    alter table receipts drop constraint receipts_check1;
    alter table receipts add constraint receipts_kind_sign check (case coalesce(kind, case when refund_of_id is null then 'receipt' else 'refund' end)
      when 'receipt' then refund_of_id is null and amount_fen > 0
      when 'refund' then refund_of_id is not null and amount_fen < 0
      when 'treasury_adjustment' then refund_of_id is not null and amount_fen > 0
      when 'export_offset' then refund_of_id is null
      else refund_of_id is null and amount_fen < 0 end);
    alter table receipts add constraint receipts_levels_whole check (level_central_fen is null or (
      level_region_fen is not null and level_prefecture_fen is not null and level_county_fen is not null and
      level_central_fen + level_region_fen + level_prefecture_fen + level_county_fen = amount_fen and
      level_central_fen = central_fen));
    -- the settlement statement lists refunds and the other kinds on their own lines
    create index receipts_other_kinds on receipts (fiscal_year, park) where refund_of_id is not null or kind <> 'receipt';

    -- a refund names a receipt; a treasury adjustment names the credit refund it adjusts
    create or replace function receipts_check() returns trigger language plpgsql
      set enable_hashjoin = off set enable_mergejoin = off as $$
    declare
      bad record;
    begin
      if not exists (select 1 from new_receipts where refund_of_id is not null) then
        return null;
      end if;
      select n.receipt_no, n.refund_of_id into bad from new_receipts n
       where n.refund_of_id is not null
         and not exists (select 1 from receipts o where o.id = n.refund_of_id and case
               when n.kind = 'treasury_adjustment' then o.kind = 'credit_refund'
               else o.refund_of_id is null and coalesce(o.kind, 'receipt') = 'receipt' end)
       limit 1;
      if found then
        raise exception 'parkledger: refund % names % which is not a recorded receipt it may refund', bad.receipt_no, bad.refund_of_id
          using errcode = '23503', hint = 'refund_of_unknown';
      end if;
      return null;
    end $$;
  `,
  );
  await knex("budget_items").insert(
    (await knex("tax_types").select("code", "item_code", "name_zh")).map((t: Record<string, string>) => ({
      code: t.item_code,
      name_zh: t.name_zh,
      tax_code: t.code,
      valid_from: FROM,
      classification: CLASSIFICATION,
    })),
  );
  await knex("budget_items").insert(
    ITEMS.map(([code, name_zh, tax_code]) => ({
      code,
      name_zh,
      tax_code,
      valid_from: FROM,
      classification: CLASSIFICATION,
    })),
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop index receipts_other_kinds;
    alter table receipts drop constraint receipts_levels_whole;
    alter table receipts drop constraint receipts_kind_sign;
    alter table receipts add constraint receipts_check1 check ((refund_of_id is null) = (amount_fen > 0));
    alter table receipts drop constraint receipts_split_whole;
    alter table receipts add constraint receipts_check
      check (central_fen + local_fen = amount_fen and operator_fen + host_fen = local_fen);
    alter table receipts drop column kind, drop column budget_code, drop column period_end,
      drop column level_central_fen, drop column level_region_fen, drop column level_prefecture_fen,
      drop column level_county_fen, drop column ratio_central_fen, drop column ratio_exception_id;
    alter table agreements drop column shared_levels, drop column attribution, drop column refund_shares;
    drop table ratio_exceptions;
    drop table budget_items;
  `,
  );
}
