// The command line as a finance officer runs it: each report command over a year of a million
// receipts, timed from the process's start to its exit, beside Node's own bare start-up measured in the
// same run. On PostgreSQL (the first stage's database) and on the embedded database: a data directory
// with the same year imported by the command line itself, kept in bench/out/ and reused while the
// migrations and the receipts file are the same (its import takes minutes).

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = path.join(ROOT, "bench", "out");

export const BAR_CLI_POSTGRES_MS = 300;
export const BAR_CLI_EMBEDDED_MS = 1000;

export interface CliTiming {
  command: string;
  median_ms: number;
  max_ms: number;
  runs: number;
  /** Bytes the command wrote to stdout (its JSON). */
  bytes: number;
}

export interface CliStageResult {
  node_start_ms: number;
  version_ms: number;
  postgres: CliTiming[];
  embedded: { dir: string; reused: boolean; import_ms: number | null; timings: CliTiming[] } | null;
}

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: performance.now() - t }));
  });
}

/** The environment of a command: no loader hooks inherited from tsx, and the database given. */
function commandEnv(database: { url: string } | { dir: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.DATABASE_URL;
  delete env.PARKLEDGER_DATA_DIR;
  if ("url" in database) env.DATABASE_URL = database.url;
  else env.PARKLEDGER_DATA_DIR = database.dir;
  return env;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Every report command, with what it needs, for the year and a uscc of the registry. */
export function reportCommands(year: number, uscc: string): string[][] {
  const y = String(year);
  return [
    ["report", "settlement", "--year", y, "--operator", "bingtuan"],
    ["report", "trial-balance", "--year", y, "--jurisdiction", "prefecture"],
    ["report", "budget-items", "--year", y],
    ["report", "suspense", "--year", y],
    ["report", "indicators", "--year", y, "--park", "BZ"],
    ["report", "commitments", "--year", y],
    ["report", "land", "--year", y],
    ["report", "transfer-proposals", "--year", y, "--operator", "bingtuan"],
    ["report", "statements"],
    ["report", "ageing"],
    ["report", "payments"],
    ["report", "enterprises"],
    ["report", "enterprise-history", "--uscc", uscc],
    ["trace", "settlement", "--year", y, "--operator", "bingtuan", "--limit", "50"],
    ["trace", "settlement", "--year", y, "--operator", "bingtuan", "--limit", "50", "--totals", "no"],
  ];
}

async function timeCommands(
  commands: string[][],
  env: NodeJS.ProcessEnv,
  runs: number,
  say: (line: string) => void,
): Promise<CliTiming[]> {
  const timings: CliTiming[] = [];
  for (const argv of commands) {
    const args = ["bin/parkledger.js", ...argv, "--format", "json"];
    const first = await run(args, env); // warm-up: the files in the page cache, as for a user's second command
    if (first.code !== 0) throw new Error(`parkledger ${argv.join(" ")} exited with ${first.code}:\n${first.stderr}`);
    JSON.parse(first.stdout); // a whole answer, not an error
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push((await run(args, env)).ms);
    const timing = {
      command: argv.join(" "),
      median_ms: median(ms),
      max_ms: Math.max(...ms),
      runs,
      bytes: Buffer.byteLength(first.stdout),
    };
    say(
      `  ${timing.command.padEnd(72)} ${timing.median_ms.toFixed(0).padStart(6)} ms (max ${timing.max_ms.toFixed(0)})`,
    );
    timings.push(timing);
  }
  return timings;
}

/** The embedded database with the year imported, made once per receipts file and set of migrations. */
async function embeddedBooks(
  files: { enterprises: string; receipts: string },
  say: (line: string) => void,
): Promise<{ dir: string; reused: boolean; import_ms: number | null }> {
  const hash = createHash("sha256");
  for (const name of fs.readdirSync(path.join(ROOT, "dist", "migrations")).sort())
    hash.update(name).update(fs.readFileSync(path.join(ROOT, "dist", "migrations", name)));
  hash.update(path.basename(files.enterprises)).update(path.basename(files.receipts));
  // EMBEDDED_DIR: a data directory already holding the year (the first command brings it up to date)
  const given = process.env.EMBEDDED_DIR;
  if (given !== undefined && given !== "") return { dir: path.resolve(given), reused: true, import_ms: null };
  const home = path.join(OUT_DIR, `embedded-${hash.digest("hex").slice(0, 12)}`);
  const dir = path.join(home, "pgdata");
  const done = path.join(home, "imported");
  if (fs.existsSync(done)) return { dir, reused: true, import_ms: null };
  for (const old of fs.readdirSync(OUT_DIR).filter((n) => n.startsWith("embedded-")))
    fs.rmSync(path.join(OUT_DIR, old), { recursive: true, force: true }); // made by other migrations
  fs.mkdirSync(home, { recursive: true });
  const env = commandEnv({ dir });
  say(`cli: importing the year into an embedded database at ${dir} (once; minutes) …`);
  const t = performance.now();
  for (const [kind, file] of [
    ["enterprises", files.enterprises],
    ["receipts", files.receipts],
  ] as const) {
    const r = await run(["bin/parkledger.js", "import", kind, file, "--format", "json"], env);
    if (r.code !== 0) throw new Error(`embedded import ${kind} exited with ${r.code}:\n${r.stderr}`);
  }
  const import_ms = performance.now() - t;
  fs.writeFileSync(done, new Date().toISOString() + "\n");
  return { dir, reused: false, import_ms };
}

export async function cliStage(options: {
  url: string;
  year: number;
  files: { enterprises: string; receipts: string };
  uscc: string;
  embedded: boolean;
  runs: number;
  say: (line: string) => void;
}): Promise<CliStageResult> {
  const { say, runs } = options;
  const bare = [];
  for (let i = 0; i < runs; i++) bare.push((await run(["-e", "0"], commandEnv({ url: options.url }))).ms);
  const version = [];
  for (let i = 0; i < runs; i++)
    version.push((await run(["bin/parkledger.js", "--version"], commandEnv({ url: options.url }))).ms);
  const node_start_ms = median(bare);
  const version_ms = median(version);
  say(
    `cli: node -e 0 ${node_start_ms.toFixed(0)} ms, parkledger --version ${version_ms.toFixed(0)} ms (medians of ${runs})`,
  );
  const commands = reportCommands(options.year, options.uscc);
  say("cli: PostgreSQL, wall from start to exit, median of " + runs);
  const postgres = await timeCommands(commands, commandEnv({ url: options.url }), runs, say);
  let embedded: CliStageResult["embedded"] = null;
  if (options.embedded) {
    const books = await embeddedBooks(options.files, say);
    say("cli: embedded database, wall from start to exit, median of " + runs);
    embedded = { ...books, timings: await timeCommands(commands, commandEnv({ dir: books.dir }), runs, say) };
  }
  return { node_start_ms, version_ms, postgres, embedded };
}
