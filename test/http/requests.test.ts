// What the service does with what clients send: bad requests get a 4xx with a clear message and a
// stable code, retries with the same Idempotency-Key book nothing twice, what was posted says which
// request posted it, the logs name the party but never the token, and the OpenAPI document describes
// every route.

import express from "express";
import helmet from "helmet";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../src/http/app.js";
import { HELMET_OPTIONS } from "../../src/http/security-headers.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  t = await testApp(db, { json_limit: "64kb" });
});
afterAll(async () => db?.drop());

const receipt = (no: string, amount = "100.00") => ({
  receipt_no: no,
  uscc: uscc(1),
  tax_code: "VAT",
  collected_on: "2025-04-01",
  amount,
  scope: "gross",
});

function post(path: string, key?: string) {
  const r = request(t.app).post(path).set(t.auth("prefecture"));
  return key === undefined ? r : r.set("Idempotency-Key", key);
}

describe(`bad requests (${dialectLabel})`, () => {
  it.each<[string, (r: request.Test) => request.Test, number, string]>([
    ["malformed JSON", (r) => r.set("Content-Type", "application/json").send('{"receipt_no": '), 400, "malformed_json"],
    ["money as a JSON number", (r) => r.send({ ...receipt("B-1"), amount: 100.5 }), 400, "invalid_request"],
    ["money with three decimals", (r) => r.send(receipt("B-2", "1.005")), 400, "invalid_request"],
    ["money with an exponent", (r) => r.send(receipt("B-3", "1e3")), 400, "invalid_request"],
    ["a wrong type", (r) => r.send({ ...receipt("B-4"), receipt_no: 42 }), 400, "invalid_request"],
    ["an unknown field", (r) => r.send({ ...receipt("B-5"), discount: "1.00" }), 400, "invalid_request"],
    ["a missing field", (r) => r.send({ receipt_no: "B-6" }), 400, "invalid_request"],
    ["a form instead of JSON", (r) => r.type("form").send("receipt_no=B-7"), 415, "unsupported_media_type"],
    ["a body over the limit", (r) => r.send({ receipts: "x".repeat(100_000) }), 413, "payload_too_large"],
    ["a bad check character", (r) => r.send({ ...receipt("B-8"), uscc: uscc(1).slice(0, 17) + "0" }), 422, "rejected"],
  ])("%s → %i %s", async (_name, send, status, code) => {
    const res = await send(post("/v1/receipts", `bad-${_name}`));
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+\.(ts|js):\d+/); // no stack trace
  });

  it("names the field and the receipt of a rejected batch, and books none of it", async () => {
    const res = await post("/v1/receipts/batch", "bad-batch").send({
      receipts: [
        receipt("BB-1"),
        { ...receipt("BB-2"), tax_code: "NOPE" },
        { ...receipt("BB-3"), collected_on: "2025-02-30" },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject([
      { index: 1, field: "tax_code", code: "tax_code_unknown" },
      { index: 2, field: "collected_on", code: "date_invalid" },
    ]);
    const { rows } = await db.knex.raw(`select count(*) as n from receipts where receipt_no like 'BB-%'`);
    expect(Number(rows[0].n)).toBe(0);
  });

  it("asks for an Idempotency-Key on writes that book receipts", async () => {
    const res = await post("/v1/receipts").send(receipt("NK-1"));
    expect(res.status).toBe(428);
    expect(res.body.error.code).toBe("idempotency_key_required");
  });

  it("refuses a receipt number reused with other content as a conflict", async () => {
    expect((await post("/v1/receipts", "c-1").send(receipt("C-1"))).status).toBe(201);
    const res = await post("/v1/receipts", "c-2").send(receipt("C-1", "99.00"));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("receipt_no_reused");
  });

  it("answers an unknown route and an unknown report parameter clearly", async () => {
    expect((await request(t.app).get("/v1/nothing").set(t.auth("auditor"))).status).toBe(404);
    const res = await request(t.app)
      .get("/v1/reports/settlement?year=2025&operator=bingtuan&colour=red")
      .set(t.auth("auditor"));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/colour/);
    const bad = await request(t.app).get("/v1/reports/settlement?year=20x5&operator=bingtuan").set(t.auth("auditor"));
    expect(bad.status).toBe(400);
  });

  it("sets security headers and a request id on every answer", async () => {
    const res = await request(t.app).get("/v1/health");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-request-id"]).toMatch(/^[\w-]{8,}$/);
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it("sets exactly helmet's headers, worked out once (src/http/security-headers.ts)", async () => {
    const own = express();
    own.use(helmet(HELMET_OPTIONS));
    own.get("/", (_req, res) => res.send("ok"));
    const want = (await request(own).get("/")).headers;
    const got = (await request(t.app).get("/v1/health")).headers;
    const names = Object.keys(want).filter(
      (h) => !["date", "etag", "content-length", "content-type", "connection", "keep-alive"].includes(h),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(got[name], name).toBe(want[name]);
  });
});

describe(`idempotency and the audit trail (${dialectLabel})`, () => {
  it("replays the first answer for a retry with the same key and body, booking nothing twice", async () => {
    const first = await post("/v1/receipts", "same-1").send(receipt("I-1", "33.33"));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      booked: 1,
      receipts: [{ receipt_no: "I-1", outcome: "booked", operator_share: "13.33" }],
    });
    const retry = await post("/v1/receipts", "same-1").send(receipt("I-1", "33.33"));
    expect(retry.status).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    const other = await post("/v1/receipts", "same-1").send(receipt("I-2", "33.33"));
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    const { rows } = await db.knex.raw(
      `select count(*) as n from journal_entries where idempotency_key in ('receipt:I-1', 'receipt:I-2')`,
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it("books a refund of a posted receipt with its split, and refuses refunding more than it", async () => {
    expect((await post("/v1/receipts", "rf-1").send(receipt("RF-1", "50.00"))).status).toBe(201);
    const refund = { ...receipt("RF-2", "-20.00"), refund_of: "RF-1", collected_on: "2025-05-01" };
    const r = await post("/v1/receipts", "rf-2").send(refund);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.receipts[0]).toMatchObject({ amount: "-20.00", central_share: "-10.00", operator_share: "-8.00" });
    const over = await post("/v1/receipts", "rf-3").send({ ...refund, receipt_no: "RF-3", amount: "-30.01" });
    expect(over.status).toBe(422);
    expect(over.body.error.details[0]).toMatchObject({ index: 0, code: "refund_exceeds_original" });
    const of = await post("/v1/receipts", "rf-4").send({ ...refund, receipt_no: "RF-4", refund_of: "RF-2" });
    expect(of.status).toBe(422);
  });

  it("says the same receipt under a new key is unchanged, not booked again", async () => {
    const res = await post("/v1/receipts", "same-2").send(receipt("I-1", "33.33"));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ booked: 0, unchanged: 1, receipts: [{ outcome: "unchanged" }] });
  });

  it("records on each entry the request, party and token that posted it, and traces it back", async () => {
    // the id recorded is the server's own, whatever the client sends
    const res = await post("/v1/receipts", "audit-1").set("X-Request-Id", "forged-id").send(receipt("A-1", "10.00"));
    expect(res.status).toBe(201);
    const id = res.headers["x-request-id"] as string;
    expect(id).not.toBe("forged-id");
    const { rows } = await db.knex.raw(
      `select posted_by, request_id, party, token_id from journal_entries where idempotency_key = 'receipt:A-1'`,
    );
    expect(rows[0]).toMatchObject({ posted_by: "api:prefecture", request_id: id, party: "prefecture" });
    const tr = await request(t.app)
      .get("/v1/trace/settlement?year=2025&operator=bingtuan&tax=VAT")
      .set(t.auth("auditor"));
    expect(tr.status).toBe(200);
    expect(tr.body.agrees).toBe(true);
    const entry = tr.body.entries.find((e: { idempotency_key: string }) => e.idempotency_key === "receipt:A-1");
    expect(entry.source).toMatchObject({ request_id: id, party: "prefecture" });
    const v = await request(t.app).get("/v1/verify").set(t.auth("auditor"));
    expect(v.body).toMatchObject({ intact: true });
    const anchored = await request(t.app)
      .get(`/v1/verify?anchor=${v.body.chain.head_id}:${v.body.chain.head_hash}`)
      .set(t.auth("auditor"));
    expect(anchored.body).toMatchObject({ intact: true });
    const wrong = await request(t.app)
      .get(`/v1/verify?anchor=${v.body.chain.head_id}:${"0".repeat(64)}`)
      .set(t.auth("auditor"));
    expect(wrong.body.intact).toBe(false);
    expect(wrong.body.findings[0].check).toBe("hash_chain_anchor");
  });

  it("asks which operator a statement belongs to", async () => {
    const res = await post("/v1/imports/statements").set("Content-Type", "text/csv").send("receipt_no\n");
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/party/);
  });

  it("logs each request with its id and party, and never the token", async () => {
    const res = await request(t.app).get("/v1/me").set(t.auth("bingtuan")).set("X-Request-Id", "client-log-1");
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.req?.id === res.headers["x-request-id"]);
    expect(line).toMatchObject({
      party: "bingtuan",
      role: "finance",
      client_request_id: "client-log-1",
      res: { statusCode: 200 },
    });
    const all = t.logs.join("\n");
    for (const token of Object.values(t.tokens)) expect(all).not.toContain(token);
    expect(all).not.toMatch(/authorization/i);
  });
});

describe(`writes replayed (${dialectLabel})`, () => {
  it("answers 201 for a transfer or a settlement that books, 200 when it was already done", async () => {
    const transfer = { operator: "urumqi", amount: "5.00", on: "2025-06-01", ref: "TR-R-1" };
    expect((await post("/v1/transfers").send(transfer)).status).toBe(201);
    const again = await post("/v1/transfers").send(transfer);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    const other = await post("/v1/transfers").send({ ...transfer, amount: "6.00" });
    expect(other.status).toBe(409);
    const agreement = { park: "WZ", operator_share: "72.5", from: "2028-01-01", note: "retry" };
    expect((await post("/v1/agreements").send(agreement)).status).toBe(201);
    const retried = await post("/v1/agreements").send(agreement);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ replayed: true, operator_share_pct: "72.50" });
    const versions = await request(t.app).get("/v1/agreements").set(t.auth("auditor"));
    expect(versions.body.filter((a: { effective_from: string }) => a.effective_from === "2028-01-01")).toHaveLength(1);
    const ratio = { tax: "RES", central_share: "10", from: "2028-01-01" };
    expect((await post("/v1/ratios").send(ratio)).status).toBe(201);
    expect((await post("/v1/ratios").send(ratio)).status).toBe(200);
    // 2023 holds nothing: closing it is refused unless asked for in so many words
    const empty = await post("/v1/settlements").send({ year: 2023, operator: "urumqi" });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: "year_empty" });
    const settle = { year: 2023, operator: "urumqi", empty_year: true, override_reason: "an empty year, no statement" };
    expect((await post("/v1/settlements").send(settle)).status).toBe(201);
    expect((await post("/v1/settlements").send(settle)).status).toBe(200);
  });
});

describe(`reports over HTTP (${dialectLabel})`, () => {
  it("answers a report in JSON, CSV, xlsx and a table, by ?format= or Accept", async () => {
    const url = "/v1/reports/settlement?year=2025&operator=bingtuan";
    const json = await request(t.app).get(url).set(t.auth("auditor"));
    expect(json.headers["content-type"]).toMatch(/application\/json/);
    expect(json.body.totals.operator_share).toMatch(/^\d+\.\d{2}$/);
    const csv = await request(t.app).get(url).set(t.auth("auditor")).set("Accept", "text/csv");
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    expect(csv.text).toContain("tax_code,tax_name_zh");
    // a download names itself after what was asked, so a saved file says what it holds
    expect(csv.headers["content-disposition"]).toBe("attachment; filename=parkledger-settlement-2025-bingtuan.csv");
    expect(json.headers["content-disposition"]).toBeUndefined();
    const xlsx = await request(t.app)
      .get(`${url}&format=xlsx`)
      .set(t.auth("auditor"))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      });
    expect(xlsx.headers["content-type"]).toMatch(/spreadsheetml/);
    expect((xlsx.body as Buffer).subarray(0, 2).toString()).toBe("PK");
    expect(xlsx.headers["content-disposition"]).toBe("attachment; filename=parkledger-settlement-2025-bingtuan.xlsx");
    const table = await request(t.app).get(`${url}&format=table`).set(t.auth("auditor"));
    expect(table.text).toContain("分成核算表");
    const none = await request(t.app).get(url).set(t.auth("auditor")).set("Accept", "image/png");
    expect(none.status).toBe(406);
  });

  it("imports an uploaded file and says so, and says so again for the same file", async () => {
    const csv = `receipt_no,uscc,tax_code,collected_on,amount,scope\nUP-1,${uscc(2)},CIT,2025-05-01,50.00,gross\n`;
    const first = await post("/v1/imports/receipts?name=upload.csv").set("Content-Type", "text/csv").send(csv);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ receipts: 1, already_imported: false });
    const again = await post("/v1/imports/receipts?name=upload.csv").set("Content-Type", "text/csv").send(csv);
    expect(again.body).toMatchObject({ already_imported: true });
    const bad = await post("/v1/imports/receipts?name=bad.csv").set("Content-Type", "text/csv").send("nonsense\n1\n");
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0]).toMatchObject({ code: "column_unknown" });
  });
});

describe("the OpenAPI document", () => {
  it("describes every route with its parameters, body and responses", async () => {
    const res = await request(t.app).get("/v1/openapi.json").set(t.auth("auditor"));
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.0.3");
    for (const route of ROUTES) {
      const op = res.body.paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.responses["403"]).toBeDefined();
    }
    const post = res.body.paths["/receipts"].post;
    expect(post.requestBody.content["application/json"].schema.properties.amount.type).toBe("string");
    expect(post.requestBody.content["application/json"].schema.additionalProperties).toBe(false);
    expect(post.parameters.some((p: { name: string }) => p.name === "Idempotency-Key")).toBe(true);
    // what the web workspace calls beside ROUTES is described too, so its typed client knows it
    const signIn = res.body.paths["/session"].post;
    expect(signIn.security).toEqual([]);
    expect(Object.keys(signIn.requestBody.content["application/json"].schema.properties).sort()).toEqual([
      "name",
      "password",
    ]);
    expect(signIn.responses["201"].content["application/json"].schema.properties.password).toBeUndefined();
    expect(res.body.paths["/session"].delete.responses["204"]).toBeDefined();
    expect(res.body.paths["/me"].get.responses["200"]).toBeDefined();
    expect(res.body.paths["/users"].post.responses["403"]).toBeDefined();
    expect(res.body.components.securitySchemes.session).toEqual({ type: "apiKey", in: "cookie", name: "plk_session" });
  });
});
