// `npm run bench:web`: the web workspace as a person meets it. The demo year is loaded into a fresh
// embedded database (or a fresh PostgreSQL database with DATABASE_URL), the app is served on the
// loopback, and Debian's Chromium (playwright-core) opens the overview signed in as the prefecture
// LOADS times (each in a fresh browser context, so nothing is cached): the time from navigation to the
// overview's figures being visible, median and spread. Then the gzipped sizes of what the first page
// load downloads (index.html's script, its modulepreloads and its stylesheet) and of the chunks
// loaded later on demand.
// Then (on PostgreSQL, or with DRILL_RECEIPTS) the drill-down over a year of DRILL_RECEIPTS receipts
// (1,000,000 by default; the files of `npm run bench`, bench/out/, reused when present): from a click
// on the overview's operator share (the click's event, timed in the page) to the first frame of the
// trace page showing the figure and its first entries; the same timed by the driver, whose click adds
// its own checks and round trips; and the trace's first page from the API alone.
//
//   npm run bench:web                 # LOADS=7
//   LOADS=15 CHROMIUM_PATH=/usr/bin/chromium npm run bench:web
//   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:web   # with the drill-down

import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import zlib from "node:zlib";
import pg from "pg";
import { pino } from "pino";
import { chromium } from "playwright-core";
import { openDatabase, type Database } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { DEMO_PASSWORD, runDemo } from "../src/demo/run.js";
import {
  DEMO_DEFAULTS,
  demoEnterprises,
  demoReceipts,
  enterprisesCsv,
  receiptsCsvLines,
} from "../src/demo/generate.js";
import { importEnterprises } from "../src/import/enterprises.js";
import { importReceipts } from "../src/import/receipts.js";
import { addUser } from "../src/repositories/users.js";
import { createApp, defaultWebDir } from "../src/http/app.js";
import { httpServer } from "../src/http/guard.js";

const LOADS = Number(process.env.LOADS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const YEAR = 2025;
const webDir = defaultWebDir();

const silent = () => new Writable({ write: (_c, _e, done) => done() });

async function database(suffix = ""): Promise<{ db: Database; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ memory: true });
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `parkledger_bench_web_${process.pid}${suffix}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await openDatabase({ url: target.toString(), pool_max: 24 });
  await migrate(db);
  return {
    db,
    drop: async () => {
      await db.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

function gz(file: string): number {
  return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
}

function bundleSizes(): { initial: number; initialFiles: number; later: number; echarts: number } {
  const html = fs.readFileSync(path.join(webDir, "index.html"), "utf8");
  const initialAssets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  const initial = gz(path.join(webDir, "index.html")) + initialAssets.reduce((n, a) => n + gz(path.join(webDir, a)), 0);
  const all = fs.readdirSync(path.join(webDir, "assets")).map((f) => `assets/${f}`);
  const later = all.filter((a) => !initialAssets.includes(a)).reduce((n, a) => n + gz(path.join(webDir, a)), 0);
  const echarts = all.filter((a) => a.includes("ChartImpl")).reduce((n, a) => n + gz(path.join(webDir, a)), 0);
  return { initial, initialFiles: initialAssets.length + 1, later, echarts };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

if (!fs.existsSync(path.join(webDir, "index.html"))) throw new Error(`no build at ${webDir}: npm run build:web`);
const { db, drop } = await database();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plk-bench-web-"));
const started = Date.now();
await runDemo(
  db,
  { stdout: silent(), stderr: silent() },
  {
    year: YEAR,
    seed: 20250101,
    receipts: 6000,
    enterprises: 300,
    dir,
    format: "json",
  },
);
process.stderr.write(
  `bench:web: demo year loaded in ${((Date.now() - started) / 1000).toFixed(1)} s (${db.location})\n`,
);
const server = httpServer(createApp(db, { logger: pino({ level: "silent" }) })).listen(0, "127.0.0.1");
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
const version = browser.version();
const times: number[] = [];
try {
  for (let i = 0; i < LOADS; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const signedIn = await context.request.post(`${base}/v1/session`, {
      data: { name: "prefecture", password: DEMO_PASSWORD },
    });
    if (signedIn.status() !== 201) throw new Error(`sign-in answered ${signedIn.status()}`);
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`${base}/?year=${YEAR}`);
    await page.locator("[data-testid=figures] .plk-money").first().waitFor({ state: "visible", timeout: 30_000 });
    times.push(performance.now() - t0);
    await context.close();
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
  await drop();
  fs.rmSync(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const sizes = bundleSizes();
const rows: [string, string][] = [
  [`overview figures visible, median of ${LOADS} cold loads`, `${median.toFixed(0)} ms`],
  ["  fastest / slowest", `${times[0]!.toFixed(0)} / ${times[times.length - 1]!.toFixed(0)} ms`],
  [`first download (index.html + ${sizes.initialFiles - 1} JS/CSS files), gzip`, kib(sizes.initial)],
  ["chunks loaded on demand (pages, tables, charts), gzip", kib(sizes.later)],
  ["  of which ECharts (loaded with the first chart), gzip", kib(sizes.echarts)],
];
const width = Math.max(...rows.map((r) => r[0].length));
process.stdout.write(`\nweb workspace (${db.dialect}, Chromium ${version})\n`);
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v.padStart(12)}\n`);

// ---------------------------------------------------------------------------------------------
// The drill-down over a large year

const DRILL_RECEIPTS = Number(process.env.DRILL_RECEIPTS ?? (process.env.DATABASE_URL ? 1_000_000 : 0));
const DRILLS = Number(process.env.DRILLS ?? 7);

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp, { highWaterMark: 1 << 20 });
  let chunk = "";
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 1 << 19) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.once("close", () => resolve()));
  fs.renameSync(tmp, file);
}

/**
 * Times a drill-down in the page itself, as a person meets it: from the click's event (its timeStamp,
 * when the browser took the click) to the first frame after the trace's figure and first entry are in
 * the page. A string, as the page runs it untranspiled.
 */
const WATCH_CLICK = `(() => {
  window.plkClick = {};
  document.addEventListener("click", (event) => {
    window.plkClick.at = event.timeStamp;
    const shown = () =>
      document.querySelector("[data-testid=trace-figure]") !== null &&
      document.querySelector(".ant-table-tbody tr.ant-table-row") !== null;
    const watch = new MutationObserver(() => {
      if (!shown()) return;
      watch.disconnect();
      requestAnimationFrame(() => { window.plkClick.shown = performance.now(); });
    });
    watch.observe(document.body, { subtree: true, childList: true });
  }, { capture: true, once: true });
})()`;

if (DRILL_RECEIPTS > 0) {
  const demo = { ...DEMO_DEFAULTS, year: YEAR, seed: 20250101, enterprises: 5000, receipts: DRILL_RECEIPTS };
  const outDir = path.join(path.dirname(webDir), "..", "bench", "out");
  fs.mkdirSync(outDir, { recursive: true });
  const stem = `y${YEAR}-s${demo.seed}-e${demo.enterprises}`;
  const enterprisesFile = path.join(outDir, `enterprises-${stem}.csv`);
  const receiptsFile = path.join(outDir, `receipts-${stem}-r${DRILL_RECEIPTS}.csv`);
  const registry = demoEnterprises(demo);
  if (!fs.existsSync(enterprisesFile)) await writeLines(enterprisesFile, [enterprisesCsv(registry)]);
  if (!fs.existsSync(receiptsFile)) await writeLines(receiptsFile, receiptsCsvLines(demoReceipts(demo, registry)));
  const big = await database("_drill");
  const t0 = Date.now();
  await importEnterprises(big.db, enterprisesFile);
  const imported = await importReceipts(big.db, receiptsFile);
  await addUser(big.db.knex, { name: "prefecture", party: "prefecture", role: "finance", password: DEMO_PASSWORD });
  process.stderr.write(
    `bench:web: ${imported.receipts.toLocaleString("en-US")} receipts imported in ${((Date.now() - t0) / 1000).toFixed(1)} s for the drill-down\n`,
  );
  const app = httpServer(createApp(big.db, { logger: pino({ level: "silent" }) })).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => app.once("listening", () => resolve()));
  const at = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const chrome = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  /** From the click's event to the frame that shows the trace's first entries, timed in the page. */
  const clicks: number[] = [];
  /** The same, timed from here: playwright's click (its checks and round trips to the browser) included. */
  const outside: number[] = [];
  const added: number[] = [];
  const apiTimes: number[] = [];
  const apiTotals: number[] = [];
  let entryCount = 0;
  try {
    const context = await chrome.newContext({ viewport: { width: 1280, height: 800 } });
    const signed = await context.request.post(`${at}/v1/session`, {
      data: { name: "prefecture", password: DEMO_PASSWORD },
    });
    if (signed.status() !== 201) throw new Error(`sign-in answered ${signed.status()}`);
    const page = await context.newPage();
    const traceUrl = `${at}/v1/trace/settlement?year=${YEAR}&operator=bingtuan&figure=operator_share`;
    for (let i = 0; i < DRILLS; i += 1) {
      let a = performance.now();
      const r = await context.request.get(`${traceUrl}&limit=50&offset=0&totals=no`);
      if (r.status() !== 200) throw new Error(`the trace answered ${r.status()}`);
      apiTimes.push(performance.now() - a);
      a = performance.now();
      const all = await context.request.get(`${traceUrl}&limit=0`);
      const body = (await all.json()) as { entry_count: number; agrees: boolean };
      apiTotals.push(performance.now() - a);
      if (!body.agrees) throw new Error("the trace does not agree with its figure");
      entryCount = body.entry_count;
    }
    for (let i = 0; i < DRILLS; i += 1) {
      await page.goto(`${at}/?year=${YEAR}&operator=bingtuan`);
      const link = page.locator("[data-testid=figures] a.plk-figure").nth(1);
      await link.waitFor({ state: "visible", timeout: 60_000 });
      // as a person clicks: once the overview has finished loading (its charts included)
      await page.waitForLoadState("networkidle");
      await page.evaluate(WATCH_CLICK);
      const a = performance.now();
      await link.click();
      await page.locator("[data-testid=trace-figure]").waitFor({ state: "visible", timeout: 60_000 });
      await page.locator(".ant-table-tbody tr.ant-table-row").first().waitFor({ state: "visible", timeout: 60_000 });
      outside.push(performance.now() - a);
      // a function, not a string: the page's Content-Security-Policy refuses strings evaluated in it
      await page.waitForFunction(
        () => (globalThis as unknown as { plkClick: { shown?: number } }).plkClick.shown !== undefined,
        undefined,
        { timeout: 60_000 },
      );
      clicks.push((await page.evaluate("window.plkClick.shown - window.plkClick.at")) as number);
      await page.locator("[data-testid=trace-head]", { hasText: /相符|agrees/ }).waitFor({ timeout: 60_000 });
      added.push(performance.now() - a);
    }
    await context.close();
  } finally {
    await chrome.close();
    app.closeAllConnections();
    app.close();
    await big.drop();
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const drillRows: [string, string][] = [
    [`drill-down click to the trace's first entries on screen, median of ${DRILLS}`, `${med(clicks).toFixed(0)} ms`],
    ["  fastest / slowest", `${Math.min(...clicks).toFixed(0)} / ${Math.max(...clicks).toFixed(0)} ms`],
    ["  the same timed by the driver (its click's own checks included)", `${med(outside).toFixed(0)} ms`],
    ["  … to every entry added up and agreeing (shown as it arrives)", `${med(added).toFixed(0)} ms`],
    [`the trace's first page from the API alone, median of ${DRILLS}`, `${med(apiTimes).toFixed(0)} ms`],
    [`every entry added up, from the API alone, median of ${DRILLS}`, `${med(apiTotals).toFixed(0)} ms`],
    ["  entries behind the operator share", entryCount.toLocaleString("en-US")],
  ];
  const w2 = Math.max(...drillRows.map((r) => r[0].length));
  process.stdout.write(
    `\ndrill-down over ${DRILL_RECEIPTS.toLocaleString("en-US")} receipts (${big.db.dialect}, Chromium ${version})\n`,
  );
  for (const [k, v] of drillRows) process.stdout.write(`${k.padEnd(w2)}  ${v.padStart(12)}\n`);
} else {
  process.stdout.write(
    "\n(the drill-down over 1,000,000 receipts runs on PostgreSQL: set DATABASE_URL, or DRILL_RECEIPTS)\n",
  );
}
