// One receipt as booked (`show receipt NO`, GET /v1/receipts/{no}): what it was given (code as given,
// kind, levels, tax period, the receipt it names), its split as it stands after any re-split, its
// entry and where it came from. An operator is not told the journal's entry id nor the prefecture's
// file and row, which would count and order other parks' receipts (reports/viewer.ts); the entry's hash
// identifies it. Who may see which receipt is the caller's decision (src/http/access.ts).

import type { Knex } from "knex";
import { decodeLevels, KIND_NAMES } from "../ledger/kinds.js";
import { formatYuan, toFen } from "../ledger/money.js";
import { receiptAsBooked } from "../src/repositories/receipts.js";
import type { Tabular } from "./render.js";
import { entryIdFor, seesFile, type Viewer } from "./viewer.js";

export async function receiptView(knex: Knex | Knex.Transaction, viewer: Viewer, receipt_no: string) {
  const r = await receiptAsBooked(knex, receipt_no);
  if (r === undefined) return undefined;
  const yuan = (v: unknown) => formatYuan(toFen(v));
  const levels = decodeLevels(r.levels);
  return {
    receipt_no: r.receipt_no,
    uscc: r.uscc,
    tax_code: r.tax_code,
    budget_code: r.budget_code,
    kind: r.kind,
    collected_on: r.collected_on,
    tax_period: r.tax_period,
    refund_of: r.refund_of,
    amount: yuan(r.amount_fen),
    scope: r.scope,
    levels:
      levels === null
        ? null
        : {
            central: formatYuan(levels.central),
            region: formatYuan(levels.region),
            prefecture: formatYuan(levels.prefecture),
            county: formatYuan(levels.county),
          },
    status: r.status,
    park: r.park,
    operator: r.operator,
    fiscal_year: Number(r.fiscal_year),
    central_share: yuan(r.central_fen),
    local_revenue: yuan(r.local_fen),
    operator_share: yuan(r.operator_fen),
    host_share: yuan(r.host_fen),
    resplits: Number(r.resplits),
    entry_id: entryIdFor(viewer, r.entry_id),
    entry_hash: r.entry_hash,
    posted_by: r.posted_by,
    source:
      r.file_name === null
        ? null
        : seesFile(viewer, r.import_party)
          ? { file: r.file_name, row: r.source_row === null ? null : Number(r.source_row) }
          : { file: null, row: null },
  };
}

export type ReceiptView = NonNullable<Awaited<ReturnType<typeof receiptView>>>;

const ITEMS: [keyof ReceiptView | "kind_zh", string, string][] = [
  ["receipt_no", "票号", "Receipt"],
  ["uscc", "统一社会信用代码", "USCC"],
  ["tax_code", "税种", "Tax"],
  ["budget_code", "预算科目", "Budget item"],
  ["kind_zh", "类型", "Kind"],
  ["collected_on", "入库日期", "Collected"],
  ["tax_period", "所属期", "Tax period"],
  ["refund_of", "原票号", "Refunds"],
  ["amount", "金额", "Amount"],
  ["scope", "口径", "Scope"],
  ["status", "状态", "Status"],
  ["park", "园区", "Park"],
  ["operator", "运营方", "Operator"],
  ["fiscal_year", "所属年度", "Fiscal year"],
  ["central_share", "中央分享", "Central share"],
  ["local_revenue", "地方收入", "Local revenue"],
  ["operator_share", "运营方分成", "Operator share"],
  ["host_share", "东道方分成", "Host share"],
  ["resplits", "重新分成次数", "Re-splits"],
  ["entry_id", "凭证号", "Entry"],
  ["entry_hash", "凭证哈希", "Entry hash"],
  ["posted_by", "记账人", "Posted by"],
];

export function receiptTabular(r: ReceiptView): Tabular {
  const kind = KIND_NAMES[r.kind as keyof typeof KIND_NAMES];
  const values: Record<string, unknown> = { ...r, kind_zh: kind === undefined ? r.kind : `${kind.zh} ${kind.en}` };
  const rows = ITEMS.map(([key, zh, en]) => ({
    item: `${zh} ${en}`,
    value: values[key] === null ? null : String(values[key]),
  }));
  if (r.levels !== null)
    rows.push({
      item: "级次 Levels",
      value: `中央 ${r.levels.central} · 自治区 ${r.levels.region} · 州 ${r.levels.prefecture} · 县 ${r.levels.county}`,
    });
  if (r.source !== null)
    rows.push({ item: "来源 Source", value: r.source.file === null ? "-" : `${r.source.file} row ${r.source.row}` });
  return {
    title_zh: "入库明细",
    title_en: `Receipt ${r.receipt_no}`,
    sections: [
      {
        columns: [
          { key: "item", label_zh: "项目", label_en: "Item" },
          { key: "value", label_zh: "内容", label_en: "Value" },
        ],
        rows,
      },
    ],
  };
}
