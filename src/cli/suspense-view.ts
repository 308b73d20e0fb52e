// How `suspense resolve` shows what it rebooked (src/services/suspense.ts).

import type { Tabular } from "../../reports/render.js";
import type { ResolveSummary } from "../services/suspense.js";

export function resolveTabular(r: ResolveSummary): Tabular {
  const moved = Object.entries(r.net_change)
    .map(([party, yuan]) => `${party} ${yuan}`)
    .join(", ");
  return {
    title_zh: "待查收入清理",
    title_en: "Suspense cleared",
    subtitle: `${r.rebooked} receipts rebooked (${r.refunds} refunds with them, ${r.prior_year_adjustments} prior-year adjustments)${moved === "" ? "" : ` · ${moved}`}`,
    sections: [
      {
        columns: [
          { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
          { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
          { key: "collected_on", label_zh: "入库日期", label_en: "Collected" },
          { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "fiscal_year", label_zh: "记入年度", label_en: "Fiscal year", kind: "count" },
          { key: "registry", label_zh: "登记依据", label_en: "Registry row" },
        ],
        rows: r.items.map((i) => ({
          receipt_no: i.receipt_no,
          uscc: i.uscc,
          collected_on: i.collected_on,
          amount: i.amount,
          park: i.park,
          fiscal_year: i.fiscal_year,
          registry: `stay from ${i.stay.from} v${i.stay.version}${i.stay.file === null ? "" : ` · ${i.stay.file} row ${i.stay.row ?? "?"}`}`,
        })),
      },
      ...(r.refused.length === 0
        ? []
        : [
            {
              title_zh: "仍挂账",
              title_en: "Still held: the park's terms cannot book them",
              columns: [
                { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
                { key: "code", label_zh: "代码", label_en: "Code" },
                { key: "reason", label_zh: "原因", label_en: "Reason" },
              ],
              rows: r.refused.map((f) => ({ ...f })),
            },
          ]),
    ],
  };
}
