// The trial balance (试算平衡表) of one jurisdiction's books for one fiscal year: each account's
// opening balance, the year's debits and credits, and the closing balance. Every entry balances in
// every jurisdiction's books, so the columns always balance; `difference` shows it in figures.

import type { Knex } from "knex";
import { formatYuan, toFen, type Fen } from "../ledger/money.js";
import { Rejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Tabular } from "./render.js";

export interface TrialBalanceRow {
  account: string;
  name_zh: string;
  name_en: string;
  normal_balance: "debit" | "credit";
  opening_debit: string;
  opening_credit: string;
  debit: string;
  credit: string;
  closing_debit: string;
  closing_credit: string;
}

export interface TrialBalance {
  year: number;
  jurisdiction: string;
  accounts: TrialBalanceRow[];
  totals: Omit<TrialBalanceRow, "account" | "name_zh" | "name_en" | "normal_balance">;
  balanced: boolean;
  difference: string;
}

export async function trialBalance(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  jurisdiction: string,
): Promise<TrialBalance> {
  const known = ref.jurisdiction(jurisdiction);
  if (known === undefined) {
    throw new Rejection(
      "jurisdiction_unknown",
      `not a jurisdiction: ${jurisdiction}; use one of ${ref.jurisdictions.map((j) => j.code).join(", ")}`,
    );
  }
  const { rows } = await knex.raw(
    `select a.code, a.name_zh, a.name_en, a.normal_balance,
            coalesce(sum(b.debit_fen - b.credit_fen) filter (where b.fiscal_year < ?), 0) as opening_net,
            coalesce(sum(b.debit_fen) filter (where b.fiscal_year = ?), 0) as debit,
            coalesce(sum(b.credit_fen) filter (where b.fiscal_year = ?), 0) as credit
       from accounts a join balances b on b.account_id = a.id
      where a.jurisdiction = ? and b.fiscal_year <= ?
      group by a.code, a.name_zh, a.name_en, a.normal_balance
      order by a.code`,
    [year, year, year, known.code, year],
  );
  const sides = (net: Fen): [Fen, Fen] => (net >= 0n ? [net, 0n] : [0n, -net]);
  const sum = { od: 0n, oc: 0n, d: 0n, c: 0n, cd: 0n, cc: 0n };
  const accounts: TrialBalanceRow[] = [];
  for (const r of rows) {
    const opening = toFen(r.opening_net);
    const debit = toFen(r.debit);
    const credit = toFen(r.credit);
    const [od, oc] = sides(opening);
    const [cd, cc] = sides(opening + debit - credit);
    if (od === 0n && oc === 0n && debit === 0n && credit === 0n) continue;
    sum.od += od;
    sum.oc += oc;
    sum.d += debit;
    sum.c += credit;
    sum.cd += cd;
    sum.cc += cc;
    accounts.push({
      account: r.code,
      name_zh: r.name_zh,
      name_en: r.name_en,
      normal_balance: r.normal_balance,
      opening_debit: formatYuan(od),
      opening_credit: formatYuan(oc),
      debit: formatYuan(debit),
      credit: formatYuan(credit),
      closing_debit: formatYuan(cd),
      closing_credit: formatYuan(cc),
    });
  }
  const difference = sum.d - sum.c;
  return {
    year,
    jurisdiction: known.code,
    accounts,
    totals: {
      opening_debit: formatYuan(sum.od),
      opening_credit: formatYuan(sum.oc),
      debit: formatYuan(sum.d),
      credit: formatYuan(sum.c),
      closing_debit: formatYuan(sum.cd),
      closing_credit: formatYuan(sum.cc),
    },
    balanced: difference === 0n && sum.od === sum.oc && sum.cd === sum.cc,
    difference: formatYuan(difference),
  };
}

export function trialBalanceTabular(tb: TrialBalance, ref: ReferenceData): Tabular {
  const money = (key: string, label_zh: string, label_en: string) => ({
    key,
    label_zh,
    label_en,
    align: "right" as const,
    kind: "money" as const,
  });
  return {
    title_zh: `${tb.year}年度试算平衡表`,
    title_en: `Trial balance ${tb.year}`,
    subtitle: `${ref.jurisdiction(tb.jurisdiction)?.name_zh ?? tb.jurisdiction} (${tb.jurisdiction}) · ${tb.balanced ? "平衡 balanced" : `不平衡 UNBALANCED by ${tb.difference}`}`,
    sections: [
      {
        columns: [
          { key: "account", label_zh: "科目代码", label_en: "Account" },
          { key: "name_zh", label_zh: "科目名称", label_en: "Name" },
          money("opening_debit", "期初借方", "Opening Dr"),
          money("opening_credit", "期初贷方", "Opening Cr"),
          money("debit", "本期借方", "Debit"),
          money("credit", "本期贷方", "Credit"),
          money("closing_debit", "期末借方", "Closing Dr"),
          money("closing_credit", "期末贷方", "Closing Cr"),
        ],
        rows: tb.accounts.map((a) => ({ ...a })),
        totals: { account: "", name_zh: "", ...tb.totals },
      },
    ],
  };
}
