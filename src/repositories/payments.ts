// Every statement on `payments`, and the settled debts they pay: the closures with a balance due
// other than zero (src/services/settle.ts), each with what has been paid of it. Closures and payments
// are few (one closure per operator, park and year; a payment or two each), so they are read whole and
// added up here in fen, never in SQL floats. A closure recorded before closures named their park
// (migrations/016) closed every park of its operator: the payments of any of them pay it.

import type { Knex } from "knex";
import { toFen, type Fen } from "../../ledger/money.js";
import { beijingDate, debtOf, type DebtDirection, type PaymentMethod } from "../../ledger/payments.js";
import type { ReferenceData } from "./reference.js";

/** A payment as recorded. */
export interface PaymentRow {
  id: string;
  ref: string;
  operator: string;
  host: string;
  park: string;
  settled_year: number;
  direction: DebtDirection;
  method: PaymentMethod;
  amount_fen: Fen;
  paid_on: string;
  fiscal_year: number;
  entry_id: string;
  content_hash: string;
  party: string;
  request_id: string | null;
  recorded_at: string;
}

/** A settled balance as a debt, with the payments of it. */
export interface Debt {
  operator: string;
  host: string;
  /** The closure's park; null for a closure of every park of the operator (before closures named parks). */
  park: string | null;
  year: number;
  direction: DebtDirection;
  debtor: string;
  creditor: string;
  /** The settled balance, positive, owed by the debtor to the creditor. */
  amount_fen: Fen;
  /** The day the year was settled, in Beijing time: when the balance became due. */
  due_on: string;
  closed_at: string;
  /** Its payments, oldest first. */
  payments: PaymentRow[];
}

export interface DebtFilter {
  ref?: string | undefined;
  operator?: string | undefined;
  park?: string | undefined;
  year?: number | undefined;
}

const dateText = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
const instantText = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

export async function paymentRows(knex: Knex | Knex.Transaction, filter: DebtFilter = {}): Promise<PaymentRow[]> {
  const q = knex("payments")
    .select("*", knex.raw("to_char(paid_on, 'YYYY-MM-DD') as paid_on_text"))
    .orderBy([{ column: "paid_on" }, { column: "id" }]);
  if (filter.ref !== undefined) q.where("ref", filter.ref);
  if (filter.operator !== undefined) q.where("operator", filter.operator);
  if (filter.park !== undefined) q.where("park", filter.park);
  if (filter.year !== undefined) q.where("settled_year", filter.year);
  const rows = (await q) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: String(r.id),
    ref: String(r.ref),
    operator: String(r.operator),
    host: String(r.host),
    park: String(r.park),
    settled_year: Number(r.settled_year),
    direction: r.direction as DebtDirection,
    method: r.method as PaymentMethod,
    amount_fen: toFen(r.amount_fen),
    paid_on: typeof r.paid_on_text === "string" ? r.paid_on_text : dateText(r.paid_on),
    fiscal_year: Number(r.fiscal_year),
    entry_id: String(r.entry_id),
    content_hash: String(r.content_hash),
    party: String(r.party),
    request_id: (r.request_id as string | null) ?? null,
    recorded_at: instantText(r.recorded_at),
  }));
}

/** The recorded payment under `ref`, or undefined. */
export async function paymentByRef(knex: Knex | Knex.Transaction, ref: string): Promise<PaymentRow | undefined> {
  const [row] = await paymentRows(knex, { ref });
  return row;
}

/** The settled balances other than zero, as debts with their payments, ordered by year, operator and park. */
export async function settledDebts(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  filter: DebtFilter = {},
): Promise<Debt[]> {
  const q = knex("closures")
    .select("operator", "park", "year", "balance_due_fen", "closed_at")
    .whereNot("balance_due_fen", 0)
    .orderBy([{ column: "year" }, { column: "operator" }, { column: "park" }]);
  if (filter.operator !== undefined) q.where("operator", filter.operator);
  if (filter.year !== undefined) q.where("year", filter.year);
  if (filter.park !== undefined) q.where((w) => w.where("park", filter.park!).orWhereNull("park"));
  const closures = (await q) as Record<string, unknown>[];
  const payments = await paymentRows(knex, { operator: filter.operator, year: filter.year });
  const debts: Debt[] = [];
  for (const c of closures) {
    const operator = String(c.operator);
    const park = (c.park as string | null) ?? null;
    const year = Number(c.year);
    const host = hostOf(ref, operator, park);
    const debt = debtOf(toFen(c.balance_due_fen), host, operator);
    if (debt === null) continue;
    const closed_at = instantText(c.closed_at);
    debts.push({
      operator,
      host,
      park,
      year,
      ...debt,
      due_on: beijingDate(new Date(closed_at)),
      closed_at,
      payments: payments.filter(
        (p) => p.operator === operator && p.settled_year === year && (park === null || p.park === park),
      ),
    });
  }
  return debts;
}

/** The host of the operator's park; of its parks, for a closure of all of them (they share one host). */
function hostOf(ref: ReferenceData, operator: string, park: string | null): string {
  const p = park === null ? ref.parksRunBy(operator)[0] : ref.park(park);
  return p?.host ?? ref.parks.find((x) => x.host !== x.operator)?.host ?? "prefecture";
}

/**
 * Payments the books do not bear out (for verify): a payment entry without its record, a record whose
 * entry does not move its amount through the host's settlement payable the way the debt runs.
 */
export async function paymentsMisbooked(
  knex: Knex | Knex.Transaction,
  limit: number,
): Promise<{ ref: string | null; entry_id: string; detail: string }[]> {
  const { rows } = await knex.raw(
    `select null as ref, e.id as entry_id, null as amount_fen, null as booked
       from journal_entries e
      where e.kind = 'payment' and not exists (select 1 from payments p where p.entry_id = e.id)
     union all
     select x.ref, x.entry_id, x.amount_fen, x.booked from (
       select p.ref, p.entry_id, p.amount_fen,
              case when p.direction = 'host_to_operator' then 1 else -1 end * coalesce(
                (select sum(l.debit_fen - l.credit_fen) from journal_lines l join accounts a on a.id = l.account_id
                  where l.entry_id = p.entry_id and a.jurisdiction = p.host
                    and a.code = 'settlement_payable:' || p.operator), 0) as booked
         from payments p) x
      where x.booked <> x.amount_fen
      order by 2 limit ?`,
    [limit],
  );
  return (rows as Record<string, unknown>[]).map((r) => ({
    ref: (r.ref as string | null) ?? null,
    entry_id: String(r.entry_id),
    detail:
      r.ref === null
        ? "is a payment entry without a payment record"
        : `is ${r.amount_fen} fen but its entry moves ${r.booked} fen through the host's settlement payable`,
  }));
}
