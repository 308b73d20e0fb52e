// The reconciliation (对账单) between the prefecture's books and an operator's own statement of its
// parks' receipts for a year (statement rows are per party, so the operator's view is over every park
// it runs; with a park, that park's receipts and the statement rows booked there or whose enterprise
// stayed there): every receipt of the park and every statement row falls in exactly one
// status, matched by receipt number; the totals and their difference; what the differences would
// change in the operator's share; probable counterparts where numbers differ (for a person to
// confirm, never counted as matched until a person has); the decisions people recorded on such pairs
// (src/services/reconciliation-decisions.ts: a confirmed pair is matched_by_decision, a rejected pair is
// never suggested again); and the anomalies a finance officer must see.
// Who looks matters (./viewer.ts): the prefecture and the auditors see every cross-check; an operator
// sees its own park's rows and the suspense receipts linked to it, and nothing that tells it what the
// other operator's statement holds or where another park's receipt is booked.

import type { Knex } from "knex";
import type { z } from "zod";
import type { ReconciliationShape } from "./shapes.js";
import { splitReceipt } from "../ledger/allocate.js";
import { formatYuan, parseYuan, toFen, type Fen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { RESPLITS_BY_RECEIPT, splitNow, termNow } from "../src/repositories/resplits.js";
import { decisionsInForce, pairKey, type DecisionInForce } from "../src/repositories/reconciliation-decisions.js";
import { operatorParks } from "./settlement.js";
import { STILL_HELD, suspenseSight } from "./suspense.js";
import { FULL_VIEW, parksOf, type Viewer } from "./viewer.js";

/** The reconciliation's JSON (reports/shapes.ts declares it, once). */
export type Reconciliation = z.infer<typeof ReconciliationShape>;
export type ReconciliationItem = Reconciliation["items"][number];
export type ReconciliationStatus = ReconciliationItem["status"];
export type Anomaly = Reconciliation["anomalies"][number];
export type ReconciliationSummary = Reconciliation["summary"];

/** Shared by every item whose two records agree: a million empty arrays would be a million objects. */
const NO_DIFFERENCES: string[] = Object.freeze([]) as unknown as string[];

/** Receipts a few days apart with the same enterprise, tax and amount are probably one receipt. */
const PROBABLE_DAYS_MAX = 3;

/** A row of the pairing query, as the driver hands it back in array mode (fewer objects for a million rows). */
type PairTuple = [
  receipt_no: string,
  status: ReconciliationStatus,
  uscc: string,
  tax_code: string,
  collected_on: string,
  differences: string,
  p_amount: string | null,
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

function pairRow(t: PairTuple): PairRow {
  return {
    receipt_no: t[0],
    status: t[1],
    uscc: t[2],
    tax_code: t[3],
    collected_on: t[4],
    differences: t[5],
    p_amount: t[6],
    o_amount: t[7],
    p_fen: t[8],
    o_fen: t[9],
    p_operator_fen: t[10],
    p_scope: t[11],
    p_central_bp: t[12],
    p_operator_bp: t[13],
    o_park: t[14],
  };
}

interface PairRow {
  receipt_no: string;
  status: ReconciliationStatus;
  uscc: string;
  tax_code: string;
  collected_on: string;
  differences: string;
  /** Formatted by the database; null on the side that lacks the row. */
  p_amount: string | null;
  o_amount: string | null;
  /** The figures to value a difference, only on rows that differ. */
  p_fen: unknown;
  o_fen: unknown;
  p_operator_fen: unknown;
  p_scope: "gross" | "local" | null;
  p_central_bp: number | null;
  p_operator_bp: number | null;
  o_park: string | null;
}

/**
 * The reconciliation with `operator` as `viewer` sees it: the full view (prefecture, auditors, command
 * line) or that operator's own. In an operator's view a statement row the prefecture booked in another
 * park, or that the other operator also lists, is simply missing_in_prefecture.
 */
export async function reconciliation(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  viewer: Viewer,
  park?: string,
): Promise<Reconciliation> {
  if (viewer.kind === "operator" && viewer.operator !== operator)
    throw new Error(`${viewer.operator}'s view of ${operator}'s reconciliation: access.ts should have refused it`);
  const parks = operatorParks(ref, operator, park).map((p) => p.code);
  const onlyPark = statementRowsOf(park === undefined ? undefined : parks[0]!);
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  // The totals and the anomalies are asked for at once, on other connections of the pool, while the
  // database pairs the two sides and formats what a matched row shows; only rows that differ come
  // back with the figures needed to value the difference (a year may hold millions of rows).
  const totalsQuery = knex.raw(
    `select (select coalesce(sum(amount_fen), 0) from receipts where park = any(?::text[]) and collected_on between ? and ?)
            + (select coalesce(sum(r.amount_fen), 0) from ${REBOOKED_IN_PARKS}) as prefecture,
            (select coalesce(sum(operator_fen), 0) from receipts where park = any(?::text[]) and collected_on between ? and ?)
            + (select coalesce(sum(c.operator_fen), 0) from ${REBOOKED_IN_PARKS})
            + (select coalesce(sum(x.operator_delta_fen), 0) from receipt_resplits x join receipts r on r.id = x.receipt_id
                left join receipt_reclassifications c on c.receipt_id = r.id
                where coalesce(c.park, r.park) = any(?::text[]) and r.collected_on between ? and ?) as share,
            (select coalesce(sum(amount_fen), 0) from operator_statements s where party = ? and collected_on between ? and ? ${onlyPark.sql}) as operator`,
    [
      parks,
      from,
      to,
      parks,
      from,
      to,
      parks,
      from,
      to,
      parks,
      from,
      to,
      parks,
      from,
      to,
      operator,
      from,
      to,
      ...onlyPark.bindings,
    ],
  );
  const anomaliesQuery = anomalies(knex, ref, year, operator, viewer, parks);
  totalsQuery.catch(() => {}); // awaited below; a failure there is the report's failure
  anomaliesQuery.catch(() => {});
  const decisionsQuery = decisionsInForce(knex, year, operator);
  decisionsQuery.catch(() => {});
  const { rows } = (await knex
    .raw(
      `with p as (select ${P_COLUMNS} from receipts r left join ${RESPLITS_BY_RECEIPT} r_now on r_now.receipt_id = r.id
                   where r.park = any(?::text[]) and r.collected_on between ? and ?
                  union all
                  -- rebooked out of suspense into these parks: matched there like any of their receipts
                  select ${P_COLUMNS} from receipt_reclassifications c join receipts r on r.id = c.receipt_id
                         left join ${RESPLITS_BY_RECEIPT} r_now on r_now.receipt_id = r.id
                   where c.park = any(?::text[]) and r.collected_on between ? and ?),
          o as (select receipt_no, uscc, tax_code, collected_on, amount_fen
                  from operator_statements s where party = ? and collected_on between ? and ? ${onlyPark.sql}),
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
                       case when p.receipt_no is null and ${parks.length > 1 ? "true" : "false"} then
                         (select st.park from enterprise_stays st where st.uscc = o.uscc and st.valid_from <= o.collected_on
                             and (st.valid_to is null or st.valid_to >= o.collected_on) limit 1) end as o_park
                  from p full join o on o.receipt_no = p.receipt_no)
     select receipt_no, status, uscc, tax_code, collected_on, differences,
            (p_fen::numeric / 100)::numeric(20, 2)::text as p_amount, (o_fen::numeric / 100)::numeric(20, 2)::text as o_amount,
            case when status <> 'matched' then p_fen end as p_fen, case when status <> 'matched' then o_fen end as o_fen,
            case when status <> 'matched' then operator_fen end as p_operator_fen,
            case when status in ('amount_mismatch', 'missing_in_operator') then scope end as p_scope,
            case when status in ('amount_mismatch', 'missing_in_operator') then central_share_bp end as p_central_bp,
            case when status in ('amount_mismatch', 'missing_in_operator') then operator_share_bp end as p_operator_bp, o_park
       from j`,
      [parks, from, to, parks, from, to, operator, from, to, ...onlyPark.bindings],
    )
    .options({ rowMode: "array" })) as { rows: PairTuple[] };
  const totals = (await totalsQuery).rows[0];
  const prefectureTotal = toFen(totals.prefecture);
  const operatorTotal = toFen(totals.operator);
  const shareBooked = toFen(totals.share);
  const decisions = await decisionsQuery;
  // the numbers some decision names, on either side: only their items are looked at again below
  const decided = new Set<string>();
  for (const d of decisions.values()) decided.add(d.receipt_no).add(d.counterpart_no);
  const decidedItems = new Map<string, { item: ReconciliationItem; row: PairRow }>();

  let shareEffect = 0n;
  const counts = {
    matched: 0,
    amount_mismatch: 0,
    missing_in_operator: 0,
    missing_in_prefecture: 0,
    matched_by_decision: 0,
  };
  const items: ReconciliationItem[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [receipt_no, status, uscc, tax_code, collected_on, differences, p_amount, o_amount] = rows[i]!;
    let effect = 0n;
    let r: PairRow | null = null;
    if (status !== "matched") {
      r = pairRow(rows[i]!);
      if (status === "amount_mismatch") effect = operatorShareOf(toFen(r.o_fen), r) - toFen(r.p_operator_fen);
      else if (status === "missing_in_operator") effect = -toFen(r.p_operator_fen);
      else {
        const valuedIn = r.o_park !== null && parks.includes(r.o_park) ? r.o_park : parks[0]!;
        effect = statementShare(ref, valuedIn, toFen(r.o_fen), tax_code, collected_on);
      }
    }
    counts[status] += 1;
    shareEffect += effect;
    items[i] = {
      receipt_no,
      status,
      prefecture_amount: p_amount,
      operator_amount: o_amount,
      uscc,
      tax_code,
      collected_on,
      differences: differences === "" ? NO_DIFFERENCES : differences.split(","),
      operator_share_effect: effect === 0n ? "0.00" : formatYuan(effect),
      probable_counterpart: null,
      decision: null,
    };
    if (r !== null && decided.has(receipt_no)) decidedItems.set(receipt_no, { item: items[i]!, row: r });
  }
  const rejected = applyDecisions(decisions, decidedItems, (before, after, effect) => {
    counts[before] -= 1;
    counts[after] += 1;
    shareEffect += effect;
  });
  // in receipt-number order (sorted here: the database would spill a million rows to disk to sort them)
  items.sort((a, b) => (a.receipt_no < b.receipt_no ? -1 : a.receipt_no > b.receipt_no ? 1 : 0));
  const probable_pairs = pairProbable(items, rejected);
  return {
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
      operator_share_booked: formatYuan(shareBooked),
      operator_share_difference: formatYuan(shareEffect),
    },
    items,
    anomalies: await anomaliesQuery,
  };
}

/** A receipt of a stay (`st`) booked in its park, or rebooked there out of suspense. */
const IN_STAY_PARK = `(r.park = st.park or exists (select 1 from receipt_reclassifications c where c.receipt_id = r.id and c.park = st.park))`;

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

/** The operator's share of `amount` under the terms the receipt stands with (booked, or as last re-split). */
function operatorShareOf(amount: Fen, r: PairRow): Fen {
  if (r.p_operator_bp === null) return 0n;
  return splitReceipt(amount, {
    scope: r.p_scope ?? "local",
    central_share_bp: r.p_central_bp ?? 0,
    operator_share_bp: r.p_operator_bp,
    rounding: "half_up",
  }).operator_fen;
}

/**
 * The operator's share of a statement row the prefecture has not booked, as if it were booked on its
 * date: statement rows carry no scope, so they are valued as local-scope receipts (the CSV default).
 */
function statementShare(ref: ReferenceData, park: string, amount: Fen, tax_code: string, on: string): Fen {
  const agreement = ref.agreementOn(park, on);
  const tax = ref.tax(tax_code);
  if (agreement === undefined || tax === undefined) return 0n;
  if (!tax.is_tax && !agreement.shared_non_tax.includes(tax.code)) return 0n;
  return splitReceipt(amount, {
    scope: "local",
    central_share_bp: 0,
    operator_share_bp: agreement.operator_share_bp,
    rounding: "half_up",
  }).operator_fen;
}

/**
 * The decisions in force on pairs of this reconciliation's items. A confirmed pair whose receipt is
 * still missing_in_operator and whose counterpart still missing_in_prefecture, of one enterprise and
 * tax, becomes matched_by_decision on both sides: the counterpart's effect is none, the receipt's is
 * what the operator's figure would change in its share, valued as an amount_mismatch is (none when the
 * amounts agree). `moved` is told of each item's move and the change of its effect. Every item of a
 * decided pair carries the decision in force (the confirmed one first). Answers the rejected pairs'
 * keys, which are never suggested again.
 */
function applyDecisions(
  decisions: Map<string, DecisionInForce>,
  decided: Map<string, { item: ReconciliationItem; row: PairRow }>,
  moved: (before: ReconciliationStatus, after: ReconciliationStatus, effect: Fen) => void,
): Set<string> {
  const rejected = new Set<string>();
  if (decisions.size === 0) return rejected;
  const confirmed: DecisionInForce[] = [];
  for (const [key, d] of decisions) {
    if (d.decision === "reject") rejected.add(key);
    else confirmed.push(d);
  }
  for (const d of confirmed) {
    const p = decided.get(d.receipt_no);
    const o = decided.get(d.counterpart_no);
    if (p === undefined || o === undefined) continue;
    if (p.item.status !== "missing_in_operator" || o.item.status !== "missing_in_prefecture") continue;
    if (p.item.uscc !== o.item.uscc || p.item.tax_code !== o.item.tax_code) continue;
    const pEffect = parseYuan(p.item.operator_share_effect)!;
    const oEffect = parseYuan(o.item.operator_share_effect)!;
    const amountsAgree = toFen(p.row.p_fen) === toFen(o.row.o_fen);
    const effect = amountsAgree ? 0n : operatorShareOf(toFen(o.row.o_fen), p.row) - toFen(p.row.p_operator_fen);
    for (const [side, before, after] of [
      [p, pEffect, effect],
      [o, oEffect, 0n],
    ] as const) {
      const was = side.item.status;
      side.item.status = "matched_by_decision";
      side.item.operator_share_effect = after === 0n ? "0.00" : formatYuan(after);
      side.item.decision = decisionOf(d);
      moved(was, "matched_by_decision", after - before);
    }
  }
  // the other decided items carry the latest decision on a pair they are in
  const latest = [...decisions.values()].sort((a, b) => (a.decided_at < b.decided_at ? 1 : -1));
  for (const d of latest) {
    for (const no of [d.receipt_no, d.counterpart_no]) {
      const side = decided.get(no);
      if (side !== undefined && side.item.decision === null) side.item.decision = decisionOf(d);
    }
  }
  return rejected;
}

function decisionOf(d: DecisionInForce): NonNullable<ReconciliationItem["decision"]> {
  return {
    receipt_no: d.receipt_no,
    counterpart_no: d.counterpart_no,
    decision: d.decision,
    reason: d.reason,
    party: d.party,
    user: d.user,
    decided_at: d.decided_at,
  };
}

/**
 * Pairs unmatched rows of the two sides with the same enterprise, tax and amount, a few days apart,
 * never a pair a person rejected (`rejected`, by pairKey).
 */
function pairProbable(items: ReconciliationItem[], rejected: Set<string>): number {
  const key = (i: ReconciliationItem, amount: string | null) => `${i.uscc}|${i.tax_code}|${amount}`;
  const waiting = new Map<string, ReconciliationItem[]>();
  for (const item of items) {
    if (item.status === "missing_in_operator") {
      const k = key(item, item.prefecture_amount);
      const list = waiting.get(k) ?? [];
      list.push(item);
      waiting.set(k, list);
    }
  }
  let pairs = 0;
  for (const item of items) {
    if (item.status !== "missing_in_prefecture") continue;
    const candidates = waiting.get(key(item, item.operator_amount));
    if (candidates === undefined) continue;
    const at = candidates.findIndex(
      (c) =>
        c.probable_counterpart === null &&
        daysApart(c.collected_on, item.collected_on) <= PROBABLE_DAYS_MAX &&
        (rejected.size === 0 || !rejected.has(pairKey(c.receipt_no, item.receipt_no))),
    );
    if (at < 0) continue;
    const counterpart = candidates[at]!;
    counterpart.probable_counterpart = item.receipt_no;
    item.probable_counterpart = counterpart.receipt_no;
    candidates.splice(at, 1);
    pairs += 1;
  }
  return pairs;
}

function daysApart(a: string, b: string): number {
  return Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;
}

/**
 * Flags still set in BZ, receipts and enterprises both operators claim, and receipts in suspense. The
 * cross-checks between operators are the full view's only: each tells of another party's statement or
 * books. An operator sees the suspense receipts linked to its parks (./suspense.ts).
 */
async function anomalies(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  viewer: Viewer,
  parks: string[],
): Promise<Anomaly[]> {
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const found: Anomaly[] = [];
  if (operator === "bingtuan") {
    const flags = await knex.raw(
      `select st.uscc, e.name, st.park, st.valid_from, st.valid_to from enterprise_stays st join enterprises e on e.uscc = st.uscc
        where st.park = any(?::text[]) and st.bingtuan_flag and st.valid_from <= ? and (st.valid_to is null or st.valid_to >= ?)
        order by st.uscc, st.valid_from`,
      [parks, to, from],
    );
    for (const f of flags.rows) {
      found.push({
        kind: "bingtuan_flag_set",
        uscc: f.uscc,
        enterprise: f.name,
        detail: `in ${f.park} from ${f.valid_from}${f.valid_to ? ` to ${f.valid_to}` : ""} and still carries the Bingtuan enterprise flag: its taxes would bypass the split`,
      });
    }
  }
  found.push(...(await flagsAfterRemoval(knex, parks, from, to)));
  if (viewer.kind === "full") found.push(...(await crossChecks(knex, ref, from, to, operator)));
  const sight = suspenseSight(viewer);
  const registry =
    viewer.kind === "full" ? "the registry" : `the registry of ${parksOf(ref, viewer.operator).join(", ")}`;
  const suspense = await knex.raw(
    `select r.receipt_no, r.uscc, ${sight.name} as name, r.amount_fen, r.collected_on
       from receipts r left join enterprises e on e.uscc = r.uscc
      where r.status = 'suspense' and r.collected_on between ? and ? and ${sight.linked} and ${STILL_HELD}
      order by r.collected_on, r.receipt_no`,
    [...sight.name_bindings, from, to, ...sight.linked_bindings],
  );
  for (const s of suspense.rows) {
    found.push({
      kind: "suspense",
      uscc: s.uscc,
      receipt_no: s.receipt_no,
      enterprise: s.name ?? null,
      amount: formatYuan(toFen(s.amount_fen)),
      detail: `held in suspense since ${s.collected_on}: ${s.name ? "the enterprise was in no park that day" : `the enterprise is not in ${registry}`}`,
    });
  }
  return found;
}

/**
 * Stays in the operator's parks whose Bingtuan flag is still set after the day the registry says it was
 * removed (`bingtuan_flag_removed_on`), in the year, with the receipts booked for them in those parks
 * from that day on in the year (their count and amount).
 */
async function flagsAfterRemoval(
  knex: Knex | Knex.Transaction,
  parks: string[],
  from: string,
  to: string,
): Promise<Anomaly[]> {
  const { rows } = await knex.raw(
    `select st.uscc, e.name, st.park, st.valid_from, st.valid_to, st.bingtuan_flag_removed_on,
            (select count(*) from receipts r where r.uscc = st.uscc and ${IN_STAY_PARK} and r.refund_of_id is null
                and r.collected_on >= greatest(st.bingtuan_flag_removed_on, st.valid_from, ?::date)
                and r.collected_on <= least(coalesce(st.valid_to, ?::date), ?::date)) as receipts,
            (select coalesce(sum(r.amount_fen), 0) from receipts r where r.uscc = st.uscc and ${IN_STAY_PARK}
                and r.refund_of_id is null and r.collected_on >= greatest(st.bingtuan_flag_removed_on, st.valid_from, ?::date)
                and r.collected_on <= least(coalesce(st.valid_to, ?::date), ?::date)) as amount_fen
       from enterprise_stays st join enterprises e on e.uscc = st.uscc
      where st.park = any(?::text[]) and st.bingtuan_flag and st.bingtuan_flag_removed_on is not null
        and st.bingtuan_flag_removed_on <= ?::date and coalesce(st.valid_to, 'infinity'::date) >= st.bingtuan_flag_removed_on
        and coalesce(st.valid_to, 'infinity'::date) >= ?::date
      order by st.uscc, st.valid_from`,
    [from, to, to, from, to, to, parks, to, from],
  );
  return rows.map((f: Record<string, unknown>) => ({
    kind: "bingtuan_flag_after_removal" as const,
    uscc: f.uscc as string,
    enterprise: f.name as string,
    amount: formatYuan(toFen(f.amount_fen)),
    detail: `in ${String(f.park)} from ${String(f.valid_from)}${f.valid_to ? ` to ${String(f.valid_to)}` : ""}: the Bingtuan enterprise flag was removed on ${String(f.bingtuan_flag_removed_on)} and is still set; ${Number(f.receipts)} receipts booked since then this year`,
  }));
}

/** Statement rows the other operator also lists, or that the books or the registry put in another park. */
async function crossChecks(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  from: string,
  to: string,
  operator: string,
): Promise<Anomaly[]> {
  const found: Anomaly[] = [];
  const others = ref.operators.filter((o) => o !== operator);
  // a receipt number or an enterprise that another operator's statement also lists
  const seen = new Set<string>();
  for (const other of others) {
    const both = await knex.raw(
      `select s.receipt_no, s.uscc from operator_statements s
        where s.party = ? and s.collected_on between ? and ?
          and exists (select 1 from operator_statements t where t.party = ? and t.receipt_no = s.receipt_no)
        order by s.receipt_no`,
      [operator, from, to, other],
    );
    for (const b of both.rows) {
      if (seen.has(`r|${b.receipt_no}`)) continue;
      seen.add(`r|${b.receipt_no}`);
      found.push({
        kind: "claimed_by_both_operators",
        uscc: b.uscc,
        receipt_no: b.receipt_no,
        detail: `receipt ${b.receipt_no} is in the statements of ${operator} and ${other}`,
      });
    }
    const bothEnterprises = await knex.raw(
      `select distinct s.uscc from operator_statements s
        where s.party = ? and s.collected_on between ? and ?
          and exists (select 1 from operator_statements t where t.party = ? and t.uscc = s.uscc and t.collected_on between ? and ?)
        order by s.uscc`,
      [operator, from, to, other, from, to],
    );
    for (const b of bothEnterprises.rows) {
      if (seen.has(`e|${b.uscc}`)) continue;
      seen.add(`e|${b.uscc}`);
      found.push({
        kind: "claimed_by_both_operators",
        uscc: b.uscc,
        detail: `enterprise ${b.uscc} appears in the statements of ${operator} and ${other}`,
      });
    }
  }
  // a statement row the prefecture has not booked in this operator's park, but in another park, or
  // whose enterprise the registry puts in another park that day
  const own = ref.parksRunBy(operator).map((p) => p.code);
  const elsewhere = await knex.raw(
    `select s.receipt_no, s.uscc, s.collected_on, coalesce(c.park, r.park) as booked_park, st.park as registry_park
       from operator_statements s
       left join receipts r on r.receipt_no = s.receipt_no
       left join receipt_reclassifications c on c.receipt_id = r.id
       left join enterprise_stays st on st.uscc = s.uscc and st.valid_from <= s.collected_on
                                    and (st.valid_to is null or st.valid_to >= s.collected_on)
      where s.party = ? and s.collected_on between ? and ?
        and not exists (select 1 from receipts b left join receipt_reclassifications bc on bc.receipt_id = b.id
                         where b.receipt_no = s.receipt_no and coalesce(bc.park, b.park) = any(?::text[]) and b.collected_on between ? and ?)
        and ((coalesce(c.park, r.park) is not null and coalesce(c.park, r.park) <> all(?::text[]))
             or (st.park is not null and st.park <> all(?::text[]) and coalesce(c.park, r.park) is null))
      order by s.receipt_no`,
    [operator, from, to, own, from, to, own, own],
  );
  for (const e of elsewhere.rows) {
    const where = e.booked_park ?? e.registry_park;
    const other = ref.park(where)?.operator ?? where;
    found.push({
      kind: "claimed_by_both_operators",
      uscc: e.uscc,
      receipt_no: e.receipt_no,
      detail: `${operator} lists receipt ${e.receipt_no} of ${e.collected_on}, which the ${e.booked_park ? "prefecture's books" : "registry"} put in ${where} (${other})`,
    });
  }
  return found;
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
    const r = await reconciliation(knex, ref, year, operator, FULL_VIEW);
    parties.push({ operator, park: r.park, ...(r.parks ? { parks: r.parks } : {}), summary: r.summary });
    for (const a of r.anomalies) {
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
