// Reason: an answer computed from the books may be served again without recomputing it only while
// nothing it rests on has changed, whoever changed it: this server, another server process, the
// command line importing a file, a closure, an agreement or a ratio, the registry, a statement or a
// payment (docs/decisions/0016-report-cache.md). `data_version` holds one number that every
// transaction writing to any table of the books raises by one when it commits; a reader asks for it
// with one cheap query and keeps an answer under the number it read first.
//
// The number is raised at commit, not at the first write: a statement-level trigger on each table
// notes the transaction once (a row in `data_version_pending`, a flag local to the transaction), and a
// deferred trigger on that row raises the number as the transaction commits. A long import thus holds
// the number's row for an instant at its commit, never for its whole length, and no writer waits on
// another's for longer than that. A write that is rolled back (or its savepoint) raises nothing.
//
// Every table has the trigger but the migrations' own bookkeeping and the credentials (tokens and
// sessions decide who may ask, checked at every request, and are in no answer);
// test/integration/data-version.test.ts holds every table created later to the same rule.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

/** Tables whose writes change no answer: the migrations' bookkeeping and the credentials. */
export const UNVERSIONED_TABLES = ["knex_migrations", "knex_migrations_lock", "api_tokens", "user_sessions"];

/** The statement-level trigger that notes a write to `table` (a table added later needs it too). */
export function noteWritesSql(table: string): string {
  return `create trigger ${table}_note_write after insert or update or delete or truncate on ${table}
      for each statement execute function parkledger_note_write();`;
}

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table data_version (
      only_row boolean primary key default true check (only_row),
      version bigint not null
    );
    insert into data_version (version) values (0);
    create table data_version_pending (
      id bigserial primary key
    );
    create function parkledger_note_write() returns trigger language plpgsql as $$
    begin
      -- once per transaction (the flag is local to it, and undone with a savepoint rolled back)
      if current_setting('parkledger.write_noted', true) is distinct from 'yes' then
        perform set_config('parkledger.write_noted', 'yes', true);
        insert into data_version_pending default values;
      end if;
      return null;
    end $$;
    create function parkledger_raise_data_version() returns trigger language plpgsql as $$
    begin
      update data_version set version = version + 1;
      delete from data_version_pending where id = new.id;
      return null;
    end $$;
    create constraint trigger data_version_raise after insert on data_version_pending
      deferrable initially deferred for each row execute function parkledger_raise_data_version();
  `,
  );
  const { rows } = await knex.raw(
    `select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'
        and table_name not in ('data_version', 'data_version_pending')
      order by table_name`,
  );
  for (const { table_name } of rows as { table_name: string }[])
    if (!UNVERSIONED_TABLES.includes(table_name)) await knex.raw(noteWritesSql(table_name));
}

export async function down(knex: Knex): Promise<void> {
  const { rows } = await knex.raw(
    `select distinct event_object_table as table_name from information_schema.triggers
      where trigger_schema = current_schema() and trigger_name = event_object_table || '_note_write'`,
  );
  for (const { table_name } of rows as { table_name: string }[])
    await knex.raw(`drop trigger ${table_name}_note_write on ${table_name}`);
  await runScript(
    knex,
    `
    drop table data_version_pending;
    drop table data_version;
    drop function parkledger_raise_data_version();
    drop function parkledger_note_write();
  `,
  );
}
