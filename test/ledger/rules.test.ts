// The rule a receipt is booked by, chosen without a database: the park on the day or suspense, the
// central ratio and the agreement in force, the first open fiscal year, and a refund split with its
// original's terms. Table-driven cases worked by hand, then properties over any amount and date.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitIsWhole } from "../../ledger/allocate.js";
import type { Fen } from "../../ledger/money.js";
import { assertBalanced } from "../../ledger/posting.js";
import { refundBooking, refundProblems } from "../../ledger/refunds.js";
import {
  fiscalYearOf,
  ruleForReceipt,
  suspenseCollector,
  termsOf,
  type Booking,
  type OriginalTerms,
  type ReceiptFacts,
  type RefundFacts,
} from "../../ledger/rules.js";

const DEFAULTS = {
  shared_levels: ["region", "prefecture", "county"],
  attribution: "collected_on" as const,
  refund_shares: {},
};

const terms = termsOf({
  central: "central",
  parks: [
    { code: "BZ", operator: "bingtuan", host: "prefecture" },
    { code: "WZ", operator: "urumqi", host: "prefecture" },
    { code: "ZD", operator: "prefecture", host: "prefecture" },
  ],
  taxes: [
    { code: "VAT", name_zh: "增值税", is_tax: true },
    { code: "CT", name_zh: "消费税", is_tax: true },
    { code: "RES", name_zh: "资源税", is_tax: true },
    { code: "30203", name_zh: "教育费附加", is_tax: false },
  ],
  ratios: [
    { id: 1, tax_code: "VAT", effective_from: "1994-01-01", central_share_bp: 7500 },
    { id: 2, tax_code: "VAT", effective_from: "2016-05-01", central_share_bp: 5000 },
    { id: 3, tax_code: "CT", effective_from: "1994-01-01", central_share_bp: 10_000 },
    { id: 4, tax_code: "RES", effective_from: "1994-01-01", central_share_bp: 0 },
  ],
  agreements: [
    { id: 10, park: "BZ", effective_from: "2024-01-01", operator_share_bp: 8000, shared_non_tax: [], ...DEFAULTS },
    { id: 11, park: "BZ", effective_from: "2026-01-01", operator_share_bp: 7000, shared_non_tax: [], ...DEFAULTS },
    {
      id: 12,
      park: "WZ",
      effective_from: "2025-01-01",
      operator_share_bp: 8000,
      shared_non_tax: ["30203"],
      ...DEFAULTS,
    },
  ],
});
const NONE_CLOSED = new Map<string, Set<number>>();
const COLLECTOR = suspenseCollector(terms.parks);

function receipt(over: Partial<ReceiptFacts>): ReceiptFacts {
  return {
    uscc: "91650000MA77U7QX4B",
    kind: "receipt",
    levels: null,
    period_end: "",
    period_park: over.park === undefined ? "BZ" : over.park,
    amount_fen: 100_00n,
    tax_code: "VAT",
    collected_on: "2025-03-10",
    scope: "gross",
    park: "BZ",
    known: true,
    ...over,
  };
}

function booked(over: Partial<ReceiptFacts>, closed = NONE_CLOSED): Booking {
  const choice = ruleForReceipt(receipt(over), terms, closed, COLLECTOR);
  if (choice.booking === null) throw new Error(`refused: ${choice.rejection.code}`);
  return choice.booking;
}

describe("choosing the rule for a receipt", () => {
  it("splits a VAT receipt of 0.03 gross in BZ into central 0.02, local 0.01, operator 0.01, host 0.00", () => {
    const b = booked({ amount_fen: 3n });
    expect(b.split).toEqual({ central_fen: 2n, local_fen: 1n, operator_fen: 1n, host_fen: 0n });
    expect(b).toMatchObject({ status: "posted", park: "BZ", operator: "bingtuan", host: "prefecture" });
    expect(b).toMatchObject({ central_ratio_id: 2, central_share_bp: 5000, agreement_id: 10, operator_share_bp: 8000 });
  });

  it.each([
    [
      "the VAT ratio before 2016-05-01",
      { collected_on: "2016-04-30", park: "ZD" },
      { central_share_bp: 7500, agreement_id: null },
    ],
    [
      "the agreement in force on the day",
      { collected_on: "2026-02-01" },
      { operator_share_bp: 7000, agreement_id: 11 },
    ],
    [
      "no central share for a local-scope receipt",
      { scope: "local" },
      { central_share_bp: null, central_ratio_id: null },
    ],
    [
      "nothing to share in the host's own area",
      { park: "ZD" },
      { operator: null, operator_share_bp: null, agreement_id: null },
    ],
    [
      "non-tax revenue unshared unless the agreement names it",
      { tax_code: "30203", scope: "local" },
      { operator: null },
    ],
    ["non-tax revenue the agreement names", { tax_code: "30203", scope: "local", park: "WZ" }, { operator: "urumqi" }],
  ] as const)("uses %s", (_, over, expected) => {
    expect(booked(over)).toMatchObject(expected);
  });

  it.each([
    [{ park: null, known: true }, "enterprise_in_no_park"],
    [{ park: null, known: false }, "enterprise_unknown"],
  ] as const)("holds a receipt of an enterprise in no park in the collector's suspense (%o)", (over, reason) => {
    const b = booked(over);
    expect(b).toMatchObject({ entry_kind: "suspense", status: "suspense", park: null, host: "prefecture" });
    expect(b.suspense_reason).toBe(reason);
    expect(b.split).toEqual({ central_fen: 0n, local_fen: 100_00n, operator_fen: 0n, host_fen: 100_00n });
  });

  it.each([
    [{ tax_code: "VAT", collected_on: "1990-01-01", park: "ZD" }, "no_central_ratio", "collected_on"],
    [{ tax_code: "CT", scope: "local" }, "local_scope_of_central_tax", "scope"],
    [{ park: "WZ", collected_on: "2024-06-01" }, "no_agreement", "collected_on"],
    [{ scope: "" }, "scope_required", "scope"],
  ] as const)("refuses %o with %s", (over, code, column) => {
    const choice = ruleForReceipt(receipt(over), terms, NONE_CLOSED, COLLECTOR);
    expect(choice.booking).toBeNull();
    expect(choice.rejection).toMatchObject({ code, column });
  });

  it("books revenue of a year closed with the operator in the first year still open", () => {
    const closed = new Map([["bingtuan", new Set([2025, 2026])]]);
    expect(booked({ collected_on: "2025-12-31" }, closed).fiscal_year).toBe(2027);
    expect(booked({ collected_on: "2025-12-31", park: "WZ" }, closed).fiscal_year).toBe(2025);
    expect(fiscalYearOf(null, "2025-05-05", closed)).toBe(2025);
  });

  it("names the prefecture as collector when parks have different hosts", () => {
    expect(suspenseCollector([{ code: "A", operator: "x", host: "county" }])).toBe("county");
    expect(
      suspenseCollector([
        { code: "A", operator: "x", host: "county" },
        { code: "B", operator: "y", host: "city" },
      ]),
    ).toBe("prefecture");
  });
});

const ORIGINAL: OriginalTerms = {
  uscc: "91650000MA77U7QX4B",
  kind: "receipt",
  local_fen: 50_00n,
  operator_fen: 40_00n,
  levels: null,
  tax_code: "VAT",
  collected_on: "2025-03-10",
  amount_fen: 100_00n,
  scope: "gross",
  is_refund: false,
  status: "posted",
  park: "BZ",
  operator: "bingtuan",
  host: "prefecture",
  central_share_bp: 5000,
  operator_share_bp: 8000,
  central_ratio_id: 2,
  agreement_id: 10,
};
const REFUND: RefundFacts = {
  uscc: ORIGINAL.uscc,
  kind: "receipt",
  levels: null,
  tax_code: "VAT",
  collected_on: "2026-04-01",
  amount_fen: -40_00n,
  scope: "",
  refund_of: "R1",
};

describe("a refund", () => {
  it("of a 2025 receipt refunded in 2026 is split with the 2025 agreement", () => {
    const b = refundBooking(REFUND, ORIGINAL, 0n, terms, NONE_CLOSED);
    expect(b).toMatchObject({ entry_kind: "refund", agreement_id: 10, operator_share_bp: 8000, fiscal_year: 2026 });
    expect(b.split).toEqual({ central_fen: -20_00n, local_fen: -20_00n, operator_fen: -16_00n, host_fen: -4_00n });
  });

  it.each([
    [{ uscc: "91650000MA77U7QX4C" }, "refund_enterprise_differs"],
    [{ tax_code: "RES" }, "refund_tax_differs"],
    [{ scope: "local" }, "scope_invalid"],
    [{ collected_on: "2025-03-09" }, "refund_before_original"],
  ] as const)("is refused when it differs from its original: %o", (over, code) => {
    const { problems, counts } = refundProblems({ ...REFUND, ...over }, ORIGINAL, 0n);
    expect(problems.map((p) => p.code)).toEqual([code]);
    expect(counts).toBe(true);
  });

  it("never takes back more than is left of the original", () => {
    const { problems, counts } = refundProblems(REFUND, ORIGINAL, -70_00n);
    expect(problems.map((p) => p.code)).toEqual(["refund_exceeds_original"]);
    expect(counts).toBe(false);
    expect(refundProblems(REFUND, ORIGINAL, -60_00n).problems).toEqual([]);
  });

  it("must name an original, not another refund", () => {
    const { problems, counts } = refundProblems(REFUND, { ...ORIGINAL, is_refund: true }, 0n);
    expect(problems.map((p) => p.code)).toEqual(["refund_of_refund"]);
    expect(counts).toBe(false);
  });

  it("of a suspense receipt is held in the same suspense", () => {
    const suspense = { ...ORIGINAL, status: "suspense" as const, park: null, operator: null, scope: "local" as const };
    const b = refundBooking(
      REFUND,
      { ...suspense, central_share_bp: null, operator_share_bp: null },
      0n,
      terms,
      NONE_CLOSED,
    );
    expect(b).toMatchObject({ status: "suspense", park: null, entry_kind: "refund" });
    expect(b.lines.map((l) => l.account).sort()).toEqual(["suspense", "treasury"]);
  });
});

const amountFen = fc.oneof(fc.bigInt({ min: 1n, max: 300n }), fc.bigInt({ min: 1n, max: 10n ** 14n }));
const day = fc
  .date({ min: new Date("2010-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const facts: fc.Arbitrary<ReceiptFacts> = fc.record({
  uscc: fc.constant("91650000MA77U7QX4B"),
  kind: fc.constant("receipt" as const),
  levels: fc.constant(null),
  period_end: fc.constant(""),
  period_park: fc.constantFrom("BZ", "WZ", "ZD", null),
  amount_fen: amountFen,
  tax_code: fc.constantFrom("VAT", "RES", "30203"),
  collected_on: day,
  scope: fc.constantFrom("gross", "local", ""),
  park: fc.constantFrom("BZ", "WZ", "ZD", null),
  known: fc.boolean(),
});

describe("every receipt the rules book", () => {
  it("balances, loses no fen, and refunds adding up to it undo it exactly", () => {
    fc.assert(
      fc.property(facts, fc.integer({ min: 1, max: 4 }), (r, pieces) => {
        const choice = ruleForReceipt(r, terms, NONE_CLOSED, COLLECTOR);
        if (choice.booking === null) return;
        const b = choice.booking;
        assertBalanced(b.lines);
        expect(splitIsWhole(r.amount_fen, b.split)).toBe(true);
        const original: OriginalTerms = {
          uscc: "U",
          kind: "receipt",
          local_fen: b.split.local_fen,
          operator_fen: b.split.operator_fen,
          levels: null,
          tax_code: r.tax_code,
          collected_on: r.collected_on,
          amount_fen: r.amount_fen,
          scope: b.scope,
          is_refund: false,
          status: b.status,
          park: b.park,
          operator: b.operator,
          host: b.host,
          central_share_bp: b.central_share_bp,
          operator_share_bp: b.operator_share_bp,
          central_ratio_id: b.central_ratio_id,
          agreement_id: b.agreement_id,
        };
        let before: Fen = 0n;
        const total = { central_fen: 0n, local_fen: 0n, operator_fen: 0n, host_fen: 0n };
        for (let i = 0; i < pieces; i++) {
          const left = r.amount_fen + before;
          const amount = i === pieces - 1 ? -left : -(left / BigInt(pieces - i));
          if (amount === 0n) continue;
          const refund: RefundFacts = {
            uscc: "U",
            kind: "receipt",
            levels: null,
            tax_code: r.tax_code,
            collected_on: r.collected_on,
            amount_fen: amount,
            scope: "",
            refund_of: "X",
          };
          expect(refundProblems(refund, original, before).problems).toEqual([]);
          const rb = refundBooking(refund, original, before, terms, NONE_CLOSED);
          assertBalanced(rb.lines);
          for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += rb.split[k];
          before += amount;
        }
        for (const k of Object.keys(total) as (keyof typeof total)[]) expect(total[k]).toBe(-b.split[k]);
      }),
    );
  });
});
