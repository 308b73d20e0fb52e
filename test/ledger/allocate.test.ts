// The split rule of docs/domain.md (#the-split-and-rounding, #refunds) worked by hand: each row is a
// receipt or refund a finance department could load, with the fen each party must get.

import { describe, expect, it } from "vitest";
import {
  addSplit,
  shareOf,
  splitInOrder,
  splitIsWhole,
  splitReceipt,
  splitRefund,
  subtractSplit,
  ZERO_SPLIT,
  type ReceiptSplit,
  type RoundingMode,
  type SplitRule,
} from "../../ledger/allocate.js";
import { formatYuan, parseYuan, type Fen } from "../../ledger/money.js";

const VAT_SHARED: SplitRule = { scope: "gross", central_share_bp: 5000, operator_share_bp: 8000, rounding: "half_up" };
const CIT_SHARED: SplitRule = { scope: "gross", central_share_bp: 6000, operator_share_bp: 8000, rounding: "half_up" };
const LOCAL_SHARED: SplitRule = {
  scope: "local",
  central_share_bp: 5000,
  operator_share_bp: 8000,
  rounding: "half_up",
};
const VAT_UNSHARED: SplitRule = {
  scope: "gross",
  central_share_bp: 5000,
  operator_share_bp: null,
  rounding: "half_up",
};
const LOCAL_UNSHARED: SplitRule = { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: "half_up" };
const WHOLLY_CENTRAL: SplitRule = {
  scope: "gross",
  central_share_bp: 10000,
  operator_share_bp: 8000,
  rounding: "half_up",
};
const WHOLLY_LOCAL: SplitRule = { scope: "gross", central_share_bp: 0, operator_share_bp: 8000, rounding: "half_up" };

function yuan(text: string): Fen {
  const fen = parseYuan(text);
  if (fen === null) throw new Error(`bad yuan in test table: ${text}`);
  return fen;
}

function shown(split: ReceiptSplit): [string, string, string, string] {
  return [
    formatYuan(split.central_fen),
    formatYuan(split.local_fen),
    formatYuan(split.operator_fen),
    formatYuan(split.host_fen),
  ];
}

function negated(split: ReceiptSplit): ReceiptSplit {
  return subtractSplit(ZERO_SPLIT, split);
}

describe("shareOf", () => {
  it.each<[string, Fen, number, RoundingMode, Fen]>([
    ["half a fen rounds up", 3n, 5000, "half_up", 2n],
    ["half a fen of a refund rounds away from zero, keeping the sign", -3n, 5000, "half_up", -2n],
    ["one fen at 50 per cent rounds up to one fen", 1n, 5000, "half_up", 1n],
    ["minus one fen at 50 per cent rounds to minus one fen", -1n, 5000, "half_up", -1n],
    ["just under half a fen rounds down", 1n, 4999, "half_up", 0n],
    ["just under half a fen of a refund rounds to zero", -1n, 4999, "half_up", 0n],
    ["0.6 fen rounds up", 7n, 8000, "half_up", 6n],
    ["0.6 fen of a refund rounds away from zero", -7n, 8000, "half_up", -6n],
    ["0.4 fen rounds down", 3n, 8000, "half_up", 2n],
    ["0.4 fen of a refund rounds toward zero", -3n, 8000, "half_up", -2n],
    ["an exact 80 per cent is not rounded", 10n, 8000, "half_up", 8n],
    ["an exact 60 per cent of a refund is not rounded", -12345n, 6000, "half_up", -7407n],
    ["0 bp gives nothing", 12345n, 0, "half_up", 0n],
    ["10000 bp gives everything", -12345n, 10000, "half_up", -12345n],
    ["nothing gives nothing", 0n, 8000, "half_up", 0n],
    ["the largest receipt is split exactly", 1_000_000_000_000_000n, 3333, "half_up", 333_300_000_000_000n],
    ["a 15-digit odd amount rounds its half fen up", 999_999_999_999_999n, 5000, "half_up", 500_000_000_000_000n],
    [
      "a 15-digit odd refund rounds its half fen away from zero",
      -999_999_999_999_999n,
      5000,
      "half_up",
      -500_000_000_000_000n,
    ],
    [
      "2^53 + 1 fen (past float precision) halves exactly and rounds up",
      9_007_199_254_740_993n,
      5000,
      "half_up",
      4_503_599_627_370_497n,
    ],
    ["half_even rounds 1.5 fen to 2", 3n, 5000, "half_even", 2n],
    ["half_even rounds 2.5 fen to 2", 5n, 5000, "half_even", 2n],
    ["half_even rounds -2.5 fen to -2", -5n, 5000, "half_even", -2n],
    ["half_even rounds 3.5 fen to 4", 7n, 5000, "half_even", 4n],
    ["half_even rounds 0.5 fen to 0", 1n, 5000, "half_even", 0n],
    ["half_even rounds 5.6 fen to 6", 7n, 8000, "half_even", 6n],
    ["down truncates 5.6 fen to 5", 7n, 8000, "down", 5n],
    ["down truncates -5.6 fen toward zero to -5", -7n, 8000, "down", -5n],
    ["down truncates 9998.0001 fen to 9998", 9999n, 9999, "down", 9998n],
  ])("%s (%s fen at %s bp, %s, gives %s)", (_why, amount, bp, mode, share) => {
    expect(shareOf(amount, bp, mode)).toBe(share);
  });

  it.each<[string, number]>([
    ["a negative share", -1],
    ["more than the whole", 10001],
    ["a fraction of a basis point", 50.5],
    ["NaN", Number.NaN],
  ])("refuses %s", (_why, bp) => {
    expect(() => shareOf(100n, bp, "half_up")).toThrow(RangeError);
  });
});

describe("splitInOrder", () => {
  it.each<[string, Fen, number[], Fen[]]>([
    ["central first, local gets the remainder", 3n, [5000], [2n, 1n]],
    ["a refund keeps its sign in every part", -3n, [5000], [-2n, -1n]],
    ["an odd refund rounds the first part away from zero", -101n, [5000], [-51n, -50n]],
    ["with three parties the last absorbs the rounding down", 100n, [3333, 3333], [33n, 33n, 34n]],
    ["with three parties the last absorbs the rounding up", 200n, [3333, 3333], [67n, 67n, 66n]],
    ["a single party takes everything", 10n, [], [10n]],
    ["a 0 bp party gets nothing and the last gets everything", 10n, [0], [0n, 10n]],
    ["a 100 per cent party gets everything and the last nothing", -10n, [10000], [-10n, 0n]],
  ])("%s", (_why, amount, sharesBp, parts) => {
    expect(splitInOrder(amount, sharesBp, "half_up")).toEqual(parts);
  });
});

describe("splitReceipt", () => {
  it.each<[string, string, "gross" | "local", string, string, string, string, SplitRule]>([
    ["a VAT receipt", "0.03", "gross", "0.02", "0.01", "0.01", "0.00", VAT_SHARED],
    ["a VAT receipt", "0.01", "gross", "0.01", "0.00", "0.00", "0.00", VAT_SHARED],
    ["a VAT receipt", "0.02", "gross", "0.01", "0.01", "0.01", "0.00", VAT_SHARED],
    ["a VAT receipt", "0.07", "gross", "0.04", "0.03", "0.02", "0.01", VAT_SHARED],
    ["a VAT receipt", "100.00", "gross", "50.00", "50.00", "40.00", "10.00", VAT_SHARED],
    [
      "a VAT receipt",
      "99999999999.99",
      "gross",
      "50000000000.00",
      "49999999999.99",
      "39999999999.99",
      "10000000000.00",
      VAT_SHARED,
    ],
    [
      "a VAT receipt",
      "100000000000.00",
      "gross",
      "50000000000.00",
      "50000000000.00",
      "40000000000.00",
      "10000000000.00",
      VAT_SHARED,
    ],
    ["a negative VAT amount", "-0.03", "gross", "-0.02", "-0.01", "-0.01", "0.00", VAT_SHARED],
    ["a negative VAT amount", "-0.07", "gross", "-0.04", "-0.03", "-0.02", "-0.01", VAT_SHARED],
    [
      "a corporate income tax receipt (60 per cent central)",
      "123.45",
      "gross",
      "74.07",
      "49.38",
      "39.50",
      "9.88",
      CIT_SHARED,
    ],
    [
      "a corporate income tax receipt (60 per cent central)",
      "0.05",
      "gross",
      "0.03",
      "0.02",
      "0.02",
      "0.00",
      CIT_SHARED,
    ],
    ["a local-portion receipt", "123.45", "local", "0.00", "123.45", "98.76", "24.69", LOCAL_SHARED],
    ["a local-portion receipt", "0.07", "local", "0.00", "0.07", "0.06", "0.01", LOCAL_SHARED],
    ["a negative local-portion amount", "-0.07", "local", "0.00", "-0.07", "-0.06", "-0.01", LOCAL_SHARED],
    [
      "a VAT receipt in a park that shares nothing (operator_share_bp null)",
      "100.00",
      "gross",
      "50.00",
      "50.00",
      "0.00",
      "50.00",
      VAT_UNSHARED,
    ],
    [
      "a VAT receipt in a park that shares nothing (operator_share_bp null)",
      "0.03",
      "gross",
      "0.02",
      "0.01",
      "0.00",
      "0.01",
      VAT_UNSHARED,
    ],
    [
      "a local-portion receipt in a park that shares nothing",
      "12.34",
      "local",
      "0.00",
      "12.34",
      "0.00",
      "12.34",
      LOCAL_UNSHARED,
    ],
    [
      "a consumption tax receipt (100 per cent central)",
      "9999.99",
      "gross",
      "9999.99",
      "0.00",
      "0.00",
      "0.00",
      WHOLLY_CENTRAL,
    ],
    [
      "a negative consumption tax amount (100 per cent central)",
      "-5.00",
      "gross",
      "-5.00",
      "0.00",
      "0.00",
      "0.00",
      WHOLLY_CENTRAL,
    ],
    ["a resource tax receipt (0 per cent central)", "10.01", "gross", "0.00", "10.01", "8.01", "2.00", WHOLLY_LOCAL],
    ["a resource tax receipt (0 per cent central)", "0.01", "gross", "0.00", "0.01", "0.01", "0.00", WHOLLY_LOCAL],
    [
      "a negative resource tax amount (0 per cent central)",
      "-10.01",
      "gross",
      "0.00",
      "-10.01",
      "-8.01",
      "-2.00",
      WHOLLY_LOCAL,
    ],
    ["a VAT receipt", "0.00", "gross", "0.00", "0.00", "0.00", "0.00", VAT_SHARED],
  ])(
    "%s of %s %s gives central %s, local %s, operator %s, host %s",
    (_what, amount, scope, central, local, operator, host, rule) => {
      expect(rule.scope).toBe(scope);
      const split = splitReceipt(yuan(amount), rule);
      expect(shown(split)).toEqual([central, local, operator, host]);
      expect(splitIsWhole(yuan(amount), split)).toBe(true);
    },
  );

  it("a local-scope receipt ignores the central ratio: 50 per cent and 0 per cent central give the same split", () => {
    const withCentral = splitReceipt(12345n, { ...LOCAL_SHARED, central_share_bp: 5000 });
    const withoutCentral = splitReceipt(12345n, { ...LOCAL_SHARED, central_share_bp: 0 });
    expect(withCentral).toEqual({ central_fen: 0n, local_fen: 12345n, operator_fen: 9876n, host_fen: 2469n });
    expect(withoutCentral).toEqual(withCentral);
  });

  it("an agreement giving the operator 0 per cent leaves the whole local portion with the host", () => {
    expect(splitReceipt(1001n, { ...WHOLLY_LOCAL, operator_share_bp: 0 })).toEqual({
      central_fen: 0n,
      local_fen: 1001n,
      operator_fen: 0n,
      host_fen: 1001n,
    });
  });

  it("the rounding mode passed with the rule is the one used (half_even keeps a 2.5 fen central share at 2)", () => {
    expect(splitReceipt(5n, { ...VAT_SHARED, rounding: "half_even" })).toEqual({
      central_fen: 2n,
      local_fen: 3n,
      operator_fen: 2n,
      host_fen: 1n,
    });
    expect(splitReceipt(5n, VAT_SHARED)).toEqual({ central_fen: 3n, local_fen: 2n, operator_fen: 2n, host_fen: 0n });
  });
});

describe("splitRefund", () => {
  it.each<[string, string, string, string, string, string, SplitRule]>([
    ["a VAT receipt", "0.03", "-0.02", "-0.01", "-0.01", "0.00", VAT_SHARED],
    ["a VAT receipt", "0.07", "-0.04", "-0.03", "-0.02", "-0.01", VAT_SHARED],
    ["a corporate income tax receipt", "123.45", "-74.07", "-49.38", "-39.50", "-9.88", CIT_SHARED],
    ["a local-portion receipt", "0.07", "0.00", "-0.07", "-0.06", "-0.01", LOCAL_SHARED],
    ["a VAT receipt in a park that shares nothing", "0.03", "-0.02", "-0.01", "0.00", "-0.01", VAT_UNSHARED],
    ["a resource tax receipt", "10.01", "0.00", "-10.01", "-8.01", "-2.00", WHOLLY_LOCAL],
    ["a consumption tax receipt", "9999.99", "-9999.99", "0.00", "0.00", "0.00", WHOLLY_CENTRAL],
  ])(
    "a single full refund of %s of %s takes back central %s, local %s, operator %s, host %s: exactly the original split negated",
    (_what, amount, central, local, operator, host, rule) => {
      const refund = splitRefund(-yuan(amount), 0n, rule);
      expect(shown(refund)).toEqual([central, local, operator, host]);
      expect(refund).toEqual(negated(splitReceipt(yuan(amount), rule)));
      expect(addSplit(splitReceipt(yuan(amount), rule), refund)).toEqual(ZERO_SPLIT);
    },
  );

  it("three refunds of 0.01 of a 0.03 VAT receipt take back central 0.01, then local and operator 0.01, then central 0.01", () => {
    const refunds: ReceiptSplit[] = [];
    let before = 0n;
    for (const refund of [-1n, -1n, -1n]) {
      refunds.push(splitRefund(refund, before, VAT_SHARED));
      before += refund;
    }
    expect(refunds.map(shown)).toEqual([
      ["-0.01", "0.00", "0.00", "0.00"],
      ["0.00", "-0.01", "-0.01", "0.00"],
      ["-0.01", "0.00", "0.00", "0.00"],
    ]);
    expect(refunds.reduce(addSplit, splitReceipt(3n, VAT_SHARED))).toEqual(ZERO_SPLIT);
  });

  it("splitting each of those 0.01 refunds on its own would take 0.03 from central, which only got 0.02 (why refunds are cumulative)", () => {
    const central_fen = [-1n, -1n, -1n].reduce((sum, refund) => sum + splitReceipt(refund, VAT_SHARED).central_fen, 0n);
    expect(central_fen).toBe(-3n);
    expect(splitReceipt(3n, VAT_SHARED).central_fen).toBe(2n);
  });

  it("refunds of 0.03 then 0.04 of a 0.07 VAT receipt take back 0.02/0.01/0.01/0.00 then 0.02/0.02/0.01/0.01", () => {
    const first = splitRefund(-3n, 0n, VAT_SHARED);
    const second = splitRefund(-4n, -3n, VAT_SHARED);
    expect(shown(first)).toEqual(["-0.02", "-0.01", "-0.01", "0.00"]);
    expect(shown(second)).toEqual(["-0.02", "-0.02", "-0.01", "-0.01"]);
    expect(addSplit(first, second)).toEqual(negated(splitReceipt(7n, VAT_SHARED)));
  });

  it("two refunds of 50.00 of a 100.00 VAT receipt each take back 25.00/25.00/20.00/5.00", () => {
    expect(shown(splitRefund(-5000n, 0n, VAT_SHARED))).toEqual(["-25.00", "-25.00", "-20.00", "-5.00"]);
    expect(shown(splitRefund(-5000n, -5000n, VAT_SHARED))).toEqual(["-25.00", "-25.00", "-20.00", "-5.00"]);
  });

  it.each<[string, Fen, Fen]>([
    ["a positive refund", 300n, 0n],
    ["a refund of zero", 0n, 0n],
    ["a positive refunded_before", -100n, 1n],
  ])("refuses %s", (_why, refund, before) => {
    expect(() => splitRefund(refund, before, VAT_SHARED)).toThrow(RangeError);
  });
});

describe("split arithmetic", () => {
  const a: ReceiptSplit = { central_fen: 2n, local_fen: 1n, operator_fen: 1n, host_fen: 0n };
  const b: ReceiptSplit = { central_fen: 5n, local_fen: -7n, operator_fen: 3n, host_fen: -10n };

  it("addSplit adds each party's column", () => {
    expect(addSplit(a, b)).toEqual({ central_fen: 7n, local_fen: -6n, operator_fen: 4n, host_fen: -10n });
  });

  it("subtractSplit subtracts each party's column", () => {
    expect(subtractSplit(a, b)).toEqual({ central_fen: -3n, local_fen: 8n, operator_fen: -2n, host_fen: 10n });
  });

  it("ZERO_SPLIT is all zeros and cannot be changed", () => {
    expect(ZERO_SPLIT).toEqual({ central_fen: 0n, local_fen: 0n, operator_fen: 0n, host_fen: 0n });
    expect(Object.isFrozen(ZERO_SPLIT)).toBe(true);
  });

  it.each<[string, Fen, ReceiptSplit, boolean]>([
    ["a split whose parts add up is whole", 3n, a, true],
    ["a split with a fen too many for central is not whole", 3n, { ...a, central_fen: 3n }, false],
    ["a split whose operator and host exceed local is not whole", 3n, { ...a, host_fen: 1n }, false],
    ["a split of another amount is not whole", 4n, a, false],
  ])("%s", (_why, amount, split, whole) => {
    expect(splitIsWhole(amount, split)).toBe(whole);
  });
});
