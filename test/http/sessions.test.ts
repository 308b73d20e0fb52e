// People sign in to the web workspace: a password kept as an argon2id hash, an httpOnly SameSite=Strict
// session cookie that expires and ends on sign-out, failed sign-ins throttled; what a person sees and
// posts is exactly what their party's token would see and post, recorded under their own token.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "./support.js";
import { Writable } from "node:stream";

let db: TestDatabase;
let t: TestApp;
const PASSWORD = "correct horse battery staple";

async function addUser(name: string, party: string, role: string, password = PASSWORD) {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  return main(
    ["user", "add", "--name", name, "--party", party, "--role", role],
    { stdout: sink(), stderr: sink() },
    {},
    {
      db,
      password: async () => password,
    },
  );
}

async function signIn(name: string, password = PASSWORD) {
  return request(t.app).post("/v1/session").send({ name, password });
}

const cookieOf = (r: request.Response) => String(r.headers["set-cookie"]?.[0] ?? "").split(";")[0]!;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const file = csvFile([
    RECEIPT_HEADER,
    ["S-BZ", uscc(1), "VAT", "2025-03-01", "100.00", "gross", "", ""],
    ["S-WZ", uscc(11), "VAT", "2025-03-02", "777.77", "gross", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", file)).code).toBe(0);
  t = await testApp(db);
  expect(await addUser("wang.fin", "prefecture", "finance")).toBe(0);
  expect(await addUser("li.bt", "bingtuan", "finance")).toBe(0);
});
afterAll(async () => db?.drop());

describe(`people sign in (${dialectLabel})`, () => {
  it("keeps a password only as an argon2id hash, and refuses a short one", async () => {
    const { rows } = await db.knex.raw("select password_hash from users where name = 'wang.fin'");
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].password_hash).not.toContain(PASSWORD);
    expect(await addUser("short.pw", "urumqi", "finance", "short")).toBe(2);
  });

  it("signs in with an httpOnly, SameSite=Strict cookie whose secret is nowhere in the answer", async () => {
    const r = await signIn("wang.fin");
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: "wang.fin", party: "prefecture", role: "finance" });
    const header = String(r.headers["set-cookie"]?.[0]);
    expect(header).toMatch(/^plk_session=[\w-]{20,};/);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(JSON.stringify(r.body)).not.toContain(cookieOf(r).split("=")[1]);
    const me = await request(t.app).get("/v1/me").set("Cookie", cookieOf(r));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ party: "prefecture", role: "finance" });
  });

  it("refuses a wrong password or an unknown name alike, saying nothing of which", async () => {
    const wrong = await signIn("wang.fin", "not the password");
    const unknown = await signIn("nobody.here", PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("shows an operator's person its own park only, field by field, as its token would", async () => {
    const cookie = cookieOf(await signIn("li.bt"));
    const own = await request(t.app).get("/v1/reports/settlement?year=2025&operator=bingtuan").set("Cookie", cookie);
    expect(own.status).toBe(200);
    expect(own.body.totals.local_revenue).toBe("50.00");
    const other = await request(t.app).get("/v1/reports/settlement?year=2025&operator=urumqi").set("Cookie", cookie);
    expect([403, 404]).toContain(other.status);
    expect(JSON.stringify(other.body)).not.toContain("777.77");
    const receipt = await request(t.app).get("/v1/receipts/S-WZ").set("Cookie", cookie);
    expect(receipt.status).toBe(404);
  });

  it("adds a person of an operator's statistics bureau, who reads and writes its own park's indicators only", async () => {
    expect(await addUser("zhao.bt.stats", "bingtuan", "statistics")).toBe(0);
    // the prefecture runs no park for another host, the bureaus hold their own role only
    expect(await addUser("no.pref.stats", "prefecture", "statistics")).toBe(2);
    expect(await addUser("no.stats.fin", "statistics", "finance")).toBe(2);
    const refused = await cli(db, "token", "create", "--party", "prefecture", "--role", "statistics");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/role/);
    expect(refused.stderr).toMatch(/prefecture holds the role finance, not statistics/);
    const listed = await cli(db, "token", "create", "--party", "urumqi", "--role", "statistics", "--format", "json");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json()).toMatchObject({ party: "urumqi", role: "statistics" });
    // the database holds the rule as well
    await expect(
      db
        .knex("api_tokens")
        .insert({ party: "prefecture", role: "statistics", token_sha256: "x".repeat(64), hint: "plk_x" }),
    ).rejects.toThrow(/runs no park/);

    const cookie = cookieOf(await signIn("zhao.bt.stats"));
    const me = await request(t.app).get("/v1/me").set("Cookie", cookie);
    expect(me.body).toMatchObject({ party: "bingtuan", role: "statistics", operates: ["BZ"] });
    const upload = (csv: string) =>
      request(t.app)
        .post("/v1/imports/indicators?name=m.csv")
        .set("Cookie", cookie)
        .set("Content-Type", "text/csv")
        .send(csv);
    const own = await upload("park,indicator,month,value\nBZ,GDP,2025-02,12.5\n");
    expect(own.status, own.text).toBe(201);
    const other = await upload("park,indicator,month,value\nWZ,GDP,2025-02,99\n");
    expect(other.status).toBe(422);
    expect(other.text).not.toMatch(/ZD/);
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=BZ").set("Cookie", cookie)).status).toBe(
      200,
    );
    expect((await request(t.app).get("/v1/reports/indicators?year=2025&park=WZ").set("Cookie", cookie)).status).toBe(
      403,
    );
    const money = await request(t.app).get("/v1/reports/settlement?year=2025&operator=bingtuan").set("Cookie", cookie);
    expect(money.status).toBe(403);
  });

  it("records what a person posts under their own token", async () => {
    const cookie = cookieOf(await signIn("wang.fin"));
    const r = await request(t.app)
      .post("/v1/receipts")
      .set("Cookie", cookie)
      .set("Idempotency-Key", "session-1")
      .send({
        receipt_no: "S-P1",
        uscc: uscc(2),
        tax_code: "VAT",
        collected_on: "2025-04-01",
        amount: "10.00",
        scope: "gross",
      });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const { rows } = await db.knex.raw(
      `select t.label from receipts r join journal_entries e on e.id = r.entry_id join api_tokens t on t.id = e.token_id
        where r.receipt_no = 'S-P1'`,
    );
    expect(rows[0].label).toBe("user:wang.fin");
  });

  it("ends a session on sign-out, and an expired one is refused", async () => {
    const cookie = cookieOf(await signIn("wang.fin"));
    const out = await request(t.app).delete("/v1/session").set("Cookie", cookie);
    expect(out.status).toBe(204);
    expect(String(out.headers["set-cookie"]?.[0])).toMatch(/plk_session=;/);
    expect((await request(t.app).get("/v1/me").set("Cookie", cookie)).status).toBe(401);
    const later = cookieOf(await signIn("li.bt"));
    await db.knex.raw("update user_sessions set expires_at = now() - interval '1 minute' where ended_at is null");
    expect((await request(t.app).get("/v1/me").set("Cookie", later)).status).toBe(401);
  });

  it("lets the prefecture add a person over HTTP, and no one else", async () => {
    const admin = cookieOf(await signIn("wang.fin"));
    const body = { name: "zhao.wz", party: "urumqi", role: "finance", password: PASSWORD };
    const added = await request(t.app).post("/v1/users").set("Cookie", admin).send(body);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(JSON.stringify(added.body)).not.toContain(PASSWORD);
    expect((await signIn("zhao.wz")).status).toBe(201);
    const operator = cookieOf(await signIn("li.bt"));
    const refused = await request(t.app)
      .post("/v1/users")
      .set("Cookie", operator)
      .send({ ...body, name: "sneaky.one" });
    expect(refused.status).toBe(403);
  });

  it("throttles failed sign-ins from an address, telling when to try again", async () => {
    let last: request.Response | null = null;
    for (let i = 0; i < 60; i++) {
      last = await signIn("wang.fin", `wrong guess ${i}`);
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
  });
});
