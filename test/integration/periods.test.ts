// Every report that is a sum over a year takes part of it (`--period`, or `--from`/`--to`) and shows it
// month by month (`--by month`): for each, the months add up to the year to the fen, and a period's
// report equals the year's restricted to its months. A range across years, reversed, or not of whole
// months is refused naming the option.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../src/http/app.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { testApp } from "../http/support.js";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import { formatQuantity, parseQuantity } from "../../ledger/indicators.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
    ["P-2", uscc(2), "CIT", "2025-05-10", "5000.00", "gross", "", ""],
    ["P-3", uscc(3), "RES", "2025-05-31", "2000.00", "local", "", ""],
    ["P-4", uscc(11), "VAT", "2025-09-30", "333.33", "gross", "", ""],
    ["P-5", uscc(1), "VAT", "2025-12-31", "0.05", "local", "", ""],
    ["P-1-R", uscc(1), "VAT", "2025-08-01", "-1000.00", "", "", "P-1"],
    // an enterprise the registry does not know: held in suspense
    ["P-S1", uscc(90), "VAT", "2025-03-03", "70.01", "gross", "", ""],
    ["P-S2", uscc(91), "CIT", "2025-11-11", "0.07", "gross", "", ""],
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
  const indicators = csvFile([
    ["park", "indicator", "month", "value", "basis"],
    ["BZ", "GDP", "2025-02", "200.0000", "ytd"],
    ["BZ", "GDP", "2025-03", "350.5", "ytd"],
    ["BZ", "GDP", "2025-07", "901.0001", "ytd"],
    ["BZ", "FDI", "2025-01", "1.2345", "month"],
  ]);
  const i = await cli(db, "import", "indicators", indicators, "--format", "json");
  expect(i.code, i.stderr).toBe(0);
});
afterAll(async () => db?.drop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json<T = any>(...argv: string[]): Promise<T> {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json() as T;
}

const fen = (yuan: string) => parseYuan(yuan)!;
const sumYuan = (list: readonly string[]) => formatYuan(list.reduce((n, y) => n + fen(y), 0n));
const MONTHS_2025 = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, "0")}`);

interface TbRow {
  account: string;
  opening_debit: string;
  opening_credit: string;
  debit: string;
  credit: string;
  closing_debit: string;
  closing_credit: string;
  months?: { month: string | null; debit: string; credit: string }[];
}
interface Tb {
  period?: string;
  accounts: TbRow[];
  totals: Omit<TbRow, "account">;
  balanced: boolean;
}

describe(`periods on every report (${dialectLabel})`, () => {
  it("trial balance: each account's months add up to its year, to the fen", async () => {
    for (const jurisdiction of ["prefecture", "bingtuan", "urumqi"]) {
      const tb = await json<Tb>(
        "report",
        "trial-balance",
        "--year",
        "2025",
        "--jurisdiction",
        jurisdiction,
        "--by",
        "month",
      );
      expect(tb.balanced).toBe(true);
      for (const row of [...tb.accounts, { account: "totals", ...tb.totals }]) {
        expect(row.months!.map((m) => m.month)).toEqual(MONTHS_2025);
        expect(sumYuan(row.months!.map((m) => m.debit)), `${jurisdiction} ${row.account}`).toBe(row.debit);
        expect(sumYuan(row.months!.map((m) => m.credit)), `${jurisdiction} ${row.account}`).toBe(row.credit);
      }
    }
  });

  it("trial balance of a period: the year's months in it, opening with the months before; quarters chain", async () => {
    const year = await json<Tb>(
      "report",
      "trial-balance",
      "--year",
      "2025",
      "--jurisdiction",
      "prefecture",
      "--by",
      "month",
    );
    const net = (r: { debit: string; credit: string }) => fen(r.debit) - fen(r.credit);
    const closingNet = (r: Omit<TbRow, "account">) => fen(r.closing_debit) - fen(r.closing_credit);
    let previous: Tb | undefined;
    for (const [q, from, to] of [
      ["2025-Q1", 1, 3],
      ["2025-Q2", 4, 6],
      ["2025-Q3", 7, 9],
      ["2025-Q4", 10, 12],
    ] as const) {
      const tb = await json<Tb>(
        "report",
        "trial-balance",
        "--year",
        "2025",
        "--jurisdiction",
        "prefecture",
        "--period",
        q,
      );
      expect(tb.period).toBe(`2025-${String(from).padStart(2, "0")}..2025-${String(to).padStart(2, "0")}`);
      expect(tb.balanced).toBe(true);
      for (const row of tb.accounts) {
        const months = year.accounts.find((a) => a.account === row.account)!.months!.slice(from - 1, to);
        expect(row.debit, row.account).toBe(sumYuan(months.map((m) => m.debit)));
        expect(row.credit, row.account).toBe(sumYuan(months.map((m) => m.credit)));
        // the closing balance is the opening and the period's movement; the next quarter opens with it
        expect(closingNet(row)).toBe(fen(row.opening_debit) - fen(row.opening_credit) + net(row));
        const before = previous?.accounts.find((a) => a.account === row.account);
        if (before !== undefined)
          expect(fen(row.opening_debit) - fen(row.opening_credit), row.account).toBe(closingNet(before));
      }
      previous = tb;
    }
    // the last quarter closes where the year closes (nothing here is dated outside the year)
    for (const row of year.accounts) {
      const q4 = previous!.accounts.find((a) => a.account === row.account);
      expect(q4 === undefined ? 0n : closingNet(q4), row.account).toBe(closingNet(row));
    }
  });

  it("the same period written as --from/--to: days or months", async () => {
    const args = ["report", "trial-balance", "--year", "2025", "--jurisdiction", "bingtuan"];
    const byPeriod = await json(...args, "--period", "2025-H1");
    expect(await json(...args, "--from", "2025-01-01", "--to", "2025-06-30")).toEqual(byPeriod);
    expect(await json(...args, "--from", "2025-01", "--to", "2025-06")).toEqual(byPeriod);
    expect(await json(...args, "--to", "2025-06")).toEqual(byPeriod);
    expect(await json(...args, "--from", "2025-07")).toEqual(await json(...args, "--period", "2025-H2"));
  });

  it("budget items: months add up to each item; a period's items are the year's months in it", async () => {
    const year = await json("report", "budget-items", "--year", "2025", "--by", "month");
    expect(year.months.map((m: { month: string }) => m.month)).toEqual(MONTHS_2025);
    for (const item of year.items)
      for (const key of ["amount", "central_excluded", "local_revenue", "operator_share", "host_share"])
        expect(sumYuan(item.months.map((m: Record<string, string>) => m[key])), `${item.budget_code} ${key}`).toBe(
          item[key],
        );
    for (const key of ["amount", "operator_share", "host_share"])
      expect(sumYuan(year.months.map((m: Record<string, string>) => m[key]))).toBe(year.totals[key]);
    const h2 = await json("report", "budget-items", "--year", "2025", "--period", "2025-H2");
    expect(h2.period).toBe("2025-07..2025-12");
    for (const item of h2.items) {
      const whole = year.items.find(
        (i: { park: string; budget_code: string; tax_code: string }) =>
          i.park === item.park && i.budget_code === item.budget_code && i.tax_code === item.tax_code,
      );
      expect(item.amount).toBe(sumYuan(whole.months.slice(6).map((m: { amount: string }) => m.amount)));
      expect(item.operator_share).toBe(
        sumYuan(whole.months.slice(6).map((m: { operator_share: string }) => m.operator_share)),
      );
    }
    const h1 = await json("report", "budget-items", "--year", "2025", "--period", "2025-H1");
    for (const key of ["amount", "central_excluded", "local_revenue", "operator_share", "host_share"])
      expect(sumYuan([h1.totals[key], h2.totals[key]]), key).toBe(year.totals[key]);
  });

  it("suspense: held by month of collection, a period lists what was collected in it", async () => {
    const year = await json("report", "suspense", "--year", "2025", "--by", "month");
    expect(year.count).toBe(2);
    expect(sumYuan(year.months.map((m: { held: string }) => m.held))).toBe(year.total_held);
    expect(year.months.find((m: { month: string }) => m.month === "2025-03")).toEqual({
      month: "2025-03",
      count: 1,
      held: "70.01",
    });
    const q1 = await json("report", "suspense", "--period", "2025-Q1");
    expect(q1).toMatchObject({ year: 2025, period: "2025-01..2025-03", count: 1, total_held: "70.01" });
    const rest = await json("report", "suspense", "--from", "2025-04-01", "--to", "2025-12-31");
    expect(sumYuan([q1.total_held, rest.total_held])).toBe(year.total_held);
  });

  it("indicators: a period sums its months; month by month adds up to the year", async () => {
    const q = (text: string) => parseQuantity(text)!;
    const year = await json("report", "indicators", "--year", "2025", "--park", "BZ", "--by", "month");
    const gdp = year.indicators.find((i: { indicator: string }) => i.indicator === "GDP");
    expect(gdp.total).toBe("901.0001");
    const h1 = await json("report", "indicators", "--year", "2025", "--park", "BZ", "--period", "2025-H1");
    const h2 = await json(
      "report",
      "indicators",
      "--year",
      "2025",
      "--park",
      "BZ",
      "--from",
      "2025-07",
      "--to",
      "2025-12",
    );
    for (const line of year.indicators) {
      const a = h1.indicators.find((i: { indicator: string }) => i.indicator === line.indicator);
      const b = h2.indicators.find((i: { indicator: string }) => i.indicator === line.indicator);
      expect(formatQuantity(q(a.total) + q(b.total)), line.indicator).toBe(line.total);
      for (const party of Object.keys(line.assessment))
        expect(formatQuantity(q(a.assessment[party]) + q(b.assessment[party])), party).toBe(line.assessment[party]);
      expect([...a.months, ...b.months]).toEqual(line.months);
    }
    expect(h1.indicators.find((i: { indicator: string }) => i.indicator === "GDP")).toMatchObject({
      total: "350.5000",
      through: "2025-03",
    });
  });

  it("refuses a range across years, reversed, not whole months, or given twice, naming the option", async () => {
    const tb = ["report", "trial-balance", "--year", "2025", "--jurisdiction", "prefecture"];
    const refused = async (field: string, ...argv: string[]) => {
      const r = await cli(db, ...tb, ...argv);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain(field);
      return r.stderr;
    };
    expect(await refused("to", "--from", "2025-11", "--to", "2026-02")).toMatch(/one fiscal year/);
    expect(await refused("to", "--from", "2025-06", "--to", "2025-03")).toMatch(/reversed/);
    expect(await refused("from", "--from", "2025-01-15", "--to", "2025-03-31")).toMatch(/start a month/);
    expect(await refused("to", "--from", "2025-01-01", "--to", "2025-03-30")).toMatch(/end a month/);
    expect(await refused("from", "--period", "2025-Q1", "--from", "2025-01")).toMatch(/not both/);
    expect(await refused("from", "--from", "2024-01", "--to", "2024-03")).toMatch(/not of the year 2025/);
    expect(await refused("period", "--period", "2025-13")).toMatch(/not a period/);
    const r = await cli(db, "report", "suspense", "--by", "month");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("by");
  });

  it("takes the same parameters over HTTP, documented in the OpenAPI document; a bad one is a 422 naming it", async () => {
    const doc = openApiDocument(ROUTES) as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    for (const report of ["settlement", "trial-balance", "budget-items", "suspense", "land", "indicators"]) {
      const path = Object.keys(doc.paths).find((k) => k.endsWith(`/reports/${report}`))!;
      const names = doc.paths[path]!.get!.parameters!.map((x) => x.name);
      expect(names, report).toEqual(expect.arrayContaining(["period", "from", "to", "by"]));
    }
    for (const report of ["reconciliation", "commitments", "transfer-proposals"]) {
      const path = Object.keys(doc.paths).find((k) => k.endsWith(`/reports/${report}`))!;
      expect(
        doc.paths[path]!.get!.parameters!.map((x) => x.name),
        report,
      ).not.toContain("period");
    }
    const t = await testApp(db);
    const ok = await request(t.app)
      .get("/v1/reports/trial-balance?year=2025&jurisdiction=prefecture&from=2025-01&to=2025-03-31&by=month")
      .set(t.auth("prefecture"));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.period).toBe("2025-01..2025-03");
    expect(ok.body.totals.months.map((m: { month: string }) => m.month)).toEqual(["2025-01", "2025-02", "2025-03"]);
    const bad = await request(t.app)
      .get("/v1/reports/budget-items?year=2025&from=2025-01-15")
      .set(t.auth("prefecture"));
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: "period_invalid", details: { field: "from" } });
    const csv = await request(t.app)
      .get("/v1/reports/budget-items?year=2025&by=month&format=csv")
      .set(t.auth("prefecture"));
    expect(csv.status).toBe(200);
    expect(csv.text.split("\n")[0]).toContain("2025-12");
  });
});
