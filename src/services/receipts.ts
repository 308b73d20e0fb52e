// Receipts posted one at a time or in a batch (the HTTP API), booked by the same checks and the same
// staged path as a file: every receipt checked on its own and against the others and the recorded
// receipts, all of the request or nothing, the same receipt again a no-op.

import { formatYuan, toFen } from "../../ledger/money.js";
import type { Database } from "../db/database.js";
import { bookStaged } from "../import/receipts.js";
import { checkReceiptRow, taxLookup, type RowBatch, type StagedRow } from "../import/receipt-rows.js";
import { ProblemList } from "../import/errors.js";
import { Rejection } from "../../ledger/rejections.js";
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

/** Books the receipts of one request; a problem with any of them rejects the request (ImportRejected). */
export async function postReceipts(
  db: Database,
  inputs: readonly ReceiptInput[],
  idempotency?: IdempotencyRecord,
): Promise<PostOutcome> {
  const ref = await ReferenceData.load(db.knex);
  const taxes = taxLookup(ref.taxes);
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
  const numbers = inputs.map((r) => r.receipt_no);
  return db.knex.transaction(async (trx): Promise<PostOutcome> => {
    await lockJournal(trx);
    if (idempotency !== undefined) {
      const seen = await trx("api_requests")
        .select("request_sha256", "status", "response")
        .where({ party: idempotency.party, idempotency_key: idempotency.key })
        .first();
      if (seen !== undefined) {
        if (seen.request_sha256 !== idempotency.request_sha256)
          throw new Rejection(
            "idempotency_key_reused",
            `Idempotency-Key ${idempotency.key} was used before for another request`,
          );
        return { replayed: true, status: Number(seen.status), response: JSON.parse(seen.response) };
      }
    }
    const before = await trx.raw(`select receipt_no from receipts where receipt_no = any(?)`, [numbers]);
    const known = new Set<string>(before.rows.map((r: { receipt_no: string }) => r.receipt_no));
    const locked = await ReferenceData.load(trx);
    const batch: RowBatch = {
      rows,
      problems: [],
      problem_count: 0,
      rows_read: inputs.length,
      bytes_read: 0,
      size_bytes: 0,
      done: true,
      encoding: "json",
    };
    async function* source() {
      yield batch;
    }
    const { problems: found } = await bookStaged(trx, db.dialect, locked, source(), { import_id: null });
    found.rejectIfAny("request");
    const { rows: stored } = await trx.raw(
      `select receipt_no, status, park, fiscal_year, amount_fen, central_fen, local_fen, operator_fen, host_fen, entry_id
         from receipts where receipt_no = any(?)`,
      [numbers],
    );
    const byNo = new Map<string, Record<string, unknown>>(stored.map((r: { receipt_no: string }) => [r.receipt_no, r]));
    const receipts = numbers.map((no): PostedReceipt => {
      const r = byNo.get(no)!;
      return {
        receipt_no: no,
        outcome: known.has(no) ? "unchanged" : "booked",
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
      booked: new Set(booked.map((r) => r.receipt_no)).size,
      unchanged: receipts.length - booked.length,
      suspense: booked.filter((r) => r.status === "suspense").length,
      receipts,
    };
    if (idempotency !== undefined) {
      await trx("api_requests").insert({
        party: idempotency.party,
        idempotency_key: idempotency.key,
        request_sha256: idempotency.request_sha256,
        route: idempotency.route,
        status: 201,
        response: JSON.stringify(result),
        request_id: idempotency.request_id,
        token_id: idempotency.token_id.toString(),
      });
    }
    return { replayed: false, result };
  });
}
