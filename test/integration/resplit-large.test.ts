// A version reaching back over a few thousand receipts re-splits them in one transaction with
// set-based reads and batched inserts, not a round trip per receipt, and the statement shows the new
// figures to the fen (computed here, in integer fen, from the receipts written).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import { lockJournal } from "../../src/repositories/journal.js";
import { ReferenceData } from "../../src/repositories/reference.js";
import { ratioVersion, resplitBooked } from "../../src/services/resplit.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

const RECEIPTS = 3000;
let db: TestDatabase;

/** Receipt i: a deterministic amount in fen from 0.01 up, gross VAT or local RES, every tenth refunded in part. */
const amountFen = (i: number): bigint => BigInt(((i * 7919) % 1_000_000) + 1);
const gross = (i: number) => i % 3 !== 0;
const refundFen = (i: number): bigint | null => (i % 10 === 0 && amountFen(i) > 1n ? -(amountFen(i) / 2n) : null);

const share = (fen: bigint, bp: bigint): bigint => {
  const abs = fen < 0n ? -fen : fen;
  const s = (abs * bp * 2n + 10_000n) / 20_000n;
  return fen < 0n ? -s : s;
};

/** The central and operator shares of every receipt and refund of the file under `vat_bp` and `operator_bp`. */
function totals(vat_bp: bigint, operator_bp: bigint): { central: bigint; operator: bigint } {
  const central = (fen: bigint, i: number) => (gross(i) ? share(fen, vat_bp) : 0n);
  const sum = { central: 0n, operator: 0n };
  const add = (fen: bigint, i: number) => {
    sum.central += central(fen, i);
    sum.operator += share(fen - central(fen, i), operator_bp);
  };
  for (let i = 1; i <= RECEIPTS; i++) {
    add(amountFen(i), i);
    const refund = refundFen(i);
    if (refund !== null) add(refund, i); // a single refund: the split rule exactly
  }
  return sum;
}

const yuan = (fen: bigint) => formatYuan(fen);

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const rows: string[][] = [];
  for (let i = 1; i <= RECEIPTS; i++) {
    const day = `2025-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
    const [tax, scope] = gross(i) ? ["VAT", "gross"] : ["RES", "local"];
    rows.push([`L-${i}`, uscc((i % 3) + 1), tax, day, yuan(amountFen(i)), scope, "", ""]);
    const refund = refundFen(i);
    if (refund !== null) rows.push([`L-${i}-R`, uscc((i % 3) + 1), tax, "2025-12-31", yuan(refund), "", "", `L-${i}`]);
  }
  const r = await cli(db, "import", "receipts", csvFile([RECEIPT_HEADER, ...rows]));
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

describe(`re-splitting a few thousand receipts (${dialectLabel})`, () => {
  it("re-splits them all in one transaction of batched statements, and the statement shows the new share to the fen", async () => {
    const before = await cli(
      db,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "json",
    );
    expect(parseYuan(before.json().totals.operator_share)).toBe(totals(5000n, 8000n).operator);
    let statements = 0;
    const count = () => (statements += 1);
    db.knex.on("query", count);
    const set = await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "72.5", "--from", "2025-01-01");
    db.knex.off("query", count);
    expect(set.code, set.stderr).toBe(0);
    const refunds = Array.from({ length: RECEIPTS }, (_, i) => refundFen(i + 1)).filter((r) => r !== null).length;
    const after = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "json");
    expect(parseYuan(after.json().totals.operator_share)).toBe(totals(5000n, 7250n).operator);
    const { rows } = await db.knex.raw("select count(*) as n from receipt_resplits");
    expect(Number(rows[0].n)).toBeGreaterThan(RECEIPTS * 0.9); // a receipt of a few fen may split the same
    expect(Number(rows[0].n)).toBeLessThanOrEqual(RECEIPTS + refunds);
    // the lock, the reference data, the version, a page of receipts and their refunds, one insert per table
    expect(statements).toBeLessThan(40);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.json().intact, JSON.stringify(v.json().findings)).toBe(true);
  });

  it("re-splits page by page, a receipt's refunds with it, as it does all at once", async () => {
    await db.knex.transaction(async (trx) => {
      await lockJournal(trx);
      const [row] = await trx("central_ratios")
        .insert({ tax_code: "VAT", effective_from: "2025-01-01", central_share_bp: 6000, note: "" })
        .returning("*");
      const ref = await ReferenceData.load(trx);
      const summary = await resplitBooked(trx, ref, ratioVersion(ref, row), { page_rows: 97 });
      expect(summary.receipts).toBeGreaterThan(RECEIPTS / 2);
    });
    const s = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "json");
    const want = totals(6000n, 7250n);
    expect(s.json().totals).toMatchObject({
      central_excluded: yuan(want.central),
      operator_share: yuan(want.operator),
    });
    const v = await cli(db, "verify", "--format", "json");
    expect(v.json().intact, JSON.stringify(v.json().findings)).toBe(true);
  });
});
