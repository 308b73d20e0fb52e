// The promises of docs/domain.md (#the-split-and-rounding, #refunds) that must hold for every amount
// and every agreement, not just the ones worked by hand: a split never creates or loses a fen, and
// refunds never take back more than a party got. Amounts are bigint fen only; no float is used
// anywhere, not even to generate data.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addSplit,
  shareOf,
  splitReceipt,
  splitRefund,
  ZERO_SPLIT,
  type ReceiptSplit,
  type RoundingMode,
  type SplitRule,
} from "../../ledger/allocate.js";
import { AMOUNT_FEN_LIMIT, type Fen } from "../../ledger/money.js";

const PARTS = ["central_fen", "local_fen", "operator_fen", "host_fen"] as const;

/** Small amounts hit every rounding edge; large ones check there is no overflow or float. */
const amountFen = fc.oneof(
  fc.bigInt({ min: -300n, max: 300n }),
  fc.bigInt({ min: -AMOUNT_FEN_LIMIT, max: AMOUNT_FEN_LIMIT }),
);
const receiptFen = fc.oneof(fc.bigInt({ min: 1n, max: 300n }), fc.bigInt({ min: 1n, max: AMOUNT_FEN_LIMIT }));
const bp = fc.oneof(fc.constantFrom(0, 2000, 5000, 6000, 7500, 8000, 10000), fc.integer({ min: 0, max: 10000 }));
const rounding = fc.constantFrom<RoundingMode>("half_up", "half_even", "down");
const rule: fc.Arbitrary<SplitRule> = fc.record({
  scope: fc.constantFrom<"gross" | "local">("gross", "local"),
  central_share_bp: bp,
  operator_share_bp: fc.option(bp, { nil: null }),
  rounding,
});

function hasSignOf(part: Fen, amount: Fen): boolean {
  if (amount === 0n) return part === 0n;
  return amount > 0n ? part >= 0n : part <= 0n;
}

/** Cuts a receipt into 1..12 positive refund amounts that add up to it exactly. */
function refundsOf(receipt: Fen): fc.Arbitrary<Fen[]> {
  if (receipt === 1n) return fc.constant([1n]);
  return fc.uniqueArray(fc.bigInt({ min: 1n, max: receipt - 1n }), { maxLength: 11 }).map((cuts) => {
    const sorted = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const pieces: Fen[] = [];
    let previous = 0n;
    for (const cut of [...sorted, receipt]) {
      pieces.push(cut - previous);
      previous = cut;
    }
    return pieces;
  });
}

describe("every split adds up", () => {
  it("central + local = amount and operator + host = local, for any amount, any bp and both scopes", () => {
    fc.assert(
      fc.property(amountFen, rule, (amount, r) => {
        const split = splitReceipt(amount, r);
        expect(split.central_fen + split.local_fen).toBe(amount);
        expect(split.operator_fen + split.host_fen).toBe(split.local_fen);
        if (r.scope === "local") expect(split.central_fen).toBe(0n);
        if (r.operator_share_bp === null) expect(split.operator_fen).toBe(0n);
      }),
      { numRuns: 2000 },
    );
  });

  it("each part has the amount's sign or is zero", () => {
    fc.assert(
      fc.property(amountFen, rule, (amount, r) => {
        const split = splitReceipt(amount, r);
        for (const part of PARTS)
          expect(hasSignOf(split[part], amount), `${part} = ${split[part]} of ${amount}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("a refund's split is exactly the receipt's split negated (rounding is on |amount|)", () => {
    fc.assert(
      fc.property(amountFen, rule, (amount, r) => {
        expect(addSplit(splitReceipt(amount, r), splitReceipt(-amount, r))).toEqual(ZERO_SPLIT);
      }),
      { numRuns: 1000 },
    );
  });

  it("half_up gives floor(|amount| × bp / 10000 + 1/2) with the amount's sign", () => {
    fc.assert(
      fc.property(amountFen, fc.integer({ min: 0, max: 10000 }), (amount, shareBp) => {
        const abs = amount < 0n ? -amount : amount;
        const expected = (2n * abs * BigInt(shareBp) + 10000n) / 20000n;
        expect(shareOf(amount, shareBp, "half_up")).toBe(amount < 0n ? -expected : expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("refunds", () => {
  it("a full refund returns every party to zero", () => {
    fc.assert(
      fc.property(receiptFen, rule, (receipt, r) => {
        const original = splitReceipt(receipt, r);
        expect(addSplit(original, splitRefund(-receipt, 0n, r))).toEqual(ZERO_SPLIT);
      }),
      { numRuns: 2000 },
    );
  });

  it("partial refunds adding up to the receipt return every party to exactly zero, and no party is ever refunded more than it received", () => {
    const receiptAndRefunds = receiptFen.chain((receipt) => fc.tuple(fc.constant(receipt), refundsOf(receipt)));
    fc.assert(
      fc.property(receiptAndRefunds, rule, ([receipt, refunds], r) => {
        const original = splitReceipt(receipt, r);
        let refunded_before = 0n;
        let returned: ReceiptSplit = ZERO_SPLIT;
        for (const refund of refunds) {
          const split = splitRefund(-refund, refunded_before, r);
          expect(split.central_fen + split.local_fen).toBe(-refund);
          expect(split.operator_fen + split.host_fen).toBe(split.local_fen);
          refunded_before -= refund;
          returned = addSplit(returned, split);
          for (const part of PARTS) {
            // returned is ≤ 0; together with what the party got it stays between 0 and the original part
            const left = original[part] + returned[part];
            expect(left >= 0n && left <= original[part], `${part}: ${left} left of ${original[part]}`).toBe(true);
          }
        }
        expect(refunded_before).toBe(-receipt);
        expect(addSplit(original, returned)).toEqual(ZERO_SPLIT);
      }),
      { numRuns: 1000 },
    );
  });

  it("no single refund gives any party money (every part of a refund is ≤ 0)", () => {
    const receiptAndRefunds = receiptFen.chain((receipt) => fc.tuple(fc.constant(receipt), refundsOf(receipt)));
    fc.assert(
      fc.property(receiptAndRefunds, rule, ([, refunds], r) => {
        let refunded_before = 0n;
        for (const refund of refunds) {
          const split = splitRefund(-refund, refunded_before, r);
          for (const part of PARTS) expect(split[part] <= 0n, `${part} = ${split[part]}`).toBe(true);
          refunded_before -= refund;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
