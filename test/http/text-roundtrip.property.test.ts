// Every text that enters the books, by every route, is either refused as the caller's mistake (a 4xx,
// exit 2) or stored and read back exactly as sent, and the hash chain stays intact: arbitrary strings
// over the whole of Unicode, with lone surrogates, NUL, control characters and bidirectional marks.

import fc from "fast-check";
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

/** Strings a hostile client might send: any code unit, and a mix weighted toward the troublesome ones. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      "\ud800",
      "\udfff",
      "\u0000",
      "\u0007",
      "\u001b",
      "\u0085",
      "\u200f",
      "\u202e",
      "\u2066",
      "\ufffd",
      "\t",
      "\r",
      "\n",
      "a",
      "票",
      "\ud83d\ude00",
      "=",
      ",",
      '"',
    ),
    minLength: 1,
    maxLength: 10,
  }),
);

let n = 0;
const next = () => (n += 1);

async function one(sql: string, bindings: unknown[]): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.knex.raw(sql, bindings as never[]);
  return rows[0];
}

/** A write's answer: a 4xx leaves nothing; a 2xx must have stored `sent` exactly, read back by `read`. */
async function heldTo(status: number, sent: string, read: () => Promise<unknown>, body: unknown): Promise<void> {
  expect(status, JSON.stringify(body)).toBeLessThan(500);
  if (status >= 400) return;
  expect(status).toBeLessThan(300);
  expect(await read()).toBe(sent);
}

/** The text a file's UTF-8 bytes carry: a lone surrogate of the string the file was written from goes as U+FFFD. */
const asUtf8 = (s: string) => Buffer.from(s, "utf8").toString("utf8");

/** As a client sends it in a URL: the UTF-8 bytes, each percent-encoded (a lone surrogate goes as U+FFFD). */
const percentEncoded = (s: string) =>
  [...Buffer.from(s, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const post = (path: string) =>
  request(t.app).post(path).set(t.auth("prefecture")).set("Idempotency-Key", `rt-${next()}`);

describe(`arbitrary text through every write path (${dialectLabel})`, () => {
  it("receipt numbers and tax periods over JSON", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (no, period) => {
        const receipt_no = `R${next()}-${no}`;
        const res = await post("/v1/receipts").send({
          receipt_no,
          uscc: uscc(1),
          tax_code: "VAT",
          collected_on: "2025-04-01",
          amount: "1.00",
          scope: "gross",
          tax_period: period.slice(0, 32),
        });
        await heldTo(
          res.status,
          receipt_no,
          async () =>
            (await one("select receipt_no from receipts where entry_id = ?", [res.body.receipts[0].entry_id]))
              ?.receipt_no,
          res.body,
        );
        if (res.status < 300) {
          const row = await one("select tax_period from receipts where entry_id = ?", [res.body.receipts[0].entry_id]);
          expect(row?.tax_period).toBe(period.slice(0, 32));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("transfer references and agreement and ratio notes over JSON", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (ref, note) => {
        const i = next();
        const transfer = await post("/v1/transfers").send({
          operator: "bingtuan",
          amount: "1.00",
          on: "2025-05-01",
          ref: `T${i}${ref}`,
        });
        await heldTo(
          transfer.status,
          `T${i}${ref}`,
          async () => (await one("select ref from transfers where entry_id = ?", [transfer.body.entry_id]))?.ref,
          transfer.body,
        );
        const from = new Date(Date.UTC(2040, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
        const agreement = await post("/v1/agreements").send({ park: "BZ", operator_share: "80", from, note });
        await heldTo(
          agreement.status,
          note,
          async () => (await one("select note from agreements where park = 'BZ' and effective_from = ?", [from]))?.note,
          agreement.body,
        );
        const ratio = await post("/v1/ratios").send({ tax: "RES", central_share: "0", from, note });
        await heldTo(
          ratio.status,
          note,
          async () =>
            (await one("select note from central_ratios where tax_code = 'RES' and effective_from = ?", [from]))?.note,
          ratio.body,
        );
      }),
      { numRuns: 40 },
    );
  });

  it("CSV uploads: receipt numbers, enterprise names and the file name recorded", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (no, name) => {
        const i = next();
        const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
        const receipt_no = `C${i}-${no}`;
        const upload = await request(t.app)
          .post(`/v1/imports/receipts?name=${percentEncoded(`f${i}${name}`.slice(0, 100))}`)
          .set(t.auth("prefecture"))
          .set("Content-Type", "text/csv")
          .send(
            `receipt_no,uscc,tax_code,collected_on,amount,scope\r\n${quoted(receipt_no)},${uscc(2)},VAT,2025-04-02,1.00,gross\r\n`,
          );
        expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(500);
        if (upload.status < 300) {
          const row = await one(
            "select r.receipt_no, i.file_name from receipts r join imports i on i.id = r.import_id where i.id = (select max(id) from imports)",
            [],
          );
          expect(row?.receipt_no).toBe(asUtf8(receipt_no));
          expect(upload.body.file).toBe(row?.file_name);
        }
        const code = uscc(1000 + i);
        const enterprises = await request(t.app)
          .post("/v1/imports/enterprises")
          .set(t.auth("prefecture"))
          .set("Content-Type", "text/csv")
          .send(`uscc,name,park,from\r\n${code},${quoted(`E${name}`)},BZ,2024-01-01\r\n`);
        await heldTo(
          enterprises.status,
          asUtf8(`E${name}`),
          async () => (await one("select name from enterprises where uscc = ?", [code]))?.name,
          enterprises.body,
        );
      }),
      { numRuns: 40 },
    );
  });

  it("the command line: a transfer reference", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (ref) => {
        // an argument vector holds no NUL; what reaches the process as text is what is tried here
        const given = `K${next()}${ref.split("\u0000").join("")}`;
        const run = await cli(
          db,
          "transfer",
          "--operator",
          "urumqi",
          "--amount",
          "1.00",
          "--on",
          "2025-05-02",
          "--ref",
          given,
          "--format",
          "json",
        );
        expect([0, 2], run.stderr).toContain(run.code);
        if (run.code === 0)
          expect((await one("select ref from transfers where entry_id = ?", [run.json().entry_id]))?.ref).toBe(given);
      }),
      { numRuns: 40 },
    );
  });

  it("after all of it the books are intact", async () => {
    const res = await request(t.app).get("/v1/verify").set(t.auth("auditor"));
    expect(res.status).toBe(200);
    expect(res.body.intact, JSON.stringify(res.body)).toBe(true);
  });
});
