// The years each operator has settled and closed; a closed year's figures never change.

import type { Knex } from "knex";

export async function loadClosedYears(knex: Knex | Knex.Transaction): Promise<Map<string, Set<number>>> {
  const rows = (await knex("closures").select("operator", "year")) as { operator: string; year: number }[];
  const closed = new Map<string, Set<number>>();
  for (const { operator, year } of rows) {
    const years = closed.get(operator) ?? new Set<number>();
    years.add(year);
    closed.set(operator, years);
  }
  return closed;
}
