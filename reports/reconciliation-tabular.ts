// The reconciliation as tables (the table, CSV and XLSX formats): the summary, the items that
// differ (at most ITEMS_IN_TABLE_MAX in a terminal table; the JSON, CSV and workbook list them all) and the anomalies;
// and the three-party overview. The report itself is reports/reconciliation.ts's.

import type { ReferenceData } from "../src/repositories/reference.js";
import type { Section, Tabular } from "./render.js";
import { localTime } from "./render/time.js";
import type {
  Reconciliation,
  ReconciliationItem,
  ReconciliationSummary,
  reconciliationOverview,
} from "./reconciliation.js";

const ITEMS_IN_TABLE_MAX = 200;

const SUMMARY_ROWS: [keyof ReconciliationSummary, string, string][] = [
  ["matched", "一致", "Matched"],
  ["amount_mismatch", "金额不符", "Amount mismatch"],
  ["missing_in_operator", "运营方缺记", "Missing in operator"],
  ["missing_in_prefecture", "州方缺记", "Missing in prefecture"],
  ["matched_by_decision", "人工确认一致", "Matched by decision"],
  ["probable_pairs", "疑似对应（待确认）", "Probable pairs (to confirm)"],
  ["prefecture_total", "州方合计", "Prefecture total"],
  ["operator_total", "运营方合计", "Operator total"],
  ["difference", "差额", "Difference"],
  ["operator_share_booked", "运营方已分成", "Operator share booked"],
  ["operator_share_difference", "差异对运营方分成的影响", "Effect on operator share"],
];

const ITEM_COLUMNS = [
  { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
  { key: "status", label_zh: "状态", label_en: "Status" },
  { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
  { key: "tax_code", label_zh: "税种", label_en: "Tax" },
  { key: "collected_on", label_zh: "入库日期", label_en: "Collected" },
  { key: "prefecture_amount", label_zh: "州方金额", label_en: "Prefecture", kind: "money" },
  { key: "operator_amount", label_zh: "运营方金额", label_en: "Operator", kind: "money" },
  { key: "operator_share_effect", label_zh: "分成影响", label_en: "Share effect", kind: "money" },
  { key: "probable_counterpart", label_zh: "疑似对应", label_en: "Probable counterpart" },
  { key: "differences", label_zh: "其他不符", label_en: "Other differences" },
  { key: "decision", label_zh: "人工决定", label_en: "Decision" },
] as const;

const DECISION_ZH = { confirm: "确认", reject: "否定" } as const;

/**
 * The decision in force on an item's pair, in one cell: `确认 confirm P-4 ↔ O-9 · prefecture (alice) ·
 * 2025-05-02 10:00 · reason`, the time in Beijing time as every table's.
 */
export function decisionCell(d: ReconciliationItem["decision"]): string | null {
  if (d === null) return null;
  const who = d.user === null ? d.party : `${d.party} (${d.user})`;
  return [
    `${DECISION_ZH[d.decision]} ${d.decision} ${d.receipt_no} ↔ ${d.counterpart_no}`,
    who,
    localTime(d.decided_at),
    ...(d.reason !== null ? [d.reason] : []),
  ].join(" · ");
}

const ANOMALY_COLUMNS = [
  { key: "kind", label_zh: "类型", label_en: "Kind" },
  { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
  { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
  { key: "detail", label_zh: "说明", label_en: "Detail" },
] as const;

/**
 * CSV is every item in one plain table; otherwise a summary, the items that differ, and the anomalies:
 * all of them in a workbook (a finance officer filters them there), the first ITEMS_IN_TABLE_MAX in a
 * terminal table.
 */
export function reconciliationTabular(
  r: Reconciliation,
  ref: ReferenceData,
  format: "csv" | "xlsx" | "table" = "table",
): Tabular {
  const flat = format === "csv";
  const shown = format === "table" ? ITEMS_IN_TABLE_MAX : Infinity;
  const itemRow = (i: ReconciliationItem) => ({
    ...i,
    differences: i.differences.join(",") || null,
    decision: decisionCell(i.decision),
  });
  if (flat) {
    return {
      title_zh: `${r.year}年度对账单`,
      title_en: `Reconciliation ${r.year}`,
      sections: [{ columns: ITEM_COLUMNS.map((c) => ({ ...c })), rows: r.items.map(itemRow) }],
    };
  }
  const differing = r.items.filter((i) => i.status !== "matched" || i.differences.length > 0 || i.decision !== null);
  return {
    title_zh: `${r.year}年度对账单`,
    title_en: `Reconciliation ${r.year}`,
    subtitle: `${ref.jurisdiction("prefecture")?.name_zh ?? "prefecture"} ↔ ${ref.jurisdiction(r.operator)?.name_zh ?? r.operator} (${r.operator}) · ${(r.park !== null ? [r.park] : (r.parks ?? [])).map((c) => `${ref.park(c)?.name_zh ?? c} (${c})`).join(" + ")}`,
    sections: [
      {
        title_zh: "汇总",
        title_en: "Summary",
        // counts and amounts in columns of their own kind, so a workbook holds them as numbers
        columns: [
          { key: "zh", label_zh: "项目", label_en: "" },
          { key: "en", label_zh: "", label_en: "Item" },
          { key: "count", label_zh: "笔数", label_en: "Count", kind: "count" },
          { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
        ],
        rows: SUMMARY_ROWS.map(([key, zh, en]) => {
          const value = r.summary[key];
          return typeof value === "number"
            ? { zh, en, count: value, amount: null }
            : { zh, en, count: null, amount: value };
        }),
      },
      {
        title_zh: "不符明细",
        title_en: `Items that differ${differing.length > shown ? ` (first ${shown} of ${differing.length}; --format csv or xlsx lists all)` : ""}`,
        columns: ITEM_COLUMNS.map((c) => ({ ...c })),
        rows: (differing.length > shown ? differing.slice(0, shown) : differing).map(itemRow),
      },
      {
        title_zh: "异常",
        title_en: "Anomalies",
        columns: ANOMALY_COLUMNS.map((c) => ({ ...c })),
        rows: r.anomalies.map((a) => ({
          kind: a.kind,
          uscc: a.uscc,
          receipt_no: a.receipt_no ?? null,
          detail: a.detail,
        })),
      },
    ],
    notes: [
      "疑似对应仅供人工确认，不计入一致 Probable counterparts are for a person to confirm; they are never counted as matched.",
      "人工确认一致的配对两边各计一笔，分成影响按运营方金额计 A pair a person confirmed counts on both sides; its share effect is the operator's amount valued as a mismatch.",
      "运营方有而州方无的行按地方口径估算分成 Rows only in the operator's statement are valued as local-scope receipts.",
    ],
  };
}

/** The summary figures of every party that are counts, or that are amounts: one kind per section. */
function overviewSection(
  o: Awaited<ReturnType<typeof reconciliationOverview>>,
  ref: ReferenceData,
  kind: "count" | "money",
): Section {
  const rows = SUMMARY_ROWS.filter(([key]) => (typeof o.parties[0]?.summary[key] === "number") === (kind === "count"));
  return {
    title_zh: kind === "count" ? "笔数" : "金额",
    title_en: kind === "count" ? "Counts" : "Amounts",
    columns: [
      { key: "item", label_zh: "项目", label_en: "Item" },
      ...o.parties.map((p) => ({
        key: p.operator,
        label_zh: ref.jurisdiction(p.operator)?.name_zh ?? p.operator,
        label_en: `${p.operator} (${p.park ?? (p.parks ?? []).join("+")})`,
        kind,
      })),
    ],
    rows: rows.map(([key, zh, en]) => {
      const row: Record<string, string | number> = { item: `${zh} ${en}` };
      for (const p of o.parties) row[p.operator] = p.summary[key];
      return row;
    }),
  };
}

export function overviewTabular(o: Awaited<ReturnType<typeof reconciliationOverview>>, ref: ReferenceData): Tabular {
  return {
    title_zh: `${o.year}年度三方对账汇总`,
    title_en: `Three-party reconciliation ${o.year}`,
    sections: [
      overviewSection(o, ref, "count"),
      overviewSection(o, ref, "money"),
      {
        title_zh: "交叉核对与异常",
        title_en: "Cross-checks and anomalies",
        columns: ANOMALY_COLUMNS.map((c) => ({ ...c })),
        rows: o.anomalies.map((a) => ({
          kind: a.kind,
          uscc: a.uscc,
          receipt_no: a.receipt_no ?? null,
          detail: a.detail,
        })),
      },
    ],
  };
}
