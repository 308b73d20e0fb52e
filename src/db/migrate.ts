// Brings a database up to date; every command calls it first, so `parkledger migrate` is never a
// step a user has to remember.

import { MIGRATIONS, migrationSource } from "../../migrations/index.js";
import type { Database } from "./database.js";

export async function migrate(db: Database): Promise<string[]> {
  // Nearly always there is nothing to do: said by one read, without knex's migrator, which takes its
  // lock by writing a row (on the embedded database that write and the checkpoint it leaves cost
  // about half a second of every command).
  if (await upToDate(db)) return [];
  const [, applied] = (await db.knex.migrate.latest({ migrationSource, tableName: "knex_migrations" })) as [
    number,
    string[],
  ];
  return applied;
}

/**
 * Whether the database holds exactly the migrations this code knows, no fewer and no more. Anything
 * else (a new database, a migration to apply, a database newer than this code) goes to knex's
 * migrator, which applies what is missing under its lock or says what is wrong.
 */
async function upToDate(db: Database): Promise<boolean> {
  const table = (await db.knex.raw("select to_regclass('knex_migrations') is not null as present")) as {
    rows: { present: boolean }[];
  };
  if (table.rows[0]?.present !== true) return false;
  const { rows } = (await db.knex.raw("select name from knex_migrations")) as { rows: { name: string }[] };
  const applied = new Set(rows.map((r) => r.name));
  return applied.size === MIGRATIONS.length && MIGRATIONS.every((m) => applied.has(m.name));
}
