// The registry's reports over HTTP (GET /v1/reports/enterprises, /enterprise-history) and clearing
// suspense (POST /v1/suspense/resolve): an operator sees only the stays in its own parks, field by field
// and in every format, not the files, rows or people behind them, and another park's enterprise reads as
// one that does not exist; a flag anomaly of the other park never reaches it; only the prefecture's
// finance rebooks suspense.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, uscc } from "../support/files.js";
import { CALLERS, testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;
const HEADER = [...ENTERPRISE_HEADER, "bingtuan_flag_removed_on"];
const MARK = { bz: "兵准登记标记有限公司", wz: "乌准登记标记有限公司", moved: "移园登记标记有限公司" };
let registryFile = "";

beforeAll(async () => {
  db = await testDatabase();
  registryFile = csvFile([
    HEADER,
    [uscc(701), MARK.bz, "BZ", "2025-01-01", "", "new", "bingtuan", "true", "2025-03-01"],
    [uscc(702), MARK.wz, "WZ", "2025-01-01", "", "new", "urumqi", "true", "2025-03-01"],
    [uscc(703), MARK.moved, "BZ", "2025-01-01", "", "new", "bingtuan", "false", ""],
  ]);
  expect((await cli(db, "import", "enterprises", registryFile)).code).toBe(0);
  // a correction: 703's stay was in WZ all along
  const corrected = csvFile([HEADER, [uscc(703), MARK.moved, "WZ", "2025-01-01", "", "new", "urumqi", "false", ""]]);
  expect((await cli(db, "import", "enterprises", corrected)).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["H-1", uscc(701), "VAT", "2025-05-01", "100.00", "gross", "", ""],
    ["H-2", uscc(702), "VAT", "2025-05-02", "200.00", "gross", "", ""],
    ["H-3", uscc(704), "VAT", "2025-05-03", "300.00", "gross", "", ""], // suspense
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

describe(`registry over HTTP (${dialectLabel})`, () => {
  it("shows an operator only its own parks' stays, without sources, in every format", async () => {
    for (const format of ["json", "csv", "table"]) {
      const res = await request(t.app).get(`/v1/reports/enterprises?format=${format}`).set(t.auth("bingtuan"));
      expect(res.status).toBe(200);
      const text = format === "json" ? JSON.stringify(res.body) : res.text;
      expect(text).toContain(MARK.bz);
      expect(text).not.toContain(MARK.wz);
      expect(text).not.toContain(MARK.moved);
      expect(text).not.toContain(uscc(702));
      expect(text).not.toMatch(/\.csv|cli:|[0-9a-f]{64}/);
    }
    const own = await request(t.app).get("/v1/reports/enterprises").set(t.auth("bingtuan"));
    expect(own.body.stays).toEqual([
      expect.objectContaining({ uscc: uscc(701), park: "BZ", source: null, recorded_by: null }),
    ]);
    const full = await request(t.app).get("/v1/reports/enterprises").set(t.auth("prefecture"));
    expect(full.body.count).toBe(3);
    expect(full.body.stays[0].source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("answers an operator for another park's enterprise as for none, and hides where a correction took its stay", async () => {
    const other = await request(t.app)
      .get(`/v1/reports/enterprise-history?uscc=${uscc(702)}`)
      .set(t.auth("bingtuan"));
    const none = await request(t.app)
      .get(`/v1/reports/enterprise-history?uscc=${uscc(799)}`)
      .set(t.auth("bingtuan"));
    expect(other.status).toBe(200);
    expect({ ...other.body, uscc: null }).toEqual({ ...none.body, uscc: null });
    const moved = await request(t.app)
      .get(`/v1/reports/enterprise-history?uscc=${uscc(703)}`)
      .set(t.auth("bingtuan"));
    expect(moved.body.versions).toEqual([
      expect.objectContaining({ version: 1, park: "BZ", current: false, superseded_at: null, source: null }),
    ]);
    expect(JSON.stringify(moved.body)).not.toContain("WZ");
    const urumqi = await request(t.app)
      .get(`/v1/reports/enterprise-history?uscc=${uscc(703)}`)
      .set(t.auth("urumqi"));
    expect(urumqi.body.versions).toEqual([expect.objectContaining({ version: 2, park: "WZ", current: true })]);
    const full = await request(t.app)
      .get(`/v1/reports/enterprise-history?uscc=${uscc(703)}`)
      .set(t.auth("auditor"));
    expect(full.body.versions.map((v: { park: string }) => v.park)).toEqual(["BZ", "WZ"]);
    expect(full.body.versions[0].superseded_at).toBe(full.body.versions[1].recorded_at);
  });

  it("names a flag after its removal date only to the park's operator", async () => {
    const bz = await request(t.app)
      .get("/v1/reports/reconciliation?year=2025&operator=bingtuan")
      .set(t.auth("bingtuan"));
    const flagged = bz.body.anomalies.filter((a: { kind: string }) => a.kind === "bingtuan_flag_after_removal");
    expect(flagged).toEqual([expect.objectContaining({ uscc: uscc(701), amount: "100.00" })]);
    expect(JSON.stringify(bz.body)).not.toContain(uscc(702));
    const wz = await request(t.app).get("/v1/reports/reconciliation?year=2025&operator=urumqi").set(t.auth("urumqi"));
    expect(wz.body.anomalies.filter((a: { kind: string }) => a.kind === "bingtuan_flag_after_removal")).toEqual([
      expect.objectContaining({ uscc: uscc(702), amount: "200.00" }),
    ]);
    expect(JSON.stringify(wz.body)).not.toContain(MARK.bz);
  });

  it("refuses a bad as_of with 400 naming the field", async () => {
    const res = await request(t.app).get("/v1/reports/enterprises?as_of=yesterday").set(t.auth("prefecture"));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain("as_of");
  });

  it("lets only the prefecture's finance rebook suspense, and an operator's trace shows it in its own words", async () => {
    // recorded by other means than an import, so that the route has something to rebook
    await db.knex.raw(`insert into enterprises (uscc, name) values (?, '七零四公司')`, [uscc(704)]);
    await db.knex.raw(
      `insert into enterprise_stay_versions (uscc, park, valid_from, version, recorded_by) values (?, 'BZ', '2025-01-01', 1, 'test')`,
      [uscc(704)],
    );
    for (const caller of CALLERS.filter((c) => c !== "prefecture")) {
      const res = await request(t.app).post("/v1/suspense/resolve").set(t.auth(caller)).send({});
      expect(res.status, caller).toBe(403);
    }
    const res = await request(t.app).post("/v1/suspense/resolve").set(t.auth("prefecture")).send({ year: 2025 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      rebooked: 1,
      items: [expect.objectContaining({ receipt_no: "H-3", park: "BZ" })],
    });
    const again = await request(t.app).post("/v1/suspense/resolve").set(t.auth("prefecture")).send({});
    expect(again.body).toMatchObject({ rebooked: 0 });
    const trace = await request(t.app)
      .get("/v1/trace/settlement?year=2025&operator=bingtuan&tax=VAT")
      .set(t.auth("bingtuan"));
    expect(trace.status).toBe(200);
    const text = JSON.stringify(trace.body);
    expect(text).toContain("reclassification of H-3 out of suspense into BZ");
    expect(text).toContain("reclassify:H-3");
    const bad = await request(t.app).post("/v1/suspense/resolve").set(t.auth("prefecture")).send({ year: "soon" });
    expect(bad.status).toBe(400);
  });
});
