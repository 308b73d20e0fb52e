// The years settled and closed, per operator and park; a closed year's figures never change.
// A closure recorded before closures were kept per park has no park: it closed the year with the
// operator, that is with every park the operator runs (migrations/016).

import type { Knex } from "knex";

/** A closure as the booking rules need it: `park` null for one that closed every park of `operator`. */
export interface ClosureKey {
  operator: string;
  park: string | null;
  year: number;
}

export async function loadClosedYears(knex: Knex | Knex.Transaction): Promise<Map<string, Set<number>>> {
  const rows = (await knex("closures").select("operator", "park", "year")) as ClosureKey[];
  return closedYears(rows);
}

/**
 * The closed years, from closure rows however they were read: under the park's code for a closure
 * of one park, under the operator's code for one of every park it runs (ledger/rules.ts, ClosedYears).
 */
export function closedYears(
  rows: Iterable<Pick<ClosureKey, "operator" | "year"> & { park?: string | null }>,
): Map<string, Set<number>> {
  const closed = new Map<string, Set<number>>();
  for (const { operator, park, year } of rows) {
    const key = park ?? operator;
    const years = closed.get(key) ?? new Set<number>();
    years.add(year);
    closed.set(key, years);
  }
  return closed;
}

/**
 * When `year` was closed for an operator's park (bindings: operator, year, park), as an SQL expression for
 * statements that read it beside other figures in one round trip; null while it is open.
 */
export const CLOSED_AT_SQL = `(select min(c.closed_at) from closures c
   where c.operator = ? and c.year = ? and (c.park = ? or c.park is null))`;

/** The closure of `year` for the operator's `park`: its own, or one that closed every park of the operator. */
export async function closureOf(
  knex: Knex | Knex.Transaction,
  operator: string,
  park: string,
  year: number,
): Promise<Record<string, unknown> | undefined> {
  return knex("closures")
    .where({ operator, year })
    .andWhere((q) => q.where({ park }).orWhereNull("park"))
    .orderBy("closed_at")
    .first();
}
