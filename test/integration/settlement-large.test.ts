// A balance due larger than one receipt may carry (AMOUNT_FEN_LIMIT, 100,000,000,000.00 yuan) is
// still a balance due: settle posts it from the statement's fen figures. When settle parsed the
// statement's formatted balance back with parseYuan (null past that limit), the posting failed with
// an internal error.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["BIG-1", uscc(1), "RES", "2025-03-10", "100000000000.00", "local", "", ""],
    ["BIG-2", uscc(2), "RES", "2025-04-10", "100000000000.00", "local", "", ""],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

describe(`a settlement past one receipt's limit (${dialectLabel})`, () => {
  it("settles a balance due of 160,000,000,000.00 yuan and moves it to the settlement accounts", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "test: settled without a statement",
      "--format",
      "json",
    );
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.json()).toMatchObject({ already_settled: false, balance_due: "160000000000.00" });
    expect(settled.json().entry_id).not.toBeNull();
    const tb = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      "2025",
      "--jurisdiction",
      "bingtuan",
      "--format",
      "json",
    );
    const receivable = tb
      .json()
      .accounts.find((a: { account: string }) => a.account === "settlement_receivable:prefecture");
    expect(receivable).toMatchObject({ closing_debit: "160000000000.00" });
    expect(tb.json().balanced).toBe(true);
  });
});
