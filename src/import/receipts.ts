// Imports treasury receipts (入库明细), refunds included, as one all-or-nothing transaction. A worker
// thread reads and checks each row on its own (receipt-rows.ts) while the booking engine
// (src/booking/) books them: streaming, or staged when receipt numbers repeat. Any problem anywhere
// rejects the whole file with every problem listed, and the transaction is rolled back: nothing of
// the file is kept. Re-importing rows already recorded changes nothing.

import { bookStaged, reserveImportId } from "../booking/staged.js";
import { bookStreaming, RepeatedNumbers } from "../booking/stream.js";
import { emptyTally, type BookingTally, type CheckedBatch } from "../booking/types.js";
import type { Database } from "../db/database.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { alreadyImported, findEarlierImport, recordImport, type Progress } from "./common.js";
import type { Encoding } from "./csv.js";
import { ImportRejected } from "./errors.js";
import { RECEIPT_COLUMNS, readReceiptRows, readReceiptRowsAhead } from "./receipt-rows.js";

export type { SuspenseItem } from "../booking/types.js";

export interface ImportOptions {
  encoding?: Encoding;
  /** `auto` books as it reads and falls back to `staged` when receipt numbers repeat. */
  strategy?: "auto" | "staged";
  /** `worker` (default) parses and checks the file in a worker thread, `thread` in this one. */
  reader?: "worker" | "thread";
  onProgress?: (progress: Progress) => void;
  /** Rows booked per batch; bounds memory. */
  batch_rows?: number;
  /** The scope of the file's receipts when it has no scope column (`--scope`); there is no default. */
  scope?: "gross" | "local";
}

export interface ReceiptsImportResult extends BookingTally {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
}

export async function importReceipts(
  db: Database,
  file: string,
  options: ImportOptions = {},
): Promise<ReceiptsImportResult> {
  const { sha256, previous } = await findEarlierImport(db.knex, "receipts", file, RECEIPT_COLUMNS, options.encoding);
  if (previous !== null) return alreadyImported(emptyResult(file, sha256, "n/a"), previous, "unchanged_rows");
  let result: ReceiptsImportResult;
  if (options.strategy === "staged") result = await stagedImport(db, file, sha256, options);
  else {
    try {
      result = await streamingImport(db, file, sha256, options);
    } catch (error) {
      // a receipt number seen before (in this file or recorded): the staged path sorts out which
      // repeats are no-ops and which are reused numbers, and says so row by row. A rejected file is
      // checked on the staged path too, which lists every problem (the streaming path stops looking
      // for repeated numbers once it stops writing).
      if (isDuplicateKey(error) || error instanceof ImportRejected)
        result = await stagedImport(db, file, sha256, options);
      else throw error;
    }
  }
  await refreshStatistics(db, result.new_rows);
  return result;
}

/** Above this many new rows, the planner's statistics are refreshed once the file is in. */
const ANALYZE_AFTER_ROWS = 50_000;

/**
 * A large file changes the books' tables by more than the planner knows until autovacuum comes round:
 * a drill-down just after it would be planned for the tables as they were (a page of a trace: 0.4 ms
 * with fresh statistics, 400 ms without, on a year of a million receipts). About a second for a million.
 */
async function refreshStatistics(db: Database, newRows: number): Promise<void> {
  if (newRows < ANALYZE_AFTER_ROWS) return;
  await db.knex.raw("analyze receipts, journal_entries, journal_lines, balances");
}

function isDuplicateKey(error: unknown): boolean {
  if (error instanceof RepeatedNumbers) return true;
  const code = (error as { code?: string })?.code;
  return code === "23505" || code === "25P02";
}

/** Books as it reads; see src/booking/stream.ts. */
async function streamingImport(
  db: Database,
  file: string,
  sha256: string,
  options: ImportOptions,
): Promise<ReceiptsImportResult> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const import_id = await reserveImportId(trx);
    const result: ReceiptsImportResult = { ...emptyResult(file, sha256, "n/a"), import_id: import_id.toString() };
    const { problems, encoding } = await bookStreaming(trx, {
      dialect: db.dialect,
      terms: ref,
      receipts: readRows(file, options, ref),
      tally: result,
      import_id,
      onProgress: options.onProgress,
      batch_rows: options.batch_rows,
    });
    result.encoding = encoding;
    problems.rejectIfAny(file);
    if (result.new_rows === 0) return result;
    await recordImport(trx, {
      id: import_id,
      kind: "receipts",
      file,
      sha256,
      row_count: result.rows,
      new_row_count: result.new_rows,
    });
    return result;
  });
}

/** Stages every row and checks them against each other and the recorded receipts first; see src/booking/staged.ts. */
async function stagedImport(
  db: Database,
  file: string,
  sha256: string,
  options: ImportOptions,
): Promise<ReceiptsImportResult> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const result = emptyResult(file, sha256, "n/a");
    const { problems, import_id, encoding } = await bookStaged(trx, {
      dialect: db.dialect,
      terms: ref,
      receipts: readRows(file, options, ref),
      tally: result,
      import_id: "reserve",
      onProgress: options.onProgress,
      batch_rows: options.batch_rows,
    });
    result.encoding = encoding;
    result.import_id = import_id === null ? null : import_id.toString();
    problems.rejectIfAny(file);
    if (import_id === null) return result;
    await recordImport(trx, {
      id: import_id,
      kind: "receipts",
      file,
      sha256,
      row_count: result.rows,
      new_row_count: result.new_rows,
    });
    return result;
  });
}

/**
 * The checked rows of the file, read ahead in a worker thread unless asked not to (option `reader`,
 * or PARKLEDGER_IMPORT_READER=thread).
 */
function readRows(file: string, options: ImportOptions, ref: ReferenceData): AsyncIterable<CheckedBatch> {
  const read = {
    encoding: options.encoding ?? "auto",
    batch_rows: options.batch_rows ?? 5000,
    codes: ref.codes,
    rules: { refunds: "named" as const, scope: options.scope ?? ("" as const) },
  };
  return options.reader === "thread" || process.env.PARKLEDGER_IMPORT_READER === "thread"
    ? readReceiptRows(file, read)
    : readReceiptRowsAhead(file, read);
}

function emptyResult(file: string, sha256: string, encoding: string): ReceiptsImportResult {
  return { file, sha256, encoding, import_id: null, already_imported: false, ...emptyTally() };
}
