// verify recomputes the hash chain in the database: the canonical text it hashes there must be
// ledger/chain.ts's to the byte, for any text the books can hold (or someone with database access
// could write), or every entry would look altered and verify would fall back to walking the chain
// entry by entry. The database's JSON escaping is held to JSON.stringify's here.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalEntry, type ChainEntry } from "../../ledger/chain.js";
import { CANONICAL_SQL } from "../../src/services/verify-chain.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

const controls = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join("");
const TEXTS = [
  "plain",
  'quote " and backslash \\ and slash /',
  `controls ${controls} and DEL \u007f and C1 \u0085\u009f`,
  "tab\tline\nreturn\r",
  "兵团第六师 五家渠 · 乌鲁木齐",
  "emoji 🧾 and 𠀀, U+2028 \u2028 U+2029 \u2029, BOM \ufeff, RLM \u200f",
  "",
];

/** The canonical text PostgreSQL writes for `e` (its lines as ledger/chain.ts writes them). */
async function inDatabase(e: ChainEntry, prev_hash: string): Promise<string> {
  const lines = e.lines.map((l) => `[${l.line_no},${l.account_id},"${l.debit}","${l.credit}"]`).join(",");
  const { rows } = await db.knex.raw(
    `select ${CANONICAL_SQL} as text
       from (select ?::text as prev_hash, ?::bigint as id, ?::text as idempotency_key, ?::text as input_hash, ?::text as kind,
                    ?::integer as fiscal_year, ?::integer as origin_year, ?::date as effective_on, ?::text as park,
                    ?::text as tax_code, ?::text as operator, ?::text as description, ?::bigint as import_id,
                    ?::integer as source_row, ?::text as posted_by, ?::text as request_id, ?::text as party,
                    ?::bigint as token_id) e,
            (select ?::text as lines) l`,
    [
      prev_hash,
      String(e.id),
      e.idempotency_key,
      e.input_hash,
      e.kind,
      e.fiscal_year,
      e.origin_year,
      e.effective_on,
      e.park,
      e.tax_code,
      e.operator,
      e.description,
      e.import_id === null ? null : String(e.import_id),
      e.source_row,
      e.posted_by,
      e.request_id,
      e.party,
      e.token_id === null ? null : String(e.token_id),
      lines === "" ? null : lines,
    ],
  );
  return rows[0].text as string;
}

describe(`the hash chain's canonical text in the database (${dialectLabel})`, () => {
  it("is ledger/chain.ts's for every text the books may hold, and for nulls", async () => {
    for (const text of TEXTS) {
      const e: ChainEntry = {
        id: 9_007_199_254_740_993n, // past 2^53
        idempotency_key: `receipt:${text}`,
        input_hash: "a".repeat(64),
        kind: "receipt",
        fiscal_year: 2025,
        origin_year: 2024,
        effective_on: "2025-03-01",
        park: text,
        tax_code: "VAT",
        operator: "bingtuan",
        description: text,
        import_id: 12n,
        source_row: 3,
        posted_by: text,
        request_id: text,
        party: "prefecture",
        token_id: 9_223_372_036_854_775_807n,
        lines: [
          { line_no: 1, account_id: 7, debit: 9_223_372_036_854_775_807n, credit: 0n },
          { line_no: 2, account_id: 12, debit: 0n, credit: 9_223_372_036_854_775_807n },
        ],
      };
      const prev = "0".repeat(64);
      expect(await inDatabase(e, prev)).toBe(canonicalEntry(e, prev));
      const bare: ChainEntry = {
        ...e,
        park: null,
        tax_code: null,
        operator: null,
        description: null,
        import_id: null,
        source_row: null,
        request_id: null,
        party: null,
        token_id: null,
        lines: [],
      };
      expect(await inDatabase(bare, prev)).toBe(canonicalEntry(bare, prev));
    }
  });
});
