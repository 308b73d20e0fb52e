// What the booking engine takes and gives back, whichever way the receipts came: a file's rows
// (src/import/receipts.ts) or HTTP requests (src/services/receipts.ts).

import type { RowProblem } from "../../ledger/rejections.js";
import type { Levels, ReceiptKind } from "../../ledger/kinds.js";
import type { OriginalTerms, SuspenseReason } from "../../ledger/rules.js";
import type { Actor } from "../repositories/actor.js";

/** A receipt that passed the checks it can have on its own (receipt-rows.ts), in canonical form. */
export interface CheckedReceipt {
  /** Its row in the file, or its place in the group of requests booked together. */
  row_no: number;
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount_fen: bigint;
  /** As given: '' when the row names no scope. */
  scope: string;
  tax_period: string;
  refund_of: string;
  /** `receipt` (also a refund naming its receipt) or one of the other kinds (ledger/kinds.ts). */
  kind: ReceiptKind;
  /** The budget classification code as given ('' when the row named its tax by mnemonic). */
  budget_code: string;
  /** The amounts of each level as ledger/kinds.ts encodes them; '' when the row gives only a total. */
  levels: string;
  /** The last day of the tax period; '' when the row names none (or one that is not a period). */
  period_end: string;
  content_hash: string;
}

/** The HTTP request a receipt came in: who sent it, and the receipt's place in that request's list. */
export interface RequestOrigin {
  actor: Actor;
  row: number;
}

/** A receipt to book; `from` is set for one posted over HTTP (a file's row is its own origin). */
export interface ReceiptToBook extends CheckedReceipt {
  from?: RequestOrigin | undefined;
}

/** A receipt (not a refund) with the enterprise's park on its day and at the end of its tax period. */
export interface OriginalToBook extends ReceiptToBook {
  park: string | null;
  /** The park on `period_end` (the same as `park` when the row names no period). */
  period_park: string | null;
  known: boolean;
}

/** A recorded receipt a refund names: its terms, and how much of it is refunded so far. */
export interface RecordedOriginal extends OriginalTerms {
  id: bigint;
  receipt_no: string;
  /** Refunded so far (zero or negative), and what those refunds took of each level. */
  refunded_fen: bigint;
  refunded_levels: Levels;
}

/** A refund with the recorded receipt it names (null: none recorded under that number). */
export interface RefundToBook extends ReceiptToBook {
  original: (OriginalTerms & { id: bigint }) | null;
  /** Whether an original of the same file (or group) carries that number. */
  in_file: boolean;
  /** Whether a refund of the same file (or group) carries that number: a refund of a refund. */
  names_refund_in_file?: boolean;
}

export interface SuspenseItem {
  row: number;
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount: string;
  reason: SuspenseReason;
}

/** A receipt whose central level, as the treasury gave it, differs from the dated ratio's by more than rounding. */
export interface CentralDiffers {
  row: number;
  receipt_no: string;
  tax_code: string;
  amount: string;
  central_given: string;
  central_by_ratio: string;
}

/** What booking a set of receipts did, counted. */
export interface BookingTally {
  rows: number;
  new_rows: number;
  unchanged_rows: number;
  receipts: number;
  refunds: number;
  suspense: number;
  prior_year_adjustments: number;
  suspense_items: SuspenseItem[];
  /** Receipts booked with their levels as given whose central amount is not the ratio's: to look at. */
  central_differs: number;
  central_differs_items: CentralDiffers[];
}

export function emptyTally(): BookingTally {
  return {
    rows: 0,
    new_rows: 0,
    unchanged_rows: 0,
    receipts: 0,
    refunds: 0,
    suspense: 0,
    prior_year_adjustments: 0,
    suspense_items: [],
    central_differs: 0,
    central_differs_items: [],
  };
}

/** A receipt as recorded or as just written: what an HTTP answer reports of it. */
export interface WrittenReceipt {
  receipt_no: string;
  status: "posted" | "suspense";
  park: string | null;
  fiscal_year: number;
  amount_fen: bigint;
  central_fen: bigint;
  local_fen: bigint;
  operator_fen: bigint;
  host_fen: bigint;
  entry_id: bigint;
  /** The row it was written from (0 for one recorded before). */
  row_no: number;
}

/** A recorded receipt under a number being booked again: same content (a no-op) or not (refused). */
export interface RecordedReceipt extends WrittenReceipt {
  input_hash: string;
  source_row: number | null;
  file_name: string | null;
  request_id: string | null;
}

/** Checked receipts read from a file, a batch at a time, with the problems of the rows read. */
export interface CheckedBatch {
  rows: CheckedReceipt[];
  problems: RowProblem[];
  /** Problems found in this batch, including any not kept in `problems`. */
  problem_count: number;
  rows_read: number;
  bytes_read: number;
  size_bytes: number;
  encoding: string;
}

/** How far a booking has got, for a progress bar. */
export type BookingProgress = (p: { phase: "reading" | "booking"; done: number; total: number }) => void;
