// Many clients at once, posting overlapping receipts singly and in batches while a file with some of
// the same receipts is imported: every receipt number ends up booked exactly once, none is lost, the
// books balance and verify finds the journal whole.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, uscc } from "../support/files.js";
import { testApp, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;
/** A second service on the same database, as a second server process would be. */
let t2: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  t = await testApp(db);
  t2 = await testApp(db);
});
afterAll(async () => db?.drop());

const NUMBERS = 80;
const payers = [1, 2, 3, 11, 12, 13, 21, 22, 999]; // 999 is not in the registry: suspense
const receipt = (n: number) => ({
  receipt_no: `CC-${n}`,
  uscc: uscc(payers[n % payers.length]!),
  tax_code: n % 2 === 0 ? "VAT" : "CIT",
  collected_on: `2025-0${1 + (n % 9)}-1${n % 10}`,
  amount: formatYuan(BigInt(1000 + n * 37)),
  scope: "gross" as const,
});

/** A deterministic shuffle, so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe(`concurrent clients of two services (${dialectLabel})`, () => {
  it("book every receipt exactly once, lose none, and leave the books whole", async () => {
    const all = Array.from({ length: NUMBERS }, (_, n) => n);
    let key = 0;
    const single = (n: number) =>
      request((n % 2 === 0 ? t : t2).app)
        .post("/v1/receipts")
        .set((n % 2 === 0 ? t : t2).auth("prefecture"))
        .set("Idempotency-Key", `cc-${++key}`)
        .send(receipt(n));
    const batch = (ns: number[]) =>
      request(t2.app)
        .post("/v1/receipts/batch")
        .set(t2.auth("prefecture"))
        .set("Idempotency-Key", `cc-${++key}`)
        .send({ receipts: ns.map(receipt) });
    const csv = [
      "receipt_no,uscc,tax_code,collected_on,amount,scope",
      ...all.filter((n) => n % 3 === 0).map((n) => Object.values(receipt(n)).join(",")),
    ].join("\n");
    // six clients each posting every receipt singly in their own order, two posting batches, one file
    const clients = [
      ...[1, 2, 3, 4, 5, 6].map(async (seed) => {
        const answers = [];
        for (const n of shuffled(all, seed)) answers.push(await single(n));
        return answers;
      }),
      ...[7, 8].map(async (seed) => {
        const answers = [];
        const order = shuffled(all, seed);
        for (let i = 0; i < order.length; i += 10) answers.push(await batch(order.slice(i, i + 10)));
        return answers;
      }),
      request(t.app)
        .post("/v1/imports/receipts?name=overlap.csv")
        .set(t.auth("prefecture"))
        .set("Content-Type", "text/csv")
        .send(csv)
        .then((r) => [r]),
    ];
    const answers = (await Promise.all(clients)).flat();
    for (const a of answers) expect(a.status, JSON.stringify(a.body).slice(0, 300)).toBe(201);

    // each number was booked by exactly one request (or by the file), the others found it unchanged
    const bookedBy = new Map<string, number>();
    for (const a of answers) {
      if (Array.isArray(a.body.receipts))
        for (const r of a.body.receipts as { receipt_no: string; outcome: string }[])
          if (r.outcome === "booked") bookedBy.set(r.receipt_no, (bookedBy.get(r.receipt_no) ?? 0) + 1);
    }
    const fileBooked = answers.find((a) => a.body.file !== undefined)!.body;
    const httpBooked = [...bookedBy.values()].reduce((s, v) => s + v, 0);
    expect([...bookedBy.values()].every((v) => v === 1)).toBe(true);
    expect(httpBooked + fileBooked.new_rows).toBe(NUMBERS);

    const { rows } = await db.knex.raw(
      `select (select count(*) from receipts where receipt_no like 'CC-%') as receipts,
              (select count(distinct receipt_no) from receipts where receipt_no like 'CC-%') as numbers,
              (select count(*) from journal_entries where idempotency_key like 'receipt:CC-%') as entries,
              (select coalesce(sum(amount_fen), 0) from receipts where receipt_no like 'CC-%') as total`,
    );
    expect(Number(rows[0].receipts)).toBe(NUMBERS);
    expect(Number(rows[0].numbers)).toBe(NUMBERS);
    expect(Number(rows[0].entries)).toBe(NUMBERS);
    const expected = all.reduce((s, n) => s + BigInt(1000 + n * 37), 0n);
    expect(BigInt(rows[0].total)).toBe(expected);
    for (const j of ["prefecture", "bingtuan", "urumqi", "central"]) {
      const tb = await cli(db, "report", "trial-balance", "--year", "2025", "--jurisdiction", j, "--format", "json");
      expect(tb.json().balanced, j).toBe(true);
    }
    const treasury = await request(t.app)
      .get("/v1/trace/account?year=2025&jurisdiction=prefecture&account=treasury")
      .set(t.auth("auditor"));
    expect(treasury.body).toMatchObject({ agrees: true, total: formatYuan(expected) });
    const v = await request(t.app).get("/v1/verify").set(t.auth("auditor"));
    expect(v.body).toMatchObject({ intact: true, findings: [] });
  }, 120_000);
});
