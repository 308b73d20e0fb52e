// Receipts posted one at a time or in a batch (the HTTP API), booked by the same checks and the same
// staged path as a file: every receipt checked on its own and against the others and the recorded
// receipts, all of a request or nothing of it, the same receipt again a no-op.
//
// Requests that arrive while others are being booked wait at the desk (ReceiptDesk) and are booked
// together in the next transaction, each entry still naming its own request (group commit): the
// journal takes one writer at a time, so this is how many clients at once are served quickly. If
// anything in a group is refused, each of its requests is booked on its own instead, so one
// request's problem is never another's.

import { formatYuan, toFen } from "../../ledger/money.js";
import { Rejection } from "../../ledger/rejections.js";
import type { Database } from "../db/database.js";
import { ProblemList } from "../import/errors.js";
import { bookStaged } from "../import/receipts.js";
import { checkReceiptRow, taxLookup, type RowBatch, type StagedRow, type TaxLookup } from "../import/receipt-rows.js";
import { AccountBook } from "../repositories/accounts.js";
import { currentActor, type Actor } from "../repositories/actor.js";
import { lockJournal } from "../repositories/journal.js";
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
}

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
  rows: StagedRow[];
  numbers: string[];
  idempotency: IdempotencyRecord | undefined;
  actor: Actor;
}

/** Checks each receipt on its own; a problem rejects the request before it waits for the journal. */
function prepare(taxes: TaxLookup, inputs: readonly ReceiptInput[], idempotency?: IdempotencyRecord): Job {
  const problems = new ProblemList();
  const rows: StagedRow[] = [];
  inputs.forEach((input, i) => {
    const fields: Record<string, string> = {
      receipt_no: input.receipt_no,
      uscc: input.uscc,
      tax_code: input.tax_code,
      collected_on: input.collected_on,
      amount: input.amount,
      scope: input.scope ?? "",
      tax_period: input.tax_period ?? "",
      refund_of: input.refund_of ?? "",
    };
    const staged = checkReceiptRow(i + 1, fields, taxes, problems);
    if (staged !== null) rows.push(staged);
  });
  problems.rejectIfAny("request");
  return { rows, numbers: inputs.map((r) => r.receipt_no), idempotency, actor: currentActor() };
}

/**
 * Books several requests in one transaction. Each request's answer is its own: a replay, a refusal
 * of its key, or what it booked. A rejected row throws for the whole group (ImportRejected, row
 * numbers of a single request being its own).
 */
async function bookJobs(db: Database, jobs: readonly Job[], accounts?: AccountBook): Promise<(PostOutcome | Error)[]> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const outcomes: (PostOutcome | Error)[] = new Array(jobs.length);
    const active: number[] = [];
    const keyed = jobs.filter((j) => j.idempotency !== undefined).map((j) => j.idempotency!);
    const answered = new Map<string, { request_sha256: string; status: number; response: string }>();
    if (keyed.length > 0) {
      const { rows } = await trx.raw(
        `select a.party, a.idempotency_key, a.request_sha256, a.status, a.response
           from api_requests a join unnest(?::text[], ?::text[]) as k(party, key)
             on a.party = k.party and a.idempotency_key = k.key`,
        [keyed.map((i) => i.party), keyed.map((i) => i.key)],
      );
      for (const r of rows) answered.set(`${r.party}|${r.idempotency_key}`, r);
    }
    for (let k = 0; k < jobs.length; k++) {
      const idem = jobs[k]!.idempotency;
      if (idem === undefined) {
        active.push(k);
        continue;
      }
      const seen = answered.get(`${idem.party}|${idem.key}`);
      if (seen === undefined) active.push(k);
      else if (seen.request_sha256 !== idem.request_sha256)
        outcomes[k] = new Rejection(
          "idempotency_key_reused",
          `Idempotency-Key ${idem.key} was used before for another request`,
        );
      else outcomes[k] = { replayed: true, status: Number(seen.status), response: JSON.parse(seen.response) };
    }
    // two requests of one group under the same key: the second waits for the first's answer (a retry)
    const keys = new Set<string>();
    for (const k of [...active]) {
      const idem = jobs[k]!.idempotency;
      if (idem === undefined) continue;
      const key = `${idem.party}|${idem.key}`;
      if (keys.has(key)) throw new RetryAlone();
      keys.add(key);
    }
    if (active.length === 0) return outcomes;

    // the group's rows numbered one after the other; each still knows its request and its place
    const rows: StagedRow[] = [];
    const owner: { job: number; row: number }[] = [];
    let offset = 0;
    for (const k of active) {
      const job = jobs[k]!;
      for (const r of job.rows) {
        rows.push({ ...r, row_no: offset + r.row_no });
        owner[offset + r.row_no] = { job: k, row: r.row_no };
      }
      offset += job.numbers.length;
    }
    const numbers = active.flatMap((k) => jobs[k]!.numbers);
    // which request booked a receipt is read back from its entry's request id; a request without one
    // (not over HTTP) needs to know what was recorded before
    const byRequest = active.every((k) => jobs[k]!.actor.request_id !== null);
    const claimed = new Set<string>();
    if (!byRequest) {
      const before = await trx.raw(`select receipt_no from receipts where receipt_no = any(?)`, [numbers]);
      for (const r of before.rows as { receipt_no: string }[]) claimed.add(r.receipt_no);
    }
    const batch: RowBatch = {
      rows,
      problems: [],
      problem_count: 0,
      rows_read: offset,
      bytes_read: 0,
      size_bytes: 0,
      done: true,
      encoding: "json",
    };
    async function* source() {
      yield batch;
    }
    const { problems } = await bookStaged(trx, db.dialect, await ReferenceData.load(trx), source(), {
      import_id: null,
      few: true,
      ...(accounts !== undefined ? { accounts } : {}),
      rowSource: (row_no) => {
        const o = owner[row_no]!;
        return { actor: jobs[o.job]!.actor, row: o.row };
      },
    });
    problems.rejectIfAny("request");

    const { rows: stored } = await trx.raw(
      `select r.receipt_no, r.status, r.park, r.fiscal_year, r.amount_fen, r.central_fen, r.local_fen, r.operator_fen,
              r.host_fen, r.entry_id, e.request_id
         from receipts r join journal_entries e on e.id = r.entry_id where r.receipt_no = any(?)`,
      [numbers],
    );
    const byNo = new Map<string, Record<string, unknown>>(stored.map((r: { receipt_no: string }) => [r.receipt_no, r]));
    const answers: Record<string, unknown>[] = [];
    for (const k of active) {
      const job = jobs[k]!;
      const receipts = job.numbers.map((no): PostedReceipt => {
        const r = byNo.get(no)!;
        const mine = byRequest ? r.request_id === job.actor.request_id : true;
        const outcome = claimed.has(no) || !mine ? "unchanged" : "booked";
        claimed.add(no);
        return {
          receipt_no: no,
          outcome,
          status: r.status as "posted" | "suspense",
          park: (r.park as string | null) ?? null,
          fiscal_year: Number(r.fiscal_year),
          amount: formatYuan(toFen(r.amount_fen)),
          central_share: formatYuan(toFen(r.central_fen)),
          local_revenue: formatYuan(toFen(r.local_fen)),
          operator_share: formatYuan(toFen(r.operator_fen)),
          host_share: formatYuan(toFen(r.host_fen)),
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
        answers.push({
          party: idem.party,
          idempotency_key: idem.key,
          request_sha256: idem.request_sha256,
          route: idem.route,
          status: 201,
          response: JSON.stringify(result),
          request_id: idem.request_id,
          token_id: idem.token_id.toString(),
        });
    }
    if (answers.length > 0) await trx("api_requests").insert(answers);
    return outcomes;
  });
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
  private taxes: Promise<TaxLookup> | null = null;
  private accountBook: AccountBook | null = null;

  /**
   * Accounts are only ever added, and a book adds what it lacks: one book serves every group. A book
   * that saw a transaction roll back may remember accounts that were never kept, so it is dropped then.
   */
  private async accounts(): Promise<AccountBook> {
    this.accountBook ??= await AccountBook.load(this.db.knex);
    return this.accountBook;
  }

  constructor(
    private readonly db: Database,
    private readonly maxRows = 5000,
  ) {}

  async submit(inputs: readonly ReceiptInput[], idempotency?: IdempotencyRecord): Promise<PostOutcome> {
    // the taxes are seeded by a migration and never change while the server runs
    this.taxes ??= ReferenceData.load(this.db.knex).then((ref) => taxLookup(ref.taxes));
    let taxes: TaxLookup;
    try {
      taxes = await this.taxes;
    } catch (error) {
      this.taxes = null; // the next request asks again
      throw error;
    }
    const job = prepare(taxes, inputs, idempotency);
    return new Promise<PostOutcome>((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const group: Waiting[] = [];
        let rows = 0;
        while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0]!.numbers.length <= this.maxRows)) {
          const next = this.queue.shift()!;
          rows += next.numbers.length;
          group.push(next);
        }
        await this.book(group);
      }
    } finally {
      this.busy = false;
    }
  }

  private async book(group: Waiting[]): Promise<void> {
    if (group.length > 1) {
      try {
        const outcomes = await bookJobs(this.db, group, await this.accounts());
        group.forEach((job, k) => settle(job, outcomes[k]!));
        return;
      } catch {
        // whatever went wrong (a refused receipt, a fault), each request is booked on its own, so
        // what is wrong with one is only that one's answer
        this.accountBook = null;
      }
    }
    for (const job of group) {
      try {
        settle(job, (await bookJobs(this.db, [job], await this.accounts()))[0]!);
      } catch (error) {
        this.accountBook = null;
        job.reject(error);
      }
    }
  }
}

function settle(job: Waiting, outcome: PostOutcome | Error): void {
  if (outcome instanceof Error) job.reject(outcome);
  else job.resolve(outcome);
}
