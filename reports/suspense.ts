// Receipts held in suspense: well-formed, but their enterprise was unknown or in no park on the day
// they entered the treasury. They are listed, never dropped, until the registry explains them.

import type { Knex } from "knex";
import { formatYuan, toFen } from "../ledger/money.js";
import type { Tabular } from "./render.js";

export interface SuspenseRow {
  receipt_no: string;
  uscc: string;
  enterprise: string | null;
  tax_code: string;
  collected_on: string;
  amount: string;
  refunded: string;
  held: string;
  reason: "enterprise_unknown" | "enterprise_in_no_park";
  fiscal_year: number;
}

export interface SuspenseReport {
  year: number | null;
  count: number;
  total_held: string;
  items: SuspenseRow[];
}

export async function suspenseReport(knex: Knex | Knex.Transaction, year: number | null): Promise<SuspenseReport> {
  const { rows } = await knex.raw(
    `select r.receipt_no, r.uscc, e.name as enterprise, r.tax_code, r.collected_on, r.amount_fen, r.fiscal_year,
            coalesce((select sum(x.amount_fen) from receipts x where x.refund_of_id = r.id), 0) as refunded_fen
       from receipts r left join enterprises e on e.uscc = r.uscc
      where r.status = 'suspense' and r.refund_of_id is null ${year === null ? "" : "and r.fiscal_year = ?"}
      order by r.collected_on, r.receipt_no`,
    year === null ? [] : [year],
  );
  let total = 0n;
  const items = rows.map((r: Record<string, unknown>) => {
    const amount = toFen(r.amount_fen);
    const refunded = toFen(r.refunded_fen);
    total += amount + refunded;
    return {
      receipt_no: r.receipt_no as string,
      uscc: r.uscc as string,
      enterprise: (r.enterprise as string | null) ?? null,
      tax_code: r.tax_code as string,
      collected_on: r.collected_on as string,
      amount: formatYuan(amount),
      refunded: formatYuan(refunded),
      held: formatYuan(amount + refunded),
      reason: r.enterprise === null ? "enterprise_unknown" : "enterprise_in_no_park",
      fiscal_year: Number(r.fiscal_year),
    } satisfies SuspenseRow;
  });
  return { year, count: items.length, total_held: formatYuan(total), items };
}

export function suspenseTabular(s: SuspenseReport): Tabular {
  return {
    title_zh: "待查收入清单",
    title_en: "Receipts held in suspense",
    subtitle: `${s.year ?? "all years"} · ${s.count} receipts · held ${s.total_held}`,
    sections: [
      {
        columns: [
          { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
          { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
          { key: "enterprise", label_zh: "企业", label_en: "Enterprise" },
          { key: "tax_code", label_zh: "税种", label_en: "Tax" },
          { key: "collected_on", label_zh: "入库日期", label_en: "Collected" },
          { key: "amount", label_zh: "金额", label_en: "Amount", align: "right", kind: "money" },
          { key: "refunded", label_zh: "已退库", label_en: "Refunded", align: "right", kind: "money" },
          { key: "held", label_zh: "挂账", label_en: "Held", align: "right", kind: "money" },
          { key: "reason", label_zh: "原因", label_en: "Reason" },
        ],
        rows: s.items.map((i) => ({ ...i })),
        totals: { receipt_no: "", held: s.total_held },
      },
    ],
    notes: [
      "enterprise_unknown: 企业未登记 not in the registry; enterprise_in_no_park: 当日不在任何园区 in no park that day",
    ],
  };
}
