// The year month by month: each month holds what was booked and transferred in it, the months add up
// to the annual statement to the fen, and a prior-year adjustment (dated in the year it corrects) is
// shown apart from the months of the year it is booked in. The running balances keep the month
// (migrations/022_monthly_balances.ts); rebuilding them from the lines gives the same balances.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import * as monthly from "../../migrations/022_monthly_balances.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

interface Month {
  month: string | null;
  receipts: number;
  operator_share: string;
  host_share: string;
  local_revenue: string;
  central_excluded: string;
  not_shared: string;
  transferred: string;
}

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["M-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
    ["M-2", uscc(2), "CIT", "2025-05-10", "5000.00", "gross", "", ""],
    ["M-3", uscc(3), "RES", "2025-05-31", "2000.00", "local", "", ""],
    ["M-4", uscc(1), "VAT", "2025-12-31", "0.05", "local", "", ""],
    ["M-1-R", uscc(1), "VAT", "2025-08-01", "-1000.00", "", "", "M-1"],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
  const t = await cli(
    db,
    "transfer",
    "--operator",
    "bingtuan",
    "--amount",
    "3000.00",
    "--on",
    "2025-06-30",
    "--ref",
    "T-1",
  );
  expect(t.code, t.stderr).toBe(0);
});
afterAll(async () => db?.drop());

interface Statement {
  period?: string;
  totals: Record<string, string>;
  months: Month[];
  by_tax: { tax_code: string; receipts: number }[];
  refunds_and_adjustments: { kind: string }[];
  transfers: { ref: string }[];
}

async function statement(year: number, ...more: string[]): Promise<Statement> {
  const r = await cli(
    db,
    "report",
    "settlement",
    "--year",
    String(year),
    "--operator",
    "bingtuan",
    "--format",
    "json",
    ...more,
  );
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

const fenOf = (yuan: string) => parseYuan(yuan)!;
const yuanOf = formatYuan;
const sumOf = (months: Month[], key: keyof Month) => yuanOf(months.reduce((n, m) => n + fenOf(String(m[key])), 0n));

describe(`the year month by month (${dialectLabel})`, () => {
  it("puts each receipt, refund and transfer in its month, and the months add up to the year", async () => {
    const s = await statement(2025);
    expect(s.months.map((m) => m.month)).toEqual([
      "2025-01",
      "2025-02",
      "2025-03",
      "2025-04",
      "2025-05",
      "2025-06",
      "2025-07",
      "2025-08",
      "2025-09",
      "2025-10",
      "2025-11",
      "2025-12",
    ]);
    const month = (m: number) => s.months[m - 1]!;
    // VAT 10000 gross: local 5000 → operator 4000; CIT 5000 gross: local 2000 → 1600; RES 2000 local → 1600
    expect(month(2)).toMatchObject({ receipts: 1, operator_share: "4000.00", host_share: "1000.00" });
    expect(month(5)).toMatchObject({ receipts: 2, operator_share: "3200.00", central_excluded: "3000.00" });
    expect(month(6)).toMatchObject({ receipts: 0, operator_share: "0.00", transferred: "3000.00" });
    // the refund of 1000 gross, split as its original: local 500 → operator −400
    expect(month(8)).toMatchObject({ receipts: 1, operator_share: "-400.00", local_revenue: "-500.00" });
    expect(month(12)).toMatchObject({ receipts: 1, operator_share: "0.04", host_share: "0.01" });
    expect(month(1)).toMatchObject({ receipts: 0, operator_share: "0.00", transferred: "0.00" });
    for (const key of [
      "central_excluded",
      "local_revenue",
      "operator_share",
      "host_share",
      "not_shared",
      "transferred",
    ] as const)
      expect(sumOf(s.months, key), key).toBe(s.totals[key]);
    expect(s.months.reduce((n, m) => n + m.receipts, 0)).toBe(s.by_tax.reduce((n, t) => n + t.receipts, 0));
  });

  it("reports part of the year: what is booked and transferred in its months, the quarters adding up to the year", async () => {
    const h1 = await statement(2025, "--period", "2025-H1");
    expect(h1.period).toBe("2025-01..2025-06");
    expect(h1.months.map((m) => m.month)).toEqual(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]);
    // Feb 4000 + May 1600 + 1600; the transfer of June 30 is in it, so 4200 is due for the half year
    expect(h1.totals).toMatchObject({ operator_share: "7200.00", transferred: "3000.00", balance_due: "4200.00" });
    expect(h1.transfers.map((t) => t.ref)).toEqual(["T-1"]);
    expect(h1.refunds_and_adjustments).toEqual([]);
    const q3 = await statement(2025, "--period", "2025-Q3");
    expect(q3.totals).toMatchObject({ operator_share: "-400.00", transferred: "0.00", balance_due: "-400.00" });
    expect(q3.refunds_and_adjustments.map((f) => f.kind)).toEqual(["refund"]);
    expect(q3.by_tax.map((t) => t.tax_code)).toEqual(["VAT"]);
    const year = await statement(2025);
    expect(year.period).toBeUndefined();
    const quarters = [h1, q3, await statement(2025, "--period", "2025-Q4")];
    for (const key of ["operator_share", "host_share", "central_excluded", "transferred", "balance_due"])
      expect(yuanOf(quarters.reduce((n, q) => n + fenOf(q.totals[key]!), 0n)), key).toBe(year.totals[key]);
    const march = await statement(2025, "--period", "2025-01..2025-03");
    expect(march.totals.operator_share).toBe("4000.00");
    expect((await statement(2025, "--period", "2025")).totals).toEqual(year.totals);
    for (const bad of ["2024-Q1", "2025-13", "2025-11..2026-02", "last month"]) {
      const r = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--period", bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/period_invalid/);
    }
  });

  it("shows the months as a table beside the taxes with --by month, and as the CSV's rows", async () => {
    const table = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--by", "month");
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("按月");
    expect(table.stdout).toMatch(/2025-08\s.*-400\.00/);
    const plain = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(plain.stdout).not.toContain("按月");
    const csv = await cli(
      db,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--by",
      "month",
      "--format",
      "csv",
    );
    const lines = csv.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^month,receipts,central_excluded,local_revenue,operator_share/);
    expect(lines.filter((l) => l.startsWith("2025-"))).toHaveLength(12);
    const bad = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--by", "week");
    expect(bad.code).toBe(2);
  });

  it("keeps a prior-year adjustment apart from the months of the year it is booked in", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "test: settled without a statement",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const late = csvFile([RECEIPT_HEADER, ["M-LATE", uscc(1), "VAT", "2025-12-30", "100.00", "gross", "", ""]]);
    expect((await cli(db, "import", "receipts", late)).code).toBe(0);
    const s = await statement(2026);
    expect(s.months).toHaveLength(13);
    expect(s.months[12]).toMatchObject({ month: null, receipts: 1, operator_share: "40.00" });
    expect(s.months.slice(0, 12).every((m) => m.operator_share === "0.00")).toBe(true);
    expect(sumOf(s.months, "operator_share")).toBe(s.totals.operator_share);
  });

  it("rebuilds the monthly balances from the lines as they were, and verify finds them whole", async () => {
    const snapshot = async () =>
      (
        await db.knex.raw(
          `select fiscal_year, account_id, park, tax_code, origin_year, month, debit_fen::text as d, credit_fen::text as c,
                  line_count::text as n from balances order by 1, 2, 3, 4, 5, 6`,
        )
      ).rows;
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(0);
    await monthly.down(db.knex);
    await monthly.up(db.knex);
    expect(await snapshot()).toEqual(before);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code, v.stderr).toBe(0);
    expect(v.json()).toMatchObject({ intact: true });
  });
});
