// Closes a year with an operator for one park, or for every park it runs: posts each park's
// settlement (what is still due after that park's transfers moves to the settlement accounts),
// stores the park's statement as it stood, and locks the year for the park. From then on a receipt
// of that park dated in that year is booked as a prior-year adjustment in the next open year.
// It posts the balance due from the statement's fen figures, the same figures the stored statement
// shows as strings, so the posting and the statement cannot disagree and no amount is parsed back.

import { settlementLines } from "../../ledger/posting.js";
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Database } from "../db/database.js";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import { Rejection } from "../../ledger/rejections.js";
import { AccountBook } from "../repositories/accounts.js";
import { closureOf } from "../repositories/closures.js";
import { lockJournal, postEntry } from "../repositories/journal.js";
import { ReferenceData, type Park } from "../repositories/reference.js";
import {
  computeSettlementFigures,
  formatOperatorSettlement,
  formatSettlement,
  operatorParks,
  queryOperatorSettlement,
  querySettlement,
  taxOrderOf,
  type SettlementStatement,
} from "../../reports/settlement.js";

/** What settling one park did. */
export interface ParkSettleResult {
  park: string;
  already_settled: boolean;
  balance_due: string;
  entry_id: string | null;
  closed_at: string;
  statement: SettlementStatement;
}

export interface SettleResult {
  year: number;
  operator: string;
  /** The park settled; null when several were (see `by_park`). */
  park: string | null;
  /** True when every park was already settled. */
  already_settled: boolean;
  balance_due: string;
  /** The settlement entry of the one park settled; null for several parks (see `by_park`). */
  entry_id: string | null;
  closed_at: string;
  statement: SettlementStatement;
  /** Only when several parks were settled: each park's result. */
  by_park?: ParkSettleResult[];
}

export async function settleYear(
  db: Database,
  year: number,
  operator: string,
  {
    park,
    today = new Date(),
    empty_year = false,
  }: {
    park?: string | undefined;
    today?: Date;
    /** Close the year even though nothing is booked or transferred in it for the parks. */
    empty_year?: boolean;
  } = {},
): Promise<SettleResult> {
  if (year > today.getUTCFullYear()) {
    throw new Rejection("year_not_begun", `${year} has not begun; a year is settled once its receipts are in`);
  }
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const parks = operatorParks(ref, operator, park);
    if (!empty_year && !(await anyActivity(trx, year, operator, parks))) {
      const codes = parks.map((p) => p.code).join(", ");
      throw new Rejection(
        "year_empty",
        `nothing is booked or transferred in ${year} for ${operator}'s ${parks.length > 1 ? "parks" : "park"} ${codes}: there is nothing to settle (a mistyped year?); to close it all the same, say so (--empty-year, or "empty_year": true)`,
        { year, operator, parks: codes },
      );
    }
    const each: ParkSettleResult[] = [];
    const several = ref.parksRunBy(operator).length > 1;
    for (const p of parks) each.push(await settlePark(trx, ref, year, operator, p, several));
    if (each.length === 1) {
      const [one] = each as [ParkSettleResult];
      return { year, operator, ...one };
    }
    // the operator's statement over the parks, as each park's closed statement has it
    const rows = await queryOperatorSettlement(trx, ref, year, operator);
    const due = each.reduce((sum, r) => sum + (parseYuan(r.balance_due) ?? 0n), 0n);
    return {
      year,
      operator,
      park: null,
      already_settled: each.every((r) => r.already_settled),
      balance_due: formatYuan(due),
      entry_id: null,
      closed_at: each
        .map((r) => r.closed_at)
        .sort()
        .at(-1)!,
      statement: formatOperatorSettlement(ref, rows),
      by_park: each,
    };
  });
}

/** Whether the year holds any entry booked in one of the parks, or any transfer to the operator for one of them, or a closure already. */
async function anyActivity(trx: Knex.Transaction, year: number, operator: string, parks: Park[]): Promise<boolean> {
  const codes = parks.map((p) => p.code);
  // a transfer recorded before transfers named their park is its entry's (migrations/016); a closure
  // with no park closed every park of the operator
  const { rows } = await trx.raw(
    `select exists (select 1 from journal_entries where fiscal_year = ? and park = any(?::text[]))
         or exists (select 1 from transfers t join journal_entries e on e.id = t.entry_id
                     where t.fiscal_year = ? and t.operator = ? and coalesce(t.park, e.park) = any(?::text[]))
         or exists (select 1 from closures where year = ? and operator = ? and (park is null or park = any(?::text[]))) as any`,
    [year, codes, year, operator, codes, year, operator, codes],
  );
  return rows[0].any === true;
}

/** Settles one park's year, or answers with its closure when it is already settled. */
async function settlePark(
  trx: Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  park: Park,
  /** Whether the operator runs several parks: each park's entry then names it. */
  several: boolean,
): Promise<ParkSettleResult> {
  const existing = await closureOf(trx, operator, park.code, year);
  if (existing !== undefined) {
    const statement = existing.statement as SettlementStatement;
    return {
      park: park.code,
      already_settled: true,
      balance_due: statement.totals.balance_due,
      entry_id: existing.entry_id === null ? null : String(existing.entry_id),
      closed_at: new Date(existing.closed_at as string).toISOString(),
      statement,
    };
  }
  const rows = await querySettlement(trx, ref, year, operator, park.code);
  const figures = computeSettlementFigures(rows, taxOrderOf(ref));
  const statement = formatSettlement(ref, rows, figures);
  const balance_due = figures.totals.balance_due_fen;
  let entry_id: string | null = null;
  if (balance_due !== 0n) {
    const posted = await postEntry(trx, await AccountBook.load(trx), {
      // an operator of one park keeps the key and description it always had; of several, each park has its own
      idempotency_key: several ? `settlement:${operator}:${year}:${park.code}` : `settlement:${operator}:${year}`,
      input_hash: createHash("sha256").update(JSON.stringify(statement.totals)).digest("hex"),
      kind: "settlement",
      fiscal_year: year,
      origin_year: year,
      effective_on: `${year}-12-31`,
      park: park.code,
      tax_code: null,
      operator,
      description: `年终结算 settlement ${year} ${operator}${several ? ` ${park.code}` : ""}`,
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
    park: park.code,
    year,
    balance_due_fen: balance_due.toString(),
    entry_id,
    statement: JSON.stringify(closed),
    closed_at,
  });
  return {
    park: park.code,
    already_settled: false,
    balance_due: statement.totals.balance_due,
    entry_id,
    closed_at: closed_at.toISOString(),
    statement: closed,
  };
}
