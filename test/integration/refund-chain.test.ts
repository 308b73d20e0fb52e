// A refund names the receipt it refunds, never another refund, even when both refunds come in the
// same file or the same request: the file is refused naming the row, and nothing of it is booked.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { testApp } from "../http/support.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

const count = async (prefix: string) =>
  Number((await db.knex.raw("select count(*) as n from receipts where receipt_no like ?", [`${prefix}%`])).rows[0].n);

describe(`a refund of a refund in the same file or request (${dialectLabel})`, () => {
  it("is refused as refund_of_refund in a file, the original recorded before", async () => {
    expect(
      (
        await cli(
          db,
          "import",
          "receipts",
          csvFile([RECEIPT_HEADER, ["RC-1", uscc(1), "VAT", "2025-03-01", "100.00", "gross", "", ""]]),
        )
      ).code,
    ).toBe(0);
    const chain = csvFile([
      RECEIPT_HEADER,
      ["RC-2", uscc(1), "VAT", "2025-03-05", "-10.00", "", "", "RC-1"],
      ["RC-3", uscc(1), "VAT", "2025-03-06", "-5.00", "", "", "RC-2"],
    ]);
    const run = await cli(db, "import", "receipts", chain);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/:3: column refund_of: .*RC-2 is itself a refund.*\[refund_of_refund\]/);
    expect(await count("RC-")).toBe(1);
  });

  it("is refused as refund_of_refund in a file holding the original too", async () => {
    const chain = csvFile([
      RECEIPT_HEADER,
      ["RD-1", uscc(1), "VAT", "2025-04-01", "100.00", "gross", "", ""],
      ["RD-2", uscc(1), "VAT", "2025-04-05", "-10.00", "", "", "RD-1"],
      ["RD-3", uscc(1), "VAT", "2025-04-06", "-5.00", "", "", "RD-2"],
    ]);
    const run = await cli(db, "import", "receipts", chain);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\[refund_of_refund\]/);
    expect(await count("RD-")).toBe(0);
  });

  it("is refused in one HTTP batch, naming the receipt by its index", async () => {
    const t = await testApp(db);
    const r = (no: string, amount: string, refund_of?: string) => ({
      receipt_no: no,
      uscc: uscc(1),
      tax_code: "VAT",
      collected_on: "2025-05-01",
      amount,
      ...(refund_of === undefined ? { scope: "gross" as const } : { refund_of }),
    });
    const res = await request(t.app)
      .post("/v1/receipts/batch")
      .set(t.auth("prefecture"))
      .set("Idempotency-Key", "refund-chain")
      .send({ receipts: [r("RE-1", "100.00"), r("RE-2", "-10.00", "RE-1"), r("RE-3", "-5.00", "RE-2")] });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({ index: 2, field: "refund_of", code: "refund_of_refund" }),
    );
    expect(await count("RE-")).toBe(0);
  });
});
