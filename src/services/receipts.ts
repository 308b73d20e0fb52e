// Receipts posted one at a time or in a batch (the HTTP API), booked by the booking engine
// (src/booking/) with the same checks as a file's: every receipt checked on its own and against the
// others and the recorded receipts, all of a request or nothing of it, the same receipt again a no-op.
//
// Requests that arrive while others are being booked wait at the desk (ReceiptDesk) and are booked
// together in the next transaction, each entry still naming its own request (group commit): the
// journal takes one writer at a time, so this is how many clients at once are served quickly. If
// anything in a group is refused, each of its requests is booked on its own instead, so one
// request's problem is never another's.

import type { Knex } from "knex";
import { formatYuan } from "../../ledger/money.js";
import { Rejection } from "../../ledger/rejections.js";
import { bookFew } from "../booking/few.js";
import { groupContext, groupLookup } from "../booking/lookup.js";
import { bookStaged } from "../booking/staged.js";
import { emptyTally, type CheckedReceipt, type ReceiptToBook, type WrittenReceipt } from "../booking/types.js";
import { WriteBatch } from "../db/bulk.js";
import type { Database, Dialect } from "../db/database.js";
import { preparedRaw } from "../db/database.js";
import { NeedsTransaction, PgLane, needTransaction, type Statement } from "../db/session.js";
import { ProblemList } from "../import/errors.js";
import type { CodeBook } from "../../ledger/budget.js";
import { checkReceiptRow } from "../import/receipt-rows.js";
import { AccountBook } from "../repositories/accounts.js";
import { currentActor, type Actor } from "../repositories/actor.js";
import { LOCK_JOURNAL_SQL, lockJournal } from "../repositories/journal.js";
import { receiptFigures, recordedNumbers } from "../repositories/receipts.js";
import { ReferenceData } from "../repositories/reference.js";

/** A receipt as a client sends it: the CSV columns, amounts as decimal strings. */
export interface ReceiptInput {
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount: string;
  scope?: "gross" | "local" | undefined;
  tax_period?: string | undefined;
  refund_of?: string | undefined;
  kind?: string | undefined;
  /** The amounts of each level, when the treasury divided the receipt (decimal strings). */
  central?: string | undefined;
  region?: string | undefined;
  prefecture?: string | undefined;
  county?: string | undefined;
}

const OPTIONAL_FIELDS = [
  "scope",
  "tax_period",
  "refund_of",
  "kind",
  "central",
  "region",
  "prefecture",
  "county",
] as const;

export interface PostedReceipt {
  receipt_no: string;
  /** booked by this request, or already recorded with the same content */
  outcome: "booked" | "unchanged";
  status: "posted" | "suspense";
  park: string | null;
  fiscal_year: number;
  amount: string;
  central_share: string;
  local_revenue: string;
  operator_share: string;
  host_share: string;
  entry_id: string;
}

export interface PostReceiptsResult {
  booked: number;
  unchanged: number;
  suspense: number;
  receipts: PostedReceipt[];
}

/**
 * What makes a request idempotent: its key, the hash of its body, and where to remember the answer.
 * The answer is stored in the same transaction as the booking, after the journal lock is taken, so a
 * retry or a concurrent twin gets the first answer and books nothing.
 */
export interface IdempotencyRecord {
  party: string;
  key: string;
  request_sha256: string;
  route: string;
  request_id: string;
  token_id: bigint;
}

export type PostOutcome =
  { replayed: false; result: PostReceiptsResult } | { replayed: true; status: number; response: unknown };

/** One request's receipts, checked on their own, waiting to be booked. */
interface Job {
  rows: CheckedReceipt[];
  numbers: string[];
  idempotency: IdempotencyRecord | undefined;
  actor: Actor;
}

/** Checks each receipt on its own; a problem rejects the request before it waits for the journal. */
function prepare(codes: CodeBook, inputs: readonly ReceiptInput[], idempotency?: IdempotencyRecord): Job {
  const problems = new ProblemList();
  const rows: CheckedReceipt[] = [];
  inputs.forEach((input, i) => {
    const fields: Record<string, string> = {
      receipt_no: input.receipt_no,
      uscc: input.uscc,
      tax_code: input.tax_code,
      collected_on: input.collected_on,
      amount: input.amount,
    };
    for (const field of OPTIONAL_FIELDS) fields[field] = input[field] ?? "";
    const staged = checkReceiptRow(i + 1, fields, codes, problems);
    if (staged !== null) rows.push(staged);
  });
  problems.rejectIfAny("request");
  return { rows, numbers: inputs.map((r) => r.receipt_no), idempotency, actor: currentActor() };
}

/**
 * What a desk keeps between groups. Accounts are only ever added, and a book adds what it lacks, so
 * one book serves every group; a book that saw a transaction roll back may remember accounts that
 * were never kept, so it is dropped then. The reference data is checked against the database's digest
 * of it at each group and loaded again when it changed.
 */
interface Kept {
  accounts: AccountBook | null;
  reference: ReferenceData | null;
}

/**
 * Books several requests in one transaction. Each request's answer is its own: a replay, a refusal
 * of its key, or what it booked. A rejected row throws for the whole group (ImportRejected, row
 * numbers of a single request being its own).
 *
 * Round trips: the journal lock; one statement reading everything the group depends on (its keys'
 * answers, the recorded receipts, the registry, the chain's head, ids); one statement writing every
 * entry, line, receipt, balance and answer. Groups that repeat a number or refund a receipt of the same
 * group take the staged path instead (as a file does).
 */
async function bookJobs(
  db: Database,
  jobs: readonly Job[],
  kept: Kept,
  lane: PgLane,
): Promise<(PostOutcome | Error)[]> {
  const session = await lane.session();
  if (session !== null) {
    try {
      return await bookGroup(
        {
          dialect: db.dialect,
          trx: null,
          read: (statement) => session.begin(LOCK_JOURNAL_SQL, statement),
          write: (statement) => session.commit(statement),
        },
        jobs,
        kept,
      );
    } catch (error) {
      if (!(error instanceof NeedsTransaction)) throw error;
      // something this group needs beyond the usual (new accounts, changed reference data, the
      // staged path): booked again below, in a knex transaction, which does it all
    } finally {
      await session.end();
    }
  }
  return db.knex.transaction(async (trx) =>
    bookGroup(
      {
        dialect: db.dialect,
        trx,
        read: async (statement) => {
          await lockJournal(trx);
          return (await preparedRaw(trx, statement.sql, statement.bindings)).rows[0];
        },
        write: async (statement) => {
          if (statement !== null) await preparedRaw(trx, statement.sql, statement.bindings);
        },
      },
      jobs,
      kept,
    ),
  );
}

/**
 * How a group reaches the database: `read` takes the journal lock and runs the lookup, `write` runs
 * the write and ends the transaction's work. With `trx` null (PostgreSQL, two round trips in all),
 * anything else the group needs throws NeedsTransaction and the group is booked again with a `trx`.
 */
interface GroupIo {
  dialect: Dialect;
  trx: Knex.Transaction | null;
  read(statement: Statement): Promise<Record<string, unknown>>;
  write(statement: Statement | null): Promise<void>;
}

async function bookGroup(io: GroupIo, jobs: readonly Job[], kept: Kept): Promise<(PostOutcome | Error)[]> {
  const outcomes: (PostOutcome | Error)[] = new Array(jobs.length);
  const keyed = jobs.filter((j) => j.idempotency !== undefined).map((j) => j.idempotency!);
  const known = groupContext(
    await io.read(
      groupLookup(
        jobs.flatMap((j) => j.rows),
        answeredLookup(keyed),
      ),
    ),
  );
  const active = replayOrBook(jobs, answeredOf(known.also.answered), outcomes);
  if (active.length === 0) {
    await io.write(null);
    return outcomes;
  }

  // the group's rows numbered one after the other; each still knows its request and its place
  const rows: ReceiptToBook[] = [];
  const owner: number[] = [];
  let offset = 0;
  for (const k of active) {
    const job = jobs[k]!;
    for (const r of job.rows) {
      rows.push({ ...r, row_no: offset + r.row_no, from: { actor: job.actor, row: r.row_no } });
      owner[offset + r.row_no] = k;
    }
    offset += job.numbers.length;
  }
  let ref = kept.reference;
  if (ref === null || ref.version !== known.reference_version)
    ref = kept.reference = await ReferenceData.load(needTransaction(io.trx, "loading the reference data"));
  const accounts = (kept.accounts ??= await AccountBook.load(needTransaction(io.trx, "loading the accounts")));
  const batch = new WriteBatch();
  // each receipt of the group: its figures, and which request booked it (undefined: recorded before)
  const figures = new Map<string, Figures>();
  const few = await bookFew(rows, known, {
    trx: io.trx,
    terms: ref,
    accounts,
    batch,
    onWritten: (receipt) => figures.set(receipt.receipt_no, { receipt, by: owner[receipt.row_no]! }),
  });
  if (few !== null) {
    few.problems.rejectIfAny("request");
    for (const [no, receipt] of known.recorded) if (!figures.has(no)) figures.set(no, { receipt, by: undefined });
  } else {
    const trx = needTransaction(io.trx, "the staged path");
    await bookStagedGroup(trx, { dialect: io.dialect, ref, accounts, rows, jobs, active, figures });
  }
  batch.add("api_requests", ANSWER_COLUMNS, answerEach(jobs, active, figures, outcomes));
  await io.write(batch.statement());
  return outcomes;
}

/** The group's idempotency keys' stored answers, read in the group's lookup. */
function answeredLookup(keyed: readonly IdempotencyRecord[]): Record<string, { sql: string; bindings: unknown[] }> {
  if (keyed.length === 0) return {};
  return {
    answered: {
      sql: `(select coalesce(json_agg(json_build_object('party', a.party, 'key', a.idempotency_key,
                        'request_sha256', a.request_sha256, 'status', a.status, 'response', a.response)), '[]')
                       from unnest(?::text[], ?::text[]) as k(party, key)
                       join lateral (select * from api_requests a
                                      where a.party = k.party and a.idempotency_key = k.key limit 1) a on true)`,
      bindings: [keyed.map((i) => i.party), keyed.map((i) => i.key)],
    },
  };
}

interface StoredAnswer {
  party: string;
  key: string;
  request_sha256: string;
  status: number;
  response: string;
}

function answeredOf(given: unknown): Map<string, StoredAnswer> {
  const answered = new Map<string, StoredAnswer>();
  for (const a of (typeof given === "string" ? JSON.parse(given) : (given ?? [])) as StoredAnswer[])
    answered.set(`${a.party}|${a.key}`, a);
  return answered;
}

/**
 * Which requests of the group are to be booked: a key answered before replays its answer (or is
 * refused, for another request); the others are returned, by index.
 */
function replayOrBook(
  jobs: readonly Job[],
  answered: ReadonlyMap<string, StoredAnswer>,
  outcomes: (PostOutcome | Error)[],
): number[] {
  const active: number[] = [];
  for (let k = 0; k < jobs.length; k++) {
    const idem = jobs[k]!.idempotency;
    const seen = idem === undefined ? undefined : answered.get(`${idem.party}|${idem.key}`);
    if (seen === undefined) active.push(k);
    else if (seen.request_sha256 !== idem!.request_sha256)
      outcomes[k] = new Rejection(
        "idempotency_key_reused",
        `Idempotency-Key ${idem!.key} was used before for another request`,
      );
    else outcomes[k] = { replayed: true, status: Number(seen.status), response: JSON.parse(seen.response) };
  }
  // two requests of one group under the same key: the second waits for the first's answer (a retry)
  const keys = new Set<string>();
  for (const k of active) {
    const idem = jobs[k]!.idempotency;
    if (idem === undefined) continue;
    const key = `${idem.party}|${idem.key}`;
    if (keys.has(key)) throw new RetryAlone();
    keys.add(key);
  }
  return active;
}

/** A receipt's figures, and which request of the group booked it (undefined: recorded before). */
interface Figures {
  receipt: WrittenReceipt;
  by: number | undefined;
}

/** Each booked request's answer, set in `outcomes`; returns the rows storing the keyed ones. */
function answerEach(
  jobs: readonly Job[],
  active: readonly number[],
  figures: ReadonlyMap<string, Figures>,
  outcomes: (PostOutcome | Error)[],
): unknown[][] {
  const answers: unknown[][] = [];
  const claimed = new Set<string>(); // a number given twice in a request is booked by its first row
  for (const k of active) {
    const job = jobs[k]!;
    const receipts = job.numbers.map((no): PostedReceipt => {
      const { receipt: r, by } = figures.get(no)!;
      const outcome = by === k && !claimed.has(no) ? "booked" : "unchanged";
      claimed.add(no);
      return {
        receipt_no: no,
        outcome,
        status: r.status,
        park: r.park,
        fiscal_year: r.fiscal_year,
        amount: formatYuan(r.amount_fen),
        central_share: formatYuan(r.central_fen),
        local_revenue: formatYuan(r.local_fen),
        operator_share: formatYuan(r.operator_fen),
        host_share: formatYuan(r.host_fen),
        entry_id: String(r.entry_id),
      };
    });
    const booked = receipts.filter((r) => r.outcome === "booked");
    const result: PostReceiptsResult = {
      booked: booked.length,
      unchanged: receipts.length - booked.length,
      suspense: booked.filter((r) => r.status === "suspense").length,
      receipts,
    };
    outcomes[k] = { replayed: false, result };
    const idem = job.idempotency;
    if (idem !== undefined)
      answers.push([
        idem.party,
        idem.key,
        idem.request_sha256,
        idem.route,
        201,
        JSON.stringify(result),
        idem.request_id,
        idem.token_id,
      ]);
  }
  return answers;
}

const ANSWER_COLUMNS = [
  { name: "party", type: "text" },
  { name: "idempotency_key", type: "text" },
  { name: "request_sha256", type: "text" },
  { name: "route", type: "text" },
  { name: "status", type: "integer" },
  { name: "response", type: "text" },
  { name: "request_id", type: "text" },
  { name: "token_id", type: "bigint" },
] as const;

/**
 * The staged path for a group (a number given twice, a refund of a receipt of the same group): the
 * rows are staged and booked as a file's are, then read back with the request that booked each.
 */
async function bookStagedGroup(
  trx: Knex.Transaction,
  g: {
    dialect: Dialect;
    ref: ReferenceData;
    accounts: AccountBook;
    rows: readonly ReceiptToBook[];
    jobs: readonly Job[];
    active: readonly number[];
    figures: Map<string, Figures>;
  },
): Promise<void> {
  const { jobs, active } = g;
  const numbers = [...new Set(g.rows.map((r) => r.receipt_no))];
  // which request booked a receipt is read back from its entry's request id; a request without one
  // (not over HTTP) needs to know what was recorded before
  const byRequest = active.every((k) => jobs[k]!.actor.request_id !== null);
  const before = byRequest ? new Set<string>() : await recordedNumbers(trx, numbers);
  const { problems } = await bookStaged(trx, {
    dialect: g.dialect,
    terms: g.ref,
    receipts: g.rows,
    tally: emptyTally(),
    import_id: null,
    accounts: g.accounts,
  });
  problems.rejectIfAny("request");
  for (const { request_id, ...receipt } of await receiptFigures(trx, numbers)) {
    // the first request of the group that names a number booked it, unless it was recorded before
    const by = before.has(receipt.receipt_no)
      ? undefined
      : active.find((k) =>
          byRequest ? jobs[k]!.actor.request_id === request_id : jobs[k]!.numbers.includes(receipt.receipt_no),
        );
    g.figures.set(receipt.receipt_no, { receipt, by });
  }
}

/** A group that cannot be booked together (two requests under one key): each goes on its own. */
class RetryAlone extends Error {
  constructor() {
    super("book these requests one at a time");
  }
}

interface Waiting extends Job {
  resolve(outcome: PostOutcome): void;
  reject(error: unknown): void;
}

/**
 * Where HTTP requests wait for the journal. One group is booked at a time per process; whatever
 * arrived meanwhile is the next group, up to `maxRows` receipts. A quiet server books each request
 * at once; a busy one books many per transaction.
 */
export class ReceiptDesk {
  private readonly queue: Waiting[] = [];
  private busy = false;
  private codes: Promise<CodeBook> | null = null;
  private readonly kept: Kept = { accounts: null, reference: null };

  constructor(
    private readonly db: Database,
    private readonly maxRows = 5000,
  ) {}

  async submit(inputs: readonly ReceiptInput[], idempotency?: IdempotencyRecord): Promise<PostOutcome> {
    // the taxes and the budget classification are seeded by migrations and never change while the server runs
    this.codes ??= ReferenceData.load(this.db.knex).then((ref) => ref.codes);
    let codes: CodeBook;
    try {
      codes = await this.codes;
    } catch (error) {
      this.codes = null; // the next request asks again
      throw error;
    }
    const job = prepare(codes, inputs, idempotency);
    return new Promise<PostOutcome>((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    // one connection for the groups booked one after another, given back when the queue is empty
    const lane = new PgLane(this.db);
    try {
      while (this.queue.length > 0) {
        const group: Waiting[] = [];
        let rows = 0;
        while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0]!.numbers.length <= this.maxRows)) {
          const next = this.queue.shift()!;
          rows += next.numbers.length;
          group.push(next);
        }
        await this.book(group, lane);
      }
    } finally {
      this.busy = false;
      await lane.close();
    }
  }

  private async book(group: Waiting[], lane: PgLane): Promise<void> {
    if (group.length > 1) {
      try {
        const outcomes = await bookJobs(this.db, group, this.kept, lane);
        group.forEach((job, k) => settle(job, outcomes[k]!));
        return;
      } catch {
        // whatever went wrong (a refused receipt, a fault), each request is booked on its own, so
        // what is wrong with one is only that one's answer
        this.kept.accounts = null;
      }
    }
    for (const job of group) {
      try {
        settle(job, (await bookJobs(this.db, [job], this.kept, lane))[0]!);
      } catch (error) {
        this.kept.accounts = null;
        job.reject(error);
      }
    }
  }
}

function settle(job: Waiting, outcome: PostOutcome | Error): void {
  if (outcome instanceof Error) job.reject(outcome);
  else job.resolve(outcome);
}
