// `parkledger serve` told to stop (SIGTERM) while requests are at work answers every one it has begun
// to read and books exactly what it answered before it closes the database and exits 0. The service runs as a process of
// its own, from the sources, on PostgreSQL or on the embedded database on disk.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { migratedDataDir, testDatabase, onPostgres, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, tmpDir, uscc } from "../support/files.js";
import { userEnv } from "../support/reader.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = ["--import", "tsx", path.join(ROOT, "test", "support", "run-cli.ts")];

let db: TestDatabase | null = null;
let dataDir: string | null = null;
let env: Record<string, string>;

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: userEnv({ ...env, DATABASE_URL: env.DATABASE_URL ?? "", LOG_LEVEL: "info" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  return { child, out: () => out, err: () => err };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = start(args);
  const code = await exited(p.child);
  return { code, out: p.out(), err: p.err() };
}

beforeAll(async () => {
  if (onPostgres) {
    db = await testDatabase();
    env = db.env;
  } else {
    dataDir = path.join(tmpDir(), `serve-pgdata-${process.pid}`);
    env = { PARKLEDGER_DATA_DIR: dataDir };
    await migratedDataDir(dataDir);
  }
  const r = await run(["import", "enterprises", standardRegistry()]);
  expect(r.code, r.err).toBe(0);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (dataDir !== null) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe(`serve stops gracefully (${dialectLabel})`, () => {
  it("answers and books the requests at work when told to stop, then exits 0", async () => {
    const made = await run(["token", "create", "--party", "prefecture", "--role", "finance"]);
    expect(made.code, made.err).toBe(0);
    const token = /plk_[A-Za-z0-9_-]+/.exec(made.out + made.err)?.[0];
    expect(token).toBeDefined();

    const server = start(["serve", "--port", "0"]);
    let base = "";
    // a process started from the sources on a busy machine may take a while to listen
    for (const until = Date.now() + 45_000; base === "" && Date.now() < until;) {
      base = /"url":"(http:\/\/[^"]+)"/.exec(server.err())?.[1] ?? "";
      if (base === "") await new Promise((r) => setTimeout(r, 100));
    }
    expect(base, server.err()).not.toBe("");

    const posts = Array.from({ length: 20 }, (_, i) =>
      fetch(`${base}/receipts`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": `stop-${i}`,
        },
        body: JSON.stringify({
          receipt_no: `STOP-${i}`,
          uscc: uscc(1),
          tax_code: "VAT",
          collected_on: "2025-03-01",
          amount: `${i + 1}.00`,
          scope: "gross",
        }),
      }).then(
        async (res) => ({ status: res.status, body: await res.text() }),
        // a request the server had not begun to read when it stopped is refused with the connection
        // (Node's server.close); the client retries it under the same Idempotency-Key
        (error: unknown) => ({ status: 0, body: String(error) }),
      ),
    );
    // told to stop once the first answer is back: the others have arrived and are still at work
    await Promise.race(posts);
    server.child.kill("SIGTERM");
    const answers = await Promise.all(posts);
    for (const a of answers) expect([0, 201], a.body).toContain(a.status);
    const answered = answers.filter((a) => a.status === 201).length;
    expect(answered).toBeGreaterThan(0);
    expect(await exited(server.child), server.err()).toBe(0);
    expect(server.err()).toContain("parkledger stopped");

    const v = await run(["verify", "--format", "json"]);
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ intact: true });
    const check = db ?? (await openDatabase({ dir: dataDir! }));
    const { rows } = await check.knex.raw(`select count(*) as n from receipts where receipt_no like 'STOP-%'`);
    // every answer is booked, and nothing unanswered is
    expect(Number(rows[0].n)).toBe(answered);
    if (db === null) await check.close();
  }, 120_000);
});
