// `npm run bench`: how fast a year of treasury receipts imports into PostgreSQL, measured side by side
// with a plain COPY of the same file, and how fast the settlement and trial-balance reports answer on
// the result. Everything runs in a fresh database `parkledger_bench_<pid>`, dropped at the end (even
// on failure) unless KEEP=1.
//
// Then (unless RECONCILE=0) a second stage, in a second fresh database `parkledger_bench_<pid>_r`
// dropped the same way: the reconciliation (对账) of the year against a Bingtuan statement of the same
// size. The registry is the generated one with every stay moved to BZ, so nearly every receipt is
// Bingtuan's (the rest, from payers not in the registry, stay in suspense); the same receipts file is
// imported again, then a statement derived from it with known differences (rows dropped, amounts
// changed, receipts renumbered and redated, rows the prefecture never saw), and the reconciliation
// report is timed in process, written as JSON to a file as `--out` does, and run once from the command line.
//
//   RECEIPTS=50000 npm run bench                  # a quick run
//   npm run bench -- --receipts 1000000 --keep    # the same options as arguments
//
// Options (argument, else environment, else default): RECEIPTS (1000000), ENTERPRISES (5000),
// YEAR (2025), SEED (the demo seed), DATABASE_URL (admin URL, postgres://root@127.0.0.1:5432/postgres),
// KEEP (0), RECONCILE (1). The CSV files go to bench/out/ with their parameters in the name and are
// reused when present.

import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { parse as parseCsv } from "csv-parse/sync";
import type { Database } from "../src/db/database.js";
import type { ReceiptsImportResult } from "../src/import/receipts.js";
import type { Progress } from "../src/import/common.js";
import type { ReconciliationSummary } from "../reports/reconciliation.js";
import { Rng } from "../src/demo/prng.js";
import {
  DEMO_DEFAULTS,
  demoEnterprises,
  demoReceipts,
  enterprisesCsv,
  receiptsCsvLines,
  type DemoOptions,
} from "../src/demo/generate.js";

// What is measured is what users run: the compiled build (`npm run bench` builds it first), not the
// TypeScript sources through a loader.
const dist = (module: string) => new URL(`../dist/${module}`, import.meta.url).href;
const { openDatabase } = (await import(dist("src/db/database.js"))) as typeof import("../src/db/database.js");
const { migrate } = (await import(dist("src/db/migrate.js"))) as typeof import("../src/db/migrate.js");
const { importEnterprises } = (await import(
  dist("src/import/enterprises.js")
)) as typeof import("../src/import/enterprises.js");
const { importReceipts } = (await import(dist("src/import/receipts.js"))) as typeof import("../src/import/receipts.js");
const { ReferenceData } = (await import(
  dist("src/repositories/reference.js")
)) as typeof import("../src/repositories/reference.js");
const { settlementStatement } = (await import(
  dist("reports/settlement.js")
)) as typeof import("../reports/settlement.js");
const { trialBalance } = (await import(
  dist("reports/trial-balance.js")
)) as typeof import("../reports/trial-balance.js");
const { importStatements } = (await import(
  dist("src/import/statements.js")
)) as typeof import("../src/import/statements.js");
const { reconciliation } = (await import(
  dist("reports/reconciliation.js")
)) as typeof import("../reports/reconciliation.js");
const { FULL_VIEW } = (await import(dist("reports/viewer.js"))) as typeof import("../reports/viewer.js");
const { importIndicators } = (await import(
  dist("src/import/indicators.js")
)) as typeof import("../src/import/indicators.js");
const { indicatorsReport } = (await import(dist("reports/indicators.js"))) as typeof import("../reports/indicators.js");
const { demoIndicators } = (await import(dist("src/demo/indicators.js"))) as typeof import("../src/demo/indicators.js");
import { BAR_CLI_EMBEDDED_MS, BAR_CLI_POSTGRES_MS, cliStage, type CliStageResult, type CliTiming } from "./cli.js";
// the command line's own JSON writer, so the serialisation timed is the one `--format json` does
const { writeJsonFile, JSON_INDENT_ITEMS_MAX } = (await import(
  dist("src/cli/output.js")
)) as typeof import("../src/cli/output.js");

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = path.join(ROOT, "bench", "out");

/** The import of a year may take at most this many times as long as a bare COPY of the same file, in the same run. */
const BAR_IMPORT_COPY_RATIO = 20;
const BAR_SETTLEMENT_MS = 300;
const SETTLEMENT_RUNS = 20;
const TRIAL_BALANCE_RUNS = 10;
const OPERATORS = ["bingtuan", "urumqi"] as const;
const CLI_RUNS = 5;

const BAR_INDICATOR_REPORT_MS = 300;
const INDICATOR_REPORT_RUNS = 20;
const BAR_RECONCILIATION_MS = 10_000;
const RECONCILIATION_RUNS = 3;
const RECONCILIATION_CLI_RUNS = 3;
const RECONCILE_OPERATOR = "bingtuan";
const RECONCILE_PARK = "BZ";

// ---------------------------------------------------------------------------------------------
// Options

interface BenchOptions {
  receipts: number;
  enterprises: number;
  year: number;
  seed: number;
  adminUrl: string;
  keep: boolean;
  /** The second stage: reconciliation against a statement as large as the year. */
  reconcile: boolean;
  /** The command line's reports on the embedded database too (bench/cli.ts). */
  embedded: boolean;
}

/** `--name value`, `--name=value`, `NAME=value` or a bare `--flag` on the command line. */
function parseArgv(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const kv = /^(?:--)?([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/s.exec(arg);
    if (kv) {
      out.set(normaliseKey(kv[1]!), kv[2]!);
    } else if (arg.startsWith("--")) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        out.set(normaliseKey(arg.slice(2)), next);
        i++;
      } else out.set(normaliseKey(arg.slice(2)), "1");
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}; use --name value or NAME=value`);
    }
  }
  return out;
}

function normaliseKey(key: string): string {
  return key.toUpperCase().replaceAll("-", "_");
}

function loadOptions(): BenchOptions {
  const args = parseArgv(process.argv.slice(2));
  const known = new Set(["RECEIPTS", "ENTERPRISES", "YEAR", "SEED", "DATABASE_URL", "KEEP", "RECONCILE", "EMBEDDED"]);
  for (const key of args.keys())
    if (!known.has(key)) throw new Error(`unknown option ${key}; the options are ${[...known].join(", ")}`);
  const raw = (name: string): string | undefined => {
    const value = args.get(name) ?? process.env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number): number => {
    const text = raw(name);
    if (text === undefined) return fallback;
    const value = Number(text.replaceAll("_", ""));
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}: ${text}`);
    return value;
  };
  /** Unset: the default; 0, false, no or off: off; anything else (a bare `--keep` is "1"): on. */
  const flag = (name: string, fallback: boolean): boolean => {
    const text = raw(name)?.toLowerCase();
    return text === undefined ? fallback : !["0", "false", "no", "off"].includes(text);
  };
  return {
    receipts: int("RECEIPTS", 1_000_000, 1),
    enterprises: int("ENTERPRISES", 5_000, 1),
    year: int("YEAR", 2025, 1910),
    seed: int("SEED", DEMO_DEFAULTS.seed, 0),
    adminUrl: raw("DATABASE_URL") ?? "postgres://root@127.0.0.1:5432/postgres",
    keep: flag("KEEP", false),
    reconcile: flag("RECONCILE", true),
    embedded: flag("EMBEDDED", true),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const now = (): number => performance.now();
const say = (line: string): void => void process.stderr.write(line + "\n");
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function summary(samples: readonly number[]) {
  return {
    runs: samples.length,
    median_ms: round(median(samples), 2),
    p95_ms: round(percentile(samples, 95), 2),
    min_ms: round(Math.min(...samples), 2),
    max_ms: round(Math.max(...samples), 2),
    samples_ms: samples.map((s) => round(s, 2)),
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + database;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

// ---------------------------------------------------------------------------------------------
// CSV files

/** Writes the strings to `file` with backpressure, through a temporary name so a broken run leaves no half file to reuse. */
async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp, { highWaterMark: 1 << 20 });
  try {
    let chunk = "";
    for (const line of lines) {
      chunk += line;
      if (chunk.length >= 1 << 19) {
        if (!out.write(chunk)) await once(out, "drain");
        chunk = "";
      }
    }
    if (chunk !== "") out.write(chunk);
    out.end();
    await once(out, "finish");
    fs.renameSync(tmp, file);
  } catch (error) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

interface GeneratedFiles {
  enterprisesFile: string;
  receiptsFile: string;
  enterprises: { reused: boolean; ms: number; bytes: number; rows: number | null };
  receipts: { reused: boolean; ms: number; bytes: number };
}

async function generateFiles(opts: BenchOptions): Promise<GeneratedFiles> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const demo: DemoOptions = {
    year: opts.year,
    seed: opts.seed,
    enterprises: opts.enterprises,
    receipts: opts.receipts,
  };
  const stem = `y${opts.year}-s${opts.seed}-e${opts.enterprises}`;
  const enterprisesFile = path.join(OUT_DIR, `enterprises-${stem}.csv`);
  const receiptsFile = path.join(OUT_DIR, `receipts-${stem}-r${opts.receipts}.csv`);

  let registry: ReturnType<typeof demoEnterprises> | null = null;
  const registryOnce = () => (registry ??= demoEnterprises(demo));

  const eReused = fs.existsSync(enterprisesFile);
  let t = now();
  if (!eReused) await writeLines(enterprisesFile, [enterprisesCsv(registryOnce())]);
  const eMs = now() - t;
  say(`generate: ${path.relative(ROOT, enterprisesFile)} ${eReused ? "reused" : `written in ${fmtMs(eMs)}`}`);

  const rReused = fs.existsSync(receiptsFile);
  t = now();
  if (!rReused) await writeLines(receiptsFile, receiptsCsvLines(demoReceipts(demo, registryOnce())));
  const rMs = now() - t;
  say(`generate: ${path.relative(ROOT, receiptsFile)} ${rReused ? "reused" : `written in ${fmtMs(rMs)}`}`);

  return {
    enterprisesFile,
    receiptsFile,
    enterprises: {
      reused: eReused,
      ms: round(eMs),
      bytes: fs.statSync(enterprisesFile).size,
      rows: registry === null ? null : (registry as unknown[]).length,
    },
    receipts: { reused: rReused, ms: round(rMs), bytes: fs.statSync(receiptsFile).size },
  };
}

// ---------------------------------------------------------------------------------------------
// The reconciliation stage's files: the registry with every stay in BZ, and a Bingtuan statement
// derived from the receipts file with known differences.

/** Per 2,000 statement rows: how the statement differs from the prefecture's receipts. */
const STATEMENT_DROP_PER_2000 = 20; // 1 %: the operator never recorded it → missing_in_operator
const STATEMENT_AMOUNT_PER_2000 = 20; // 1 %: recorded 1.00 yuan higher → amount_mismatch
const STATEMENT_RENUMBER_PER_2000 = 10; // 0.5 %: another number, 1–2 days off → a probable pair
const STATEMENT_STREAM = 101; // a random stream of its own, independent of the demo generator's
/** Bumped whenever the derivation changes, so a cached statement from an older scheme is not reused. */
const STATEMENT_SCHEME = "v1";
const STATEMENT_HEADER = "receipt_no,uscc,tax_code,collected_on,amount";

interface StatementPlan {
  /** Data rows of the receipts file. */
  receipt_rows: number;
  /** Data rows of the statement (always as many as the receipts file has). */
  statement_rows: number;
  as_is: number;
  dropped: number;
  amount_changed: number;
  renumbered: number;
  /** Rows with new numbers appended to make up for the dropped ones. */
  extra: number;
}

interface ReconcileFiles {
  enterprisesFile: string;
  statementFile: string;
  enterprises: { reused: boolean; ms: number; rows: number };
  statement: { reused: boolean; ms: number; bytes: number; plan: StatementPlan | null };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The registry CSV with the park of every row set to BZ; stays keep their dates, so none overlap. */
function allInParkCsv(registryCsv: string, park: string): { csv: string; rows: number } {
  const records = parseCsv(registryCsv, { bom: true, relax_column_count: false }) as string[][];
  const header = records[0];
  const column = header?.indexOf("park") ?? -1;
  if (header === undefined || column < 0) throw new Error("the enterprises CSV has no park column");
  let csv = "";
  records.forEach((record, i) => {
    if (i > 0) record[column] = park;
    csv += record.map(csvField).join(",") + "\n";
  });
  return { csv, rows: records.length - 1 };
}

const fenOf = (amount: string): number => {
  if (!/^-?\d+\.\d{2}$/.test(amount)) throw new Error(`unexpected amount in the receipts CSV: ${amount}`);
  return Number(amount.replace(".", "")); // exact: a year's amounts are far below 2^53 fen
};

const yuanOf = (fen: number): string => {
  const abs = Math.abs(fen);
  return `${fen < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
};

/** `iso` moved by `days`, or by -`days` if that would leave its year (the statement is of one year). */
function shiftWithinYear(iso: string, days: number): string {
  const at = (d: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
  const moved = at(days);
  return moved.slice(0, 4) === iso.slice(0, 4) ? moved : at(-days);
}

/**
 * The statement lines (header first): every receipt row as receipt_no,uscc,tax_code,collected_on,amount,
 * refunds as their negative rows, except that a seeded draw drops ~1 %, raises the amount of ~1 % by
 * 1.00 yuan and renumbers ~0.5 % (number + "-X", date 1–2 days off); then rows with new numbers
 * ("OP<year>…", an enterprise and tax seen in the file, a date of the year, a random amount) bring the
 * count back to the receipts file's. Deterministic: the same file and seed give the same statement.
 */
function* statementLines(receiptsCsv: string, year: number, seed: number, plan: StatementPlan): Generator<string> {
  const rng = new Rng(seed, STATEMENT_STREAM);
  const firstEnd = receiptsCsv.indexOf("\n");
  const header = receiptsCsv.slice(0, firstEnd).replace(/^\uFEFF/, "");
  if (!header.startsWith(STATEMENT_HEADER + ","))
    throw new Error(`unexpected receipts CSV header: ${header.slice(0, 120)}`);
  yield STATEMENT_HEADER + "\n";
  /** Every 97th row's enterprise, tax and date, for the extra rows. */
  const sample: [string, string, string][] = [];
  let out = "";
  let at = firstEnd + 1;
  while (at < receiptsCsv.length) {
    let end = receiptsCsv.indexOf("\n", at);
    if (end < 0) end = receiptsCsv.length;
    const line = receiptsCsv.slice(at, end);
    at = end + 1;
    if (line === "") continue;
    if (line.includes('"')) throw new Error(`quoted field in the receipts CSV, not expected: ${line}`);
    const [receiptNo, uscc, taxCode, collectedOn, amount] = line.split(",", 5) as [
      string,
      string,
      string,
      string,
      string,
    ];
    plan.receipt_rows += 1;
    if (plan.receipt_rows % 97 === 0) sample.push([uscc, taxCode, collectedOn]);
    const roll = rng.below(2000);
    let fields: string[];
    if (roll < STATEMENT_DROP_PER_2000) {
      plan.dropped += 1;
      continue;
    } else if (roll < STATEMENT_DROP_PER_2000 + STATEMENT_AMOUNT_PER_2000) {
      plan.amount_changed += 1;
      const fen = fenOf(amount);
      fields = [receiptNo, uscc, taxCode, collectedOn, yuanOf(fen + 100 === 0 ? fen + 200 : fen + 100)];
    } else if (roll < STATEMENT_DROP_PER_2000 + STATEMENT_AMOUNT_PER_2000 + STATEMENT_RENUMBER_PER_2000) {
      plan.renumbered += 1;
      fields = [`${receiptNo}-X`, uscc, taxCode, shiftWithinYear(collectedOn, 1 + rng.below(2)), amount];
    } else {
      plan.as_is += 1;
      fields = [receiptNo, uscc, taxCode, collectedOn, amount];
    }
    plan.statement_rows += 1;
    out += fields.join(",") + "\n";
    if (out.length >= 1 << 16) {
      yield out;
      out = "";
    }
  }
  if (sample.length === 0 && plan.receipt_rows > 0) {
    // a file too small for the every-97th sample: take its rows from the start
    for (const line of receiptsCsv.slice(firstEnd + 1).split("\n", 97)) {
      const f = line.split(",");
      if (f.length >= 5) sample.push([f[1]!, f[2]!, f[3]!]);
    }
  }
  while (plan.statement_rows < plan.receipt_rows) {
    plan.extra += 1;
    plan.statement_rows += 1;
    const [uscc, taxCode, collectedOn] = rng.pick(sample);
    const fen = 100 + rng.below(9_999_900); // 1.00 … 99,999.99 yuan
    out += `OP${year}${String(plan.extra).padStart(7, "0")},${uscc},${taxCode},${collectedOn},${yuanOf(fen)}\n`;
    if (out.length >= 1 << 16) {
      yield out;
      out = "";
    }
  }
  if (out !== "") yield out;
}

async function generateReconcileFiles(opts: BenchOptions, files: GeneratedFiles): Promise<ReconcileFiles> {
  const stem = `y${opts.year}-s${opts.seed}-e${opts.enterprises}`;
  const enterprisesFile = path.join(OUT_DIR, `enterprises-${stem}-all${RECONCILE_PARK}.csv`);
  const statementFile = path.join(
    OUT_DIR,
    `statement-${RECONCILE_OPERATOR}-${stem}-r${opts.receipts}-${STATEMENT_SCHEME}.csv`,
  );
  const planFile = statementFile.replace(/\.csv$/, ".plan.json");

  const eReused = fs.existsSync(enterprisesFile);
  let t = now();
  const registry = allInParkCsv(fs.readFileSync(files.enterprisesFile, "utf8"), RECONCILE_PARK);
  if (!eReused) await writeLines(enterprisesFile, [registry.csv]);
  const eMs = now() - t;
  say(`generate: ${path.relative(ROOT, enterprisesFile)} ${eReused ? "reused" : `written in ${fmtMs(eMs)}`}`);

  const sReused = fs.existsSync(statementFile);
  let plan: StatementPlan | null = null;
  t = now();
  if (!sReused) {
    const fresh: StatementPlan = {
      receipt_rows: 0,
      statement_rows: 0,
      as_is: 0,
      dropped: 0,
      amount_changed: 0,
      renumbered: 0,
      extra: 0,
    };
    const receiptsCsv = fs.readFileSync(files.receiptsFile, "utf8");
    await writeLines(statementFile, statementLines(receiptsCsv, opts.year, opts.seed, fresh));
    fs.writeFileSync(planFile, JSON.stringify(fresh, null, 2) + "\n");
    plan = fresh;
  } else if (fs.existsSync(planFile)) {
    plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as StatementPlan;
  }
  const sMs = now() - t;
  say(`generate: ${path.relative(ROOT, statementFile)} ${sReused ? "reused" : `written in ${fmtMs(sMs)}`}`);

  return {
    enterprisesFile,
    statementFile,
    enterprises: { reused: eReused, ms: round(eMs), rows: registry.rows },
    statement: { reused: sReused, ms: round(sMs), bytes: fs.statSync(statementFile).size, plan },
  };
}

// ---------------------------------------------------------------------------------------------
// Where the import's time goes: every statement on a pg.Client timed from Node (send → result, or for
// COPY … FROM STDIN: start → the server's completion, which includes encoding the rows in Node),
// grouped by shape and by the import phase it ran in; CPU of this process and of the PostgreSQL
// processes. Hooked at the pg driver, so it sees knex queries and direct COPY streams alike.

type Phase = "reading" | "checking" | "booking" | "finishing";

interface StatementStats {
  label: string;
  count: number;
  ms: number;
  /** Each execution's time, in order, to see whether a statement slows down as the tables grow. */
  samples: number[];
}

interface CpuSnapshot {
  at: number;
  node: NodeJS.CpuUsage;
  postgres: Map<number, number> | null;
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;

class ImportProfiler {
  phase: Phase = "reading";
  readonly phaseStart: Record<Phase, number | null> = { reading: null, checking: null, booking: null, finishing: null };
  readonly phaseSqlMs: Record<Phase, number> = { reading: 0, checking: 0, booking: 0, finishing: 0 };
  readonly statements = new Map<string, StatementStats>();
  readonly cpuAt: Partial<Record<Phase | "end", CpuSnapshot>> = {};
  /** Clients whose statements are not the import's (the bench's own admin connection). */
  readonly ignored = new WeakSet<object>();
  private active = false;
  private original: QueryFn | null = null;

  install(): void {
    const proto = pg.Client.prototype as unknown as { query: QueryFn };
    const original = proto.query;
    this.original = original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    proto.query = function (this: pg.Client, ...args: unknown[]): unknown {
      if (!self.active || self.ignored.has(this)) return original.apply(this, args);
      const first = args[0] as { text?: unknown; submit?: unknown; once?: unknown } | string | undefined;
      const sql = typeof first === "string" ? first : typeof first?.text === "string" ? first.text : "";
      const finish = self.begin(sql);
      if (typeof first === "object" && typeof first.submit === "function" && typeof first.once === "function") {
        const stream = first as unknown as NodeJS.EventEmitter;
        stream.once("finish", finish);
        stream.once("error", finish);
        return original.apply(this, args);
      }
      const last = args[args.length - 1];
      if (typeof last === "function") {
        args[args.length - 1] = (...result: unknown[]) => {
          finish();
          return (last as (...a: unknown[]) => unknown)(...result);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args) as Promise<unknown> | undefined;
      if (result !== undefined && typeof result.then === "function") result.then(finish, finish);
      else finish();
      return result;
    };
  }

  uninstall(): void {
    if (this.original !== null) (pg.Client.prototype as unknown as { query: QueryFn }).query = this.original;
    this.original = null;
    this.active = false;
  }

  start(): void {
    this.active = true;
    this.enter("reading");
  }

  stop(): void {
    if (this.active) this.cpuAt.end = this.snapshot();
    this.active = false;
  }

  constructor(private readonly database: string) {}

  enter(phase: Phase): void {
    if (this.phaseStart[phase] !== null) return;
    this.phase = phase;
    this.phaseStart[phase] = now();
    this.cpuAt[phase] = this.snapshot();
  }

  private snapshot(): CpuSnapshot {
    return { at: now(), node: process.cpuUsage(), postgres: postgresCpu(this.database) };
  }

  /** Starts timing one statement; the returned function ends it (once). */
  private begin(rawSql: string): () => void {
    const sql = rawSql.replace(/\s+/g, " ").trim();
    // the first batch of originals is the start of booking (the progress event only comes after it)
    if (this.phase === "checking" && /from receipt_stage s left join enterprise_stays/.test(sql)) this.enter("booking");
    const phase = this.phase;
    const label = statementLabel(sql);
    const at = now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const ms = now() - at;
      this.phaseSqlMs[phase] += ms;
      const key = `${phase}|${label}`;
      const stats = this.statements.get(key) ?? { label, count: 0, ms: 0, samples: [] };
      stats.count += 1;
      stats.ms += ms;
      stats.samples.push(ms);
      this.statements.set(key, stats);
    };
  }
}

const STATEMENT_LABELS: [RegExp, string][] = [
  [/^select pg_advisory_xact_lock/, "journal lock"],
  [/^create temporary table receipt_stage/, "create receipt_stage"],
  [/^insert into receipt_stage/, "insert receipt_stage (unnest)"],
  [/^copy (\w+)/i, "COPY"],
  [/^create index on receipt_stage/, "index receipt_stage (receipt_no)"],
  [/^analyze receipt_stage/, "analyze receipt_stage"],
  [/^update receipt_stage s set action = 'same' where exists/, "mark repeats in file"],
  [/from receipt_stage s join receipts r on r\.receipt_no/, "reused numbers vs recorded"],
  [/^update receipt_stage s set action = 'same' from receipts/, "mark already recorded"],
  [/^select count\(\*\) filter \(where action = 'new'\)/, "count new rows"],
  [/^insert into "imports"/, "record import"],
  [/from receipt_stage s left join enterprise_stays/, "select originals batch"],
  [/from receipt_stage s left join receipts o/, "select refunds batch"],
  [/join lateral/, "reused numbers in file (lateral)"],
  [/^select refund_of_id, sum\(amount_fen\)/, "refunded so far"],
  [/^select nextval/, "reserve ids: nextval"],
  [/^select setval/, "reserve ids: setval"],
  [/^insert into journal_entries/, "insert journal_entries (unnest)"],
  [/^insert into journal_lines/, "insert journal_lines (unnest + trigger)"],
  [/^insert into receipts/, "insert receipts (unnest)"],
  [/^insert into balances/, "upsert balances"],
  [/^commit/i, "COMMIT"],
  [/^begin/i, "BEGIN"],
];

function statementLabel(sql: string): string {
  for (const [re, label] of STATEMENT_LABELS) {
    const m = re.exec(sql);
    if (m) return label === "COPY" ? `COPY ${m[1]} (encode + server)` : label;
  }
  return sql.length > 70 ? sql.slice(0, 67) + "…" : sql;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds used so far by each PostgreSQL process serving `database` (found by its process title,
 * "postgres: … user database host(port) …"), plus the WAL writer, checkpointer and background writer.
 * Synchronous, so it can run inside a progress callback; null when the server is not on this machine.
 */
function postgresCpu(database: string): Map<number, number> | null {
  if (process.platform !== "linux") return null;
  const cpu = new Map<number, number>();
  let backends = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (!title.startsWith("postgres:")) continue;
      const mine = title.includes(` ${database} `);
      if (!mine && !/: (walwriter|checkpointer|background writer)\b/.test(title)) continue;
      if (mine) backends++;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS); // utime, stime
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return backends > 0 ? cpu : null;
}

function cpuDeltaMs(
  before: Map<number, number> | null | undefined,
  after: Map<number, number> | null | undefined,
): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return round(total * 1000, 0);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface ProgressPrinter {
  onProgress: (p: Progress) => void;
  profiler: ImportProfiler;
}

function progressPrinter(profiler: ImportProfiler, started: () => number): ProgressPrinter {
  const lastDecile: Record<string, number> = {};
  return {
    profiler,
    onProgress: (p) => {
      if (p.phase === "reading" && p.total > 0 && p.done >= p.total) profiler.enter("checking");
      if (p.phase === "booking") {
        profiler.enter("booking");
        if (p.done >= p.total) profiler.enter("finishing");
      }
      const decile = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 10;
      if (decile > (lastDecile[p.phase] ?? 0)) {
        lastDecile[p.phase] = decile;
        say(`  import ${p.phase.padEnd(8)} ${String(decile * 10).padStart(3)}%  ${fmtMs(now() - started())}`);
      }
    },
  };
}

/**
 * The peak resident memory of this process (every thread) while something runs: the kernel's
 * high-water mark (VmHWM), reset just before (writing 5 to /proc/self/clear_refs), and, where that
 * cannot be reset, the largest of samples taken every 20 ms.
 */
class PeakMemory {
  private sampled = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly kernel: boolean;
  readonly before_mb: number;

  constructor() {
    this.before_mb = process.memoryUsage.rss() / 2 ** 20;
    let reset = false;
    try {
      fs.writeFileSync("/proc/self/clear_refs", "5");
      reset = true;
    } catch {
      // not Linux, or not allowed: sampling only
    }
    this.kernel = reset && highWaterMark() !== null;
    this.timer = setInterval(() => (this.sampled = Math.max(this.sampled, process.memoryUsage.rss())), 20);
  }

  stop(): { before_mb: number; peak_mb: number; growth_mb: number; how: string } {
    clearInterval(this.timer);
    this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
    const peak = this.kernel ? Math.max(highWaterMark()!, this.sampled) : this.sampled;
    return {
      before_mb: round(this.before_mb),
      peak_mb: round(peak / 2 ** 20),
      growth_mb: round(peak / 2 ** 20 - this.before_mb),
      how: this.kernel ? "VmHWM" : "sampled every 20 ms",
    };
  }
}

/** VmHWM of this process in bytes; null where /proc does not say. */
function highWaterMark(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

async function copyBaseline(url: string, file: string): Promise<{ ms: number; rows: number }> {
  const client = new pg.Client({ connectionString: url, application_name: "parkledger-bench-copy" });
  await client.connect();
  try {
    await client.query(`create table bare_receipts (
      receipt_no text, uscc text, tax_code text, collected_on text, amount text, scope text, tax_period text, refund_of text)`);
    await client.query("checkpoint").catch(() => undefined);
    const t = now();
    const copy = client.query(copyFrom("COPY bare_receipts FROM STDIN WITH (FORMAT csv, HEADER true)"));
    await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), copy);
    return { ms: now() - t, rows: copy.rowCount };
  } finally {
    await client.end();
  }
}

interface WalState {
  lsn: string;
  checkpoints: number;
}

/** The WAL position and the checkpoint count of the whole cluster (other databases' writes count too). */
async function walState(admin: pg.Client): Promise<WalState> {
  const { rows } = await admin.query<{ lsn: string; checkpoints: string }>(
    `select pg_current_wal_lsn()::text as lsn, (checkpoints_timed + checkpoints_req)::text as checkpoints from pg_stat_bgwriter`,
  );
  return { lsn: rows[0]!.lsn, checkpoints: Number(rows[0]!.checkpoints) };
}

function lsnToBytes(lsn: string): bigint {
  const [hi, lo] = lsn.split("/") as [string, string];
  return (BigInt("0x" + hi) << 32n) + BigInt("0x" + lo);
}

function walDelta(before: WalState, after: WalState): { wal_mb: number; checkpoints: number } {
  return {
    wal_mb: round(Number(lsnToBytes(after.lsn) - lsnToBytes(before.lsn)) / 2 ** 20),
    checkpoints: after.checkpoints - before.checkpoints,
  };
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await fn();
    samples.push(now() - t);
  }
  return samples;
}

/** Newest modification time of the TypeScript sources the CLI is built from, and of the built entry point. */
function distState(): { present: boolean; possibly_stale: boolean } {
  const entry = path.join(ROOT, "dist", "src", "cli", "main.js");
  if (!fs.existsSync(entry)) return { present: false, possibly_stale: false };
  let newest = 0;
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const dir of ["src", "ledger", "migrations", "reports"])
    if (fs.existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir));
  return { present: true, possibly_stale: newest > fs.statSync(entry).mtimeMs };
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t = now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: now() - t }));
  });
}

/** The environment for child processes: no loader hooks inherited from tsx. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** The commit measured, and whether the working tree differs from it (the code moves while benches run). */
async function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const head = await run("git", ["rev-parse", "--short", "HEAD"], process.env);
    const status = await run(
      "git",
      ["status", "--porcelain", "--", "src", "ledger", "migrations", "reports"],
      process.env,
    );
    if (head.code !== 0) return { commit: null, dirty: null };
    return { commit: head.stdout.trim(), dirty: status.code === 0 ? status.stdout.trim() !== "" : null };
  } catch {
    return { commit: null, dirty: null };
  }
}

async function ensureBuilt(): Promise<{ present: boolean; possibly_stale: boolean; built_now: boolean }> {
  let state = distState();
  if (state.present) return { ...state, built_now: false };
  say("cli: dist/ is missing; building with tsc -p tsconfig.build.json");
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const r = await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], childEnv({}));
  if (r.code !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${r.stdout}${r.stderr}`);
  state = distState();
  return { ...state, built_now: true };
}

// ---------------------------------------------------------------------------------------------
// The reconciliation stage

interface ReconcileResults {
  database: string;
  files: {
    enterprises_all_bz: { file: string; reused: boolean; ms: number; rows: number };
    statement: { file: string; reused: boolean; ms: number; bytes: number; plan: StatementPlan | null };
  };
  setup: { migrate_ms: number; enterprises_import_ms: number; enterprise_stays: number };
  import_receipts: {
    ms: number;
    rows: number;
    receipts_per_s: number;
    result: { new_rows: number; receipts: number; refunds: number; suspense: number };
    booked_in_park: number;
  };
  import_statements: { ms: number; rows: number; new_rows: number; rows_per_s: number };
  reconciliation: ReturnType<typeof summary> & {
    operator: string;
    park: string;
    warmup_ms: number;
    reference_load_ms: number;
    items: number;
    anomalies: Record<string, number>;
    summary: ReconciliationSummary;
  };
  json: { ms: number; bytes: number } | { error: string };
  cli: {
    command: string;
    /** median of the runs */
    wall_ms: number;
    wall_samples_ms: number[];
    exit_code: number | null;
    out_bytes: number | null;
    summary_agrees: boolean | null;
    stderr_tail: string;
  };
  /** What the bar is judged on: the command line's median wall time, start-up to the JSON file written. */
  bar_ms: number | null;
}

/** A decile-by-decile progress line for an import, like the first stage's. */
function decileProgress(label: string, started: () => number): (p: Progress) => void {
  const lastDecile: Record<string, number> = {};
  return (p) => {
    const decile = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 10;
    if (decile > (lastDecile[p.phase] ?? 0)) {
      lastDecile[p.phase] = decile;
      say(`  ${label} ${p.phase.padEnd(8)} ${String(decile * 10).padStart(3)}%  ${fmtMs(now() - started())}`);
    }
  };
}

/**
 * The second stage in its own fresh database (created here; dropped by the caller, which also drops
 * it on a failure or an interrupt): registry all in BZ, the same receipts, the statement, then the
 * reconciliation in process (warm-up, then timed runs), its JSON, and the command line once.
 */
async function reconcileStage(
  opts: BenchOptions,
  files: GeneratedFiles,
  admin: pg.Client,
  dbName: string,
  url: string,
): Promise<ReconcileResults> {
  say("");
  say(`reconcile: a registry all in ${RECONCILE_PARK} and a ${RECONCILE_OPERATOR} statement of the same year`);
  const rfiles = await generateReconcileFiles(opts, files);
  await admin.query(`drop database if exists ${quoteIdent(dbName)} with (force)`);
  await admin.query(`create database ${quoteIdent(dbName)}`);
  say(`reconcile: created database ${dbName}${opts.keep ? " (KEEP=1: it stays after the run)" : ""}`);
  const db = await openDatabase({ url });
  try {
    let t = now();
    await migrate(db);
    const migrateMs = now() - t;
    t = now();
    const ent = await importEnterprises(db, rfiles.enterprisesFile);
    const enterprisesMs = now() - t;
    say(`reconcile: enterprises imported in ${fmtMs(enterprisesMs)} (${ent.new_stays} stays, all in BZ)`);

    await db.knex.raw("checkpoint").catch(() => undefined);
    say("reconcile: importReceipts (the same file as above) …");
    let started = now();
    const receipts = await importReceipts(db, files.receiptsFile, {
      onProgress: decileProgress("import", () => started),
    });
    const receiptsMs = now() - started;
    if (receipts.already_imported) throw new Error("the receipts file was already imported into a fresh database?");
    const receiptsPerS = receipts.rows / (receiptsMs / 1000);
    const inPark = Number(
      (
        await db.knex.raw(`select count(*) as n from receipts where park = ? and fiscal_year = ?`, [
          RECONCILE_PARK,
          opts.year,
        ])
      ).rows[0].n,
    );
    say(
      `reconcile: imported ${fmtInt(receipts.rows)} receipts in ${fmtMs(receiptsMs)} (${fmtInt(receiptsPerS)} receipts/s); ${fmtInt(inPark)} in ${RECONCILE_PARK}, ${fmtInt(receipts.suspense)} in suspense`,
    );

    say(`reconcile: importStatements ${RECONCILE_OPERATOR} …`);
    started = now();
    const statements = await importStatements(db, RECONCILE_OPERATOR, rfiles.statementFile, {
      onProgress: decileProgress("statement", () => started),
    });
    const statementsMs = now() - started;
    if (statements.already_imported) throw new Error("the statement was already imported into a fresh database?");
    const statementsPerS = statements.rows / (statementsMs / 1000);
    say(
      `reconcile: imported ${fmtInt(statements.rows)} statement rows in ${fmtMs(statementsMs)} (${fmtInt(statementsPerS)} rows/s)`,
    );

    // the steady state after a load: statistics fresh and the visibility map set, so autovacuum does
    // not start on a million new rows in the middle of the timings
    t = now();
    await db.knex.raw("vacuum analyze");
    say(`reconcile: vacuum analyze ${fmtMs(now() - t)}`);
    t = now();
    const ref = await ReferenceData.load(db.knex);
    const refMs = now() - t;
    say(`reconcile: reconciliation ${opts.year} ${RECONCILE_OPERATOR}: warm-up …`);
    t = now();
    await reconciliation(db.knex, ref, opts.year, RECONCILE_OPERATOR, FULL_VIEW);
    const warmupMs = now() - t;
    say(`reconcile: warm-up ${fmtMs(warmupMs)}; ${RECONCILIATION_RUNS} timed runs …`);
    const samples: number[] = [];
    let result: Awaited<ReturnType<typeof reconciliation>> | null = null;
    for (let i = 0; i < RECONCILIATION_RUNS; i++) {
      result = null; // let the previous run's result go before the next one is built
      t = now();
      result = await reconciliation(db.knex, ref, opts.year, RECONCILE_OPERATOR, FULL_VIEW);
      samples.push(now() - t);
      say(`  run ${i + 1}: ${fmtMs(samples[i]!)}`);
    }
    const r = result!;
    const anomalies: Record<string, number> = {};
    for (const a of r.anomalies) anomalies[a.kind] = (anomalies[a.kind] ?? 0) + 1;

    let json: ReconcileResults["json"];
    try {
      const jsonFile = path.join(os.tmpdir(), `parkledger-bench-${process.pid}-reconciliation-inprocess.json`);
      t = now();
      await writeJsonFile(jsonFile, r, r.items.length > JSON_INDENT_ITEMS_MAX); // as the CLI writes --out
      const jsonMs = now() - t;
      json = { ms: round(jsonMs, 0), bytes: fs.statSync(jsonFile).size };
      fs.rmSync(jsonFile, { force: true });
      say(`reconcile: JSON ${fmtMs(jsonMs)}, ${(json.bytes / 2 ** 20).toFixed(1)} MiB`);
    } catch (error) {
      // a string past V8's length limit, say: a finding, not a reason to lose the other figures
      json = { error: error instanceof Error ? error.message : String(error) };
      say(`reconcile: JSON serialisation failed: ${json.error}`);
    }
    const summaryOf = { ...r.summary };
    result = null;

    // The command line, once: start-up, reference data, the report, JSON written to --out.
    const outFile = path.join(os.tmpdir(), `parkledger-bench-${process.pid}-reconciliation.json`);
    const args = [
      "bin/parkledger.js",
      "report",
      "reconciliation",
      "--year",
      String(opts.year),
      "--operator",
      RECONCILE_OPERATOR,
      "--format",
      "json",
      "--out",
      outFile,
    ];
    let cli: ReconcileResults["cli"];
    try {
      say(`reconcile: CLI report reconciliation, ${RECONCILIATION_CLI_RUNS} runs …`);
      const walls: number[] = [];
      let c = await run(process.execPath, args, childEnv({ DATABASE_URL: url }));
      walls.push(c.ms);
      for (let i = 1; i < RECONCILIATION_CLI_RUNS && c.code === 0; i++) {
        say(`  run ${i}: ${fmtMs(c.ms)}`);
        c = await run(process.execPath, args, childEnv({ DATABASE_URL: url }));
        walls.push(c.ms);
      }
      say(`  run ${walls.length}: ${fmtMs(c.ms)}`);
      const outBytes = c.code === 0 && fs.existsSync(outFile) ? fs.statSync(outFile).size : null;
      cli = {
        command: `node ${args.slice(0, -1).join(" ")} <tmpfile>`,
        wall_ms: round(median(walls), 0),
        wall_samples_ms: walls.map((w) => round(w, 0)),
        exit_code: c.code,
        out_bytes: outBytes,
        summary_agrees: outBytes === null ? null : cliSummaryAgrees(outFile, summaryOf),
        stderr_tail: c.stderr.trim().split("\n").slice(-5).join("\n"),
      };
      say(
        c.code === 0
          ? `reconcile: CLI median ${fmtMs(median(walls))}, ${((outBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`
          : `reconcile: CLI exited with ${c.code}:\n${cli.stderr_tail}`,
      );
    } finally {
      fs.rmSync(outFile, { force: true });
    }

    return {
      database: redact(url),
      files: {
        enterprises_all_bz: { file: path.relative(ROOT, rfiles.enterprisesFile), ...rfiles.enterprises },
        statement: { file: path.relative(ROOT, rfiles.statementFile), ...rfiles.statement },
      },
      setup: {
        migrate_ms: round(migrateMs, 0),
        enterprises_import_ms: round(enterprisesMs, 0),
        enterprise_stays: ent.new_stays,
      },
      import_receipts: {
        ms: round(receiptsMs, 0),
        rows: receipts.rows,
        receipts_per_s: Math.round(receiptsPerS),
        result: {
          new_rows: receipts.new_rows,
          receipts: receipts.receipts,
          refunds: receipts.refunds,
          suspense: receipts.suspense,
        },
        booked_in_park: inPark,
      },
      import_statements: {
        ms: round(statementsMs, 0),
        rows: statements.rows,
        new_rows: statements.new_rows,
        rows_per_s: Math.round(statementsPerS),
      },
      reconciliation: {
        operator: RECONCILE_OPERATOR,
        park: r.park ?? (r.parks ?? []).join("+"),
        ...summary(samples),
        warmup_ms: round(warmupMs, 0),
        reference_load_ms: round(refMs, 1),
        items: r.items.length,
        anomalies,
        summary: summaryOf,
      },
      json,
      cli,
      bar_ms: cli.exit_code === 0 ? cli.wall_ms : null,
    };
  } finally {
    await db.close().catch((error) => say(`reconcile: closing the database failed: ${String(error)}`));
  }
}

/** Whether the summary at the head of the CLI's JSON file is the in-process one (without parsing it all). */
function cliSummaryAgrees(file: string, expected: ReconciliationSummary): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const m = /"summary":\s*(\{[^}]*\})/.exec(head.subarray(0, n).toString("utf8"));
    return m !== null && JSON.stringify(JSON.parse(m[1]!)) === JSON.stringify(expected);
  } finally {
    fs.closeSync(fd);
  }
}

async function main(): Promise<void> {
  const opts = loadOptions();
  const dbName = `parkledger_bench_${process.pid}`;
  const benchUrl = withDatabase(opts.adminUrl, dbName);
  const dbNameR = `${dbName}_r`; // the reconciliation stage's
  const benchUrlR = withDatabase(opts.adminUrl, dbNameR);
  const ours = opts.reconcile ? [dbName, dbNameR] : [dbName];
  const oursText = ours.join(" and ");
  say(
    `bench: ${fmtInt(opts.receipts)} receipts, ${fmtInt(opts.enterprises)} enterprises, year ${opts.year}, seed ${opts.seed}`,
  );

  const code = await gitState(); // now: the modules are loaded, whatever changes on disk later
  const files = await generateFiles(opts);

  const admin = new pg.Client({ connectionString: opts.adminUrl, application_name: "parkledger-bench-admin" });
  await admin.connect();
  let db: Database | null = null;
  // One drop, shared by the normal end, a failure and an interrupt (which may all want it).
  let dropping: Promise<void> | null = null;
  // Both databases, each tried even if the other fails; "if exists", as the second may not exist yet.
  const dropDatabase = (): Promise<void> =>
    (dropping ??= opts.keep
      ? Promise.resolve()
      : (async () => {
          const failures: string[] = [];
          for (const name of ours) {
            try {
              await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
            } catch (error) {
              failures.push(`${name}: ${String(error)}`);
            }
          }
          if (failures.length > 0) throw new Error(failures.join("; "));
        })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.exitCode = 130;
    if (opts.keep) {
      say(`bench: ${signal}; stopping, KEEP=1: ${oursText} stay`);
      process.exit(130);
    }
    say(`bench: ${signal}; stopping and dropping ${oursText}`);
    // connections ended by the drop fail in flight; nothing they report matters any more
    process.on("uncaughtException", () => undefined);
    dropDatabase()
      .then(() => say(`bench: dropped ${oursText}`))
      .catch((error) => say(`bench: could not drop ${oursText}: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    await admin.query(`drop database if exists ${quoteIdent(dbName)} with (force)`);
    await admin.query(`create database ${quoteIdent(dbName)}`);
    say(`bench: created database ${dbName}${opts.keep ? " (KEEP=1: it stays after the run)" : ""}`);
    const pgVersion = (await admin.query<{ version: string }>("select version()")).rows[0]!.version;
    const pgSettings = Object.fromEntries(
      (
        await admin.query<{ name: string; setting: string; unit: string | null }>(
          `select name, setting, unit from pg_settings where name = any($1) order by name`,
          [
            [
              "shared_buffers",
              "work_mem",
              "maintenance_work_mem",
              "synchronous_commit",
              "fsync",
              "wal_level",
              "max_wal_size",
              "checkpoint_timeout",
              "full_page_writes",
            ],
          ],
        )
      ).rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]),
    );

    db = await openDatabase({ url: benchUrl });
    let t = now();
    await migrate(db);
    const migrateMs = now() - t;

    t = now();
    const ent = await importEnterprises(db, files.enterprisesFile);
    const enterprisesMs = now() - t;
    say(
      `bench: enterprises imported in ${fmtMs(enterprisesMs)} (${ent.new_stays} stays of ${ent.enterprises} enterprises)`,
    );

    // Baseline and the real import back to back, so they see the same machine.
    say("bench: COPY baseline …");
    const walBeforeCopy = await walState(admin);
    const copy = await copyBaseline(benchUrl, files.receiptsFile);
    const copyWal = walDelta(walBeforeCopy, await walState(admin));
    say(`bench: COPY ${fmtInt(copy.rows)} rows in ${fmtMs(copy.ms)}`);

    await db.knex.raw("checkpoint").catch(() => undefined);
    const walBeforeImport = await walState(admin);
    const profiler = new ImportProfiler(dbName);
    profiler.ignored.add(admin);
    let importStart = 0;
    const printer = progressPrinter(profiler, () => importStart);
    profiler.install();
    say("bench: importReceipts …");
    let result: ReceiptsImportResult;
    const memory = new PeakMemory();
    let importMemory: ReturnType<PeakMemory["stop"]>;
    try {
      importStart = now();
      profiler.start();
      result = await importReceipts(db, files.receiptsFile, { onProgress: printer.onProgress });
    } finally {
      importMemory = memory.stop();
      profiler.stop();
      profiler.uninstall();
    }
    const importEnd = now();
    const importMs = importEnd - importStart;
    const importWal = walDelta(walBeforeImport, await walState(admin));
    const cpuStart = profiler.cpuAt.reading!;
    const cpuEnd = profiler.cpuAt.end!;
    const cpuNode = { user: cpuEnd.node.user - cpuStart.node.user, system: cpuEnd.node.system - cpuStart.node.system };
    const cpuPostgresMs = cpuDeltaMs(cpuStart.postgres, cpuEnd.postgres);
    if (result.already_imported) throw new Error("the receipts file was already imported into a fresh database?");
    if (result.new_rows + result.unchanged_rows !== result.rows)
      say(`bench: warning: ${result.rows} rows but ${result.new_rows} new + ${result.unchanged_rows} unchanged`);
    const receiptsPerS = result.rows / (importMs / 1000);
    const copyRatio = importMs / copy.ms;
    say(
      `bench: imported ${fmtInt(result.rows)} rows in ${fmtMs(importMs)} (${fmtInt(receiptsPerS)} receipts/s, ${copyRatio.toFixed(1)}× COPY)`,
    );

    const phaseOrder: Phase[] = ["reading", "checking", "booking", "finishing"];
    const phases = phaseOrder.map((phase, i) => {
      const start = profiler.phaseStart[phase];
      const next = phaseOrder.slice(i + 1).find((p) => profiler.phaseStart[p] !== null);
      const wall = start === null ? 0 : (next === undefined ? importEnd : profiler.phaseStart[next]!) - start;
      const sql = profiler.phaseSqlMs[phase];
      const from = profiler.cpuAt[phase];
      const to = next === undefined ? profiler.cpuAt.end : profiler.cpuAt[next];
      const nodeCpu = from && to ? (to.node.user - from.node.user + to.node.system - from.node.system) / 1000 : null;
      return {
        phase,
        wall_ms: round(wall, 0),
        share_pct: round((wall / importMs) * 100),
        sql_ms: round(sql, 0),
        between_sql_ms: round(Math.max(0, wall - sql), 0),
        node_cpu_ms: nodeCpu === null ? null : round(nodeCpu, 0),
        postgres_cpu_ms: cpuDeltaMs(from?.postgres, to?.postgres),
      };
    });
    const statements = [...profiler.statements.entries()]
      .map(([key, s]) => {
        const tenth = Math.max(1, Math.floor(s.samples.length / 10));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        return {
          phase: key.split("|")[0] as Phase,
          statement: s.label,
          count: s.count,
          total_ms: round(s.ms, 0),
          mean_ms: round(s.ms / s.count, 2),
          /** Mean of the first and of the last tenth of the executions: growth with table size shows here. */
          first_tenth_mean_ms: round(mean(s.samples.slice(0, tenth)), 2),
          last_tenth_mean_ms: round(mean(s.samples.slice(-tenth)), 2),
        };
      })
      .sort((a, b) => b.total_ms - a.total_ms);
    const sqlTotalMs = statements.reduce((n, s) => n + s.total_ms, 0);

    // Reports on the imported year.
    await db.knex.raw("analyze");
    const sizes = (
      await db.knex.raw(`select relname as table, pg_total_relation_size(c.oid) as bytes, c.reltuples::bigint as rows
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and relname in ('receipts', 'journal_entries', 'journal_lines', 'balances', 'bare_receipts')
        order by 2 desc`)
    ).rows.map((r: { table: string; bytes: bigint; rows: bigint }) => ({
      table: r.table,
      mb: round(Number(r.bytes) / 2 ** 20),
      rows: Number(r.rows),
    }));

    const ref = await ReferenceData.load(db.knex);
    const settlement: Record<string, ReturnType<typeof summary>> = {};
    for (const operator of OPERATORS) {
      await settlementStatement(db.knex, ref, opts.year, operator); // warm-up
      settlement[operator] = summary(
        await timeRuns(SETTLEMENT_RUNS, () => settlementStatement(db!.knex, ref, opts.year, operator)),
      );
    }
    await trialBalance(db.knex, ref, opts.year, "prefecture"); // warm-up
    const trial = summary(
      await timeRuns(TRIAL_BALANCE_RUNS, () => trialBalance(db!.knex, ref, opts.year, "prefecture")),
    );

    // The indicator report, on the same database: a year of reports for every park and indicator and a
    // revision file, whose attribution entries sit among the year's million receipt entries.
    const indicatorFiles = demoIndicators(opts.year, opts.seed, 12);
    let indicatorEntries = 0;
    for (const [name, text] of [
      ["indicators", indicatorFiles.reports],
      ["indicators-revised", indicatorFiles.revisions],
    ] as const) {
      const file = path.join(OUT_DIR, `${name}-${opts.year}-s${opts.seed}.csv`);
      fs.writeFileSync(file, text);
      indicatorEntries += (await importIndicators(db, file)).entries_posted;
    }
    const indicatorRef = await ReferenceData.load(db.knex);
    await indicatorsReport(db.knex, indicatorRef, opts.year, "BZ"); // warm-up
    const indicators = {
      entries: indicatorEntries,
      ...summary(
        await timeRuns(INDICATOR_REPORT_RUNS, () => indicatorsReport(db!.knex, indicatorRef, opts.year, "BZ")),
      ),
    };
    say(
      `indicators: ${indicatorEntries} attribution entries; report BZ median ${indicators.median_ms.toFixed(1)} ms, p95 ${indicators.p95_ms.toFixed(1)} ms`,
    );

    // The full command line: node start-up, config, migrate check, reference data, the report, JSON out.
    const dist = await ensureBuilt();
    if (dist.possibly_stale)
      say("cli: note: some sources are newer than dist/; run `npm run build` if the CLI figure matters");
    const nodeStart = await run(process.execPath, ["-e", "0"], childEnv({}));
    const cli = await run(
      process.execPath,
      [
        "bin/parkledger.js",
        "report",
        "settlement",
        "--year",
        String(opts.year),
        "--operator",
        "bingtuan",
        "--format",
        "json",
      ],
      childEnv({ DATABASE_URL: benchUrl }),
    );
    if (cli.code !== 0) throw new Error(`parkledger report settlement exited with ${cli.code}:\n${cli.stderr}`);
    const cliStatement = JSON.parse(cli.stdout) as { totals?: { local_revenue?: string } };
    const inProcess = await settlementStatement(db.knex, ref, opts.year, "bingtuan");
    const cliAgrees = cliStatement.totals?.local_revenue === inProcess.totals.local_revenue;

    // Every report command, on PostgreSQL and on the embedded database (bench/cli.ts).
    const commands = await cliStage({
      url: benchUrl,
      year: opts.year,
      files: { enterprises: files.enterprisesFile, receipts: files.receiptsFile },
      uscc: (await db.knex("enterprises").first("uscc").orderBy("uscc")).uscc as string,
      embedded: opts.embedded,
      runs: CLI_RUNS,
      say,
    });

    // Second stage: the reconciliation, in its own database.
    const recon = opts.reconcile ? await reconcileStage(opts, files, admin, dbNameR, benchUrlR) : null;

    // Results
    const worstSettlementP95 = Math.max(...OPERATORS.map((o) => settlement[o]!.p95_ms));
    const bars = [
      {
        bar: `import ≤ ${BAR_IMPORT_COPY_RATIO}× COPY`,
        measured: `${copyRatio.toFixed(1)}× (${fmtInt(receiptsPerS)} receipts/s)`,
        pass: copyRatio <= BAR_IMPORT_COPY_RATIO,
      },
      {
        bar: `settlement report < ${BAR_SETTLEMENT_MS} ms`,
        measured: `p95 ${worstSettlementP95.toFixed(1)} ms (worse operator, in process)`,
        pass: worstSettlementP95 < BAR_SETTLEMENT_MS,
      },
    ];
    bars.push({
      bar: `indicator report < ${BAR_INDICATOR_REPORT_MS} ms`,
      measured: `p95 ${indicators.p95_ms.toFixed(1)} ms (BZ, in process)`,
      pass: indicators.p95_ms < BAR_INDICATOR_REPORT_MS,
    });
    const slowest = (timings: CliTiming[]) => timings.reduce((a, b) => (b.median_ms > a.median_ms ? b : a));
    const pgSlowest = slowest(commands.postgres);
    bars.push({
      bar: `every report command ≤ ${BAR_CLI_POSTGRES_MS} ms (PostgreSQL)`,
      measured: `slowest ${pgSlowest.command.split(" --")[0]} ${pgSlowest.median_ms.toFixed(0)} ms (median of ${CLI_RUNS}); node -e 0 ${commands.node_start_ms.toFixed(0)} ms`,
      pass: pgSlowest.median_ms <= BAR_CLI_POSTGRES_MS,
    });
    if (commands.embedded !== null) {
      const emSlowest = slowest(commands.embedded.timings);
      bars.push({
        bar: `every report command ≤ ${BAR_CLI_EMBEDDED_MS} ms (embedded)`,
        measured: `slowest ${emSlowest.command.split(" --")[0]} ${emSlowest.median_ms.toFixed(0)} ms (median of ${CLI_RUNS})`,
        pass: emSlowest.median_ms <= BAR_CLI_EMBEDDED_MS,
      });
    }
    if (recon !== null) {
      const rc = recon.reconciliation;
      bars.push({
        bar: `reconciliation < ${BAR_RECONCILIATION_MS / 1000} s`,
        measured: `command line ${fmtMs(recon.cli.wall_ms)} (median of ${recon.cli.wall_samples_ms.length}, ${fmtInt(rc.items)} items to JSON); in process ${fmtMs(rc.median_ms)}${"ms" in recon.json ? ` + JSON ${fmtMs(recon.json.ms)}` : ""}`,
        pass: recon.bar_ms !== null && recon.bar_ms < BAR_RECONCILIATION_MS,
      });
    }
    const cpus = os.cpus();
    const results = {
      when: new Date().toISOString(),
      code,
      parameters: {
        receipts: opts.receipts,
        enterprises: opts.enterprises,
        year: opts.year,
        seed: opts.seed,
        database: redact(benchUrl),
        keep: opts.keep,
        reconcile: opts.reconcile,
      },
      machine: {
        cpus: cpus.length,
        cpu_model: cpus[0]?.model ?? null,
        total_memory_gb: round(os.totalmem() / 2 ** 30),
        load_average: os.loadavg().map((l) => round(l, 2)),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        postgres: pgVersion,
        postgres_settings: pgSettings,
      },
      files: {
        enterprises: { file: path.relative(ROOT, files.enterprisesFile), ...files.enterprises },
        receipts: { file: path.relative(ROOT, files.receiptsFile), ...files.receipts },
      },
      setup: {
        migrate_ms: round(migrateMs, 0),
        enterprises_import_ms: round(enterprisesMs, 0),
        enterprise_stays: ent.new_stays,
        enterprises: ent.enterprises,
      },
      copy_baseline: {
        ms: round(copy.ms, 0),
        rows: copy.rows,
        rows_per_s: Math.round(copy.rows / (copy.ms / 1000)),
        ...copyWal,
      },
      import: {
        ms: round(importMs, 0),
        rows: result.rows,
        receipts_per_s: Math.round(receiptsPerS),
        copy_ratio: round(copyRatio, 2),
        result: {
          new_rows: result.new_rows,
          unchanged_rows: result.unchanged_rows,
          receipts: result.receipts,
          refunds: result.refunds,
          suspense: result.suspense,
          prior_year_adjustments: result.prior_year_adjustments,
        },
        phases,
        sql_total_ms: round(sqlTotalMs, 0),
        statements,
        cpu: {
          node_user_ms: round(cpuNode.user / 1000, 0),
          node_system_ms: round(cpuNode.system / 1000, 0),
          postgres_ms: cpuPostgresMs,
          /** Cores busy on average: (Node + PostgreSQL CPU) / wall. 1.0 means they mostly take turns. */
          parallelism:
            cpuPostgresMs === null
              ? null
              : round((cpuNode.user + cpuNode.system) / 1000 / importMs + cpuPostgresMs / importMs, 2),
        },
        table_sizes: sizes,
        memory: importMemory,
        ...importWal,
      },
      reports: {
        settlement,
        indicators,
        trial_balance_prefecture: trial,
        cli_settlement_bingtuan: {
          wall_ms: round(cli.ms, 0),
          node_startup_ms: round(nodeStart.ms, 0),
          agrees_with_in_process: cliAgrees,
          dist,
        },
        command_line: commands,
      },
      reconciliation: recon,
      bars,
    };
    const stamp = results.when.replace(/[:.]/g, "-");
    const resultsFile = path.join(OUT_DIR, `results-${stamp}.json`);
    fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");

    printResults(results, path.relative(ROOT, resultsFile));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (db !== null) await db.close().catch((error) => say(`bench: closing the database failed: ${String(error)}`));
    try {
      if (opts.keep)
        say(
          `bench: KEEP=1, database kept: ${redact(benchUrl)}${opts.reconcile ? ` (reconciliation stage: ${redact(benchUrlR)}, if it got that far)` : ""}`,
        );
      else {
        await dropDatabase();
        if (!interrupted) say(`bench: dropped ${oursText}`);
      }
    } catch (error) {
      say(`bench: could not drop ${oursText}: ${String(error)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output

function table(rows: string[][], align: ("l" | "r")[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? "")].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

type Results = {
  code: { commit: string | null; dirty: boolean | null };
  parameters: { receipts: number; enterprises: number; year: number; seed: number };
  machine: { cpus: number; node: string; postgres: string; load_average: number[] };
  files: { enterprises: { reused: boolean; ms: number }; receipts: { reused: boolean; ms: number; bytes: number } };
  setup: { enterprises_import_ms: number };
  copy_baseline: { ms: number; rows: number; rows_per_s: number; wal_mb: number; checkpoints: number };
  import: {
    ms: number;
    rows: number;
    receipts_per_s: number;
    copy_ratio: number;
    result: { receipts: number; refunds: number; suspense: number };
    phases: {
      phase: string;
      wall_ms: number;
      share_pct: number;
      sql_ms: number;
      between_sql_ms: number;
      node_cpu_ms: number | null;
      postgres_cpu_ms: number | null;
    }[];
    statements: {
      phase: string;
      statement: string;
      count: number;
      total_ms: number;
      mean_ms: number;
      first_tenth_mean_ms: number;
      last_tenth_mean_ms: number;
    }[];
    sql_total_ms: number;
    cpu: { node_user_ms: number; node_system_ms: number; postgres_ms: number | null; parallelism: number | null };
    wal_mb: number;
    checkpoints: number;
    memory: { before_mb: number; peak_mb: number; growth_mb: number; how: string };
  };
  reports: {
    settlement: Record<string, { median_ms: number; p95_ms: number; runs: number }>;
    trial_balance_prefecture: { median_ms: number; p95_ms: number; runs: number };
    cli_settlement_bingtuan: { wall_ms: number; node_startup_ms: number; agrees_with_in_process: boolean };
    command_line: CliStageResult;
  };
  reconciliation: ReconcileResults | null;
  bars: { bar: string; measured: string; pass: boolean }[];
};

/** The reconciliation stage's rows of the main table. */
function reconcileRows(rc: ReconcileResults): string[][] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const ir = rc.import_receipts;
  const st = rc.files.statement;
  const rec = rc.reconciliation;
  const cli = rc.cli;
  return [
    [`reconciliation stage (${rec.operator}, ${rec.park})`, "", "second database; registry all in BZ"],
    [
      "  importReceipts again",
      fmtMs(ir.ms),
      `${fmtInt(ir.rows)} rows: ${fmtInt(ir.booked_in_park)} in ${rec.park}, ${fmtInt(ir.result.suspense)} suspense`,
    ],
    ["    receipts/s", fmtInt(ir.receipts_per_s), "same file and code as above, other registry"],
    [
      "  generate statement CSV",
      st.reused ? "reused" : fmtMs(st.ms),
      `${mib(st.bytes)}${st.plan ? `; ${fmtInt(st.plan.dropped)} dropped, ${fmtInt(st.plan.amount_changed)} +1.00, ${fmtInt(st.plan.renumbered)} renumbered, ${fmtInt(st.plan.extra)} extra` : ""}`,
    ],
    [
      "  importStatements",
      fmtMs(rc.import_statements.ms),
      `${fmtInt(rc.import_statements.rows)} rows, ${fmtInt(rc.import_statements.rows_per_s)} rows/s`,
    ],
    [
      "  reconciliation",
      fmtMs(rec.median_ms),
      `median of ${rec.runs}, max ${fmtMs(rec.max_ms)}; warm-up ${fmtMs(rec.warmup_ms)}; ${fmtInt(rec.items)} items`,
    ],
    "ms" in rc.json
      ? ["  JSON written to a file", fmtMs(rc.json.ms), `once; ${mib(rc.json.bytes)}`]
      : ["  JSON written to a file", "FAILED", rc.json.error],
    [
      "  CLI report reconciliation (json)",
      cli.exit_code === 0 ? fmtMs(cli.wall_ms) : `exit ${cli.exit_code}`,
      cli.exit_code === 0
        ? `wall, median of ${cli.wall_samples_ms.length} (${cli.wall_samples_ms.map((w) => fmtMs(w)).join(", ")}), --out ${mib(cli.out_bytes ?? 0)}${cli.summary_agrees ? "" : "; SUMMARY DIFFERS"}`
        : `after ${fmtMs(cli.wall_ms)}: ${cli.stderr_tail.split("\n").pop() ?? ""}`,
    ],
  ];
}

/** The command line's report commands, PostgreSQL and embedded side by side, beside Node's bare start-up. */
function cliTable(c: CliStageResult): string {
  const embedded = new Map((c.embedded?.timings ?? []).map((t) => [t.command, t]));
  const head = `command line, wall from start to exit, median of ${c.postgres[0]?.runs ?? 0}: node -e 0 ${fmtMs(c.node_start_ms)}, parkledger --version ${fmtMs(c.version_ms)}`;
  return (
    head +
    "\n" +
    table(
      [
        ["command (--format json)", "PostgreSQL", "embedded", "JSON"],
        ...c.postgres.map((t) => {
          const e = embedded.get(t.command);
          return [t.command, fmtMs(t.median_ms), e === undefined ? "n/a" : fmtMs(e.median_ms), `${fmtInt(t.bytes)} B`];
        }),
      ],
      ["l", "r", "r", "r"],
    )
  );
}

function printResults(r: Results, resultsFile: string): void {
  const p = r.parameters;
  const i = r.import;
  const lines: string[] = [];
  lines.push("");
  lines.push(
    `parkledger bench — ${fmtInt(p.receipts)} receipts, ${fmtInt(p.enterprises)} enterprises, year ${p.year}, seed ${p.seed}`,
  );
  lines.push(`code: ${r.code.commit ?? "?"}${r.code.dirty ? " + uncommitted changes" : ""}`);
  lines.push(
    `machine: ${r.machine.cpus} CPUs, load ${r.machine.load_average.join(" ")}, node ${r.machine.node}, ${r.machine.postgres.split(" on ")[0]}`,
  );
  lines.push("");
  lines.push(
    table(
      [
        ["measure", "value", "detail"],
        [
          "generate receipts CSV",
          r.files.receipts.reused ? "reused" : fmtMs(r.files.receipts.ms),
          `${(r.files.receipts.bytes / 2 ** 20).toFixed(1)} MiB`,
        ],
        ["import enterprises", fmtMs(r.setup.enterprises_import_ms), ""],
        [
          "COPY baseline (bare table)",
          fmtMs(r.copy_baseline.ms),
          `${fmtInt(r.copy_baseline.rows_per_s)} rows/s; WAL ${fmtInt(r.copy_baseline.wal_mb)} MiB`,
        ],
        [
          "importReceipts",
          fmtMs(i.ms),
          `${fmtInt(i.rows)} rows: ${fmtInt(i.result.receipts)} receipts, ${fmtInt(i.result.refunds)} refunds, ${fmtInt(i.result.suspense)} suspense`,
        ],
        ["  receipts/s", fmtInt(i.receipts_per_s), ""],
        ["  import / COPY", `${i.copy_ratio.toFixed(1)}×`, "same file, back to back"],
        [
          "  peak memory (RSS)",
          `${fmtInt(i.memory.peak_mb)} MiB`,
          `${fmtInt(i.memory.before_mb)} MiB before the import, +${fmtInt(i.memory.growth_mb)} MiB (${i.memory.how}; both threads)`,
        ],
        [
          "  WAL written",
          `${fmtInt(i.wal_mb)} MiB`,
          `${i.checkpoints} checkpoint(s) during the import (whole cluster)`,
        ],
        [
          "  CPU Node / PostgreSQL",
          `${fmtMs(i.cpu.node_user_ms + i.cpu.node_system_ms)}`,
          i.cpu.postgres_ms === null
            ? "PostgreSQL CPU n/a (server not on this machine?)"
            : `PostgreSQL ${fmtMs(i.cpu.postgres_ms)}; ${i.cpu.parallelism?.toFixed(2)} of ${r.machine.cpus} cores busy on average`,
        ],
        ...Object.entries(r.reports.settlement).map(([op, s]) => [
          `settlement ${op}`,
          `${s.median_ms.toFixed(1)} ms`,
          `median of ${s.runs}; p95 ${s.p95_ms.toFixed(1)} ms`,
        ]),
        [
          "trial balance prefecture",
          `${r.reports.trial_balance_prefecture.median_ms.toFixed(1)} ms`,
          `median of ${r.reports.trial_balance_prefecture.runs}`,
        ],
        [
          "CLI report settlement (json)",
          fmtMs(r.reports.cli_settlement_bingtuan.wall_ms),
          `wall, once; bare node start-up ${fmtMs(r.reports.cli_settlement_bingtuan.node_startup_ms)}${r.reports.cli_settlement_bingtuan.agrees_with_in_process ? "" : "; OUTPUT DIFFERS"}`,
        ],
        ...(r.reconciliation === null ? [] : reconcileRows(r.reconciliation)),
      ],
      ["l", "r", "l"],
    ),
  );
  if (r.reconciliation !== null) {
    const s = r.reconciliation.reconciliation.summary;
    const a = r.reconciliation.reconciliation.anomalies;
    lines.push("");
    lines.push(
      `reconciliation summary: ${fmtInt(s.matched)} matched, ${fmtInt(s.amount_mismatch)} amount mismatch, ${fmtInt(s.missing_in_operator)} missing in operator, ${fmtInt(s.missing_in_prefecture)} missing in prefecture, ${fmtInt(s.probable_pairs)} probable pairs`,
    );
    lines.push(
      `  totals: prefecture ${s.prefecture_total}, operator ${s.operator_total}, difference ${s.difference}; anomalies: ${Object.entries(
        a,
      )
        .map(([k, n]) => `${fmtInt(n)} ${k}`)
        .join(", ")}`,
    );
  }
  lines.push("");
  lines.push(cliTable(r.reports.command_line));
  lines.push("");
  const ms = (v: number | null) => (v === null ? "n/a" : fmtMs(v));
  lines.push(
    "import phases: wall; SQL = statements timed from Node (send → result; a COPY includes encoding its rows);",
  );
  lines.push(
    "between = Node work between statements; CPU of this process and of PostgreSQL (backend + WAL writer etc.)",
  );
  lines.push(
    table(
      [
        ["phase", "wall", "share", "SQL", "between", "Node CPU", "PG CPU"],
        ...i.phases.map((ph) => [
          ph.phase,
          fmtMs(ph.wall_ms),
          `${ph.share_pct.toFixed(1)}%`,
          fmtMs(ph.sql_ms),
          fmtMs(ph.between_sql_ms),
          ms(ph.node_cpu_ms),
          ms(ph.postgres_cpu_ms),
        ]),
      ],
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  lines.push("");
  lines.push("slowest statements during the import (first/last: mean of the first and last tenth of the executions)");
  lines.push(
    table(
      [
        ["phase", "statement", "count", "total", "mean", "first", "last"],
        ...i.statements
          .slice(0, 14)
          .map((s) => [
            s.phase,
            s.statement,
            fmtInt(s.count),
            fmtMs(s.total_ms),
            `${s.mean_ms.toFixed(1)} ms`,
            `${s.first_tenth_mean_ms.toFixed(1)}`,
            `${s.last_tenth_mean_ms.toFixed(1)}`,
          ]),
      ],
      ["l", "l", "r", "r", "r", "r", "r"],
    ),
  );
  lines.push("");
  lines.push(
    table(
      [["bar", "measured", "result"], ...r.bars.map((b) => [b.bar, b.measured, b.pass ? "PASS" : "FAIL"])],
      ["l", "l", "l"],
    ),
  );
  lines.push("");
  lines.push(`results: ${resultsFile}`);
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((error: unknown) => {
  if (process.exitCode === 130) return; // interrupted: the failure that followed is expected
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
