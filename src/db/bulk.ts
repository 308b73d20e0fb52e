// Set-based writes, one statement per batch instead of one per row: COPY … FROM STDIN on PostgreSQL
// (the fastest way in, several times quicker than parameters), and INSERT … SELECT FROM unnest(…)
// on PGlite and wherever a statement needs ON CONFLICT. Both take the same rows.
//
// A RowBuffer's COPY is queued on the transaction's connection with its rows handed over at once, so
// the importer prepares the next batches while the server takes in this one; a few writes per table
// may be in flight, and `settle` waits for all of them before the transaction ends.

import type { Knex } from "knex";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

export type PgType = "bigint" | "integer" | "smallint" | "text" | "date" | "boolean";

export interface ColumnDef {
  name: string;
  type: PgType;
}

/**
 * Lets the event loop run during long synchronous work, so the driver sees the server finish a
 * statement and sends the next queued one at once instead of leaving the server idle meanwhile.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows of synchronous work between two yields to the event loop. */
export const ROWS_BETWEEN_YIELDS = 500;

/** Inserts `rows` (each an array in column order) with one INSERT … SELECT FROM unnest(…). */
export async function insertRows(
  trx: Knex | Knex.Transaction,
  table: string,
  columns: readonly ColumnDef[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<void> {
  if (rows.length === 0) return;
  return unnestRows(trx, table, columns, rows, suffix);
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** Characters of COPY text encoded at a time. */
const COPY_CHUNK_CHARS = 1 << 18;
/** Batches of one table queued for the server at once: enough to keep it busy, a bounded memory. */
const WRITES_IN_FLIGHT_MAX = 3;

async function unnestRows(
  trx: Knex | Knex.Transaction,
  table: string,
  columns: readonly ColumnDef[],
  rows: readonly (readonly unknown[])[],
  suffix: string,
): Promise<void> {
  const { sql, bindings } = unnestInsert(table, columns, rows, suffix);
  await trx.raw(sql, bindings as never);
}

/** `insert into table (…) select * from unnest(…)`: one array binding per column. */
function unnestInsert(
  table: string,
  columns: readonly ColumnDef[],
  rows: readonly (readonly unknown[])[],
  suffix: string,
): { sql: string; bindings: unknown[] } {
  const names = columns.map((c) => c.name).join(", ");
  const arrays = columns.map((c) => `?::${c.type}[]`).join(", ");
  const bindings = columns.map((_, c) => rows.map((row) => serialise(row[c])));
  return { sql: `insert into ${table} (${names}) select * from unnest(${arrays}) ${suffix}`.trimEnd(), bindings };
}

/**
 * Inserts into several tables gathered and sent as one statement (data-modifying WITH queries), for
 * small transactions where each further round trip would cost more than the writing itself (a group
 * of HTTP requests). Rows given for the same table and suffix are written by one insert. The
 * tables' statement triggers still fire, once the whole statement is done, and see all of it.
 */
export class WriteBatch {
  private readonly inserts = new Map<
    string,
    { table: string; columns: readonly ColumnDef[]; suffix: string; rows: (readonly unknown[])[] }
  >();

  add(table: string, columns: readonly ColumnDef[], rows: readonly (readonly unknown[])[], suffix = ""): void {
    if (rows.length === 0) return;
    const key = `${table}\u0000${suffix}`;
    const pending = this.inserts.get(key);
    if (pending === undefined) this.inserts.set(key, { table, columns, suffix, rows: [...rows] });
    else if (pending.columns !== columns) throw new Error(`rows for ${table} given with two different column lists`);
    else pending.rows.push(...rows);
  }

  /** Everything gathered as one statement, inserts in the order first given; null when nothing was. */
  statement(): { sql: string; bindings: unknown[] } | null {
    if (this.inserts.size === 0) return null;
    const parts: string[] = [];
    const bindings: unknown[] = [];
    let n = 0;
    for (const { table, columns, suffix, rows } of this.inserts.values()) {
      const insert = unnestInsert(table, columns, rows, suffix);
      parts.push(`w${n++} as (${insert.sql})`);
      bindings.push(...insert.bindings);
    }
    return { sql: `with ${parts.join(",\n")} select 1`, bindings };
  }
}

function serialise(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  return value ?? null;
}

/**
 * COPY text for one table: each row built as one string and appended to the chunk, which is encoded
 * once it is large: one native call per chunk rather than one per field (seventy-odd per receipt).
 */
class CopyEncoder {
  private text = "";
  private full: Buffer[] = [];

  row(encoders: readonly boolean[], row: readonly unknown[]): void {
    let line = "";
    const last = encoders.length - 1;
    for (let c = 0; c <= last; c++) {
      const value = row[c];
      let field: string;
      if (value === null || value === undefined) field = "\\N";
      else if (encoders[c]) {
        field = String(value);
        if (SPECIAL.test(field)) field = field.replace(SPECIALS, (ch) => COPY_ESCAPES[ch]!);
      } else field = typeof value === "boolean" ? (value ? "t" : "f") : String(value);
      line += c === last ? `${field}\n` : `${field}\t`;
    }
    this.text += line;
    if (this.text.length >= COPY_CHUNK_CHARS) this.encode();
  }

  private encode(): void {
    this.full.push(Buffer.from(this.text, "utf8"));
    this.text = "";
  }

  take(): Buffer[] {
    if (this.text.length > 0) this.encode();
    const chunks = this.full;
    this.full = [];
    return chunks;
  }
}

/**
 * Collects rows for one table and writes them a batch at a time, keeping a few writes in flight:
 * `flush` starts writing what is buffered and returns at once, unless too many writes are still going.
 * With `copy` (PostgreSQL) rows are encoded as COPY text as they are pushed, so no batch of row
 * arrays is kept.
 */
export class RowBuffer {
  private rows: unknown[][] = [];
  private readonly encoder: CopyEncoder | null;
  private readonly isText: boolean[];
  private count = 0;
  /** Writes started and not yet known to be finished, oldest first. */
  private inflight: Promise<void>[] = [];

  constructor(
    readonly table: string,
    readonly columns: readonly ColumnDef[],
    private readonly suffix = "",
    copy = false,
    /** Rows are handed to this batch at each flush, to be written with its other inserts. */
    private readonly batch?: WriteBatch,
  ) {
    this.isText = columns.map((c) => c.type === "text");
    this.encoder = copy ? new CopyEncoder() : null;
    if (copy && suffix !== "") throw new Error("COPY cannot take an ON CONFLICT clause");
    if (copy && batch !== undefined) throw new Error("rows go either to COPY or to a batch, not both");
  }

  push(row: unknown[]): void {
    this.count += 1;
    if (this.encoder === null) this.rows.push(row);
    else this.encoder.row(this.isText, row);
  }

  get length(): number {
    return this.count;
  }

  /**
   * Starts writing the buffered rows without waiting for them, once fewer than WRITES_IN_FLIGHT_MAX
   * earlier writes are still going: the server works through a queue while this thread prepares more.
   */
  async flush(trx: Knex | Knex.Transaction | null): Promise<void> {
    while (this.inflight.length >= WRITES_IN_FLIGHT_MAX) await this.inflight.shift();
    if (this.count === 0) return;
    if (this.batch !== undefined) {
      this.batch.add(this.table, this.columns, this.rows, this.suffix);
      this.rows = [];
      this.count = 0;
      return;
    }
    if (trx === null) throw new Error(`rows of ${this.table} to write and no transaction to write them in`);
    let write: Promise<void>;
    if (this.encoder !== null) {
      const connection: unknown = await (trx as Knex.Transaction).client.acquireConnection();
      if (!(connection instanceof pg.Client)) throw new Error("COPY needs a PostgreSQL transaction");
      write = copyChunks(connection, this.table, this.columns, this.encoder.take());
    } else {
      const rows = this.rows;
      this.rows = [];
      write = insertRows(trx, this.table, this.columns, rows, this.suffix);
    }
    this.count = 0;
    write.catch(() => {}); // surfaced by a later flush or settle; never an unhandled rejection meanwhile
    this.inflight.push(write);
  }

  /** Writes what is left and waits until every write has finished. */
  async settle(trx: Knex | Knex.Transaction | null): Promise<void> {
    await this.flush(trx);
    while (this.inflight.length > 0) await this.inflight.shift();
  }
}

function copyChunks(
  connection: pg.Client,
  table: string,
  columns: readonly ColumnDef[],
  chunks: Buffer[],
): Promise<void> {
  const stream = connection.query(copyFrom(`copy ${table} (${columns.map((c) => c.name).join(", ")}) from stdin`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return done;
}
