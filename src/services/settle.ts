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
import { requireConfirmed, type StatementProblem } from "./statements.js";
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
  /** The confirmed settlement statement (结算单) it was settled on, or null (override, or closed before statements). */
  statement_number: string | null;
  /** The prefecture's written reason for settling without a confirmed statement, or null. */
  override_reason: string | null;
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
  /** The statement the one park settled was settled on; null for several parks (see `by_park`). */
  statement_number: string | null;
  /** The reason given to settle without confirmed statements (the parks settled now), or null. */
  override_reason: string | null;
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
    override_reason,
  }: {
    park?: string | undefined;
    today?: Date;
    /** Close the year even though nothing is booked or transferred in it for the parks. */
    empty_year?: boolean;
    /**
     * Settle a park without a confirmed, current statement (src/services/statements.ts): the
     * prefecture's written reason, kept with the closure.
     */
    override_reason?: string | undefined;
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
    // each park still open is settled on the statement its operator confirmed, or on a written reason
    const reason = override_reason === undefined || override_reason.trim() === "" ? null : override_reason;
    const open: Map<string, { statement_id: string | null; number: string | null }> = new Map();
    const problems: StatementProblem[] = [];
    for (const p of parks) {
      if ((await closureOf(trx, operator, p.code, year)) !== undefined) continue;
      const books = await parkStatement(trx, ref, year, operator, p);
      const found = await requireConfirmed(trx, operator, p.code, year, books.statement);
      if ("statement_id" in found) open.set(p.code, found);
      else {
        problems.push(found);
        open.set(p.code, { statement_id: null, number: null });
      }
    }
    if (problems.length > 0 && reason === null)
      throw new Rejection(
        "statement_unconfirmed",
        `${year} is settled with ${operator} on the statement it confirmed: ${problems.map((p) => `${p.park}: ${p.reason}`).join("; ")}; or, for the prefecture, settle anyway with a written reason (--override-reason TEXT, or "override_reason")`,
        { year, operator, parks: problems },
      );
    const each: ParkSettleResult[] = [];
    const several = ref.parksRunBy(operator).length > 1;
    for (const p of parks) {
      const on = open.get(p.code);
      each.push(
        await settlePark(trx, ref, year, operator, p, several, {
          statement_id: on?.statement_id ?? null,
          number: on?.number ?? null,
          // the reason is kept where it was needed: a park settled on its confirmed statement needs none
          override_reason: on !== undefined && on.statement_id === null ? reason : null,
        }),
      );
    }
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
      statement_number: null,
      override_reason: each.find((r) => r.override_reason !== null)?.override_reason ?? null,
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
  /** The confirmed statement it is settled on, or the written reason it is settled without one. */
  on: { statement_id: string | null; number: string | null; override_reason: string | null },
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
      statement_number: await numberOf(trx, existing.statement_id as string | null),
      override_reason: (existing.override_reason as string | null) ?? null,
    };
  }
  const { figures, statement } = await parkStatement(trx, ref, year, operator, park);
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
    statement_id: on.statement_id,
    override_reason: on.override_reason,
  });
  return {
    park: park.code,
    already_settled: false,
    balance_due: statement.totals.balance_due,
    entry_id,
    closed_at: closed_at.toISOString(),
    statement: closed,
    statement_number: on.number,
    override_reason: on.override_reason,
  };
}

/** A park's statement of the year as the books say it (what settle posts and a confirmed statement must say). */
async function parkStatement(trx: Knex.Transaction, ref: ReferenceData, year: number, operator: string, park: Park) {
  const rows = await querySettlement(trx, ref, year, operator, park.code);
  const figures = computeSettlementFigures(rows, taxOrderOf(ref));
  return { figures, statement: formatSettlement(ref, rows, figures) };
}

async function numberOf(trx: Knex.Transaction, id: string | null): Promise<string | null> {
  if (id === null || id === undefined) return null;
  const row = await trx("settlement_statements").select("number").where({ id }).first();
  return (row?.number as string | undefined) ?? null;
}
