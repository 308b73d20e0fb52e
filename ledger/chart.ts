// The chart of accounts each jurisdiction keeps. Accounts are rows in the database; this is the
// template they are made from, so that a new park or jurisdiction gets the same books as the others.
// A code may carry a counterparty after a colon: `due_to:bingtuan` is one account per operator.

export type NormalBalance = "debit" | "credit";

export interface AccountTemplate {
  code: string;
  /** money accounts hold fen; indicator accounts hold 1/10000 of the indicator named after the colon */
  measure: "money" | "indicator";
  normal_balance: NormalBalance;
  name_zh: string;
  name_en: string;
}

const TEMPLATES: Record<string, Omit<AccountTemplate, "code" | "measure">> = {
  treasury: { normal_balance: "debit", name_zh: "国库存款", name_en: "Treasury deposits" },
  central_payable: { normal_balance: "credit", name_zh: "应缴中央收入", name_en: "Central share payable" },
  due_to: { normal_balance: "credit", name_zh: "应付分成款", name_en: "Revenue share due to" },
  settlement_payable: { normal_balance: "credit", name_zh: "应付年终结算款", name_en: "Annual settlement payable to" },
  suspense: { normal_balance: "credit", name_zh: "待查收入", name_en: "Receipts in suspense" },
  revenue_shared_host: {
    normal_balance: "credit",
    name_zh: "分成税收收入（东道方）",
    name_en: "Shared revenue, host share",
  },
  revenue_own: { normal_balance: "credit", name_zh: "本级税收收入", name_en: "Own tax revenue" },
  nontax_revenue: { normal_balance: "credit", name_zh: "非税收入", name_en: "Non-tax revenue" },
  fund_revenue: { normal_balance: "credit", name_zh: "政府性基金收入", name_en: "Government fund revenue" },
  due_from: { normal_balance: "debit", name_zh: "应收分成款", name_en: "Revenue share receivable from" },
  settlement_receivable: {
    normal_balance: "debit",
    name_zh: "应收年终结算款",
    name_en: "Annual settlement receivable from",
  },
  revenue_shared: {
    normal_balance: "credit",
    name_zh: "分成税收收入（运营方）",
    name_en: "Shared revenue, operator share",
  },
  cash: { normal_balance: "debit", name_zh: "库款", name_en: "Funds received" },
  revenue_central: { normal_balance: "credit", name_zh: "中央税收收入", name_en: "Central tax revenue" },
};

/**
 * Indicator books (指标核算), in each indicator's own unit: the operator's books hold what its park
 * reported (the statistical view) against its assessed share and the share ceded to the host, whose
 * books receive it as its own assessed figure (the assessment view). The code names the indicator:
 * `indicator_assessed:GDP`.
 */
const INDICATOR_TEMPLATES: Record<string, Omit<AccountTemplate, "code" | "measure">> = {
  indicator_reported: { normal_balance: "debit", name_zh: "园区上报数（统计口径）", name_en: "Reported by the park" },
  indicator_assessed: { normal_balance: "credit", name_zh: "考核归属数", name_en: "Attributed for assessment" },
  indicator_ceded: { normal_balance: "credit", name_zh: "考核划出数", name_en: "Ceded to the host for assessment" },
  indicator_received: {
    normal_balance: "debit",
    name_zh: "考核划入数",
    name_en: "Received from the operator for assessment",
  },
};

/** The template of an account code such as `due_to:bingtuan`; throws for a code outside the chart. */
export function accountTemplate(code: string): AccountTemplate {
  const [base, counterparty] = code.split(":") as [string, string | undefined];
  // own keys only: "constructor" or "toString" would otherwise be found on Object.prototype
  const indicator = Object.hasOwn(INDICATOR_TEMPLATES, base) ? INDICATOR_TEMPLATES[base] : undefined;
  if (indicator !== undefined) {
    if (counterparty === undefined || !/^[A-Z][A-Z0-9]{1,7}$/.test(counterparty))
      throw new Error(`an indicator account names its indicator: ${code}`);
    return {
      code,
      measure: "indicator",
      normal_balance: indicator.normal_balance,
      name_zh: `${indicator.name_zh}—${counterparty}`,
      name_en: `${indicator.name_en}, ${counterparty}`,
    };
  }
  const template = Object.hasOwn(TEMPLATES, base) ? TEMPLATES[base] : undefined;
  if (template === undefined) throw new Error(`account code outside the chart: ${code}`);
  if (counterparty === undefined) return { code, ...template, measure: "money" };
  return {
    code,
    measure: "money",
    normal_balance: template.normal_balance,
    name_zh: `${template.name_zh}—${counterparty}`,
    name_en: `${template.name_en} ${counterparty}`,
  };
}
