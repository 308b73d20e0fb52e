// The settlement statement's sums, without a database: rows as `querySettlement` reads them go in,
// the figures in fen come out. Worked cases by hand, then the promises that must hold for any rows:
// the totals are the sums of the by-tax rows, and the balance due is the operator's share less what
// was transferred net of recoveries. Money is bigint fen only; no float, not even to generate data.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Fen } from "../../ledger/money.js";
import {
  computeSettlementFigures,
  monthlySettlementFigures,
  type SettlementBalance,
  type SettlementFigures,
  type SettlementTotalsFen,
  type SettlementTransfer,
  type TaxFigures,
} from "../../reports/settlement.js";

const YEAR = 2025;
/** The budget item codes the taxes sort by (VAT before CIT before RES, whatever order rows come in). */
const ITEM_CODES: Record<string, string> = { VAT: "10101", CIT: "10104", RES: "10109", STAMP: "10116" };
const taxOrder = (code: string) => ITEM_CODES[code] ?? code;

function balance(
  tax_code: string,
  account: string,
  credit_net_fen: Fen,
  origin_year = YEAR,
  line_count = 0,
  month = 6,
) {
  return { tax_code, origin_year, account, credit_net_fen, line_count, month } satisfies SettlementBalance;
}
function transfer(kind: "interim" | "recovery", amount_fen: Fen, ref = `T-${kind}-${amount_fen}`) {
  return { ref, kind, transferred_on: `${YEAR}-06-30`, amount_fen } satisfies SettlementTransfer;
}
/** One tax row: receipts, then central, operator, host and not shared in fen (local is operator + host). */
function tax(tax_code: string, receipts: number, central: Fen, operator: Fen, host: Fen, not_shared = 0n): TaxFigures {
  return {
    tax_code,
    receipts,
    central_excluded_fen: central,
    local_revenue_fen: operator + host,
    operator_share_fen: operator,
    host_share_fen: host,
    not_shared_fen: not_shared,
  };
}
/** The totals of rows summing to `row`'s figures, with the transfers against them. */
function totals(row: TaxFigures, interim = 0n, recovered = 0n): SettlementTotalsFen {
  return {
    central_excluded_fen: row.central_excluded_fen,
    local_revenue_fen: row.local_revenue_fen,
    operator_share_fen: row.operator_share_fen,
    host_share_fen: row.host_share_fen,
    not_shared_fen: row.not_shared_fen,
    transferred_interim_fen: interim,
    recovered_fen: recovered,
    transferred_fen: interim - recovered,
    balance_due_fen: row.operator_share_fen - (interim - recovered),
  };
}
const ZERO_SUMS = tax("", 0, 0n, 0n, 0n);

describe("settlement figures in fen, worked by hand", () => {
  it.each<[string, SettlementBalance[], SettlementTransfer[], Omit<SettlementFigures, "year">]>([
    [
      "a year with nothing booked has no tax rows and owes nothing",
      [],
      [],
      {
        by_tax: [],
        prior_year_adjustments: [],
        totals: totals(ZERO_SUMS),
      },
    ],
    [
      "a VAT receipt of 10,000.00 gross: 5,000.00 central, 4,000.00 to the operator, 1,000.00 to the host",
      [
        balance("VAT", "treasury", 1_000_000n, YEAR, 1),
        balance("VAT", "revenue_central", 500_000n),
        balance("VAT", "revenue_shared", 400_000n),
        balance("VAT", "revenue_shared_host", 100_000n),
      ],
      [],
      {
        by_tax: [tax("VAT", 1, 500_000n, 400_000n, 100_000n)],
        prior_year_adjustments: [],
        totals: totals(tax("VAT", 1, 500_000n, 400_000n, 100_000n)),
      },
    ],
    [
      "taxes are listed by item code whatever order the rows come in; one fen of stamp duty is not lost",
      [
        balance("RES", "revenue_shared", 160_000n),
        balance("STAMP", "revenue_shared", 4n),
        balance("STAMP", "revenue_shared_host", 1n),
        balance("CIT", "revenue_shared", 160_000n),
        balance("VAT", "revenue_shared", 400_000n),
      ],
      [],
      {
        by_tax: [
          tax("VAT", 0, 0n, 400_000n, 0n),
          tax("CIT", 0, 0n, 160_000n, 0n),
          tax("RES", 0, 0n, 160_000n, 0n),
          tax("STAMP", 0, 0n, 4n, 1n),
        ],
        prior_year_adjustments: [],
        totals: totals(tax("", 0, 0n, 720_004n, 1n)),
      },
    ],
    [
      "the host's own and non-tax revenue is not shared: the host keeps it",
      [balance("RES", "revenue_own", 2_500n), balance("RES", "nontax_revenue", 7_500n)],
      [],
      {
        by_tax: [tax("RES", 0, 0n, 0n, 0n, 10_000n)],
        prior_year_adjustments: [],
        totals: totals(tax("", 0, 0n, 0n, 0n, 10_000n)),
      },
    ],
    [
      "a refund of a closed year's receipt is in this year's rows and listed as a prior-year adjustment",
      [
        balance("VAT", "revenue_shared", 400_000n),
        balance("VAT", "revenue_shared", -396_000n, 2024),
        balance("VAT", "revenue_shared_host", -99_000n, 2024),
        balance("VAT", "revenue_central", -495_000n, 2024),
        balance("CIT", "revenue_shared", 8_000n, 2023),
      ],
      [],
      {
        by_tax: [tax("VAT", 0, -495_000n, 4_000n, -99_000n), tax("CIT", 0, 0n, 8_000n, 0n)],
        prior_year_adjustments: [
          { origin_year: 2023, ...tax("CIT", 0, 0n, 8_000n, 0n) },
          { origin_year: 2024, ...tax("VAT", 0, -495_000n, -396_000n, -99_000n) },
        ],
        totals: totals(tax("", 0, -495_000n, 12_000n, -99_000n)),
      },
    ],
    [
      "a tax whose receipts were all refunded keeps its row for the receipts; one with nothing at all drops out",
      [
        balance("VAT", "treasury", 0n, YEAR, 2),
        balance("VAT", "revenue_shared", 0n),
        balance("CIT", "revenue_shared", 0n),
      ],
      [],
      { by_tax: [tax("VAT", 2, 0n, 0n, 0n)], prior_year_adjustments: [], totals: totals(ZERO_SUMS) },
    ],
    [
      "interim transfers less recoveries are deducted from the operator's share",
      [balance("VAT", "revenue_shared", 720_004n)],
      [transfer("interim", 300_000n), transfer("recovery", 50_000n), transfer("interim", 100_000n)],
      {
        by_tax: [tax("VAT", 0, 0n, 720_004n, 0n)],
        prior_year_adjustments: [],
        totals: totals(tax("", 0, 0n, 720_004n, 0n), 400_000n, 50_000n), // due 370,004
      },
    ],
    [
      "a negative interim transfer recorded before recoveries had a kind of their own reduces the interim sum",
      [balance("VAT", "revenue_shared", 100n)],
      [transfer("interim", 500n), transfer("interim", -200n)],
      {
        by_tax: [tax("VAT", 0, 0n, 100n, 0n)],
        prior_year_adjustments: [],
        totals: totals(tax("", 0, 0n, 100n, 0n), 300n, 0n), // due -200: the operator was over-transferred
      },
    ],
  ])("%s", (_name, balances, transfers, expected) => {
    const figures = computeSettlementFigures({ year: YEAR, balances, transfers }, taxOrder);
    expect(figures).toEqual({ year: YEAR, ...expected });
  });
});

const LIMIT = 10n ** 17n; // BALANCE_FEN_LIMIT: no running balance passes it
const ACCOUNTS = [
  "treasury",
  "revenue_shared",
  "revenue_shared_host",
  "revenue_central",
  "revenue_own",
  "nontax_revenue",
] as const;
const fen = fc.oneof(fc.bigInt({ min: -300n, max: 300n }), fc.bigInt({ min: -LIMIT, max: LIMIT }));
const balances = fc.array(
  fc.record({
    tax_code: fc.constantFrom("VAT", "CIT", "RES", "STAMP", "ZZZ"),
    origin_year: fc.integer({ min: YEAR - 3, max: YEAR }),
    account: fc.constantFrom(...ACCOUNTS),
    credit_net_fen: fen,
    line_count: fc.nat({ max: 1_000_000 }),
    month: fc.integer({ min: 0, max: 12 }),
  }),
  { maxLength: 40 },
);
const transfers = fc.array(
  fc.record({
    ref: fc.string({ maxLength: 8 }),
    kind: fc.constantFrom<"interim" | "recovery">("interim", "recovery"),
    transferred_on: fc.constantFrom(`${YEAR}-06-30`, `${YEAR}-01-01`, `${YEAR}-12-31`, `${YEAR + 1}-01-15`),
    amount_fen: fen,
  }),
  { maxLength: 12 },
);

const SUMMED = [
  "central_excluded_fen",
  "local_revenue_fen",
  "operator_share_fen",
  "host_share_fen",
  "not_shared_fen",
] as const;
const sum = (values: Fen[]) => values.reduce((a, b) => a + b, 0n);

describe("settlement figures in fen, for any rows", () => {
  it("property: the totals are the sums of the by-tax rows, and the balance due is the share less net transfers", () => {
    fc.assert(
      fc.property(balances, transfers, (b, t) => {
        const f = computeSettlementFigures({ year: YEAR, balances: b, transfers: t }, taxOrder);
        for (const key of SUMMED) expect(f.totals[key]).toBe(sum(f.by_tax.map((r) => r[key])));
        const interim = sum(t.filter((x) => x.kind === "interim").map((x) => x.amount_fen));
        const recovered = sum(t.filter((x) => x.kind === "recovery").map((x) => x.amount_fen));
        expect(f.totals.transferred_interim_fen).toBe(interim);
        expect(f.totals.recovered_fen).toBe(recovered);
        expect(f.totals.transferred_fen).toBe(interim - recovered);
        expect(f.totals.balance_due_fen).toBe(f.totals.operator_share_fen - (interim - recovered));
        for (const r of [...f.by_tax, ...f.prior_year_adjustments])
          expect(r.local_revenue_fen).toBe(r.operator_share_fen + r.host_share_fen);
        for (const value of Object.values(f.totals)) expect(typeof value).toBe("bigint");
      }),
      { numRuns: 300 },
    );
  });

  it("property: no fen is lost or made: each account's rows add up to its figure, prior years to their list", () => {
    fc.assert(
      fc.property(balances, (b) => {
        const f = computeSettlementFigures({ year: YEAR, balances: b, transfers: [] }, taxOrder);
        const of = (rows: SettlementBalance[], ...accounts: string[]) =>
          sum(rows.filter((r) => accounts.includes(r.account)).map((r) => r.credit_net_fen));
        const prior = b.filter((r) => r.origin_year !== YEAR);
        expect(f.totals.operator_share_fen).toBe(of(b, "revenue_shared"));
        expect(f.totals.host_share_fen).toBe(of(b, "revenue_shared_host"));
        expect(f.totals.central_excluded_fen).toBe(of(b, "revenue_central"));
        expect(f.totals.not_shared_fen).toBe(of(b, "revenue_own", "nontax_revenue"));
        expect(sum(f.prior_year_adjustments.map((r) => r.operator_share_fen))).toBe(of(prior, "revenue_shared"));
        expect(sum(f.by_tax.map((r) => BigInt(r.receipts)))).toBe(
          sum(b.filter((r) => r.account === "treasury").map((r) => BigInt(r.line_count))),
        );
        const order = f.by_tax.map((r) => taxOrder(r.tax_code));
        expect(order).toEqual([...order].sort((x, y) => x.localeCompare(y)));
        expect(new Set(f.by_tax.map((r) => r.tax_code)).size).toBe(f.by_tax.length);
      }),
      { numRuns: 300 },
    );
  });

  it("property: the months add up to the year to the fen, each month holding what is booked and transferred in it", () => {
    fc.assert(
      fc.property(balances, transfers, (b, t) => {
        const rows = { year: YEAR, balances: b, transfers: t };
        const year = computeSettlementFigures(rows, taxOrder);
        const months = monthlySettlementFigures(rows, taxOrder);
        expect(months.slice(0, 12).map((m) => m.month)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        const outside = b.some((r) => r.month === 0) || t.some((x) => !x.transferred_on.startsWith(`${YEAR}-`));
        expect(months.length).toBe(outside ? 13 : 12);
        for (const key of Object.keys(year.totals) as (keyof SettlementTotalsFen)[])
          expect(sum(months.map((m) => m.totals[key])), key).toBe(year.totals[key]);
        expect(months.reduce((n, m) => n + m.receipts, 0)).toBe(year.by_tax.reduce((n, r) => n + r.receipts, 0));
        for (const m of months) {
          const booked = b.filter((r) => r.month === m.month && r.account === "revenue_shared");
          expect(m.totals.operator_share_fen).toBe(sum(booked.map((r) => r.credit_net_fen)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
