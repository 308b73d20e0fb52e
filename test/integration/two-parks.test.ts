// One operator runs two parks: settlement, transfers, closures and reconciliation are per operator
// and park, and the operator's statement is the sum of its parks to the fen; its token sees both
// parks and nothing of the others'.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "../http/support.js";

let db: TestDatabase;
let t: TestApp;

const OP = "changji_hz";

const addPark = (park: string, share: string) =>
  cli(
    db,
    "park",
    "add",
    "--park",
    park,
    "--name",
    `园区${park}`,
    "--operator",
    OP,
    "--operator-name",
    "昌吉高新区",
    "--host",
    "prefecture",
    "--operator-share",
    share,
    "--from",
    "2024-01-01",
    "--format",
    "json",
  );
const statement = (...extra: string[]) =>
  cli(db, "report", "settlement", "--year", "2025", "--operator", OP, ...extra, "--format", "json");
const transfer = (ref: string, amount: string, ...extra: string[]) =>
  cli(db, "transfer", "--operator", OP, "--amount", amount, "--on", "2025-06-30", "--ref", ref, ...extra);
const receipts = (...rows: string[][]) => cli(db, "import", "receipts", csvFile([RECEIPT_HEADER, ...rows]));

beforeAll(async () => {
  db = await testDatabase();
  t = await testApp(db);
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

describe(`an operator running two parks (${dialectLabel})`, () => {
  it("adds a second park for the same operator", async () => {
    const first = await addPark("CZ", "70");
    expect(first.code, first.stderr).toBe(0);
    const second = await addPark("CY", "60");
    expect(second.code, second.stderr).toBe(0);
    expect(second.json()).toMatchObject({ park: "CY", operator: OP, operator_created: false, replayed: false });
    const registry = csvFile([
      ENTERPRISE_HEADER,
      [uscc(41), "昌准一号化工有限公司", "CZ", "2024-01-01", "", "new", OP, "false"],
      [uscc(43), "昌源三号材料有限公司", "CY", "2024-01-01", "", "new", OP, "false"],
    ]);
    expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
    const imported = await receipts(
      ["CZ-1", uscc(41), "VAT", "2025-03-01", "1000.00", "local", "", ""],
      ["CY-1", uscc(43), "CIT", "2025-04-01", "500.00", "local", "", ""],
      ["BZ-1", uscc(1), "VAT", "2025-03-01", "200.00", "gross", "", ""],
    );
    expect(imported.code, imported.stderr).toBe(0);
  });

  it("states each park, and the operator as the sum of its parks to the fen", async () => {
    const cz = (await statement("--park", "CZ")).json();
    const cy = (await statement("--park", "cy")).json();
    expect(cz).toMatchObject({ park: "CZ", totals: { local_revenue: "1000.00", operator_share: "700.00" } });
    expect(cy).toMatchObject({ park: "CY", totals: { local_revenue: "500.00", operator_share: "300.00" } });
    expect(cz.parks).toBeUndefined();
    const all = (await statement()).json();
    expect(all).toMatchObject({
      park: null,
      parks: ["CY", "CZ"],
      host: "prefecture",
      totals: { local_revenue: "1500.00", operator_share: "1000.00", host_share: "500.00", balance_due: "1000.00" },
    });
    expect(all.by_park).toEqual([
      expect.objectContaining({ park: "CY", totals: cy.totals }),
      expect.objectContaining({ park: "CZ", totals: cz.totals }),
    ]);
    expect(all.by_tax.map((r: { tax_code: string }) => r.tax_code).sort()).toEqual(["CIT", "VAT"]);
    const table = await cli(db, "report", "settlement", "--year", "2025", "--operator", OP, "--format", "table");
    expect(table.code, table.stderr).toBe(0);
    const other = await cli(db, "report", "settlement", "--year", "2025", "--operator", OP, "--park", "BZ");
    expect(other.stderr).toMatch(/park_unknown/);
  });

  it("keeps transfers and recoveries per park; a park must be named", async () => {
    const unnamed = await transfer("TP-0", "10.00");
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/park_required/);
    expect((await transfer("TP-1", "400.00", "--park", "CZ")).code).toBe(0);
    const cy = await transfer("TP-2", "100.00", "--park", "CY", "--format", "json");
    expect(cy.code, cy.stderr).toBe(0);
    expect(cy.json()).toMatchObject({ park: "CY", operator: OP, amount: "100.00" });
    // 500 went to the operator, but only 100 to CY
    const over = await transfer("TP-3", "150.00", "--park", "CY", "--kind", "recovery");
    expect(over.stderr).toMatch(/recovery_exceeds_transferred/);
    expect((await transfer("TP-4", "50.00", "--park", "CY", "--kind", "recovery")).code).toBe(0);
    const reused = await transfer("TP-1", "400.00", "--park", "CY");
    expect(reused.stderr).toMatch(/transfer_ref_reused/);
    expect((await transfer("TP-1", "400.00", "--park", "CZ")).code).toBe(0);

    expect((await statement("--park", "CZ")).json().totals).toMatchObject({
      transferred: "400.00",
      balance_due: "300.00",
    });
    expect((await statement("--park", "CY")).json().totals).toMatchObject({
      transferred: "50.00",
      balance_due: "250.00",
    });
    const all = (await statement()).json();
    expect(all.totals).toMatchObject({ transferred_interim: "500.00", recovered: "50.00", balance_due: "550.00" });
    expect(all.transfers.map((x: { ref: string; park: string }) => `${x.park}:${x.ref}`).sort()).toEqual([
      "CY:TP-2",
      "CY:TP-4",
      "CZ:TP-1",
    ]);
  });

  it("settles one park, then the other; a closed park's late receipt is a prior-year adjustment", async () => {
    const one = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      OP,
      "--park",
      "CZ",
      "--override-reason",
      "test: settled without a statement",
      "--format",
      "json",
    );
    expect(one.code, one.stderr).toBe(0);
    expect(one.json()).toMatchObject({ park: "CZ", balance_due: "300.00", already_settled: false });
    expect((await statement("--park", "CZ")).json().status).toBe("closed");
    expect((await statement()).json()).toMatchObject({ status: "open", closed_at: null });

    expect((await transfer("TP-5", "1.00", "--park", "CZ")).stderr).toMatch(/year_closed/);
    expect((await transfer("TP-6", "1.00", "--park", "CY")).code).toBe(0);
    const late = await receipts(
      ["CZ-2", uscc(41), "VAT", "2025-11-01", "100.00", "local", "", ""],
      ["CY-2", uscc(43), "VAT", "2025-11-01", "100.00", "local", "", ""],
    );
    expect(late.code, late.stderr).toBe(0);
    expect((await statement("--park", "CZ")).json().totals.local_revenue).toBe("1000.00");
    expect((await statement("--park", "CY")).json().totals.local_revenue).toBe("600.00");
    const next = await cli(
      db,
      "report",
      "settlement",
      "--year",
      "2026",
      "--operator",
      OP,
      "--park",
      "CZ",
      "--format",
      "json",
    );
    expect(next.json().prior_year_adjustments).toEqual([
      expect.objectContaining({ origin_year: 2025, tax_code: "VAT" }),
    ]);

    const rest = await cli(
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
    expect(rest.code, rest.stderr).toBe(0);
    // CY: share 360, transferred 100 − 50 + 1
    expect(rest.json()).toMatchObject({ park: null, balance_due: "609.00", already_settled: false });
    expect(rest.json().by_park).toEqual([
      expect.objectContaining({ park: "CY", already_settled: false, balance_due: "309.00" }),
      expect.objectContaining({ park: "CZ", already_settled: true, balance_due: "300.00" }),
    ]);
    expect((await statement()).json()).toMatchObject({ status: "closed", totals: { balance_due: "609.00" } });
    const again = await cli(db, "settle", "--year", "2025", "--operator", OP, "--format", "json");
    expect(again.json()).toMatchObject({ already_settled: true, balance_due: "609.00" });
    const verify = await cli(db, "verify");
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it("reconciles over both parks, or one park's receipts and statement rows", async () => {
    const rows = csvFile([
      ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
      ["CZ-1", uscc(41), "VAT", "2025-03-01", "1000.00"],
      ["CY-1", uscc(43), "CIT", "2025-04-01", "500.00"],
      ["CY-X", uscc(43), "VAT", "2025-05-01", "10.00"],
    ]);
    expect((await cli(db, "import", "statements", "--party", OP, rows)).code).toBe(0);
    const rec = (...extra: string[]) =>
      cli(db, "report", "reconciliation", "--year", "2025", "--operator", OP, ...extra, "--format", "json");
    const all = (await rec()).json();
    expect(all).toMatchObject({ park: null, parks: ["CY", "CZ"] });
    expect(all.summary).toMatchObject({ matched: 2, missing_in_operator: 2, missing_in_prefecture: 1 });
    // CZ-2 and CY-2 missing: −70 − 60; CY-X valued with CY's agreement (60 %, not CZ's 70 %): +6
    expect(all.summary.operator_share_difference).toBe("-124.00");
    const cy = (await rec("--park", "CY")).json();
    expect(cy).toMatchObject({ park: "CY" });
    expect(cy.summary).toMatchObject({ matched: 1, missing_in_operator: 1, missing_in_prefecture: 1 });
    expect(cy.summary).toMatchObject({ prefecture_total: "600.00", operator_total: "510.00" });
    const cz = (await rec("--park", "CZ")).json();
    expect(cz.summary).toMatchObject({ matched: 1, missing_in_operator: 1, missing_in_prefecture: 0 });
    expect(cz.summary).toMatchObject({ prefecture_total: "1100.00", operator_total: "1000.00" });
  });

  it("gives the operator a token that sees both parks and nothing else", async () => {
    const made = await cli(db, "token", "create", "--party", OP, "--role", "finance", "--format", "json");
    expect(made.code, made.stderr).toBe(0);
    const as = { Authorization: `Bearer ${made.json().token}` };
    const own = await request(t.app).get(`/v1/reports/settlement?year=2025&operator=${OP}`).set(as);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ park: null, parks: ["CY", "CZ"] });
    const one = await request(t.app).get(`/v1/reports/settlement?year=2025&operator=${OP}&park=CY`).set(as);
    expect([one.status, one.body.park]).toEqual([200, "CY"]);
    expect((await request(t.app).get(`/v1/reports/settlement?year=2025&operator=bingtuan`).set(as)).status).toBe(403);
    const parks = await request(t.app).get("/v1/parks").set(as);
    expect(parks.body.map((p: { park: string }) => p.park)).toEqual(["CY", "CZ"]);
    expect((await request(t.app).get("/v1/receipts/CZ-1").set(as)).status).toBe(200);
    expect((await request(t.app).get("/v1/receipts/CY-1").set(as)).status).toBe(200);
    const foreign = await request(t.app).get("/v1/receipts/BZ-1").set(as);
    const none = await request(t.app).get("/v1/receipts/NO-SUCH").set(as);
    expect([foreign.status, foreign.body.error]).toEqual([404, none.body.error]);
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=CY").set(as)).status).toBe(200);
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=BZ").set(as)).status).toBe(403);
    const rec = await request(t.app).get(`/v1/reports/reconciliation?year=2025&operator=${OP}`).set(as);
    expect(rec.status).toBe(200);
    expect(JSON.stringify(rec.body)).not.toMatch(/BZ-1|bingtuan|urumqi/);
    const trace = await request(t.app)
      .get(`/v1/trace/settlement?year=2025&operator=${OP}&figure=operator_share`)
      .set(as);
    expect(trace.status, JSON.stringify(trace.body)).toBe(200);
    expect((await request(t.app).get("/v1/receipts/CY-1").set(t.auth("bingtuan"))).status).toBe(404);
    const overview = await request(t.app).get("/v1/reports/reconciliation?year=2025").set(t.auth("prefecture"));
    expect(overview.body.parties).toContainEqual(expect.objectContaining({ operator: OP, parks: ["CY", "CZ"] }));
  });
});
