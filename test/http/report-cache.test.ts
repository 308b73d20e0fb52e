// Reports served from the cache (src/http/report-cache.ts, docs/decisions/0016-report-cache.md): every
// caller gets from it exactly what it would get computed afresh, an answer kept for one operator is
// never another's, and any write to the books made anywhere (through the service, by the command line
// in another process, straight in SQL) is seen by the next request. Conditional requests get 304.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { dialectLabel, onPostgres, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, uscc } from "../support/files.js";
import { cacheKey, ReportCache } from "../../src/http/report-cache.js";
import { FULL_VIEW, operatorView } from "../../reports/viewer.js";
import { CALLERS, testApp, type TestApp } from "./support.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

let db: TestDatabase;
let cache: ReportCache;
let t: TestApp; // with the cache
let plain: TestApp; // without one: every answer computed afresh

const REPORTS = [
  "/v1/reports/settlement?year=2025&operator=bingtuan",
  "/v1/reports/settlement?year=2025&operator=urumqi",
  "/v1/reports/settlement?year=2025&operator=bingtuan&period=2025-Q2",
  "/v1/reports/trial-balance?year=2025&jurisdiction=bingtuan",
  "/v1/reports/trial-balance?year=2025&jurisdiction=urumqi",
  "/v1/reports/trial-balance?year=2025&jurisdiction=prefecture",
];

beforeAll(async () => {
  db = await testDatabase();
  const registry = csvFile([
    ENTERPRISE_HEADER,
    [uscc(101), "兵准缓存甲有限公司", "BZ", "2024-01-01", "", "relocated", "bingtuan", "false"],
    [uscc(201), "乌准缓存乙有限公司", "WZ", "2024-01-01", "", "new", "urumqi", "false"],
  ]);
  expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["CB-1", uscc(101), "VAT", "2025-03-01", "1013.17", "gross", "", ""],
    ["CB-2", uscc(101), "CIT", "2025-05-01", "1027.29", "local", "", ""],
    ["CW-1", uscc(201), "VAT", "2025-04-02", "2053.61", "gross", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  cache = new ReportCache();
  t = await testApp(db, { report_cache: cache });
  plain = await testApp(db, { report_cache: null });
});

afterAll(async () => {
  await db?.drop();
});

/** The answer the service without a cache gives the same caller now. */
async function fresh(url: string, caller: (typeof CALLERS)[number], accept = "application/json") {
  return request(plain.app).get(url).set(plain.auth(caller)).set("Accept", accept);
}

async function get(url: string, caller: (typeof CALLERS)[number] = "prefecture", headers: Record<string, string> = {}) {
  return request(t.app).get(url).set(t.auth(caller)).set(headers);
}

describe(`report cache (${dialectLabel})`, () => {
  it("gives every caller, in every format, what it would get computed afresh, and keeps no answer across operators", async () => {
    const hitsBefore = cache.stats.hits;
    // every caller twice, forwards then backwards: whoever asked first, the next one's answer is its own
    for (const callers of [CALLERS, [...CALLERS].reverse()])
      for (const caller of callers)
        for (const url of REPORTS)
          for (const accept of ["application/json", "text/csv"]) {
            const got = await get(url, caller, { Accept: accept });
            const want = await fresh(url, caller, accept);
            expect(got.status, `${caller} ${url} ${accept}`).toBe(want.status);
            expect(got.text, `${caller} ${url} ${accept}`).toBe(want.text);
          }
    expect(cache.stats.hits).toBeGreaterThan(hitsBefore);
    // urumqi is refused bingtuan's settlement even while the cache holds it for bingtuan and the prefecture
    expect((await get(REPORTS[0]!, "bingtuan")).status).toBe(200);
    expect((await get(REPORTS[0]!, "urumqi")).status).toBe(403);
    expect((await get(REPORTS[0]!, "urumqi")).text).not.toContain("1013.17");
  });

  it("keys an answer by the caller's view, its parameters as spelled by the route, and its format", () => {
    const route = { method: "get", path: "/reports/settlement" };
    const q = { year: 2025, operator: "bingtuan" };
    const keys = [
      cacheKey(route, {}, q, "json", operatorView("bingtuan")),
      cacheKey(route, {}, q, "json", operatorView("urumqi")),
      cacheKey(route, {}, q, "json", FULL_VIEW),
      cacheKey(route, {}, q, "csv", FULL_VIEW),
      cacheKey(route, {}, { ...q, park: "BZ" }, "json", FULL_VIEW),
      cacheKey({ ...route, path: "/reports/trial-balance" }, {}, q, "json", FULL_VIEW),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    // the order the parameters came in does not matter
    expect(cacheKey(route, {}, { operator: "bingtuan", year: 2025 }, "json", FULL_VIEW)).toBe(keys[2]);
  });

  it("sees at once a write through the service, by the command line in another process, and straight in SQL", async () => {
    const url = REPORTS[0]!;
    const first = await get(url);
    expect(first.status).toBe(200);
    const hits = cache.stats.hits;
    expect((await get(url)).text).toBe(first.text);
    expect(cache.stats.hits).toBe(hits + 1);

    // through the service: a receipt posted to bingtuan's park
    const posted = await request(t.app)
      .post("/v1/receipts")
      .set(t.auth("prefecture"))
      .set("Idempotency-Key", "cache-1")
      .send({
        receipt_no: "CB-3",
        uscc: uscc(101),
        tax_code: "VAT",
        collected_on: "2025-06-01",
        amount: "500.00",
        scope: "gross",
      });
    expect(posted.status, posted.text).toBe(201);
    const afterPost = await get(url);
    expect(afterPost.text).not.toBe(first.text);
    expect(afterPost.text).toBe((await fresh(url, "prefecture")).text);

    // the command line, in a process of its own on PostgreSQL (the embedded database belongs to one
    // process: there, the command line in this one, outside the service)
    const transfer = [
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "321.09",
      "--on",
      "2025-06-30",
      "--ref",
      "TRF-C1",
    ];
    if (onPostgres) expect(await runCliProcess(transfer, db.env)).toBe(0);
    else expect((await cli(db, ...transfer)).code).toBe(0);
    const afterTransfer = await get(url);
    expect(afterTransfer.text).toContain("321.09");
    expect(afterTransfer.text).toBe((await fresh(url, "prefecture")).text);

    // an agreement reaching back re-splits what bingtuan's park booked
    const agreement = await cli(
      db,
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "70",
      "--from",
      "2025-01-01",
    );
    expect(agreement.code, agreement.stderr).toBe(0);
    const afterAgreement = await get(url);
    expect(afterAgreement.text).not.toBe(afterTransfer.text);
    expect(afterAgreement.text).toBe((await fresh(url, "prefecture")).text);

    // straight in SQL, behind every layer of the code: a park's name in the registry
    const tb = "/v1/reports/settlement?year=2025&operator=bingtuan&format=table";
    const before = await get(tb);
    await db.knex.raw(`update parks set name_zh = '兵准缓存改名园区' where code = 'BZ'`);
    const renamed = await get(tb);
    expect(renamed.text).toBe((await fresh(tb, "prefecture")).text);
    expect(renamed.text).not.toBe(before.text);
  }, 60_000);

  it("answers 304 to a client that holds the answer, until the books change", async () => {
    const url = REPORTS[1]!;
    const first = await get(url, "urumqi");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const again = await get(url, "urumqi", { "If-None-Match": etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers["cache-control"]).toBe("no-store");
    // a write elsewhere in the books: another answer, and the old tag no longer matches
    const r = await cli(
      db,
      "transfer",
      "--operator",
      "urumqi",
      "--amount",
      "12.34",
      "--on",
      "2025-07-01",
      "--ref",
      "TRF-C2",
    );
    expect(r.code, r.stderr).toBe(0);
    const changed = await get(url, "urumqi", { "If-None-Match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.text).toContain("12.34");
  });

  it("keeps its answers within its bound, the most recently used", async () => {
    const small = new ReportCache({ bytes_max: 1000, entry_bytes_max: 400 });
    const body = (n: number) => ({ status: 200, headers: {}, content_type: "text/plain", body: Buffer.alloc(n, 65) });
    for (let i = 0; i < 20; i++) await small.answer(`k${i}`, 1n, async () => body(300));
    expect(small.size.bytes).toBeLessThanOrEqual(1000);
    expect(small.size.entries).toBe(3);
    await small.answer("big", 1n, async () => body(500)); // over the bound of one answer: given, not kept
    expect(small.size.entries).toBe(3);
    // a newer version of the books: nothing kept under an older one is ever served again
    let computed = 0;
    await small.answer("k19", 2n, async () => (computed++, body(10)));
    expect(computed).toBe(1);
    expect(small.size).toEqual({ entries: 1, bytes: 10 });
    // requests asking together for one answer compute it once
    await Promise.all([1, 2, 3].map(() => small.answer("k1", 2n, async () => (computed++, body(10)))));
    expect(computed).toBe(2);
  });
});

/** The command line as a separate process, from the sources (as test/integration/serve.test.ts runs it). */
function runCliProcess(args: string[], env: Record<string, string>): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "test", "support", "run-cli.ts"), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
