// Every account the posting rules write to must exist in the chart every jurisdiction's books are made
// from, with the normal balance an accountant expects; a code outside the chart is refused.

import { describe, expect, it } from "vitest";
import { splitReceipt, splitRefund, type SplitRule } from "../../ledger/allocate.js";
import { accountTemplate, type NormalBalance } from "../../ledger/chart.js";
import { receiptLines, settlementLines, suspenseLines, transferLines } from "../../ledger/posting.js";

/** A receipt held whole in suspense: no central part, all of it local. */
const held = (fen: bigint) => ({ central_fen: 0n, local_fen: fen, operator_fen: 0n, host_fen: fen });

const VAT_SHARED: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
const LOCAL_UNSHARED: SplitRule = { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: "half_up" };

describe("accountTemplate", () => {
  it.each<[string, NormalBalance, string, string]>([
    ["treasury", "debit", "国库存款", "Treasury deposits"],
    ["central_payable", "credit", "应缴中央收入", "Central share payable"],
    ["due_to:bingtuan", "credit", "应付分成款—bingtuan", "Revenue share due to bingtuan"],
    ["due_from:prefecture", "debit", "应收分成款—prefecture", "Revenue share receivable from prefecture"],
    ["settlement_payable:urumqi", "credit", "应付年终结算款—urumqi", "Annual settlement payable to urumqi"],
    [
      "settlement_receivable:prefecture",
      "debit",
      "应收年终结算款—prefecture",
      "Annual settlement receivable from prefecture",
    ],
    ["suspense", "credit", "待查收入", "Receipts in suspense"],
    ["revenue_shared_host", "credit", "分成税收收入（东道方）", "Shared revenue, host share"],
    ["revenue_own", "credit", "本级税收收入", "Own tax revenue"],
    ["nontax_revenue", "credit", "非税收入", "Non-tax revenue"],
    ["revenue_shared", "credit", "分成税收收入（运营方）", "Shared revenue, operator share"],
    ["cash", "debit", "库款", "Funds received"],
    ["revenue_central", "credit", "中央税收收入", "Central tax revenue"],
  ])("%s has a %s normal balance and is named %s / %s", (code, normal_balance, name_zh, name_en) => {
    expect(accountTemplate(code)).toEqual({ code, measure: "money", normal_balance, name_zh, name_en });
  });

  it.each<[string, NormalBalance, string]>([
    ["indicator_reported:GDP", "debit", "园区上报数（统计口径）—GDP"],
    ["indicator_assessed:FDI", "credit", "考核归属数—FDI"],
    ["indicator_ceded:TRADE", "credit", "考核划出数—TRADE"],
    ["indicator_received:GIOV", "debit", "考核划入数—GIOV"],
  ])("%s is an indicator account with a %s normal balance, named %s", (code, normal_balance, name_zh) => {
    expect(accountTemplate(code)).toMatchObject({ code, measure: "indicator", normal_balance, name_zh });
  });

  it.each([["indicator_reported"], ["indicator_assessed:gdp"], ["indicator_ceded:"]])(
    "refuses the indicator account %j, which names no indicator",
    (code) => {
      expect(() => accountTemplate(code)).toThrow(/names its indicator/);
    },
  );

  it.each<[string]>([
    ["nonsense"],
    [""],
    ["due"],
    ["Treasury"],
    [":bingtuan"],
    ["constructor"],
    ["toString"],
    ["__proto__"],
    ["hasOwnProperty:bingtuan"],
  ])("refuses the code %j, which is outside the chart", (code) => {
    expect(() => accountTemplate(code)).toThrow(/account code outside the chart/);
  });

  it("every account that receipts, refunds, suspense, transfers and settlements write to is in the chart", () => {
    const bz = { host: "prefecture", operator: "bingtuan", central: "central", is_tax: true };
    const zd = { host: "prefecture", operator: null, central: "central", is_tax: true };
    const lines = [
      ...receiptLines(splitReceipt(10000n, VAT_SHARED), bz, "10101", "BZ"),
      ...receiptLines(splitRefund(-10000n, 0n, VAT_SHARED), bz, "10101", "BZ"),
      ...receiptLines(splitReceipt(1234n, LOCAL_UNSHARED), zd, "10109", "ZD"),
      ...receiptLines(splitReceipt(500n, LOCAL_UNSHARED), { ...zd, is_tax: false }, "30203", "ZD"),
      ...suspenseLines(held(700n), "prefecture", "central", "10101"),
      ...transferLines(300n, "prefecture", "bingtuan", "BZ"),
      ...settlementLines(200n, "prefecture", "bingtuan", "BZ"),
    ];
    const codes = [...new Set(lines.map((l) => l.account))].sort();
    expect(codes).toEqual([
      "cash",
      "central_payable",
      "due_from:prefecture",
      "due_to:bingtuan",
      "nontax_revenue",
      "revenue_central",
      "revenue_own",
      "revenue_shared",
      "revenue_shared_host",
      "settlement_payable:bingtuan",
      "settlement_receivable:prefecture",
      "suspense",
      "treasury",
    ]);
    for (const code of codes) expect(accountTemplate(code).code).toBe(code);
  });

  it("a receipt lands on each account's normal side: debit accounts are debited and credit accounts credited", () => {
    const bz = { host: "prefecture", operator: "bingtuan", central: "central", is_tax: true };
    for (const l of receiptLines(splitReceipt(10000n, VAT_SHARED), bz, "10101", "BZ")) {
      expect(l.debit_fen > 0n ? "debit" : "credit", l.account).toBe(accountTemplate(l.account).normal_balance);
    }
  });
});
