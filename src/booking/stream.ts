// The fast path for a file: each checked receipt is split and booked at once while the next rows are
// read, its park taken from the registry held in memory; refunds wait in the stage until every
// original of the file is booked. Any problem stops the writing (the rest of the file is still
// checked, so every problem is listed). A receipt number seen before, in the file or recorded, is
// for the staged path to sort out: `RepeatedNumbers` is thrown and the caller starts over.

import type { Knex } from "knex";
import type { Dialect } from "../db/database.js";
import { ProblemList } from "../import/errors.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import { Registry } from "../repositories/enterprises.js";
import {
  createStage,
  indexStage,
  stageRepeatsNumbers,
  stagedRefundsAfter,
  stageRow,
  stageRows,
} from "../repositories/receipts.js";
import type { ReferenceData } from "../repositories/reference.js";
import { Booker } from "./booker.js";
import type { BookingProgress, BookingTally, CheckedBatch, OriginalToBook } from "./types.js";

/** The streaming path met a receipt number it has seen before and hands over to the staged path. */
export class RepeatedNumbers extends Error {
  constructor() {
    super("a receipt number repeats");
  }
}

export interface StreamOptions {
  dialect: Dialect;
  terms: ReferenceData;
  receipts: AsyncIterable<CheckedBatch>;
  /** Counted into; `rows` and `new_rows` are set here. */
  tally: BookingTally;
  import_id: bigint;
  onProgress?: BookingProgress | undefined;
  /** Rows booked per batch; bounds memory. */
  batch_rows?: number | undefined;
}

/** Books a file's receipts as they are read; the caller holds the journal lock and rejects the file on any problem. */
export async function bookStreaming(
  trx: Knex.Transaction,
  options: StreamOptions,
): Promise<{ problems: ProblemList; encoding: string }> {
  const progress = options.onProgress ?? (() => {});
  const batchRows = options.batch_rows ?? 5000;
  const problems = new ProblemList();
  const registry = await Registry.load(trx);
  const tally = options.tally;
  const copy = options.dialect === "postgres";
  const booker = new Booker({
    trx,
    copy,
    terms: options.terms,
    accounts: await AccountBook.load(trx),
    closed: await loadClosedYears(trx),
    import_id: options.import_id,
    problems,
    tally,
  });
  await createStage(trx);
  const refundStage = stageRows(copy);
  let booked = 0;
  let staged = 0;
  let encoding = "n/a";
  for await (const batch of options.receipts) {
    problems.addFound(batch.problems, batch.problem_count);
    const originals: OriginalToBook[] = [];
    for (const checked of batch.rows) {
      if (checked.refund_of !== "") {
        refundStage.push(stageRow(checked));
        staged += 1;
        continue;
      }
      // the checked row becomes the original to book in place: a million rows, no copies
      const stay = registry.stayOn(checked.uscc, checked.collected_on);
      const original = checked as OriginalToBook;
      original.park = stay;
      original.period_park = checked.period_end === "" ? stay : registry.stayOn(checked.uscc, checked.period_end);
      original.known = stay !== null || registry.knows(checked.uscc);
      originals.push(original);
    }
    await booker.bookOriginals(originals);
    await refundStage.flush(trx);
    booked += originals.length;
    tally.rows = batch.rows_read;
    encoding = batch.encoding;
    progress({ phase: "reading", done: batch.bytes_read, total: batch.size_bytes });
  }
  await refundStage.settle(trx);
  // the refunds are read in batches that look up the numbers they name in the stage: index it
  await indexStage(trx, staged);
  // a refund's number seen before (recorded, or twice in this file) is for the staged path to sort out
  if (await stageRepeatsNumbers(trx)) throw new RepeatedNumbers();
  let after = 0;
  for (;;) {
    const batch = await stagedRefundsAfter(trx, after, batchRows);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.row_no;
    await booker.bookRefunds(batch);
    booked += batch.length;
  }
  tally.new_rows = booked;
  if (!problems.any) await booker.finish();
  return { problems, encoding };
}
