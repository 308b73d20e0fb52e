// verify on PostgreSQL holds two connections at once (its checks beside the chain's pass, on one
// snapshot). Run as often at once as the pool has connections, each would hold one and wait for a
// second none gives back; one at a time, every run finishes and says the same.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { verifyLedger } from "../../src/services/verify.js";
import { onPostgres, testDatabase, type TestDatabase } from "../support/db.js";

describe.skipIf(!onPostgres)("verify, several at once", () => {
  let db: TestDatabase;
  let small: Database;
  beforeAll(async () => {
    db = await testDatabase();
    small = await openDatabase({ url: db.env.DATABASE_URL!, pool_max: 2 });
  });
  afterAll(async () => {
    await small?.close();
    await db?.drop();
  });

  it("finishes every one on a pool of two connections, each intact", async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => verifyLedger(small)));
    for (const r of results) expect(r.intact).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  }, 30_000);
});
