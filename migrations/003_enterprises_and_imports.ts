// Reason: enterprises and their stays in parks (an enterprise's park changes over time), and a record
// of every imported file with its sha256, so each booked row can be traced to its file and row.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table imports (
      id bigserial primary key,
      kind text not null check (kind in ('enterprises', 'receipts', 'statements', 'indicators')),
      file_name text not null,
      file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
      party text,
      row_count integer not null,
      new_row_count integer not null,
      imported_at timestamptz not null default now()
    );
    create index imports_by_hash on imports (kind, file_sha256);
    create trigger imports_append_only before update or delete on imports
      for each row execute function parkledger_refuse_change();

    create table enterprises (
      uscc text primary key check (length(uscc) = 18),
      name text not null,
      import_id bigint references imports (id),
      updated_at timestamptz not null default now()
    );

    create table enterprise_stays (
      id bigserial primary key,
      uscc text not null references enterprises (uscc),
      park text not null references parks (code),
      valid_from date not null,
      valid_to date,
      origin text check (origin in ('relocated', 'new', 'local')),
      introduced_by text references jurisdictions (code),
      bingtuan_flag boolean not null default false,
      import_id bigint references imports (id),
      source_row integer,
      check (valid_to is null or valid_to >= valid_from),
      unique (uscc, valid_from)
    );
    create index enterprise_stays_by_park on enterprise_stays (park, valid_from);
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table enterprise_stays; drop table enterprises; drop table imports;`);
}
