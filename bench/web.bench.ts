// `npm run bench:web`: the web workspace as a person meets it. The demo year is loaded into a fresh
// embedded database (or a fresh PostgreSQL database with DATABASE_URL), the app is served on the
// loopback, and Debian's Chromium (playwright-core) opens the overview signed in as the prefecture
// LOADS times (each in a fresh browser context, so nothing is cached): the time from navigation to the
// overview's figures being visible, median and spread. Then the gzipped sizes of what the first page
// load downloads (index.html's script, its modulepreloads and its stylesheet) and of the chunks
// loaded later on demand.
//
//   npm run bench:web                 # LOADS=7
//   LOADS=15 CHROMIUM_PATH=/usr/bin/chromium npm run bench:web

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
import { createApp, defaultWebDir } from "../src/http/app.js";
import { httpServer } from "../src/http/guard.js";

const LOADS = Number(process.env.LOADS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const YEAR = 2025;
const webDir = defaultWebDir();

const silent = () => new Writable({ write: (_c, _e, done) => done() });

async function database(): Promise<{ db: Database; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ memory: true });
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `parkledger_bench_web_${process.pid}`;
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
