// The web workspace in a real browser: Debian's Chromium driven by playwright-core, against the app
// started in-process on an ephemeral port over a database the demo's own loading filled
// (src/demo/run.ts), on a fresh PostgreSQL database.

import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createApp, defaultWebDir } from "../../src/http/app.js";
import { httpServer } from "../../src/http/guard.js";
import { DEMO_PASSWORD, runDemo } from "../../src/demo/run.js";
import { onPostgres, testDatabase, type TestDatabase } from "../support/db.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const WEB_DIR = defaultWebDir();
/**
 * Why the browser tests cannot run here, or null when they can. They run on PostgreSQL, as the
 * workspace is deployed: .ci/run runs the suite on both databases, so each CI run has them once (twice
 * would cost it a minute and a half for the same pages over the same API). On CI
 * (CI=true, as .ci/run sets it, and .ci/run installs Chromium) nothing is missing: there a missing
 * browser or build fails the tests.
 */
export const browserMissing: string | null = !onPostgres
  ? "(on PostgreSQL only: the suite's PostgreSQL run has them)"
  : process.env.CI === "true"
    ? null
    : !fs.existsSync(CHROMIUM)
      ? `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`
      : !fs.existsSync(path.join(WEB_DIR, "index.html"))
        ? `the web workspace is not built at ${WEB_DIR} (npm run build:web)`
        : null;

export const YEAR = 2025;

export interface Workspace {
  db: TestDatabase;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

const silent = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** A demo year (fewer receipts than `demo`'s default, to stay quick), served, and a browser. */
export async function startWorkspace(): Promise<Workspace> {
  const db = await testDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plk-browser-"));
  await runDemo(
    db,
    { stdout: silent(), stderr: silent() },
    { year: YEAR, seed: 20250101, receipts: 2500, enterprises: 150, dir, format: "json" },
  );
  const server = httpServer(createApp(db, { logger: pino({ level: "silent" }), token_cache_ms: 0 })).listen(
    0,
    "127.0.0.1",
  );
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  return {
    db,
    base,
    browser,
    close: async () => {
      await browser.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser context of its own, signed in through the sign-in page as `name`. */
export async function signIn(w: Workspace, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await w.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.goto(`${w.base}/?year=${YEAR}`);
  await page.fill("#signin_name", name);
  await page.fill("#signin_password", DEMO_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=party]");
  return { context, page };
}

/** The page's document, seen from a function run in the page (this program has no DOM types). */
export interface PageDocument {
  querySelector(s: string): { innerText: string } | null;
  querySelectorAll(s: string): { length: number };
  body: { innerText: string };
  documentElement: { scrollWidth: number };
}
export const pageDocument = () => (globalThis as unknown as { document: PageDocument }).document;

/**
 * In the page: nothing is loading any more. A function, not a string: the page's Content-Security-
 * Policy (script-src 'self') refuses strings evaluated in it, as it should.
 */
export const NO_SPINNER = () =>
  (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(".ant-spin-spinning").length === 0;

/** Goes to a page of the workspace and waits until its data is shown (no spinner left). */
export async function open(w: Workspace, page: Page, to: string): Promise<void> {
  await page.goto(`${w.base}${to}${to.includes("?") ? "&" : "?"}year=${YEAR}`);
  await page.waitForSelector("main h1");
  await page.waitForFunction(NO_SPINNER, null, { timeout: 20_000 });
}

/** An API call made with the page's own session (the same cookie, the same rules). */
export async function apiJson<T>(page: Page, url: string): Promise<{ status: number; body: T }> {
  return (await page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Accept: "application/json" } });
    return { status: r.status, body: (await r.json().catch(() => null)) as unknown };
  }, url)) as { status: number; body: T };
}
