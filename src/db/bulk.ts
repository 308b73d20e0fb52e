// Set-based writes: one INSERT … SELECT FROM unnest(…) per batch instead of a statement per row.
// The same statement runs on PostgreSQL and PGlite; values travel as typed arrays, bigints as text.

import type { Knex } from "knex";

export type PgType = "bigint" | "integer" | "smallint" | "text" | "date" | "boolean";

export interface ColumnDef {
  name: string;
  type: PgType;
}

function serialise(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Inserts rows given column-wise: `values[i]` holds column i's values for every row. */
export async function insertColumns(
  trx: Knex | Knex.Transaction,
  table: string,
  columns: readonly ColumnDef[],
  values: readonly unknown[][],
  suffix = "",
): Promise<void> {
  const rowCount = values[0]?.length ?? 0;
  if (rowCount === 0) return;
  const names = columns.map((c) => c.name).join(", ");
  const arrays = columns.map((c) => `?::${c.type}[]`).join(", ");
  const bindings = values.map((column) => column.map(serialise));
  await trx.raw(`insert into ${table} (${names}) select * from unnest(${arrays}) ${suffix}`, bindings as never);
}

/** Collects rows column-wise for `insertColumns`. */
export class ColumnBuffer {
  readonly values: unknown[][];
  constructor(readonly columns: readonly ColumnDef[]) {
    this.values = columns.map(() => []);
  }
  push(row: readonly unknown[]): void {
    for (let i = 0; i < this.values.length; i++) this.values[i]!.push(row[i] ?? null);
  }
  get length(): number {
    return this.values[0]?.length ?? 0;
  }
  clear(): void {
    for (const column of this.values) column.length = 0;
  }
  async flush(trx: Knex | Knex.Transaction, table: string, suffix = ""): Promise<void> {
    await insertColumns(trx, table, this.columns, this.values, suffix);
    this.clear();
  }
}
