// Writes journal entries: ids from the sequence in one block, entries and lines with set-based
// inserts, and the running balances in the same transaction. Every entry is checked balanced here
// (ledger/posting.ts) and again by the database trigger on the lines. Writers hold one advisory lock,
// so entries are appended one writer at a time and an idempotency check cannot race.

import type { Knex } from "knex";
import type { Line } from "../../ledger/posting.js";
import { assertBalanced } from "../../ledger/posting.js";
import { BALANCE_FEN_LIMIT, formatYuan } from "../../ledger/money.js";
import { Rejection } from "../../ledger/rejections.js";
import { insertRows, ROWS_BETWEEN_YIELDS, RowBuffer, yieldToIo, type WriteBatch } from "../db/bulk.js";
import type { AccountBook } from "./accounts.js";
import { currentActor, type Actor } from "./actor.js";
import { needTransaction } from "../db/session.js";
import { entryHash, GENESIS_HASH, type ChainLine } from "../../ledger/chain.js";

export type EntryKind =
  "receipt" | "refund" | "suspense" | "transfer" | "settlement" | "indicator" | "land" | "adjustment" | "payment";

export interface NewEntry {
  idempotency_key: string;
  input_hash: string;
  kind: EntryKind;
  fiscal_year: number;
  origin_year: number;
  effective_on: string;
  park: string | null;
  operator: string | null;
  tax_code: string | null;
  /** What the entry is, for entries that no source row describes (transfers, settlements). */
  description: string | null;
  import_id: bigint | null;
  source_row: number | null;
  lines: Line[];
  /** Who posted it, when not the writer's actor (receipts of several HTTP requests booked together). */
  actor?: Actor | undefined;
}

const JOURNAL_LOCK_KEY = 7_411_001;

/** The statement that takes the journal lock (for a message of several statements, which takes no bindings). */
export const LOCK_JOURNAL_SQL = `select pg_advisory_xact_lock(${JOURNAL_LOCK_KEY})`;

/** Serialises journal writers for the rest of the transaction. */
export async function lockJournal(trx: Knex.Transaction): Promise<void> {
  await trx.raw(LOCK_JOURNAL_SQL);
}

/** The hash the next entry links to: the last entry's, or the chain's start. The caller holds the lock. */
export async function chainHead(trx: Knex.Transaction): Promise<string> {
  const { rows } = await trx.raw(`select entry_hash from journal_entries order by id desc limit 1`);
  return rows.length === 0 ? GENESIS_HASH : (rows[0].entry_hash as string);
}

/** Reserves `count` consecutive values of a sequence in one round trip; the caller holds the journal lock. */
export async function reserveIds(trx: Knex.Transaction, sequence: string, count: number): Promise<bigint> {
  if (count <= 0) return 0n;
  const { rows } = await trx.raw(`select setval(?::regclass, nextval(?::regclass) + ?::bigint - 1) as last`, [
    sequence,
    sequence,
    count,
  ]);
  return BigInt(rows[0].last) - BigInt(count) + 1n;
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
  { name: "tax_code", type: "text" },
  { name: "operator", type: "text" },
  { name: "description", type: "text" },
  { name: "import_id", type: "bigint" },
  { name: "source_row", type: "integer" },
  { name: "posted_by", type: "text" },
  { name: "request_id", type: "text" },
  { name: "party", type: "text" },
  { name: "token_id", type: "bigint" },
  { name: "prev_hash", type: "text" },
  { name: "entry_hash", type: "text" },
] as const;

const LINE_COLUMNS = [
  { name: "entry_id", type: "bigint" },
  { name: "line_no", type: "smallint" },
  { name: "account_id", type: "integer" },
  { name: "debit_fen", type: "bigint" },
  { name: "credit_fen", type: "bigint" },
] as const;

const BALANCE_COLUMNS = [
  { name: "fiscal_year", type: "integer" },
  { name: "account_id", type: "integer" },
  { name: "park", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "origin_year", type: "integer" },
  { name: "month", type: "smallint" },
  { name: "debit_fen", type: "bigint" },
  { name: "credit_fen", type: "bigint" },
  { name: "line_count", type: "bigint" },
] as const;

const ADD_TO_BALANCES = `on conflict (fiscal_year, account_id, park, tax_code, origin_year, month) do update set
  debit_fen = balances.debit_fen + excluded.debit_fen,
  credit_fen = balances.credit_fen + excluded.credit_fen,
  line_count = balances.line_count + excluded.line_count`;

interface BalanceDelta {
  debit_fen: bigint;
  credit_fen: bigint;
  line_count: bigint;
}

/** Ids reserved at a time by a writer that does not know its count in advance. */
export const ID_BLOCK_AHEAD = 50_000;

/**
 * Ids handed out from blocks reserved in one round trip each. When a block runs low the next one is
 * asked for ahead of need, so the request waits its turn behind queued writes instead of stalling
 * the writer. Unused ids leave gaps, which mean nothing.
 */
export class IdBlock {
  private next = 0n;
  private end = 0n;
  private upcoming: Promise<{ first: bigint; size: number }> | null = null;

  constructor(private readonly sequence: string) {}

  /** Makes sure `count` ids are at hand, reserving at least `ahead` at a time. */
  async reserve(trx: Knex.Transaction | null, count: number, ahead = 0): Promise<void> {
    if (count <= 0) return;
    if (this.end - this.next < BigInt(count)) {
      const block = this.upcoming !== null ? await this.upcoming : null;
      this.upcoming = null;
      if (block !== null && block.size >= count) {
        this.next = block.first;
        this.end = block.first + BigInt(block.size);
      } else {
        const size = Math.max(count, ahead);
        this.next = await reserveIds(needTransaction(trx, "reserving ids"), this.sequence, size);
        this.end = this.next + BigInt(size);
      }
    }
    if (ahead > 0 && this.upcoming === null && this.end - this.next < BigInt(ahead) / 2n) {
      const size = ahead;
      this.upcoming = reserveIds(needTransaction(trx, "reserving ids"), this.sequence, size).then((first) => ({
        first,
        size,
      }));
      this.upcoming.catch(() => {}); // awaited when needed; a failure aborts the transaction anyway
    }
  }

  /** Ids `first` … `first + size - 1`, already reserved by the caller (read with other things in one query). */
  grant(first: bigint, size: number): void {
    if (this.end - this.next > 0n || this.upcoming !== null) throw new Error(`ids of ${this.sequence} granted twice`);
    this.next = first;
    this.end = first + BigInt(size);
  }

  take(): bigint {
    if (this.next >= this.end) throw new Error(`ids of ${this.sequence} taken beyond the reserved block`);
    return this.next++;
  }
}

/**
 * Buffers entries and writes them in batches, each batch's write overlapping the preparation of the
 * next. The caller holds the journal lock and has already settled idempotency (a bulk import checks
 * its keys set-based before it writes). Every line of an entry has the entry's park and tax, which
 * the entry row carries for them.
 */
export class JournalWriter {
  private readonly entries: RowBuffer;
  private readonly lines: RowBuffer;
  private readonly pending: { entry: NewEntry; onId?: ((id: bigint) => void) | undefined }[] = [];
  /** fiscal_year|origin_year|park|tax → account id → delta */
  private readonly deltas = new Map<string, Map<number, BalanceDelta>>();
  private readonly ids = new IdBlock("journal_entries_id_seq");
  /** The hash of the last entry in the journal, read under the journal lock at the first flush. */
  private head: string | null = null;
  private readonly actor: Actor = currentActor();

  constructor(
    /** null: everything is seeded and written to `options.batch`; what needs the database throws NeedsTransaction. */
    private readonly trx: Knex.Transaction | null,
    private readonly accounts: AccountBook,
    /**
     * COPY (PostgreSQL, for batches) or plain INSERTs (PGlite, or a single entry); with `batch`, the
     * rows are handed to it and written when the caller runs it (a group of HTTP requests).
     */
    private readonly options: { copy: boolean; batch?: WriteBatch },
  ) {
    this.entries = new RowBuffer("journal_entries", ENTRY_COLUMNS, "", options.copy, options.batch);
    this.lines = new RowBuffer("journal_lines", LINE_COLUMNS, "", options.copy, options.batch);
  }

  /**
   * What the writer would otherwise ask the database for, read by the caller under the journal lock:
   * the hash of the last entry, and `count` entry ids already reserved from `first` on.
   */
  seed(head: string, first: bigint, count: number): void {
    if (this.head !== null) throw new Error("the journal writer has already read the chain's head");
    this.head = head;
    this.ids.grant(first, count);
  }

  /** Reserves ids for the next `count` entries in one round trip (a bulk import knows its count). */
  async reserve(count: number): Promise<void> {
    await this.ids.reserve(this.trx, count);
  }

  /** Queues an entry after checking it balances; its id is assigned at flush and given to `onId`. */
  add(entry: NewEntry, onId?: (id: bigint) => void): void {
    assertBalanced(entry.lines);
    if (entry.lines.length === 0) throw new Error(`entry ${entry.idempotency_key} has no lines`);
    for (const l of entry.lines) {
      if (l.park !== entry.park || l.tax_code !== entry.tax_code)
        throw new Error(`a line of ${entry.idempotency_key} has another park or tax than its entry`);
    }
    this.pending.push({ entry, onId });
  }

  /** Assigns ids and starts writing the queued entries; the write finishes in the background. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const missing: { jurisdiction: string; code: string }[] = [];
    for (const { entry } of this.pending) {
      for (const l of entry.lines)
        if (!this.accounts.has(l.jurisdiction, l.account))
          missing.push({ jurisdiction: l.jurisdiction, code: l.account });
    }
    if (missing.length > 0) await this.accounts.ensure(needTransaction(this.trx, "a new account"), missing);
    if (this.head === null) this.head = await chainHead(needTransaction(this.trx, "reading the chain's head"));
    // a bulk writer reserves ids well ahead so the next block is at hand; a small one takes what it needs
    await this.ids.reserve(this.trx, this.pending.length, this.options.copy ? ID_BLOCK_AHEAD : 0);
    let done = 0;
    for (const { entry: e, onId } of this.pending) {
      const actor = e.actor ?? this.actor;
      if (++done % ROWS_BETWEEN_YIELDS === 0) await yieldToIo();
      const id = this.ids.take();
      onId?.(id);
      const chained: ChainLine[] = new Array(e.lines.length);
      for (let i = 0; i < e.lines.length; i++) {
        const l = e.lines[i]!;
        chained[i] = {
          line_no: i + 1,
          account_id: this.accounts.id(l.jurisdiction, l.account),
          debit: l.debit_fen,
          credit: l.credit_fen,
        };
      }
      const prev_hash: string = this.head;
      const entry_hash = entryHash(
        {
          id,
          idempotency_key: e.idempotency_key,
          input_hash: e.input_hash,
          kind: e.kind,
          fiscal_year: e.fiscal_year,
          origin_year: e.origin_year,
          effective_on: e.effective_on,
          park: e.park,
          tax_code: e.tax_code,
          operator: e.operator,
          description: e.description,
          import_id: e.import_id,
          source_row: e.source_row,
          posted_by: actor.posted_by,
          request_id: actor.request_id,
          party: actor.party,
          token_id: actor.token_id,
          lines: chained,
        },
        prev_hash,
      );
      this.head = entry_hash;
      this.entries.push([
        id,
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
        e.import_id,
        e.source_row,
        actor.posted_by,
        actor.request_id,
        actor.party,
        actor.token_id,
        prev_hash,
        entry_hash,
      ]);
      const bucket = this.bucket(e);
      for (const c of chained) {
        this.lines.push([id, c.line_no, c.account_id, c.debit, c.credit]);
        const d = bucket.get(c.account_id);
        if (d === undefined) bucket.set(c.account_id, { debit_fen: c.debit, credit_fen: c.credit, line_count: 1n });
        else {
          d.debit_fen += c.debit;
          d.credit_fen += c.credit;
          d.line_count += 1n;
        }
      }
    }
    this.pending.length = 0;
    await this.entries.flush(this.trx);
    await this.lines.flush(this.trx);
  }

  private bucket(e: NewEntry): Map<number, BalanceDelta> {
    const key = `${e.fiscal_year}|${e.origin_year}|${entryMonth(e)}|${e.park ?? ""}|${e.tax_code ?? ""}`;
    let bucket = this.deltas.get(key);
    if (bucket === undefined) {
      bucket = new Map();
      this.deltas.set(key, bucket);
    }
    return bucket;
  }

  /** Writes what is queued, waits for every write, and adds this writer's lines to the running balances. */
  async finish(): Promise<void> {
    await this.flush();
    await this.entries.settle(this.trx);
    await this.lines.settle(this.trx);
    if (this.deltas.size === 0) return;
    const rows: unknown[][] = [];
    for (const [key, bucket] of [...this.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [fiscal_year, origin_year, month, park, tax_code] = key.split("|") as [
        string,
        string,
        string,
        string,
        string,
      ];
      for (const [account_id, d] of [...bucket.entries()].sort(([a], [b]) => a - b)) {
        // what this writer adds must itself fit; the database checks the running total (migration 013)
        if (d.debit_fen > BALANCE_FEN_LIMIT || d.credit_fen > BALANCE_FEN_LIMIT) throw balanceLimitExceeded();
        rows.push([
          Number(fiscal_year),
          account_id,
          park,
          tax_code,
          Number(origin_year),
          Number(month),
          d.debit_fen,
          d.credit_fen,
          d.line_count,
        ]);
      }
    }
    if (this.options.batch !== undefined) this.options.batch.add("balances", BALANCE_COLUMNS, rows, ADD_TO_BALANCES);
    else
      await insertRows(
        needTransaction(this.trx, "writing balances"),
        "balances",
        BALANCE_COLUMNS,
        rows,
        ADD_TO_BALANCES,
      );
    this.deltas.clear();
  }
}

/**
 * The month of its fiscal year an entry's balance counts in: its effective date's, or 0 when that date
 * lies outside the year (a prior-year adjustment). As migrations/022_monthly_balances.ts computes it in SQL.
 */
export function entryMonth(e: Pick<NewEntry, "effective_on" | "fiscal_year">): number {
  const on = String(e.effective_on);
  return Number(on.slice(0, 4)) === e.fiscal_year ? Number(on.slice(5, 7)) : 0;
}

/** entryMonth in SQL, of the journal entry `e`. */
export const ENTRY_MONTH_SQL = (e: string): string =>
  `(case when extract(year from ${e}.effective_on) = ${e}.fiscal_year then extract(month from ${e}.effective_on) else 0 end)::smallint`;

/** The constraint of migration 013 on the running balances. */
const BALANCE_LIMIT_CONSTRAINT = "balances_within_limit";

function balanceLimitExceeded(): Rejection {
  return new Rejection(
    "balance_limit_exceeded",
    `booking this would take an account's running total past ${formatYuan(BALANCE_FEN_LIMIT)} yuan; nothing was booked`,
  );
}

/**
 * The rejection a database error stands for when the running balances refused what a writer added
 * (the check of migration 013); null for any other error. The booking paths write balances through
 * the pool, the desk's session and COPY alike, so the two error mappers (src/http/errors.ts,
 * src/cli/errors.ts) ask this one function; what one writer adds is checked before it is written.
 */
export function balanceRejection(error: unknown): Rejection | null {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e === null || typeof e !== "object") return null;
  return e.code === "23514" && e.constraint === BALANCE_LIMIT_CONSTRAINT ? balanceLimitExceeded() : null;
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
  const writer = new JournalWriter(trx, accounts, { copy: false }); // one entry: a plain INSERT
  let id = 0n;
  writer.add(entry, (assigned) => (id = assigned));
  await writer.finish();
  return { id, replayed: false };
}
