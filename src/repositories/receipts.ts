// The `receipts` table and its stage (`receipt_stage`, a temporary table rows wait in while a file or
// a group of requests is checked set-based): every statement the booking engine sends them. The
// reports read receipts through their own queries.

import type { Knex } from "knex";
import { decodeLevels, type Levels, type ReceiptKind } from "../../ledger/kinds.js";
import { NO_LEVELS } from "../../ledger/refunds.js";
import type { Booking } from "../../ledger/rules.js";
import { RowBuffer, type WriteBatch } from "../db/bulk.js";
import { toCount } from "../db/database.js";
import type { CheckedReceipt, OriginalToBook, RefundToBook, WrittenReceipt } from "../booking/types.js";
import {
  fiscalYearNow,
  hostNow,
  KIND_SQL,
  LEVELS_SQL,
  parkNow,
  resplitsOf,
  splitNow,
  statusNow,
  termNow,
  type SplitColumn,
} from "./resplits.js";

const RECEIPT_ROW_COLUMNS = [
  { name: "id", type: "bigint" },
  { name: "receipt_no", type: "text" },
  { name: "uscc", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "collected_on", type: "date" },
  { name: "amount_fen", type: "bigint" },
  { name: "scope", type: "text" },
  { name: "tax_period", type: "text" },
  { name: "refund_of_id", type: "bigint" },
  { name: "status", type: "text" },
  { name: "park", type: "text" },
  { name: "operator", type: "text" },
  { name: "host", type: "text" },
  { name: "central_share_bp", type: "integer" },
  { name: "operator_share_bp", type: "integer" },
  { name: "central_ratio_id", type: "integer" },
  { name: "agreement_id", type: "integer" },
  { name: "central_fen", type: "bigint" },
  { name: "local_fen", type: "bigint" },
  { name: "operator_fen", type: "bigint" },
  { name: "host_fen", type: "bigint" },
  { name: "fiscal_year", type: "integer" },
  { name: "entry_id", type: "bigint" },
  { name: "import_id", type: "bigint" },
  { name: "source_row", type: "integer" },
  { name: "kind", type: "text" },
  { name: "budget_code", type: "text" },
  { name: "period_end", type: "date" },
  { name: "level_central_fen", type: "bigint" },
  { name: "level_region_fen", type: "bigint" },
  { name: "level_prefecture_fen", type: "bigint" },
  { name: "level_county_fen", type: "bigint" },
  { name: "ratio_central_fen", type: "bigint" },
  { name: "ratio_exception_id", type: "integer" },
] as const;

/** Receipt rows written by COPY (a file on PostgreSQL), plain INSERTs, or into `batch` (a group of requests). */
export function receiptRows(copy: boolean, batch?: WriteBatch): RowBuffer {
  return new RowBuffer("receipts", RECEIPT_ROW_COLUMNS, "", copy, batch);
}

/** One receipt row, in RECEIPT_ROW_COLUMNS order. */
export function receiptRow(
  id: bigint,
  r: CheckedReceipt,
  b: Booking,
  refund_of_id: bigint | null,
  entry_id: bigint,
  import_id: bigint | null,
  source_row: number,
): unknown[] {
  const s = b.split;
  return [
    id,
    r.receipt_no,
    r.uscc,
    r.tax_code,
    r.collected_on,
    r.amount_fen,
    b.scope,
    r.tax_period === "" ? null : r.tax_period,
    refund_of_id,
    b.status,
    b.park,
    b.operator,
    b.host,
    b.central_share_bp,
    b.operator_share_bp,
    b.central_ratio_id,
    b.agreement_id,
    s.central_fen,
    s.local_fen,
    s.operator_fen,
    s.host_fen,
    b.fiscal_year,
    entry_id,
    import_id,
    source_row,
    // a receipt or a refund of one says what it is by refund_of_id, as receipts recorded before kinds
    // do (KIND_SQL); only the other kinds spend a column on it, and on the tax period's end they split by
    b.kind === "receipt" || b.kind === "refund" ? null : b.kind,
    r.budget_code === "" ? null : r.budget_code,
    r.period_end === "" || b.kind === "receipt" || b.kind === "refund" ? null : r.period_end,
    b.levels?.central ?? null,
    b.levels?.region ?? null,
    b.levels?.prefecture ?? null,
    b.levels?.county ?? null,
    b.ratio_central_fen,
    b.ratio_exception_id,
  ];
}

/** How much of each original is refunded so far (zero or negative), and of each level, by id. */
export async function refundedSoFar(
  trx: Knex.Transaction,
  ids: readonly bigint[],
): Promise<Map<bigint, { amount_fen: bigint; levels: Levels }>> {
  const refunded = new Map<bigint, { amount_fen: bigint; levels: Levels }>();
  for (const id of ids) refunded.set(id, { amount_fen: 0n, levels: NO_LEVELS });
  const { rows } = await trx.raw(
    `select refund_of_id, sum(amount_fen) as refunded, ${REFUNDED_LEVELS}
       from receipts where refund_of_id = any(?::bigint[]) group by refund_of_id`,
    [ids.map(String)],
  );
  for (const row of rows)
    refunded.set(BigInt(row.refund_of_id), {
      amount_fen: BigInt(row.refunded),
      levels: {
        central: BigInt(row.central),
        region: BigInt(row.region),
        prefecture: BigInt(row.prefecture),
        county: BigInt(row.county),
      },
    });
  return refunded;
}

/** The sums of the levels refunds took (a refund without levels takes none). */
const REFUNDED_LEVELS = ["central", "region", "prefecture", "county"]
  .map((l) => `coalesce(sum(level_${l}_fen), 0)::text as ${l}`)
  .join(", ");

/** The numbers among `numbers` already recorded. */
export async function recordedNumbers(trx: Knex.Transaction, numbers: readonly string[]): Promise<Set<string>> {
  const { rows } = await trx.raw(`select receipt_no from receipts where receipt_no = any(?)`, [[...numbers]]);
  return new Set((rows as { receipt_no: string }[]).map((r) => r.receipt_no));
}

/** The recorded receipts under `numbers`, with their figures as they stand and the request that booked each. */
export async function receiptFigures(
  trx: Knex.Transaction,
  numbers: readonly string[],
): Promise<(WrittenReceipt & { request_id: string | null })[]> {
  const { rows } = await trx.raw(
    `select r.receipt_no, ${statusNow("r")} as status, ${parkNow("r")} as park, ${fiscalYearNow("r")} as fiscal_year,
            r.amount_fen, ${splitNow("r", "central_fen")} as central_fen,
            ${splitNow("r", "local_fen")} as local_fen, ${splitNow("r", "operator_fen")} as operator_fen,
            ${splitNow("r", "host_fen")} as host_fen, r.entry_id, e.request_id
       from receipts r join journal_entries e on e.id = r.entry_id ${resplitsOf("r")} where r.receipt_no = any(?)`,
    [[...numbers]],
  );
  return (rows as Record<string, unknown>[]).map((r) => ({
    receipt_no: r.receipt_no as string,
    status: r.status as "posted" | "suspense",
    park: r.park as string | null,
    fiscal_year: Number(r.fiscal_year),
    amount_fen: BigInt(r.amount_fen as string),
    central_fen: BigInt(r.central_fen as string),
    local_fen: BigInt(r.local_fen as string),
    operator_fen: BigInt(r.operator_fen as string),
    host_fen: BigInt(r.host_fen as string),
    entry_id: BigInt(r.entry_id as string),
    row_no: 0,
    request_id: r.request_id as string | null,
  }));
}

const fen = (column: string) => `'${column}', r.${column}::text`;
const fenNow = (column: SplitColumn) => `'${column}', ${splitNow("r", column)}::text`;

/**
 * Parts of the group lookup (src/booking/lookup.ts), each a JSON array, over `g(receipt_no, uscc,
 * collected_on, refund_of)`: the receipts recorded under the group's numbers (their split as it stands),
 * and the originals its refunds name with what is refunded of them. Each is a join LATERAL on a unique key with LIMIT 1, so
 * a prepared plan probes the index however small the table was when it was planned.
 */
export const LOOKUP_RECORDED_SQL = `(select coalesce(json_agg(json_build_object('receipt_no', r.receipt_no, 'input_hash', r.input_hash,
                 'source_row', r.source_row, 'file_name', r.file_name, 'request_id', r.request_id, 'status', ${statusNow("r")},
                 'park', ${parkNow("r")}, 'fiscal_year', ${fiscalYearNow("r")}, 'entry_id', r.entry_id::text, ${fen("amount_fen")},
                 ${fenNow("central_fen")}, ${fenNow("local_fen")}, ${fenNow("operator_fen")}, ${fenNow("host_fen")})), '[]')
          from g join lateral (
            select r.*, (select e.input_hash from journal_entries e where e.id = r.entry_id) as input_hash,
                   (select e.request_id from journal_entries e where e.id = r.entry_id) as request_id,
                   (select i.file_name from imports i where i.id = r.import_id) as file_name
              from receipts r where r.receipt_no = g.receipt_no limit 1) r on true
          ${resplitsOf("r")})`;

// An original's terms are those it stands with: its latest re-split's, if any (src/repositories/resplits.ts)
export const LOOKUP_ORIGINALS_SQL = `(select coalesce(json_agg(json_build_object('id', r.id::text, 'receipt_no', r.receipt_no, 'uscc', r.uscc,
                 'tax_code', r.tax_code, 'collected_on', r.collected_on, ${fen("amount_fen")}, 'scope', r.scope,
                 'is_refund', r.refund_of_id is not null, 'status', ${statusNow("r")}, 'park', ${parkNow("r")},
                 'operator', ${termNow("r", "operator")}, 'host', ${hostNow("r")}, 'central_share_bp', ${termNow("r", "central_share_bp")}, 'operator_share_bp', ${termNow("r", "operator_share_bp")},
                 'central_ratio_id', ${termNow("r", "central_ratio_id")}, 'agreement_id', ${termNow("r", "agreement_id")},
                 'kind', ${KIND_SQL("r")}, ${fenNow("local_fen")}, ${fenNow("operator_fen")}, 'levels', ${LEVELS_SQL("r")},
                 'refunded_fen', (select coalesce(sum(x.amount_fen), 0) from receipts x where x.refund_of_id = r.id)::text,
                 'refunded_levels', (select coalesce(sum(x.level_central_fen), 0) || '|' || coalesce(sum(x.level_region_fen), 0) || '|'
                     || coalesce(sum(x.level_prefecture_fen), 0) || '|' || coalesce(sum(x.level_county_fen), 0)
                   from receipts x where x.refund_of_id = r.id))), '[]')
          from (select distinct refund_of from g where refund_of <> '') g
          join lateral (select * from receipts r where r.receipt_no = g.refund_of limit 1) r on true
          ${resplitsOf("r")})`;

export const RECEIPTS_ID_SEQUENCE = "receipts_id_seq";

// ---- the stage ----

const STAGE_COLUMNS = [
  { name: "row_no", type: "integer" },
  { name: "receipt_no", type: "text" },
  { name: "uscc", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "collected_on", type: "date" },
  { name: "amount_fen", type: "bigint" },
  { name: "scope", type: "text" },
  { name: "tax_period", type: "text" },
  { name: "refund_of", type: "text" },
  { name: "content_hash", type: "text" },
  { name: "kind", type: "text" },
  { name: "budget_code", type: "text" },
  { name: "levels", type: "text" },
  { name: "period_end", type: "text" },
] as const;

/** Below this many rows a stage is scanned rather than indexed (HTTP requests stage a handful). */
const SMALL_STAGE_ROWS = 1000;

/** The temporary table rows wait in (all of them on the staged path, refunds on the streaming one). */
export async function createStage(trx: Knex.Transaction): Promise<void> {
  // kept for the connection's life and emptied at each commit: a server books many small groups
  await trx.raw(`create temporary table if not exists receipt_stage (
    row_no integer primary key, receipt_no text not null, uscc text not null, tax_code text not null,
    collected_on date not null, amount_fen bigint not null, scope text not null, tax_period text not null,
    refund_of text not null, content_hash text not null, kind text not null, budget_code text not null,
    levels text not null, period_end text not null, action text not null default 'new'
  ) on commit delete rows`);
}

/** Rows for the stage, by COPY (a file on PostgreSQL) or plain INSERTs. */
export function stageRows(copy: boolean): RowBuffer {
  return new RowBuffer("receipt_stage", STAGE_COLUMNS, "", copy);
}

export function stageRow(r: CheckedReceipt): unknown[] {
  return [
    r.row_no,
    r.receipt_no,
    r.uscc,
    r.tax_code,
    r.collected_on,
    r.amount_fen,
    r.scope,
    r.tax_period,
    r.refund_of,
    r.content_hash,
    r.kind,
    r.budget_code,
    r.levels,
    r.period_end,
  ];
}

/** A stage of a file's many rows gets an index on the number and fresh statistics. */
export async function indexStage(trx: Knex.Transaction, rows: number): Promise<void> {
  if (rows < SMALL_STAGE_ROWS) return;
  await trx.raw("create index if not exists receipt_stage_receipt_no on receipt_stage (receipt_no)");
  await trx.raw("analyze receipt_stage");
}

/** Staged rows whose number is recorded: whether with the same content, and where the recorded one came from. */
export async function stagedNumbersRecorded(
  trx: Knex.Transaction,
): Promise<
  { row_no: number; receipt_no: string; same: boolean; source_row: number | null; file_name: string | null }[]
> {
  const { rows } = await trx.raw(`
    select s.row_no, s.receipt_no, e.input_hash = s.content_hash as same, r.source_row, i.file_name
      from receipt_stage s join receipts r on r.receipt_no = s.receipt_no
      join journal_entries e on e.id = r.entry_id left join imports i on i.id = r.import_id
     where s.action = 'new'`);
  return rows;
}

/** Staged rows whose number is recorded are not booked again. */
export async function markStagedRecorded(trx: Knex.Transaction): Promise<void> {
  await trx.raw(
    `update receipt_stage s set action = 'same' from receipts r where r.receipt_no = s.receipt_no and s.action = 'new'`,
  );
}

/** Whether a staged number is recorded, or staged twice. */
export async function stageRepeatsNumbers(trx: Knex.Transaction): Promise<boolean> {
  const repeated = await trx.raw(
    `(select 1 from receipt_stage s join receipts r on r.receipt_no = s.receipt_no limit 1)
     union all
     (select 1 from receipt_stage group by receipt_no having count(*) > 1 limit 1)`,
  );
  return repeated.rows.length > 0;
}

/** What the stage holds to book: new rows, same rows, and new refunds. */
export async function stageCounts(
  trx: Knex.Transaction,
): Promise<{ new_rows: number; same_rows: number; new_refunds: number }> {
  const counts = await trx.raw(
    `select count(*) filter (where action = 'new') as new_rows, count(*) filter (where action = 'same') as same_rows,
            count(*) filter (where action = 'new' and refund_of <> '') as new_refunds
       from receipt_stage`,
  );
  const c = counts.rows[0];
  return { new_rows: toCount(c.new_rows), same_rows: toCount(c.same_rows), new_refunds: toCount(c.new_refunds) };
}

const STAGED_SQL = `s.row_no, s.receipt_no, s.uscc, s.tax_code, s.collected_on, s.amount_fen, s.scope, s.tax_period,
  s.refund_of, s.content_hash, s.kind, s.budget_code, s.levels, s.period_end`;

/** The next staged originals to book after row `after`, each with the enterprise's park on its day. */
export async function stagedOriginalsAfter(
  trx: Knex.Transaction,
  after: number,
  limit: number,
): Promise<OriginalToBook[]> {
  const { rows } = await trx.raw(
    `select ${STAGED_SQL}, st.park,
            case when s.period_end = '' then st.park else pt.park end as period_park,
            (st.park is not null or exists (select 1 from enterprises e where e.uscc = s.uscc)) as known
       from receipt_stage s
       left join enterprise_stays st on st.uscc = s.uscc and st.valid_from <= s.collected_on
                                    and (st.valid_to is null or st.valid_to >= s.collected_on)
       left join enterprise_stays pt on pt.uscc = s.uscc and pt.valid_from <= nullif(s.period_end, '')::date
                                    and (pt.valid_to is null or pt.valid_to >= nullif(s.period_end, '')::date)
      where s.action = 'new' and s.refund_of = '' and s.row_no > ?
      order by s.row_no limit ?`,
    [after, limit],
  );
  return rows;
}

/** The next staged refunds to book after row `after`, each with the recorded original it names and its terms now. */
export async function stagedRefundsAfter(trx: Knex.Transaction, after: number, limit: number): Promise<RefundToBook[]> {
  const { rows } = await trx.raw(
    `select ${STAGED_SQL}, o.id as o_id, ${KIND_SQL("o")} as o_kind, ${splitNow("o", "local_fen")} as o_local_fen,
            ${splitNow("o", "operator_fen")} as o_operator_fen,
            ${LEVELS_SQL("o")} as o_levels, o.uscc as o_uscc, o.tax_code as o_tax_code, o.collected_on as o_collected_on,
            o.amount_fen as o_amount_fen,
            o.scope as o_scope, o.refund_of_id is not null as o_is_refund, ${statusNow("o")} as o_status, ${parkNow("o")} as o_park,
            ${termNow("o", "operator")} as o_operator, ${hostNow("o")} as o_host, ${termNow("o", "central_share_bp")} as o_central_share_bp,
            ${termNow("o", "operator_share_bp")} as o_operator_share_bp, ${termNow("o", "central_ratio_id")} as o_central_ratio_id,
            ${termNow("o", "agreement_id")} as o_agreement_id,
            exists (select 1 from receipt_stage t where t.receipt_no = s.refund_of and t.refund_of = '') as in_file,
            exists (select 1 from receipt_stage t where t.receipt_no = s.refund_of and t.refund_of <> '') as names_refund_in_file
       from receipt_stage s left join receipts o on o.receipt_no = s.refund_of ${resplitsOf("o")}
      where s.action = 'new' and s.refund_of <> '' and s.row_no > ?
      order by s.row_no limit ?`,
    [after, limit],
  );
  return (rows as Record<string, unknown>[]).map((r) => ({
    row_no: r.row_no as number,
    receipt_no: r.receipt_no as string,
    uscc: r.uscc as string,
    tax_code: r.tax_code as string,
    collected_on: r.collected_on as string,
    amount_fen: r.amount_fen as bigint,
    scope: r.scope as string,
    tax_period: r.tax_period as string,
    refund_of: r.refund_of as string,
    content_hash: r.content_hash as string,
    kind: r.kind as ReceiptKind,
    budget_code: r.budget_code as string,
    levels: r.levels as string,
    period_end: r.period_end as string,
    in_file: r.in_file as boolean,
    names_refund_in_file: r.names_refund_in_file as boolean,
    original:
      r.o_id === null
        ? null
        : {
            id: r.o_id as bigint,
            uscc: r.o_uscc as string,
            tax_code: r.o_tax_code as string,
            collected_on: r.o_collected_on as string,
            amount_fen: r.o_amount_fen as bigint,
            scope: r.o_scope as "gross" | "local",
            is_refund: r.o_is_refund as boolean,
            status: r.o_status as "posted" | "suspense",
            park: r.o_park as string | null,
            operator: r.o_operator as string | null,
            host: r.o_host as string,
            central_share_bp: r.o_central_share_bp as number | null,
            operator_share_bp: r.o_operator_share_bp as number | null,
            central_ratio_id: r.o_central_ratio_id as number | null,
            agreement_id: r.o_agreement_id as number | null,
            kind: r.o_kind as string,
            local_fen: BigInt(r.o_local_fen as string),
            operator_fen: BigInt(r.o_operator_fen as string),
            levels: decodeLevels(r.o_levels as string),
          },
  }));
}

// ---- what other commands ask of the receipts ----

/**
 * Who a receipt belongs to, for an access decision: the operator it is shared with as it stands (a
 * non-tax item an agreement came to name is shared after its re-split); undefined when none is recorded.
 */
export async function receiptOwner(
  knex: Knex,
  receipt_no: string,
): Promise<{ operator: string | null; status: "posted" | "suspense"; park: string | null } | undefined> {
  const { rows } = await knex.raw(
    `select ${termNow("r", "operator")} as operator, ${statusNow("r")} as status, ${parkNow("r")} as park from receipts r ${resplitsOf("r")} where r.receipt_no = ?`,
    [receipt_no],
  );
  return rows[0];
}

/** A receipt as booked, as the database gives it (fen and ids as either driver reads them). */
export interface BookedReceiptRow {
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount_fen: unknown;
  scope: string;
  status: "posted" | "suspense";
  park: string | null;
  operator: string | null;
  fiscal_year: unknown;
  central_fen: unknown;
  local_fen: unknown;
  operator_fen: unknown;
  host_fen: unknown;
  entry_id: string | number | bigint;
  /** How many re-splits moved its split since it was booked (src/repositories/resplits.ts). */
  resplits: unknown;
  entry_hash: string;
  posted_by: string;
  file_name: string | null;
  /** The party whose statement the file was (null for the prefecture's treasury files). */
  import_party: string | null;
  source_row: unknown;
  kind: string;
  budget_code: string | null;
  tax_period: string | null;
  refund_of: string | null;
  /** The levels as given, encoded as ledger/kinds.ts does ('' when given as a total). */
  levels: string;
}

/** A receipt as booked (its split and operator as they stand after any re-split), with its entry and the file row it came from. */
export async function receiptAsBooked(knex: Knex, receipt_no: string): Promise<BookedReceiptRow | undefined> {
  const { rows } = await knex.raw(
    `select r.receipt_no, r.uscc, r.tax_code, r.collected_on, r.amount_fen, r.scope, ${statusNow("r")} as status,
            ${parkNow("r")} as park, ${termNow("r", "operator")} as operator, ${fiscalYearNow("r")} as fiscal_year, ${splitNow("r", "central_fen")} as central_fen,
            ${splitNow("r", "local_fen")} as local_fen, ${splitNow("r", "operator_fen")} as operator_fen,
            ${splitNow("r", "host_fen")} as host_fen, r.entry_id, r_now.resplits,
            e.entry_hash, e.posted_by, i.file_name, i.party as import_party, r.source_row,
            ${KIND_SQL("r")} as kind, r.budget_code, r.tax_period, ${LEVELS_SQL("r")} as levels,
            (select o.receipt_no from receipts o where o.id = r.refund_of_id) as refund_of
       from receipts r join journal_entries e on e.id = r.entry_id left join imports i on i.id = r.import_id
            ${resplitsOf("r")}
      where r.receipt_no = ?`,
    [receipt_no],
  );
  return rows[0];
}

/**
 * Posted receipts (and suspense receipts rebooked to a park) whose enterprise the staged stays
 * (`stay_stage`, an enterprise import's) would place in another park than the one they are booked in, with the stage row that does it; at most `limit`.
 */
export async function receiptsMovedByStays(
  trx: Knex.Transaction,
  limit: number,
): Promise<
  {
    receipt_no: string;
    uscc: string;
    collected_on: string;
    booked_park: string;
    new_park: string | null;
    row_no: number;
  }[]
> {
  const { rows } = await trx.raw(`
    select r.receipt_no, r.uscc, r.collected_on, coalesce(c.park, r.park) as booked_park, st.park as new_park, s.row_no
      from receipts r
      join stay_stage s on s.uscc = r.uscc
      left join receipt_reclassifications c on c.receipt_id = r.id
      left join enterprise_stays st on st.uscc = r.uscc and st.valid_from <= r.collected_on and (st.valid_to is null or st.valid_to >= r.collected_on)
     where (r.status = 'posted' or c.id is not null) and r.refund_of_id is null and st.park is distinct from coalesce(c.park, r.park)
     limit ${Number(limit)}`);
  return rows;
}

/** Receipts without a journal entry of their own (verify); at most `limit`. */
export async function receiptsWithoutEntry(k: Knex.Transaction, limit: number): Promise<{ receipt_no: string }[]> {
  const { rows } = await k.raw(`
    select r.receipt_no from receipts r left join journal_entries e on e.id = r.entry_id
     where e.id is null or e.idempotency_key <> 'receipt:' || r.receipt_no limit ${Number(limit)}`);
  return rows;
}

/**
 * Receipts whose entry books another amount into the treasury than the receipt's (verify); at most
 * `limit`. The treasury takes the central and local parts (an export offset moves between them).
 */
export async function receiptsMisbooked(
  k: Knex.Transaction,
  limit: number,
): Promise<{ receipt_no: string; amount_fen: unknown; booked: unknown }[]> {
  const { rows } = await k.raw(`
    select r.receipt_no, r.amount_fen, coalesce(sum(l.debit_fen - l.credit_fen), 0) as booked
      from receipts r join journal_lines l on l.entry_id = r.entry_id
      join accounts a on a.id = l.account_id and a.code = 'treasury'
     group by r.receipt_no, r.amount_fen, r.central_fen, r.local_fen
    having coalesce(sum(l.debit_fen - l.credit_fen), 0) <> r.central_fen + r.local_fen limit ${Number(limit)}`);
  return rows;
}
