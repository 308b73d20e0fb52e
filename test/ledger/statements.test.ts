// The pure rules of a settlement statement's life (ledger/statements.ts): its lines and where two
// statements differ, the state its events add up to, and its number.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import {
  deriveState,
  differingLines,
  statementLines,
  statementNumber,
  type StatementEvent,
} from "../../ledger/statements.js";

const base = {
  by_tax: [
    { tax_code: "VAT", operator_share: "4000.00" },
    { tax_code: "CIT", operator_share: "1600.00" },
  ],
  prior_year_adjustments: [],
  refunds_and_adjustments: [],
  agreements: [{ effective_from: "2025-01-01", operator_share_pct: "80.00", note: "" }],
  transfers: [{ ref: "T-1", amount: "100.00" }],
  totals: { operator_share: "5600.00", transferred: "100.00", balance_due: "5500.00" },
  months: [{ month: "2025-01" }, { month: null }],
};

describe("settlement statement lines", () => {
  it("names each tax, each figure of the totals, the transfers, each month and the lists", () => {
    expect([...statementLines(base).keys()]).toEqual([
      "VAT",
      "CIT",
      "operator_share",
      "transferred",
      "balance_due",
      "transfers",
      "T-1",
      "2025-01",
      "outside_year",
      "prior_year_adjustments",
      "refunds_and_adjustments",
      "agreements",
    ]);
  });

  it("finds no difference between a statement and itself, and every line whose content changed", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (fen) => {
        const amount = formatYuan(fen);
        expect(differingLines(base, structuredClone(base))).toEqual([]);
        const changed = { ...base, totals: { ...base.totals, balance_due: amount } };
        expect(differingLines(base, changed)).toEqual(amount === "5500.00" ? [] : ["balance_due"]);
      }),
    );
    const late = { ...base, by_tax: [...base.by_tax, { tax_code: "RES", operator_share: "1.00" }] };
    expect(differingLines(base, late)).toEqual(["RES"]);
    expect(differingLines(late, base)).toEqual(["RES"]);
  });
});

describe("the state of a statement from its events", () => {
  const ev = (seq: number, kind: StatementEvent["kind"], dispute_seq: number | null = null): StatementEvent => ({
    seq,
    kind,
    dispute_seq,
  });
  it("issued, disputed, resolved or withdrawn, confirmed, superseded", () => {
    expect(deriveState([])).toEqual({ state: "issued", open_disputes: [], confirmed: false });
    expect(deriveState([ev(1, "dispute"), ev(2, "dispute")]).open_disputes).toEqual([1, 2]);
    expect(deriveState([ev(1, "dispute"), ev(2, "dispute"), ev(3, "resolve", 1)])).toMatchObject({
      state: "disputed",
      open_disputes: [2],
    });
    expect(deriveState([ev(1, "dispute"), ev(2, "withdraw", 1), ev(3, "confirm")]).state).toBe("confirmed");
    expect(deriveState([ev(2, "confirm"), ev(1, "dispute")]).state).toBe("disputed");
    expect(deriveState([ev(1, "confirm"), ev(2, "supersede")]).state).toBe("superseded");
  });
  it("numbers a statement by year, operator, park and issue", () => {
    expect(statementNumber(2025, "bingtuan", "BZ", 1)).toBe("ZD-2025-bingtuan-BZ-01");
    expect(statementNumber(2025, "changji_hz", "CZ", 12)).toBe("ZD-2025-changji_hz-CZ-12");
  });
});
