// Books checked receipts: the rule for each from ledger/rules.ts, its entry through the journal
// writer (balanced, chained), its receipt row beside it. Problems are collected instead of written:
// once any is found, nothing more is written and the caller rolls back.

import type { Knex } from "knex";
import { formatYuan } from "../../ledger/money.js";
import { yearOf } from "../../ledger/periods.js";
import { decodeLevels, type Levels } from "../../ledger/kinds.js";
import { addLevels, NO_LEVELS, refundBooking, refundProblems } from "../../ledger/refunds.js";
import {
  ruleForReceipt,
  suspenseCollector,
  type Booking,
  type BookingTerms,
  type ClosedYears,
  type ParkTerms,
  type ReceiptFacts,
  type RefundFacts,
  type RuleRejection,
} from "../../ledger/rules.js";
import { ROWS_BETWEEN_YIELDS, yieldToIo, type RowBuffer, type WriteBatch } from "../db/bulk.js";
import { needTransaction } from "../db/session.js";
import type { ProblemList } from "../import/errors.js";
import type { AccountBook } from "../repositories/accounts.js";
import { ID_BLOCK_AHEAD, IdBlock, JournalWriter } from "../repositories/journal.js";
import { RECEIPTS_ID_SEQUENCE, receiptRow, receiptRows, refundedSoFar } from "../repositories/receipts.js";
import type {
  BookingTally,
  OriginalToBook,
  RecordedOriginal,
  RefundToBook,
  ReceiptToBook,
  WrittenReceipt,
} from "./types.js";

const SUSPENSE_ITEMS_MAX = 50;

export interface BookerOptions {
  /** null: ids, head and refunds seeded (`seed`), rows written to `batch`; what needs the database throws NeedsTransaction. */
  trx: Knex.Transaction | null;
  /** COPY (a file on PostgreSQL) rather than INSERTs. */
  copy: boolean;
  terms: BookingTerms & { readonly parks: readonly ParkTerms[] };
  accounts: AccountBook;
  closed: ClosedYears;
  /** The import the receipts belong to; null for receipts posted over HTTP. */
  import_id: bigint | null;
  problems: ProblemList;
  /** Counted into as receipts are written. */
  tally: BookingTally;
  /** Rows handed to this batch instead of written at once (a few rows: the caller runs it). */
  batch?: WriteBatch;
  /** Each receipt written, with its figures. */
  onWritten?: (receipt: WrittenReceipt) => void;
}

interface Draft {
  r: ReceiptToBook;
  booking: Booking;
  refund_of_id: bigint | null;
}

/** A row to book as the rules read it. */
function receiptFacts(r: OriginalToBook): ReceiptFacts {
  return {
    uscc: r.uscc,
    kind: r.kind as ReceiptFacts["kind"],
    amount_fen: r.amount_fen,
    tax_code: r.tax_code,
    collected_on: r.collected_on,
    scope: r.scope,
    levels: decodeLevels(r.levels),
    period_end: r.period_end,
    park: r.park,
    period_park: r.period_park,
    known: r.known,
  };
}

function refundFacts(r: RefundToBook): RefundFacts {
  return {
    uscc: r.uscc,
    kind: r.kind === "treasury_adjustment" ? "treasury_adjustment" : "receipt",
    levels: decodeLevels(r.levels),
    tax_code: r.tax_code,
    collected_on: r.collected_on,
    amount_fen: r.amount_fen,
    scope: r.scope,
    refund_of: r.refund_of,
  };
}

/** Splits receipts through ledger/ and writes them with their entries; collects problems instead of writing once any is found. */
export class Booker {
  private readonly journal: JournalWriter;
  private readonly receiptRows: RowBuffer;
  private readonly receiptIds = new IdBlock(RECEIPTS_ID_SEQUENCE);
  private readonly collector: string;
  /** Refunded so far, per original id, including refunds booked earlier by this booker. */
  private readonly refunded = new Map<bigint, bigint>();
  /** What refunds so far took of each level, per original booked with levels. */
  private readonly refundedLevels = new Map<bigint, Levels>();

  constructor(private readonly o: BookerOptions) {
    this.journal = new JournalWriter(
      o.trx,
      o.accounts,
      o.batch !== undefined ? { copy: o.copy, batch: o.batch } : { copy: o.copy },
    );
    this.receiptRows = receiptRows(o.copy, o.batch);
    this.collector = suspenseCollector(o.terms.parks);
  }

  async bookOriginals(batch: readonly OriginalToBook[]): Promise<void> {
    const drafts: Draft[] = [];
    let done = 0;
    for (const r of batch) {
      if (++done % ROWS_BETWEEN_YIELDS === 0) await yieldToIo();
      const choice = ruleForReceipt(receiptFacts(r), this.o.terms, this.o.closed, this.collector);
      if (choice.rejection !== null) {
        this.flag(r, choice.rejection, false);
        continue;
      }
      drafts.push({ r, booking: choice.booking, refund_of_id: null });
      if (choice.booking.suspense_reason !== null) this.noteSuspense(r, choice.booking);
    }
    await this.write(drafts);
  }

  async bookRefunds(batch: readonly RefundToBook[]): Promise<void> {
    const unread = [
      ...new Set(
        batch.filter((r) => r.original !== null && !this.refunded.has(r.original.id)).map((r) => r.original!.id),
      ),
    ];
    if (unread.length > 0) {
      const read = await refundedSoFar(needTransaction(this.o.trx, "reading refunds"), unread);
      for (const [id, so_far] of read) {
        this.refunded.set(id, so_far.amount_fen);
        this.refundedLevels.set(id, so_far.levels);
      }
    }
    const drafts: Draft[] = [];
    for (const r of batch) {
      const o = r.original;
      if (o === null) {
        // a refund of a refund named in the same file is refused as one recorded would be
        if (r.names_refund_in_file === true) {
          this.flag(
            r,
            {
              column: "refund_of",
              code: "refund_of_refund",
              reason: `${r.refund_of} is itself a refund in this file; name the original receipt`,
            },
            true,
          );
          continue;
        }
        // an original in this same file that could not be booked has its own problem listed
        if (!r.in_file || !this.o.problems.any)
          this.flag(
            r,
            {
              column: "refund_of",
              code: "refund_of_unknown",
              reason: `refund_of names ${r.refund_of}, which is not a recorded receipt`,
            },
            true,
          );
        continue;
      }
      const before = this.refunded.get(o.id) ?? 0n;
      const beforeLevels = this.refundedLevels.get(o.id) ?? NO_LEVELS;
      const facts = refundFacts(r);
      const { problems, counts } = refundProblems(facts, o, before, beforeLevels);
      for (const p of problems) this.flag(r, p, true);
      if (!counts) continue;
      this.refunded.set(o.id, before + r.amount_fen);
      if (facts.levels !== null) this.refundedLevels.set(o.id, addLevels(beforeLevels, facts.levels));
      if (this.o.problems.any) continue;
      drafts.push({
        r,
        booking: refundBooking(facts, o, before, this.o.terms, this.o.closed, beforeLevels),
        refund_of_id: o.id,
      });
    }
    await this.write(drafts);
  }

  /** A refund's problem names the value it found at fault (an original's does not). */
  private flag(r: ReceiptToBook, p: RuleRejection, withValue: boolean): void {
    if (!withValue) {
      this.o.problems.add({ row: r.row_no, column: p.column, code: p.code, reason: p.reason });
      return;
    }
    const value = (r as unknown as Record<string, unknown>)[p.column] as string;
    this.o.problems.add({ row: r.row_no, column: p.column, code: p.code, reason: p.reason, value });
  }

  /** Levels given are booked as given; a central amount off the ratio by more than rounding is reported. */
  private checkCentral(r: ReceiptToBook, given: bigint, byRatio: bigint): void {
    const difference = given - byRatio;
    if (difference <= 1n && difference >= -1n) return;
    const tally = this.o.tally;
    tally.central_differs += 1;
    if (tally.central_differs_items.length >= SUSPENSE_ITEMS_MAX) return;
    tally.central_differs_items.push({
      row: r.row_no,
      receipt_no: r.receipt_no,
      tax_code: r.tax_code,
      amount: formatYuan(r.amount_fen),
      central_given: formatYuan(given),
      central_by_ratio: formatYuan(byRatio),
    });
  }

  private noteSuspense(r: ReceiptToBook, b: Booking): void {
    const items = this.o.tally.suspense_items;
    if (items.length >= SUSPENSE_ITEMS_MAX) return;
    items.push({
      row: r.row_no,
      receipt_no: r.receipt_no,
      uscc: r.uscc,
      tax_code: r.tax_code,
      collected_on: r.collected_on,
      amount: formatYuan(r.amount_fen),
      reason: b.suspense_reason!,
    });
  }

  private async write(drafts: Draft[]): Promise<void> {
    if (this.o.problems.any || drafts.length === 0) return;
    const entryIds: bigint[] = new Array(drafts.length);
    drafts.forEach((d, i) => {
      const b = d.booking;
      this.journal.add(
        {
          idempotency_key: `receipt:${d.r.receipt_no}`,
          input_hash: d.r.content_hash,
          kind: b.entry_kind,
          fiscal_year: b.fiscal_year,
          origin_year: yearOf(d.r.collected_on),
          effective_on: d.r.collected_on,
          park: b.park,
          tax_code: d.r.tax_code,
          operator: b.operator,
          description: null, // the receipt row says it all
          import_id: this.o.import_id,
          source_row: d.r.from?.row ?? d.r.row_no,
          lines: b.lines,
          actor: d.r.from?.actor,
        },
        (id) => (entryIds[i] = id),
      );
    });
    await this.journal.flush();
    await this.receiptIds.reserve(this.o.trx, drafts.length, this.o.copy ? ID_BLOCK_AHEAD : 0);
    const tally = this.o.tally;
    for (let i = 0; i < drafts.length; i++) {
      if ((i + 1) % ROWS_BETWEEN_YIELDS === 0) await yieldToIo();
      const { r, booking: b, refund_of_id } = drafts[i]!;
      const entry_id = entryIds[i]!;
      this.o.onWritten?.({
        receipt_no: r.receipt_no,
        status: b.status,
        park: b.park,
        fiscal_year: b.fiscal_year,
        amount_fen: r.amount_fen,
        central_fen: b.split.central_fen,
        local_fen: b.split.local_fen,
        operator_fen: b.split.operator_fen,
        host_fen: b.split.host_fen,
        entry_id,
        row_no: r.row_no,
      });
      const source_row = r.from?.row ?? r.row_no;
      this.receiptRows.push(
        receiptRow(this.receiptIds.take(), r, b, refund_of_id, entry_id, this.o.import_id, source_row),
      );
      if (b.entry_kind === "refund") tally.refunds += 1;
      else if (b.status === "suspense") tally.suspense += 1;
      else tally.receipts += 1;
      if (b.fiscal_year !== yearOf(r.collected_on)) tally.prior_year_adjustments += 1;
      if (b.levels !== null && b.ratio_central_fen !== null)
        this.checkCentral(r, b.levels.central, b.ratio_central_fen);
    }
    await this.receiptRows.flush(this.o.trx);
  }

  /**
   * What the booker would otherwise ask the database for, read by the caller in one query under the
   * journal lock: the chain's head, `reserved` entry and receipt ids from the firsts on, and how
   * much of each original is refunded already.
   */
  seed(known: {
    head: string;
    first_entry_id: bigint;
    first_receipt_id: bigint;
    reserved: number;
    originals: ReadonlyMap<string, RecordedOriginal>;
  }): void {
    this.journal.seed(known.head, known.first_entry_id, known.reserved);
    this.receiptIds.grant(known.first_receipt_id, known.reserved);
    for (const o of known.originals.values()) {
      this.refunded.set(o.id, o.refunded_fen);
      this.refundedLevels.set(o.id, o.refunded_levels);
    }
  }

  /** Reserves the ids of every row to be booked, in two round trips for the whole file. */
  async reserve(rows: number): Promise<void> {
    await this.journal.reserve(rows);
    await this.receiptIds.reserve(this.o.trx, rows);
  }

  async finish(): Promise<void> {
    await this.journal.finish();
    await this.receiptRows.settle(this.o.trx);
  }
}
