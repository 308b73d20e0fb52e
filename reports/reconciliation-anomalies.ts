// The anomalies of the reconciliation (reports/reconciliation.ts) a finance officer must see: Bingtuan
// flags still set, or still set after the registry says they were removed; receipts and enterprises
// both operators claim (the full view's only: each tells of another party's statement or books); and
// the receipts in suspense the viewer may see (./suspense.ts).

import type { Knex } from "knex";
import { formatYuan, toFen } from "../ledger/money.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Anomaly } from "./reconciliation.js";
import { STILL_HELD, suspenseSight } from "./suspense.js";
import { parksOf, type Viewer } from "./viewer.js";

/** A receipt of a stay (`st`) booked in its park, or rebooked there out of suspense. */
const IN_STAY_PARK = `(r.park = st.park or exists (select 1 from receipt_reclassifications c where c.receipt_id = r.id and c.park = st.park))`;

/**
 * Flags still set in BZ, receipts and enterprises both operators claim, and receipts in suspense. The
 * cross-checks between operators are the full view's only: each tells of another party's statement or
 * books. An operator sees the suspense receipts linked to its parks (./suspense.ts).
 */
export async function anomalies(
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
