// The `parkledger` command users run is the bundle in dist/cli/ (scripts/bundle-cli.js), started by
// src/cli/launch.ts from V8's code cache, not the sources the other tests run. Here it runs as a user
// runs it, in a process of its own: it imports a small year (its receipts read in the worker thread,
// itself bundled), answers a report exactly as the sources answer it, from its code cache as without
// it, writes a workbook (exceljs, loaded when needed), says its version, and serves the web workspace
// and the API.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import {
  DEMO_DEFAULTS,
  demoEnterprises,
  demoReceipts,
  enterprisesCsv,
  receiptsCsvLines,
} from "../../src/demo/generate.js";
import { cli } from "../support/cli.js";
import { testDatabase, type TestDatabase } from "../support/db.js";
import { tmpDir } from "../support/files.js";
import { userEnv } from "../support/reader.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin", "parkledger.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>, ...argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: tmpDir(),
      env: { ...withoutDatabase(userEnv()), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function withoutDatabase(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== "DATABASE_URL") kept[k] = v;
  return kept;
}

describe("the bundled command (dist/cli)", () => {
  // PostgreSQL: a database of this file's own; embedded: a data directory the command opens itself
  let pgDb: TestDatabase | null = null;
  let env: Record<string, string>;
  let files: { enterprises: string; receipts: string };

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.cjs")))
      throw new Error("dist/cli/main.cjs is missing: `npm run build` makes it (npm install does it too)");
    const opts = { ...DEMO_DEFAULTS, receipts: 400, enterprises: 40 };
    const enterprises = demoEnterprises(opts);
    files = {
      enterprises: path.join(tmpDir(), `bundle-enterprises-${process.pid}.csv`),
      receipts: path.join(tmpDir(), `bundle-receipts-${process.pid}.csv`),
    };
    fs.writeFileSync(files.enterprises, enterprisesCsv(enterprises));
    fs.writeFileSync(files.receipts, [...receiptsCsvLines(demoReceipts(opts, enterprises))].join(""));
    if (process.env.DATABASE_URL) {
      pgDb = await testDatabase();
      env = pgDb.env;
    } else {
      env = { PARKLEDGER_DATA_DIR: fs.mkdtempSync(path.join(tmpDir(), "bundle-pgdata-")) };
    }
  });
  afterAll(async () => {
    await pgDb?.drop();
  });

  it("says its version, the package's", async () => {
    const r = await run({}, "--version");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("imports a year, reading its receipts in the worker thread, and reports it as the sources do", async () => {
    const ent = await run(env, "import", "enterprises", files.enterprises, "--format", "json");
    expect(ent.stderr).not.toMatch(/error/i);
    expect(ent.code).toBe(0);
    const rec = await run(env, "import", "receipts", files.receipts, "--format", "json");
    expect(rec.code).toBe(0);
    const imported = JSON.parse(rec.stdout) as { rows: number; new_rows: number };
    expect(imported.rows).toBe(400);
    expect(imported.new_rows).toBeGreaterThan(0);

    const args = ["report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "json"];
    const bundled = await run(env, ...args);
    expect(bundled.code).toBe(0);

    // the same report from the sources, in this process, on the same books
    const db: Database = pgDb ?? (await openDatabase({ dir: env.PARKLEDGER_DATA_DIR! }));
    try {
      const fromSources = await cli(db, ...args);
      expect(fromSources.code).toBe(0);
      expect(bundled.stdout).toBe(fromSources.stdout);
      expect((JSON.parse(bundled.stdout) as { by_tax: unknown[] }).by_tax.length).toBeGreaterThan(0);
    } finally {
      if (pgDb === null) await db.close();
    }
  });

  it("keeps a command's compiled code, starts from it the next time, and answers the same", async () => {
    const cache = fs.mkdtempSync(path.join(tmpDir(), "bundle-code-cache-"));
    // one left by another build of the bundle, removed as a new one is kept
    fs.writeFileSync(path.join(cache, "main-1-2-3-report.v8"), "old", { mode: 0o600 });
    const args = ["report", "trial-balance", "--year", "2025", "--jurisdiction", "prefecture", "--format", "json"];
    const first = await run({ ...env, PARKLEDGER_CODE_CACHE: cache }, ...args);
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout) as { accounts: unknown[] }).accounts.length).toBeGreaterThan(0);
    const kept = fs.readdirSync(cache);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^main-\d+-\d+-\d+-report\.v8$/);
    const file = path.join(cache, kept[0]!);
    const written = fs.statSync(file);

    // V8 took it: the answer is the same and the cache is not made again
    const second = await run({ ...env, PARKLEDGER_CODE_CACHE: cache }, ...args);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(fs.statSync(file).mtimeMs).toBe(written.mtimeMs);
    expect(fs.statSync(file).ino).toBe(written.ino);

    // a cache V8 cannot use is refused and made again; the answer does not change
    const garbage = Buffer.alloc(4096, 7);
    fs.writeFileSync(file, garbage);
    const third = await run({ ...env, PARKLEDGER_CODE_CACHE: cache }, ...args);
    expect(third.code).toBe(0);
    expect(third.stdout).toBe(first.stdout);
    expect(fs.readFileSync(file).equals(garbage)).toBe(false);
    expect(fs.readdirSync(cache)).toEqual(kept);

    // one that others may write to is not run: it is made again, for this user alone
    if (process.getuid !== undefined) {
      fs.chmodSync(file, 0o666);
      const before = fs.statSync(file).ino;
      const fourth = await run({ ...env, PARKLEDGER_CODE_CACHE: cache }, ...args);
      expect(fourth.stdout).toBe(first.stdout);
      expect(fs.statSync(file).ino).not.toBe(before);
      expect(fs.statSync(file).mode & 0o077).toBe(0);
    }

    // a mistyped command keeps none
    const typo = fs.mkdtempSync(path.join(tmpDir(), "bundle-code-cache-typo-"));
    const mistyped = await run({ ...env, PARKLEDGER_CODE_CACHE: typo }, "reprot", "settlement");
    expect(mistyped.code).not.toBe(0);
    expect(fs.readdirSync(typo)).toEqual([]);

    // without a cache at all
    const off = await run({ ...env, PARKLEDGER_CODE_CACHE: "off" }, ...args);
    expect(off.code).toBe(0);
    expect(off.stdout).toBe(first.stdout);
  });

  it("runs its one script in strict mode, as the modules it is made from", () => {
    // the script is compiled inside a function by src/cli/launch.ts: its directive must come first
    const script = fs.readFileSync(path.join(ROOT, "dist", "cli", "main.cjs"), "utf8");
    expect(script.startsWith('"use strict";')).toBe(true);
  });

  it("writes a report as a workbook", async () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpDir(), "bundle-xlsx-")), "settlement.xlsx");
    const r = await run(
      env,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "xlsx",
      "--out",
      out,
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const book = fs.readFileSync(out);
    expect(book.subarray(0, 2).toString("latin1")).toBe("PK"); // a zip, as every .xlsx is
    expect(book.length).toBeGreaterThan(4000);
  });

  it("serves the API and the web workspace", async () => {
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      cwd: tmpDir(),
      env: { ...withoutDatabase(userEnv()), ...env, LOG_LEVEL: "info" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let log = "";
        child.stderr.on("data", (b: Buffer) => {
          log += b.toString("utf8");
          const found = /"url":"(http:\/\/[^"]+)\/v1"/.exec(log);
          if (found) resolve(found[1]!);
        });
        child.on("close", (code) => reject(new Error(`serve exited (${code}): ${log}`)));
      });
      const health = await fetch(`${url}/v1/health`);
      expect(health.status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("close", resolve));
    }
  });
});
