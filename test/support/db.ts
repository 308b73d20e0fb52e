// Each test file gets a database of its own: a fresh PostgreSQL database when DATABASE_URL is set
// (the real server, never a mock), else an in-memory PGlite. Both are migrated like a user's.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";

export interface TestDatabase extends Database {
  /** The target to reopen the same database, e.g. for a command run in another process. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const onPostgres = Boolean(process.env.DATABASE_URL);
export const dialectLabel = onPostgres ? "postgres" : "pglite";

export async function testDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ memory: true });
    await migrate(db);
    return { ...db, env: {}, drop: () => db.close() };
  }
  const name = `parkledger_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(url, `create database ${name}`);
  const dbUrl = withDatabase(url, name);
  const db = await openDatabase({ url: dbUrl });
  await migrate(db);
  return {
    ...db,
    env: { DATABASE_URL: dbUrl },
    drop: async () => {
      await db.close();
      await adminQuery(url, `drop database if exists ${name} with (force)`);
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
