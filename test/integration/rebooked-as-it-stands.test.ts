// A receipt rebooked out of suspense stands in its park for every reader of receipt rows
// (docs/decisions/0013-registry-versions.md, src/repositories/resplits.ts): S-1 is held in suspense,
// then a late registry row places its enterprise in BZ; D-1, identical, was booked in BZ directly.
// From then on the reconciliation matches S-1 against Bingtuan's statement, budget items count it in
// BZ, `show receipt` shows it in BZ with D-1's split, an agreement change re-splits both alike, and a
// refund of each splits cumulatively alike; the books balance and verify is intact throughout.
// Expected figures are computed here in integer fen, half up, from the receipts themselves.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(...argv: string[]): Promise<any> {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function booksIntact(): Promise<void> {
  const v = await json("verify");
  expect(v.intact, JSON.stringify(v.findings)).toBe(true);
  for (const j of ["prefecture", "bingtuan", "urumqi", "central"]) {
    const tb = await json("report", "trial-balance", "--year", "2026", "--jurisdiction", j);
    expect(tb.balanced, j).toBe(true);
  }
}

/** Half-up share of `fen` (not negative) at `bp` basis points, as the ledger rounds. */
const share = (fen: bigint, bp: bigint): bigint => (fen * bp * 2n + 10_000n) / 20_000n;
const fen = (yuan: string): bigint => BigInt(yuan.replace(".", ""));

/** A receipt's split as `show receipt` gives it. */
async function split(no: string): Promise<Record<string, string>> {
  const r = await json("show", "receipt", no);
  return {
    central_share: r.central_share,
    local_revenue: r.local_revenue,
    operator_share: r.operator_share,
    host_share: r.host_share,
  };
}

async function settlementTotals(): Promise<Record<string, string>> {
  return (await json("report", "settlement", "--year", "2026", "--operator", "bingtuan")).totals;
}

const SUSPENDED = uscc(801);
const AMOUNT = 100_003n; // 1000.03
const REFUND = 20_001n; // 200.01

describe(`a receipt rebooked out of suspense, as it stands (${dialectLabel})`, () => {
  it("is held, then rebooked into BZ by a late registry row", async () => {
    const receipts = csvFile([
      RECEIPT_HEADER,
      ["S-1", SUSPENDED, "VAT", "2026-02-10", formatYuan(AMOUNT), "gross", "", ""],
      ["D-1", uscc(1), "VAT", "2026-02-10", formatYuan(AMOUNT), "gross", "", ""],
    ]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    expect((await json("show", "receipt", "S-1")).status).toBe("suspense");
    const late = csvFile([
      [...ENTERPRISE_HEADER, "bingtuan_flag_removed_on"],
      [SUSPENDED, "八零一公司", "BZ", "2026-01-01", "", "new", "bingtuan", "false", ""],
    ]);
    expect(await json("import", "enterprises", late)).toMatchObject({ suspense_rebooked: 1 });
    // the receipt row itself is never changed
    const { rows } = await db.knex.raw(`select status, park from receipts where receipt_no = 'S-1'`);
    expect(rows).toEqual([{ status: "suspense", park: null }]);
    await booksIntact();
  });

  it("show receipt: posted in BZ, with the operator and the split of an identical receipt booked there", async () => {
    const s = await json("show", "receipt", "S-1");
    expect(s).toMatchObject({ status: "posted", park: "BZ", operator: "bingtuan", fiscal_year: 2026, resplits: 0 });
    const local = AMOUNT - share(AMOUNT, 5000n);
    expect(await split("S-1")).toEqual({
      central_share: formatYuan(AMOUNT - local),
      local_revenue: formatYuan(local),
      operator_share: formatYuan(share(local, 8000n)),
      host_share: formatYuan(local - share(local, 8000n)),
    });
    expect(await split("S-1")).toEqual(await split("D-1"));
  });

  it("the reconciliation matches it against Bingtuan's statement", async () => {
    const statement = csvFile([
      ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
      ["S-1", SUSPENDED, "VAT", "2026-02-10", formatYuan(AMOUNT)],
      ["D-1", uscc(1), "VAT", "2026-02-10", formatYuan(AMOUNT)],
    ]);
    expect((await cli(db, "import", "statements", "--party", "bingtuan", statement)).code).toBe(0);
    for (const park of [[], ["--park", "BZ"]]) {
      const r = await json("report", "reconciliation", "--year", "2026", "--operator", "bingtuan", ...park);
      expect(r.items.map((i: { receipt_no: string; status: string }) => [i.receipt_no, i.status])).toEqual([
        ["D-1", "matched"],
        ["S-1", "matched"],
      ]);
      expect(r.summary).toMatchObject({ matched: 2, missing_in_prefecture: 0, missing_in_operator: 0 });
      expect(r.anomalies.filter((a: { kind: string }) => a.kind !== "bingtuan_flag_set")).toEqual([]);
    }
    // Urumqi's reconciliation does not have it
    const urumqi = await json("report", "reconciliation", "--year", "2026", "--operator", "urumqi");
    expect(JSON.stringify(urumqi)).not.toContain("S-1");
  });

  it("budget items count it in BZ", async () => {
    const r = await json("report", "budget-items", "--year", "2026", "--operator", "bingtuan");
    const local = AMOUNT - share(AMOUNT, 5000n);
    expect(r.items).toEqual([
      expect.objectContaining({
        park: "BZ",
        tax_code: "VAT",
        receipts: 2,
        amount: formatYuan(2n * AMOUNT),
        local_revenue: formatYuan(2n * local),
        operator_share: formatYuan(2n * share(local, 8000n)),
      }),
    ]);
    const urumqi = await json("report", "budget-items", "--year", "2026", "--operator", "urumqi");
    expect(urumqi.items).toEqual([]);
  });

  it("an agreement change for BZ re-splits it as it re-splits the receipt booked there directly, to the fen", async () => {
    const before = await settlementTotals();
    expect(
      (await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "75", "--from", "2026-01-01")).code,
    ).toBe(0);
    const s = await json("show", "receipt", "S-1");
    expect(s).toMatchObject({ park: "BZ", resplits: 1 });
    const local = AMOUNT - share(AMOUNT, 5000n);
    expect(await split("S-1")).toEqual({
      central_share: formatYuan(AMOUNT - local),
      local_revenue: formatYuan(local),
      operator_share: formatYuan(share(local, 7500n)),
      host_share: formatYuan(local - share(local, 7500n)),
    });
    expect(await split("S-1")).toEqual(await split("D-1"));
    const after = await settlementTotals();
    expect(fen(after.operator_share!) - fen(before.operator_share!)).toBe(
      2n * (share(local, 7500n) - share(local, 8000n)),
    );
    const { rows } = await db.knex.raw(
      `select r.receipt_no from receipt_resplits x join receipts r on r.id = x.receipt_id order by 1`,
    );
    expect(rows.map((r: { receipt_no: string }) => r.receipt_no)).toEqual(["D-1", "S-1"]);
    await booksIntact();
  });

  it("a refund of it booked afterwards goes to BZ and splits cumulatively, as the other's does", async () => {
    const before = await settlementTotals();
    const refunds = csvFile([
      RECEIPT_HEADER,
      ["S-1-R", SUSPENDED, "VAT", "2026-03-01", formatYuan(-REFUND), "", "", "S-1"],
      ["D-1-R", uscc(1), "VAT", "2026-03-01", formatYuan(-REFUND), "", "", "D-1"],
    ]);
    expect(await json("import", "receipts", refunds)).toMatchObject({ refunds: 2 });
    const r = await json("show", "receipt", "S-1-R");
    expect(r).toMatchObject({ status: "posted", park: "BZ", operator: "bingtuan", refund_of: "S-1" });
    expect(await split("S-1-R")).toEqual(await split("D-1-R"));
    // cumulatively: the net's split less the receipt's
    const localOf = (gross: bigint) => gross - share(gross, 5000n);
    const was = localOf(AMOUNT);
    const now = localOf(AMOUNT - REFUND);
    expect(fen((await split("S-1-R")).local_revenue!)).toBe(now - was);
    expect(fen((await split("S-1-R")).operator_share!)).toBe(share(now, 7500n) - share(was, 7500n));
    const after = await settlementTotals();
    expect(fen(after.operator_share!) - fen(before.operator_share!)).toBe(2n * (share(now, 7500n) - share(was, 7500n)));
    // nothing is left for suspense to rebook
    expect(await json("suspense", "resolve")).toMatchObject({ rebooked: 0, refunds: 0 });
    const settlement = await json("report", "settlement", "--year", "2026", "--operator", "bingtuan");
    expect(settlement.refunds_and_adjustments).toEqual([
      expect.objectContaining({
        kind: "refund",
        tax_code: "VAT",
        count: 2,
        local_revenue: formatYuan(2n * (now - was)),
      }),
    ]);
    await booksIntact();
  });
});
