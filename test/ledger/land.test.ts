// The land rules without a database: which books land revenue reaches and with what split, and who
// forgoes how much of an exemption. Amounts are bigint fen, worked out by hand in the table.

import { describe, expect, it } from "vitest";
import { exemptionShares, landRevenueBooking, type LandTerms } from "../../ledger/land.js";
import { assertBalanced } from "../../ledger/posting.js";

const RATIOS: Record<string, number> = { LAND: 0, NCLF: 3000, MRR: 4000 };

function terms(shared: string[] = [], options: { agreement?: boolean } = {}): LandTerms {
  const parks = [
    { code: "BZ", operator: "bingtuan", host: "prefecture" },
    { code: "ZD", operator: "prefecture", host: "prefecture" },
  ];
  return {
    central: "central",
    park: (code) => parks.find((p) => p.code === code),
    landItem: (code) => ({ code, budget: code === "MRR" ? "general" : "fund" }),
    landRatioOn: (item, on) =>
      item === "MRR" && on < "2017-07-01" ? undefined : { id: 1, central_share_bp: RATIOS[item]! },
    agreementOn: () =>
      options.agreement === false ? undefined : { id: 7, operator_share_bp: 8000, shared_non_tax: shared },
  };
}

describe("land revenue booking", () => {
  it.each([
    // item, park, shared items, amount, central, operator, host, the host's revenue account
    ["NCLF", "BZ", [], 5n, 2n, 0n, 3n, "fund_revenue"],
    ["MRR", "BZ", [], 3n, 1n, 0n, 2n, "nontax_revenue"],
    ["LAND", "BZ", [], 123456789n, 0n, 0n, 123456789n, "fund_revenue"],
    ["LAND", "BZ", ["LAND"], 10001n, 0n, 8001n, 2000n, "revenue_shared_host"],
    ["NCLF", "BZ", ["NCLF"], 1001n, 300n, 561n, 140n, "revenue_shared_host"],
    ["MRR", "ZD", ["MRR"], 5n, 2n, 0n, 3n, "nontax_revenue"],
  ] as const)(
    "%s in %s sharing %j: %s fen → central %s, operator %s, host %s in %s",
    (item, park, shared, amount, c, o, h, account) => {
      const d = landRevenueBooking(
        { park, item, collected_on: "2025-03-01", amount_fen: amount },
        terms([...shared]),
        new Map(),
      );
      expect(d.rejection).toBeNull();
      const b = d.value!;
      expect(b.split).toEqual({ central_fen: c, local_fen: amount - c, operator_fen: o, host_fen: h });
      expect(b.operator).toBe(o > 0n ? "bingtuan" : null);
      assertBalanced(b.lines);
      const hostRevenue = b.lines.filter((l) => l.jurisdiction === "prefecture" && l.account === account);
      expect(hostRevenue.map((l) => l.credit_fen)).toEqual([h]);
      expect(b.lines.every((l) => l.tax_code === item && l.park === park)).toBe(true);
    },
  );

  it("is refused without a central share in force, or without an agreement in a shared park", () => {
    const early = landRevenueBooking(
      { park: "BZ", item: "MRR", collected_on: "2016-12-31", amount_fen: 1n },
      terms(),
      new Map(),
    );
    expect(early.rejection).toMatchObject({ column: "collected_on", code: "no_central_ratio" });
    const none = landRevenueBooking(
      { park: "BZ", item: "LAND", collected_on: "2025-01-01", amount_fen: 1n },
      terms([], { agreement: false }),
      new Map(),
    );
    expect(none.rejection).toMatchObject({ column: "collected_on", code: "no_agreement" });
  });

  it("books a closed year's revenue in the first year still open", () => {
    const closed = new Map([["BZ", new Set([2024, 2025])]]);
    const d = landRevenueBooking(
      { park: "BZ", item: "LAND", collected_on: "2024-06-01", amount_fen: 1n },
      terms(),
      closed,
    );
    expect(d.value!.fiscal_year).toBe(2026);
  });
});

describe("who forgoes an exemption", () => {
  it.each([
    // park, item, forgone by, amount, central, operator, host
    ["BZ", "LAND", "shared", 100001n, 0n, 80001n, 20000n],
    ["BZ", "LAND", "shared", 1n, 0n, 1n, 0n],
    ["BZ", "NCLF", "bingtuan", 500n, 0n, 500n, 0n],
    ["BZ", "NCLF", "prefecture", 500n, 0n, 0n, 500n],
    ["BZ", "NCLF", "central", 500n, 500n, 0n, 0n],
    ["ZD", "LAND", "shared", 777n, 0n, 0n, 777n],
  ] as const)("%s %s forgone by %s: %s fen → central %s, operator %s, host %s", (park, item, by, amount, c, o, h) => {
    const d = exemptionShares({ park, item, approved_on: "2025-02-01", amount_fen: amount, forgone_by: by }, terms());
    expect(d.value).toMatchObject({ central_fen: c, operator_fen: o, host_fen: h });
    expect(d.value!.central_fen + d.value!.operator_fen + d.value!.host_fen).toBe(amount);
  });

  it.each([
    ["central", "LAND", /LAND has no central share/],
    ["urumqi", "LAND", /urumqi neither runs nor hosts BZ; use bingtuan, prefecture, shared/],
  ])("refuses %s forgoing %s in BZ", (by, item, reason) => {
    const d = exemptionShares({ park: "BZ", item, approved_on: "2025-02-01", amount_fen: 1n, forgone_by: by }, terms());
    expect(d.rejection).toMatchObject({
      column: "forgone_by",
      code: "forgone_by_invalid",
      reason: expect.stringMatching(reason),
    });
  });
});
