// The decisions on probable reconciliation counterparts in force (migrations/021_reconciliation_decisions.ts):
// for each pair decided, the latest decision. The reconciliation reads them once per report, a handful
// of rows; src/services/reconciliation-decisions.ts records and lists them.

import type { Knex } from "knex";

export type DecisionKind = "confirm" | "reject";

/** What an item of the reconciliation carries of the decision in force on its pair. */
export interface DecisionInForce {
  receipt_no: string;
  counterpart_no: string;
  decision: DecisionKind;
  reason: string | null;
  party: string;
  user: string | null;
  decided_at: string;
}

/**
 * The decision in force on each pair decided in `operator`'s reconciliation of `year` (the latest),
 * by `receipt_no NUL counterpart_no`: a handful of rows, read once per report.
 */
export async function decisionsInForce(
  knex: Knex | Knex.Transaction,
  year: number,
  operator: string,
): Promise<Map<string, DecisionInForce>> {
  const { rows } = await knex.raw(
    `select distinct on (receipt_no, counterpart_no) receipt_no, counterpart_no, decision, reason, party, user_name, decided_at
       from reconciliation_decisions where operator = ? and year = ?
      order by receipt_no, counterpart_no, id desc`,
    [operator, year],
  );
  const found = new Map<string, DecisionInForce>();
  for (const r of rows as Record<string, unknown>[]) {
    found.set(pairKey(r.receipt_no as string, r.counterpart_no as string), {
      receipt_no: r.receipt_no as string,
      counterpart_no: r.counterpart_no as string,
      decision: r.decision as DecisionKind,
      reason: (r.reason as string | null) ?? null,
      party: r.party as string,
      user: (r.user_name as string | null) ?? null,
      decided_at: new Date(r.decided_at as string).toISOString(),
    });
  }
  return found;
}

export const pairKey = (receipt_no: string, counterpart_no: string) => `${receipt_no}\u0000${counterpart_no}`;
