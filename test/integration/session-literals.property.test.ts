// The service sends a receipt group's arguments as SQL literals (src/db/session.ts): whatever a client
// puts in a receipt number or a name (quotes, backslashes, braces, commas, the word NULL, any script)
// must reach the database as exactly that text, and never as SQL. Checked against the database itself.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { literal } from "../../src/db/session.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

// PostgreSQL text holds any character but NUL
const text = fc
  .oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("'", '"', "\\", "{", "}", ",", " ", "N", "雪") }),
  )
  .map((s) => s.split(String.fromCharCode(0)).join(""));
const tricky = fc.oneof(
  text,
  fc.constantFrom("NULL", "null", "", "\\", "'; drop table receipts; --", '"', "{}", "a,b"),
);

describe(`SQL literals read back as sent (${dialectLabel})`, () => {
  it("a string, and a text array with nulls", async () => {
    await fc.assert(
      fc.asyncProperty(tricky, fc.array(fc.option(tricky, { nil: null }), { maxLength: 8 }), async (s, list) => {
        const { rows } = await db.knex.raw(`select ${literal(s)}::text as s, ${literal(list)}::text[] as list`);
        expect(rows[0].s).toBe(s);
        expect(rows[0].list).toEqual(list);
      }),
      { numRuns: 150 },
    );
  });

  it("bigints, integers and dates, alone and in arrays", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 6 }),
        fc.integer(),
        fc.date({ min: new Date("1900-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }),
        async (big, n, d) => {
          const day = d.toISOString().slice(0, 10);
          const { rows } = await db.knex.raw(
            `select ${literal(big)}::bigint[] as big, ${literal(n)}::integer as n, ${literal([day, null])}::date[]::text[] as days`,
          );
          expect(rows[0].big.map(String)).toEqual(big.map(String));
          expect(rows[0].n).toBe(n);
          expect(rows[0].days).toEqual([day, null]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
