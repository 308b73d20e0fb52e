// Where the demo's sample year is kept, apart from the books used for real (the journal is
// append-only: a sample year could never be taken out of them): an embedded database in the demo's
// folder beside the data directory, or, on PostgreSQL, a database of its own beside the configured
// one (`<name>_demo`). `demo` fills it; `serve --demo` serves it.

import path from "node:path";
import type { Config } from "../config.js";
import { openDatabase, type Database } from "../db/database.js";
import { migrate } from "../db/migrate.js";
import type { CliContext } from "./context.js";

/** The demo's folder: ./data/pgdata → ./data/demo; elsewhere beside the data directory. */
export function demoDir(config: Config): string {
  return path.basename(config.data_dir) === "pgdata"
    ? path.join(path.dirname(config.data_dir), "demo")
    : `${config.data_dir}-demo`;
}

/** The demo's own database, created when missing and brought up to date. */
export async function demoDatabase(
  c: CliContext,
  config: Config,
  dir: string,
  options: { pool_max?: number } = {},
): Promise<Database> {
  let opened: Database;
  if (config.database_url === null) opened = await openDatabase({ dir: path.join(dir, "pgdata"), sample: true });
  else {
    const url = new URL(config.database_url);
    const name = `${decodeURIComponent(url.pathname.replace(/^\//, "")) || "parkledger"}_demo`;
    const admin = await openDatabase({ url: config.database_url });
    try {
      const { rows } = await admin.knex.raw("select 1 from pg_database where datname = ?", [name]);
      if (rows.length === 0) await admin.knex.raw(`create database "${name.replace(/"/g, '""')}"`);
    } finally {
      await admin.close();
    }
    url.pathname = `/${encodeURIComponent(name)}`;
    opened = await openDatabase({ url: url.toString(), ...options });
  }
  c.adopt(opened);
  await migrate(opened);
  return opened;
}

/** What points a command at the demo's books: the environment variable to put before it. */
export function lookAt(db: Database, config: Config, dir: string): string {
  return config.database_url === null
    ? `PARKLEDGER_DATA_DIR=${path.join(dir, "pgdata")}`
    : `DATABASE_URL=${db.location.replace(/:\*\*\*@/, ":…@")}`;
}
