// Books a few receipts (an HTTP request, or a group of them) from what the group lookup read, with no
// stage: the checks the staged path makes set-based are made here in memory, and every write is
// gathered in a WriteBatch for the caller to run with its own (one round trip).

import type { Knex } from "knex";
import type { RowProblem } from "../../ledger/rejections.js";
import type { WriteBatch } from "../db/bulk.js";
import { ProblemList } from "../import/errors.js";
import type { AccountBook } from "../repositories/accounts.js";
import type { ReferenceData } from "../repositories/reference.js";
import { Booker } from "./booker.js";
import type { GroupContext } from "./lookup.js";
import {
  emptyTally,
  type BookingTally,
  type OriginalToBook,
  type ReceiptToBook,
  type RefundToBook,
  type WrittenReceipt,
} from "./types.js";

export interface FewOptions {
  /** null on the two-round-trip path: anything beyond the lookup throws NeedsTransaction. */
  trx: Knex.Transaction | null;
  terms: ReferenceData;
  accounts: AccountBook;
  /** Where every write goes, for the caller to run. */
  batch: WriteBatch;
  onWritten?: (receipt: WrittenReceipt) => void;
}

/**
 * Books `rows` from `known`. Returns null when the rows need the staged path: a number given twice,
 * or a refund of a receipt not recorded before these rows.
 */
export async function bookFew(
  rows: readonly ReceiptToBook[],
  known: GroupContext,
  options: FewOptions,
): Promise<{ tally: BookingTally; problems: ProblemList } | null> {
  const numbers = new Set<string>();
  for (const r of rows) {
    if (numbers.has(r.receipt_no)) return null;
    numbers.add(r.receipt_no);
    if (r.refund_of !== "" && !known.recorded.has(r.receipt_no) && !known.originals.has(r.refund_of)) return null;
  }
  if (rows.length > known.reserved) throw new Error("more rows to book than ids reserved for them");
  const problems = new ProblemList();
  const originals: OriginalToBook[] = [];
  const refunds: RefundToBook[] = [];
  let unchanged_rows = 0;
  for (const r of rows) {
    const recorded = known.recorded.get(r.receipt_no);
    if (recorded !== undefined) {
      if (recorded.input_hash === r.content_hash) unchanged_rows += 1;
      else problems.add(reusedNumber(r.row_no, recorded));
      continue;
    }
    if (r.refund_of === "") {
      const stay = known.stays.get(`${r.uscc}|${r.collected_on}`)!;
      const period = r.period_end === "" ? stay : known.stays.get(`${r.uscc}|${r.period_end}`)!;
      originals.push({ ...r, park: stay.park, period_park: period.park, known: stay.known });
      continue;
    }
    refunds.push({ ...r, original: known.originals.get(r.refund_of)!, in_file: false });
  }
  const tally: BookingTally = {
    ...emptyTally(),
    rows: rows.length,
    new_rows: originals.length + refunds.length,
    unchanged_rows,
  };
  if (problems.any || tally.new_rows === 0) return { tally, problems };
  const booker = new Booker({
    trx: options.trx,
    copy: false,
    terms: options.terms,
    accounts: options.accounts,
    closed: known.closed,
    import_id: null,
    problems,
    tally,
    batch: options.batch,
    ...(options.onWritten !== undefined ? { onWritten: options.onWritten } : {}),
  });
  booker.seed(known);
  await booker.bookOriginals(originals);
  await booker.bookRefunds(refunds);
  if (!problems.any) await booker.finish();
  return { tally, problems };
}

/** A row whose receipt number is recorded with other content: where that content came from. */
export function reusedNumber(
  row: number,
  recorded: { receipt_no: string; source_row: number | null; file_name: string | null },
): RowProblem {
  const where = recorded.file_name ? ` (row ${recorded.source_row} of ${recorded.file_name})` : "";
  return {
    row,
    column: "receipt_no",
    code: "receipt_no_reused",
    reason: `receipt number ${recorded.receipt_no} is already recorded${where} with different content`,
    value: recorded.receipt_no,
  };
}
