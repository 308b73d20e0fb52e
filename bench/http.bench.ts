// `npm run bench:http`: the HTTP service under load on the loopback, against PostgreSQL. A fresh
// database gets the demo registry; `parkledger serve` runs in its own process (as in production) and
// autocannon, in this one, posts single receipts (each with its own Idempotency-Key and receipt
// number, spread over the registry's enterprises) and then reads the settlement report. Reported:
// requests per second and latency percentiles; every answer must be a 2xx.
//
//   npm run bench:http                         # DURATION=15 CONNECTIONS=32
//   DURATION=30 CONNECTIONS=64 npm run bench:http
//
// Options (environment): DATABASE_URL (admin URL, postgres://root@127.0.0.1:5432/postgres),
// DURATION (seconds of posting, 15), WARMUP (seconds of posting before, not judged: 3), READ_DURATION (seconds of reading, half of DURATION), CONNECTIONS (32), PORT (0: any free port), SERVE_NODE_ARGS (node
// options for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { demoEnterprises, enterprisesCsv, DEMO_DEFAULTS } from "../src/demo/generate.js";

const dist = (module: string) => new URL(`../dist/${module}`, import.meta.url).href;
const { openDatabase } = (await import(dist("src/db/database.js"))) as typeof import("../src/db/database.js");
const { migrate } = (await import(dist("src/db/migrate.js"))) as typeof import("../src/db/migrate.js");
const { importEnterprises } = (await import(
  dist("src/import/enterprises.js")
)) as typeof import("../src/import/enterprises.js");
const { createToken } = (await import(
  dist("src/repositories/tokens.js")
)) as typeof import("../src/repositories/tokens.js");

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BAR_RECEIPTS_PER_S = 2000;
const BAR_P99_MS = 25;
/** Reads of the settlement report: the same bar (an unchanged answer is served without recomputing it). */
const BAR_READS_PER_S = 2000;
const BAR_READ_P99_MS = 25;

const adminUrl = process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/postgres";
const duration = Number(process.env.DURATION ?? 15);
const connections = Number(process.env.CONNECTIONS ?? 32);
const warmup = Number(process.env.WARMUP ?? 3);
const readDuration = Number(process.env.READ_DURATION ?? Math.max(5, Math.round(duration / 2)));
const say = (line: string) => process.stderr.write(line + "\n");

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startServer(url: string): Promise<{ child: ChildProcess; base: string }> {
  const port = process.env.PORT ?? String(await freePort());
  const nodeArgs = (process.env.SERVE_NODE_ARGS ?? "").split(/\s+/).filter((a) => a !== "");
  const child = spawn(process.execPath, [...nodeArgs, "bin/parkledger.js", "serve", "--port", port], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/v1/health`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 20_000) throw new Error("serve did not start within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function summary(r: autocannon.Result) {
  return {
    requests_per_s: Math.round(r.requests.average),
    requests_total: r.requests.total,
    latency_ms: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p97_5: r.latency.p97_5,
      p99: r.latency.p99,
      p99_9: r.latency.p99_9,
      max: r.latency.max,
    },
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const dbName = `parkledger_bench_http_${process.pid}`;
await admin.query(`create database ${dbName}`);
const url = withDatabase(adminUrl, dbName);
let server: ChildProcess | null = null;
let code = 0;
try {
  const db = await openDatabase({ url });
  await migrate(db);
  const registry = demoEnterprises({ ...DEMO_DEFAULTS, enterprises: 2000 });
  const regFile = path.join(os.tmpdir(), `parkledger-bench-http-${process.pid}.csv`);
  fs.writeFileSync(regFile, enterprisesCsv(registry));
  await importEnterprises(db, regFile);
  fs.rmSync(regFile);
  const token = (await createToken(db.knex, { party: "prefecture", role: "finance", label: "bench" })).token;
  await db.close();
  const payers = registry.filter((e) => e.park !== "ZD" && e.to === "" && e.from <= "2025-01-01").map((e) => e.uscc);
  say(`bench:http: database ${dbName}, ${payers.length} payers, ${connections} connections, ${duration} s per stage`);

  const started = await startServer(url);
  server = started.child;
  say(`bench:http: serving at ${started.base}`);
  const auth = { authorization: `Bearer ${token}` };

  let n = 0;
  const postReceipts = (seconds: number) =>
    autocannon({
      url: `${started.base}/v1/receipts`,
      method: "POST",
      connections,
      duration: seconds,
      headers: { ...auth, "content-type": "application/json" },
      requests: [
        {
          setupRequest: (req) => {
            n += 1;
            const body = {
              receipt_no: `HB-${process.pid}-${n}`,
              uscc: payers[n % payers.length]!,
              tax_code: n % 3 === 0 ? "CIT" : "VAT",
              collected_on: `2025-${String(1 + (n % 12)).padStart(2, "0")}-15`,
              amount: `${1 + (n % 9973)}.${String(n % 100).padStart(2, "0")}`,
              scope: "gross",
            };
            return {
              ...req,
              headers: { ...req.headers, "idempotency-key": `hb-${process.pid}-${n}` },
              body: JSON.stringify(body),
            };
          },
        },
      ],
    });
  // a service just started compiles its code as it meets it: a few seconds of the same load first,
  // reported apart and not judged
  const warm = warmup > 0 ? summary(await postReceipts(warmup)) : null;
  if (warm !== null)
    say(
      `warm-up (${warmup} s, not judged): ${warm.requests_per_s}/s, p50 ${warm.latency_ms.p50} ms, p99 ${warm.latency_ms.p99} ms`,
    );
  const post = await postReceipts(duration);
  const posted = summary(post);
  say(
    `post receipts: ${posted.requests_per_s}/s, p50 ${posted.latency_ms.p50} ms, p90 ${posted.latency_ms.p90} ms, p99 ${posted.latency_ms.p99} ms, max ${posted.latency_ms.max} ms, non-2xx ${posted.non_2xx}, errors ${posted.errors}`,
  );

  const read = await autocannon({
    url: `${started.base}/v1/reports/settlement?year=2025&operator=bingtuan`,
    connections,
    duration: readDuration,
    headers: auth,
  });
  const reads = summary(read);
  say(
    `read settlement: ${reads.requests_per_s}/s, p50 ${reads.latency_ms.p50} ms, p99 ${reads.latency_ms.p99} ms, non-2xx ${reads.non_2xx}`,
  );

  const check = await openDatabase({ url });
  const { rows } = await check.knex.raw(`select count(*) as n from receipts where receipt_no like ?`, [
    `HB-${process.pid}-%`,
  ]);
  const booked = Number(rows[0].n);
  const answered = posted.requests_total - posted.non_2xx + (warm === null ? 0 : warm.requests_total - warm.non_2xx);
  // receipts per transaction: how many requests the service booked together, on average
  const { rows: txs } = await check.knex.raw(
    `select count(distinct xmin::text) as n from receipts where receipt_no like ?`,
    [`HB-${process.pid}-%`],
  );
  const transactions = Number(txs[0].n);
  say(`bench:http: ${transactions} transactions, ${(booked / Math.max(1, transactions)).toFixed(1)} receipts each`);
  await check.close();
  const readsPass =
    reads.requests_per_s >= BAR_READS_PER_S && reads.latency_ms.p99 <= BAR_READ_P99_MS && reads.non_2xx === 0;
  const pass =
    posted.requests_per_s >= BAR_RECEIPTS_PER_S &&
    posted.latency_ms.p99 <= BAR_P99_MS &&
    posted.non_2xx === 0 &&
    posted.errors === 0 &&
    reads.non_2xx === 0;
  const results = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, load_average: os.loadavg(), node: process.version },
    parameters: { connections, duration_s: duration, warmup_s: warmup, read_duration_s: readDuration },
    warmup: warm,
    post_receipts: { ...posted, receipts_booked: booked, transactions },
    read_settlement: reads,
    bar: { receipts_per_s: BAR_RECEIPTS_PER_S, p99_ms: BAR_P99_MS, pass },
    read_bar: { reads_per_s: BAR_READS_PER_S, p99_ms: BAR_READ_P99_MS, pass: readsPass },
  };
  fs.mkdirSync(path.join(ROOT, "bench", "out"), { recursive: true });
  const out = path.join(ROOT, "bench", "out", `http-${results.when.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(out, JSON.stringify(results, null, 2));
  say(
    `bench:http: ${booked} receipts booked (${answered} answered, warm-up included); results in ${path.relative(ROOT, out)}`,
  );
  say(
    `bar: ≥ ${BAR_RECEIPTS_PER_S} receipts/s with p99 ≤ ${BAR_P99_MS} ms: ${pass ? "PASS" : "FAIL"} (${posted.requests_per_s}/s, p99 ${posted.latency_ms.p99} ms); ` +
      `≥ ${BAR_READS_PER_S} reads/s with p99 ≤ ${BAR_READ_P99_MS} ms: ${readsPass ? "PASS" : "FAIL"} (${reads.requests_per_s}/s, p99 ${reads.latency_ms.p99} ms)`,
  );
  // requests still in flight when the stage ends are booked but not counted as answered
  if (booked < answered) {
    say(`bench:http: ${answered} receipts answered 2xx but only ${booked} are booked`);
    code = 1;
  }
} catch (error) {
  say(`bench:http failed: ${error instanceof Error ? error.stack : String(error)}`);
  code = 1;
} finally {
  server?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
process.exit(code);
