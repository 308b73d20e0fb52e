// The receipts import has two paths (book while reading; stage everything first) and two readers
// (a worker thread; this thread). Whichever runs, the books must come out the same to the fen, and
// two imports at once must neither lose nor double anything.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importEnterprises } from "../../src/import/enterprises.js";
import { importReceipts, type ImportOptions } from "../../src/import/receipts.js";
import { FileRejected } from "../../src/import/csv.js";
import { ImportRejected, PROBLEMS_KEPT_MAX } from "../../src/import/errors.js";
import { demoEnterprises, demoReceipts, enterprisesCsv, receiptsCsvLines } from "../../src/demo/generate.js";
import { testDatabase, dialectLabel, onPostgres, type TestDatabase } from "../support/db.js";
import { badUscc, csvFile, RECEIPT_HEADER, standardRegistry, tmpDir, uscc } from "../support/files.js";
import { withDefaultReader } from "../support/reader.js";

const opts = { year: 2025, seed: 7, enterprises: 120, receipts: 3000 };
let enterprisesFile: string;
let receiptsFile: string;
const dbs: TestDatabase[] = [];

// the options below choose the reader; the environment would override them
withDefaultReader();
beforeAll(() => {
  const registry = demoEnterprises(opts);
  enterprisesFile = path.join(tmpDir(), `paths-enterprises-${process.pid}.csv`);
  receiptsFile = path.join(tmpDir(), `paths-receipts-${process.pid}.csv`);
  fs.writeFileSync(enterprisesFile, enterprisesCsv(registry));
  fs.writeFileSync(receiptsFile, [...receiptsCsvLines(demoReceipts(opts, registry))].join(""));
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function booked(options: ImportOptions): Promise<{ db: TestDatabase; balances: unknown[]; receipts: unknown[] }> {
  const db = await testDatabase();
  dbs.push(db);
  await importEnterprises(db, enterprisesFile);
  const result = await importReceipts(db, receiptsFile, { ...options, batch_rows: 700 });
  expect(result.new_rows).toBe(opts.receipts);
  const balances = (
    await db.knex.raw(
      `select b.fiscal_year, a.jurisdiction, a.code, b.park, b.tax_code, b.origin_year, b.debit_fen::text, b.credit_fen::text, b.line_count::text
         from balances b join accounts a on a.id = b.account_id order by 1, 2, 3, 4, 5, 6`,
    )
  ).rows;
  const receipts = (
    await db.knex.raw(
      `select receipt_no, status, park, fiscal_year, central_fen::text, local_fen::text, operator_fen::text, host_fen::text
         from receipts order by receipt_no`,
    )
  ).rows;
  return { db, balances, receipts };
}

describe(`import paths (${dialectLabel})`, () => {
  it("books a year of receipts the same way whether it streams or stages, in a worker or not", async () => {
    const streaming = await booked({ strategy: "auto", reader: "worker" });
    const staged = await booked({ strategy: "staged", reader: "thread" });
    expect(streaming.receipts.length).toBe(opts.receipts);
    expect(staged.receipts).toEqual(streaming.receipts);
    expect(staged.balances).toEqual(streaming.balances);
  });

  it("refuses a bad file with the same problems, counted and kept alike, whichever thread reads it", async () => {
    const db = await testDatabase();
    dbs.push(db);
    await importEnterprises(db, standardRegistry());
    const refusal = async (file: string, reader: "worker" | "thread") => {
      const error = await importReceipts(db, file, { reader, batch_rows: 500 }).catch((e: unknown) => e);
      // a file refused whole is a FileRejected; one refused for its rows an ImportRejected
      expect([ImportRejected, FileRejected]).toContain((error as Error).constructor);
      const { problems, problem_count } = error as ImportRejected;
      return { kind: (error as Error).name, problems, problem_count };
    };
    const bad = (i: number) => [`Q-${i}`, badUscc(2), "VAT", "2025-02-30", "1.001", "gross", "", ""];
    // three problems a row over 1,000 rows in batches of 500: more than a batch, or the import, keeps
    const rows = csvFile([
      RECEIPT_HEADER,
      ["Q-0", uscc(1), "GST", "2025-02-01", "1e5", "gross", "", ""],
      ...Array.from({ length: 1000 }, (_, i) => bad(i + 1)),
    ]);
    const worker = await refusal(rows, "worker");
    expect(worker.kind).toBe("ImportRejected");
    expect(worker.problem_count).toBe(2 + 3 * 1000);
    expect(worker.problems.length).toBe(PROBLEMS_KEPT_MAX);
    expect(worker.problems.slice(0, 5).map((p) => [p.row, p.column, p.code])).toEqual([
      [2, "tax_code", "tax_code_unknown"],
      [2, "amount", expect.any(String)],
      [3, "uscc", expect.any(String)],
      [3, "collected_on", expect.any(String)],
      [3, "amount", expect.any(String)],
    ]);
    expect(await refusal(rows, "thread")).toEqual(worker);
    // a file refused whole before any row: a column missing from its header
    const header = csvFile([
      RECEIPT_HEADER.filter((c) => c !== "amount"),
      ["H-1", uscc(1), "VAT", "2025-02-01", "gross", "", ""],
    ]);
    const headerWorker = await refusal(header, "worker");
    expect(headerWorker.kind).toBe("FileRejected");
    expect(headerWorker.problems.map((p) => p.code)).toContain("column_missing");
    expect(await refusal(header, "thread")).toEqual(headerWorker);
    const { rows: nothing } = await db.knex.raw(`select count(*)::int as n from receipts`);
    expect(nothing[0].n).toBe(0);
  });

  it.runIf(onPostgres)("serialises two imports of overlapping files at once: nothing lost, nothing twice", async () => {
    const db = await testDatabase();
    dbs.push(db);
    await importEnterprises(db, enterprisesFile);
    const lines = fs.readFileSync(receiptsFile, "utf8").split("\n").filter(Boolean);
    const [header, ...rows] = lines;
    // the first file: rows 1–2000; the second: rows 1001–3000 (refunds stay after their originals)
    const first = path.join(tmpDir(), `overlap-a-${process.pid}.csv`);
    const second = path.join(tmpDir(), `overlap-b-${process.pid}.csv`);
    fs.writeFileSync(first, [header, ...rows.slice(0, 2000)].join("\n") + "\n");
    fs.writeFileSync(second, [header, ...rows.slice(1000)].join("\n") + "\n");
    const results = await Promise.allSettled([importReceipts(db, first), importReceipts(db, second)]);
    const failures = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason as unknown);
    // a refund in the second file whose original is only in the first may be refused if the second
    // ran first; whatever ran, a second pass of both files completes the books
    await importReceipts(db, first);
    await importReceipts(db, second);
    const { rows: counts } = await db.knex.raw(
      `select count(*)::int as n, count(distinct receipt_no)::int as d from receipts`,
    );
    expect(counts[0]).toEqual({ n: opts.receipts, d: opts.receipts });
    const { rows: entries } = await db.knex.raw(
      `select count(*)::int as n from journal_entries where idempotency_key like 'receipt:%'`,
    );
    expect(entries[0].n).toBe(opts.receipts);
    for (const f of failures) {
      expect(f).toBeInstanceOf(ImportRejected);
      expect(new Set((f as ImportRejected).problems.map((p) => p.code))).toEqual(new Set(["refund_of_unknown"]));
    }
  });
});
