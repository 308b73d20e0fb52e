// The authorization matrix: every route, called by every party and role, answers with data exactly
// for those the rules allow (src/http/access.ts), 403 for the others (404 where even the existence of
// the thing is private), and never a byte of data in a refusal.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { CALLERS, testApp, type Caller, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["M-BZ", uscc(1), "VAT", "2025-03-01", "100.00", "gross", "", ""],
    ["M-WZ", uscc(11), "VAT", "2025-03-02", "200.00", "gross", "", ""],
    ["M-ZD", uscc(21), "CIT", "2025-03-03", "300.00", "local", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  const indicators = csvFile([
    ["park", "indicator", "month", "value"],
    ["BZ", "GDP", "2025-02", "10"],
    ["WZ", "GDP", "2025-02", "20"],
  ]);
  expect((await cli(db, "import", "indicators", indicators)).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

type Expect = { allow: Caller[]; hide?: Caller[] };
const ALL: Caller[] = [...CALLERS];

const READS: [string, Expect][] = [
  ["/v1/me", { allow: ALL }],
  ["/v1/openapi.json", { allow: ALL }],
  ["/v1/reports/settlement?year=2025&operator=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  ["/v1/reports/settlement?year=2025&operator=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/reports/reconciliation?year=2025&operator=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  ["/v1/reports/reconciliation?year=2025&operator=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/reports/reconciliation?year=2025", { allow: ["prefecture", "auditor"] }],
  ["/v1/reconciliation/decisions?year=2025&operator=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  ["/v1/reconciliation/decisions?year=2025&operator=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  [
    "/v1/reports/indicators?year=2025&park=BZ",
    { allow: ["prefecture", "bingtuan", "statistics", "auditor", "bingtuan_statistics"] },
  ],
  [
    "/v1/reports/indicators?year=2025&park=WZ&period=2025-Q1&by=month",
    { allow: ["prefecture", "urumqi", "statistics", "auditor", "urumqi_statistics"] },
  ],
  ["/v1/reports/indicators?year=2025&park=ZD", { allow: ["prefecture", "statistics", "auditor"] }],
  [
    "/v1/reports/indicators?year=2025",
    {
      allow: ["prefecture", "bingtuan", "urumqi", "statistics", "auditor", "bingtuan_statistics", "urumqi_statistics"],
    },
  ],
  ["/v1/reports/commitments?year=2025", { allow: ["prefecture", "statistics", "auditor"] }],
  [
    "/v1/reports/commitments?year=2025&jurisdiction=bingtuan",
    { allow: ["prefecture", "bingtuan", "statistics", "auditor", "bingtuan_statistics"] },
  ],
  [
    "/v1/reports/commitments?year=2025&jurisdiction=urumqi",
    { allow: ["prefecture", "urumqi", "statistics", "auditor", "urumqi_statistics"] },
  ],
  ["/v1/reports/trial-balance?year=2025&jurisdiction=prefecture", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/trial-balance?year=2025&jurisdiction=central", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/trial-balance?year=2025&jurisdiction=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  [
    "/v1/reports/trial-balance?year=2025&jurisdiction=bingtuan&from=2025-01&to=2025-03&by=month",
    { allow: ["prefecture", "bingtuan", "auditor"] },
  ],
  ["/v1/reports/budget-items?year=2025&period=2025-H1", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/budget-items?year=2025&operator=urumqi&by=month", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/reports/trial-balance?year=2025&jurisdiction=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/reports/suspense?year=2025", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/suspense?period=2025-03&by=month", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/land?year=2025", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/reports/land?year=2025&period=2025-Q2&by=month", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/reports/ageing", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/reports/ageing?operator=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/reports/payments?year=2025", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/reports/enterprises?as_of=2025-06-30", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  [`/v1/reports/enterprise-history?uscc=${uscc(1)}`, { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/verify", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/transfer-proposals?year=2025", { allow: ["prefecture", "auditor"] }],
  ["/v1/reports/transfer-proposals?year=2025&operator=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  ["/v1/trace/settlement?year=2025&operator=bingtuan", { allow: ["prefecture", "bingtuan", "auditor"] }],
  ["/v1/trace/settlement?year=2025&operator=urumqi&tax=VAT", { allow: ["prefecture", "urumqi", "auditor"] }],
  [
    "/v1/trace/indicators?year=2025&park=WZ&indicator=GDP",
    { allow: ["prefecture", "urumqi", "statistics", "auditor", "urumqi_statistics"] },
  ],
  [
    "/v1/trace/indicators?year=2025&park=BZ&indicator=GDP&month=2025-02",
    { allow: ["prefecture", "bingtuan", "statistics", "auditor", "bingtuan_statistics"] },
  ],
  [
    "/v1/trace/account?year=2025&jurisdiction=urumqi&account=revenue_shared",
    { allow: ["prefecture", "urumqi", "auditor"] },
  ],
  ["/v1/receipts/M-BZ", { allow: ["prefecture", "bingtuan", "auditor"], hide: ["urumqi"] }],
  ["/v1/receipts/M-WZ", { allow: ["prefecture", "urumqi", "auditor"], hide: ["bingtuan"] }],
  ["/v1/receipts/M-ZD", { allow: ["prefecture", "auditor"], hide: ["bingtuan", "urumqi"] }],
  ["/v1/reports/statements?year=2025", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/reports/statements?operator=urumqi", { allow: ["prefecture", "urumqi", "auditor"] }],
  ["/v1/agreements", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/parks", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
  ["/v1/ratios?tax=VAT", { allow: ["prefecture", "bingtuan", "urumqi", "auditor"] }],
];

describe(`authorization matrix: reads (${dialectLabel})`, () => {
  it.each(READS)("GET %s", async (url, expected) => {
    for (const caller of CALLERS) {
      const res = await request(t.app).get(url).set(t.auth(caller));
      const want = expected.allow.includes(caller) ? 200 : expected.hide?.includes(caller) ? 404 : 403;
      expect(res.status, `${caller} GET ${url}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(want);
      if (want !== 200) {
        expect(Object.keys(res.body)).toEqual(["error"]);
        expect(res.body.error.code).toBe(want === 404 ? "not_found" : "forbidden");
      }
    }
  });

  it("answers an operator asking for a receipt that does not exist exactly as for another park's", async () => {
    const missing = await request(t.app).get("/v1/receipts/NO-SUCH").set(t.auth("bingtuan"));
    const other = await request(t.app).get("/v1/receipts/M-WZ").set(t.auth("bingtuan"));
    expect([missing.status, missing.body]).toEqual([other.status, other.body]);
  });

  it("shows an operator only its own park's agreements", async () => {
    const res = await request(t.app).get("/v1/agreements").set(t.auth("bingtuan"));
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.body.every((a: { park: string }) => a.park === "BZ")).toBe(true);
    // ids are a serial over every park's versions: gaps would count the other park's
    expect(res.body.every((a: { id: unknown }) => a.id === null)).toBe(true);
    const full = await request(t.app).get("/v1/agreements").set(t.auth("prefecture"));
    expect(full.body.every((a: { id: unknown }) => typeof a.id === "number")).toBe(true);
  });

  it("does not tell an operator the number of its statement import, a serial shared with every party's", async () => {
    const csv = `receipt_no,uscc,tax_code,collected_on,amount\nM-BZ,${uscc(1)},VAT,2025-03-01,100.00\n`;
    const own = await request(t.app)
      .post("/v1/imports/statements?party=bingtuan&name=own.csv")
      .set(t.auth("bingtuan"))
      .set("Content-Type", "text/csv")
      .send(csv);
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect(own.body.import_id).toBeNull();
    const byPrefecture = await request(t.app)
      .post("/v1/imports/statements?party=urumqi&name=u.csv")
      .set(t.auth("prefecture"))
      .set("Content-Type", "text/csv")
      .send(`receipt_no,uscc,tax_code,collected_on,amount\nM-WZ,${uscc(11)},VAT,2025-03-02,200.00\n`);
    expect(byPrefecture.body.import_id).toMatch(/^\d+$/);
  });

  it("refuses every route without a token, or with a revoked or made-up one", async () => {
    for (const [url] of READS) {
      const res = await request(t.app).get(url);
      expect(res.status, url).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/Bearer/);
    }
    const made = await request(t.app).get("/v1/me").set({ Authorization: "Bearer plk_nothing" });
    expect(made.status).toBe(401);
    const list = await cli(db, "token", "list", "--format", "json");
    const auditor = list.json().find((x: { party: string }) => x.party === "auditor");
    const fresh = await cli(db, "token", "create", "--party", "auditor", "--role", "auditor", "--format", "json");
    const token = fresh.json().token as string;
    expect(
      (
        await request(t.app)
          .get("/v1/me")
          .set({ Authorization: `Bearer ${token}` })
      ).status,
    ).toBe(200);
    expect((await cli(db, "token", "revoke", fresh.json().id)).code).toBe(0);
    // a running server trusts a token it checked for up to a second (token_cache_ms), then asks again
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(
      (
        await request(t.app)
          .get("/v1/me")
          .set({ Authorization: `Bearer ${token}` })
      ).status,
    ).toBe(401);
    expect(auditor.hint).not.toContain(t.tokens.auditor);
    expect(JSON.stringify(list.json())).not.toContain(t.tokens.auditor);
  });
});

const receipt = (no: string) => ({
  receipt_no: no,
  uscc: uscc(1),
  tax_code: "VAT",
  collected_on: "2025-04-01",
  amount: "12.34",
  scope: "gross",
});

type Write = {
  path: string;
  allow: Caller[];
  /** Refused as naming a park that does not exist (422): another park's rows, to an operator's bureau. */
  unknown?: Caller[];
  json?: (caller: Caller) => object;
  csv?: string;
  idempotent?: boolean;
};

const WRITES: Write[] = [
  { path: "/v1/receipts", allow: ["prefecture"], json: (c) => receipt(`W-${c}`), idempotent: true },
  {
    path: "/v1/receipts/batch",
    allow: ["prefecture"],
    json: (c) => ({ receipts: [receipt(`WB-${c}-1`), receipt(`WB-${c}-2`)] }),
    idempotent: true,
  },
  {
    path: "/v1/transfers",
    allow: ["prefecture"],
    json: (c) => ({ operator: "bingtuan", amount: "1.00", on: "2025-05-01", ref: `TR-${c}` }),
  },
  {
    path: "/v1/agreements",
    allow: ["prefecture"],
    json: () => ({ park: "WZ", operator_share: "70", from: "2027-01-01", note: "matrix" }),
  },
  {
    path: "/v1/settlements",
    allow: ["prefecture"],
    json: () => ({ year: 2024, operator: "urumqi", empty_year: true, override_reason: "matrix" }),
  },
  {
    path: "/v1/statements/issue",
    allow: ["prefecture"],
    json: () => ({ operator: "bingtuan", year: 2024 }),
  },
  {
    path: "/v1/parks",
    allow: ["prefecture"],
    json: () => ({
      park: "MX",
      name: "矩阵园区",
      operator: "matrix_op",
      host: "prefecture",
      operator_share: "80",
      from: "2025-01-01",
    }),
  },
  {
    path: "/v1/ratios",
    allow: ["prefecture"],
    json: () => ({ tax: "RES", central_share: "0", from: "2027-01-01", note: "matrix" }),
  },
  {
    path: "/v1/imports/indicators?name=ind.csv",
    allow: ["statistics", "bingtuan_statistics"],
    unknown: ["urumqi_statistics"],
    csv: "park,indicator,month,value\nBZ,FAI,2025-03,5\n",
  },
  {
    path: "/v1/imports/indicators?name=ind-wz.csv",
    allow: ["urumqi_statistics", "statistics"],
    unknown: ["bingtuan_statistics"],
    csv: "park,indicator,month,value\nWZ,FAI,2025-04,6\n",
  },
  {
    // the zone's park: neither operator's bureau counts it
    path: "/v1/imports/indicators?name=ind-zd.csv",
    allow: ["statistics"],
    unknown: ["bingtuan_statistics", "urumqi_statistics"],
    csv: "park,indicator,month,value\nZD,FAI,2025-04,7\n",
  },
  {
    path: "/v1/imports/projects?name=projects.csv",
    allow: ["prefecture", "statistics"],
    csv: "project_no,name,park,origin,introduced_by,start_on,co2_t\nXM-1,试验,BZ,new,bingtuan,2025-01-01,10\n",
  },
  {
    path: "/v1/imports/statements?party=bingtuan&name=bt.csv",
    allow: ["prefecture", "bingtuan"],
    csv: `receipt_no,uscc,tax_code,collected_on,amount\nM-BZ,${uscc(1)},VAT,2025-03-01,100.00\n`,
  },
  {
    path: "/v1/imports/enterprises?name=reg.csv",
    allow: ["prefecture"],
    csv: `uscc,name,park,from\n${uscc(31)},新企业,BZ,2025-01-01\n`,
  },
  { path: "/v1/suspense/resolve", allow: ["prefecture"], json: () => ({}) },
  {
    path: "/v1/imports/land?name=land.csv",
    allow: ["prefecture"],
    csv: "kind,ref,park,item,collected_on,amount\nrevenue,TD-1,ZD,LAND,2025-06-01,5.00\n",
  },
  {
    path: "/v1/imports/receipts?name=r.csv",
    allow: ["prefecture"],
    csv: `receipt_no,uscc,tax_code,collected_on,amount,scope\nU-1,${uscc(2)},VAT,2025-06-01,5.00,gross\n`,
  },
];

describe(`authorization matrix: writes (${dialectLabel})`, () => {
  it.each(WRITES.map((w) => [w.path, w] as const))("POST %s", async (_path, w) => {
    const before = await db.knex.raw("select count(*) as n from journal_entries");
    const refused = CALLERS.filter((c) => !w.allow.includes(c));
    for (const caller of [...refused, ...w.allow]) {
      let req = request(t.app).post(w.path).set(t.auth(caller));
      if (w.idempotent) req = req.set("Idempotency-Key", `matrix-${w.path}-${caller}`);
      const res =
        w.csv !== undefined ? await req.set("Content-Type", "text/csv").send(w.csv) : await req.send(w.json!(caller));
      if (w.allow.includes(caller)) {
        expect(res.status, `${caller} POST ${w.path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(201);
      } else if (w.unknown?.includes(caller)) {
        expect(res.status, `${caller} POST ${w.path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(422);
        expect(JSON.stringify(res.body)).toContain("park_unknown");
      } else {
        expect(res.status, `${caller} POST ${w.path}`).toBe(403);
        expect(res.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
      }
      if (caller === refused.at(-1)) {
        // nothing of a refused write reached the journal
        const after = await db.knex.raw("select count(*) as n from journal_entries");
        expect(String(after.rows[0].n)).toBe(String(before.rows[0].n));
      }
    }
  });
});
