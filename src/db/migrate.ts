// Brings a database up to date; every command calls it first, so `parkledger migrate` is never a
// step a user has to remember.

import { migrationSource } from "../../migrations/index.js";
import type { Database } from "./database.js";

export async function migrate(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.latest({ migrationSource, tableName: "knex_migrations" })) as [
    number,
    string[],
  ];
  return applied;
}
