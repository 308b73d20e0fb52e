// The annual sharing settlement statement (分成核算表) between the host and one operator: per tax,
// the local revenue of the operator's park, the operator's and the host's shares, the central share
// taken out, the interim transfers and the balance due. It reads the running balances, not the
// lines, so it costs the same for a year of a thousand receipts or of millions.
// Three steps, each usable alone: `querySettlement` reads the rows, `computeSettlementFigures` sums
// them in fen (pure, no database), `formatSettlement` writes the figures as the contract's
// two-decimal strings. Whoever needs the money itself (settle, the demo, trace) takes the fen
// figures (`settlementFigures`), never the formatted statement parsed back.
// A statement is of one park, or of an operator as the sum of the parks it runs: the rows of its
// parks summed by the same pure function (fen add up), with each park's totals beside them.

import type { Knex } from "knex";
import type { z } from "zod";
import type { SettlementStatementShape } from "./shapes.js";
import { CLOSED_AT_SQL } from "../src/repositories/closures.js";
import { ENTRY_MONTH_SQL } from "../src/repositories/journal.js";
import { formatYuan, toFen, type Fen } from "../ledger/money.js";
import { KIND_NAMES } from "../ledger/kinds.js";
import { formatBpAsPercent } from "../ledger/ratio.js";
import { formatPeriod, isWholeYear, periodDays, type Period } from "../ledger/periods.js";
import { fieldRejection, Rejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Park } from "../src/repositories/reference.js";

/** The statement's JSON (reports/shapes.ts declares it, once). */
export type SettlementStatement = z.infer<typeof SettlementStatementShape>;
export type SettlementTaxRow = SettlementStatement["by_tax"][number];
export type PriorYearRow = SettlementStatement["prior_year_adjustments"][number];
/** One park's part of an operator's statement when it runs several. */
export type ParkSettlement = NonNullable<SettlementStatement["by_park"]>[number];

/** One account's net credit in the park for a tax and year of origin, from the running balances. */
export interface SettlementBalance {
  tax_code: string;
  origin_year: number;
  /**
   * `treasury` (its line count is the receipts), the operator's `revenue_shared`, the host's
   * `revenue_shared_host`, the central `revenue_central`, or the host's unshared `revenue_own`,
   * `nontax_revenue` and `fund_revenue` (land revenue of the fund budget).
   */
  account: string;
  credit_net_fen: Fen;
  line_count: number;
  /** The month of the year it was booked in (1–12), or 0 for entries dated outside the year (migrations/022). */
  month: number;
}

/** A transfer to the operator in the year; a recovery's amount is what came back (positive). */
export interface SettlementTransfer {
  ref: string;
  kind: "interim" | "recovery";
  transferred_on: string;
  amount_fen: Fen;
}

/** Refunds and the other kinds of row (ledger/kinds.ts) booked in the park and year, per kind and tax. */
export interface SettlementFlow {
  kind: string;
  tax_code: string;
  /** As a balance's month (SettlementBalance). */
  month: number;
  count: number;
  central_fen: Fen;
  local_fen: Fen;
  operator_fen: Fen;
  host_fen: Fen;
}

/** What the statement reads from the database for one operator and year. */
export interface SettlementRows {
  year: number;
  operator: string;
  park: { code: string; host: string };
  balances: SettlementBalance[];
  transfers: SettlementTransfer[];
  /** Refunds and the other kinds, which the by_tax figures include, on their own lines. */
  flows: SettlementFlow[];
  /** When the year was closed with the operator (ISO), or null while it is open. */
  closed_at: string | null;
}

/** One tax's figures in fen; `receipts` counts the treasury lines behind them. */
export interface TaxFigures {
  tax_code: string;
  receipts: number;
  central_excluded_fen: Fen;
  /** operator_share_fen + host_share_fen */
  local_revenue_fen: Fen;
  operator_share_fen: Fen;
  host_share_fen: Fen;
  not_shared_fen: Fen;
}

export interface PriorYearFigures extends TaxFigures {
  origin_year: number;
}

export interface SettlementTotalsFen {
  central_excluded_fen: Fen;
  local_revenue_fen: Fen;
  operator_share_fen: Fen;
  host_share_fen: Fen;
  not_shared_fen: Fen;
  transferred_interim_fen: Fen;
  recovered_fen: Fen;
  /** transferred_interim_fen − recovered_fen */
  transferred_fen: Fen;
  /** operator_share_fen − transferred_fen */
  balance_due_fen: Fen;
}

/** The statement's figures in fen: what `formatSettlement` shows and what `settle` posts. */
export interface SettlementFigures {
  year: number;
  /** Everything booked in the year, prior-year adjustments included, in the taxes' item order. */
  by_tax: TaxFigures[];
  prior_year_adjustments: PriorYearFigures[];
  /** The sums of the by_tax rows, and the transfers against them. */
  totals: SettlementTotalsFen;
}

interface Acc {
  receipts: number;
  central: Fen;
  operator: Fen;
  host: Fen;
  not_shared: Fen;
}

const zero = (): Acc => ({ receipts: 0, central: 0n, operator: 0n, host: 0n, not_shared: 0n });

/**
 * The parks a statement, transfer or closure with `operator` covers: `park` alone when given (one the
 * operator runs), else every park it runs.
 */
export function operatorParks(ref: ReferenceData, operator: string, park?: string): Park[] {
  const runs = ref.parksRunBy(operator);
  if (runs.length === 0) {
    throw new Rejection("operator_unknown", `${operator} runs no park; the operators are ${ref.operators.join(", ")}`, {
      operator,
    });
  }
  if (park === undefined) return runs;
  const one = runs.find((p) => p.code === park);
  if (one === undefined)
    throw fieldRejection(
      "park",
      "park_unknown",
      `${park} is not a park ${operator} runs; it runs ${runs.map((p) => p.code).join(", ")}`,
    );
  return [one];
}

/** The one park meant: `park` when given, else the operator's only park; one of several must be named. */
export function operatorPark(ref: ReferenceData, operator: string, park?: string): Park {
  const parks = operatorParks(ref, operator, park);
  if (parks.length > 1)
    throw fieldRejection(
      "park",
      "park_required",
      `${operator} runs ${parks.map((p) => p.code).join(" and ")}; name the park`,
    );
  return parks[0]!;
}

/** The order taxes are listed in: by budget item code, as the treasury lists them. */
export function taxOrderOf(ref: ReferenceData): (tax_code: string) => string {
  return (code) => ref.tax(code)?.item_code ?? code;
}

/**
 * Refunds and the other kinds booked in the year and park (bindings: year, park), per kind and tax,
 * read from their own index as booked, with those rebooked there out of suspense in that year and the
 * re-splits' differences booked in that year (bindings: year, park, year, park, year, park); a receipt recorded before kinds is a refund when it names one.
 */
const FLOWS_SQL = `(select coalesce(json_agg(json_build_object('kind', f.kind, 'tax_code', f.tax_code, 'month', f.month, 'count', f.n,
                 'central_fen', f.central::text, 'local_fen', f.local::text, 'operator_fen', f.operator::text,
                 'host_fen', f.host::text) order by f.kind, f.tax_code), '[]')::text
          from (select u.kind, u.tax_code, u.month, sum(u.counted) as n, sum(u.central) as central, sum(u.local) as local,
                       sum(u.operator) as operator, sum(u.host) as host
                  from (select coalesce(r.kind, 'refund') as kind, r.tax_code, 1 as counted, r.central_fen as central,
                               r.local_fen as local, r.operator_fen as operator, r.host_fen as host,
                               (case when extract(year from r.collected_on) = r.fiscal_year
                                     then extract(month from r.collected_on) else 0 end)::int as month
                          from receipts r
                         where r.fiscal_year = ? and r.park = ? and (r.refund_of_id is not null or r.kind <> 'receipt')
                        union all
                        -- rebooked out of suspense into the park: in the year and with the split its reclassification records
                        select coalesce(r.kind, 'refund'), r.tax_code, 1, c.central_fen, c.local_fen, c.operator_fen, c.host_fen,
                               (case when extract(year from r.collected_on) = c.fiscal_year
                                     then extract(month from r.collected_on) else 0 end)::int
                          from receipt_reclassifications c join receipts r on r.id = c.receipt_id
                         where c.fiscal_year = ? and c.park = ? and (r.refund_of_id is not null or r.kind <> 'receipt')
                        union all
                        -- the difference a re-split made belongs to the year its adjusting entry is booked in (no quote here: knex counts them)
                        select coalesce(r.kind, 'refund'), r.tax_code, 0, x.central_delta_fen, x.local_delta_fen,
                               x.operator_delta_fen, x.host_delta_fen, ${ENTRY_MONTH_SQL("e")}::int
                          from receipt_resplits x join journal_entries e on e.id = x.entry_id
                          join receipts r on r.id = x.receipt_id
                         where e.fiscal_year = ? and e.park = ? and (r.refund_of_id is not null or r.kind <> 'receipt')) u
                 group by u.kind, u.tax_code, u.month) f)`;

/**
 * Reads what the statement of fiscal year `year` for the operator's park (`park`, or its only one) rests on.
 * Without `flows` the refunds and adjustments listed by kind are left out (empty): the figures do not
 * need them, and over a million receipts they are most of the query's time.
 */
export async function querySettlement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  parkCode?: string,
  { flows = true }: { flows?: boolean } = {},
): Promise<SettlementRows> {
  const park = operatorPark(ref, operator, parkCode);
  // one statement for the three parts: a report read a thousand times a second pays per round trip
  const { rows } = await knex.raw(
    `select
       (select coalesce(json_agg(json_build_object('tax_code', x.tax_code, 'origin_year', x.origin_year, 'month', x.month,
                 'code', x.code, 'credit_net', x.credit_net::text, 'line_count', x.line_count::text)), '[]')::text
          from (select b.tax_code, b.origin_year, b.month, a.jurisdiction, a.code,
                       sum(b.credit_fen - b.debit_fen) as credit_net, sum(b.line_count) as line_count
                  from balances b join accounts a on a.id = b.account_id
                 where b.fiscal_year = ? and b.park = ? and b.tax_code <> ''
                   and ((a.jurisdiction = ? and a.code = 'revenue_shared')
                     or (a.jurisdiction = ? and a.code in ('revenue_shared_host', 'revenue_own', 'nontax_revenue', 'fund_revenue', 'treasury'))
                     or (a.jurisdiction = ? and a.code = 'revenue_central'))
                 group by b.tax_code, b.origin_year, b.month, a.jurisdiction, a.code) x) as balances,
       -- a transfer recorded before transfers named their park is the park of its journal entry (migrations/016)
       (select coalesce(json_agg(json_build_object('ref', t.ref, 'kind', t.kind,
                 'transferred_on', to_char(t.transferred_on, 'YYYY-MM-DD'), 'amount_fen', t.amount_fen::text)
                 order by t.transferred_on, t.id), '[]')::text
          from transfers t join journal_entries e on e.id = t.entry_id
         where t.operator = ? and t.fiscal_year = ? and coalesce(t.park, e.park) = ?) as transfers,
       ${flows ? FLOWS_SQL : "'[]'"} as flows,
       -- its own closure, or one that closed every park of the operator
       ${CLOSED_AT_SQL} as closed_at`,
    [
      year,
      park.code,
      operator,
      park.host,
      ref.central,
      operator,
      year,
      park.code,
      // the flows: booked in the year, rebooked out of suspense in it, and re-split in it
      ...(flows ? [year, park.code, year, park.code, year, park.code] : []),
      operator,
      year,
      park.code,
    ],
  );
  const row = rows[0] as { balances: string; transfers: string; flows: string; closed_at: Date | string | null };
  const balances = (JSON.parse(row.balances) as Record<string, string | number>[]).map((r): SettlementBalance => ({
    tax_code: String(r.tax_code),
    origin_year: Number(r.origin_year),
    account: String(r.code),
    credit_net_fen: toFen(String(r.credit_net)),
    line_count: Number(r.line_count),
    month: Number(r.month),
  }));
  const transfers = JSON.parse(row.transfers) as {
    ref: string;
    kind: "interim" | "recovery";
    transferred_on: string;
    amount_fen: string;
  }[];
  return {
    year,
    operator,
    park: { code: park.code, host: park.host },
    balances,
    transfers: transfers.map((t) => ({
      ref: t.ref,
      kind: t.kind,
      transferred_on: t.transferred_on,
      amount_fen: toFen(t.amount_fen),
    })),
    flows: flowsOf(row.flows),
    closed_at: row.closed_at === null ? null : new Date(row.closed_at).toISOString(),
  };
}

/** Parses the flows part of the statement's query (the sums as text, fen exact). */
function flowsOf(json: string): SettlementFlow[] {
  return (JSON.parse(json) as Record<string, string | number>[]).map((f) => ({
    kind: String(f.kind),
    tax_code: String(f.tax_code),
    month: Number(f.month),
    count: Number(f.count),
    central_fen: toFen(String(f.central_fen)),
    local_fen: toFen(String(f.local_fen)),
    operator_fen: toFen(String(f.operator_fen)),
    host_fen: toFen(String(f.host_fen)),
  }));
}

/** The flows of several parks (or one) per kind and tax, summed in fen, in kind then tax order. */
function flowsByKind(flows: readonly SettlementFlow[], order: (tax: string) => string): SettlementFlow[] {
  const sums = new Map<string, SettlementFlow>();
  for (const f of flows) {
    const key = `${f.kind}|${f.tax_code}`;
    const s = sums.get(key);
    if (s === undefined) sums.set(key, { ...f });
    else {
      s.count += f.count;
      s.central_fen += f.central_fen;
      s.local_fen += f.local_fen;
      s.operator_fen += f.operator_fen;
      s.host_fen += f.host_fen;
    }
  }
  const kinds = Object.keys(KIND_NAMES);
  return [...sums.values()].sort(
    (a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || order(a.tax_code).localeCompare(order(b.tax_code)),
  );
}

function taxFigures(tax_code: string, acc: Acc): TaxFigures {
  return {
    tax_code,
    receipts: acc.receipts,
    central_excluded_fen: acc.central,
    local_revenue_fen: acc.operator + acc.host,
    operator_share_fen: acc.operator,
    host_share_fen: acc.host,
    not_shared_fen: acc.not_shared,
  };
}

/**
 * The statement's figures, summed in fen from the rows `querySettlement` read. Pure: the same rows
 * give the same figures, with no database. `taxOrder` gives each tax's sort key (`taxOrderOf`).
 */
export function computeSettlementFigures(
  rows: Pick<SettlementRows, "year" | "balances" | "transfers">,
  taxOrder: (tax_code: string) => string,
): SettlementFigures {
  const { year } = rows;
  const current = new Map<string, Acc>();
  const prior = new Map<string, Acc>();
  for (const b of rows.balances) {
    const key = b.origin_year === year ? b.tax_code : `${b.origin_year}|${b.tax_code}`;
    const target = b.origin_year === year ? current : prior;
    const acc = target.get(key) ?? zero();
    target.set(key, acc);
    const net = b.credit_net_fen;
    if (b.account === "treasury") acc.receipts += b.line_count;
    else if (b.account === "revenue_shared") acc.operator += net;
    else if (b.account === "revenue_shared_host") acc.host += net;
    else if (b.account === "revenue_central") acc.central += net;
    else acc.not_shared += net;
  }
  // the by_tax rows are everything booked in the year, prior-year adjustments included, so they add up to the totals
  const all = new Map<string, Acc>();
  for (const [key, acc] of [...current, ...prior]) {
    const tax = key.includes("|") ? key.split("|")[1]! : key;
    const sum = all.get(tax) ?? zero();
    all.set(tax, {
      receipts: sum.receipts + acc.receipts,
      central: sum.central + acc.central,
      operator: sum.operator + acc.operator,
      host: sum.host + acc.host,
      not_shared: sum.not_shared + acc.not_shared,
    });
  }
  const by_tax = [...all.entries()]
    .filter(
      ([, a]) => a.operator !== 0n || a.host !== 0n || a.central !== 0n || a.not_shared !== 0n || a.receipts !== 0,
    )
    .sort(([a], [b]) => taxOrder(a).localeCompare(taxOrder(b)))
    .map(([tax, acc]) => taxFigures(tax, acc));
  const prior_year_adjustments = [...prior.entries()]
    .map(([key, acc]): PriorYearFigures => {
      const [origin, tax] = key.split("|") as [string, string];
      return { origin_year: Number(origin), ...taxFigures(tax, acc) };
    })
    .sort((a, b) => a.origin_year - b.origin_year || taxOrder(a.tax_code).localeCompare(taxOrder(b.tax_code)));

  let central = 0n,
    op = 0n,
    host = 0n,
    notShared = 0n,
    interim = 0n,
    recovered = 0n;
  // the rows left out of by_tax are all zero, so its sums are the year's
  for (const r of by_tax) {
    central += r.central_excluded_fen;
    op += r.operator_share_fen;
    host += r.host_share_fen;
    notShared += r.not_shared_fen;
  }
  // transfers recorded before recoveries had a kind of their own may be negative interim ones
  for (const t of rows.transfers) {
    if (t.kind === "recovery") recovered += t.amount_fen;
    else interim += t.amount_fen;
  }
  const transferred = interim - recovered;
  return {
    year,
    by_tax,
    prior_year_adjustments,
    totals: {
      central_excluded_fen: central,
      local_revenue_fen: op + host,
      operator_share_fen: op,
      host_share_fen: host,
      not_shared_fen: notShared,
      transferred_interim_fen: interim,
      recovered_fen: recovered,
      transferred_fen: transferred,
      balance_due_fen: op - transferred,
    },
  };
}

/** One month's figures: what was booked in it, and the transfers dated in it. */
export interface MonthFigures {
  /** 1–12; 0 for what is dated outside the year (prior-year adjustments, re-splits of earlier years' receipts). */
  month: number;
  totals: SettlementTotalsFen;
  receipts: number;
}

/**
 * The year's figures month by month (pure): each month's balances and transfers summed as the year's
 * are, so the months add up to the year to the fen. Twelve months always, then month 0 when anything
 * was dated outside the year. A transfer counts in the month of its date, in month 0 when that date
 * lies in another year.
 */
export function monthlySettlementFigures(
  rows: Pick<SettlementRows, "year" | "balances" | "transfers">,
  taxOrder: (tax_code: string) => string,
): MonthFigures[] {
  const balances = new Map<number, SettlementBalance[]>();
  const transfers = new Map<number, SettlementTransfer[]>();
  const push = <T>(map: Map<number, T[]>, month: number, item: T) => {
    const list = map.get(month);
    if (list === undefined) map.set(month, [item]);
    else list.push(item);
  };
  for (const b of rows.balances) push(balances, b.month, b);
  for (const t of rows.transfers) {
    const inYear = Number(t.transferred_on.slice(0, 4)) === rows.year;
    push(transfers, inYear ? Number(t.transferred_on.slice(5, 7)) : 0, t);
  }
  const months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  if (balances.has(0) || transfers.has(0)) months.push(0);
  return months.map((month) => {
    const f = computeSettlementFigures(
      { year: rows.year, balances: balances.get(month) ?? [], transfers: transfers.get(month) ?? [] },
      taxOrder,
    );
    return { month, totals: f.totals, receipts: f.by_tax.reduce((n, t) => n + t.receipts, 0) };
  });
}

/** The contract's JSON statement: the fen figures as two-decimal strings, with names and agreements. */
export function formatSettlement(
  ref: ReferenceData,
  rows: SettlementRows,
  figures: SettlementFigures,
): SettlementStatement {
  const { year, park } = rows;
  const row = (f: TaxFigures): SettlementTaxRow => {
    const tax = ref.revenueItem(f.tax_code);
    return {
      tax_code: f.tax_code,
      tax_name_zh: tax?.name_zh ?? f.tax_code,
      tax_name_en: tax?.name_en ?? f.tax_code,
      receipts: f.receipts,
      central_excluded: formatYuan(f.central_excluded_fen),
      local_revenue: formatYuan(f.local_revenue_fen),
      operator_share: formatYuan(f.operator_share_fen),
      host_share: formatYuan(f.host_share_fen),
      not_shared: formatYuan(f.not_shared_fen),
    };
  };
  const yearStart = `${year}-01-01`;
  const yearEnd = `${year}-12-31`;
  // a closed year's statement lists the versions known when it was closed: one recorded since that
  // reaches back is booked by adjusting entries in an open year, and the closed statement never changes
  const closedAt = rows.closed_at === null ? null : Date.parse(rows.closed_at);
  const agreements = ref
    .agreements(park.code)
    .filter((a) => closedAt === null || new Date(a.recorded_at).getTime() <= closedAt)
    .filter(
      (a, i, list) =>
        a.effective_from <= yearEnd && (list[i + 1] === undefined || list[i + 1]!.effective_from > yearStart),
    )
    .map((a) => ({
      effective_from: a.effective_from,
      operator_share_pct: formatBpAsPercent(a.operator_share_bp),
      note: a.note,
    }));
  const t = figures.totals;
  return {
    year,
    operator: rows.operator,
    host: park.host,
    park: park.code,
    status: rows.closed_at !== null ? "closed" : "open",
    closed_at: rows.closed_at,
    by_tax: figures.by_tax.map(row),
    prior_year_adjustments: figures.prior_year_adjustments.map((p) => ({ origin_year: p.origin_year, ...row(p) })),
    totals: {
      central_excluded: formatYuan(t.central_excluded_fen),
      local_revenue: formatYuan(t.local_revenue_fen),
      operator_share: formatYuan(t.operator_share_fen),
      host_share: formatYuan(t.host_share_fen),
      not_shared: formatYuan(t.not_shared_fen),
      transferred_interim: formatYuan(t.transferred_interim_fen),
      recovered: formatYuan(t.recovered_fen),
      transferred: formatYuan(t.transferred_fen),
      balance_due: formatYuan(t.balance_due_fen),
    },
    refunds_and_adjustments: flowsByKind(rows.flows, taxOrderOf(ref)).map((f) => ({
      kind: f.kind,
      kind_name_zh: KIND_NAMES[f.kind as keyof typeof KIND_NAMES]?.zh ?? f.kind,
      tax_code: f.tax_code,
      count: f.count,
      central_excluded: formatYuan(f.central_fen),
      local_revenue: formatYuan(f.local_fen),
      operator_share: formatYuan(f.operator_fen),
      host_share: formatYuan(f.host_fen),
    })),
    agreements,
    transfers: rows.transfers.map((x) => ({
      ref: x.ref,
      kind: x.kind,
      transferred_on: x.transferred_on,
      amount: formatYuan(x.amount_fen),
    })),
    months: monthlySettlementFigures(rows, taxOrderOf(ref)).map((m) => ({
      month: m.month === 0 ? null : `${year}-${String(m.month).padStart(2, "0")}`,
      receipts: m.receipts,
      central_excluded: formatYuan(m.totals.central_excluded_fen),
      local_revenue: formatYuan(m.totals.local_revenue_fen),
      operator_share: formatYuan(m.totals.operator_share_fen),
      host_share: formatYuan(m.totals.host_share_fen),
      not_shared: formatYuan(m.totals.not_shared_fen),
      transferred: formatYuan(m.totals.transferred_fen),
    })),
  };
}

/** The rows of each park the statement covers (operatorParks): one park, or all the operator runs. */
export async function queryOperatorSettlement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  park?: string,
  options: { flows?: boolean } = {},
): Promise<SettlementRows[]> {
  const rows: SettlementRows[] = [];
  for (const p of operatorParks(ref, operator, park))
    rows.push(await querySettlement(knex, ref, year, operator, p.code, options));
  return rows;
}

/**
 * Several parks' rows as one operator's (pure): their balances and transfers together, so that
 * computeSettlementFigures sums them to the fen; closed once every park is, at the last closure.
 */
export function operatorRows(parks: readonly SettlementRows[]): SettlementRows {
  const first = parks[0]!;
  const closed = parks.map((p) => p.closed_at);
  return {
    year: first.year,
    operator: first.operator,
    park: first.park,
    balances: parks.flatMap((p) => p.balances),
    transfers: parks.flatMap((p) => p.transfers).sort((a, b) => a.transferred_on.localeCompare(b.transferred_on)),
    flows: parks.flatMap((p) => p.flows),
    closed_at: closed.every((c) => c !== null) ? closed.sort().at(-1)! : null,
  };
}

/**
 * The statement of one park, or of an operator's several parks: the sum of the parks (same fields),
 * with `park` null, `parks`, and `by_park` each park's totals; agreements and transfers name their park.
 */
export function formatOperatorSettlement(ref: ReferenceData, parks: readonly SettlementRows[]): SettlementStatement {
  const order = taxOrderOf(ref);
  const each = parks.map((rows) => formatSettlement(ref, rows, computeSettlementFigures(rows, order)));
  if (each.length === 1) return each[0]!;
  const sum = operatorRows(parks);
  const total = formatSettlement(ref, sum, computeSettlementFigures(sum, order));
  const hosts = [...new Set(parks.map((p) => p.park.host))];
  return {
    ...total,
    host: hosts.length === 1 ? hosts[0]! : null,
    park: null,
    parks: parks.map((p) => p.park.code),
    by_park: each.map((s) => ({
      park: s.park!,
      host: s.host!,
      status: s.status,
      closed_at: s.closed_at,
      totals: s.totals,
    })),
    agreements: each.flatMap((s) => s.agreements.map((a) => ({ park: s.park!, ...a }))),
    transfers: each
      .flatMap((s) => s.transfers.map((x) => ({ park: s.park!, ...x })))
      .sort((a, b) => a.transferred_on.localeCompare(b.transferred_on)),
  };
}

/** The figures in fen of fiscal year `year` (or a period of it) for the operator's park, or the sum of all it runs. */
export async function settlementFigures(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  park?: string,
  period?: Period,
  /** With a period: also what is booked in the year but dated outside it (month 0), as a figure to date needs. */
  withOutside = false,
): Promise<SettlementFigures> {
  // the figures are the balances and transfers: the flows by kind are the statement's listing only
  const parks = await queryOperatorSettlement(knex, ref, year, operator, park, { flows: false });
  const rows = operatorRows(parks);
  return computeSettlementFigures(
    period === undefined || isWholeYear(period) ? rows : rowsInPeriod(rows, period, withOutside),
    taxOrderOf(ref),
  );
}

/**
 * Figures booked in fiscal year `year` for the operator's park, or for all it runs, from the running
 * balances; with a period of that year, what is booked and transferred in its months only.
 */
export async function settlementStatement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  park?: string,
  period?: Period,
): Promise<SettlementStatement> {
  if (period !== undefined && period.year !== year)
    throw fieldRejection("period", "period_invalid", `the period ${formatPeriod(period)} is not of the year ${year}`);
  const rows = await queryOperatorSettlement(knex, ref, year, operator, park);
  if (period === undefined || isWholeYear(period)) return formatOperatorSettlement(ref, rows);
  const statement = formatOperatorSettlement(
    ref,
    rows.map((r) => rowsInPeriod(r, period)),
  );
  return {
    ...statement,
    period: formatPeriod(period),
    months: (statement.months ?? []).filter((m) => m.month !== null && inPeriod(period, Number(m.month.slice(5)))),
  };
}

const inPeriod = (p: Period, month: number) => month >= p.from && month <= p.to;

/**
 * What a statement of part of the year rests on (pure): the balances and flows of its months, and the
 * transfers dated in it. What is dated outside the year (month 0) belongs to the whole year only.
 */
export function rowsInPeriod(rows: SettlementRows, period: Period, withOutside = false): SettlementRows {
  const { first, last } = periodDays(period);
  const kept = (month: number) => inPeriod(period, month) || (withOutside && month === 0);
  return {
    ...rows,
    balances: rows.balances.filter((b) => kept(b.month)),
    flows: rows.flows.filter((f) => kept(f.month)),
    transfers: rows.transfers.filter((t) => t.transferred_on >= first && t.transferred_on <= last),
  };
}

export { settlementTabular } from "./settlement-tabular.js";
