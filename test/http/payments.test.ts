// Payments over HTTP: only the host's finance department records a payment of a settled balance
// (an operator's word that it paid is not the host's receipt); the ageing and the payments list answer
// each operator with its own parks only, in every field, in JSON and CSV alike.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beijingDate } from "../../ledger/payments.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { CALLERS, testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;
let due: string;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["H-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""], // Bingtuan's share 4000.00
    ["H-2", uscc(11), "VAT", "2025-03-10", "8000.00", "gross", "", ""], // Urumqi's share 3200.00
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  for (const [operator, amount, ref] of [
    ["bingtuan", "1000.00", "HB-1"],
    ["urumqi", "5000.00", "HU-1"],
  ] as const)
    expect(
      (await cli(db, "transfer", "--operator", operator, "--amount", amount, "--on", "2025-06-30", "--ref", ref)).code,
    ).toBe(0);
  for (const operator of ["bingtuan", "urumqi"]) {
    const s = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      operator,
      "--override-reason",
      "settled without a statement in this test",
      "--format",
      "json",
    );
    expect(s.code, s.stderr).toBe(0);
    due = beijingDate(new Date(s.json().closed_at));
  }
  t = await testApp(db);
});
afterAll(async () => db?.drop());

const body = (over: Record<string, unknown> = {}) => ({
  operator: "bingtuan",
  year: 2025,
  amount: "1234.56",
  on: due,
  ref: "HP-1",
  method: "direct",
  ...over,
});

const entries = async () => String((await db.knex.raw("select count(*) as n from journal_entries")).rows[0].n);

describe(`payments over HTTP (${dialectLabel})`, () => {
  it("lets only the prefecture's finance record a payment; a refused one books nothing", async () => {
    const before = await entries();
    for (const caller of CALLERS.filter((c) => c !== "prefecture")) {
      const own =
        caller === "urumqi" ? { operator: "urumqi", amount: "100.00", ref: `HP-${caller}` } : { ref: `HP-${caller}` };
      const res = await request(t.app).post("/v1/payments").set(t.auth(caller)).send(body(own));
      expect(res.status, caller).toBe(403);
      expect(res.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    }
    expect(await entries()).toBe(before);
    const ok = await request(t.app).post("/v1/payments").set(t.auth("prefecture")).send(body());
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ direction: "host_to_operator", outstanding_after: "1765.44", replayed: false });
    expect(ok.body.entry_id).toMatch(/^\d+$/);
    const again = await request(t.app).post("/v1/payments").set(t.auth("prefecture")).send(body());
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
  });

  it("names the field and the rule of a refused payment: 422 for a broken rule, 409 for a reused ref, 400 for bad JSON", async () => {
    const pay = (b: object) => request(t.app).post("/v1/payments").set(t.auth("prefecture")).send(b);
    const over = await pay(body({ ref: "HP-2", amount: "1765.45" }));
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe("overpayment");
    expect(over.body.error.details.field).toBe("amount");
    const reused = await pay(body({ amount: "1.00" }));
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("payment_ref_reused");
    const unsettled = await pay(body({ ref: "HP-3", year: 2024 }));
    expect(unsettled.status).toBe(422);
    expect(unsettled.body.error).toMatchObject({ code: "payment_year_not_settled", details: { field: "year" } });
    expect((await pay(body({ ref: "HP-4", amount: 5 }))).status).toBe(400);
    expect((await pay(body({ ref: "HP-5", method: "cash" }))).status).toBe(400);
    expect((await pay(body({ ref: "HP-6", direction: "operator_to_host" }))).status).toBe(400);
    const negative = await pay(body({ ref: "HP-7", amount: "-1.00" }));
    expect(negative.status).toBe(422);
    expect(negative.body.error.code).toBe("payment_not_positive");
  });

  it("answers each operator's ageing and payments with its own parks only, in every field", async () => {
    const u = await request(t.app)
      .post("/v1/payments")
      .set(t.auth("prefecture"))
      .send(body({ operator: "urumqi", amount: "777.77", ref: "HP-U", method: "remittance" }));
    expect(u.status, JSON.stringify(u.body)).toBe(201);

    const full = await request(t.app).get(`/v1/reports/ageing?as_of=${due}`).set(t.auth("prefecture"));
    expect(full.status).toBe(200);
    expect(full.body.rows.map((r: { operator: string }) => r.operator)).toEqual(["bingtuan", "urumqi"]);
    const auditor = await request(t.app).get("/v1/reports/payments").set(t.auth("auditor"));
    expect(auditor.body.payments).toHaveLength(2);

    const others: Record<string, RegExp> = {
      bingtuan: /urumqi|乌鲁木齐|WZ|HP-U|777\.77|1800\.00|1022\.23/,
      urumqi: /bingtuan|兵团|BZ|HP-1|1234\.56|3000\.00|1765\.44/,
    };
    for (const caller of ["bingtuan", "urumqi"] as const) {
      for (const url of [
        `/v1/reports/ageing?as_of=${due}`,
        `/v1/reports/ageing?as_of=${due}&format=csv`,
        "/v1/reports/payments",
        "/v1/reports/payments?format=csv",
        "/v1/reports/payments?year=2025",
      ]) {
        const res = await request(t.app).get(url).set(t.auth(caller));
        expect(res.status, `${caller} ${url}`).toBe(200);
        const text = res.type.includes("json") ? JSON.stringify(res.body) : res.text;
        expect(text, `${caller} ${url}`).not.toMatch(others[caller]!);
      }
      const own = await request(t.app).get("/v1/reports/payments").set(t.auth(caller));
      expect(own.body.payments).toHaveLength(1);
      // the entry id is a serial shared by every park; the request was the prefecture's
      expect(own.body.payments[0]).toMatchObject({ operator: caller, entry_id: null, recorded_by: null });
      const other = caller === "bingtuan" ? "urumqi" : "bingtuan";
      for (const url of [`/v1/reports/ageing?operator=${other}`, `/v1/reports/payments?operator=${other}`]) {
        const res = await request(t.app).get(url).set(t.auth(caller));
        expect(res.status).toBe(403);
        expect(Object.keys(res.body)).toEqual(["error"]);
      }
    }
    // another operator's park is answered as a park that does not exist
    for (const url of ["/v1/reports/ageing", "/v1/reports/payments"]) {
      const other = await request(t.app).get(`${url}?park=WZ`).set(t.auth("bingtuan"));
      const none = await request(t.app).get(`${url}?park=QQ`).set(t.auth("bingtuan"));
      expect(other.status).toBe(422);
      expect([other.status, other.body]).toEqual([none.status, none.body]);
      const own = await request(t.app).get(`${url}?park=BZ`).set(t.auth("bingtuan"));
      expect(own.status).toBe(200);
    }
    const statistics = await request(t.app).get("/v1/reports/ageing").set(t.auth("statistics"));
    expect(statistics.status).toBe(403);
    const mine = await request(t.app).get(`/v1/reports/ageing?as_of=${due}`).set(t.auth("urumqi"));
    expect(mine.body.rows).toEqual([
      expect.objectContaining({ debtor: "urumqi", creditor: "prefecture", settled: "1800.00", outstanding: "1022.23" }),
    ]);
    expect(mine.body.totals).toHaveLength(1);
    expect(mine.body.outstanding).toBe("1022.23");
  });

  it("refuses an as_of that is not a date, naming the field", async () => {
    const res = await request(t.app).get("/v1/reports/ageing?as_of=2026-02-30").set(t.auth("prefecture"));
    expect(res.status).toBe(422);
    expect(res.body.error.details.field).toBe("as_of");
  });
});
