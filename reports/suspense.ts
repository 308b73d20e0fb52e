// Receipts held in suspense: well-formed, but their enterprise was unknown or in no park on the day
// they entered the treasury. They are listed, never dropped, until the registry explains them. The
// prefecture and the auditors see all of them; an operator only those linked to its parks (the rule
// below, which the reconciliation's anomalies and the receipt lookup share).

import type { Knex } from "knex";
import { formatYuan, toFen } from "../ledger/money.js";
import type { Tabular } from "./render.js";
import type { Viewer } from "./viewer.js";
import { formatPeriod, isWholeYear, type Period } from "../ledger/periods.js";
import { inPeriod, MONTH_IN_YEAR_SQL, monthColumnLabel, monthLabel, monthsShown } from "./period.js";

/** A suspense receipt `r` not yet rebooked to a park (src/services/suspense.ts). */
export const STILL_HELD = `not exists (select 1 from receipt_reclassifications c where c.receipt_id = r.id)`;

/** The parks an operator runs, in SQL (binding: the operator). */
const PARKS_OF = `(select p.code from parks p where p.operator = ? and p.operator <> p.host)`;

/**
 * How a query over suspense receipts `r`, left-joined to their enterprise `e`, shows them to a viewer.
 * An operator sees a suspense receipt linked to its parks: its own statement names the receipt, or
 * the enterprise has or had a stay in one of its parks. It sees the enterprise's name only in the
 * second case: a receipt its statement names may be of an enterprise another park registered, and
 * what the registry says of that enterprise is not the operator's to know.
 * `name` goes in the select list (its bindings first), `linked` in the where clause.
 */
export function suspenseSight(viewer: Viewer): {
  name: string;
  name_bindings: string[];
  linked: string;
  linked_bindings: string[];
} {
  if (viewer.kind === "full") return { name: "e.name", name_bindings: [], linked: "true", linked_bindings: [] };
  const stayed = `exists (select 1 from enterprise_stays vs where vs.uscc = r.uscc and vs.park in ${PARKS_OF})`;
  const named = `exists (select 1 from operator_statements vo where vo.party = ? and vo.receipt_no = r.receipt_no)`;
  return {
    name: `case when ${stayed} then e.name end`,
    name_bindings: [viewer.operator],
    linked: `(${named} or ${stayed})`,
    linked_bindings: [viewer.operator, viewer.operator],
  };
}

/** Whether the viewer may see suspense receipt `receipt_no` (false when there is no such receipt in suspense). */
export async function suspenseVisible(
  knex: Knex | Knex.Transaction,
  viewer: Viewer,
  receipt_no: string,
): Promise<boolean> {
  const sight = suspenseSight(viewer);
  const { rows } = await knex.raw(
    `select 1 from receipts r where r.receipt_no = ? and r.status = 'suspense' and ${sight.linked}`,
    [receipt_no, ...sight.linked_bindings],
  );
  return rows.length > 0;
}

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
  /** The months of collection it covers (`2025-01..2025-03`), when not the whole year. */
  period?: string;
  count: number;
  total_held: string;
  items: SuspenseRow[];
  /** With `by month`: how many receipts collected in each month are held, and how much (month null: outside the year). */
  months?: { month: string | null; count: number; held: string }[];
}

/** A receipt held, as the query gives it: its columns in order, amounts as text. */
type Held = [
  receipt_no: string,
  uscc: string,
  enterprise: string | null,
  tax_code: string,
  collected_on: string,
  amount_fen: string,
  fiscal_year: number,
  month: number,
  refunded_fen: string,
];

const onPostgres = (knex: Knex | Knex.Transaction) =>
  (knex.client as { config?: { client?: unknown } }).config?.client === "pg";

/**
 * In an operator's view, a receipt whose enterprise never stayed in its parks shows no enterprise and
 * `enterprise_unknown`: unknown to the registry of its parks, whatever another park's says.
 */
export async function suspenseReport(
  knex: Knex | Knex.Transaction,
  year: number | null,
  viewer: Viewer,
  options: { period?: Period; byMonth?: boolean } = {},
): Promise<SuspenseReport> {
  const period = options.period === undefined || isWholeYear(options.period) ? undefined : options.period;
  const sight = suspenseSight(viewer);
  const columns = `r.receipt_no, r.uscc, ${sight.name}, r.tax_code, r.collected_on, r.amount_fen::text, r.fiscal_year,
    ${MONTH_IN_YEAR_SQL("r.collected_on", "r.fiscal_year")},
    coalesce((select sum(x.amount_fen) from receipts x where x.refund_of_id = r.id), 0)::text`;
  const from = `from receipts r left join enterprises e on e.uscc = r.uscc
   where r.status = 'suspense' and r.refund_of_id is null ${year === null ? "" : "and r.fiscal_year = ?"}
     and ${STILL_HELD}
     and ${sight.linked}`;
  const order = "r.collected_on, r.receipt_no";
  const bindings = [...sight.name_bindings, ...(year === null ? [] : [year]), ...sight.linked_bindings];
  // The planner prices the refunds looked up for each receipt (ten thousand of them) above JIT's
  // threshold, and PostgreSQL would spend 50 ms compiling a query that runs in 40: not for this one.
  // The setting is the transaction's only (not one of the caller's, which would keep it).
  // PostgreSQL's driver reads ten thousand rows sooner than the server writes them as JSON; the
  // embedded database decodes every field in JavaScript, and takes them as one JSON value 120 ms sooner.
  const held = await knex.transaction(async (trx): Promise<Held[]> => {
    if (!knex.isTransaction) await trx.raw("set local jit = off");
    if (onPostgres(knex))
      return (await trx.raw(`select ${columns} ${from} order by ${order}`, bindings).options({ rowMode: "array" }))
        .rows as Held[];
    const { rows } = await trx.raw(
      `select coalesce(json_agg(json_build_array(${columns}) order by ${order}), '[]')::text as items ${from}`,
      bindings,
    );
    return JSON.parse((rows as { items: string }[])[0]!.items) as Held[];
  });
  let total = 0n;
  const inMonths = held.filter((r) => inPeriod(period, r[7]));
  const shown = monthsShown(
    period,
    inMonths.some((r) => r[7] === 0),
  );
  const months = new Map(shown.map((m) => [m, { count: 0, held: 0n }]));
  const items = inMonths.map(
    ([receipt_no, uscc, enterprise, tax_code, collected_on, amount_fen, fiscal_year, m, refunded_fen]) => {
      const amount = toFen(amount_fen);
      const refunded = toFen(refunded_fen);
      total += amount + refunded;
      const month = months.get(m);
      if (month !== undefined) {
        month.count += 1;
        month.held += amount + refunded;
      }
      return {
        receipt_no,
        uscc,
        enterprise,
        tax_code,
        collected_on,
        amount: formatYuan(amount),
        refunded: formatYuan(refunded),
        held: formatYuan(amount + refunded),
        reason: enterprise === null ? "enterprise_unknown" : "enterprise_in_no_park",
        fiscal_year,
      } satisfies SuspenseRow;
    },
  );
  return {
    year,
    ...(period !== undefined ? { period: formatPeriod(period) } : {}),
    count: items.length,
    total_held: formatYuan(total),
    items,
    ...(options.byMonth === true && year !== null
      ? {
          months: [...months].map(([m, x]) => ({
            month: monthLabel(year, m),
            count: x.count,
            held: formatYuan(x.held),
          })),
        }
      : {}),
  };
}

/** Why a receipt is held, in Chinese beside the code scripts read. */
export const REASON_ZH: Record<SuspenseRow["reason"], string> = {
  enterprise_unknown: "企业未登记",
  enterprise_in_no_park: "当日不在任何园区",
};

export function suspenseTabular(s: SuspenseReport): Tabular {
  return {
    title_zh: "待查收入清单",
    title_en: "Receipts held in suspense",
    subtitle: `${s.period ?? s.year ?? "all years"} · ${s.count} receipts · held ${s.total_held}`,
    sections: [
      ...(s.months === undefined || s.year === null
        ? []
        : [
            {
              title_zh: "按入库月份",
              title_en: "By month of collection",
              columns: [
                { key: "month", label_zh: "月份", label_en: "Month" },
                { key: "count", label_zh: "笔数", label_en: "Receipts", kind: "count" as const },
                { key: "held", label_zh: "挂账", label_en: "Held", align: "right" as const, kind: "money" as const },
              ],
              rows: s.months.map((m) => ({
                month: monthColumnLabel(s.year!, m.month === null ? 0 : Number(m.month.slice(5))).label_en,
                count: m.count,
                held: m.held,
              })),
              totals: { month: "", count: s.count, held: s.total_held },
            },
          ]),
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
        rows: s.items.map((i) => ({ ...i, reason: `${REASON_ZH[i.reason]} ${i.reason}` })),
        totals: { receipt_no: "", held: s.total_held },
      },
    ],
    notes: [
      "enterprise_unknown: 企业未登记 not in the registry; enterprise_in_no_park: 当日不在任何园区 in no park that day",
    ],
  };
}
