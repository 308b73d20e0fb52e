// One way to open the store, whichever it is: PostgreSQL when DATABASE_URL is set, else the embedded
// PGlite on disk. The two drivers disagree on how they hand back bigints, counts and dates; both are
// told here to return the same JavaScript types (bigint, bigint, 'YYYY-MM-DD' string), so no
// repository ever needs to know which one it talks to.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
import { usableTemplate } from "./template.js";
import { importPackage } from "../import-package.js";

export type Dialect = "postgres" | "pglite";

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** Where the data lives, for messages: a URL without password, or the PGlite directory. */
  location: string;
  /**
   * Says, for another command finding the embedded database held, what holds it and what to do
   * instead (`parkledger serve` names its address); nothing for PostgreSQL, which many share.
   */
  announce?(holder: string): void;
  /** An embedded database made by this opening (its directory held none). */
  created?: boolean;
  /** The embedded database's files as one archive, to start another from (`{ memory: true, from }`). */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

/** The embedded database is held by a process that will not let go soon (`serve`): said at once (exit 2). */
export class DatabaseBusy extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseBusy";
  }
}

const OID_INT8 = 20;
const OID_DATE = 1082;
const OID_NUMERIC = 1700;

const parseInt8 = (value: string): bigint => BigInt(value);
const keepText = (value: string): string => value;

// Bulk writes queue statements on their transaction's connection on purpose, so the server goes from
// one batch to the next without waiting for this process (db/bulk.ts). pg 8 runs such a queue and
// warns that pg 9 will not; this project pins pg 8, so that one notice is kept off users' screens.
const QUEUE_NOTICE = "Calling client.query() when the client is already executing a query";
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? warning : warning.message;
  if (text.startsWith(QUEUE_NOTICE)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

pg.types.setTypeParser(OID_INT8, parseInt8);
pg.types.setTypeParser(OID_DATE, keepText);
pg.types.setTypeParser(OID_NUMERIC, keepText);

export type DatabaseTarget =
  | { url: string; pool_max?: number }
  /**
   * `brief`: a command that opens the database for a query or two and exits. PostgreSQL's WebAssembly
   * then runs as V8 first compiles it, without the optimising compiler, whose work a short process
   * never earns back (it halves the CPU of a report on the embedded database; docs/performance.md).
   */
  | {
      dir: string;
      brief?: boolean;
      /** The demo's sample year: a few megabytes of books, which a small buffer pool holds whole. */
      sample?: boolean;
    }
  /** In memory; `from`: a dump of another embedded database to start from (PGlite's dumpDataDir). */
  | { memory: true; from?: Blob };

/**
 * PostgreSQL's buffer pool for a brief command or an in-memory database, instead of its default 128 MB.
 * PGlite zeroes the pool as it starts, in WebAssembly: about 0.4 s of every start on this project's
 * machine for 128 MB (docs/performance.md). A brief command reads a few pages once (a large scan goes
 * through a small ring of buffers whatever the pool's size, and the files stay in the system's cache);
 * an in-memory database holds its files in memory already; the demo's books are a few megabytes.
 * Imports, the service and `verify` on the books used for real keep the default.
 */
const SMALL_BUFFERS = "16MB";
const smallBuffers = (target: DatabaseTarget) =>
  "memory" in target || ("dir" in target && (target.brief === true || target.sample === true));

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ("url" in target) {
    const knex = knexFactory({
      client: "pg",
      connection: { connectionString: target.url, application_name: "parkledger" },
      pool: { min: 0, max: target.pool_max ?? 8 },
      // a failed connection is thrown to the caller, which says what is wrong; knex would also print its stack
      log: { error: () => {}, warn: () => {}, deprecate: () => {}, debug: () => {} },
    });
    return { knex, dialect: "postgres", location: redactUrl(target.url), close: () => knex.destroy() };
  }
  const dir = "dir" in target ? target.dir : undefined;
  let release = async (): Promise<void> => {};
  let from = "memory" in target ? target.from : undefined;
  let created = false;
  // a flag of the whole process, read when the module is compiled: only a process that opens nothing else sets it
  if ("dir" in target && target.brief === true) v8.setFlagsFromString("--liftoff-only");
  if (dir !== undefined) {
    fs.mkdirSync(dir, { recursive: true });
    release = await lockDataDir(dir);
    // a new directory is filled from the build's migrated copy, when it has one (./template.ts)
    created = !fs.existsSync(path.join(dir, "PG_VERSION"));
    if (created) from = usableTemplate() ?? undefined;
  }
  const announce = (holder: string) => {
    if (dir !== undefined) fs.writeFileSync(lockFileOf(dir), `${process.pid}\n${holder}\n`);
  };
  // loaded only for the embedded database: a command on PostgreSQL does without them
  const [{ PGlite }, { default: ClientPgLite }] = await Promise.all([
    importPackage<typeof import("@electric-sql/pglite")>("@electric-sql/pglite"),
    import("knex-pglite"),
  ]);
  const pglite = new PGlite({
    ...(dir !== undefined ? { dataDir: dir } : {}),
    ...(from !== undefined ? { loadDataDir: from } : {}),
    parsers: { [OID_INT8]: parseInt8, [OID_DATE]: keepText, [OID_NUMERIC]: keepText },
    ...(smallBuffers(target)
      ? { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SMALL_BUFFERS}`] }
      : {}),
  });
  await pglite.waitReady;
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: "postgres",
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
  return {
    knex,
    dialect: "pglite",
    location: dir ?? "(in memory)",
    created,
    announce,
    dump: () => pglite.dumpDataDir("none"),
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
      await release();
    },
  };
}

/** How long a command waits for another one using the same embedded database. */
const DATA_DIR_WAIT_MS = 60_000;

/**
 * The embedded database belongs to one process at a time: two PGlite instances on one directory
 * corrupt it. A lock file holds the owner's pid; a command waits for the owner to finish, and takes
 * over a lock left by a process that no longer runs.
 */
const lockFileOf = (dir: string) => path.join(dir, "..", `${path.basename(dir)}.lock`);

async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockFile = lockFileOf(dir);
  const started = Date.now();
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return async () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const [pid = "", holder = ""] = fs.readFileSync(lockFile, { encoding: "utf8", flag: "r" }).split("\n");
    const owner = Number(pid.trim());
    if (!Number.isInteger(owner) || owner <= 0 || !processRuns(owner)) {
      fs.rmSync(lockFile, { force: true }); // left behind by a process that is gone
      continue;
    }
    if (holder.trim() !== "")
      throw new DatabaseBusy(
        `the embedded database ${dir} is held by ${holder.trim()} (pid ${owner}), which runs until stopped. ` +
          `Use it over HTTP instead, stop it first (Ctrl-C), or run both on PostgreSQL (DATABASE_URL=postgres://…)`,
      );
    if (Date.now() - started > DATA_DIR_WAIT_MS) {
      throw new Error(
        `the embedded database ${dir} is in use by another parkledger process (pid ${owner}); try again when it has finished`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(database url)";
  }
}

/**
 * `knex.raw(sql, bindings)`, run on PostgreSQL as a statement each connection prepares once and then
 * reuses, so it is not parsed and planned at every run: for the statements a server runs most often,
 * whose planning costs more than their work (a group of HTTP receipts). PGlite runs it plainly.
 */
export function preparedRaw(knex: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[]): Knex.Raw {
  const raw = knex.raw(sql, bindings as Knex.RawBinding[]);
  if ((knex.client as { config?: { client?: unknown } }).config?.client !== "pg") return raw;
  let name = STATEMENT_NAMES.get(sql);
  if (name === undefined) {
    name = statementName(sql);
    if (STATEMENT_NAMES.size < 1000) STATEMENT_NAMES.set(sql, name);
  }
  return raw.options({ name });
}

const STATEMENT_NAMES = new Map<string, string>();

/** The name a statement is prepared under on a connection: the same text, the same name. */
export function statementName(sql: string): string {
  return `parkledger_${createHash("sha256").update(sql).digest("hex").slice(0, 32)}`;
}

/** A count or other integer read back from either driver, as a plain number. */
export function toCount(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") return Number(value);
  if (value === null || value === undefined) return 0;
  throw new Error(`not a count: ${String(value)}`);
}
