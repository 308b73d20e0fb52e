// A transaction in two round trips, for the HTTP service's receipt groups on PostgreSQL. Each round
// trip to the server costs more than the work it carries when the machine is busy (the server waits
// for a processor, then this process does), so a group is booked as:
//   1. BEGIN; the journal lock; the lookup          (one message, three statements)
//   2. the write; COMMIT                            (one message, two statements)
// Both statements are kept prepared on the connection (PREPARE once, EXECUTE after), so they are not
// planned at every group; their arguments are sent as literals, escaped here, since a message of
// several statements cannot carry parameters. Each statement of a message still takes its own
// snapshot, so the lookup sees everything committed before the lock was granted.
//
// Only PostgreSQL over pg has such messages; on PGlite (in process, no round trips) `open` gives null
// and the caller uses a knex transaction.

import type { Knex } from "knex";
import pg from "pg";
import { statementName, type Database } from "./database.js";

/**
 * Work that needs the database, asked of a writer given no transaction (one that writes only to a
 * batch, from what a lookup read): the caller books the same rows again in a knex transaction.
 */
export class NeedsTransaction extends Error {
  constructor(what: string) {
    super(`${what} needs a transaction`);
  }
}

/** `trx`, or NeedsTransaction when there is none. */
export function needTransaction(trx: Knex.Transaction | null, what: string): Knex.Transaction {
  if (trx === null) throw new NeedsTransaction(what);
  return trx;
}

/** A statement with knex-style `?` placeholders and its bindings. */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
}

/** Statements each connection has prepared, by name. */
const preparedOn = new WeakMap<pg.Client, Set<string>>();

/**
 * A connection kept from the pool for one writer's transactions, one after another (a busy desk books
 * group after group): taking and giving back a pooled connection at every group costs as much as a
 * round trip. Closing it gives the connection back.
 */
export class PgLane {
  private connection: pg.Client | null = null;

  constructor(private readonly db: Database) {}

  /** A transaction on the lane's connection; null where the store is not PostgreSQL over pg. */
  async session(): Promise<PgSession | null> {
    if (this.db.dialect !== "postgres") return null;
    if (this.connection === null) {
      const connection: unknown = await this.db.knex.client.acquireConnection();
      if (!(connection instanceof pg.Client)) {
        await this.db.knex.client.releaseConnection(connection);
        return null;
      }
      this.connection = connection;
    }
    return new PgSession(this.connection, () => this.drop());
  }

  /** Gives the connection back to the pool (which throws away one marked broken). */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection !== null) await this.db.knex.client.releaseConnection(connection);
  }

  private async drop(): Promise<void> {
    await this.close();
  }
}

export class PgSession {
  private begun = false;

  constructor(
    private readonly connection: pg.Client,
    /** Called when the connection can no longer be trusted (it is then given back, marked broken). */
    private readonly broken: () => Promise<void>,
  ) {}

  /** Begins, runs `first` (a statement with no result, such as taking a lock), then `statement`: one round trip. */
  async begin(first: string, statement: Statement): Promise<Record<string, unknown>> {
    if (this.begun) throw new Error("the session has already begun");
    this.begun = true;
    const rows = await this.run(["BEGIN", first], statement, []);
    return rows[0] as Record<string, unknown>;
  }

  /** Runs `statement` (if any) and commits: one round trip. */
  async commit(statement: Statement | null): Promise<void> {
    if (!this.begun) throw new Error("the session has not begun");
    if (statement === null) await this.send("COMMIT");
    else await this.run([], statement, ["COMMIT"]);
    this.begun = false;
  }

  /** Rolls back what was begun and not committed (the work after the lookup threw). */
  async end(): Promise<void> {
    if (!this.begun) return;
    this.begun = false;
    await this.send("ROLLBACK");
  }

  private async run(before: string[], statement: Statement, after: string[]): Promise<unknown[]> {
    const native = nativeSql(statement.sql);
    let prepared = preparedOn.get(this.connection);
    if (prepared === undefined) {
      prepared = new Set();
      preparedOn.set(this.connection, prepared);
    }
    const steps = [...before];
    const preparing = !prepared.has(native.name);
    if (preparing) steps.push(`PREPARE ${native.name} AS ${native.sql}`);
    steps.push(`EXECUTE ${native.name}(${statement.bindings.map(literal).join(", ")})`, ...after);
    try {
      const results = (await this.send(steps.join(";\n"))) as unknown as pg.QueryResult[];
      if (preparing) prepared.add(native.name);
      return results[before.length + (preparing ? 1 : 0)]!.rows;
    } catch (error) {
      // PREPARE is not undone by a rollback: whether the statement outlived the failed message is
      // asked, so the next message neither prepares it twice nor runs it unprepared
      if (preparing && this.usable) {
        const { rows } = await this.connection.query(`select 1 from pg_prepared_statements where name = $1`, [
          native.name,
        ]);
        if (rows.length > 0) prepared.add(native.name);
      }
      throw error;
    }
  }

  /** Whether the connection is still fit for another transaction. */
  private usable = true;

  /**
   * Sends one message. If it fails, whatever it began is rolled back, so the connection goes to the
   * next transaction clean; one that cannot even roll back is given to no one else.
   */
  private async send(text: string): Promise<unknown> {
    try {
      return await this.connection.query(text);
    } catch (error) {
      this.begun = false;
      try {
        await this.connection.query("ROLLBACK");
      } catch (broken) {
        this.usable = false;
        (this.connection as unknown as { __knex__disposed?: unknown }).__knex__disposed = broken;
        await this.broken();
      }
      throw error;
    }
  }
}

/** A statement's text with `$n` parameters, and the name it is prepared under; kept by text. */
const natives = new Map<string, { sql: string; name: string }>();

function nativeSql(sql: string): { sql: string; name: string } {
  let native = natives.get(sql);
  if (native === undefined) {
    let n = 0;
    // the statements sent this way hold `?` only as placeholders
    const text = sql.replace(/\?/g, () => `$${++n}`);
    native = { sql: text, name: statementName(text) };
    if (natives.size < 1000) natives.set(sql, native);
  }
  return native;
}

/** A value as an SQL literal of unknown type (the prepared statement's parameter type applies). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (Array.isArray(value)) {
    let text = "{";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += arrayElement(value[i]);
    }
    return quote(text + "}");
  }
  if (typeof value === "bigint" || typeof value === "number") return `'${value}'`;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return quote(value);
  throw new Error(`no SQL literal for a ${typeof value}`);
}

const ARRAY_SPECIAL = /[\\"]/;
const ARRAY_SPECIALS = /[\\"]/g;

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "bigint" || typeof value === "number") return String(value);
  if (typeof value !== "string") throw new Error(`no SQL array element for a ${typeof value}`);
  return ARRAY_SPECIAL.test(value) ? `"${value.replace(ARRAY_SPECIALS, "\\$&")}"` : `"${value}"`;
}

/** A string literal; with E'' when it holds backslashes, so it reads the same whatever the server's settings. */
function quote(text: string): string {
  const doubled = text.includes("'") ? text.replace(/'/g, "''") : text;
  return text.includes("\\") ? `E'${doubled.replace(/\\/g, "\\\\")}'` : `'${doubled}'`;
}
