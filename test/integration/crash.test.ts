// A process killed in the middle of a large import leaves nothing of it behind, and the same import
// run again succeeds: the import is one transaction, on PostgreSQL and on the embedded database.
// The command runs as a process of its own (from the sources, through tsx) and is killed with SIGKILL.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import {
  demoEnterprises,
  demoReceipts,
  enterprisesCsv,
  receiptsCsvLines,
  DEMO_DEFAULTS,
} from "../../src/demo/generate.js";
import { migratedDataDir, testDatabase, onPostgres, dialectLabel, type TestDatabase } from "../support/db.js";
import { tmpDir } from "../support/files.js";
import { userEnv } from "../support/reader.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = ["--import", "tsx", path.join(ROOT, "test", "support", "run-cli.ts")];
const ROWS = onPostgres ? 60_000 : 20_000;

let db: TestDatabase | Database;
let dataDir: string | null = null;
let env: Record<string, string>;
const files = { enterprises: "", receipts: "" };

beforeAll(async () => {
  const opts = { ...DEMO_DEFAULTS, receipts: ROWS, enterprises: 500 };
  const registry = demoEnterprises(opts);
  files.enterprises = path.join(tmpDir(), `crash-enterprises-${process.pid}.csv`);
  files.receipts = path.join(tmpDir(), `crash-receipts-${process.pid}.csv`);
  fs.writeFileSync(files.enterprises, enterprisesCsv(registry));
  fs.writeFileSync(files.receipts, [...receiptsCsvLines(demoReceipts(opts, registry))].join(""));
  if (onPostgres) {
    const t = await testDatabase();
    db = t;
    env = t.env;
  } else {
    // the embedded database on disk, as a user has it; the killed process leaves its lock file behind
    dataDir = path.join(tmpDir(), `crash-pgdata-${process.pid}`);
    env = { PARKLEDGER_DATA_DIR: dataDir };
    await migratedDataDir(dataDir);
    db = null as unknown as Database;
  }
  const r = await run(["import", "enterprises", files.enterprises]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  if (onPostgres) await (db as TestDatabase).drop();
  if (dataDir !== null) fs.rmSync(dataDir, { recursive: true, force: true });
});

function run(
  args: string[],
  killAfter?: () => Promise<void>,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: userEnv({ ...env, DATABASE_URL: env.DATABASE_URL ?? "" }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, stderr }));
    if (killAfter !== undefined)
      void killAfter().then(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
      });
  });
}

/** Resolves once the import's transaction has been open for a while on the server. */
async function midTransaction(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 300; i++) {
      const { rows } = await client.query(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'parkledger'
            and xact_start < now() - interval '1 second'`,
      );
      if (rows[0].n > 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the import never got going");
  } finally {
    await client.end();
  }
}

/** The embedded database: once the process holds the data directory, the import is a while away from done. */
async function importUnderway(dir: string): Promise<void> {
  const lock = path.join(path.dirname(dir), `${path.basename(dir)}.lock`);
  for (let i = 0; i < 300 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2500));
}

async function counts(): Promise<{ receipts: number; entries: number; imports: number }> {
  const d = onPostgres ? (db as Database) : await openDatabase({ dir: dataDir! });
  try {
    const { rows } = await d.knex.raw(
      `select (select count(*) from receipts) as receipts, (select count(*) from journal_entries) as entries,
              (select count(*) from imports where kind = 'receipts') as imports`,
    );
    return { receipts: Number(rows[0].receipts), entries: Number(rows[0].entries), imports: Number(rows[0].imports) };
  } finally {
    if (!onPostgres) await d.close();
  }
}

describe(`an import killed half way (${dialectLabel})`, () => {
  it("leaves nothing behind, and the same import then succeeds", async () => {
    const killed = await run(["import", "receipts", files.receipts], () =>
      onPostgres ? midTransaction(env.DATABASE_URL!) : importUnderway(dataDir!),
    );
    expect(killed.signal, `the import finished before it could be killed: ${killed.stderr}`).toBe("SIGKILL");
    if (onPostgres) {
      // the server notices the client is gone and rolls its transaction back
      const client = new pg.Client({ connectionString: env.DATABASE_URL! });
      await client.connect();
      for (let i = 0; i < 100; i++) {
        const { rows } = await client.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'parkledger'`,
        );
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await client.end();
    }
    expect(await counts()).toEqual({ receipts: 0, entries: 0, imports: 0 });

    const again = await run(["import", "receipts", files.receipts, "--format", "json"]);
    expect(again.code, again.stderr).toBe(0);
    const after = await counts();
    expect(after.imports).toBe(1);
    expect(after.receipts).toBe(ROWS);
    const verify = await run(["verify"]);
    expect(verify.code, verify.stderr).toBe(0);
  }, 180_000);
});
