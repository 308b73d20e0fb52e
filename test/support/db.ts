// Each test file gets a database of its own: a fresh PostgreSQL database when DATABASE_URL is set
// (the real server, never a mock), else an in-memory PGlite. Both are migrated like a user's.

import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";

export interface TestDatabase extends Database {
  /** The target to reopen the same database, e.g. for a command run in another process. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

export const onPostgres = Boolean(process.env.DATABASE_URL);
export const dialectLabel = onPostgres ? "postgres" : "pglite";

export async function testDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    // a fresh embedded database takes seconds to make (initdb); a copy of one migrated takes a fraction
    const db = await openDatabase({ memory: true, from: await migratedTemplate() });
    await migrate(db); // nothing to do: the template is up to date, as the check shows
    return { ...db, env: {}, drop: () => db.close() };
  }
  const name = `parkledger_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  // a copy of the database the run migrated once (test/support/global-setup.ts), else a fresh one
  const template = inject("postgresTemplate");
  await adminQuery(url, template ? `create database ${name} template ${template}` : `create database ${name}`);
  const dbUrl = withDatabase(url, name);
  const db = await openDatabase({ url: dbUrl });
  await migrate(db); // from the template: nothing to do, as the check shows
  return {
    ...db,
    env: { DATABASE_URL: dbUrl },
    drop: async () => {
      await db.close();
      await adminQuery(url, `drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * Makes `dir` an embedded database on disk with every migration applied, as a user's is after the first
 * command, for commands the tests run as processes of their own: unpacked from the dump of a migrated
 * one (a fraction of a second) instead of a fresh initdb and every migration (several seconds).
 */
export async function migratedDataDir(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const pglite = new PGlite({ dataDir: dir, loadDataDir: await migratedTemplate() });
  await pglite.waitReady;
  await pglite.close();
  const db = await openDatabase({ dir });
  try {
    await migrate(db); // nothing to do: the dump is up to date, as the check shows
  } finally {
    await db.close();
  }
}

/**
 * A dump of an embedded database with every migration applied, made once per set of migrations and
 * kept in the temporary directory (named by the sha256 of the migrations and what runs them, so a
 * changed migration makes a new one); each worker reads it once.
 */
let template: Promise<Blob> | null = null;
function migratedTemplate(): Promise<Blob> {
  template ??= (async () => {
    const hash = createHash("sha256");
    // the migrations, and what they run with
    for (const extra of ["../src/db/migrate.ts", "../ledger/chain.ts"])
      hash.update(fs.readFileSync(path.join(MIGRATIONS_DIR, extra)));
    for (const name of fs.readdirSync(MIGRATIONS_DIR).sort())
      hash.update(name).update(fs.readFileSync(path.join(MIGRATIONS_DIR, name)));
    const file = path.join(os.tmpdir(), `parkledger-pglite-${hash.digest("hex").slice(0, 16)}.tar`);
    if (!fs.existsSync(file)) {
      const db = await openDatabase({ memory: true });
      await migrate(db);
      const dump = await db.dump!();
      await db.close();
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
      fs.renameSync(tmp, file); // whole or not at all, whichever worker gets there first
    }
    return new Blob([fs.readFileSync(file)]);
  })();
  return template;
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
