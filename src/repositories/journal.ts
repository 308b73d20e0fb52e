// Writes journal entries: ids from the sequence in one block, entries and lines with set-based
// inserts, and the running balances in the same transaction. Every entry is checked balanced here
// (ledger/posting.ts) and again by the database trigger on the lines. Writers hold one advisory lock,
// so entries are appended one writer at a time and an idempotency check cannot race.

import type { Knex } from "knex";
import type { Line } from "../../ledger/posting.js";
import { assertBalanced } from "../../ledger/posting.js";
import { Rejection } from "../../ledger/rejections.js";
import { ColumnBuffer } from "../db/bulk.js";
import type { AccountBook } from "./accounts.js";

export type EntryKind = "receipt" | "refund" | "suspense" | "transfer" | "settlement";

export interface NewEntry {
  idempotency_key: string;
  input_hash: string;
  kind: EntryKind;
  fiscal_year: number;
  origin_year: number;
  effective_on: string;
  park: string | null;
  operator: string | null;
  description: string;
  import_id: bigint | null;
  source_row: number | null;
  lines: Line[];
}

const JOURNAL_LOCK_KEY = 7_411_001;

/** Serialises journal writers for the rest of the transaction. */
export async function lockJournal(trx: Knex.Transaction): Promise<void> {
  await trx.raw("select pg_advisory_xact_lock(?)", [JOURNAL_LOCK_KEY]);
}

/** Reserves `count` consecutive values of a sequence; the caller holds the journal lock. */
export async function reserveIds(trx: Knex.Transaction, sequence: string, count: number): Promise<bigint> {
  if (count <= 0) return 0n;
  const { rows } = await trx.raw(`select nextval(?::regclass) as first`, [sequence]);
  const first = rows[0].first as bigint;
  if (count > 1)
    await trx.raw(`select setval(?::regclass, ?::bigint)`, [sequence, (first + BigInt(count - 1)).toString()]);
  return first;
}

const ENTRY_COLUMNS = [
  { name: "id", type: "bigint" },
  { name: "idempotency_key", type: "text" },
  { name: "input_hash", type: "text" },
  { name: "kind", type: "text" },
  { name: "fiscal_year", type: "integer" },
  { name: "origin_year", type: "integer" },
  { name: "effective_on", type: "date" },
  { name: "park", type: "text" },
  { name: "operator", type: "text" },
  { name: "description", type: "text" },
  { name: "import_id", type: "bigint" },
  { name: "source_row", type: "integer" },
] as const;

const LINE_COLUMNS = [
  { name: "entry_id", type: "bigint" },
  { name: "line_no", type: "smallint" },
  { name: "account_id", type: "integer" },
  { name: "jurisdiction", type: "text" },
  { name: "debit_fen", type: "bigint" },
  { name: "credit_fen", type: "bigint" },
  { name: "tax_code", type: "text" },
  { name: "park", type: "text" },
] as const;

const BALANCE_COLUMNS = [
  { name: "fiscal_year", type: "integer" },
  { name: "account_id", type: "integer" },
  { name: "park", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "origin_year", type: "integer" },
  { name: "debit_fen", type: "bigint" },
  { name: "credit_fen", type: "bigint" },
  { name: "line_count", type: "bigint" },
] as const;

interface BalanceDelta {
  fiscal_year: number;
  account_id: number;
  park: string;
  tax_code: string;
  origin_year: number;
  debit_fen: bigint;
  credit_fen: bigint;
  line_count: bigint;
}

/**
 * Buffers entries and writes them in batches. The caller holds the journal lock and has already
 * settled idempotency (a bulk import checks its keys set-based before it writes).
 */
export class JournalWriter {
  private readonly entries = new ColumnBuffer(ENTRY_COLUMNS);
  private readonly lines = new ColumnBuffer(LINE_COLUMNS);
  private readonly pending: NewEntry[] = [];
  private readonly deltas = new Map<string, BalanceDelta>();
  private written = 0;

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly accounts: AccountBook,
  ) {}

  /** Queues an entry; its id is assigned at flush, and returned through `onId` then. */
  add(entry: NewEntry, onId?: (id: bigint) => void): void {
    assertBalanced(entry.lines);
    if (entry.lines.length === 0) throw new Error(`entry ${entry.idempotency_key} has no lines`);
    this.pending.push(entry);
    if (onId) this.callbacks.set(this.pending.length - 1, onId);
  }

  private readonly callbacks = new Map<number, (id: bigint) => void>();

  get size(): number {
    return this.pending.length;
  }

  get count(): number {
    return this.written;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const keys: { jurisdiction: string; code: string }[] = [];
    for (const e of this.pending) for (const l of e.lines) keys.push({ jurisdiction: l.jurisdiction, code: l.account });
    await this.accounts.ensure(this.trx, keys);
    const first = await reserveIds(this.trx, "journal_entries_id_seq", this.pending.length);
    this.pending.forEach((e, i) => {
      const id = first + BigInt(i);
      this.callbacks.get(i)?.(id);
      this.entries.push([
        id,
        e.idempotency_key,
        e.input_hash,
        e.kind,
        e.fiscal_year,
        e.origin_year,
        e.effective_on,
        e.park,
        e.operator,
        e.description,
        e.import_id,
        e.source_row,
      ]);
      e.lines.forEach((l, n) => {
        const account_id = this.accounts.id(l.jurisdiction, l.account);
        this.lines.push([id, n + 1, account_id, l.jurisdiction, l.debit_fen, l.credit_fen, l.tax_code, l.park]);
        this.addDelta(e, l, account_id);
      });
    });
    await this.entries.flush(this.trx, "journal_entries");
    await this.lines.flush(this.trx, "journal_lines");
    this.written += this.pending.length;
    this.pending.length = 0;
    this.callbacks.clear();
  }

  private addDelta(e: NewEntry, l: Line, account_id: number): void {
    const park = l.park ?? "";
    const tax_code = l.tax_code ?? "";
    const key = `${e.fiscal_year}|${account_id}|${park}|${tax_code}|${e.origin_year}`;
    let d = this.deltas.get(key);
    if (d === undefined) {
      d = {
        fiscal_year: e.fiscal_year,
        account_id,
        park,
        tax_code,
        origin_year: e.origin_year,
        debit_fen: 0n,
        credit_fen: 0n,
        line_count: 0n,
      };
      this.deltas.set(key, d);
    }
    d.debit_fen += l.debit_fen;
    d.credit_fen += l.credit_fen;
    d.line_count += 1n;
  }

  /** Writes what is queued and adds this writer's lines to the running balances. */
  async finish(): Promise<void> {
    await this.flush();
    if (this.deltas.size === 0) return;
    const buffer = new ColumnBuffer(BALANCE_COLUMNS);
    const sorted = [...this.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [, d] of sorted)
      buffer.push([
        d.fiscal_year,
        d.account_id,
        d.park,
        d.tax_code,
        d.origin_year,
        d.debit_fen,
        d.credit_fen,
        d.line_count,
      ]);
    await buffer.flush(
      this.trx,
      "balances",
      `on conflict (fiscal_year, account_id, park, tax_code, origin_year) do update set
         debit_fen = balances.debit_fen + excluded.debit_fen,
         credit_fen = balances.credit_fen + excluded.credit_fen,
         line_count = balances.line_count + excluded.line_count`,
    );
    this.deltas.clear();
  }
}

/**
 * Posts one entry unless its idempotency key is already recorded: the same input again is a
 * replay (the recorded entry's id comes back), different input under the same key is refused.
 */
export async function postEntry(
  trx: Knex.Transaction,
  accounts: AccountBook,
  entry: NewEntry,
): Promise<{ id: bigint; replayed: boolean }> {
  const existing = await trx("journal_entries")
    .select("id", "input_hash")
    .where({ idempotency_key: entry.idempotency_key })
    .first();
  if (existing !== undefined) {
    if (existing.input_hash !== entry.input_hash) {
      throw new Rejection(
        "idempotency_key_reused",
        `${entry.idempotency_key} was already posted with different content`,
        {
          idempotency_key: entry.idempotency_key,
        },
      );
    }
    return { id: existing.id as bigint, replayed: true };
  }
  const writer = new JournalWriter(trx, accounts);
  let id = 0n;
  writer.add(entry, (assigned) => (id = assigned));
  await writer.finish();
  return { id, replayed: false };
}
