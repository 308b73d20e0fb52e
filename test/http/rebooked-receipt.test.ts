// A receipt rebooked out of suspense over HTTP (docs/decisions/0013-registry-versions.md): once a late
// registry row places it in BZ, Bingtuan reads it (GET /v1/receipts/{no}) in BZ with its split, and
// Urumqi is answered exactly as for a receipt that does not exist, field for field; a refund of it
// posted to the desk afterwards is booked in BZ, never held, split cumulatively as the ledger splits a
// refund of a receipt booked there directly.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;
const MARK = "八零二迟到登记有限公司";

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["HS-1", uscc(802), "VAT", "2026-02-10", "1000.03", "gross", "", ""],
    ["HD-1", uscc(1), "VAT", "2026-02-10", "1000.03", "gross", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

const SPLIT = ["amount", "central_share", "local_revenue", "operator_share", "host_share"] as const;
const splitOf = (body: Record<string, unknown>) => Object.fromEntries(SPLIT.map((k) => [k, body[k]]));

describe(`a receipt rebooked out of suspense over HTTP (${dialectLabel})`, () => {
  it("is the operator's of the park it was rebooked into, and no one else's", async () => {
    const held = await request(t.app).get("/v1/receipts/HS-1").set(t.auth("bingtuan"));
    expect(held.status).toBe(404);
    const late = csvFile([
      [...ENTERPRISE_HEADER, "bingtuan_flag_removed_on"],
      [uscc(802), MARK, "BZ", "2026-01-01", "", "new", "bingtuan", "false", ""],
    ]);
    expect((await cli(db, "import", "enterprises", late)).code).toBe(0);

    const own = await request(t.app).get("/v1/receipts/HS-1").set(t.auth("bingtuan"));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ status: "posted", park: "BZ", operator: "bingtuan" });
    const direct = await request(t.app).get("/v1/receipts/HD-1").set(t.auth("bingtuan"));
    expect(splitOf(own.body)).toEqual(splitOf(direct.body));

    const other = await request(t.app).get("/v1/receipts/HS-1").set(t.auth("urumqi"));
    const none = await request(t.app).get("/v1/receipts/NO-SUCH").set(t.auth("urumqi"));
    expect(other.status).toBe(404);
    expect([other.status, other.body]).toEqual([none.status, none.body]);
    expect(JSON.stringify(other.body)).not.toMatch(/HS-1|BZ|bingtuan/);
    for (const caller of ["prefecture", "auditor"] as const) {
      const res = await request(t.app).get("/v1/receipts/HS-1").set(t.auth(caller));
      expect(res.body).toMatchObject({ status: "posted", park: "BZ" });
    }
  });

  it("books a refund of it posted afterwards in BZ, as a refund of the receipt booked there directly", async () => {
    const refund = (no: string, of: string, who: string) =>
      request(t.app).post("/v1/receipts").set(t.auth("prefecture")).set("Idempotency-Key", `k-${no}`).send({
        receipt_no: no,
        uscc: who,
        tax_code: "VAT",
        collected_on: "2026-03-01",
        amount: "-200.01",
        refund_of: of,
      });
    const a = await refund("HS-1-R", "HS-1", uscc(802));
    const b = await refund("HD-1-R", "HD-1", uscc(1));
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(b.status).toBe(201);
    const s = await request(t.app).get("/v1/receipts/HS-1-R").set(t.auth("bingtuan"));
    const d = await request(t.app).get("/v1/receipts/HD-1-R").set(t.auth("bingtuan"));
    expect(s.body).toMatchObject({ status: "posted", park: "BZ", refund_of: "HS-1" });
    expect(splitOf(s.body)).toEqual(splitOf(d.body));
    expect((await request(t.app).get("/v1/receipts/HS-1-R").set(t.auth("urumqi"))).status).toBe(404);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.json().intact, v.stdout).toBe(true);
  });
});
