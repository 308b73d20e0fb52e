// The years each operator has settled and closed; a closed year's figures never change.

import type { Knex } from "knex";

export async function loadClosedYears(knex: Knex | Knex.Transaction): Promise<Map<string, Set<number>>> {
  const rows = (await knex("closures").select("operator", "year")) as { operator: string; year: number }[];
  return closedYears(rows);
}

/** The closed years by operator, from closure rows however they were read. */
export function closedYears(rows: Iterable<{ operator: string; year: number }>): Map<string, Set<number>> {
  const closed = new Map<string, Set<number>>();
  for (const { operator, year } of rows) {
    const years = closed.get(operator) ?? new Set<number>();
    years.add(year);
    closed.set(operator, years);
  }
  return closed;
}
