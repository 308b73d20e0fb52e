// The audit trail an auditor relies on: every entry says where it came from and who posted it, and
// the hash chain over the journal exposes an altered amount, a removed entry and an inserted one, even
// when someone with database access switched the append-only triggers off to make the change.

import { afterEach, describe, expect, it } from "vitest";
import { entryHash, type ChainEntry } from "../../ledger/chain.js";
import { migrationSource } from "../../migrations/index.js";
import { migrate } from "../../src/db/migrate.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase | null = null;
afterEach(async () => {
  await db?.drop();
  db = null;
});

async function booked(): Promise<TestDatabase> {
  const d = await testDatabase();
  expect((await cli(d, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["A-1", uscc(1), "VAT", "2025-03-01", "100.00", "gross", "", ""],
    ["A-2", uscc(2), "CIT", "2025-03-02", "200.00", "local", "", ""],
    ["A-3", uscc(11), "VAT", "2025-03-03", "300.00", "local", "", ""],
    ["A-4", uscc(12), "PROP", "2025-03-04", "400.00", "local", "", ""],
  ]);
  expect((await cli(d, "import", "receipts", receipts)).code).toBe(0);
  const t = await cli(
    d,
    "transfer",
    "--operator",
    "bingtuan",
    "--amount",
    "50.00",
    "--on",
    "2025-04-01",
    "--ref",
    "T-1",
  );
  expect(t.code, t.stderr).toBe(0);
  return d;
}

async function verify(d: TestDatabase) {
  const r = await cli(d, "verify", "--format", "json");
  expect([0, 3], r.stderr).toContain(r.code);
  return { code: r.code, result: r.json() };
}

/** Runs statements as someone with database access would, the append-only triggers switched off. */
async function tamper(d: TestDatabase, ...statements: string[]): Promise<void> {
  await d.knex.transaction(async (trx) => {
    const tables = ["journal_entries", "journal_lines", "transfers"];
    for (const table of tables) await trx.raw(`alter table ${table} disable trigger user`);
    for (const s of statements) await trx.raw(s);
    for (const table of tables) await trx.raw(`alter table ${table} enable trigger user`);
  });
}

async function entryIds(d: TestDatabase): Promise<bigint[]> {
  const { rows } = await d.knex.raw("select id from journal_entries order by id");
  return rows.map((r: { id: bigint }) => BigInt(r.id));
}

describe(`audit trail (${dialectLabel})`, () => {
  it("records where each entry came from and who posted it, and chains them all", async () => {
    db = await booked();
    const { rows } = await db.knex.raw(
      `select e.idempotency_key, e.source_row, e.posted_by, i.file_name, i.file_sha256
         from journal_entries e left join imports i on i.id = e.import_id order by e.id`,
    );
    const receipt = rows.find((r: { idempotency_key: string }) => r.idempotency_key === "receipt:A-3");
    expect(receipt).toMatchObject({ source_row: 4 });
    expect(receipt.file_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.every((r: { posted_by: string }) => r.posted_by.startsWith("cli:"))).toBe(true);
    const { code, result } = await verify(db);
    expect(code).toBe(0);
    expect(result.chain).toMatchObject({ checked: rows.length, first_broken: null });
    expect(result.chain.head_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("seals entries posted before the audit trail existed into the chain when the database is upgraded", async () => {
    db = await booked();
    // back to before 009: undo the migrations after it, then it
    for (;;) {
      const [, undone] = (await db.knex.migrate.down({ migrationSource, tableName: "knex_migrations" })) as [
        number,
        string[],
      ];
      if (undone.includes("009_audit_trail") || undone.length === 0) break;
    }
    const { rows: columns } = await db.knex.raw(
      `select count(*) as n from information_schema.columns where table_name = 'journal_entries' and column_name = 'entry_hash'`,
    );
    expect(Number(columns[0].n)).toBe(0);
    await migrate(db);
    const { code, result } = await verify(db);
    expect(code).toBe(0);
    expect(result.chain.checked).toBe((await entryIds(db)).length);
    const { rows } = await db.knex.raw(`select distinct posted_by from journal_entries`);
    expect(rows.map((r: { posted_by: string }) => r.posted_by)).toEqual(["unrecorded (posted before the audit trail)"]);
    // and the journal goes on from there
    const t = await cli(
      db,
      "transfer",
      "--operator",
      "urumqi",
      "--amount",
      "1.00",
      "--on",
      "2025-05-01",
      "--ref",
      "T-9",
    );
    expect(t.code, t.stderr).toBe(0);
    expect((await verify(db)).code).toBe(0);
  });

  it("names an entry whose amount was altered, even with both sides changed so it still balances", async () => {
    db = await booked();
    const [, second] = await entryIds(db);
    await tamper(
      db,
      `update journal_lines set debit_fen = debit_fen + 100 where entry_id = ${second} and debit_fen > 0`,
      `update journal_lines set credit_fen = credit_fen + 100 where entry_id = ${second} and credit_fen > 0`,
    );
    const { code, result } = await verify(db);
    expect(code).toBe(3);
    expect(result.chain.first_broken).toMatchObject({ kind: "altered", id: String(second) });
    expect(result.findings[0]).toMatchObject({ check: "hash_chain_altered" });
    expect(result.findings[0].detail).toContain(`entry ${second}`);
  });

  it("names the entry after one that was removed", async () => {
    db = await booked();
    const ids = await entryIds(db);
    const [victim, next] = [ids[2]!, ids[3]!];
    await tamper(
      db,
      `delete from journal_lines where entry_id = ${victim}`,
      `delete from journal_entries where id = ${victim}`,
    );
    const { code, result } = await verify(db);
    expect(code).toBe(3);
    expect(result.chain.first_broken).toMatchObject({
      kind: "link_broken",
      id: String(next),
      previous_id: String(ids[1]),
    });
  });

  it("names the entry after one that was inserted, even one carrying a well-formed hash", async () => {
    db = await booked();
    // leave a gap in the ids before the next entry, as a rolled-back import does
    await db.knex.raw(`select nextval('journal_entries_id_seq')`);
    const t = await cli(
      db,
      "transfer",
      "--operator",
      "urumqi",
      "--amount",
      "5.00",
      "--on",
      "2025-04-02",
      "--ref",
      "T-2",
    );
    expect(t.code, t.stderr).toBe(0);
    const ids = await entryIds(db);
    const [before, after] = [ids.at(-2)!, ids.at(-1)!];
    expect(after - before).toBe(2n);
    const { rows } = await db.knex.raw(`select entry_hash from journal_entries where id = ${before}`);
    const prev = rows[0].entry_hash as string;
    const forged: ChainEntry = {
      id: before + 1n,
      idempotency_key: "transfer:FORGED",
      input_hash: "0".repeat(64),
      kind: "transfer",
      fiscal_year: 2025,
      origin_year: 2025,
      effective_on: "2025-04-01",
      park: "BZ",
      tax_code: null,
      operator: "bingtuan",
      description: "forged",
      import_id: null,
      source_row: null,
      posted_by: "cli:someone",
      request_id: null,
      party: null,
      token_id: null,
      lines: [],
    };
    await tamper(
      db,
      `insert into journal_entries (id, idempotency_key, input_hash, kind, fiscal_year, origin_year, effective_on, park, operator, description, posted_by, prev_hash, entry_hash)
       values (${forged.id}, 'transfer:FORGED', '${forged.input_hash}', 'transfer', 2025, 2025, '2025-04-01', 'BZ', 'bingtuan', 'forged', 'cli:someone', '${prev}', '${entryHash(forged, prev)}')`,
    );
    const { code, result } = await verify(db);
    expect(code).toBe(3);
    // the forged entry links well to its predecessor, but the next entry does not link to it
    expect(result.chain.first_broken).toMatchObject({
      kind: "link_broken",
      id: String(after),
      previous_id: String(forged.id),
    });
  });

  it("finds the last entries removed, or all of history rewritten, against a hash noted earlier", async () => {
    db = await booked();
    const noted = (await verify(db)).result.chain;
    const anchor = `${noted.head_id}:${noted.head_hash}`;
    expect((await cli(db, "verify", "--anchor", anchor)).code).toBe(0);
    // the last entry removed: the chain is still whole from the start, but the noted entry is gone
    await tamper(
      db,
      `delete from transfers where entry_id = ${noted.head_id}`,
      `delete from journal_lines where entry_id = ${noted.head_id}`,
      `delete from journal_entries where id = ${noted.head_id}`,
    );
    // (the running balances give it away too, unless those were doctored as well; the chain does not)
    expect((await verify(db)).result.chain.first_broken).toBeNull();
    const r = await cli(db, "verify", "--anchor", anchor, "--format", "json");
    expect(r.code).toBe(3);
    expect(r.json().findings[0]).toMatchObject({ check: "hash_chain_anchor" });
    expect((await cli(db, "verify", "--anchor", "12:nothex")).code).toBe(2);
  });

  it("refuses, in the database itself, an entry whose hashes are not 64 lowercase hex digits", async () => {
    db = await booked();
    const { rows } = await db.knex.raw(`select max(id) as id from journal_entries`);
    const next = BigInt(rows[0].id) + 1n;
    const good = "0123456789abcdef".repeat(4);
    const insert = (prev: string, hash: string) =>
      db!.knex.raw(
        `insert into journal_entries (id, idempotency_key, input_hash, kind, fiscal_year, origin_year, effective_on, park, operator, description, posted_by, prev_hash, entry_hash)
         values (${next}, 'transfer:FORM', '${"0".repeat(64)}', 'transfer', 2025, 2025, '2025-04-01', 'BZ', 'bingtuan', 'form', 'cli:someone', ?, ?)`,
        [prev, hash],
      );
    for (const bad of [
      good.toUpperCase(), // uppercase hex
      good.slice(0, 63), // one digit short
      `${good}0`, // one too many
      `${good.slice(0, 63)}g`, // not a hex digit
      `${good.slice(0, 62)} 0`, // a space among them
      `${good.slice(0, 62)}é`, // 64 bytes, 63 characters
    ]) {
      await expect(insert(good, bad), bad).rejects.toThrow(/journal_entries_hash_form/);
      await expect(insert(bad, good), bad).rejects.toThrow(/journal_entries_hash_form/);
    }
    await insert(good, good); // the same statement with well-formed hashes is taken
  });

  it("refuses to change or remove an account, whose id the chained lines name", async () => {
    db = await booked();
    await expect(db.knex.raw(`update accounts set code = 'treasury' where code = 'cash'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.knex.raw(`delete from accounts`)).rejects.toThrow(/append-only/);
  });

  it("names an entry whose description was rewritten", async () => {
    db = await booked();
    const ids = await entryIds(db);
    const last = ids.at(-1)!;
    await tamper(db, `update journal_entries set description = 'nothing to see' where id = ${last}`);
    const { result } = await verify(db);
    expect(result.chain.first_broken).toMatchObject({ kind: "altered", id: String(last) });
  });
});
