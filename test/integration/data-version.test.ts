// The books' version (migrations/030): every table but the credentials and the migrations' bookkeeping
// notes its writes, a committed transaction raises the version by exactly one however much it wrote,
// and a read or a transaction rolled back (or a savepoint) raises nothing. The report cache
// (src/http/report-cache.ts) is only as sound as this.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNVERSIONED_TABLES } from "../../migrations/030_data_version.js";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { standardRegistry } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function version(): Promise<bigint> {
  const { rows } = await db.knex.raw(`select version::text as v from data_version`);
  return BigInt(rows[0].v);
}

describe(`the books' version (${dialectLabel})`, () => {
  it("is raised by a write to any table but the credentials and the migrations' own", async () => {
    const { rows } = await db.knex.raw(
      `select t.table_name,
              exists (select 1 from information_schema.triggers g
                       where g.event_object_schema = t.table_schema and g.event_object_table = t.table_name
                         and g.trigger_name = t.table_name || '_note_write') as noted
         from information_schema.tables t
        where t.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        order by 1`,
    );
    const tables = rows as { table_name: string; noted: boolean }[];
    expect(tables.length).toBeGreaterThan(30);
    const missing = tables
      .filter(
        (r) => !r.noted && ![...UNVERSIONED_TABLES, "data_version", "data_version_pending"].includes(r.table_name),
      )
      .map((r) => r.table_name);
    // a table added by a later migration needs noteWritesSql (migrations/030_data_version.ts) too
    expect(missing).toEqual([]);
    // and every event: insert, update, delete and truncate
    const { rows: events } = await db.knex.raw(
      `select count(distinct event_manipulation) as n from information_schema.triggers
        where trigger_schema = current_schema() and trigger_name = 'receipts_note_write'`,
    );
    expect(Number(events[0].n)).toBe(3); // information_schema lists no truncate; the trigger has it (below)
    const { rows: truncate } = await db.knex.raw(
      `select (tgtype & 32) <> 0 as on_truncate from pg_trigger where tgname = 'receipts_note_write'`,
    );
    expect(truncate[0].on_truncate).toBe(true);
  });

  it("rises by one per committed transaction, whatever it wrote, and not for reads or rollbacks", async () => {
    const v0 = await version();
    expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
    const v1 = await version();
    expect(v1).toBe(v0 + 1n);
    // a report reads: nothing changes
    expect((await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan")).code).toBe(0);
    expect(await version()).toBe(v1);
    // many statements on many tables, one transaction
    await db.knex.transaction(async (trx) => {
      await trx.raw(`update parks set name_en = name_en where code = 'BZ'`);
      await trx.raw(`update jurisdictions set name_en = name_en where code = 'bingtuan'`);
      await trx.raw(`update tax_types set name_zh = name_zh where code = 'VAT'`);
    });
    const v2 = await version();
    expect(v2).toBe(v1 + 1n);
    // rolled back: nothing
    await expect(
      db.knex.transaction(async (trx) => {
        await trx.raw(`update parks set name_en = 'gone' where code = 'BZ'`);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await version()).toBe(v2);
    // a savepoint rolled back, then a write after it: the write is still noted
    await db.knex.transaction(async (trx) => {
      await trx
        .transaction(async (inner) => {
          await inner.raw(`update parks set name_en = 'gone' where code = 'BZ'`);
          throw new Error("undo the savepoint");
        })
        .catch(() => undefined);
      await trx.raw(`update parks set name_en = name_en where code = 'WZ'`);
    });
    expect(await version()).toBe(v2 + 1n);
    // the credentials change no answer: a token made is not a write to the books
    expect((await cli(db, "token", "create", "--party", "prefecture", "--role", "finance")).code).toBe(0);
    expect(await version()).toBe(v2 + 1n);
    // the queue of transactions to count is left empty
    const { rows } = await db.knex.raw(`select count(*)::int as n from data_version_pending`);
    expect(rows[0].n).toBe(0);
  });
});
