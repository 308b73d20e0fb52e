// A receipt group's transaction on PostgreSQL (src/db/session.ts) that fails part-way leaves its
// connection clean for the next group: the transaction rolled back, the lock released, and the
// statements it prepared known, so the next group neither prepares one twice nor finds it missing.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgLane } from "../../src/db/session.js";
import { LOCK_JOURNAL_SQL } from "../../src/repositories/journal.js";
import { testDatabase, onPostgres, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

describe.skipIf(!onPostgres)("a group transaction that fails (postgres)", () => {
  it("rolls back, and the same connection serves the next group", async () => {
    const lane = new PgLane(db);
    try {
      const read = { sql: `select ?::integer + 1 as n, pg_backend_pid() as pid`, bindings: [1] };
      const divide = { sql: `select 100 / ?::integer as q`, bindings: [0] };

      const first = (await lane.session())!;
      const row = await first.begin(LOCK_JOURNAL_SQL, read);
      expect(row.n).toBe(2);
      // prepared and run in the same message, the statement fails: division by zero
      await expect(first.commit(divide)).rejects.toThrow(/division by zero/);
      await first.end();

      const second = (await lane.session())!;
      const again = await second.begin(LOCK_JOURNAL_SQL, read);
      expect(again.pid).toBe(row.pid); // the same connection, in a new transaction
      await second.commit({ ...divide, bindings: [4] }); // prepared before: run, not prepared twice
      // the lock was released with each transaction: another connection takes it at once
      const { rows } = await db.knex.raw(`select pg_try_advisory_lock(7411001) as got`);
      expect(rows[0].got).toBe(true);
      await db.knex.raw(`select pg_advisory_unlock(7411001)`);
    } finally {
      await lane.close();
    }
  });
});
