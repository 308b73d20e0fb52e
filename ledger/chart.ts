// The chart of accounts each jurisdiction keeps. Accounts are rows in the database; this is the
// template they are made from, so that a new park or jurisdiction gets the same books as the others.
// A code may carry a counterparty after a colon: `due_to:bingtuan` is one account per operator.

export type NormalBalance = "debit" | "credit";

export interface AccountTemplate {
  code: string;
  normal_balance: NormalBalance;
  name_zh: string;
  name_en: string;
}

const TEMPLATES: Record<string, Omit<AccountTemplate, "code">> = {
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

/** The template of an account code such as `due_to:bingtuan`; throws for a code outside the chart. */
export function accountTemplate(code: string): AccountTemplate {
  const [base, counterparty] = code.split(":") as [string, string | undefined];
  // own keys only: "constructor" or "toString" would otherwise be found on Object.prototype
  const template = Object.hasOwn(TEMPLATES, base) ? TEMPLATES[base] : undefined;
  if (template === undefined) throw new Error(`account code outside the chart: ${code}`);
  if (counterparty === undefined) return { code, ...template };
  return {
    code,
    normal_balance: template.normal_balance,
    name_zh: `${template.name_zh}—${counterparty}`,
    name_en: `${template.name_en} ${counterparty}`,
  };
}
