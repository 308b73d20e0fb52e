// The re-splits of booked receipts (`receipt_resplits`, migrations/018_resplits.ts): every statement on
// that table, and the SQL by which other statements read a receipt's terms and split as they stand. A
// receipt row keeps what it was booked with; its terms now are its latest re-split's, and its split now
// is its own columns plus every re-split's difference. Refunds booked later are split with the terms
// now, and every report that reads a receipt's split reads it as it stands, so all agree with the journal.

import type { Knex } from "knex";
import type { ReceiptSplit } from "../../ledger/allocate.js";
import { decodeLevels } from "../../ledger/kinds.js";
import type { SplitTerms, StandingReceipt } from "../../ledger/resplit.js";
import { RowBuffer } from "../db/bulk.js";

/** The terms a re-split records, which then win over the receipt's own. */
export const TERM_COLUMNS = [
  "operator",
  "central_share_bp",
  "operator_share_bp",
  "central_ratio_id",
  "agreement_id",
] as const;
export type TermColumn = (typeof TERM_COLUMNS)[number];

/** A receipt's split columns, each with its difference column in `receipt_resplits`. */
export const SPLIT_COLUMNS = ["central_fen", "local_fen", "operator_fen", "host_fen"] as const;
export type SplitColumn = (typeof SPLIT_COLUMNS)[number];
const deltaOf = (column: SplitColumn) => column.replace(/_fen$/, "_delta_fen");

/** Per receipt: how many re-splits, the sum of their differences, and the latest one's terms. */
const AGGREGATES = [
  "count(*) as resplits",
  ...SPLIT_COLUMNS.map((c) => `sum(x.${deltaOf(c)}) as ${deltaOf(c)}`),
  ...TERM_COLUMNS.map((c) => `(array_agg(x.${c} order by x.id desc))[1] as ${c}`),
].join(", ");

/**
 * A receipt rebooked out of suspense (`receipt_reclassifications`, migrations/027) stands in the park,
 * with the terms and split, its reclassification records; its re-splits (all later than that) move it
 * from there. These columns ride along with the re-split aggregates under `<alias>_now`, `re_id` null
 * when the receipt was never held and rebooked (docs/decisions/0013-registry-versions.md).
 */
const RECLASSIFIED = [
  "c.id as re_id",
  "c.park as re_park",
  "c.host as re_host",
  "c.fiscal_year as re_fiscal_year",
  ...TERM_COLUMNS.map((t) => `c.${t} as re_${t}`),
  ...SPLIT_COLUMNS.map((t) => `c.${t} as re_${t}`),
].join(", ");

/**
 * Joined after `receipts <alias>`: the receipt's re-splits and reclassification as `<alias>_now`, read
 * by probing the indexes on the receipt's id (for lookups of a few receipts, and statements kept
 * prepared). `resplits` is 0 when it has none, `re_id` null when it was not rebooked out of suspense.
 */
export function resplitsOf(alias: string): string {
  return `left join lateral (select n.*, ${RECLASSIFIED}
      from (select ${AGGREGATES} from receipt_resplits x where x.receipt_id = ${alias}.id) n
      left join lateral (select * from receipt_reclassifications c where c.receipt_id = ${alias}.id limit 1) c on true) ${alias}_now on true`;
}

/**
 * Joined after `receipts <alias>` as `left join … on <alias>_now.receipt_id = <alias>.id`: every
 * receipt's re-splits and reclassification at once, for a statement over many receipts (a hash join,
 * not a probe per row; both tables hold thousands of rows, not millions).
 */
export const RESPLITS_BY_RECEIPT = `(select coalesce(n.receipt_id, c.receipt_id) as receipt_id, coalesce(n.resplits, 0) as resplits,
    ${SPLIT_COLUMNS.map((c) => `n.${deltaOf(c)}`).join(", ")}, ${TERM_COLUMNS.map((c) => `n.${c}`).join(", ")}, ${RECLASSIFIED}
    from (select x.receipt_id, ${AGGREGATES} from receipt_resplits x group by x.receipt_id) n
    full join receipt_reclassifications c on c.receipt_id = n.receipt_id)`;

/** One of a receipt's terms as it stands: its latest re-split's, else its reclassification's, else its own. */
export function termNow(alias: string, column: TermColumn): string {
  const a = `${alias}_now`;
  return `(case when ${a}.resplits > 0 then ${a}.${column} when ${a}.re_id is not null then ${a}.re_${column} else ${alias}.${column} end)`;
}

/** One of a receipt's split columns as it stands: as booked (or as rebooked out of suspense) plus every re-split's difference. */
export function splitNow(alias: string, column: SplitColumn): string {
  return `(coalesce(${alias}_now.re_${column}, ${alias}.${column}) + coalesce(${alias}_now.${deltaOf(column)}, 0))`;
}

/** A receipt's park as it stands: the one it was rebooked into out of suspense, else its own (null while held). */
export const parkNow = (alias: string) => `coalesce(${alias}_now.re_park, ${alias}.park)`;

/** A receipt's host as it stands: the park's host once rebooked out of suspense (the collector while held). */
export const hostNow = (alias: string) => `coalesce(${alias}_now.re_host, ${alias}.host)`;

/** A receipt's status as it stands: 'posted' once rebooked out of suspense. */
export const statusNow = (alias: string) =>
  `(case when ${alias}_now.re_id is not null then 'posted' else ${alias}.status end)`;

/** The fiscal year a receipt stands in: its reclassification's (the first open one when its own was closed), else its own. */
export const fiscalYearNow = (alias: string) => `coalesce(${alias}_now.re_fiscal_year, ${alias}.fiscal_year)`;

/** The receipts a new version may re-split: those of a park (an agreement) or gross ones of a tax (a ratio). */
/** What a version governs: a park's receipts, a tax's gross receipts, or one enterprise's gross receipts of a tax. */
export type ResplitScope = { park: string } | { tax_code: string } | { uscc: string; tax_code: string };

/** A receipt's kind; one recorded before kinds were is a receipt, or a refund when it names one. */
export const KIND_SQL = (r: string) =>
  `coalesce(${r}.kind, case when ${r}.refund_of_id is null then 'receipt' else 'refund' end)`;

/** A receipt's levels as ledger/kinds.ts encodes them ('' when it was given as a total). */
export const LEVELS_SQL = (r: string) =>
  `coalesce(${r}.level_central_fen || '|' || ${r}.level_region_fen || '|' || ${r}.level_prefecture_fen || '|' || ${r}.level_county_fen, '')`;

/** A posted receipt as it stands, with its id and the original it refunds (null for a receipt). */
export interface StandingRow extends StandingReceipt {
  id: bigint;
  refund_of_id: bigint | null;
}

const STANDING_COLUMNS = `r.id, r.receipt_no, r.amount_fen, r.tax_code, to_char(r.collected_on, 'YYYY-MM-DD') as collected_on,
  r.scope, ${parkNow("r")} as park, ${hostNow("r")} as host, r.refund_of_id, r.uscc, ${KIND_SQL("r")} as kind, ${LEVELS_SQL("r")} as levels,
  coalesce(to_char(r.period_end, 'YYYY-MM-DD'), '') as period_end,
  ${TERM_COLUMNS.map((c) => `${termNow("r", c)} as ${c}`).join(", ")},
  ${SPLIT_COLUMNS.map((c) => `${splitNow("r", c)} as ${c}`).join(", ")}`;

/**
 * The day a receipt's ratio and agreement are read on (ledger/rules.ts termsDate): its tax period's
 * last day for the refunds identified by period and export offsets, else its entry date.
 */
const TERMS_ON = `(case when r.kind in ('credit_refund', 'settlement_refund', 'immediate_refund', 'export_offset')
   and r.period_end is not null then r.period_end else r.collected_on end)`;

/**
 * Posted receipts (not refunds) in `scope` whose terms are read from `from` until before `until` (null: no end),
 * after id `after`, at most `limit`, in id order: a page of what a version from `from` may re-split.
 * Read in id order with a limit, the pages of a large table are one walk along its primary key.
 */
export async function standingReceipts(
  trx: Knex.Transaction,
  scope: ResplitScope,
  period: { from: string; until: string | null },
  after: bigint,
  limit: number,
): Promise<StandingRow[]> {
  // posted, or rebooked out of suspense (into the park, for an agreement): the ids rebooked are a hashed set
  const which =
    "park" in scope
      ? "(r.park = ? and r.status = 'posted' or r.id in (select c.receipt_id from receipt_reclassifications c where c.park = ?))"
      : `(r.status = 'posted' or r.id in (select c.receipt_id from receipt_reclassifications c)) and ${
          "uscc" in scope
            ? "r.uscc = ? and r.tax_code = ? and r.scope = 'gross'"
            : "r.tax_code = ? and r.scope = 'gross'"
        }`;
  const until = period.until === null ? "" : `and ${TERMS_ON} < ?`;
  const { rows } = await trx.raw(
    `select ${STANDING_COLUMNS} from receipts r ${resplitsOf("r")}
      where r.refund_of_id is null and ${which} and ${TERMS_ON} >= ? ${until} and r.id > ?
      order by r.id limit ${Number(limit)}`,
    [
      ...("park" in scope
        ? [scope.park, scope.park]
        : "uscc" in scope
          ? [scope.uscc, scope.tax_code]
          : [scope.tax_code]),
      period.from,
      ...(period.until === null ? [] : [period.until]),
      after.toString(),
    ],
  );
  return rows.map(standingRow);
}

/** The refunds of `originals`, as they stand, in the order they were booked. */
export async function standingRefunds(trx: Knex.Transaction, originals: readonly bigint[]): Promise<StandingRow[]> {
  if (originals.length === 0) return [];
  const { rows } = await trx.raw(
    `select ${STANDING_COLUMNS} from receipts r ${resplitsOf("r")}
      where r.refund_of_id = any(?::bigint[]) order by r.id`,
    [originals.map(String)],
  );
  return rows.map(standingRow);
}

function standingRow(r: Record<string, unknown>): StandingRow {
  const int = (v: unknown) => (v === null ? null : Number(v));
  const terms: SplitTerms = {
    operator: r.operator as string | null,
    central_ratio_id: int(r.central_ratio_id),
    central_share_bp: int(r.central_share_bp),
    agreement_id: int(r.agreement_id),
    operator_share_bp: int(r.operator_share_bp),
  };
  const split: ReceiptSplit = {
    central_fen: BigInt(r.central_fen as string),
    local_fen: BigInt(r.local_fen as string),
    operator_fen: BigInt(r.operator_fen as string),
    host_fen: BigInt(r.host_fen as string),
  };
  return {
    id: BigInt(r.id as string),
    refund_of_id: r.refund_of_id === null ? null : BigInt(r.refund_of_id as string),
    receipt_no: r.receipt_no as string,
    amount_fen: BigInt(r.amount_fen as string),
    tax_code: r.tax_code as string,
    collected_on: r.collected_on as string,
    scope: r.scope as "gross" | "local",
    park: r.park as string,
    host: r.host as string,
    uscc: r.uscc as string,
    kind: r.kind as string,
    levels: decodeLevels(r.levels as string),
    period_end: r.period_end as string,
    terms,
    split,
  };
}

const RESPLIT_ROW_COLUMNS = [
  { name: "receipt_id", type: "bigint" },
  { name: "entry_id", type: "bigint" },
  { name: "cause_agreement_id", type: "integer" },
  { name: "cause_ratio_id", type: "integer" },
  { name: "cause_exception_id", type: "integer" },
  { name: "operator", type: "text" },
  { name: "central_share_bp", type: "integer" },
  { name: "operator_share_bp", type: "integer" },
  { name: "central_ratio_id", type: "integer" },
  { name: "agreement_id", type: "integer" },
  { name: "central_delta_fen", type: "bigint" },
  { name: "local_delta_fen", type: "bigint" },
  { name: "operator_delta_fen", type: "bigint" },
  { name: "host_delta_fen", type: "bigint" },
] as const;

/** The version that caused a re-split. */
export type ResplitCause =
  { kind: "agreement"; id: number } | { kind: "ratio"; id: number } | { kind: "exception"; id: number };

/** Re-split rows, written a batch at a time with plain INSERTs (a version re-splits thousands, not millions). */
export function resplitRows(): RowBuffer {
  return new RowBuffer("receipt_resplits", RESPLIT_ROW_COLUMNS, "", false);
}

/** One re-split row, in RESPLIT_ROW_COLUMNS order. */
export function resplitRow(
  receipt_id: bigint,
  entry_id: bigint,
  cause: ResplitCause,
  terms: SplitTerms,
  delta: ReceiptSplit,
): unknown[] {
  return [
    receipt_id,
    entry_id,
    cause.kind === "agreement" ? cause.id : null,
    cause.kind === "ratio" ? cause.id : null,
    cause.kind === "exception" ? cause.id : null,
    terms.operator,
    terms.central_share_bp,
    terms.operator_share_bp,
    terms.central_ratio_id,
    terms.agreement_id,
    delta.central_fen,
    delta.local_fen,
    delta.operator_fen,
    delta.host_fen,
  ];
}

/**
 * Re-splits whose adjusting entry does not move what they record (verify): the entry's net credit to
 * central revenue, to the operator's shared revenue and to the host's revenue accounts against the
 * differences, or an adjusting entry with no re-split; at most `limit`.
 */
export async function resplitsMisbooked(
  k: Knex.Transaction,
  limit: number,
): Promise<{ entry_id: string; receipt_no: string | null; detail: string }[]> {
  const { rows } = await k.raw(`
    with booked as (
      select l.entry_id,
             sum(case when a.code = 'revenue_central' then l.credit_fen - l.debit_fen else 0 end) as central,
             sum(case when a.code = 'revenue_shared' then l.credit_fen - l.debit_fen else 0 end) as operator,
             sum(case when a.code in ('revenue_shared_host', 'revenue_own', 'nontax_revenue') then l.credit_fen - l.debit_fen else 0 end) as host
        from journal_entries e join journal_lines l on l.entry_id = e.id join accounts a on a.id = l.account_id
       where e.kind = 'adjustment' and starts_with(e.idempotency_key, 'resplit:') group by l.entry_id)
    select * from (
      select b.entry_id::text as entry_id, r.receipt_no,
             case when x.id is null then 'has no re-split recorded'
                  else 'moves central ' || b.central || ', operator ' || b.operator || ', host ' || b.host
                       || ' fen; its re-split records ' || x.central_delta_fen || ', ' || x.operator_delta_fen || ', ' || x.host_delta_fen end as detail
        from booked b left join receipt_resplits x on x.entry_id = b.entry_id left join receipts r on r.id = x.receipt_id
       where x.id is null or b.central <> x.central_delta_fen or b.operator <> x.operator_delta_fen or b.host <> x.host_delta_fen
      union all
      select x.entry_id::text, r.receipt_no, 'names an entry that is not its adjustment'
        from receipt_resplits x join receipts r on r.id = x.receipt_id
       where not exists (select 1 from journal_entries e where e.id = x.entry_id and e.kind = 'adjustment'
                           and starts_with(e.idempotency_key, 'resplit:' || r.receipt_no || ':'))) found
     limit ${Number(limit)}`);
  return rows;
}
