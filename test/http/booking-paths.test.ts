// However the service books a request (alone or grouped with others, from one lookup and one write, or
// staged like a file when a number repeats or a refund names a receipt of the same request), what it
// answers is what it booked: every answer is checked against the receipt as read back, and the books
// stay whole. Reference data changed while the service runs (a new agreement) applies at once, and a
// year an operator has closed sends its late receipts to the next year.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERENCE_VERSION_SQL, ReferenceData } from "../../src/repositories/reference.js";
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

interface Input {
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount: string;
  scope?: string;
  refund_of?: string;
}

const receipt = (no: string, amount: string, more: Partial<Input> = {}): Input => ({
  receipt_no: no,
  uscc: uscc(1),
  tax_code: "VAT",
  collected_on: "2025-04-01",
  amount,
  scope: "gross",
  ...more,
});

async function batch(key: string, receipts: Input[]) {
  const res = await request(t.app)
    .post("/v1/receipts/batch")
    .set(t.auth("prefecture"))
    .set("Idempotency-Key", key)
    .send({ receipts });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { booked: number; unchanged: number; suspense: number; receipts: Record<string, string>[] };
}

/** Each answered receipt agrees with the receipt as the database holds it. */
async function expectAnswersBooked(answer: { receipts: Record<string, unknown>[] }) {
  for (const a of answer.receipts) {
    const stored = await request(t.app).get(`/v1/receipts/${a.receipt_no}`).set(t.auth("auditor"));
    expect(stored.status).toBe(200);
    for (const field of [
      "status",
      "park",
      "fiscal_year",
      "amount",
      "central_share",
      "local_revenue",
      "operator_share",
      "host_share",
      "entry_id",
    ])
      expect(a[field], `${String(a.receipt_no)} ${field}`).toEqual(stored.body[field]);
  }
}

async function verifyIntact() {
  const v = await request(t.app).get("/v1/verify").set(t.auth("auditor"));
  expect(v.status).toBe(200);
  expect(v.body.intact, JSON.stringify(v.body)).toBe(true);
}

describe(`what a request books is what it answers (${dialectLabel})`, () => {
  it("knows the reference data it keeps is current by the database's digest of it", async () => {
    const ref = await ReferenceData.load(db.knex);
    const { rows } = await db.knex.raw(`select ${REFERENCE_VERSION_SQL} as version`);
    expect(ref.version).toBe(rows[0].version);
    const set = await cli(db, "ratio", "set", "--tax", "PIT", "--central-share", "60", "--from", "2031-01-01");
    expect(set.code, set.stderr).toBe(0);
    const after = await db.knex.raw(`select ${REFERENCE_VERSION_SQL} as version`);
    expect(after.rows[0].version).not.toBe(ref.version);
    expect((await ReferenceData.load(db.knex)).version).toBe(after.rows[0].version);
  });

  it("books originals, a suspense receipt, repeats and refunds of recorded receipts in one request", async () => {
    await batch("bp-0", [receipt("BP-1", "1000.00")]);
    const answer = await batch("bp-1", [
      receipt("BP-1", "1000.00"), // recorded before: unchanged
      receipt("BP-2", "333.33", { uscc: uscc(11), tax_code: "CIT" }),
      receipt("BP-3", "10.01", { uscc: uscc(99) }), // an enterprise the registry does not know
      receipt("BP-4", "-400.00", { refund_of: "BP-1", collected_on: "2025-05-02" }),
      receipt("BP-5", "77.77", { uscc: uscc(21), scope: "local" }),
    ]);
    expect(answer).toMatchObject({ booked: 4, unchanged: 1, suspense: 1 });
    expect(answer.receipts.map((r) => r.outcome)).toEqual(["unchanged", "booked", "booked", "booked", "booked"]);
    expect(answer.receipts[2]).toMatchObject({ status: "suspense", park: null });
    // the refund is split as its original was: half central, 80 % of the local half to Bingtuan
    expect(answer.receipts[3]).toMatchObject({
      amount: "-400.00",
      central_share: "-200.00",
      operator_share: "-160.00",
    });
    await expectAnswersBooked(answer);
    await verifyIntact();
  });

  it("stages a request that refunds a receipt of the same request, or repeats a number", async () => {
    const answer = await batch("bp-2", [
      receipt("BP-10", "90.00"),
      receipt("BP-11", "-90.00", { refund_of: "BP-10", collected_on: "2025-04-02" }),
      receipt("BP-12", "12.34"),
      receipt("BP-12", "12.34"),
    ]);
    expect(answer).toMatchObject({ booked: 3, unchanged: 1 });
    expect(answer.receipts.map((r) => r.outcome)).toEqual(["booked", "booked", "booked", "unchanged"]);
    expect(answer.receipts[1]).toMatchObject({ amount: "-90.00", operator_share: "-36.00" });
    await expectAnswersBooked(answer);
    await verifyIntact();
  });

  it("books requests that arrive together in one transaction, each with its own answer", async () => {
    const sent = Array.from({ length: 24 }, (_, i) => [
      `bp-g-${i}`,
      [receipt(`BP-G-${i}`, `${i + 1}.05`, { uscc: uscc(i % 2 === 0 ? 2 : 12) })],
    ]) as [string, Input[]][];
    // a retry of one of them and a receipt already recorded, in the same burst
    sent.push(["bp-g-0", sent[0]![1]], ["bp-g-old", [receipt("BP-1", "1000.00")]]);
    const answers = await Promise.all(
      sent.map(([key, receipts]) =>
        request(t.app).post("/v1/receipts").set(t.auth("prefecture")).set("Idempotency-Key", key).send(receipts[0]!),
      ),
    );
    for (const res of answers) expect(res.status, JSON.stringify(res.body)).toBe(201);
    const booked = answers
      .slice(0, 24)
      .flatMap((r) => r.body.receipts)
      .filter((r: { outcome: string }) => r.outcome === "booked");
    expect(booked.map((r: { receipt_no: string }) => r.receipt_no).sort()).toEqual(
      Array.from({ length: 24 }, (_, i) => `BP-G-${i}`).sort(),
    );
    expect(answers[24]!.body).toEqual(answers[0]!.body); // the retry has the first answer
    expect(answers[24]!.headers["idempotent-replayed"]).toBe("true");
    expect(answers[25]!.body).toMatchObject({ booked: 0, unchanged: 1 });
    for (const res of answers) await expectAnswersBooked(res.body);
    const { rows } = await db.knex.raw(`select count(*) as n from receipts where receipt_no like 'BP-G-%'`);
    expect(Number(rows[0].n)).toBe(24);
    await verifyIntact();
  });

  it("books one of two refunds sent at once that together exceed their original, and the other request beside them", async () => {
    await batch("bp-x-0", [receipt("BP-X-0", "10.00")]);
    const refund = (n: number) => receipt(`BP-X-${n}`, "-6.00", { refund_of: "BP-X-0", collected_on: "2025-04-02" });
    const send = (key: string, body: Input) =>
      request(t.app).post("/v1/receipts").set(t.auth("prefecture")).set("Idempotency-Key", key).send(body);
    const answers = await Promise.all([
      send("bp-x-1", refund(1)),
      send("bp-x-2", refund(2)),
      send("bp-x-3", receipt("BP-X-3", "3.00")),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 422]);
    const refused = answers.find((a) => a.status === 422)!;
    expect(refused.body.error.details[0]).toMatchObject({ code: "refund_exceeds_original" });
    expect(answers[2]!.status).toBe(201);
    const { rows } = await db.knex.raw(
      `select sum(amount_fen) as left_fen from receipts where receipt_no = 'BP-X-0' or refund_of_id = (select id from receipts where receipt_no = 'BP-X-0')`,
    );
    expect(BigInt(rows[0].left_fen)).toBe(400n);
    await verifyIntact();
  });

  it("applies an agreement set while the service runs to the next receipt", async () => {
    const before = await batch("bp-a-1", [receipt("BP-A-1", "100.00", { collected_on: "2025-10-01" })]);
    expect(before.receipts[0]).toMatchObject({ operator_share: "40.00" });
    const set = await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "70", "--from", "2025-10-02");
    expect(set.code, set.stderr).toBe(0);
    const after = await batch("bp-a-2", [receipt("BP-A-2", "100.00", { collected_on: "2025-10-02" })]);
    expect(after.receipts[0]).toMatchObject({ operator_share: "35.00", host_share: "15.00" });
    await expectAnswersBooked(after);
  });

  it("refuses a NUL in a tax period as bad input, and books the next request", async () => {
    const bad = await request(t.app)
      .post("/v1/receipts")
      .set(t.auth("prefecture"))
      .set("Idempotency-Key", "bp-nul")
      .send({ ...receipt("BP-NUL", "1.00"), tax_period: "2025\u0000Q1" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: "tax_period" });
    expect(bad.body.error.details[0].message).toMatch(/text_control_character/);
    const next = await batch("bp-after-nul", [receipt("BP-NUL-2", "1.00")]);
    expect(next).toMatchObject({ booked: 1 });
  });

  it("books a late receipt of a year its operator has closed in the next year", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "urumqi",
      "--override-reason",
      "test: settled without a statement",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const late = await batch("bp-late", [receipt("BP-L-1", "10.00", { uscc: uscc(12), collected_on: "2025-12-30" })]);
    expect(late.receipts[0]).toMatchObject({ fiscal_year: 2026, park: "WZ" });
    await expectAnswersBooked(late);
    await verifyIntact();
  });
});
