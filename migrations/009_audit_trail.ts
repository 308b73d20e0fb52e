// Reason: the audit trail. Every entry records who posted it (the command line's user, or the HTTP
// request id with the party and token) beside the file and row it came from, and carries a link in a
// sha256 hash chain over every entry in id order (ledger/chain.ts), so that `verify` finds an altered,
// removed or inserted entry even when someone with database access disabled the append-only
// triggers. Entries posted before this migration are sealed into the chain here, in id order.

import type { Knex } from "knex";
import { entryHash, GENESIS_HASH, type ChainEntry } from "../ledger/chain.js";
import { runScript } from "./sql.js";

const SEAL_PAGE = 20_000;
const POSTED_BEFORE = "unrecorded (posted before the audit trail)";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table journal_entries add column posted_by text;
    alter table journal_entries add column request_id text;
    alter table journal_entries add column party text;
    alter table journal_entries add column token_id bigint;
    alter table journal_entries add column prev_hash text;
    alter table journal_entries add column entry_hash text;
  `,
  );
  await sealExisting(knex);
  await runScript(
    knex,
    `
    alter table journal_entries alter column posted_by set not null;
    alter table journal_entries alter column prev_hash set not null;
    alter table journal_entries alter column entry_hash set not null;
    alter table journal_entries add constraint journal_entries_hash_form
      check (entry_hash ~ '^[0-9a-f]{64}$' and prev_hash ~ '^[0-9a-f]{64}$');
  `,
  );
}

/** Hashes the entries already posted into the chain; the only rows this project ever updates. */
async function sealExisting(knex: Knex): Promise<void> {
  const { rows: count } = await knex.raw(`select count(*) as n from journal_entries`);
  if (Number(count[0].n) === 0) return;
  await knex.raw(`alter table journal_entries disable trigger journal_entries_append_only`);
  let prev = GENESIS_HASH;
  let after = -1n;
  for (;;) {
    const { rows: entries } = await knex.raw(
      `select id, idempotency_key, input_hash, kind, fiscal_year, origin_year, to_char(effective_on, 'YYYY-MM-DD') as effective_on,
              park, tax_code, operator, description, import_id, source_row
         from journal_entries where id > ? order by id limit ${SEAL_PAGE}`,
      [after.toString()],
    );
    if (entries.length === 0) break;
    const first = BigInt(entries[0].id);
    const last = BigInt(entries[entries.length - 1].id);
    const { rows: lines } = await knex.raw(
      `select entry_id, line_no, account_id, debit_fen, credit_fen from journal_lines
        where entry_id between ? and ? order by entry_id, line_no`,
      [first.toString(), last.toString()],
    );
    const byEntry = new Map<bigint, ChainEntry["lines"][number][]>();
    for (const l of lines) {
      const id = BigInt(l.entry_id);
      const list = byEntry.get(id) ?? [];
      list.push({
        line_no: Number(l.line_no),
        account_id: Number(l.account_id),
        debit: BigInt(l.debit_fen),
        credit: BigInt(l.credit_fen),
      });
      byEntry.set(id, list);
    }
    const ids: string[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const e of entries) {
      const id = BigInt(e.id);
      const entry: ChainEntry = {
        id,
        idempotency_key: e.idempotency_key,
        input_hash: e.input_hash,
        kind: e.kind,
        fiscal_year: Number(e.fiscal_year),
        origin_year: Number(e.origin_year),
        effective_on: e.effective_on,
        park: e.park,
        tax_code: e.tax_code,
        operator: e.operator,
        description: e.description,
        import_id: e.import_id === null ? null : BigInt(e.import_id),
        source_row: e.source_row === null ? null : Number(e.source_row),
        posted_by: POSTED_BEFORE,
        request_id: null,
        party: null,
        token_id: null,
        lines: byEntry.get(id) ?? [],
      };
      const hash = entryHash(entry, prev);
      ids.push(id.toString());
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await knex.raw(
      `update journal_entries e set posted_by = ?, prev_hash = v.prev_hash, entry_hash = v.entry_hash
         from unnest(?::bigint[], ?::text[], ?::text[]) as v(id, prev_hash, entry_hash) where e.id = v.id`,
      [POSTED_BEFORE, ids, prevs, hashes],
    );
    after = last;
  }
  await knex.raw(`alter table journal_entries enable trigger journal_entries_append_only`);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table journal_entries drop constraint journal_entries_hash_form;
    alter table journal_entries drop column entry_hash;
    alter table journal_entries drop column prev_hash;
    alter table journal_entries drop column token_id;
    alter table journal_entries drop column party;
    alter table journal_entries drop column request_id;
    alter table journal_entries drop column posted_by;
  `,
  );
}
