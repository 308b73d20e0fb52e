// The payment rules as properties: a sequence of payments held to what is outstanding never pays more
// than the settled balance, what is outstanding is the balance less what was paid to the fen, and a
// payment's lines balance in both parties' books and move exactly its amount the way the debt runs.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketOf, daysBetween, debtOf, outstandingOf, paymentLines, paymentProblem } from "../../ledger/payments.js";
import { assertBalanced } from "../../ledger/posting.js";

const fen = fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n });

describe("payments of a settled balance", () => {
  it("never pay more than the balance, and leave the balance less what was paid outstanding", () => {
    fc.assert(
      fc.property(
        fen,
        fc.array(fc.bigInt({ min: -1_000n, max: 10_000_000_000n }), { maxLength: 30 }),
        (balance, tries) => {
          const debt = debtOf(balance, "prefecture", "bingtuan");
          if (debt === null) {
            expect(balance).toBe(0n);
            return;
          }
          expect(debt.amount_fen).toBe(balance < 0n ? -balance : balance);
          expect(debt.debtor).toBe(balance > 0n ? "prefecture" : "bingtuan");
          const paid: bigint[] = [];
          for (const amount of tries) {
            const outstanding = outstandingOf(debt.amount_fen, paid);
            const problem = paymentProblem(amount, outstanding);
            if (problem === null) paid.push(amount);
            else expect(amount <= 0n || amount > outstanding).toBe(true);
          }
          const total = paid.reduce((a, b) => a + b, 0n);
          expect(total <= debt.amount_fen).toBe(true);
          expect(outstandingOf(debt.amount_fen, paid)).toBe(debt.amount_fen - total);
          expect(outstandingOf(debt.amount_fen, paid) >= 0n).toBe(true);
          // whatever is outstanding can be paid, to the fen, and then nothing more
          const rest = outstandingOf(debt.amount_fen, paid);
          if (rest > 0n) {
            expect(paymentProblem(rest, rest)).toBeNull();
            expect(paymentProblem(1n, 0n)).toBe("overpayment");
          }
        },
      ),
    );
  });

  it("book balanced lines that clear the settlement accounts by exactly the amount, the way the debt runs", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10_000_000_000_000n }), fc.boolean(), (amount, hostOwes) => {
        const direction = hostOwes ? "host_to_operator" : "operator_to_host";
        const lines = paymentLines(amount, direction, "prefecture", "urumqi", "WZ");
        assertBalanced(lines);
        const payable = lines.find((l) => l.account === "settlement_payable:urumqi")!;
        const receivable = lines.find((l) => l.account === "settlement_receivable:prefecture")!;
        // the host's payable is debited when it pays, credited when the operator pays it back
        expect(hostOwes ? payable.debit_fen : payable.credit_fen).toBe(amount);
        expect(hostOwes ? receivable.credit_fen : receivable.debit_fen).toBe(amount);
        expect(lines.every((l) => l.park === "WZ" && l.tax_code === null)).toBe(true);
      }),
    );
  });

  it("age a balance into one bucket by its days past due", () => {
    expect([0, 30, 31, 90, 91, 180, 181, 365, 366].map(bucketOf)).toEqual([
      "d0_30",
      "d0_30",
      "d31_90",
      "d31_90",
      "d91_180",
      "d91_180",
      "d181_365",
      "d181_365",
      "over_365",
    ]);
    expect(daysBetween("2025-12-31", "2026-03-01")).toBe(60);
    expect(daysBetween("2024-02-28", "2024-03-01")).toBe(2);
    expect(() => bucketOf(-1)).toThrow();
  });
});
