// Decisions on probable reconciliation counterparts (migrations/021_reconciliation_decisions.ts): a person
// confirms that a receipt of the prefecture missing in the operator's statement and a statement row
// missing in the prefecture's books are one receipt under two numbers, or rejects the pairing. Decisions
// are only ever added; the latest one for a pair is in force, so withdrawing a confirmation is a later
// reject. The reconciliation (reports/reconciliation.ts) reads the decisions in force for its year and
// operator; the command line (`reconcile decide`, `reconcile decisions`) and POST/GET
// /v1/reconciliation/decisions record and list them.
//
// A confirmation is taken only for a pair valid when it is made: the receipt is booked in one of the
// operator's parks (the park named, if one is) and collected in the year, with no row of the operator's
// statement under its number (missing_in_operator); the counterpart is a row of the operator's statement
// collected in the year (of the park named, as the reconciliation of that park takes it), with no receipt
// of the operator's parks under its number that year (missing_in_prefecture); both have the same
// enterprise and tax; and neither is in a confirmed pair with another row. A rejection needs a reason and
// only that both rows exist: it can always withdraw a confirmation, whatever was imported since.

import type { Knex } from "knex";
import { fieldRejection } from "../../ledger/rejections.js";
import { operatorParks } from "../../reports/settlement.js";
import { statementRowsOf } from "../../reports/reconciliation.js";
import { currentActor } from "../repositories/actor.js";
import type { ReferenceData } from "../repositories/reference.js";
import { decisionsInForce, type DecisionKind } from "../repositories/reconciliation-decisions.js";

export interface DecisionInput {
  operator: string;
  park?: string | undefined;
  year: number;
  receipt_no: string;
  counterpart_no: string;
  decision: DecisionKind;
  reason?: string | undefined;
}

/** Who decides: the party, the person (signed in with a session), the token and the request. */
export interface Decider {
  party: string;
  user: string | null;
  token_id: bigint | null;
  request_id: string | null;
  posted_by: string;
}

/** A decision as recorded, as the routes and the command line give it. */
export interface DecisionView {
  id: string | null;
  year: number;
  operator: string;
  park: string | null;
  receipt_no: string;
  counterpart_no: string;
  decision: DecisionKind;
  reason: string | null;
  party: string;
  user: string | null;
  token_id?: string | null;
  request_id: string | null;
  decided_at: string;
}

/**
 * The decider the command line or a request stands for: the actor of the request (src/repositories/actor.ts),
 * or on the command line the host of the operator's parks (the command line acts as the prefecture).
 */
export function deciderOf(ref: ReferenceData, operator: string, user: string | null): Decider {
  const actor = currentActor();
  const host = ref.parksRunBy(operator)[0]?.host ?? "prefecture";
  return {
    party: actor.party ?? host,
    user,
    token_id: actor.token_id,
    request_id: actor.request_id,
    posted_by: actor.posted_by,
  };
}

interface SideRow {
  receipt_no: string;
  uscc: string;
  tax_code: string;
}

/** Records a decision after checking it (module comment); answers the decision as recorded. */
export async function recordDecision(
  knex: Knex,
  ref: ReferenceData,
  input: DecisionInput,
  decider: Decider,
  full = true,
): Promise<DecisionView> {
  const parks = operatorParks(ref, input.operator, input.park).map((p) => p.code);
  const reason = input.reason === undefined || input.reason.trim() === "" ? null : input.reason;
  if (input.decision === "reject" && reason === null)
    throw fieldRejection("reason", "reason_required", "a rejection says why the two rows are not one receipt");
  if (input.receipt_no === input.counterpart_no)
    throw fieldRejection(
      "counterpart_no",
      "reconciliation_row_matched",
      `${input.receipt_no} is the same number on both sides: such rows are paired by their number, not by a decision`,
    );
  const from = `${input.year}-01-01`;
  const to = `${input.year}-12-31`;
  return knex.transaction(async (trx) => {
    // one decision at a time: two confirmations of one row with two others cannot both pass the check
    await trx.raw("lock table reconciliation_decisions in share row exclusive mode");
    const receipt = (
      await trx.raw(
        `select r.receipt_no, r.uscc, r.tax_code,
                exists (select 1 from operator_statements s where s.party = ? and s.receipt_no = r.receipt_no
                           and s.collected_on between ? and ?) as in_statement
           from receipts r left join receipt_reclassifications c on c.receipt_id = r.id
          where r.receipt_no = ? and coalesce(c.park, r.park) = any(?::text[]) and r.collected_on between ? and ?`,
        [input.operator, from, to, input.receipt_no, parks, from, to],
      )
    ).rows[0] as (SideRow & { in_statement: boolean }) | undefined;
    if (receipt === undefined)
      throw fieldRejection(
        "receipt_no",
        "reconciliation_row_unknown",
        `no receipt ${input.receipt_no} of ${parks.join(", ")} collected in ${input.year} is in the prefecture's books`,
      );
    const onlyPark = statementRowsOf(input.park === undefined ? undefined : parks[0]!);
    const counterpart = (
      await trx.raw(
        `select s.receipt_no, s.uscc, s.tax_code,
                exists (select 1 from receipts b left join receipt_reclassifications c on c.receipt_id = b.id
                         where b.receipt_no = s.receipt_no and coalesce(c.park, b.park) = any(?::text[])
                           and b.collected_on between ? and ?) as in_books
           from operator_statements s
          where s.party = ? and s.receipt_no = ? and s.collected_on between ? and ? ${onlyPark.sql}`,
        [parks, from, to, input.operator, input.counterpart_no, from, to, ...onlyPark.bindings],
      )
    ).rows[0] as (SideRow & { in_books: boolean }) | undefined;
    if (counterpart === undefined)
      throw fieldRejection(
        "counterpart_no",
        "reconciliation_row_unknown",
        `no row ${input.counterpart_no} collected in ${input.year} is in ${input.operator}'s statement${input.park === undefined ? "" : ` for ${parks[0]}`}`,
      );
    if (input.decision === "confirm") {
      if (receipt.in_statement)
        throw fieldRejection(
          "receipt_no",
          "reconciliation_row_matched",
          `receipt ${input.receipt_no} is in ${input.operator}'s statement under its own number: it is not missing_in_operator`,
        );
      if (counterpart.in_books)
        throw fieldRejection(
          "counterpart_no",
          "reconciliation_row_matched",
          `${input.counterpart_no} is booked by the prefecture under its own number: it is not missing_in_prefecture`,
        );
      if (receipt.uscc !== counterpart.uscc)
        throw fieldRejection(
          "counterpart_no",
          "reconciliation_pair_differs",
          `${input.counterpart_no} is of enterprise ${counterpart.uscc}, receipt ${input.receipt_no} of ${receipt.uscc}`,
        );
      if (receipt.tax_code !== counterpart.tax_code)
        throw fieldRejection(
          "counterpart_no",
          "reconciliation_pair_differs",
          `${input.counterpart_no} is of tax ${counterpart.tax_code}, receipt ${input.receipt_no} of ${receipt.tax_code}`,
        );
      const inForce = await decisionsInForce(trx, input.year, input.operator);
      for (const d of inForce.values()) {
        if (d.decision !== "confirm") continue;
        if (d.receipt_no === input.receipt_no && d.counterpart_no !== input.counterpart_no)
          throw fieldRejection(
            "receipt_no",
            "reconciliation_pair_taken",
            `receipt ${input.receipt_no} is confirmed as ${d.counterpart_no}; reject that pair first`,
          );
        if (d.counterpart_no === input.counterpart_no && d.receipt_no !== input.receipt_no)
          throw fieldRejection(
            "counterpart_no",
            "reconciliation_pair_taken",
            `${input.counterpart_no} is confirmed as receipt ${d.receipt_no}; reject that pair first`,
          );
      }
    }
    const [row] = await trx("reconciliation_decisions")
      .insert({
        year: input.year,
        operator: input.operator,
        park: input.park ?? null,
        receipt_no: input.receipt_no,
        counterpart_no: input.counterpart_no,
        decision: input.decision,
        reason,
        party: decider.party,
        user_name: decider.user,
        token_id: decider.token_id === null ? null : decider.token_id.toString(),
        request_id: decider.request_id,
        posted_by: decider.posted_by,
      })
      .returning("*");
    return decisionView(row, full);
  });
}

/** Every decision of `operator`'s reconciliation of `year`, newest first (the history). */
export async function listDecisions(
  knex: Knex,
  year: number,
  operator: string,
  full: boolean,
): Promise<DecisionView[]> {
  const rows = await knex("reconciliation_decisions").where({ year, operator }).orderBy("id", "desc");
  return rows.map((r: Record<string, unknown>) => decisionView(r, full));
}

/**
 * A recorded row as shown. `full` (the prefecture, the auditors, the command line) adds the token;
 * an operator is told neither the token nor the id, serials shared with every party's decisions.
 */
function decisionView(r: Record<string, unknown>, full: boolean): DecisionView {
  return {
    id: full ? String(r.id) : null,
    year: Number(r.year),
    operator: r.operator as string,
    park: (r.park as string | null) ?? null,
    receipt_no: r.receipt_no as string,
    counterpart_no: r.counterpart_no as string,
    decision: r.decision as DecisionKind,
    reason: (r.reason as string | null) ?? null,
    party: r.party as string,
    user: (r.user_name as string | null) ?? null,
    ...(full ? { token_id: r.token_id === null || r.token_id === undefined ? null : String(r.token_id) } : {}),
    request_id: (r.request_id as string | null) ?? null,
    decided_at: new Date(r.decided_at as string).toISOString(),
  };
}
