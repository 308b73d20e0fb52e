// Every receipt, refund, transfer and settlement becomes journal lines in the books of each
// jurisdiction involved; each jurisdiction's lines must balance on their own, and an entry whose lines
// do not is refused before anything is written.

import { describe, expect, it } from "vitest";
import { splitReceipt, splitRefund, type SplitRule } from "../../ledger/allocate.js";
import { formatYuan, type Fen } from "../../ledger/money.js";
import {
  assertBalanced,
  receiptLines,
  settlementLines,
  suspenseLines,
  transferLines,
  type Line,
  type ReceiptParties,
} from "../../ledger/posting.js";
import { Rejection } from "../../ledger/rejections.js";

/** A receipt held whole in suspense: no central part, all of it local. */
const held = (fen: bigint) => ({ central_fen: 0n, local_fen: fen, operator_fen: 0n, host_fen: fen });

const VAT_SHARED: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
const CIT_SHARED: SplitRule = { scope: "gross", central_share_bp: 6000, operator_share_bp: 8000, rounding: "half_up" };
const LOCAL_UNSHARED: SplitRule = { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: "half_up" };
const WHOLLY_CENTRAL: SplitRule = {
  scope: "gross",
  central_share_bp: 10000,
  operator_share_bp: 8000,
  rounding: "half_up",
};

const BZ: ReceiptParties = { host: "prefecture", operator: "bingtuan", central: "central", is_tax: true };
const WZ: ReceiptParties = { host: "prefecture", operator: "urumqi", central: "central", is_tax: true };
const ZD_TAX: ReceiptParties = { host: "prefecture", operator: null, central: "central", is_tax: true };
const ZD_NONTAX: ReceiptParties = { host: "prefecture", operator: null, central: "central", is_tax: false };

function line(
  jurisdiction: string,
  account: string,
  debit_fen: Fen,
  credit_fen: Fen,
  tax_code: string | null,
  park: string | null,
): Line {
  return { jurisdiction, account, debit_fen, credit_fen, tax_code, park };
}

/** Each jurisdiction's debit total and credit total, in yuan. */
function sides(lines: readonly Line[]): { debits: Record<string, string>; credits: Record<string, string> } {
  const debits = new Map<string, Fen>();
  const credits = new Map<string, Fen>();
  for (const l of lines) {
    debits.set(l.jurisdiction, (debits.get(l.jurisdiction) ?? 0n) + l.debit_fen);
    credits.set(l.jurisdiction, (credits.get(l.jurisdiction) ?? 0n) + l.credit_fen);
  }
  const shown = (m: Map<string, Fen>) => Object.fromEntries([...m].map(([j, fen]) => [j, formatYuan(fen)]));
  return { debits: shown(debits), credits: shown(credits) };
}

function rejectionOf(action: () => void): Rejection {
  try {
    action();
  } catch (error) {
    if (error instanceof Rejection) return error;
    throw error;
  }
  throw new Error("expected a Rejection, nothing was thrown");
}

describe("receiptLines", () => {
  it("a 0.03 VAT receipt in BZ books 0.03 into the prefecture's treasury, 0.02 owed to central and 0.01 owed to Bingtuan", () => {
    expect(receiptLines(splitReceipt(3n, VAT_SHARED), BZ, "10101", "BZ")).toEqual([
      line("prefecture", "treasury", 3n, 0n, "10101", "BZ"),
      line("prefecture", "central_payable", 0n, 2n, "10101", "BZ"),
      line("prefecture", "due_to:bingtuan", 0n, 1n, "10101", "BZ"),
      line("central", "due_from:prefecture", 2n, 0n, "10101", "BZ"),
      line("central", "revenue_central", 0n, 2n, "10101", "BZ"),
      line("bingtuan", "due_from:prefecture", 1n, 0n, "10101", "BZ"),
      line("bingtuan", "revenue_shared", 0n, 1n, "10101", "BZ"),
    ]);
  });

  it("the full refund of that receipt books the same lines with every side swapped", () => {
    expect(receiptLines(splitRefund(-3n, 0n, VAT_SHARED), BZ, "10101", "BZ")).toEqual([
      line("prefecture", "treasury", 0n, 3n, "10101", "BZ"),
      line("prefecture", "central_payable", 2n, 0n, "10101", "BZ"),
      line("prefecture", "due_to:bingtuan", 1n, 0n, "10101", "BZ"),
      line("central", "due_from:prefecture", 0n, 2n, "10101", "BZ"),
      line("central", "revenue_central", 2n, 0n, "10101", "BZ"),
      line("bingtuan", "due_from:prefecture", 0n, 1n, "10101", "BZ"),
      line("bingtuan", "revenue_shared", 1n, 0n, "10101", "BZ"),
    ]);
  });

  it("a 100.00 VAT receipt in WZ credits the prefecture's host share 10.00 to revenue_shared_host and 40.00 to Urumqi", () => {
    expect(receiptLines(splitReceipt(10000n, VAT_SHARED), WZ, "10101", "WZ")).toEqual([
      line("prefecture", "treasury", 10000n, 0n, "10101", "WZ"),
      line("prefecture", "central_payable", 0n, 5000n, "10101", "WZ"),
      line("prefecture", "due_to:urumqi", 0n, 4000n, "10101", "WZ"),
      line("prefecture", "revenue_shared_host", 0n, 1000n, "10101", "WZ"),
      line("central", "due_from:prefecture", 5000n, 0n, "10101", "WZ"),
      line("central", "revenue_central", 0n, 5000n, "10101", "WZ"),
      line("urumqi", "due_from:prefecture", 4000n, 0n, "10101", "WZ"),
      line("urumqi", "revenue_shared", 0n, 4000n, "10101", "WZ"),
    ]);
  });

  it.each<[string, string[], ReceiptParties]>([
    ["a tax in a sharing park", ["treasury", "due_to:bingtuan", "revenue_shared_host"], BZ],
    ["a tax in a park that shares nothing", ["treasury", "revenue_own"], ZD_TAX],
    ["non-tax revenue (a surcharge) in a park that shares nothing", ["treasury", "nontax_revenue"], ZD_NONTAX],
  ])("the host books a local-portion receipt of 12.34 of %s on the accounts %j", (_what, accounts, parties) => {
    const rule: SplitRule = parties.operator === null ? LOCAL_UNSHARED : { ...VAT_SHARED, scope: "local" };
    const lines = receiptLines(splitReceipt(1234n, rule), parties, "10109", "BZ");
    expect(lines.filter((l) => l.jurisdiction === "prefecture").map((l) => l.account)).toEqual(accounts);
  });
});

describe("every kind of entry balances in every jurisdiction's books", () => {
  it.each<[string, Line[], Record<string, string>]>([
    [
      "a 0.03 VAT receipt in BZ",
      receiptLines(splitReceipt(3n, VAT_SHARED), BZ, "10101", "BZ"),
      { prefecture: "0.03", central: "0.02", bingtuan: "0.01" },
    ],
    [
      "a 100.00 VAT receipt in BZ",
      receiptLines(splitReceipt(10000n, VAT_SHARED), BZ, "10101", "BZ"),
      { prefecture: "100.00", central: "50.00", bingtuan: "40.00" },
    ],
    [
      "the full refund of a 100.00 VAT receipt in BZ",
      receiptLines(splitRefund(-10000n, 0n, VAT_SHARED), BZ, "10101", "BZ"),
      { prefecture: "100.00", central: "50.00", bingtuan: "40.00" },
    ],
    [
      "a 123.45 corporate income tax receipt in WZ",
      receiptLines(splitReceipt(12345n, CIT_SHARED), WZ, "10104", "WZ"),
      { prefecture: "123.45", central: "74.07", urumqi: "39.50" },
    ],
    [
      "a partial refund of 0.01 of a 0.03 VAT receipt in WZ",
      receiptLines(splitRefund(-1n, -1n, VAT_SHARED), WZ, "10101", "WZ"),
      { prefecture: "0.01", urumqi: "0.01" },
    ],
    [
      "a 12.34 local-portion tax receipt in ZD (no operator)",
      receiptLines(splitReceipt(1234n, LOCAL_UNSHARED), ZD_TAX, "10109", "ZD"),
      { prefecture: "12.34" },
    ],
    [
      "a 5.00 education surcharge in ZD (non-tax)",
      receiptLines(splitReceipt(500n, LOCAL_UNSHARED), ZD_NONTAX, "30203", "ZD"),
      { prefecture: "5.00" },
    ],
    [
      "a 100.00 consumption tax receipt in BZ (wholly central)",
      receiptLines(splitReceipt(10000n, WHOLLY_CENTRAL), BZ, "10102", "BZ"),
      { prefecture: "100.00", central: "100.00" },
    ],
    [
      "a 123.45 receipt held in suspense",
      suspenseLines(held(12345n), "prefecture", "central", "10101"),
      { prefecture: "123.45" },
    ],
    [
      "a 5.00 refund held in suspense",
      suspenseLines(held(-500n), "prefecture", "central", "10101"),
      { prefecture: "5.00" },
    ],
    [
      "a 1000.00 interim transfer to Bingtuan",
      transferLines(100000n, "prefecture", "bingtuan", "BZ"),
      { prefecture: "1000.00", bingtuan: "1000.00" },
    ],
    [
      "a 250.00 settlement still due to Urumqi",
      settlementLines(25000n, "prefecture", "urumqi", "WZ"),
      { prefecture: "250.00", urumqi: "250.00" },
    ],
    [
      "a 250.00 settlement overpaid to Urumqi",
      settlementLines(-25000n, "prefecture", "urumqi", "WZ"),
      { prefecture: "250.00", urumqi: "250.00" },
    ],
  ])("%s", (_what, lines, debitsByJurisdiction) => {
    expect(() => assertBalanced(lines)).not.toThrow();
    const { debits, credits } = sides(lines);
    expect(debits).toEqual(debitsByJurisdiction);
    expect(credits).toEqual(debitsByJurisdiction);
    for (const l of lines) {
      expect(l.debit_fen === 0n || l.credit_fen === 0n, `${l.account} has both sides`).toBe(true);
      expect(l.debit_fen + l.credit_fen > 0n, `${l.account} books nothing`).toBe(true);
    }
  });
});

describe("suspense, transfer and settlement lines", () => {
  it("a receipt of an unknown enterprise is held whole in the collector's suspense", () => {
    expect(suspenseLines(held(12345n), "prefecture", "central", "10101")).toEqual([
      line("prefecture", "treasury", 12345n, 0n, "10101", null),
      line("prefecture", "suspense", 0n, 12345n, "10101", null),
    ]);
  });

  it("an interim transfer pays the operator from the host's treasury and clears what each side owes", () => {
    expect(transferLines(100000n, "prefecture", "bingtuan", "BZ")).toEqual([
      line("prefecture", "due_to:bingtuan", 100000n, 0n, null, "BZ"),
      line("prefecture", "treasury", 0n, 100000n, null, "BZ"),
      line("bingtuan", "cash", 100000n, 0n, null, "BZ"),
      line("bingtuan", "due_from:prefecture", 0n, 100000n, null, "BZ"),
    ]);
  });

  it("a settlement still due moves the balance from the running share accounts to the settlement accounts", () => {
    expect(settlementLines(25000n, "prefecture", "urumqi", null)).toEqual([
      line("prefecture", "due_to:urumqi", 25000n, 0n, null, null),
      line("prefecture", "settlement_payable:urumqi", 0n, 25000n, null, null),
      line("urumqi", "settlement_receivable:prefecture", 25000n, 0n, null, null),
      line("urumqi", "due_from:prefecture", 0n, 25000n, null, null),
    ]);
  });

  it("an overpaid settlement moves the balance the other way", () => {
    expect(settlementLines(-25000n, "prefecture", "urumqi", null)).toEqual([
      line("prefecture", "due_to:urumqi", 0n, 25000n, null, null),
      line("prefecture", "settlement_payable:urumqi", 25000n, 0n, null, null),
      line("urumqi", "settlement_receivable:prefecture", 0n, 25000n, null, null),
      line("urumqi", "due_from:prefecture", 25000n, 0n, null, null),
    ]);
  });

  it.each<[string, Line[]]>([
    ["a settlement of zero", settlementLines(0n, "prefecture", "bingtuan", "BZ")],
    ["a transfer of zero", transferLines(0n, "prefecture", "bingtuan", "BZ")],
    ["a receipt split of zero", receiptLines(splitReceipt(0n, VAT_SHARED), BZ, "10101", "BZ")],
  ])("%s books no lines", (_what, lines) => {
    expect(lines).toEqual([]);
  });
});

describe("assertBalanced", () => {
  const balanced = receiptLines(splitReceipt(10000n, VAT_SHARED), BZ, "10101", "BZ");

  it("refuses an entry in which one fen of Bingtuan's lines is missing, naming Bingtuan", () => {
    const lines = balanced.map((l) =>
      l.jurisdiction === "bingtuan" && l.account === "revenue_shared" ? { ...l, credit_fen: l.credit_fen - 1n } : l,
    );
    const rejection = rejectionOf(() => assertBalanced(lines));
    expect(rejection.code).toBe("entry_unbalanced");
    expect(rejection.details).toEqual({ jurisdiction: "bingtuan" });
    expect(rejection.message).toBe("the lines of bingtuan differ by 1 fen");
  });

  it("refuses an entry in which the prefecture credits one fen more than it debits", () => {
    const lines = balanced.map((l) =>
      l.jurisdiction === "prefecture" && l.account === "revenue_shared_host"
        ? { ...l, credit_fen: l.credit_fen + 1n }
        : l,
    );
    const rejection = rejectionOf(() => assertBalanced(lines));
    expect(rejection.code).toBe("entry_unbalanced");
    expect(rejection.details).toEqual({ jurisdiction: "prefecture" });
    expect(rejection.message).toBe("the lines of prefecture differ by -1 fen");
  });

  it("refuses an entry whose total balances but whose prefecture and Bingtuan lines do not", () => {
    const lines = [
      line("prefecture", "treasury", 500n, 0n, null, null),
      line("bingtuan", "cash", 0n, 500n, null, null),
    ];
    const rejection = rejectionOf(() => assertBalanced(lines));
    expect(rejection.code).toBe("entry_unbalanced");
    expect(rejection.details).toEqual({ jurisdiction: "prefecture" });
    expect(rejection.message).toBe("the lines of prefecture differ by 500 fen");
  });

  it("refuses an entry in which central's lines differ even though the host and operator balance", () => {
    const lines = balanced.filter((l) => !(l.jurisdiction === "central" && l.account === "revenue_central"));
    const rejection = rejectionOf(() => assertBalanced(lines));
    expect(rejection.code).toBe("entry_unbalanced");
    expect(rejection.details).toEqual({ jurisdiction: "central" });
  });

  it("refuses a line with a negative side even when the sums agree", () => {
    const lines = [
      line("prefecture", "treasury", -5n, 0n, null, null),
      line("prefecture", "suspense", 0n, -5n, null, null),
    ];
    const rejection = rejectionOf(() => assertBalanced(lines));
    expect(rejection.code).toBe("entry_unbalanced");
    expect(rejection.message).toBe("a line has a negative side");
  });

  it("accepts the balanced entry those were made from, and an empty one", () => {
    expect(() => assertBalanced(balanced)).not.toThrow();
    expect(() => assertBalanced([])).not.toThrow();
  });
});
