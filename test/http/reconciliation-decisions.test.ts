// POST and GET /v1/reconciliation/decisions: the prefecture's finance and the operator itself decide on
// the operator's probable counterparts; auditors read and never decide; the statistics bureau neither
// (it sees no tax receipts); an operator never decides or reads another's, and nothing of the other
// operator is in any of its answers, field by field. A person signed in is named in what they decide.

import { Writable } from "node:stream";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { CALLERS, testApp, type Caller, type TestApp } from "./support.js";

const STATEMENT_HEADER = ["receipt_no", "uscc", "tax_code", "collected_on", "amount"];
const PASSWORD = "correct horse battery staple";
let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["P-4", uscc(2), "RES", "2025-04-10", "400.00", "local", "", ""],
    ["P-12", uscc(1), "VAT", "2025-06-01", "1000.00", "gross", "", ""],
    ["P-3", uscc(1), "CIT", "2025-03-03", "300.00", "local", "", ""],
    ["P-21", uscc(1), "VAT", "2025-06-05", "1000.00", "gross", "", ""],
    ["WP-57", uscc(11), "VAT", "2025-03-05", "573.31", "local", "", ""], // urumqi's
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  const bingtuan = csvFile([
    STATEMENT_HEADER,
    ["O-9", uscc(2), "RES", "2025-04-12", "400.00"],
    ["O-13", uscc(1), "VAT", "2025-06-02", "1000.00"],
  ]);
  expect((await cli(db, "import", "statements", "--party", "bingtuan", bingtuan)).code).toBe(0);
  const urumqi = csvFile([STATEMENT_HEADER, ["WU-61", uscc(11), "VAT", "2025-03-06", "573.31"]]);
  expect((await cli(db, "import", "statements", "--party", "urumqi", urumqi)).code).toBe(0);
  t = await testApp(db);
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  const added = await main(
    ["user", "add", "--name", "li.bt", "--party", "bingtuan", "--role", "finance"],
    { stdout: sink(), stderr: sink() },
    {},
    { db, password: async () => PASSWORD },
  );
  expect(added).toBe(0);
});
afterAll(async () => db?.drop());

const decide = (caller: Caller, body: object) =>
  request(t.app).post("/v1/reconciliation/decisions").set(t.auth(caller)).send(body);
const list = (caller: Caller, operator: string) =>
  request(t.app).get(`/v1/reconciliation/decisions?operator=${operator}&year=2025`).set(t.auth(caller));
const reconciliation = (caller: Caller, operator: string) =>
  request(t.app).get(`/v1/reports/reconciliation?year=2025&operator=${operator}`).set(t.auth(caller));

const P12 = { operator: "bingtuan", year: 2025, receipt_no: "P-12", counterpart_no: "O-13", decision: "confirm" };
const P4 = { operator: "bingtuan", year: 2025, receipt_no: "P-4", counterpart_no: "O-9", decision: "confirm" };
const WP57 = { operator: "urumqi", year: 2025, receipt_no: "WP-57", counterpart_no: "WU-61", decision: "confirm" };

/** Every string in a JSON answer, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

const MARKERS = {
  bingtuan: ["P-4", "P-12", "O-9", "O-13", uscc(1), uscc(2), /bingtuan/i, /\bBZ\b/, "li.bt"],
  urumqi: ["WP-57", "WU-61", "573.31", uscc(11), /urumqi/i, /\bWZ\b/],
};
const holds = (value: unknown, markers: (string | RegExp)[]) =>
  markers.filter((m) => strings(value).some((s) => (typeof m === "string" ? s.includes(m) : m.test(s))));

describe(`reconciliation decisions over HTTP (${dialectLabel})`, () => {
  it("records the prefecture's confirmation with its party, token and request: 201", async () => {
    const me = await request(t.app).get("/v1/me").set(t.auth("prefecture"));
    const res = await decide("prefecture", { ...P12, reason: "同一笔" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      year: 2025,
      operator: "bingtuan",
      park: null,
      receipt_no: "P-12",
      counterpart_no: "O-13",
      decision: "confirm",
      reason: "同一笔",
      party: "prefecture",
      user: null,
      token_id: me.body.token_id,
      request_id: res.headers["x-request-id"],
      decided_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const r = await reconciliation("prefecture", "bingtuan");
    const p12 = r.body.items.find((i: { receipt_no: string }) => i.receipt_no === "P-12");
    expect(p12).toMatchObject({
      status: "matched_by_decision",
      operator_share_effect: "0.00",
      decision: {
        decision: "confirm",
        party: "prefecture",
        user: null,
        reason: "同一笔",
        decided_at: res.body.decided_at,
      },
    });
    expect(r.body.summary.matched_by_decision).toBe(2);
  });

  it("lets the operator decide its own, without the serials shared with every party's", async () => {
    const res = await decide("bingtuan", P4);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: null, party: "bingtuan", user: null, decision: "confirm" });
    expect(res.body).not.toHaveProperty("token_id");
    const own = await decide("urumqi", WP57);
    expect(own.status, JSON.stringify(own.body)).toBe(201);
  });

  it("names the person signed in with a session", async () => {
    const signIn = await request(t.app).post("/v1/session").send({ name: "li.bt", password: PASSWORD });
    expect(signIn.status).toBe(201);
    const cookie = String(signIn.headers["set-cookie"]?.[0] ?? "").split(";")[0]!;
    const res = await request(t.app)
      .post("/v1/reconciliation/decisions")
      .set("Cookie", cookie)
      .send({ ...P4, decision: "reject", reason: "撤回：不是同一笔" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ party: "bingtuan", user: "li.bt", decision: "reject" });
    const r = await reconciliation("bingtuan", "bingtuan");
    const p4 = r.body.items.find((i: { receipt_no: string }) => i.receipt_no === "P-4");
    expect(p4).toMatchObject({
      status: "missing_in_operator",
      probable_counterpart: null,
      decision: { decision: "reject", party: "bingtuan", user: "li.bt", reason: "撤回：不是同一笔" },
    });
    const { rows } = await db.knex.raw(
      "select user_name, token_id, request_id, posted_by from reconciliation_decisions where user_name = 'li.bt'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_id).not.toBeNull();
    expect(rows[0].request_id).toBe(res.headers["x-request-id"]);
    expect(rows[0].posted_by).toBe("api:bingtuan");
  });

  it("lets only the prefecture and the operator itself decide", async () => {
    for (const caller of CALLERS) {
      const res = await decide(caller, { ...P4, decision: "reject", reason: "matrix" });
      const want = caller === "prefecture" || caller === "bingtuan" ? 201 : 403;
      expect(res.status, `${caller}: ${JSON.stringify(res.body)}`).toBe(want);
      if (want === 403) expect(res.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    }
    // another operator's, named any way, is refused before anything is looked at
    for (const operator of ["urumqi", "Urumqi", "乌鲁木齐", "nobody"]) {
      const res = await decide("bingtuan", { ...WP57, operator });
      expect(res.status, operator).toBe(403);
      expect(strings(res.body).join(" ")).not.toMatch(/WP-57|WU-61|573/);
    }
  });

  it("lets the prefecture, the auditors and the operator itself read the history, newest first", async () => {
    for (const caller of CALLERS) {
      const res = await list(caller, "bingtuan");
      const want = ["prefecture", "bingtuan", "auditor"].includes(caller) ? 200 : 403;
      expect(res.status, caller).toBe(want);
    }
    const full = await list("auditor", "bingtuan");
    const ids = full.body.map((d: { id: string }) => BigInt(d.id));
    expect(ids).toEqual([...ids].sort((a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0)));
    expect(full.body.every((d: { token_id?: string }) => typeof d.token_id === "string")).toBe(true);
    expect(full.body.map((d: { decision: string; receipt_no: string }) => `${d.receipt_no}/${d.decision}`)).toEqual([
      "P-4/reject",
      "P-4/reject",
      "P-4/reject",
      "P-4/confirm",
      "P-12/confirm",
    ]);
    const own = await list("bingtuan", "bingtuan");
    expect(own.body.every((d: { id: unknown }) => d.id === null)).toBe(true);
    expect(own.body.some((d: object) => "token_id" in d)).toBe(false);
  });

  it("carries nothing of the other operator in an operator's answers, field by field", async () => {
    for (const [own, other] of [
      ["bingtuan", "urumqi"],
      ["urumqi", "bingtuan"],
    ] as const) {
      const answers = [
        (await list(own, own)).body,
        (await reconciliation(own, own)).body,
        (await decide(own, own === "bingtuan" ? { ...P4, decision: "reject", reason: "again" } : WP57)).body,
      ];
      for (const a of answers) expect(holds(a, MARKERS[other]), `${own} sees ${other}'s`).toEqual([]);
      expect(holds(answers[0], MARKERS[own].slice(0, 2)).length).toBeGreaterThan(0);
      const refused = await list(own, other);
      expect(refused.status).toBe(403);
      expect(holds(refused.body, MARKERS[other])).toEqual([]);
    }
  });

  it("refuses an invalid pair with 422 naming the field and the reason, never a 500", async () => {
    const cases: [object, number, string, string, RegExp][] = [
      [{ ...P4, receipt_no: "P-3" }, 422, "counterpart_no", "reconciliation_pair_differs", /enterprise/],
      [{ ...P4, receipt_no: "NOPE" }, 422, "receipt_no", "reconciliation_row_unknown", /no receipt NOPE/],
      [{ ...P4, counterpart_no: "NOPE" }, 422, "counterpart_no", "reconciliation_row_unknown", /no row NOPE/],
      [{ ...P4, receipt_no: "WP-57" }, 422, "receipt_no", "reconciliation_row_unknown", /no receipt WP-57/],
      [{ ...P12, receipt_no: "P-21" }, 409, "counterpart_no", "reconciliation_pair_taken", /reject that pair/],
      [{ ...P4, decision: "reject" }, 422, "reason", "reason_required", /says why/],
      [{ ...P4, park: "WZ" }, 422, "park", "park_unknown", /not a park bingtuan runs/],
    ];
    for (const [body, status, field, code, reason] of cases) {
      const res = await decide("prefecture", body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.details.field).toBe(field);
      expect(res.body.error.details.reason).toMatch(reason);
    }
    // the same receipt for bingtuan is simply unknown, as one that does not exist
    const other = await decide("bingtuan", { ...P4, receipt_no: "WP-57" });
    const none = await decide("bingtuan", { ...P4, receipt_no: "WP-99" });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe(none.body.error.code);
    expect(other.body.error.message.replace("WP-57", "X")).toBe(none.body.error.message.replace("WP-99", "X"));
    for (const body of [
      { ...P4, decision: "maybe" },
      { ...P4, year: "2025" },
      { ...P4, extra: 1 },
      { ...P4, receipt_no: "" },
      { operator: "bingtuan", year: 2025 },
    ]) {
      const res = await decide("prefecture", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const unknown = await list("prefecture", "nobody");
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.field).toBe("operator");
  });

  it("describes both routes in the OpenAPI document", async () => {
    const res = await request(t.app).get("/v1/openapi.json").set(t.auth("auditor"));
    const path = res.body.paths["/reconciliation/decisions"];
    expect(path.post.requestBody.content["application/json"].schema.properties.decision.enum).toEqual([
      "confirm",
      "reject",
    ]);
    expect(path.get.parameters.map((p: { name: string }) => p.name)).toEqual(["operator", "year"]);
  });
});
