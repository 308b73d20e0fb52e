// Every statement on the land tables (land_revenue, land_exemptions): what is recorded under a file's
// references, writing new records, the rows a report reads, and what verify and a new agreement check.
// Land revenue rows keep the split they were booked with beside their journal entry, as receipts do.

import type { Knex } from "knex";
import { toFen, type Fen } from "../../ledger/money.js";
import { insertRows } from "../db/bulk.js";

export type LandKind = "revenue" | "exemption";

const TABLE: Record<LandKind, string> = { revenue: "land_revenue", exemption: "land_exemptions" };

/** The content hash recorded under each of `refs` (only those recorded). */
export async function recordedLandRefs(
  trx: Knex.Transaction,
  kind: LandKind,
  refs: readonly string[],
): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await trx.raw(`select ref, content_hash from ${TABLE[kind]} where ref = any(?::text[])`, [
    [...refs],
  ]);
  return new Map(rows.map((r: { ref: string; content_hash: string }) => [r.ref, r.content_hash]));
}

/** The latest version of each project named, as an exemption or revenue row is checked against it. */
export async function latestProjects(
  knex: Knex,
  numbers: readonly string[],
): Promise<Map<string, { park: string; uscc: string | null }>> {
  if (numbers.length === 0) return new Map();
  const { rows } = await knex.raw(
    `select distinct on (project_no) project_no, park, uscc from projects
      where project_no = any(?::text[]) order by project_no, version desc`,
    [[...numbers]],
  );
  return new Map(rows.map((r: { project_no: string; park: string; uscc: string | null }) => [r.project_no, r]));
}

/** A land revenue record as written, with the terms and split it was booked with. */
export interface LandRevenueRecord {
  ref: string;
  park: string;
  item: string;
  item_as_given: string;
  collected_on: string;
  amount_fen: Fen;
  uscc: string | null;
  project_no: string | null;
  operator: string | null;
  host: string;
  central_ratio_id: number;
  central_share_bp: number;
  agreement_id: number | null;
  operator_share_bp: number | null;
  central_fen: Fen;
  local_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
  fiscal_year: number;
  entry_id: bigint;
  content_hash: string;
  import_id: bigint;
  source_row: number;
}

/** An exemption as written: who forgoes how much. */
export interface LandExemptionRecord {
  ref: string;
  park: string;
  project_no: string;
  uscc: string;
  item: string;
  item_as_given: string;
  amount_fen: Fen;
  basis: string;
  approved_on: string;
  forgone_by: string;
  agreement_id: number | null;
  central_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
  content_hash: string;
  import_id: bigint;
  source_row: number;
}

type Typed<T> = { [K in keyof T]: "bigint" | "integer" | "text" | "date" };

const REVENUE_TYPES: Typed<LandRevenueRecord> = {
  ref: "text",
  park: "text",
  item: "text",
  item_as_given: "text",
  collected_on: "date",
  amount_fen: "bigint",
  uscc: "text",
  project_no: "text",
  operator: "text",
  host: "text",
  central_ratio_id: "integer",
  central_share_bp: "integer",
  agreement_id: "integer",
  operator_share_bp: "integer",
  central_fen: "bigint",
  local_fen: "bigint",
  operator_fen: "bigint",
  host_fen: "bigint",
  fiscal_year: "integer",
  entry_id: "bigint",
  content_hash: "text",
  import_id: "bigint",
  source_row: "integer",
};

const EXEMPTION_TYPES: Typed<LandExemptionRecord> = {
  ref: "text",
  park: "text",
  project_no: "text",
  uscc: "text",
  item: "text",
  item_as_given: "text",
  amount_fen: "bigint",
  basis: "text",
  approved_on: "date",
  forgone_by: "text",
  agreement_id: "integer",
  central_fen: "bigint",
  operator_fen: "bigint",
  host_fen: "bigint",
  content_hash: "text",
  import_id: "bigint",
  source_row: "integer",
};

/** Writes records of one kind with one statement; the column list is the record's fields. */
async function writeRecords<T extends object>(
  trx: Knex.Transaction,
  table: string,
  types: Typed<T>,
  records: readonly T[],
): Promise<void> {
  const columns = (Object.keys(types) as (keyof T & string)[]).map((name) => ({ name, type: types[name] }));
  await insertRows(
    trx,
    table,
    columns,
    records.map((r) => columns.map((c) => r[c.name as keyof T])),
  );
}

export async function writeLandRevenue(trx: Knex.Transaction, records: readonly LandRevenueRecord[]): Promise<void> {
  await writeRecords(trx, "land_revenue", REVENUE_TYPES, records);
}

export async function writeLandExemptions(
  trx: Knex.Transaction,
  records: readonly LandExemptionRecord[],
): Promise<void> {
  await writeRecords(trx, "land_exemptions", EXEMPTION_TYPES, records);
}

/** Land revenue of a year as a report reads it: parks `null` for all. */
export interface LandRevenueRow {
  ref: string;
  park: string;
  item: string;
  item_as_given: string;
  collected_on: string;
  origin_year: number;
  uscc: string | null;
  project_no: string | null;
  amount_fen: Fen;
  central_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
  /** Whether an agreement shared the item (the operator had a share of the local part). */
  shared: boolean;
}

export async function landRevenueOfYear(
  knex: Knex | Knex.Transaction,
  year: number,
  parks: readonly string[] | null,
): Promise<LandRevenueRow[]> {
  const { rows } = await knex.raw(
    `select ref, park, item, item_as_given, collected_on::text as collected_on, uscc, project_no, amount_fen,
            central_fen, operator_fen, host_fen, operator is not null as shared
       from land_revenue where fiscal_year = ? ${parks !== null ? "and park = any(?::text[])" : ""}
      order by park, collected_on, ref`,
    [year, ...(parks !== null ? [[...parks]] : [])],
  );
  return rows.map((r: Record<string, unknown>) => ({
    ref: r.ref as string,
    park: r.park as string,
    item: r.item as string,
    item_as_given: r.item_as_given as string,
    collected_on: r.collected_on as string,
    origin_year: Number((r.collected_on as string).slice(0, 4)),
    uscc: r.uscc as string | null,
    project_no: r.project_no as string | null,
    amount_fen: toFen(r.amount_fen),
    central_fen: toFen(r.central_fen),
    operator_fen: toFen(r.operator_fen),
    host_fen: toFen(r.host_fen),
    shared: Boolean(r.shared),
  }));
}

/** Exemptions approved in a year as a report reads them: parks `null` for all. */
export interface LandExemptionRow {
  ref: string;
  park: string;
  project_no: string;
  uscc: string;
  item: string;
  amount_fen: Fen;
  basis: string;
  approved_on: string;
  forgone_by: string;
  central_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
}

export async function landExemptionsOfYear(
  knex: Knex | Knex.Transaction,
  year: number,
  parks: readonly string[] | null,
): Promise<LandExemptionRow[]> {
  const { rows } = await knex.raw(
    `select ref, park, project_no, uscc, item, amount_fen, basis, approved_on::text as approved_on, forgone_by,
            central_fen, operator_fen, host_fen
       from land_exemptions where approved_on >= ? and approved_on < ? ${parks !== null ? "and park = any(?::text[])" : ""}
      order by park, approved_on, ref`,
    [`${year}-01-01`, `${year + 1}-01-01`, ...(parks !== null ? [[...parks]] : [])],
  );
  return rows.map((r: Record<string, unknown>) => ({
    ...(r as Omit<LandExemptionRow, "amount_fen" | "central_fen" | "operator_fen" | "host_fen">),
    amount_fen: toFen(r.amount_fen),
    central_fen: toFen(r.central_fen),
    operator_fen: toFen(r.operator_fen),
    host_fen: toFen(r.host_fen),
  }));
}

/** Land revenue of a park collected from `from` on, with the central share and split it was booked with. */
export async function landRevenueOfParkFrom(
  trx: Knex.Transaction,
  park: string,
  from: string,
): Promise<
  { ref: string; item: string; collected_on: string; amount_fen: Fen; central_share_bp: number; operator_fen: Fen }[]
> {
  const { rows } = await trx.raw(
    `select ref, item, collected_on::text as collected_on, amount_fen, central_share_bp, operator_fen from land_revenue
      where park = ? and collected_on >= ? order by collected_on, ref`,
    [park, from],
  );
  return rows.map((r: Record<string, unknown>) => ({
    ref: r.ref as string,
    item: r.item as string,
    collected_on: r.collected_on as string,
    amount_fen: toFen(r.amount_fen),
    central_share_bp: Number(r.central_share_bp),
    operator_fen: toFen(r.operator_fen),
  }));
}

/** Land revenue whose entry does not put its amount into the treasury (verify). */
export async function landRevenueMisbooked(
  k: Knex.Transaction,
  limit: number,
): Promise<{ ref: string; amount_fen: unknown; booked: unknown }[]> {
  const { rows } = await k.raw(`
    select r.ref, r.amount_fen, coalesce(sum(l.debit_fen - l.credit_fen), 0) as booked
      from land_revenue r
      left join journal_entries e on e.id = r.entry_id and e.kind = 'land' and e.idempotency_key = 'land:' || r.ref
      left join journal_lines l on l.entry_id = e.id
        and l.account_id in (select a.id from accounts a where a.code = 'treasury')
     group by r.ref, r.amount_fen having coalesce(sum(l.debit_fen - l.credit_fen), 0) <> r.amount_fen
     order by r.ref limit ${Number(limit)}`);
  return rows;
}
