// Whatever receipts and refunds arrive, every jurisdiction's trial balance balances, the treasury holds
// exactly what was collected, and what one jurisdiction's books say it owes another is what the other's
// books say it is owed. Amounts are bigint fen only.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitReceipt, splitRefund, type RoundingMode, type SplitRule } from "../../ledger/allocate.js";
import { AMOUNT_FEN_LIMIT, type Fen } from "../../ledger/money.js";
import { assertBalanced, receiptLines, type Line, type ReceiptParties } from "../../ledger/posting.js";

const PARKS: Record<string, ReceiptParties> = {
  BZ: { host: "prefecture", operator: "bingtuan", central: "central", is_tax: true },
  WZ: { host: "prefecture", operator: "urumqi", central: "central", is_tax: true },
  ZD: { host: "prefecture", operator: null, central: "central", is_tax: true },
};

const bp = fc.oneof(fc.constantFrom(0, 5000, 6000, 8000, 10000), fc.integer({ min: 0, max: 10000 }));

interface Receipt {
  park: string;
  tax_code: string;
  is_tax: boolean;
  amount_fen: Fen;
  rule: SplitRule;
  /** Positive amounts refunded, in order; they add up to at most the receipt. */
  refunds_fen: Fen[];
}

/** Refunds of a receipt: the differences between sorted cut points in 1..amount, so never more than it. */
function refundsUpTo(amount: Fen): fc.Arbitrary<Fen[]> {
  return fc.uniqueArray(fc.bigInt({ min: 1n, max: amount }), { maxLength: 6 }).map((cuts) => {
    const sorted = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return sorted.map((cut, i) => cut - (i === 0 ? 0n : sorted[i - 1]!));
  });
}

const receipt: fc.Arbitrary<Receipt> = fc
  .record({
    park: fc.constantFrom("BZ", "WZ", "ZD"),
    tax_code: fc.constantFrom("10101", "10104", "10107", "30203"),
    is_tax: fc.boolean(),
    amount_fen: fc.oneof(fc.bigInt({ min: 1n, max: 500n }), fc.bigInt({ min: 1n, max: AMOUNT_FEN_LIMIT })),
    scope: fc.constantFrom<"gross" | "local">("gross", "local"),
    central_share_bp: bp,
    operator_share_bp: bp,
    rounding: fc.constantFrom<RoundingMode>("half_up", "half_even", "down"),
  })
  .chain((r) =>
    refundsUpTo(r.amount_fen).map((refunds_fen): Receipt => ({
      park: r.park,
      tax_code: r.tax_code,
      is_tax: r.is_tax,
      amount_fen: r.amount_fen,
      rule: {
        scope: r.scope,
        central_share_bp: r.central_share_bp,
        // a park without an operator has no agreement: the host keeps the whole local portion
        operator_share_bp: PARKS[r.park]!.operator === null ? null : r.operator_share_bp,
        rounding: r.rounding,
      },
      refunds_fen,
    })),
  );

/** Each receipt's entry followed by its refunds' entries, each refund split cumulatively. */
function entriesOf(receipts: readonly Receipt[]): { amount_fen: Fen; lines: Line[] }[] {
  const entries: { amount_fen: Fen; lines: Line[] }[] = [];
  for (const r of receipts) {
    const parties = { ...PARKS[r.park]!, is_tax: r.is_tax };
    entries.push({
      amount_fen: r.amount_fen,
      lines: receiptLines(splitReceipt(r.amount_fen, r.rule), parties, r.tax_code, r.park),
    });
    let refunded_before = 0n;
    for (const refund of r.refunds_fen) {
      const split = splitRefund(-refund, refunded_before, r.rule);
      entries.push({ amount_fen: -refund, lines: receiptLines(split, parties, r.tax_code, r.park) });
      refunded_before -= refund;
    }
  }
  return entries;
}

/** Net debit (debits − credits) per `jurisdiction/account`, and per jurisdiction. */
function trialBalance(lines: readonly Line[]) {
  const byAccount = new Map<string, Fen>();
  const byJurisdiction = new Map<string, { debit_fen: Fen; credit_fen: Fen }>();
  for (const l of lines) {
    const key = `${l.jurisdiction}/${l.account}`;
    byAccount.set(key, (byAccount.get(key) ?? 0n) + l.debit_fen - l.credit_fen);
    const j = byJurisdiction.get(l.jurisdiction) ?? { debit_fen: 0n, credit_fen: 0n };
    byJurisdiction.set(l.jurisdiction, {
      debit_fen: j.debit_fen + l.debit_fen,
      credit_fen: j.credit_fen + l.credit_fen,
    });
  }
  return { net: (key: string) => byAccount.get(key) ?? 0n, byJurisdiction };
}

describe("trial balance over any sequence of receipts and refunds", () => {
  it("every jurisdiction's total debits equal its total credits, and each entry balances on its own", () => {
    fc.assert(
      fc.property(fc.array(receipt, { minLength: 1, maxLength: 12 }), (receipts) => {
        const entries = entriesOf(receipts);
        for (const entry of entries) expect(() => assertBalanced(entry.lines)).not.toThrow();
        const { byJurisdiction } = trialBalance(entries.flatMap((e) => e.lines));
        expect(byJurisdiction.has("prefecture")).toBe(true);
        for (const [jurisdiction, totals] of byJurisdiction) {
          expect(totals.debit_fen - totals.credit_fen, `difference in ${jurisdiction}'s trial balance`).toBe(0n);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the treasury's debits are the receipts, its credits the refunds, and its balance the sum of all amounts", () => {
    fc.assert(
      fc.property(fc.array(receipt, { minLength: 1, maxLength: 12 }), (receipts) => {
        const entries = entriesOf(receipts);
        const treasury = entries
          .flatMap((e) => e.lines)
          .filter((l) => l.jurisdiction === "prefecture" && l.account === "treasury");
        const sum = (values: Fen[]) => values.reduce((a, b) => a + b, 0n);
        expect(sum(treasury.map((l) => l.debit_fen))).toBe(sum(receipts.map((r) => r.amount_fen)));
        expect(sum(treasury.map((l) => l.credit_fen))).toBe(sum(receipts.flatMap((r) => r.refunds_fen)));
        expect(sum(treasury.map((l) => l.debit_fen - l.credit_fen))).toBe(sum(entries.map((e) => e.amount_fen)));
      }),
      { numRuns: 500 },
    );
  });

  it("what the prefecture's books owe central and each operator is exactly what their books say they are owed", () => {
    fc.assert(
      fc.property(fc.array(receipt, { minLength: 1, maxLength: 12 }), (receipts) => {
        const entries = entriesOf(receipts);
        const { net } = trialBalance(entries.flatMap((e) => e.lines));
        expect(-net("prefecture/central_payable")).toBe(net("central/due_from:prefecture"));
        expect(-net("prefecture/due_to:bingtuan")).toBe(net("bingtuan/due_from:prefecture"));
        expect(-net("prefecture/due_to:urumqi")).toBe(net("urumqi/due_from:prefecture"));
        expect(-net("central/revenue_central")).toBe(net("central/due_from:prefecture"));
        expect(-net("bingtuan/revenue_shared")).toBe(net("bingtuan/due_from:prefecture"));
        expect(-net("urumqi/revenue_shared")).toBe(net("urumqi/due_from:prefecture"));
      }),
      { numRuns: 500 },
    );
  });

  it("receipts refunded in full leave every account of every jurisdiction at zero", () => {
    // the last refund takes back whatever the earlier ones left (at least 1 fen, as the cuts are distinct)
    const fullyRefunded = receipt.map((r) => {
      const earlier = r.refunds_fen.slice(0, -1);
      const last = r.amount_fen - earlier.reduce((a, b) => a + b, 0n);
      return { ...r, refunds_fen: [...earlier, last] };
    });
    fc.assert(
      fc.property(fc.array(fullyRefunded, { minLength: 1, maxLength: 8 }), (receipts) => {
        const lines = entriesOf(receipts).flatMap((e) => e.lines);
        const { net } = trialBalance(lines);
        for (const l of lines) expect(net(`${l.jurisdiction}/${l.account}`), `${l.jurisdiction}/${l.account}`).toBe(0n);
      }),
      { numRuns: 300 },
    );
  });
});
