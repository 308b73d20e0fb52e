// The annual sharing settlement statement (分成核算表) between the host and one operator: per tax,
// the local revenue of the operator's park, the operator's and the host's shares, the central share
// taken out, the interim transfers and the balance due. It reads the running balances, not the
// lines, so it costs the same for a year of a thousand receipts or of millions.
// Three steps, each usable alone: `querySettlement` reads the rows, `computeSettlementFigures` sums
// them in fen (pure, no database), `formatSettlement` writes the figures as the contract's
// two-decimal strings. Whoever needs the money itself (settle, the demo, trace) takes the fen
// figures (`settlementFigures`), never the formatted statement parsed back.

import type { Knex } from "knex";
import { formatYuan, toFen, type Fen } from "../ledger/money.js";
import { formatBpAsPercent } from "../ledger/ratio.js";
import { Rejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Section, Tabular } from "./render.js";

export interface SettlementTaxRow {
  tax_code: string;
  tax_name_zh: string;
  tax_name_en: string;
  receipts: number;
  central_excluded: string;
  local_revenue: string;
  operator_share: string;
  host_share: string;
  /** Revenue of the park in this item that no agreement shares (non-tax items): the host keeps it. */
  not_shared: string;
}

export interface PriorYearRow extends SettlementTaxRow {
  origin_year: number;
}

export interface SettlementStatement {
  year: number;
  operator: string;
  host: string;
  park: string;
  status: "open" | "closed";
  closed_at: string | null;
  by_tax: SettlementTaxRow[];
  prior_year_adjustments: PriorYearRow[];
  totals: {
    central_excluded: string;
    local_revenue: string;
    operator_share: string;
    host_share: string;
    not_shared: string;
    /** Interim transfers (预拨) to the operator. */
    transferred_interim: string;
    /** Over-transfers the operator returned (收回). */
    recovered: string;
    /** Net: transferred_interim − recovered. */
    transferred: string;
    balance_due: string;
  };
  agreements: { effective_from: string; operator_share_pct: string; note: string }[];
  transfers: { ref: string; kind: "interim" | "recovery"; transferred_on: string; amount: string }[];
}

/** One account's net credit in the park for a tax and year of origin, from the running balances. */
export interface SettlementBalance {
  tax_code: string;
  origin_year: number;
  /**
   * `treasury` (its line count is the receipts), the operator's `revenue_shared`, the host's
   * `revenue_shared_host`, the central `revenue_central`, or the host's unshared `revenue_own` and
   * `nontax_revenue`.
   */
  account: string;
  credit_net_fen: Fen;
  line_count: number;
}

/** A transfer to the operator in the year; a recovery's amount is what came back (positive). */
export interface SettlementTransfer {
  ref: string;
  kind: "interim" | "recovery";
  transferred_on: string;
  amount_fen: Fen;
}

/** What the statement reads from the database for one operator and year. */
export interface SettlementRows {
  year: number;
  operator: string;
  park: { code: string; host: string };
  balances: SettlementBalance[];
  transfers: SettlementTransfer[];
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

export function operatorPark(ref: ReferenceData, operator: string): { code: string; host: string } {
  const park = ref.parkOfOperator(operator);
  if (park === undefined) {
    throw new Rejection("operator_unknown", `${operator} runs no park; the operators are ${ref.operators.join(", ")}`, {
      operator,
    });
  }
  return park;
}

/** The order taxes are listed in: by budget item code, as the treasury lists them. */
export function taxOrderOf(ref: ReferenceData): (tax_code: string) => string {
  return (code) => ref.tax(code)?.item_code ?? code;
}

/** Reads what the statement of fiscal year `year` for the operator's park rests on. */
export async function querySettlement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
): Promise<SettlementRows> {
  const park = operatorPark(ref, operator);
  const { rows } = await knex.raw(
    `select b.tax_code, b.origin_year, a.jurisdiction, a.code,
            sum(b.credit_fen - b.debit_fen) as credit_net, sum(b.line_count) as line_count
       from balances b join accounts a on a.id = b.account_id
      where b.fiscal_year = ? and b.park = ? and b.tax_code <> ''
        and ((a.jurisdiction = ? and a.code = 'revenue_shared')
          or (a.jurisdiction = ? and a.code in ('revenue_shared_host', 'revenue_own', 'nontax_revenue', 'treasury'))
          or (a.jurisdiction = ? and a.code = 'revenue_central'))
      group by b.tax_code, b.origin_year, a.jurisdiction, a.code`,
    [year, park.code, operator, park.host, ref.central],
  );
  const balances = (rows as Record<string, unknown>[]).map((r): SettlementBalance => ({
    tax_code: r.tax_code as string,
    origin_year: Number(r.origin_year),
    account: r.code as string,
    credit_net_fen: toFen(r.credit_net),
    line_count: Number(r.line_count),
  }));
  const transfers = (await knex("transfers")
    .select("ref", "kind", "transferred_on", "amount_fen")
    .where({ operator, fiscal_year: year })
    .orderBy(["transferred_on", "id"])) as {
    ref: string;
    kind: "interim" | "recovery";
    transferred_on: string;
    amount_fen: unknown;
  }[];
  const closure = await knex("closures").select("closed_at").where({ operator, year }).first();
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
    closed_at: closure ? new Date(closure.closed_at).toISOString() : null,
  };
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

/** The contract's JSON statement: the fen figures as two-decimal strings, with names and agreements. */
export function formatSettlement(
  ref: ReferenceData,
  rows: SettlementRows,
  figures: SettlementFigures,
): SettlementStatement {
  const { year, park } = rows;
  const row = (f: TaxFigures): SettlementTaxRow => {
    const tax = ref.tax(f.tax_code);
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
  const agreements = ref
    .agreements(park.code)
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
    agreements,
    transfers: rows.transfers.map((x) => ({
      ref: x.ref,
      kind: x.kind,
      transferred_on: x.transferred_on,
      amount: formatYuan(x.amount_fen),
    })),
  };
}

/** The figures in fen of fiscal year `year` for the operator's park (query, then sums). */
export async function settlementFigures(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
): Promise<SettlementFigures> {
  return computeSettlementFigures(await querySettlement(knex, ref, year, operator), taxOrderOf(ref));
}

/** Figures booked in fiscal year `year` for the operator's park, from the running balances. */
export async function settlementStatement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
): Promise<SettlementStatement> {
  const rows = await querySettlement(knex, ref, year, operator);
  return formatSettlement(ref, rows, computeSettlementFigures(rows, taxOrderOf(ref)));
}

const TAX_COLUMNS = [
  { key: "tax_code", label_zh: "税种代码", label_en: "Tax" },
  { key: "tax_name_zh", label_zh: "税种", label_en: "Tax name" },
  { key: "receipts", label_zh: "笔数", label_en: "Rows", align: "right", kind: "count" },
  { key: "central_excluded", label_zh: "中央分享", label_en: "Central share", align: "right", kind: "money" },
  { key: "local_revenue", label_zh: "地方收入", label_en: "Local revenue", align: "right", kind: "money" },
  { key: "operator_share", label_zh: "运营方分成", label_en: "Operator share", align: "right", kind: "money" },
  { key: "host_share", label_zh: "东道方分成", label_en: "Host share", align: "right", kind: "money" },
  { key: "not_shared", label_zh: "未纳入分成", label_en: "Not shared", align: "right", kind: "money" },
] as const;

/**
 * The statement as tables. `flat` gives one plain table for CSV (scripts read it with any CSV
 * reader): the tax rows and a totals row that also carries the transfers and the balance due.
 */
export function settlementTabular(s: SettlementStatement, ref: ReferenceData, flat = false): Tabular {
  if (flat) return flatSettlementTabular(s);
  const name = (code: string) => ref.jurisdiction(code)?.name_zh ?? code;
  const parkName = ref.park(s.park)?.name_zh ?? s.park;
  return {
    title_zh: `${s.year}年度税收分成核算表`,
    title_en: `Revenue-sharing settlement ${s.year}`,
    subtitle: `${parkName} (${s.park}) · 运营方 operator: ${name(s.operator)} (${s.operator}) · 东道方 host: ${name(s.host)} (${s.host}) · ${s.status === "closed" ? `已结算 closed ${s.closed_at}` : "未结算 open"}`,
    sections: [
      byTaxSection(s),
      ...(s.prior_year_adjustments.length > 0
        ? [
            {
              title_zh: "以前年度调整（已含在上表）",
              title_en: "Prior-year adjustments (included above)",
              columns: [
                { key: "origin_year", label_zh: "所属年度", label_en: "Year of origin" },
                ...TAX_COLUMNS.map((c) => ({ ...c })),
              ],
              rows: s.prior_year_adjustments.map((r) => ({ ...r })),
            },
          ]
        : []),
      settlementSection(s.totals),
      ...(s.transfers.length > 0
        ? [
            {
              title_zh: "拨付明细",
              title_en: "Transfers",
              columns: [
                { key: "transferred_on", label_zh: "日期", label_en: "Date" },
                { key: "ref", label_zh: "编号", label_en: "Reference" },
                { key: "kind_zh", label_zh: "类型", label_en: "Kind" },
                {
                  key: "amount",
                  label_zh: "金额（元，收回为负）",
                  label_en: "Amount (CNY, recovered negative)",
                  align: "right" as const,
                  kind: "money" as const,
                },
              ],
              rows: s.transfers.map((x) => ({
                transferred_on: x.transferred_on,
                ref: x.ref,
                kind_zh: x.kind === "recovery" ? "收回 recovery" : "预拨 interim",
                amount: x.kind === "recovery" ? `-${x.amount}` : x.amount,
              })),
            },
          ]
        : []),
    ],
    notes: [
      `分成比例 agreements in force: ${s.agreements.map((a) => `${a.effective_from} 起 operator ${a.operator_share_pct}%`).join("; ") || "none"}`,
      "挂账（待查）收入不含在内 Receipts held in suspense are not in these figures.",
    ],
  };
}

/** One plain table for CSV: the tax rows, and a totals row carrying the transfers and the balance due. */
function flatSettlementTabular(s: SettlementStatement): Tabular {
  const t = s.totals;
  return {
    title_zh: `${s.year}年度税收分成核算表`,
    title_en: `Revenue-sharing settlement ${s.year}`,
    sections: [
      {
        columns: [
          ...TAX_COLUMNS.map((c) => ({ ...c })),
          { key: "transferred", label_zh: "净拨付", label_en: "Transferred (net)", kind: "money" },
          { key: "balance_due", label_zh: "应结算", label_en: "Balance due", kind: "money" },
          // after the columns scripts already read by position
          { key: "transferred_interim", label_zh: "已预拨", label_en: "Interim transfers", kind: "money" },
          { key: "recovered", label_zh: "收回多拨", label_en: "Recovered", kind: "money" },
        ],
        rows: s.by_tax.map((r) => ({
          ...r,
          transferred_interim: null,
          recovered: null,
          transferred: null,
          balance_due: null,
        })),
        totals: {
          tax_code: "TOTAL",
          tax_name_zh: "合计",
          receipts: s.by_tax.reduce((n, r) => n + r.receipts, 0),
          central_excluded: t.central_excluded,
          local_revenue: t.local_revenue,
          operator_share: t.operator_share,
          host_share: t.host_share,
          not_shared: t.not_shared,
          transferred_interim: t.transferred_interim,
          recovered: t.recovered,
          transferred: t.transferred,
          balance_due: t.balance_due,
        },
      },
    ],
  };
}

function byTaxSection(s: SettlementStatement): Section {
  const t = s.totals;
  return {
    title_zh: "分税种",
    title_en: "By tax",
    columns: TAX_COLUMNS.map((c) => ({ ...c })),
    rows: s.by_tax.map((r) => ({ ...r })),
    totals: {
      tax_code: "",
      tax_name_zh: "",
      receipts: s.by_tax.reduce((n, r) => n + r.receipts, 0),
      central_excluded: t.central_excluded,
      local_revenue: t.local_revenue,
      operator_share: t.operator_share,
      host_share: t.host_share,
      not_shared: t.not_shared,
    },
  };
}

/** The figures from local revenue down to what is still due, each on a line of its own. */
function settlementSection(t: SettlementStatement["totals"]): Section {
  return {
    title_zh: "结算",
    title_en: "Settlement",
    columns: [
      { key: "item_zh", label_zh: "项目", label_en: "Item" },
      { key: "item_en", label_zh: "", label_en: "" },
      { key: "amount", label_zh: "金额（元）", label_en: "Amount (CNY)", align: "right", kind: "money" },
    ],
    rows: [
      { item_zh: "中央分享（不参与分成）", item_en: "Central share (excluded)", amount: t.central_excluded },
      { item_zh: "地方收入", item_en: "Local revenue", amount: t.local_revenue },
      { item_zh: "运营方分成", item_en: "Operator share", amount: t.operator_share },
      { item_zh: "东道方分成", item_en: "Host share", amount: t.host_share },
      { item_zh: "未纳入分成（非税收入）", item_en: "Not shared (non-tax)", amount: t.not_shared },
      { item_zh: "已预拨", item_en: "Interim transfers", amount: t.transferred_interim },
      { item_zh: "收回多拨（运营方退回）", item_en: "Recovered (over-transfers returned)", amount: t.recovered },
      { item_zh: "净拨付（已预拨−收回）", item_en: "Transferred, net", amount: t.transferred },
      { item_zh: "应结算（运营方分成−净拨付）", item_en: "Balance due", amount: t.balance_due },
    ],
  };
}
