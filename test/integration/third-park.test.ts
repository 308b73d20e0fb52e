// A third sub-park with a new operator, added by configuration alone (`park add`), goes through a
// whole year as BZ and WZ do: registry, receipts and a refund, the operator's statement and the
// reconciliation, indicators, quotas, a transfer, settlement, tokens and what each party may see.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "../http/support.js";

let db: TestDatabase;
let t: TestApp;
let cz: string;

const OP = "changji_hz";

beforeAll(async () => {
  db = await testDatabase();
  t = await testApp(db);
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

describe(`a third park added by configuration (${dialectLabel})`, () => {
  it("park add records the park, its new operator and its agreement; the same again is a no-op", async () => {
    const args = [
      "park",
      "add",
      "--park",
      "cz",
      "--name",
      "昌准园区",
      "--operator",
      OP,
      "--operator-name",
      "昌吉高新区",
      "--host",
      "prefecture",
      "--operator-share",
      "70",
      "--from",
      "2024-01-01",
      "--format",
      "json",
    ];
    const added = await cli(db, ...args);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      park: "CZ",
      operator: OP,
      operator_name: "昌吉高新区",
      host: "prefecture",
      operator_share_pct: "70.00",
      operator_created: true,
      replayed: false,
    });
    expect((await cli(db, ...args)).json()).toMatchObject({ replayed: true });
    const list = await cli(db, "park", "list", "--format", "json");
    expect(list.json().map((p: { park: string }) => p.park)).toEqual(["BZ", "CZ", "WZ", "ZD"]);
  });

  it("refuses what would make the arrangement ambiguous, naming the field", async () => {
    const base = [
      "park",
      "add",
      "--name",
      "X",
      "--host",
      "prefecture",
      "--operator-share",
      "80",
      "--from",
      "2024-01-01",
    ];
    const cases: [string[], RegExp][] = [
      [["--park", "CZ", "--operator", "urumqi"], /park_exists/],
      [["--park", "Q2", "--operator", "central"], /--operator: .*\[operator_invalid\]/],
      [["--park", "Q3", "--operator", "prefecture"], /--operator: .*\[operator_invalid\]/],
      [["--park", "Q4", "--operator", "Bad Code!"], /--operator: .*\[party_code_invalid\]/],
      [["--park", "q-5", "--operator", "x_op"], /--park: .*\[park_code_invalid\]/],
    ];
    for (const [extra, message] of cases) {
      const run = await cli(db, ...base, ...extra);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const hostile = await cli(
      db,
      "park",
      "add",
      "--park",
      "Q6",
      "--name",
      "X",
      "--operator",
      "x_op",
      "--host",
      "bingtuan",
      "--operator-share",
      "80",
      "--from",
      "2024-01-01",
    );
    expect(hostile.stderr).toMatch(/--host: .*\[host_invalid\]/);
    const { rows } = await db.knex.raw("select count(*) as n from parks");
    expect(Number(rows[0].n)).toBe(4);
  });

  it("books, splits, reconciles, attributes and settles its year like any other park", async () => {
    const registry = csvFile([
      ENTERPRISE_HEADER,
      [uscc(41), "昌准一号化工有限公司", "CZ", "2024-01-01", "", "new", OP, "false"],
      [uscc(42), "昌准二号硅业有限公司", "CZ", "2024-01-01", "", "relocated", OP, "false"],
    ]);
    expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
    const receipts = csvFile([
      RECEIPT_HEADER,
      ["CZ-1", uscc(41), "VAT", "2025-03-01", "1000.00", "gross", "", ""],
      ["CZ-2", uscc(42), "CIT", "2025-04-01", "500.00", "local", "", ""],
      ["CZ-3", uscc(41), "VAT", "2025-05-01", "-100.00", "", "", "CZ-1"],
      ["BZ-1", uscc(1), "VAT", "2025-03-01", "200.00", "gross", "", ""],
    ]);
    const imported = await cli(db, "import", "receipts", receipts);
    expect(imported.code, imported.stderr).toBe(0);

    const s = await cli(db, "report", "settlement", "--year", "2025", "--operator", OP, "--format", "json");
    expect(s.code, s.stderr).toBe(0);
    // VAT 1000 gross → local 500, refund −100 gross → local −50; CIT 500 local: local 950, 70 % = 665
    expect(s.json()).toMatchObject({
      park: "CZ",
      operator: OP,
      totals: { local_revenue: "950.00", operator_share: "665.00", host_share: "285.00" },
    });

    const statement = csvFile([
      ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
      ["CZ-1", uscc(41), "VAT", "2025-03-01", "1000.00"],
      ["CZ-2", uscc(42), "CIT", "2025-04-01", "500.10"],
    ]);
    expect((await cli(db, "import", "statements", "--party", OP, statement)).code).toBe(0);
    const r = await cli(db, "report", "reconciliation", "--year", "2025", "--operator", OP, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary).toMatchObject({ matched: 1, amount_mismatch: 1, missing_in_operator: 1 });

    const indicators = csvFile([
      ["park", "indicator", "month", "value"],
      ["CZ", "GDP", "2025-02", "100"],
      ["CZ", "GDP", "2025-03", "160"],
    ]);
    expect((await cli(db, "import", "indicators", indicators)).code).toBe(0);
    const ind = await cli(db, "report", "indicators", "--year", "2025", "--park", "CZ", "--format", "json");
    const gdp = ind.json().indicators.find((i: { indicator: string }) => i.indicator === "GDP");
    expect(gdp).toMatchObject({
      total: "160.0000",
      statistical: { [OP]: "160.0000", prefecture: "0.0000" },
      assessment: { [OP]: "112.0000", prefecture: "48.0000" },
    });

    const projects = csvFile([
      ["project_no", "name", "park", "origin", "introduced_by", "start_on", "co2_t"],
      ["CZ-XM-1", "昌准煤制气", "CZ", "new", OP, "2025-01-01", "1000"],
    ]);
    expect((await cli(db, "import", "projects", projects)).code).toBe(0);
    const c = await cli(db, "report", "commitments", "--year", "2025", "--jurisdiction", OP, "--format", "json");
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.stringify(c.json())).toContain("CZ-XM-1");

    const tr = await cli(
      db,
      "transfer",
      "--operator",
      OP,
      "--amount",
      "600.00",
      "--on",
      "2025-06-30",
      "--ref",
      "CZ-YB-1",
    );
    expect(tr.code, tr.stderr).toBe(0);
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      OP,
      "--override-reason",
      "test: settled without a statement",
      "--format",
      "json",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const after = await cli(db, "report", "settlement", "--year", "2025", "--operator", OP, "--format", "json");
    expect(after.json()).toMatchObject({ status: "closed", totals: { transferred: "600.00", balance_due: "65.00" } });

    const tb = await cli(db, "report", "trial-balance", "--year", "2025", "--jurisdiction", OP, "--format", "json");
    expect(tb.code, tb.stderr).toBe(0);
    const verify = await cli(db, "verify");
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it("gives the new operator a token that sees its own park and nothing else", async () => {
    const made = await cli(db, "token", "create", "--party", OP, "--role", "finance", "--format", "json");
    expect(made.code, made.stderr).toBe(0);
    cz = made.json().token;
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    const own = await request(t.app).get(`/v1/reports/settlement?year=2025&operator=${OP}`).set(as(cz));
    expect(own.status).toBe(200);
    expect(own.body.park).toBe("CZ");
    expect((await request(t.app).get("/v1/reports/settlement?year=2025&operator=bingtuan").set(as(cz))).status).toBe(
      403,
    );
    expect((await request(t.app).get("/v1/receipts/CZ-1").set(as(cz))).status).toBe(200);
    const foreign = await request(t.app).get("/v1/receipts/BZ-1").set(as(cz));
    const none = await request(t.app).get("/v1/receipts/NO-SUCH").set(as(cz));
    expect([foreign.status, foreign.body.error]).toEqual([404, none.body.error]);
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=CZ").set(as(cz))).status).toBe(200);
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=BZ").set(as(cz))).status).toBe(403);
    const parks = await request(t.app).get("/v1/parks").set(as(cz));
    expect(parks.body.map((p: { park: string }) => p.park)).toEqual(["CZ"]);
    const rec = await request(t.app).get(`/v1/reports/reconciliation?year=2025&operator=${OP}`).set(as(cz));
    expect(rec.status).toBe(200);
    expect(JSON.stringify(rec.body)).not.toMatch(/BZ-1|bingtuan|urumqi/);
    // and the others see nothing of it
    expect(
      (await request(t.app).get(`/v1/reports/settlement?year=2025&operator=${OP}`).set(t.auth("bingtuan"))).status,
    ).toBe(403);
    expect((await request(t.app).get("/v1/receipts/CZ-1").set(t.auth("urumqi"))).status).toBe(404);
    const overview = await request(t.app).get("/v1/reports/reconciliation?year=2025").set(t.auth("prefecture"));
    expect(overview.body.parties.map((p: { operator: string }) => p.operator)).toContain(OP);
  });

  it("adds a park over HTTP for the prefecture only", async () => {
    const body = {
      park: "DZ",
      name: "第四园区",
      operator: "fourth_op",
      host: "prefecture",
      operator_share: "75",
      from: "2025-01-01",
    };
    const refused = await request(t.app).post("/v1/parks").set(t.auth("bingtuan")).send(body);
    expect(refused.status).toBe(403);
    const added = await request(t.app).post("/v1/parks").set(t.auth("prefecture")).send(body);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      park: "DZ",
      operator: "fourth_op",
      operator_share_pct: "75.00",
      operator_created: true,
    });
    const again = await request(t.app).post("/v1/parks").set(t.auth("prefecture")).send(body);
    expect(again.status).toBe(200);
    const bad = await request(t.app)
      .post("/v1/parks")
      .set(t.auth("prefecture"))
      .send({ ...body, park: "EZ", operator: "central" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^operator: /);
  });
});
