// Reason: constraint indicators (docs/domain.md#constraint-indicators-quotas). Projects are recorded
// with their origin and the carbon and pollutant quotas they need each year; each project's quotas are
// charged to the jurisdiction that must provide them (the origin of a relocated project, the party that
// attracted a new one, the host for its own). A changed project is a new version beside the old one,
// never an edit.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table imports drop constraint imports_kind_check;
    alter table imports add constraint imports_kind_check
      check (kind in ('enterprises', 'receipts', 'statements', 'indicators', 'projects'));

    create table quota_kinds (
      code text primary key check (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
      column_name text not null unique,
      name_zh text not null,
      name_en text not null,
      unit text not null,
      unit_zh text not null,
      sort_order integer not null
    );
    insert into quota_kinds (code, column_name, name_zh, name_en, unit, unit_zh, sort_order) values
      ('ENERGY', 'energy_tce', '能源消费量', 'Energy consumption', 't SCE', '吨标准煤', 1),
      ('CO2', 'co2_t', '二氧化碳排放量', 'Carbon dioxide emissions', 't CO2', '吨二氧化碳', 2),
      ('SO2', 'so2_t', '二氧化硫', 'Sulphur dioxide', 't', '吨', 3),
      ('NOX', 'nox_t', '氮氧化物', 'Nitrogen oxides', 't', '吨', 4),
      ('COD', 'cod_t', '化学需氧量', 'Chemical oxygen demand', 't', '吨', 5),
      ('NH3N', 'nh3n_t', '氨氮', 'Ammonia nitrogen', 't', '吨', 6);

    create table projects (
      id bigserial primary key,
      project_no text not null,
      version integer not null check (version >= 1),
      name text not null,
      park text not null references parks (code),
      uscc text,
      origin text not null check (origin in ('relocated', 'new', 'local')),
      introduced_by text references jurisdictions (code),
      charged_to text not null references jurisdictions (code),
      start_on date not null,
      end_on date,
      content_hash text not null,
      import_id bigint not null references imports (id),
      source_row integer not null,
      recorded_at timestamptz not null default now(),
      check (end_on is null or end_on >= start_on),
      unique (project_no, version)
    );

    create table project_quotas (
      project_id bigint not null references projects (id),
      quota text not null references quota_kinds (code),
      amount_units bigint not null check (amount_units >= 0),
      primary key (project_id, quota)
    );

    create trigger projects_append_only before update or delete on projects
      for each row execute function parkledger_refuse_change();
    create trigger projects_no_truncate before truncate on projects
      for each statement execute function parkledger_refuse_change();
    create trigger project_quotas_append_only before update or delete on project_quotas
      for each row execute function parkledger_refuse_change();
    create trigger project_quotas_no_truncate before truncate on project_quotas
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop table project_quotas;
    drop table projects;
    drop table quota_kinds;
    alter table imports drop constraint imports_kind_check;
    alter table imports add constraint imports_kind_check
      check (kind in ('enterprises', 'receipts', 'statements', 'indicators'));
  `,
  );
}
