// The careful path: every receipt staged and checked against the others and the recorded receipts,
// set-based, before anything is booked; repeats of the same receipt are no-ops and reused numbers are
// named row by row. Taken by a file that repeats receipt numbers (or asks for it), and by a group of
// requests that repeats a number or refunds a receipt of the same group.

import type { Knex } from "knex";
import type { Dialect } from "../db/database.js";
import { checkRepeatsInFile } from "../import/common.js";
import { ProblemList } from "../import/errors.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import {
  createStage,
  indexStage,
  markStagedRecorded,
  stageCounts,
  stagedNumbersRecorded,
  stagedOriginalsAfter,
  stagedRefundsAfter,
  stageRow,
  stageRows,
} from "../repositories/receipts.js";
import type { ReferenceData } from "../repositories/reference.js";
import { Booker } from "./booker.js";
import { reusedNumber } from "./few.js";
import type { BookingProgress, BookingTally, CheckedBatch, ReceiptToBook, RequestOrigin } from "./types.js";

export interface StagedOptions {
  dialect: Dialect;
  terms: ReferenceData;
  /** A file's checked batches, or a few receipts already in hand (HTTP requests). */
  receipts: AsyncIterable<CheckedBatch> | readonly ReceiptToBook[];
  /** Counted into; `rows`, `new_rows` and `unchanged_rows` are set here. */
  tally: BookingTally;
  /** The import the receipts belong to, reserved here when there is something to book; null for HTTP requests. */
  import_id: "reserve" | null;
  /** Accounts already known (a server keeps them between requests; accounts are only ever added). */
  accounts?: AccountBook | undefined;
  onProgress?: BookingProgress | undefined;
  /** Rows booked per batch; bounds memory. */
  batch_rows?: number | undefined;
}

/**
 * Stages the receipts, checks them against each other and the recorded receipts, and books what is
 * new, originals first so refunds among them find them. The caller holds the journal lock and decides
 * what a problem means (a file is rejected whole; so is an HTTP request).
 */
export async function bookStaged(
  trx: Knex.Transaction,
  options: StagedOptions,
): Promise<{ problems: ProblemList; import_id: bigint | null; encoding: string }> {
  const problems = new ProblemList();
  const few = Array.isArray(options.receipts);
  const { rows, encoding, origins, repeats } = await stage(trx, options, problems);

  // rows against each other and against what is recorded
  await checkReusedNumbers(trx, problems, few && !repeats);
  const counts = await stageCounts(trx);
  const invalid = new Set(problems.kept.map((p) => p.row)).size;
  const tally = options.tally;
  tally.rows = rows;
  tally.new_rows = counts.new_rows;
  tally.unchanged_rows = counts.same_rows + (rows - counts.new_rows - counts.same_rows - invalid);
  if (!problems.any && counts.new_rows === 0) return { problems, import_id: null, encoding };

  // split and book, originals first so refunds in the same file find them
  const import_id = options.import_id === "reserve" ? await reserveImportId(trx) : null;
  const booker = new Booker({
    trx,
    copy: options.dialect === "postgres" && !few,
    terms: options.terms,
    accounts: options.accounts ?? (await AccountBook.load(trx)),
    closed: await loadClosedYears(trx),
    import_id,
    problems,
    tally,
  });
  await booker.reserve(counts.new_rows);
  const withOrigin = <R extends ReceiptToBook>(batch: R[]): R[] => {
    if (origins !== null) for (const r of batch) r.from = origins.get(r.row_no);
    return batch;
  };
  const batchRows = options.batch_rows ?? 5000;
  const progress = phaseProgress(options.onProgress, counts.new_rows);
  const originals = counts.new_rows - counts.new_refunds;
  await inBatches(
    originals,
    (after) => stagedOriginalsAfter(trx, after, batchRows),
    async (batch) => {
      await booker.bookOriginals(withOrigin(batch));
      progress(batch.length);
    },
  );
  await inBatches(
    counts.new_refunds,
    (after) => stagedRefundsAfter(trx, after, batchRows),
    async (batch) => {
      await booker.bookRefunds(withOrigin(batch));
      progress(batch.length);
    },
  );
  if (!problems.any) await booker.finish();
  return { problems, import_id, encoding };
}

/** Every receipt on its own into the stage; a few rows are checked for repeated numbers here, a file's by the database. */
async function stage(
  trx: Knex.Transaction,
  options: StagedOptions,
  problems: ProblemList,
): Promise<{ rows: number; encoding: string; origins: Map<number, RequestOrigin> | null; repeats: boolean }> {
  await createStage(trx);
  if (Array.isArray(options.receipts)) {
    const receipts = options.receipts as readonly ReceiptToBook[];
    const buffer = stageRows(false);
    const numbers = new Set<string>();
    const origins = new Map<number, RequestOrigin>();
    let repeats = false;
    for (const r of receipts) {
      buffer.push(stageRow(r));
      if (numbers.has(r.receipt_no)) repeats = true;
      numbers.add(r.receipt_no);
      if (r.from !== undefined) origins.set(r.row_no, r.from);
    }
    await buffer.settle(trx);
    const rows = receipts.reduce((most, r) => Math.max(most, r.row_no), 0);
    await indexStage(trx, rows);
    return { rows, encoding: "json", origins: origins.size > 0 ? origins : null, repeats };
  }
  const progress = options.onProgress ?? (() => {});
  const buffer = stageRows(options.dialect === "postgres");
  let rows = 0;
  let encoding = "n/a";
  for await (const batch of options.receipts as AsyncIterable<CheckedBatch>) {
    problems.addFound(batch.problems, batch.problem_count);
    for (const r of batch.rows) buffer.push(stageRow(r));
    rows = batch.rows_read;
    encoding = batch.encoding;
    await buffer.flush(trx);
    progress({ phase: "reading", done: batch.bytes_read, total: batch.size_bytes });
  }
  await buffer.settle(trx);
  await indexStage(trx, rows);
  return { rows, encoding, origins: null, repeats: true };
}

/**
 * Books `expected` staged rows a batch at a time. The next batch is asked for before this one is
 * written, so it comes back at once and is split while the server is still taking in this one.
 */
async function inBatches<R extends { row_no: number }>(
  expected: number,
  fetch: (after: number) => Promise<R[]>,
  book: (batch: R[]) => Promise<void>,
): Promise<void> {
  if (expected <= 0) return;
  let fetched = 0;
  let batch = await fetch(0);
  while (batch.length > 0) {
    fetched += batch.length;
    // the next batch is not asked for when this one holds every row there is (an HTTP request's few)
    const next = fetched < expected ? fetch(batch[batch.length - 1]!.row_no) : Promise.resolve([]);
    next.catch(() => {}); // awaited below; a failure surfaces there
    await book(batch);
    batch = await next;
  }
}

function phaseProgress(onProgress: BookingProgress | undefined, total: number): (rows: number) => void {
  let done = 0;
  return (rows) => {
    done += rows;
    onProgress?.({ phase: "booking", done, total });
  };
}

/** A receipt number names one content: repeats of the same row are no-ops, a different row is refused. */
async function checkReusedNumbers(
  trx: Knex.Transaction,
  problems: ProblemList,
  /** Known to hold no number twice (an HTTP group checked in memory): no need to ask the database. */
  noRepeats: boolean,
): Promise<void> {
  if (!noRepeats) await checkRepeatsInFile(trx, "receipt_stage", "receipt_no_reused", problems);
  const recorded = await stagedNumbersRecorded(trx);
  for (const r of recorded) if (!r.same) problems.add(reusedNumber(r.row_no, r));
  if (recorded.length > 0) await markStagedRecorded(trx);
}

export async function reserveImportId(trx: Knex.Transaction): Promise<bigint> {
  const { rows } = await trx.raw("select nextval('imports_id_seq') as id");
  return BigInt(rows[0].id);
}
