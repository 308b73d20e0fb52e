// Re-splitting a booked receipt under a version that reaches back (docs/domain.md#reference-data-with-
// effective-dates): the terms the rules give it now, the difference from its current split, and the
// balanced lines of that difference. Worked by hand, then properties over any amount, shares and
// refunds: the re-split receipt holds exactly what booking it under the new terms would give, and
// refunds adding up to it still undo it. Bigint fen only, no float anywhere.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addSplit,
  splitIsWhole,
  splitReceipt,
  splitRefund,
  ZERO_SPLIT,
  type ReceiptSplit,
  type SplitRule,
} from "../../ledger/allocate.js";
import { AMOUNT_FEN_LIMIT, type Fen } from "../../ledger/money.js";
import { assertBalanced, receiptLines, type Line } from "../../ledger/posting.js";
import {
  differenceOf,
  resplit,
  resplitWithRefunds,
  termsInForce,
  type SplitTerms,
  type StandingReceipt,
} from "../../ledger/resplit.js";
import { termsOf } from "../../ledger/rules.js";

const BOOKS = { central: "central", is_tax: true };
const RULE_80: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
const PARTIES = { host: "prefecture", operator: "bingtuan", central: "central", is_tax: true };

/** BZ at 80 % until 2024, 70 % from 2025; VAT central 50 %, from 2025 60 %; 30203 shared from 2025. */
/** What an agreement says besides the share, as every version of these tests has it. */
const AGREED = {
  shared_levels: ["region", "prefecture", "county"],
  attribution: "collected_on" as const,
  refund_shares: {},
};

const terms = termsOf({
  central: "central",
  parks: [
    { code: "BZ", operator: "bingtuan", host: "prefecture" },
    { code: "ZD", operator: "prefecture", host: "prefecture" },
  ],
  taxes: [
    { code: "VAT", name_zh: "增值税", is_tax: true },
    { code: "RES", name_zh: "资源税", is_tax: true },
    { code: "30203", name_zh: "教育费附加", is_tax: false },
  ],
  ratios: [
    { id: 2, tax_code: "VAT", effective_from: "2016-05-01", central_share_bp: 5000 },
    { id: 5, tax_code: "VAT", effective_from: "2025-01-01", central_share_bp: 6000 },
    { id: 4, tax_code: "RES", effective_from: "1994-01-01", central_share_bp: 0 },
    { id: 6, tax_code: "30203", effective_from: "1994-01-01", central_share_bp: 0 },
  ],
  agreements: [
    { id: 10, park: "BZ", effective_from: "2020-01-01", operator_share_bp: 8000, shared_non_tax: [], ...AGREED },
    { id: 11, park: "BZ", effective_from: "2025-01-01", operator_share_bp: 7000, shared_non_tax: ["30203"], ...AGREED },
  ],
});

const AT_80: SplitTerms = {
  operator: "bingtuan",
  central_ratio_id: 2,
  central_share_bp: 5000,
  agreement_id: 10,
  operator_share_bp: 8000,
};

function standing(over: Partial<StandingReceipt>, rule?: Partial<SplitRule>): StandingReceipt {
  const base: StandingReceipt = {
    receipt_no: "R-1",
    amount_fen: 10_000_00n,
    tax_code: "VAT",
    collected_on: "2025-03-10",
    scope: "gross",
    park: "BZ",
    host: "prefecture",
    uscc: "91650000MA77U7QX4B",
    kind: "receipt",
    levels: null,
    period_end: "",
    terms: AT_80,
    split: ZERO_SPLIT,
    ...over,
  };
  const t = base.terms;
  const split = splitReceipt(base.amount_fen, {
    scope: base.scope,
    central_share_bp: t.central_share_bp ?? 0,
    operator_share_bp: t.operator_share_bp,
    rounding: "half_up",
    ...rule,
  });
  return { ...base, split: over.split ?? split };
}

/** Net debit per jurisdiction and account. */
function net(lines: readonly Line[]): Map<string, Fen> {
  const m = new Map<string, Fen>();
  for (const l of lines) {
    const key = `${l.jurisdiction} ${l.account}`;
    m.set(key, (m.get(key) ?? 0n) + l.debit_fen - l.credit_fen);
  }
  for (const [k, v] of m) if (v === 0n) m.delete(k);
  return m;
}

describe("the terms in force for a booked receipt", () => {
  it("are the agreement and central ratio in force on its date, as booking it today would take them", () => {
    const now = termsInForce(standing({}), terms);
    expect(now.terms).toEqual({
      operator: "bingtuan",
      central_ratio_id: 5,
      central_share_bp: 6000,
      agreement_id: 11,
      operator_share_bp: 7000,
    });
    expect(now.rule).toEqual({ scope: "gross", central_share_bp: 6000, operator_share_bp: 7000, rounding: "half_up" });
  });

  it("share a non-tax item the agreement now names, and take no central ratio for a local receipt", () => {
    const edu = termsInForce(
      standing({ tax_code: "30203", scope: "local", terms: { ...AT_80, operator: null, operator_share_bp: null } }),
      terms,
    );
    expect(edu.terms).toMatchObject({ operator: "bingtuan", operator_share_bp: 7000, central_share_bp: null });
  });

  it("take no central ratio for a local receipt of a tax a later version made wholly central", () => {
    const wholly = termsOf({
      central: "central",
      parks: [{ code: "BZ", operator: "bingtuan", host: "prefecture" }],
      taxes: [{ code: "RES", name_zh: "资源税", is_tax: true }],
      ratios: [{ id: 7, tax_code: "RES", effective_from: "2025-01-01", central_share_bp: 10_000 }],
      agreements: [
        { id: 11, park: "BZ", effective_from: "2025-01-01", operator_share_bp: 7000, shared_non_tax: [], ...AGREED },
      ],
    });
    const local = standing({ tax_code: "RES", scope: "local", terms: { ...AT_80, central_share_bp: null } });
    expect(termsInForce(local, wholly).terms).toMatchObject({ central_ratio_id: null, operator_share_bp: 7000 });
  });

  it("leave a receipt of 2024 as it was booked", () => {
    expect(termsInForce(standing({ collected_on: "2024-12-31" }), terms).terms).toEqual(AT_80);
  });
});

describe("re-splitting one receipt", () => {
  it("moves 10 points of a VAT receipt's local 5000.00 from Bingtuan to the prefecture when 80 % becomes 70 %", () => {
    const r = standing({});
    const now = { ...AT_80, agreement_id: 11, operator_share_bp: 7000 };
    const rule: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 7000, rounding: "half_up" };
    const done = resplit(r, now, (a) => splitReceipt(a, rule), BOOKS)!;
    expect(done.split).toEqual({
      central_fen: 5000_00n,
      local_fen: 5000_00n,
      operator_fen: 3500_00n,
      host_fen: 1500_00n,
    });
    expect(done.delta).toEqual({ central_fen: 0n, local_fen: 0n, operator_fen: -500_00n, host_fen: 500_00n });
    expect(net(done.lines)).toEqual(
      new Map([
        ["prefecture due_to:bingtuan", 500_00n],
        ["prefecture revenue_shared_host", -500_00n],
        ["bingtuan due_from:prefecture", -500_00n],
        ["bingtuan revenue_shared", 500_00n],
      ]),
    );
    expect(done.terms).toBe(now);
  });

  it("takes 10 more points of a gross VAT receipt for the centre when its share becomes 60 %, from both local parties", () => {
    const rule: SplitRule = { scope: "gross", central_share_bp: 6000, operator_share_bp: 8000, rounding: "half_up" };
    const done = resplit(standing({}), AT_80, (a) => splitReceipt(a, rule), BOOKS)!;
    expect(done.delta).toEqual({
      central_fen: 1000_00n,
      local_fen: -1000_00n,
      operator_fen: -800_00n,
      host_fen: -200_00n,
    });
    expect(net(done.lines)).toEqual(
      new Map([
        ["prefecture central_payable", -1000_00n],
        ["prefecture due_to:bingtuan", 800_00n],
        ["prefecture revenue_shared_host", 200_00n],
        ["central due_from:prefecture", 1000_00n],
        ["central revenue_central", -1000_00n],
        ["bingtuan due_from:prefecture", -800_00n],
        ["bingtuan revenue_shared", 800_00n],
      ]),
    );
  });

  it("posts nothing when the split and the parties stay the same", () => {
    const rule: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
    expect(resplit(standing({}), { ...AT_80, agreement_id: 12 }, (a) => splitReceipt(a, rule), BOOKS)).toBeNull();
  });

  it("moves a non-tax item the host kept into the shared accounts when the agreement comes to name it", () => {
    const unshared = { ...AT_80, operator: null, operator_share_bp: null, central_share_bp: null };
    const r = standing({ tax_code: "30203", scope: "local", amount_fen: 100_00n, terms: unshared });
    const now = termsInForce(r, terms);
    const done = resplit(r, now.terms, (a) => splitReceipt(a, now.rule), { central: "central", is_tax: false })!;
    expect(done.delta).toEqual({ central_fen: 0n, local_fen: 0n, operator_fen: 70_00n, host_fen: -70_00n });
    expect(net(done.lines)).toEqual(
      new Map([
        ["prefecture nontax_revenue", 100_00n],
        ["prefecture due_to:bingtuan", -70_00n],
        ["prefecture revenue_shared_host", -30_00n],
        ["bingtuan due_from:prefecture", 70_00n],
        ["bingtuan revenue_shared", -70_00n],
      ]),
    );
  });

  it("re-splits a refund's negative amount with the sides swapped", () => {
    const r = standing({ receipt_no: "R-1-R", amount_fen: -10_000_00n });
    const rule: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 7000, rounding: "half_up" };
    const done = resplit(r, AT_80, (a) => splitRefund(a, 0n, rule), BOOKS)!;
    expect(done.delta).toEqual({ central_fen: 0n, local_fen: 0n, operator_fen: 500_00n, host_fen: -500_00n });
  });

  it("refuses, as a bug, a split that does not add up", () => {
    const broken = (): ReceiptSplit => ({ central_fen: 1n, local_fen: 1n, operator_fen: 1n, host_fen: 0n });
    expect(() => resplit(standing({ amount_fen: 3n }), AT_80, broken, BOOKS)).toThrow(/does not add up/);
  });
});

describe("re-splitting a receipt with its refunds", () => {
  it("splits three refunds of 0.01 of a 0.03 VAT receipt so that together they still undo it", () => {
    const old: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
    const original = standing({ amount_fen: 3n });
    const refunds = [0n, -1n, -2n].map((before, i) =>
      standing({ receipt_no: `R-1-${i}`, amount_fen: -1n, split: splitRefund(-1n, before, old) }),
    );
    const now = termsInForce(original, terms); // 60 % central, 70 % operator
    const done = resplitWithRefunds(original, refunds, now, BOOKS);
    const after = [original, ...refunds].map((r, i) => (done[i] === null ? r.split : done[i]!.split));
    expect(after[0]).toEqual(splitReceipt(3n, now.rule));
    expect(after.reduce(addSplit, ZERO_SPLIT)).toEqual(ZERO_SPLIT);
  });
});

describe("the lines of a difference", () => {
  it("net the accounts of both sides and drop what cancels", () => {
    const a = receiptLines(splitReceipt(100n, RULE_80), PARTIES, "VAT", "BZ");
    expect(differenceOf(a, a)).toEqual([]);
  });
});

// ---- properties ----

const receiptFen = fc.oneof(fc.bigInt({ min: 1n, max: 300n }), fc.bigInt({ min: 1n, max: AMOUNT_FEN_LIMIT }));
const bp = fc.oneof(fc.constantFrom(0, 5000, 6000, 7000, 8000, 10000), fc.integer({ min: 0, max: 10000 }));
const rule: fc.Arbitrary<SplitRule> = fc.record({
  scope: fc.constantFrom<"gross" | "local">("gross", "local"),
  central_share_bp: bp,
  operator_share_bp: fc.option(bp, { nil: null }),
  rounding: fc.constant("half_up" as const),
});

/** Cuts a receipt into up to 8 refunds (negative) that add up to at most it; `whole` makes them add up to it. */
function refundsOf(receipt: Fen, whole: boolean): fc.Arbitrary<Fen[]> {
  if (receipt === 1n) return fc.constant(whole ? [-1n] : []);
  return fc.uniqueArray(fc.bigInt({ min: 1n, max: receipt - 1n }), { maxLength: 7 }).map((cuts) => {
    const sorted = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const pieces: Fen[] = [];
    let previous = 0n;
    for (const cut of whole ? [...sorted, receipt] : sorted) {
      pieces.push(previous - cut);
      previous = cut;
    }
    return pieces;
  });
}

const termsOfRule = (r: SplitRule, agreement_id: number): SplitTerms => ({
  operator: r.operator_share_bp === null ? null : "bingtuan",
  central_ratio_id: r.scope === "gross" ? 1 : null,
  central_share_bp: r.scope === "gross" ? r.central_share_bp : null,
  agreement_id: r.operator_share_bp === null ? null : agreement_id,
  operator_share_bp: r.operator_share_bp,
});

/** A receipt and its refunds as booked under `old`: the receipt split, each refund cumulatively. */
function bookedUnder(amount: Fen, refunds: readonly Fen[], old: SplitRule): StandingReceipt[] {
  const t = termsOfRule(old, 1);
  const family = [standing({ amount_fen: amount, scope: old.scope, terms: t, split: splitReceipt(amount, old) })];
  let before = 0n;
  refunds.forEach((refund, i) => {
    const split = splitRefund(refund, before, old);
    family.push(standing({ receipt_no: `R-${i}`, amount_fen: refund, scope: old.scope, terms: t, split }));
    before += refund;
  });
  return family;
}

describe("a re-split receipt holds what booking it under the new terms would", () => {
  const scenario = fc
    .tuple(receiptFen, rule, rule, fc.boolean())
    .map(([amount, old, next, whole]) => ({ amount, old, next: { ...next, scope: old.scope }, whole }))
    .chain((s) => refundsOf(s.amount, s.whole).map((refunds) => ({ ...s, refunds })));

  it("split plus differences equals the direct split, each part adds up, and every difference balances", () => {
    fc.assert(
      fc.property(scenario, ({ amount, old, next, refunds }) => {
        const [original, ...booked] = bookedUnder(amount, refunds, old);
        const now = { terms: termsOfRule(next, 2), rule: next };
        const done = resplitWithRefunds(original!, booked, now, BOOKS);
        let before = 0n;
        [original!, ...booked].forEach((r, i) => {
          const direct = i === 0 ? splitReceipt(amount, next) : splitRefund(r.amount_fen, before, next);
          if (i > 0) before += r.amount_fen;
          const d = done[i];
          const after = d === null ? r.split : addSplit(r.split, d!.delta);
          expect(after).toEqual(direct);
          expect(splitIsWhole(r.amount_fen, after)).toBe(true);
          if (d !== null) {
            assertBalanced(d!.lines);
            expect(d!.split).toEqual(direct);
          }
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("the old lines plus the difference are the lines under the new terms, account by account", () => {
    fc.assert(
      fc.property(scenario, ({ amount, old, next, refunds }) => {
        const [original, ...booked] = bookedUnder(amount, refunds, old);
        const now = { terms: termsOfRule(next, 2), rule: next };
        const done = resplitWithRefunds(original!, booked, now, BOOKS);
        [original!, ...booked].forEach((r, i) => {
          const parties = (t: SplitTerms) => ({ ...PARTIES, operator: t.operator });
          const oldLines = receiptLines(r.split, parties(r.terms), "VAT", "BZ");
          const d = done[i];
          const newLines = receiptLines(d?.split ?? r.split, parties(d?.terms ?? r.terms), "VAT", "BZ");
          expect(net([...oldLines, ...(d?.lines ?? [])])).toEqual(net(newLines));
        });
      }),
      { numRuns: 500 },
    );
  });

  it("refunds adding up to the receipt return every party to zero after the re-split", () => {
    const whole = fc
      .tuple(receiptFen, rule, rule)
      .chain(([amount, old, next]) =>
        refundsOf(amount, true).map((refunds) => ({ amount, old, next: { ...next, scope: old.scope }, refunds })),
      );
    fc.assert(
      fc.property(whole, ({ amount, old, next, refunds }) => {
        const family = bookedUnder(amount, refunds, old);
        const done = resplitWithRefunds(
          family[0]!,
          family.slice(1),
          { terms: termsOfRule(next, 2), rule: next },
          BOOKS,
        );
        const total = family.reduce((sum, r, i) => addSplit(sum, done[i]?.split ?? r.split), ZERO_SPLIT);
        expect(total).toEqual(ZERO_SPLIT);
      }),
      { numRuns: 1000 },
    );
  });
});
