// Settlement statements (结算单) as tables: the list with each one's state, and one statement with its
// frozen totals, hash and events (src/services/statements.ts gives the JSON).

import type { StatementDetail, StatementView } from "../src/services/statements.js";
import { moneyColumn, type Tabular } from "./render.js";
import { localTime } from "./render/time.js";

const STATE_ZH: Record<string, string> = {
  issued: "待确认",
  disputed: "有异议",
  confirmed: "已确认",
  superseded: "已被取代",
};

export function statementsTabular(list: readonly StatementView[]): Tabular {
  return {
    title_zh: "结算单",
    title_en: "Settlement statements",
    sections: [
      {
        columns: [
          { key: "number", label_zh: "编号", label_en: "Number" },
          { key: "fiscal_year", label_zh: "年度", label_en: "Year" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "state", label_zh: "状态", label_en: "State" },
          { key: "open_disputes", label_zh: "未决异议", label_en: "Open disputes" },
          moneyColumn("operator_share", "运营方分成", "Operator share"),
          moneyColumn("transferred", "已拨付", "Transferred"),
          moneyColumn("balance_due", "应结算", "Balance due"),
          { key: "issued_at", label_zh: "出具时间", label_en: "Issued at" },
          { key: "content_sha256", label_zh: "内容摘要", label_en: "SHA-256" },
        ],
        rows: list.map((s) => ({
          number: s.number,
          fiscal_year: String(s.fiscal_year),
          operator: s.operator,
          park: s.park,
          state: `${STATE_ZH[s.state] ?? s.state} ${s.state}`,
          open_disputes: s.open_disputes.join(", "),
          operator_share: s.operator_share,
          transferred: s.transferred,
          balance_due: s.balance_due,
          issued_at: localTime(s.issued_at),
          content_sha256: s.content_sha256,
        })),
      },
    ],
  };
}

export function statementDetailTabular(d: StatementDetail): Tabular {
  const notes: string[] = [];
  if (!d.hash_intact) notes.push("the stored content no longer hashes to its sha256: report it to the auditors");
  if (!d.matches_books)
    notes.push(`the books now differ from this statement at: ${d.differing_lines.join(", ")} (issue it again)`);
  if (d.superseded_by !== null) notes.push(`superseded by ${d.superseded_by}`);
  return {
    title_zh: `结算单 ${d.number}`,
    title_en: `Settlement statement ${d.number}`,
    subtitle: `${d.operator} ${d.park} ${d.fiscal_year}: ${STATE_ZH[d.state] ?? d.state} ${d.state}; sha256 ${d.content_sha256}`,
    sections: [
      {
        title_zh: "合计",
        title_en: "Totals",
        columns: [{ key: "item", label_zh: "项目", label_en: "Item" }, moneyColumn("value", "金额", "Amount")],
        rows: Object.entries(d.statement.totals).map(([item, value]) => ({ item, value })),
      },
      {
        title_zh: "经过",
        title_en: "Events",
        columns: [
          { key: "seq", label_zh: "序号", label_en: "No.", kind: "count" },
          { key: "kind", label_zh: "事项", label_en: "Event" },
          { key: "lines", label_zh: "异议行", label_en: "Lines" },
          { key: "dispute", label_zh: "所涉异议", label_en: "Dispute" },
          { key: "reason", label_zh: "理由/说明", label_en: "Reason / note" },
          { key: "resolved_by", label_zh: "处理依据", label_en: "Resolved by" },
          { key: "party", label_zh: "单位", label_en: "Party" },
          { key: "posted_by", label_zh: "经办", label_en: "By" },
          { key: "recorded_at", label_zh: "时间", label_en: "At" },
        ],
        rows: d.events.map((e) => ({
          seq: e.seq,
          kind: e.kind,
          lines: (e.lines ?? []).join(", "),
          dispute: e.dispute === null ? null : String(e.dispute),
          reason: e.reason ?? e.superseded_by,
          resolved_by:
            e.resolved_by === null
              ? null
              : [
                  e.resolved_by.entry_id !== null ? `entry ${e.resolved_by.entry_id}` : null,
                  e.resolved_by.receipt_no !== null ? `receipt ${e.resolved_by.receipt_no}` : null,
                  e.resolved_by.transfer_ref !== null ? `transfer ${e.resolved_by.transfer_ref}` : null,
                ]
                  .filter((x) => x !== null)
                  .join(", "),
          party: e.recorded_by.party,
          posted_by: e.recorded_by.user ?? e.recorded_by.posted_by,
          recorded_at: localTime(e.recorded_at),
        })),
      },
    ],
    ...(notes.length > 0 ? { notes } : {}),
  };
}
