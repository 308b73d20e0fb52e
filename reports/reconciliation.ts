// The reconciliation (对账单) between the prefecture's books and an operator's own statement of its
// parks' receipts for a year (statement rows are per party, so the operator's view is over every park
// it runs; with a park, that park's receipts and the statement rows booked there or whose enterprise
// stayed there): every receipt of the park and every statement row falls in exactly one
// status, matched by receipt number; the totals and their difference; what the differences would
// change in the operator's share; probable counterparts where numbers differ (for a person to
// confirm, never counted as matched until a person has); the decisions people recorded on such pairs
// (src/services/reconciliation-decisions.ts: a confirmed pair is matched_by_decision, a rejected pair is
// never suggested again); and the anomalies a finance officer must see (./reconciliation-anomalies.ts).
// Who looks matters (./viewer.ts): the prefecture and the auditors see every cross-check; an operator
// sees its own park's rows and the suspense receipts linked to it, and nothing that tells it what the
// other operator's statement holds or where another park's receipt is booked.
//
// A year holds a million items or more, so they are never all in memory at once: the database pairs
// the two sides and hands back, through a cursor, first the rows that differ (a few in a hundred, which
// the summary and the probable counterparts need all of), then the matched rows, each in
// receipt-number order; the items go out as JSON a batch at a time (`reconciliationJson`), the rows that
// differ merged in where they belong.

import type { Knex } from "knex";
import type { z } from "zod";
import type { ReconciliationShape } from "./shapes.js";
import { formatYuan, toFen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { RESPLITS_BY_RECEIPT, splitNow, termNow } from "../src/repositories/resplits.js";
import { decisionsInForce } from "../src/repositories/reconciliation-decisions.js";
import { anomalies } from "./reconciliation-anomalies.js";
import { applyDecisions, operatorShareOf, pairProbable, statementShare, type PairRow } from "./reconciliation-pairs.js";
import { operatorParks } from "./settlement.js";
import { FULL_VIEW, type Viewer } from "./viewer.js";

/** The reconciliation's JSON (reports/shapes.ts declares it, once). */
export type Reconciliation = z.infer<typeof ReconciliationShape>;
export type ReconciliationItem = Reconciliation["items"][number];
export type ReconciliationStatus = ReconciliationItem["status"];
export type Anomaly = Reconciliation["anomalies"][number];
export type ReconciliationSummary = Reconciliation["summary"];

/** What comes before the items: which reconciliation, and its summary. */
export type ReconciliationHead = Omit<Reconciliation, "items" | "anomalies">;

/** Rows fetched from the cursor at a time: one batch of items written out. */
const BATCH_ROWS = 5_000;

/** A row of the pairing query, as the driver hands it back in array mode (no object per row). */
type PairTuple = [
  receipt_no: string,
  status: ReconciliationStatus,
  uscc: string,
  tax_code: string,
  collected_on: string,
  differences: string,
  p_amount: string | null,
  /** Null on a matched row: its operator amount is its prefecture amount. */
  o_amount: string | null,
  p_fen: unknown,
  o_fen: unknown,
  p_operator_fen: unknown,
  p_scope: "gross" | "local" | null,
  p_central_bp: number | null,
  p_operator_bp: number | null,
  /** A statement row the prefecture lacks: its enterprise's park that day, to value it with that park's agreement. */
  o_park: string | null,
];

/** A reconciliation under way: its head, then its items (read once), then its anomalies. */
export interface OpenReconciliation {
  head: ReconciliationHead;
  /** How many items it lists. */
  count: number;
  /**
   * The items in receipt-number order as compact JSON, a batch of comma-separated items at a time
   * (never an empty batch). Read once, to its end, or call `close`.
   */
  items(): AsyncGenerator<string>;
  anomalies(): Promise<Anomaly[]>;
  /** Lets go of the database (after `items`, or instead of reading them). */
  close(): Promise<void>;
}

/**
 * The reconciliation with `operator` as `viewer` sees it: the full view (prefecture, auditors, command
 * line) or that operator's own. In an operator's view a statement row the prefecture booked in another
 * park, or that the other operator also lists, is simply missing_in_prefecture. Every item in memory:
 * for a report of a few thousand items, a table or a workbook; `reconciliationJson` streams.
 */
export async function reconciliation(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  viewer: Viewer,
  park?: string,
): Promise<Reconciliation> {
  return collectReconciliation(await openReconciliation(knex, ref, year, operator, viewer, park));
}

/** Every item of a reconciliation under way, read into memory; closes it. */
export async function collectReconciliation(open: OpenReconciliation): Promise<Reconciliation> {
  try {
    const items: ReconciliationItem[] = [];
    for await (const batch of open.items())
      for (const item of JSON.parse(`[${batch}]`) as ReconciliationItem[]) items.push(item);
    return { ...open.head, items, anomalies: await open.anomalies() };
  } finally {
    await open.close();
  }
}

/**
 * The reconciliation's JSON, compact, in pieces: exactly `JSON.stringify` of `reconciliation`'s answer
 * and a newline, its items a batch at a time, so that memory stays the same whatever their number.
 * Closes `open` at the end.
 */
export async function* reconciliationJson(open: OpenReconciliation): AsyncGenerator<string> {
  try {
    const head = JSON.stringify(open.head);
    yield `${head.slice(0, -1)},"items":[`;
    let first = true;
    for await (const batch of open.items()) {
      yield first ? batch : `,${batch}`;
      first = false;
    }
    yield `],"anomalies":${JSON.stringify(await open.anomalies())}}\n`;
  } finally {
    await open.close();
  }
}

/**
 * Starts the reconciliation: the totals, the decisions and the anomalies are asked for on a connection
 * of their own (on PostgreSQL, every connection reading one snapshot) while the database pairs the two
 * sides; the rows that
 * differ are read and valued here, which gives the summary. The matched rows wait in the cursor until
 * `items` is read.
 */
export async function openReconciliation(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  viewer: Viewer,
  park?: string,
  /** batchRows: rows fetched at a time; splitAt: receipt numbers to split the pairing at (PostgreSQL). */
  options: { batchRows?: number; splitAt?: string[] } = {},
): Promise<OpenReconciliation> {
  const batchRows = options.batchRows ?? BATCH_ROWS;
  if (viewer.kind === "operator" && viewer.operator !== operator)
    throw new Error(`${viewer.operator}'s view of ${operator}'s reconciliation: access.ts should have refused it`);
  const parks = operatorParks(ref, operator, park).map((p) => p.code);
  const onlyPark = statementRowsOf(park === undefined ? undefined : parks[0]!);
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  // PostgreSQL: the other questions on other connections, meanwhile, and the pairing in two ranges of
  // receipt numbers on two connections, each joined and sorted by a backend of its own. The embedded
  // database has one connection, and a transaction given holds its own: there all is asked in turn, on it.
  const concurrent = !knex.isTransaction && isPostgres(knex);
  const splits = concurrent ? (options.splitAt ?? (await splitPoints(knex))) : [];
  const ranges = [null, ...splits].map((low, i) => ({ low, high: splits[i] ?? null }));
  const parts: Part[] = [];
  let anomaliesQuery: Promise<Anomaly[]> | null = null;
  // PostgreSQL: the totals, the decisions and the anomalies, on a connection of their own
  let beside: Knex.Transaction | null = null;
  try {
    for (const range of ranges) {
      const trx = knex.isTransaction ? (knex as Knex.Transaction) : await knex.transaction();
      parts.push({
        trx,
        owned: trx !== knex,
        cursor: `reconciliation_items_${++cursors}`,
        declared: false,
        range,
        pending: [],
        ended: false,
      });
    }
    if (concurrent) {
      // every connection reads one snapshot: a file imported while the report runs cannot make the
      // totals and the pairs disagree (the matched count is the totals' receipts less the rest)
      const first = parts[0]!.trx;
      await first.raw("set transaction isolation level repeatable read, read only");
      const { rows } = await first.raw("select pg_export_snapshot() as snapshot");
      const snapshot = String(rows[0].snapshot);
      if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot name ${snapshot}`);
      beside = await knex.transaction();
      for (const trx of [...parts.slice(1).map((p) => p.trx), beside]) {
        await trx.raw("set transaction isolation level repeatable read, read only");
        await trx.raw(`set transaction snapshot '${snapshot}'`);
      }
    }
    const others = beside ?? parts[0]!.trx;
    const totalsQuery = totalsOf(others, parks, operator, from, to, onlyPark);
    const decisionsQuery = decisionsInForce(others, year, operator);
    totalsQuery.catch(() => {}); // awaited below; a failure there is the report's failure
    decisionsQuery.catch(() => {});
    if (concurrent) {
      anomaliesQuery = anomalies(others, ref, year, operator, viewer, parks);
      anomaliesQuery.catch(() => {});
    } else {
      await Promise.all([totalsQuery, decisionsQuery]);
    }
    for (const part of parts) {
      // the pairing hashes one side and sorts its rows: in memory on PostgreSQL, not spilled to disk
      if (part.owned && isPostgres(knex)) await part.trx.raw(`set local work_mem = '${PAIRING_WORK_MEM}'`);
      const range = rangeOf(part.range);
      await part.trx.raw(
        `declare ${part.cursor} no scroll cursor for ${PAIRING_SQL(parks.length > 1, onlyPark.sql, range.sql)}`,
        [
          ...[parks, from, to, ...range.bindings, parks, from, to, ...range.bindings, operator, from, to],
          ...range.bindings,
          ...onlyPark.bindings,
        ],
      );
      part.declared = true;
    }
    const fetch = async (part: Part): Promise<PairTuple[]> => {
      const rows = (
        (await part.trx.raw(`fetch forward ${batchRows} from ${part.cursor}`).options({ rowMode: "array" })) as {
          rows: PairTuple[];
        }
      ).rows;
      if (rows.length < batchRows) part.ended = true;
      return rows;
    };

    // the rows that differ come first in each range: every one of them is needed before the summary
    // can be told. Every range's first batch is asked for at once: their backends pair meanwhile.
    const differing: { item: ReconciliationItem; row: PairRow; effect: bigint }[] = [];
    const firsts = await Promise.all(parts.map(fetch));
    for (const [i, part] of parts.entries()) {
      let rows = firsts[i]!;
      for (;;) {
        const at = rows.findIndex((t) => t[1] === "matched");
        for (const t of at < 0 ? rows : rows.slice(0, at)) differing.push(differingItem(ref, parks, t));
        if (at >= 0) part.pending = rows.slice(at);
        if (at >= 0 || part.ended) break;
        rows = await fetch(part);
      }
    }

    const totals = await totalsQuery;
    const decisions = await decisionsQuery;
    const counts = {
      matched: 0,
      amount_mismatch: 0,
      missing_in_operator: 0,
      missing_in_prefecture: 0,
      matched_by_decision: 0,
    };
    let shareEffect = 0n;
    for (const d of differing) {
      counts[d.item.status] += 1;
      shareEffect += d.effect;
    }
    // every receipt of the prefecture's side is one item, matched or not
    const matchedRows = Number(totals.receipts) - counts.amount_mismatch - counts.missing_in_operator;
    counts.matched = matchedRows;
    // the numbers some decision names, on either side: only their items are looked at again
    const decided = new Set<string>();
    for (const d of decisions.values()) decided.add(d.receipt_no).add(d.counterpart_no);
    const decidedItems = new Map<string, { item: ReconciliationItem; row: PairRow }>();
    for (const d of differing) if (decided.has(d.item.receipt_no)) decidedItems.set(d.item.receipt_no, d);
    const rejected = applyDecisions(decisions, decidedItems, (before, after, effect) => {
      counts[before] -= 1;
      counts[after] += 1;
      shareEffect += effect;
    });
    const probable_pairs = pairProbable(
      differing.map((d) => d.item),
      rejected,
    );
    const prefectureTotal = toFen(totals.prefecture);
    const operatorTotal = toFen(totals.operator);
    const head: ReconciliationHead = {
      year,
      operator,
      park: parks.length === 1 ? parks[0]! : null,
      ...(parks.length > 1 ? { parks } : {}),
      summary: {
        ...counts,
        probable_pairs,
        prefecture_total: formatYuan(prefectureTotal),
        operator_total: formatYuan(operatorTotal),
        difference: formatYuan(prefectureTotal - operatorTotal),
        operator_share_booked: formatYuan(toFen(totals.share)),
        operator_share_difference: formatYuan(shareEffect),
      },
    };

    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      for (const part of parts) {
        if (!part.owned) await part.trx.raw(`close ${part.cursor}`);
        else await part.trx.commit();
      }
      if (beside !== null) {
        await anomaliesQuery?.catch(() => {}); // asked on it, and perhaps not yet answered
        await beside.commit();
      }
    };
    let read = false;
    async function* items(): AsyncGenerator<string> {
      if (read) throw new Error("the reconciliation's items are read once");
      read = true;
      try {
        let next = 0;
        let matched = 0;
        for (const part of parts) {
          let rows = part.pending;
          part.pending = [];
          for (;;) {
            const texts: string[] = [];
            for (const t of rows) {
              if (t[1] !== "matched") throw new Error(`reconciliation: ${t[0]} (${t[1]}) after the matched rows began`);
              while (next < differing.length && differing[next]!.item.receipt_no < t[0])
                texts.push(JSON.stringify(differing[next++]!.item));
              texts.push(matchedJson(t));
              matched += 1;
            }
            if (texts.length > 0) yield texts.join(",");
            if (part.ended) break;
            rows = await fetch(part);
          }
        }
        if (next < differing.length)
          yield differing
            .slice(next)
            .map((d) => JSON.stringify(d.item))
            .join(",");
        if (matched !== matchedRows)
          throw new Error(`reconciliation: ${matched} matched rows listed, but the totals count ${matchedRows}`);
      } finally {
        await close();
      }
    }
    return {
      head,
      count: matchedRows + differing.length,
      items,
      anomalies: async () => {
        // on one connection, after the cursor has let it go
        if (anomaliesQuery === null) {
          await close();
          anomaliesQuery = anomalies(knex, ref, year, operator, viewer, parks);
        }
        return anomaliesQuery;
      },
      close,
    };
  } catch (error) {
    for (const part of parts) {
      if (part.owned) await part.trx.rollback(error).catch(() => {});
      else if (part.declared) await part.trx.raw(`close ${part.cursor}`).catch(() => {});
    }
    if (beside !== null) await (beside as Knex.Transaction).rollback(error).catch(() => {});
    throw error;
  }
}

/** A range of receipt numbers paired through a cursor of its own. */
interface Part {
  trx: Knex.Transaction;
  /** Begun here (else the caller's transaction, left open). */
  owned: boolean;
  cursor: string;
  declared: boolean;
  /** From `low` (inclusive) to `high` (exclusive), in code-point order; null: no bound. */
  range: { low: string | null; high: string | null };
  /** The first matched rows, read with the last rows that differ. */
  pending: PairTuple[];
  ended: boolean;
}

/** A year of receipts is paired in two ranges; fewer are paired in one. */
const SPLIT_RECEIPTS_MIN = 200_000;

/**
 * Where to split the receipt numbers in two halves of about the same size: the middle of the
 * planner's histogram of them (no scan); none for a small table, or without statistics.
 */
async function splitPoints(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw(
    `select c.reltuples, s.histogram_bounds::text::text[] as bounds
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_stats s on s.schemaname = n.nspname and s.tablename = 'receipts' and s.attname = 'receipt_no'
      where n.nspname = current_schema() and c.relname = 'receipts'`,
  );
  const bounds = rows[0]?.bounds as string[] | null | undefined;
  if (Number(rows[0]?.reltuples ?? 0) < SPLIT_RECEIPTS_MIN || !Array.isArray(bounds) || bounds.length < 3) return [];
  return [bounds[Math.floor(bounds.length / 2)]!];
}

/** The condition on a side's receipt numbers (`r` and `s` alike: both are named `receipt_no`) for a range. */
function rangeOf(range: Part["range"]): { sql: string; bindings: string[] } {
  const sql: string[] = [];
  const bindings: string[] = [];
  if (range.low !== null) {
    sql.push(`and receipt_no collate "C" >= ?`);
    bindings.push(range.low);
  }
  if (range.high !== null) {
    sql.push(`and receipt_no collate "C" < ?`);
    bindings.push(range.high);
  }
  return { sql: sql.join(" "), bindings };
}

let cursors = 0;

/** The memory the pairing's hash and sort may take on PostgreSQL (its transaction's own setting). */
const PAIRING_WORK_MEM = "256MB";

const isPostgres = (knex: Knex | Knex.Transaction) =>
  (knex.client as { config?: { client?: unknown } }).config?.client === "pg";

/** A row that differs as an item, valued (the effect of the difference on the operator's share). */
function differingItem(
  ref: ReferenceData,
  parks: string[],
  t: PairTuple,
): { item: ReconciliationItem; row: PairRow; effect: bigint } {
  const [receipt_no, status, uscc, tax_code, collected_on, differences, p_amount, o_amount] = t;
  const row: PairRow = {
    p_fen: t[8],
    o_fen: t[9],
    p_operator_fen: t[10],
    p_scope: t[11],
    p_central_bp: t[12],
    p_operator_bp: t[13],
  };
  let effect: bigint;
  if (status === "amount_mismatch") effect = operatorShareOf(toFen(row.o_fen), row) - toFen(row.p_operator_fen);
  else if (status === "missing_in_operator") effect = -toFen(row.p_operator_fen);
  else {
    const o_park = t[14];
    const valuedIn = o_park !== null && parks.includes(o_park) ? o_park : parks[0]!;
    effect = statementShare(ref, valuedIn, toFen(row.o_fen), tax_code, collected_on);
  }
  const item: ReconciliationItem = {
    receipt_no,
    status,
    prefecture_amount: p_amount,
    operator_amount: o_amount,
    uscc,
    tax_code,
    collected_on,
    differences: differences === "" ? [] : differences.split(","),
    operator_share_effect: effect === 0n ? "0.00" : formatYuan(effect),
    probable_counterpart: null,
    decision: null,
  };
  return { item, row, effect };
}

/**
 * A matched row as its item's compact JSON, written out here: exactly `JSON.stringify` of the item
 * (its amounts and its date are the database's formatting, which needs no escaping).
 */
function matchedJson(t: PairTuple): string {
  const amount = t[6];
  const differences = t[5] === "" ? "[]" : JSON.stringify(t[5].split(","));
  return `{"receipt_no":${JSON.stringify(t[0])},"status":"matched","prefecture_amount":"${amount}","operator_amount":"${amount}","uscc":${JSON.stringify(t[2])},"tax_code":${JSON.stringify(t[3])},"collected_on":"${t[4]}","differences":${differences},"operator_share_effect":"0.00","probable_counterpart":null,"decision":null}`;
}

/** The totals of both sides and the operator's share booked, and how many receipts the prefecture's side holds. */
function totalsOf(
  k: Knex | Knex.Transaction,
  parks: string[],
  operator: string,
  from: string,
  to: string,
  onlyPark: { sql: string; bindings: string[] },
): Promise<{ prefecture: unknown; share: unknown; operator: unknown; receipts: unknown }> {
  const inParks = [parks, from, to];
  return k
    .raw(
      `select (select coalesce(sum(amount_fen), 0) from receipts where park = any(?::text[]) and collected_on between ? and ?)
            + (select coalesce(sum(r.amount_fen), 0) from ${REBOOKED_IN_PARKS}) as prefecture,
            (select count(*) from receipts where park = any(?::text[]) and collected_on between ? and ?)
            + (select count(*) from ${REBOOKED_IN_PARKS}) as receipts,
            (select coalesce(sum(operator_fen), 0) from receipts where park = any(?::text[]) and collected_on between ? and ?)
            + (select coalesce(sum(c.operator_fen), 0) from ${REBOOKED_IN_PARKS})
            + (select coalesce(sum(x.operator_delta_fen), 0) from receipt_resplits x join receipts r on r.id = x.receipt_id
                left join receipt_reclassifications c on c.receipt_id = r.id
                where coalesce(c.park, r.park) = any(?::text[]) and r.collected_on between ? and ?) as share,
            (select coalesce(sum(amount_fen), 0) from operator_statements s where party = ? and collected_on between ? and ? ${onlyPark.sql}) as operator`,
      [
        ...inParks,
        ...inParks,
        ...inParks,
        ...inParks,
        ...inParks,
        ...inParks,
        ...inParks,
        operator,
        from,
        to,
        ...onlyPark.bindings,
      ],
    )
    .then((r: { rows: { prefecture: unknown; share: unknown; operator: unknown; receipts: unknown }[] }) => r.rows[0]!);
}

/**
 * The pairing: both sides joined on the receipt number, the rows that differ first (with the figures
 * to value the difference), then the matched ones, each in receipt-number order (by code point, as
 * the items are listed); a matched row carries only what its item shows.
 */
const PAIRING_SQL = (manyParks: boolean, onlyParkSql: string, rangeSql: string) => `
  with p as (select ${P_COLUMNS} from receipts r left join ${RESPLITS_BY_RECEIPT} r_now on r_now.receipt_id = r.id
              where r.park = any(?::text[]) and r.collected_on between ? and ? ${rangeSql.replaceAll("receipt_no", "r.receipt_no")}
             union all
             -- rebooked out of suspense into these parks: matched there like any of their receipts
             select ${P_COLUMNS} from receipt_reclassifications c join receipts r on r.id = c.receipt_id
                    left join ${RESPLITS_BY_RECEIPT} r_now on r_now.receipt_id = r.id
              where c.park = any(?::text[]) and r.collected_on between ? and ? ${rangeSql.replaceAll("receipt_no", "r.receipt_no")}),
     o as (select receipt_no, uscc, tax_code, collected_on, amount_fen
             from operator_statements s where party = ? and collected_on between ? and ? ${rangeSql.replaceAll("receipt_no", "s.receipt_no")} ${onlyParkSql}),
     j as (select coalesce(p.receipt_no, o.receipt_no) as receipt_no,
                  case when p.receipt_no is null then 'missing_in_prefecture'
                       when o.receipt_no is null then 'missing_in_operator'
                       when p.amount_fen = o.amount_fen then 'matched' else 'amount_mismatch' end as status,
                  p.amount_fen as p_fen, o.amount_fen as o_fen,
                  coalesce(p.uscc, o.uscc) as uscc, coalesce(p.tax_code, o.tax_code) as tax_code,
                  coalesce(p.collected_on, o.collected_on)::text as collected_on,
                  concat_ws(',', case when p.uscc <> o.uscc then 'uscc' end, case when p.tax_code <> o.tax_code then 'tax_code' end,
                            case when p.collected_on <> o.collected_on then 'collected_on' end) as differences,
                  p.operator_fen, p.scope, p.central_share_bp, p.operator_share_bp,
                  case when p.receipt_no is null and ${manyParks ? "true" : "false"} then
                    (select st.park from enterprise_stays st where st.uscc = o.uscc and st.valid_from <= o.collected_on
                        and (st.valid_to is null or st.valid_to >= o.collected_on) limit 1) end as o_park
             from p full join o on o.receipt_no = p.receipt_no)
  select receipt_no, status, uscc, tax_code, collected_on, differences,
         (p_fen::numeric / 100)::numeric(20, 2)::text as p_amount,
         case when status <> 'matched' then (o_fen::numeric / 100)::numeric(20, 2)::text end as o_amount,
         case when status <> 'matched' then p_fen end as p_fen, case when status <> 'matched' then o_fen end as o_fen,
         case when status <> 'matched' then operator_fen end as p_operator_fen,
         case when status in ('amount_mismatch', 'missing_in_operator') then scope end as p_scope,
         case when status in ('amount_mismatch', 'missing_in_operator') then central_share_bp end as p_central_bp,
         case when status in ('amount_mismatch', 'missing_in_operator') then operator_share_bp end as p_operator_bp, o_park
    from j
   order by status = 'matched', receipt_no collate "C"`;

/** A prefecture receipt as the matching reads it: its operator share and terms as they stand. */
const P_COLUMNS = `r.receipt_no, r.uscc, r.tax_code, r.collected_on, r.amount_fen, ${splitNow("r", "operator_fen")} as operator_fen,
  r.scope, ${termNow("r", "central_share_bp")} as central_share_bp, ${termNow("r", "operator_share_bp")} as operator_share_bp`;

/** Receipts rebooked out of suspense into `parks` collected between two days (bindings: parks, from, to). */
const REBOOKED_IN_PARKS = `receipt_reclassifications c join receipts r on r.id = c.receipt_id
  where c.park = any(?::text[]) and r.collected_on between ? and ?`;

/**
 * With a park named, the condition on statement rows (`s`) that keeps that park's: booked there, or
 * booked in no park with the enterprise there that day. Without one, every row of the party.
 */
export function statementRowsOf(park: string | undefined): { sql: string; bindings: string[] } {
  if (park === undefined) return { sql: "", bindings: [] };
  return {
    sql: `and (exists (select 1 from receipts b left join receipt_reclassifications c on c.receipt_id = b.id
                        where b.receipt_no = s.receipt_no and coalesce(c.park, b.park) = ?)
            or (not exists (select 1 from receipts b left join receipt_reclassifications c on c.receipt_id = b.id
                             where b.receipt_no = s.receipt_no and coalesce(c.park, b.park) is not null)
                and exists (select 1 from enterprise_stays st where st.uscc = s.uscc and st.park = ?
                               and st.valid_from <= s.collected_on and (st.valid_to is null or st.valid_to >= s.collected_on))))`,
    bindings: [park, park],
  };
}

/** Without an operator, in the full view only: each operator's summary against the prefecture, and the cross-checks. */
export async function reconciliationOverview(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
): Promise<{
  year: number;
  parties: { operator: string; park: string | null; parks?: string[]; summary: ReconciliationSummary }[];
  anomalies: Anomaly[];
}> {
  const parties = [];
  const found = new Map<string, Anomaly>();
  for (const operator of ref.operators) {
    const open = await openReconciliation(knex, ref, year, operator, FULL_VIEW);
    await open.close(); // the summary is all it needs
    const r = open.head;
    parties.push({ operator, park: r.park, ...(r.parks ? { parks: r.parks } : {}), summary: r.summary });
    for (const a of await open.anomalies()) {
      const key =
        a.kind === "claimed_by_both_operators" && !a.detail.includes(" lists ")
          ? `${a.receipt_no ?? ""}|${a.uscc}`
          : JSON.stringify(a);
      if (!found.has(key)) found.set(key, a);
    }
  }
  return { year, parties, anomalies: [...found.values()] };
}

export { overviewTabular, reconciliationTabular } from "./reconciliation-tabular.js";
