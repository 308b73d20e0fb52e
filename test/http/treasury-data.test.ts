// The treasury's fields over HTTP: a receipt given as a total names its scope (422 naming the field
// otherwise), levels and kinds book as on the command line, and the revenue by budget item shows an
// operator nothing of another park, in any field.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

let keys = 0;
const post = (path: string, body: unknown) =>
  request(t.app)
    .post(path)
    .set(t.auth("prefecture"))
    .set("Idempotency-Key", `treasury-${++keys}`)
    .send(body as object);

describe(`the treasury's fields over HTTP (${dialectLabel})`, () => {
  it("refuses a total without a scope, naming the field, and books nothing", async () => {
    const r = await post("/v1/receipts", {
      receipt_no: "H-0",
      uscc: uscc(1),
      tax_code: "VAT",
      collected_on: "2025-03-01",
      amount: "100.00",
    });
    expect(r.status).toBe(422);
    expect(r.body.error.details).toEqual([
      expect.objectContaining({ index: 0, field: "scope", code: "scope_required" }),
    ]);
    const { rows } = await db.knex.raw("select count(*)::int as n from receipts where receipt_no = 'H-0'");
    expect(rows[0].n).toBe(0);
  });

  it("books levels, a 7-digit code and a credit refund in one batch, as the command line does", async () => {
    const r = await post("/v1/receipts/batch", {
      receipts: [
        {
          receipt_no: "H-1",
          uscc: uscc(1),
          tax_code: "1010101",
          collected_on: "2025-03-01",
          amount: "1000.00",
          central: "500.00",
          region: "125.00",
          prefecture: "250.00",
          county: "125.00",
        },
        {
          receipt_no: "H-2",
          uscc: uscc(11),
          tax_code: "VAT",
          collected_on: "2025-07-01",
          amount: "-200.00",
          scope: "gross",
          kind: "credit_refund",
          tax_period: "2025-06",
        },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.receipts).toEqual([
      expect.objectContaining({ receipt_no: "H-1", park: "BZ", central_share: "500.00", operator_share: "400.00" }),
      expect.objectContaining({ receipt_no: "H-2", park: "WZ", central_share: "-100.00", operator_share: "-80.00" }),
    ]);
  });

  it("shows an operator its own parks' budget items and nothing of another's", async () => {
    const own = await request(t.app)
      .get("/v1/reports/budget-items?year=2025&operator=bingtuan")
      .set(t.auth("bingtuan"));
    expect(own.status).toBe(200);
    expect(own.body.parks).toEqual(["BZ"]);
    const text = JSON.stringify(own.body);
    expect(text).toContain("1010101");
    for (const foreign of ["WZ", "-200.00", "-80.00", "urumqi"]) expect(text).not.toContain(foreign);
    const other = await request(t.app)
      .get("/v1/reports/budget-items?year=2025&operator=urumqi")
      .set(t.auth("bingtuan"));
    expect([403, 404]).toContain(other.status);
    expect(JSON.stringify(other.body)).not.toContain("-200.00");
    const all = await request(t.app).get("/v1/reports/budget-items?year=2025").set(t.auth("bingtuan"));
    expect([403, 404]).toContain(all.status);
    const prefecture = await request(t.app).get("/v1/reports/budget-items?year=2025").set(t.auth("prefecture"));
    expect(prefecture.body.parks).toEqual(["BZ", "WZ", "ZD"]);
  });
});
