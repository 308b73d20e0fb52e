// Closes a year with an operator: posts the settlement (what is still due after the transfers moves
// to the settlement accounts), stores the statement as it stood, and locks the year. From then on a
// receipt dated in that year is booked as a prior-year adjustment in the next open year.
// It posts the balance due from the statement's fen figures, the same figures the stored statement
// shows as strings, so the posting and the statement cannot disagree and no amount is parsed back.

import { settlementLines } from "../../ledger/posting.js";
import { createHash } from "node:crypto";
import type { Database } from "../db/database.js";
import { Rejection } from "../../ledger/rejections.js";
import { AccountBook } from "../repositories/accounts.js";
import { lockJournal, postEntry } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import {
  computeSettlementFigures,
  formatSettlement,
  operatorPark,
  querySettlement,
  taxOrderOf,
  type SettlementStatement,
} from "../../reports/settlement.js";

export interface SettleResult {
  year: number;
  operator: string;
  already_settled: boolean;
  balance_due: string;
  entry_id: string | null;
  closed_at: string;
  statement: SettlementStatement;
}

export async function settleYear(
  db: Database,
  year: number,
  operator: string,
  today = new Date(),
): Promise<SettleResult> {
  if (year > today.getUTCFullYear()) {
    throw new Rejection("year_not_begun", `${year} has not begun; a year is settled once its receipts are in`);
  }
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const park = operatorPark(ref, operator);
    const existing = await trx("closures").where({ operator, year }).first();
    if (existing !== undefined) {
      const statement = existing.statement as SettlementStatement;
      return {
        year,
        operator,
        already_settled: true,
        balance_due: statement.totals.balance_due,
        entry_id: existing.entry_id === null ? null : String(existing.entry_id),
        closed_at: new Date(existing.closed_at).toISOString(),
        statement,
      };
    }
    const rows = await querySettlement(trx, ref, year, operator);
    const figures = computeSettlementFigures(rows, taxOrderOf(ref));
    const statement = formatSettlement(ref, rows, figures);
    const balance_due = figures.totals.balance_due_fen;
    let entry_id: string | null = null;
    if (balance_due !== 0n) {
      const posted = await postEntry(trx, await AccountBook.load(trx), {
        idempotency_key: `settlement:${operator}:${year}`,
        input_hash: createHash("sha256").update(JSON.stringify(statement.totals)).digest("hex"),
        kind: "settlement",
        fiscal_year: year,
        origin_year: year,
        effective_on: `${year}-12-31`,
        park: park.code,
        tax_code: null,
        operator,
        description: `年终结算 settlement ${year} ${operator}`,
        import_id: null,
        source_row: null,
        lines: settlementLines(balance_due, park.host, operator, park.code),
      });
      entry_id = posted.id.toString();
    }
    const closed_at = new Date();
    const closed: SettlementStatement = { ...statement, status: "closed", closed_at: closed_at.toISOString() };
    await trx("closures").insert({
      operator,
      year,
      balance_due_fen: balance_due.toString(),
      entry_id,
      statement: JSON.stringify(closed),
      closed_at,
    });
    return {
      year,
      operator,
      already_settled: false,
      balance_due: statement.totals.balance_due,
      entry_id,
      closed_at: closed_at.toISOString(),
      statement: closed,
    };
  });
}
