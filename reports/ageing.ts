// The ageing of arrears (欠款账龄) and the list of payments of settled balances. Each settled year with
// a balance other than zero is a debt, of the host to the operator or of the operator to the host
// (ledger/payments.ts); as of a date, the report shows per debtor→creditor, operator, park and year the
// settled balance, what was paid of it by then, what is outstanding, the day it became due (the day the
// year was settled, Beijing time) and how many days it has been outstanding, in buckets, with totals
// per debtor→creditor. A debt settled after the date is not yet one; a payment dated after it not yet
// made. An operator sees its own parks' debts and payments only (reports/viewer.ts).

import type { Knex } from "knex";
import { formatYuan, sumFen, type Fen } from "../ledger/money.js";
import {
  AGEING_BUCKETS,
  beijingDate,
  bucketOf,
  daysBetween,
  DIRECTION_ZH,
  outstandingOf,
  type AgeingBucket,
  type DebtDirection,
} from "../ledger/payments.js";
import { paymentRows, settledDebts, type DebtFilter } from "../src/repositories/payments.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { paymentView, type PaymentView } from "../src/services/payments.js";
import { moneyColumn, type Cell, type Column, type Tabular } from "./render.js";
import { landParks } from "./land.js";
import { parksOf, type Viewer } from "./viewer.js";

export interface AgeingRow {
  direction: DebtDirection;
  debtor: string;
  creditor: string;
  operator: string;
  host: string;
  /** Null for a closure of every park of the operator, recorded before closures named parks. */
  park: string | null;
  year: number;
  /** The day the year was settled (Beijing time): when the balance became due. */
  due_on: string;
  settled: string;
  paid: string;
  outstanding: string;
  payments: number;
  last_paid_on: string | null;
  /** Days from due_on to as_of; null once nothing is outstanding. */
  days_outstanding: number | null;
  bucket: AgeingBucket | null;
}

export interface AgeingTotals {
  direction: DebtDirection;
  debtor: string;
  creditor: string;
  settled: string;
  paid: string;
  outstanding: string;
  /** What is outstanding in each bucket. */
  buckets: Record<AgeingBucket, string>;
}

export interface AgeingReport {
  as_of: string;
  operator: string | null;
  park: string | null;
  year: number | null;
  rows: AgeingRow[];
  /** Per debtor→creditor: never added across directions, which would net debts of different parties. */
  totals: AgeingTotals[];
  /** What is outstanding of every debt, 0.00 when everything settled is paid. */
  outstanding: string;
}

export interface AgeingOptions extends DebtFilter {
  /** YYYY-MM-DD; today in Beijing time when not given. */
  as_of?: string | undefined;
}

const viewerFilter = (ref: ReferenceData, viewer: Viewer) => {
  if (viewer.kind === "full") return () => true;
  const own = new Set(parksOf(ref, viewer.operator));
  return (operator: string, park: string | null) => operator === viewer.operator && (park === null || own.has(park));
};

export async function ageingReport(
  knex: Knex,
  ref: ReferenceData,
  viewer: Viewer,
  options: AgeingOptions = {},
): Promise<AgeingReport> {
  const as_of = options.as_of ?? beijingDate(new Date());
  const sees = viewerFilter(ref, viewer);
  const park = parkAsked(ref, viewer, options.park);
  const debts = (await settledDebts(knex, ref, { ...options, park })).filter(
    (d) => sees(d.operator, d.park) && d.due_on <= as_of,
  );
  const rows: (AgeingRow & { outstanding_fen: Fen; settled_fen: Fen; paid_fen: Fen })[] = debts.map((d) => {
    const paid = d.payments.filter((p) => p.paid_on <= as_of);
    const paid_fen = sumFen(paid.map((p) => p.amount_fen));
    const outstanding_fen = outstandingOf(d.amount_fen, [paid_fen]);
    const days = outstanding_fen === 0n ? null : daysBetween(d.due_on, as_of);
    return {
      direction: d.direction,
      debtor: d.debtor,
      creditor: d.creditor,
      operator: d.operator,
      host: d.host,
      park: d.park,
      year: d.year,
      due_on: d.due_on,
      settled: formatYuan(d.amount_fen),
      paid: formatYuan(paid_fen),
      outstanding: formatYuan(outstanding_fen),
      payments: paid.length,
      last_paid_on: paid.at(-1)?.paid_on ?? null,
      days_outstanding: days,
      bucket: days === null ? null : bucketOf(days),
      outstanding_fen,
      settled_fen: d.amount_fen,
      paid_fen,
    };
  });
  const totals: AgeingTotals[] = [];
  for (const direction of ["host_to_operator", "operator_to_host"] as const) {
    const pairs = [
      ...new Set(rows.filter((r) => r.direction === direction).map((r) => `${r.debtor}\u001f${r.creditor}`)),
    ];
    for (const pair of pairs.sort()) {
      const [debtor, creditor] = pair.split("\u001f") as [string, string];
      const of = rows.filter((r) => r.direction === direction && r.debtor === debtor && r.creditor === creditor);
      const buckets = Object.fromEntries(
        AGEING_BUCKETS.map((b) => [
          b.key,
          formatYuan(sumFen(of.filter((r) => r.bucket === b.key).map((r) => r.outstanding_fen))),
        ]),
      ) as Record<AgeingBucket, string>;
      totals.push({
        direction,
        debtor,
        creditor,
        settled: formatYuan(sumFen(of.map((r) => r.settled_fen))),
        paid: formatYuan(sumFen(of.map((r) => r.paid_fen))),
        outstanding: formatYuan(sumFen(of.map((r) => r.outstanding_fen))),
        buckets,
      });
    }
  }
  return {
    as_of,
    operator: options.operator ?? null,
    park: park ?? null,
    year: options.year ?? null,
    rows: rows.map(({ outstanding_fen: _o, settled_fen: _s, paid_fen: _p, ...r }) => r),
    totals,
    outstanding: formatYuan(sumFen(rows.map((r) => r.outstanding_fen))),
  };
}

export interface PaymentsReport {
  operator: string | null;
  park: string | null;
  year: number | null;
  payments: PaymentView[];
}

/** The payments of settled balances, oldest first, as the viewer may see them. */
export async function paymentsReport(
  knex: Knex,
  ref: ReferenceData,
  viewer: Viewer,
  filter: DebtFilter = {},
): Promise<PaymentsReport> {
  const sees = viewerFilter(ref, viewer);
  const park = parkAsked(ref, viewer, filter.park);
  const debts = await settledDebts(knex, ref, { operator: filter.operator, year: filter.year });
  const all = await paymentRows(knex, { ...filter, park });
  const payments = all
    .filter((p) => sees(p.operator, p.park))
    .map((p) => {
      const debt = debts.find(
        (d) => d.operator === p.operator && d.year === p.settled_year && (d.park === null || d.park === p.park),
      );
      const ofDebt = debt?.payments ?? [];
      return paymentView(p, debt?.amount_fen ?? 0n, ofDebt, viewer);
    });
  return { operator: filter.operator ?? null, park: park ?? null, year: filter.year ?? null, payments };
}

/** The park asked about, as its code: another operator's park and no park at all are refused alike. */
function parkAsked(ref: ReferenceData, viewer: Viewer, park: string | undefined): string | undefined {
  return park === undefined ? undefined : landParks(ref, viewer, park)[0]!.code;
}

const partyName = (ref: ReferenceData, code: string) => `${ref.jurisdiction(code)?.name_zh ?? code} (${code})`;

export function ageingTabular(r: AgeingReport, ref: ReferenceData): Tabular {
  const columns: Column[] = [
    { key: "operator", label_zh: "运营方", label_en: "Operator" },
    { key: "park", label_zh: "园区", label_en: "Park" },
    { key: "year", label_zh: "结算年度", label_en: "Settled year" },
    { key: "due_on", label_zh: "结算日", label_en: "Due since" },
    moneyColumn("settled", "结算余额", "Settled balance"),
    moneyColumn("paid", "已付", "Paid"),
    moneyColumn("outstanding", "未付", "Outstanding"),
    { key: "last_paid_on", label_zh: "最近付款日", label_en: "Last paid on" },
    { key: "days_outstanding", label_zh: "欠款天数", label_en: "Days outstanding", kind: "count" },
    ...AGEING_BUCKETS.map((b) => moneyColumn(b.key, b.label_zh, b.label_en)),
  ];
  const sections = r.totals.map((t) => {
    const of = r.rows.filter((x) => x.direction === t.direction && x.debtor === t.debtor && x.creditor === t.creditor);
    return {
      title_zh: `${DIRECTION_ZH[t.direction]}：${partyName(ref, t.debtor)} → ${partyName(ref, t.creditor)}`,
      title_en: `${t.debtor} owes ${t.creditor}`,
      columns,
      rows: of.map((x) => {
        const row: Record<string, Cell> = {
          operator: x.operator,
          park: x.park ?? "*",
          year: String(x.year),
          due_on: x.due_on,
          settled: x.settled,
          paid: x.paid,
          outstanding: x.outstanding,
          last_paid_on: x.last_paid_on,
          days_outstanding: x.days_outstanding,
        };
        for (const b of AGEING_BUCKETS) row[b.key] = x.bucket === b.key ? x.outstanding : null;
        return row;
      }),
      totals: {
        operator: "合计 Total",
        settled: t.settled,
        paid: t.paid,
        outstanding: t.outstanding,
        ...t.buckets,
      } as Record<string, Cell>,
    };
  });
  return {
    title_zh: "结算欠款账龄表",
    title_en: "Ageing of settled balances",
    subtitle: `截至 as of ${r.as_of}`,
    sections:
      sections.length > 0
        ? sections
        : [
            {
              columns,
              rows: [],
              totals: { operator: "合计 Total", settled: "0.00", paid: "0.00", outstanding: "0.00" },
            },
          ],
    notes: [`未付合计 outstanding in all: ${r.outstanding}`],
  };
}

export function paymentsTabular(r: PaymentsReport): Tabular {
  return {
    title_zh: "结算款支付",
    title_en: "Payments of settled balances",
    sections: [
      {
        columns: [
          { key: "ref", label_zh: "付款编号", label_en: "Ref" },
          { key: "paid_on", label_zh: "付款日期", label_en: "Paid on" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "year", label_zh: "结算年度", label_en: "Settled year" },
          { key: "debtor", label_zh: "付款方", label_en: "Paid by" },
          { key: "creditor", label_zh: "收款方", label_en: "Paid to" },
          { key: "method", label_zh: "方式", label_en: "Method" },
          moneyColumn("amount", "金额", "Amount"),
          moneyColumn("outstanding_after", "付后未付", "Outstanding after"),
          { key: "fiscal_year", label_zh: "入账年度", label_en: "Booked in" },
        ],
        rows: r.payments.map((p) => ({
          ref: p.ref,
          paid_on: p.paid_on,
          operator: p.operator,
          park: p.park,
          year: String(p.year),
          debtor: p.debtor,
          creditor: p.creditor,
          method: `${p.method_zh} ${p.method}`,
          amount: p.amount,
          outstanding_after: p.outstanding_after,
          fiscal_year: String(p.fiscal_year),
        })),
      },
    ],
  };
}
