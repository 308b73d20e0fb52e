// The sums by budget item (migrations/033, docs/decisions/0018-budget-item-sums.md) are kept by the
// database as receipts are booked, whatever books them: after a file import (COPY on PostgreSQL, with
// refunds staged), receipts posted over HTTP alone and in a batch, refunds, a rebooking out of suspense
// and a re-split, the sums kept equal the sums added up from the rows again, and the report gives what
// they hold. A receipt rebooked after it was re-split takes its differences along, and verify names
// every way the kept sums can differ from the rows.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Knex } from "knex";
import { BUDGET_ITEM_SUMS_FROM_ROWS, NOT_EMPTY } from "../../src/repositories/budget-item-sums.js";
import { testApp, type TestApp } from "../http/support.js";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

const COLUMNS = `fiscal_year, park, tax_code, budget_code, month, source_rows::text as source_rows, receipts::text as receipts,
  central_fen::text as central_fen, local_fen::text as local_fen, operator_fen::text as operator_fen,
  host_fen::text as host_fen, central_off_ratio::text as central_off_ratio`;
const ORDER = "order by fiscal_year, park, tax_code, budget_code nulls first, month";

type SumRow = Record<string, string | number | null>;

/** The sums kept, but for keys left with nothing (a receipt rebooked elsewhere took its share along). */
async function kept(k: Knex | Knex.Transaction = db.knex): Promise<SumRow[]> {
  return (await k.raw(`select ${COLUMNS} from budget_item_sums where ${NOT_EMPTY} ${ORDER}`)).rows;
}

async function fromRows(k: Knex | Knex.Transaction = db.knex): Promise<SumRow[]> {
  return (await k.raw(`select ${COLUMNS} from (${BUDGET_ITEM_SUMS_FROM_ROWS}) f ${ORDER}`)).rows;
}

/** The kept sums equal the rows added up again, and there are `count` of them. */
async function expectAgree(count: number): Promise<SumRow[]> {
  const k = await kept();
  expect(k).toEqual(await fromRows());
  expect(k).toHaveLength(count);
  return k;
}

function keptRow(rows: SumRow[], key: [number, string, string, string | null, number]): SumRow | undefined {
  const [y, park, tax, code, month] = key;
  return rows.find(
    (r) => r.fiscal_year === y && r.park === park && r.tax_code === tax && r.budget_code === code && r.month === month,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(...argv: string[]): Promise<any> {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function verifyFindings(): Promise<{ check: string; detail: string }[]> {
  const r = await cli(db, "verify", "--format", "json");
  expect([0, 3], r.stderr).toContain(r.code);
  return r.json().findings;
}

const HELD = uscc(998); // unknown to the registry until a late row places it in BZ

describe(`the sums by budget item, kept as receipts are booked (${dialectLabel})`, () => {
  it("are added to by a file import: receipts, a budget code as given, a refund of the same file, suspense", async () => {
    expect(await kept()).toEqual([]);
    const file = csvFile([
      RECEIPT_HEADER,
      ["IM-1", uscc(1), "VAT", "2025-02-10", "1000.03", "gross", "", ""],
      ["IM-2", uscc(1), "1010101", "2025-02-11", "200.01", "gross", "", ""],
      ["IM-3", uscc(2), "CIT", "2025-05-10", "5000.01", "gross", "", ""],
      ["IM-3-R", uscc(2), "CIT", "2025-06-01", "-1000.00", "", "", "IM-3"],
      ["IM-4", uscc(11), "VAT", "2025-03-10", "800.01", "gross", "", ""],
      ["IM-5", uscc(21), "VAT", "2025-04-01", "300.01", "gross", "", ""],
      ["IM-6", uscc(1), "VAT", "2024-12-20", "100.00", "gross", "", ""],
      ["IM-7", uscc(999), "VAT", "2025-07-02", "600.01", "gross", "", ""],
      ["IM-8", HELD, "VAT", "2025-07-03", "700.01", "gross", "", ""],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code, r.stderr).toBe(0);
    const rows = await expectAgree(7);
    // named by the tax and by its item: two keys, one item in the report
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 2])).toMatchObject({ receipts: "1", central_fen: "50002" });
    expect(keptRow(rows, [2025, "BZ", "VAT", "1010101", 2])).toMatchObject({ receipts: "1", central_fen: "10001" });
    expect(keptRow(rows, [2025, "BZ", "CIT", null, 6])).toMatchObject({ receipts: "1", central_fen: "-60000" });
    // held in suspense: in no park, not kept
    expect(rows.filter((k) => k.month === 7)).toEqual([]);
  });

  it("and by a file whose levels put the central level off the ratio", async () => {
    const file = csvFile([
      ["receipt_no", "uscc", "tax_code", "collected_on", "amount", "central", "region", "prefecture", "county"],
      ["LV-1", uscc(1), "VAT", "2025-08-01", "1000.00", "480.00", "130.00", "260.00", "130.00"],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code, r.stderr).toBe(0);
    const rows = await expectAgree(8);
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 8])).toMatchObject({ receipts: "1", central_off_ratio: "1" });
  });

  it("by receipts posted over HTTP, alone and in a batch with a refund and a receipt held", async () => {
    const one = await request(t.app)
      .post("/v1/receipts")
      .set(t.auth("prefecture"))
      .set("Idempotency-Key", "bis-1")
      .send({
        receipt_no: "HT-1",
        uscc: uscc(1),
        tax_code: "VAT",
        collected_on: "2025-02-20",
        amount: "50.00",
        scope: "gross",
      });
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    const batch = await request(t.app)
      .post("/v1/receipts/batch")
      .set(t.auth("prefecture"))
      .set("Idempotency-Key", "bis-2")
      .send({
        receipts: [
          {
            receipt_no: "HT-2",
            uscc: uscc(12),
            tax_code: "CIT",
            collected_on: "2025-09-09",
            amount: "70.01",
            scope: "gross",
          },
          {
            receipt_no: "HT-1-R",
            uscc: uscc(1),
            tax_code: "VAT",
            collected_on: "2025-03-02",
            amount: "-20.00",
            refund_of: "HT-1",
          },
          {
            receipt_no: "HT-3",
            uscc: uscc(997),
            tax_code: "VAT",
            collected_on: "2025-09-10",
            amount: "9.99",
            scope: "gross",
          },
        ],
      });
    expect(batch.status, JSON.stringify(batch.body)).toBe(201);
    const rows = await expectAgree(10);
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 2])).toMatchObject({ receipts: "2", central_fen: "52502" });
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 3])).toMatchObject({ receipts: "1", central_fen: "-1000" });
    expect(keptRow(rows, [2025, "WZ", "CIT", null, 9])).toMatchObject({ receipts: "1" });
  });

  it("by a file of refunds, of a receipt in a park and of one held in suspense", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["IM-4-R", uscc(11), "VAT", "2025-10-01", "-100.00", "", "", "IM-4"],
      ["IM-8-R", HELD, "VAT", "2025-10-02", "-100.00", "", "", "IM-8"],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code, r.stderr).toBe(0);
    const rows = await expectAgree(11);
    expect(keptRow(rows, [2025, "WZ", "VAT", null, 10])).toMatchObject({ receipts: "1", central_fen: "-5000" });
  });

  it("by rebooking out of suspense: the receipt and its refund count in the park the registry names", async () => {
    const late = csvFile([
      [...ENTERPRISE_HEADER, "bingtuan_flag_removed_on"],
      [HELD, "九九八公司", "BZ", "2025-01-01", "", "new", "bingtuan", "false", ""],
    ]);
    expect(await json("import", "enterprises", late)).toMatchObject({ suspense_rebooked: 1 }); // its refund with it
    const rows = await expectAgree(13);
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 7])).toMatchObject({ receipts: "1", central_fen: "35001" });
    expect(keptRow(rows, [2025, "BZ", "VAT", null, 10])).toMatchObject({ receipts: "1", central_fen: "-5000" });
    const report = await json("report", "budget-items", "--year", "2025", "--park", "BZ", "--period", "2025-07");
    expect(report.items).toEqual([
      expect.objectContaining({ tax_code: "VAT", budget_code: "10101", receipts: 1, amount: "700.01" }),
    ]);
  });

  it("by a re-split: the differences count in the year and month of the adjusting entry, rebooked receipts in their park", async () => {
    const before = await kept();
    const set = await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "75", "--from", "2025-01-01");
    expect(set.code, set.stderr).toBe(0);
    const { rows: resplit } = await db.knex.raw(
      `select r.receipt_no from receipt_resplits x join receipts r on r.id = x.receipt_id order by 1`,
    );
    expect(resplit.map((r: { receipt_no: string }) => r.receipt_no)).toContain("IM-8");
    const rows = await expectAgree((await fromRows()).length);
    expect(rows).not.toEqual(before);
    // the operator gives up 5 of 80 points of BZ local revenue booked in 2025, which the host gains
    const operator = (rs: SumRow[]) =>
      rs.filter((r) => r.park === "BZ" && r.fiscal_year === 2025).reduce((s, r) => s + BigInt(r.operator_fen!), 0n);
    expect(operator(rows)).toBeLessThan(operator(before));
    const v = await verifyFindings();
    expect(v).toEqual([]);
  });

  it("a receipt rebooked after it was re-split takes its differences along to its park", async () => {
    // no booking path does it to a receipt posted in a park (only receipts held in suspense are
    // rebooked); the sums follow what the report would read all the same
    await db.knex
      .transaction(async (trx) => {
        const before = await kept(trx);
        await trx.raw(
          `insert into receipt_reclassifications (receipt_id, entry_id, stay_version_id, park, host, central_fen,
                                                  local_fen, operator_fen, host_fen, fiscal_year)
           select r.id, r.entry_id, (select min(id) from enterprise_stay_versions), 'WZ', 'prefecture', 0, 0, 0, 0, 2025
             from receipts r where r.receipt_no = 'IM-1'`,
        );
        const after = await kept(trx);
        expect(after).toEqual(await fromRows(trx));
        const rows = (rs: SumRow[], park: string) =>
          rs.filter((r) => r.park === park).reduce((n, r) => n + BigInt(r.source_rows!), 0n);
        // IM-1 once more (its reclassification) and its re-split, moved from BZ
        expect(rows(after, "WZ") - rows(before, "WZ")).toBe(2n);
        expect(rows(after, "BZ") - rows(before, "BZ")).toBe(-1n);
        throw new Error("rolled back");
      })
      .catch((e: Error) => expect(e.message).toBe("rolled back"));
    await expectAgree((await kept()).length);
  });
});

describe(`verify and the sums by budget item (${dialectLabel})`, () => {
  it("names a kept sum that differs from the rows, one missing, and one the rows do not give", async () => {
    expect(await verifyFindings()).toEqual([]);
    const key = `fiscal_year = 2025 and park = 'WZ' and tax_code = 'CIT' and month = 9`;
    const [was] = (await db.knex.raw(`select ${COLUMNS} from budget_item_sums where ${key}`)).rows as SumRow[];
    const sums = (r: SumRow, operator: bigint) =>
      `1 rows, receipts 1, central ${r.central_fen} local ${r.local_fen} operator ${BigInt(r.operator_fen!) + operator} host ${BigInt(r.host_fen!) - operator} fen, off the ratio 0`;
    await db.knex.raw(
      `update budget_item_sums set operator_fen = operator_fen + 1, host_fen = host_fen - 1 where ${key}`,
    );
    expect(await verifyFindings()).toEqual([
      {
        check: "budget_item_sums_match_receipts",
        detail: `2025 WZ CIT - month 9: the receipts give ${sums(was!, 0n)}, the kept sums ${sums(was!, 1n)}`,
      },
    ]);
    await db.knex.raw(
      `update budget_item_sums set operator_fen = operator_fen - 1, host_fen = host_fen + 1 where ${key}`,
    );
    expect(await verifyFindings()).toEqual([]);

    const { rows } = await db.knex.raw(`select * from budget_item_sums where ${key}`);
    await db.knex.raw(`delete from budget_item_sums where ${key}`);
    await db.knex.raw(
      `insert into budget_item_sums (fiscal_year, park, tax_code, budget_code, month, source_rows, receipts, central_fen,
                                     local_fen, operator_fen, host_fen, central_off_ratio)
       values (2025, 'ZD', 'PIT', null, 11, 1, 0, 0, 0, 0, 0, 0)`,
    );
    expect(await verifyFindings()).toEqual([
      {
        check: "budget_item_sums_match_receipts",
        detail: `2025 WZ CIT - month 9: the receipts give ${sums(was!, 0n)}, the kept sums nothing`,
      },
      {
        check: "budget_item_sums_match_receipts",
        detail:
          "2025 ZD PIT - month 11: the receipts give nothing, the kept sums 1 rows, receipts 0, central 0 local 0 operator 0 host 0 fen, off the ratio 0",
      },
    ]);
    await db.knex.raw(`delete from budget_item_sums where park = 'ZD' and tax_code = 'PIT'`);
    await db.knex("budget_item_sums").insert(rows);
    expect(await verifyFindings()).toEqual([]);
  });
});
