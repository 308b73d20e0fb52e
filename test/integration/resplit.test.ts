// A version reaching back re-splits what was booked (docs/decisions/0009-resplits-by-adjusting-entries.md):
// an agreement or central ratio dated before receipts already booked moves the differences by adjusting
// entries, into the first open year when the receipts' year is closed; refunds booked later split with
// the terms the receipt stands with; every report agrees with the journal to the fen; the same version
// again posts nothing. Expected figures are computed here, in integer fen, from the receipts themselves.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan, parseYuan, type Fen } from "../../ledger/money.js";
import { ReferenceData } from "../../src/repositories/reference.js";
import { agreementVersion, ratioVersion, resplitBooked } from "../../src/services/resplit.js";
import { testApp, type TestApp } from "../http/support.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
let t: TestApp;

/** Receipt number → [enterprise, tax, date, amount, scope, refund_of]. */
const RECEIPTS: [string, number, string, string, string, string, string][] = [
  ["R-1", 1, "VAT", "2025-02-10", "10000.03", "gross", ""],
  ["R-2", 2, "CIT", "2025-05-10", "5000.01", "gross", ""],
  ["R-2-R1", 2, "CIT", "2025-06-01", "-1000.00", "", "R-2"],
  ["R-3", 3, "RES", "2025-08-10", "2000.07", "local", ""],
  ["R-4", 11, "VAT", "2025-03-10", "8000.01", "gross", ""], // WZ
  ["R-5", 21, "VAT", "2025-04-01", "300.01", "gross", ""], // ZD, run by its host
  ["R-6", 1, "VAT", "2024-06-01", "1000.01", "gross", ""], // before either version
  ["R-7", 1, "VAT", "2025-07-01", "500.01", "local", ""], // local: no central ratio to change
  ["R-8", 999, "VAT", "2025-07-02", "600.01", "gross", ""], // suspense
  ["R-9", 2, "EDU", "2025-09-01", "100.01", "local", ""], // non-tax: the host's unless an agreement names it
];

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const rows = RECEIPTS.map(([no, e, tax, on, amount, scope, of]) => [no, uscc(e), tax, on, amount, scope, "", of]);
  const r = await cli(db, "import", "receipts", csvFile([RECEIPT_HEADER, ...rows]));
  expect(r.code, r.stderr).toBe(0);
  const statement = csvFile([
    ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
    ["R-1", uscc(1), "VAT", "2025-02-10", "10000.03"],
    ["R-2", uscc(2), "CIT", "2025-05-10", "4000.01"], // differs: valued with the terms R-2 stands with
  ]);
  expect((await cli(db, "import", "statements", "--party", "bingtuan", statement)).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

// ---- the split, worked independently of ledger/: integer fen, round half up on the absolute value ----

const roundedShare = (fen: Fen, bp: bigint): Fen => {
  const abs = fen < 0n ? -fen : fen;
  const share = (abs * bp * 2n + 10_000n) / 20_000n; // round half up of abs × bp / 10000
  return fen < 0n ? -share : share;
};

interface Parts {
  central: Fen;
  operator: Fen;
  host: Fen;
}

/** The split of `fen`: central share (gross only) first, then the operator's share of the local rest. */
function split(fen: Fen, central_bp: bigint | null, operator_bp: bigint): Parts {
  const central = central_bp === null ? 0n : roundedShare(fen, central_bp);
  const operator = roundedShare(fen - central, operator_bp);
  return { central, operator, host: fen - central - operator };
}

/** A refund's split after `before` (≤ 0) was refunded: split(before + refund) − split(before). */
function refundSplit(fen: Fen, before: Fen, central_bp: bigint | null, operator_bp: bigint): Parts {
  const a = split(before + fen, central_bp, operator_bp);
  const b = split(before, central_bp, operator_bp);
  return { central: a.central - b.central, operator: a.operator - b.operator, host: a.host - b.host };
}

const sum = (parts: Parts[]): Parts =>
  parts.reduce(
    (s, p) => ({ central: s.central + p.central, operator: s.operator + p.operator, host: s.host + p.host }),
    {
      central: 0n,
      operator: 0n,
      host: 0n,
    },
  );

/** BZ's receipts of 2025 as booked in this file, under a central VAT share and an operator share. */
function bz2025(vat_bp: bigint, operator_bp: bigint): Parts {
  return sum([
    split(1_000_003n, vat_bp, operator_bp),
    split(500_001n, 6000n, operator_bp),
    refundSplit(-100_000n, 0n, 6000n, operator_bp), // R-2-R1
    split(200_007n, null, operator_bp),
    split(50_001n, null, operator_bp),
  ]);
}

async function json(...argv: string[]) {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

const statement = (year: number, operator: string) =>
  json("report", "settlement", "--year", String(year), "--operator", operator);

async function receiptNow(no: string) {
  const r = await request(t.app).get(`/v1/receipts/${no}`).set(t.auth("auditor"));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function entryCount(): Promise<number> {
  const { rows } = await db.knex.raw("select count(*) as n from journal_entries");
  return Number(rows[0].n);
}

async function resplitReceipts(where: string): Promise<string[]> {
  const { rows } = await db.knex.raw(
    `select r.receipt_no from receipt_resplits x join receipts r on r.id = x.receipt_id where ${where} order by 1`,
  );
  return rows.map((r: { receipt_no: string }) => r.receipt_no);
}

let agreementId = 0;

describe(`re-splitting booked receipts (${dialectLabel})`, () => {
  it("an agreement from 2025-01-01 at 70 % re-splits BZ's receipts of 2025 booked at 80 %: the statement shows 70 % to the fen", async () => {
    const before = await statement(2025, "bingtuan");
    expect(parseYuan(before.totals.operator_share)).toBe(bz2025(5000n, 8000n).operator);
    const set = await json("agreement", "set", "--park", "BZ", "--operator-share", "70", "--from", "2025-01-01");
    agreementId = set.id;
    const old = bz2025(5000n, 8000n);
    const now = bz2025(5000n, 7000n);
    expect(set.resplit).toEqual({
      receipts: 5, // its refund, R-3, R-7
      refunds: 1,
      prior_year_adjustments: 0,
      net_change: { bingtuan: formatYuan(now.operator - old.operator), prefecture: formatYuan(now.host - old.host) },
    });
    const after = await statement(2025, "bingtuan");
    expect(after.totals).toMatchObject({
      central_excluded: formatYuan(now.central),
      local_revenue: formatYuan(now.operator + now.host),
      operator_share: formatYuan(now.operator),
      host_share: formatYuan(now.host),
      balance_due: formatYuan(now.operator),
    });
    expect(after.by_tax.map((r: { receipts: number }) => r.receipts)).toEqual(
      before.by_tax.map((r: { receipts: number }) => r.receipts),
    );
    expect(after.agreements.map((a: { operator_share_pct: string }) => a.operator_share_pct)).toEqual(["70.00"]);
    // a receipt of 2024 and another park's are not the agreement's
    expect(await resplitReceipts("r.receipt_no in ('R-4', 'R-5', 'R-6', 'R-8')")).toEqual([]);
  });

  it("traces the operator share to the receipts and the adjusting entries, each naming the version that caused it", async () => {
    const tr = await json(
      "trace",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--figure",
      "operator_share",
    );
    expect(tr.agrees).toBe(true);
    const adjustments = tr.entries.filter((e: { kind: string }) => e.kind === "adjustment");
    expect(adjustments.map((e: { idempotency_key: string }) => e.idempotency_key)).toEqual(
      ["R-1", "R-2", "R-2-R1", "R-3", "R-7"].map((no) => `resplit:${no}:agreement:${agreementId}`),
    );
    const r1 = adjustments[0];
    const moved = split(1_000_003n, 5000n, 7000n).operator - split(1_000_003n, 5000n, 8000n).operator;
    expect(r1).toMatchObject({ effective_on: "2025-02-10", fiscal_year: 2025, origin_year: 2025 });
    expect(parseYuan(r1.amount)).toBe(moved);
    expect(r1.description).toBe(
      `re-split of R-1 by the agreement of BZ from 2025-01-01 (bingtuan 70.00%): bingtuan ${formatYuan(moved)}, prefecture +${formatYuan(-moved)}`,
    );
    // Bingtuan's own trace names the version by park, date and share, not by a serial shared by every park
    const own = await request(t.app)
      .get("/v1/trace/settlement?year=2025&operator=bingtuan&figure=operator_share")
      .set(t.auth("bingtuan"));
    expect(own.status).toBe(200);
    const keys = own.body.entries.map((e: { idempotency_key: string | null }) => e.idempotency_key);
    expect(keys).toContain("resplit:R-1:agreement");
    expect(JSON.stringify(own.body)).not.toMatch(/agreement:\d/);
  });

  it("books a later refund of a re-split receipt with the terms it stands with, so a full refund returns every party to zero", async () => {
    const file = csvFile([RECEIPT_HEADER, ["R-1-R", uscc(1), "VAT", "2025-09-01", "-10000.03", "", "", "R-1"]]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    // two partial refunds of R-3 over HTTP, one request each: the desk reads the original's terms too
    const refund = async (no: string, amount: string) => {
      const res = await request(t.app)
        .post("/v1/receipts")
        .set(t.auth("prefecture"))
        .set("Idempotency-Key", no)
        .send({ receipt_no: no, uscc: uscc(3), tax_code: "RES", collected_on: "2025-10-01", amount, refund_of: "R-3" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.receipts[0];
    };
    const first = await refund("R-3-R1", "-0.05");
    expect(parseYuan(first.operator_share)).toBe(refundSplit(-5n, 0n, null, 7000n).operator);
    const second = await refund("R-3-R2", "-2000.02");
    expect(parseYuan(second.operator_share)).toBe(refundSplit(-200_002n, -5n, null, 7000n).operator);
    for (const family of [
      ["R-1", "R-1-R"],
      ["R-3", "R-3-R1", "R-3-R2"],
    ]) {
      const parts = await Promise.all(family.map(receiptNow));
      for (const field of ["central_share", "local_revenue", "operator_share", "host_share"])
        expect(
          parts.reduce((s, p) => s + parseYuan(p[field]), 0n),
          `${family[0]} ${field}`,
        ).toBe(0n);
    }
    const { rows } = await db.knex.raw(
      `select operator_share_bp, agreement_id from receipts where receipt_no in ('R-1-R', 'R-3-R1', 'R-3-R2')`,
    );
    for (const r of rows) expect(r).toEqual({ operator_share_bp: 7000, agreement_id: agreementId });
    // R-3 refunded in full: nothing of it is left in any party's share
    const res = (await statement(2025, "bingtuan")).by_tax.find((r: { tax_code: string }) => r.tax_code === "RES");
    expect(res).toMatchObject({ local_revenue: "0.00", operator_share: "0.00", host_share: "0.00" });
  });

  it("re-splits a closed year's receipts into the next open year as prior-year adjustments, leaving the closed statement as it was", async () => {
    expect(
      (
        await cli(
          db,
          "settle",
          "--year",
          "2025",
          "--operator",
          "urumqi",
          "--override-reason",
          "test: settled without a statement",
        )
      ).code,
    ).toBe(0);
    const closed = await statement(2025, "urumqi");
    const set = await cli(db, "agreement", "set", "--park", "WZ", "--operator-share", "75", "--from", "2025-01-01");
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/re-split 1 booked receipt \(0 of them refunds\) by adjusting entries, 1 as prior-year/);
    const moved = split(800_001n, 5000n, 7500n).operator - split(800_001n, 5000n, 8000n).operator;
    expect(set.stdout).toMatch(new RegExp(`urumqi\\s+${formatYuan(moved)}`));
    expect(await statement(2025, "urumqi")).toEqual(closed);
    const next = await statement(2026, "urumqi");
    expect(next.prior_year_adjustments).toEqual([
      expect.objectContaining({
        origin_year: 2025,
        tax_code: "VAT",
        receipts: 0,
        central_excluded: "0.00",
        local_revenue: "0.00",
        operator_share: formatYuan(moved),
        host_share: formatYuan(-moved),
      }),
    ]);
    expect(next.totals.operator_share).toBe(formatYuan(moved));
  });

  it("re-splits gross receipts only when a central ratio reaches back, in every park, and never a suspense receipt", async () => {
    const set = await json("ratio", "set", "--tax", "VAT", "--central-share", "60", "--from", "2025-01-01");
    // R-1 and its refund in BZ, R-4 in WZ (2025 closed: into 2026), R-5 in ZD; not R-6 (2024), R-7 (local), R-8 (suspense)
    expect(await resplitReceipts(`x.cause_ratio_id = ${Number(set.id)}`)).toEqual(["R-1", "R-1-R", "R-4", "R-5"]);
    expect(set.resplit).toMatchObject({ receipts: 4, refunds: 1, prior_year_adjustments: 1 });
    const r5 = await receiptNow("R-5");
    const zd = split(30_001n, 6000n, 0n); // a host-run park: the host keeps the local part
    expect([r5.central_share, r5.host_share]).toEqual([formatYuan(zd.central), formatYuan(zd.host)]);
    expect(r5.resplits).toBe(1);
    const bz = await statement(2025, "bingtuan");
    const now = bz2025(6000n, 7000n);
    const refunds = sum([
      refundSplit(-1_000_003n, 0n, 6000n, 7000n),
      refundSplit(-5n, 0n, null, 7000n),
      refundSplit(-200_002n, -5n, null, 7000n),
    ]);
    expect(bz.totals).toMatchObject({
      central_excluded: formatYuan(now.central + refunds.central),
      operator_share: formatYuan(now.operator + refunds.operator),
      host_share: formatYuan(now.host + refunds.host),
    });
    const r4 = split(800_001n, 6000n, 7500n).operator - split(800_001n, 5000n, 7500n).operator;
    const wz = await statement(2026, "urumqi");
    expect(wz.prior_year_adjustments[0]).toMatchObject({ origin_year: 2025, receipts: 0 });
    const moved = split(800_001n, 5000n, 7500n).operator - split(800_001n, 5000n, 8000n).operator;
    expect(wz.prior_year_adjustments[0].operator_share).toBe(formatYuan(moved + r4));
  });

  it("shares a non-tax item with the operator once an agreement reaching back names it, and lets the operator see it", async () => {
    const hidden = await request(t.app).get("/v1/receipts/R-9").set(t.auth("bingtuan"));
    expect(hidden.status).toBe(404);
    const set = await json(
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "70",
      "--from",
      "2025-01-01",
      "--share-non-tax",
      "EDU",
    );
    const edu = split(10_001n, null, 7000n);
    expect(set.resplit).toEqual({
      receipts: 1,
      refunds: 0,
      prior_year_adjustments: 0,
      net_change: { bingtuan: formatYuan(edu.operator), prefecture: formatYuan(-edu.operator) },
    });
    const row = (await statement(2025, "bingtuan")).by_tax.find((r: { tax_code: string }) => r.tax_code === "EDU");
    expect(row).toMatchObject({
      not_shared: "0.00",
      local_revenue: "100.01",
      operator_share: formatYuan(edu.operator),
      host_share: formatYuan(edu.host),
    });
    const seen = await request(t.app).get("/v1/receipts/R-9").set(t.auth("bingtuan"));
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ operator: "bingtuan", operator_share: formatYuan(edu.operator), resplits: 1 });
  });

  it("posts nothing when the same version is set again, or the re-split of a version runs again", async () => {
    const entries = await entryCount();
    const again = await json(
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "70",
      "--from",
      "2025-01-01",
      "--share-non-tax",
      "EDU",
    );
    expect(again).toMatchObject({ replayed: true, resplit: { receipts: 0, net_change: {} } });
    const ratio = await json("ratio", "set", "--tax", "VAT", "--central-share", "60", "--from", "2025-01-01");
    expect(ratio).toMatchObject({ replayed: true, resplit: { receipts: 0 } });
    await db.knex.transaction(async (trx) => {
      const ref = await ReferenceData.load(trx);
      for (const a of ref.agreements())
        expect((await resplitBooked(trx, ref, agreementVersion(ref, a))).receipts).toBe(0);
      for (const r of ref.centralRatios())
        expect((await resplitBooked(trx, ref, ratioVersion(ref, r))).receipts).toBe(0);
    });
    expect(await entryCount()).toBe(entries);
  });

  it("every report agrees with the journal to the fen, and verify finds the books intact", async () => {
    const rec = await json("report", "reconciliation", "--year", "2025", "--operator", "bingtuan");
    const bz = await statement(2025, "bingtuan");
    expect(rec.summary.operator_share_booked).toBe(bz.totals.operator_share);
    // R-2 is 4000.01 in Bingtuan's statement: valued with the terms R-2 stands with (70 %), not those it was booked with
    const r2 = rec.items.find((i: { receipt_no: string }) => i.receipt_no === "R-2");
    const effect = split(400_001n, 6000n, 7000n).operator - split(500_001n, 6000n, 7000n).operator;
    expect(r2).toMatchObject({ status: "amount_mismatch", operator_share_effect: formatYuan(effect) });
    const { rows } = await db.knex.raw(
      `select sum(r.operator_fen) + coalesce(sum((select sum(x.operator_delta_fen) from receipt_resplits x
                where x.receipt_id = r.id)), 0) as operator
         from receipts r where r.park = 'BZ' and r.collected_on between '2025-01-01' and '2025-12-31'`,
    );
    expect(BigInt(rows[0].operator)).toBe(parseYuan(bz.totals.operator_share));
    const v = await json("verify");
    expect(v.intact, JSON.stringify(v.findings)).toBe(true);
  });

  it("verify names an adjusting entry whose re-split record says otherwise", async () => {
    /** Moves a fen of the first re-split's record from the host to the operator, the triggers switched off. */
    const tamper = (fen: number) =>
      db.knex.transaction(async (trx) => {
        await trx.raw("alter table receipt_resplits disable trigger user");
        await trx.raw(
          `update receipt_resplits set operator_delta_fen = operator_delta_fen + ?, host_delta_fen = host_delta_fen - ?
            where id = (select min(id) from receipt_resplits)`,
          [fen, fen],
        );
        await trx.raw("alter table receipt_resplits enable trigger user");
      });
    await tamper(1);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code).not.toBe(0);
    expect(v.json().findings).toEqual([
      // the sums by budget item were kept from the record as booked
      expect.objectContaining({
        check: "budget_item_sums_match_receipts",
        detail: expect.stringMatching(
          /^2025 BZ VAT - month 2: the receipts give .* operator 280002 host 119999 fen.*, the kept sums .* operator 280001 host 120000 fen/,
        ),
      }),
      expect.objectContaining({ check: "resplit_booked", detail: expect.stringMatching(/of receipt R-1 moves/) }),
    ]);
    await tamper(-1);
    expect((await json("verify")).intact).toBe(true);
  });
});
