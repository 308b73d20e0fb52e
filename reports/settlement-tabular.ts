// The settlement statement as tables (the table, CSV and XLSX formats): the tax rows, the
// prior-year adjustments, the settlement lines and the transfers; for an operator running several
// parks, a line per park. The JSON statement itself is reports/settlement.ts's.

import type { ReferenceData } from "../src/repositories/reference.js";
import { moneyColumn, type Section, type Tabular } from "./render.js";
import { localTime } from "./render/time.js";
import type { SettlementStatement } from "./settlement.js";

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
export function settlementTabular(
  s: SettlementStatement,
  ref: ReferenceData,
  flat = false,
  { byMonth = false }: { byMonth?: boolean } = {},
): Tabular {
  if (flat && byMonth)
    return {
      title_zh: `${s.year}年度税收分成按月`,
      title_en: `Settlement ${s.year} by month`,
      sections: [monthsSection(s)],
    };
  if (flat) return flatSettlementTabular(s);
  const name = (code: string | null) => (code === null ? "-" : (ref.jurisdiction(code)?.name_zh ?? code));
  const parkName = (code: string) => `${ref.park(code)?.name_zh ?? code} (${code})`;
  const parks = s.park !== null ? parkName(s.park) : (s.parks ?? []).map(parkName).join(" + ");
  return {
    title_zh: `${s.year}年度税收分成核算表${s.period !== undefined ? `（${s.period}）` : ""}`,
    title_en: `Revenue-sharing settlement ${s.year}${s.period !== undefined ? ` (${s.period})` : ""}`,
    subtitle: `${parks} · 运营方 operator: ${name(s.operator)} (${s.operator}) · 东道方 host: ${name(s.host)} (${s.host ?? "-"}) · ${s.status === "closed" ? `已结算 closed ${localTime(s.closed_at)}` : "未结算 open"}`,
    sections: [
      byTaxSection(s),
      ...(byMonth ? [monthsSection(s)] : []),
      ...(s.by_park !== undefined ? [byParkSection(s.by_park)] : []),
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
      ...(s.refunds_and_adjustments.length > 0 ? [flowsSection(s)] : []),
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

/** For an operator running several parks: each park's totals, which add up to the statement's. */
function byParkSection(parks: NonNullable<SettlementStatement["by_park"]>): Section {
  return {
    title_zh: "分园区",
    title_en: "By park",
    columns: [
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "status", label_zh: "状态", label_en: "Status" },
      ...TAX_COLUMNS.slice(3).map((c) => ({ ...c })),
      { key: "transferred", label_zh: "净拨付", label_en: "Transferred (net)", align: "right", kind: "money" },
      { key: "balance_due", label_zh: "应结算", label_en: "Balance due", align: "right", kind: "money" },
    ],
    rows: parks.map((p) => ({ park: p.park, status: p.status, ...p.totals })),
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

/**
 * The year month by month (`--by month`): what was booked and transferred in each month, with the
 * operator's share and the balance due to date; the months add up to the year.
 */
function monthsSection(s: SettlementStatement): Section {
  const months = s.months ?? [];
  return {
    title_zh: "按月",
    title_en: "By month",
    columns: [
      { key: "month", label_zh: "月份", label_en: "Month" },
      { key: "receipts", label_zh: "笔数", label_en: "Rows", align: "right", kind: "count" },
      moneyColumn("central_excluded", "中央分享", "Central share"),
      moneyColumn("local_revenue", "地方收入", "Local revenue"),
      moneyColumn("operator_share", "运营方分成", "Operator share"),
      moneyColumn("host_share", "东道方分成", "Host share"),
      moneyColumn("not_shared", "未纳入分成", "Not shared"),
      moneyColumn("transferred", "净拨付", "Transferred (net)"),
    ],
    rows: months.map((m) => ({ ...m, month: m.month ?? "跨年度 other years" })),
    totals: {
      month: "合计 Total",
      receipts: months.reduce((n, m) => n + m.receipts, 0),
      central_excluded: s.totals.central_excluded,
      local_revenue: s.totals.local_revenue,
      operator_share: s.totals.operator_share,
      host_share: s.totals.host_share,
      not_shared: s.totals.not_shared,
      transferred: s.totals.transferred,
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

/** Refunds and the other kinds of row, per kind and tax: already in the tax rows, shown on their own. */
function flowsSection(s: SettlementStatement): Section {
  return {
    title_zh: "退库及调库（已含在上表）",
    title_en: "Refunds and adjustments (included above)",
    columns: [
      { key: "kind_name_zh", label_zh: "类型", label_en: "Kind" },
      { key: "tax_code", label_zh: "税种", label_en: "Tax" },
      { key: "count", label_zh: "笔数", label_en: "Rows", align: "right" as const },
      moneyColumn("central_excluded", "中央", "Central"),
      moneyColumn("local_revenue", "地方", "Local"),
      moneyColumn("operator_share", "运营方", "Operator"),
      moneyColumn("host_share", "东道方", "Host"),
    ],
    rows: s.refunds_and_adjustments.map((r) => ({ ...r })),
  };
}
