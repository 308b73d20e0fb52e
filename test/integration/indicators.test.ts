// Indicator reports as a statistics bureau sends them, and the two views it reads back: the
// statistical view (100 % to the operator) and the assessment view (each month split by the agreement
// of its first day), with the 1–2月 folding, revisions kept on record, a mid-year agreement change,
// and the attribution booked in the indicator books so the trial balance and verify cover it.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, tmpDir } from "../support/files.js";

const HEADER = ["park", "indicator", "month", "value", "basis"];
let db: TestDatabase;

async function report(park: string, year = "2025") {
  const r = await cli(db, "report", "indicators", "--year", year, "--park", park, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

const line = (r: { indicators: { indicator: string }[] }, indicator: string) =>
  r.indicators.find((i) => i.indicator === indicator) as any; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  db = await testDatabase();
  // WZ's agreement changes to 75 % from July, before any report arrives
  const a = await cli(db, "agreement", "set", "--park", "WZ", "--operator-share", "75", "--from", "2025-07-01");
  expect(a.code, a.stderr).toBe(0);
  const first = csvFile([
    HEADER,
    ["BZ", "GDP", "2025-02", "200.0000", ""], // the combined 1–2月 report: no January
    ["BZ", "GDP", "2025-03", "350.5", "ytd"],
    ["BZ", "FDI", "2025-01", "1.2345", "month"],
    ["BZ", "FDI", "2025-03", "2.0001", "month"],
    ["WZ", "GDP", "2025-06", "600", "累计"],
    ["WZ", "GDP", "2025-08", "1000", "累计"], // July folds into August, split at August's 75 %
    ["ZD", "GIOV", "2025-03", "999.9999", "ytd"],
    ["BZ", "GDP", "2025-03", "350.5", "ytd"], // the same row twice: unchanged, not an error
  ]);
  const r = await cli(db, "import", "indicators", first, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  expect(r.json()).toMatchObject({ rows: 8, new_reports: 7, revisions: 0, unchanged_rows: 1, entries_posted: 7 });
});
afterAll(async () => db?.drop());

describe(`indicators (${dialectLabel})`, () => {
  it("folds unreported months into the next year-to-date report and splits 80:20 at four decimals", async () => {
    const gdp = line(await report("BZ"), "GDP");
    expect(gdp).toMatchObject({
      unit: "10k CNY",
      unit_zh: "万元",
      total: "350.5000",
      through: "2025-03",
      statistical: { bingtuan: "350.5000", prefecture: "0.0000" },
      assessment: { bingtuan: "280.4000", prefecture: "70.1000" },
    });
    expect(gdp.months).toMatchObject([
      { month: "2025-02", first_month: "2025-01", basis: "ytd", reported: "200.0000", value: "200.0000" },
      { month: "2025-03", first_month: "2025-03", reported: "350.5000", ytd: "350.5000", value: "150.5000" },
    ]);
    expect(gdp.months[1].assessment).toEqual({ bingtuan: "120.4000", prefecture: "30.1000" });
  });

  it("adds monthly figures as they are, in 万美元 for foreign investment", async () => {
    const fdi = line(await report("BZ"), "FDI");
    expect(fdi).toMatchObject({ unit: "10k USD", unit_zh: "万美元", total: "3.2346" });
    // 1.2345 × 80 % = 0.98760; 2.0001 × 80 % = 1.60008 → 1.6001 (half up at 4 decimals)
    expect(fdi.months.map((m: { assessment: object }) => m.assessment)).toEqual([
      { bingtuan: "0.9876", prefecture: "0.2469" },
      { bingtuan: "1.6001", prefecture: "0.4000" },
    ]);
    expect(fdi.assessment).toEqual({ bingtuan: "2.5877", prefecture: "0.6469" });
  });

  it("splits each month by the agreement in force on its first day: 80 % to June, 75 % from July", async () => {
    const gdp = line(await report("WZ"), "GDP");
    expect(gdp.months).toMatchObject([
      { month: "2025-06", value: "600.0000", operator_share_pct: "80.00", assessment: { urumqi: "480.0000" } },
      { month: "2025-08", first_month: "2025-07", value: "400.0000", operator_share_pct: "75.00" },
    ]);
    expect(gdp.assessment).toEqual({ urumqi: "780.0000", prefecture: "220.0000" });
    expect(gdp.statistical).toEqual({ urumqi: "1000.0000", prefecture: "0.0000" });
  });

  it("gives the whole of a park its host runs to the host in both views", async () => {
    const giov = line(await report("ZD"), "GIOV");
    expect(giov).toMatchObject({
      total: "999.9999",
      statistical: { prefecture: "999.9999" },
      assessment: { prefecture: "999.9999" },
    });
  });

  it("books the attribution in balanced indicator books beside the money", async () => {
    const bt = (
      await cli(db, "report", "trial-balance", "--year", "2025", "--jurisdiction", "bingtuan", "--format", "json")
    ).json();
    expect(bt.accounts).toEqual([]); // no money was booked: the indicator books are kept apart
    const cny = bt.indicator_books.find((b: { unit: string }) => b.unit === "10k CNY");
    expect(cny.balanced).toBe(true);
    const account = (code: string) => cny.accounts.find((a: { account: string }) => a.account === code);
    expect(account("indicator_reported:GDP")).toMatchObject({ closing_debit: "350.5000" });
    expect(account("indicator_assessed:GDP")).toMatchObject({ closing_credit: "280.4000" });
    expect(account("indicator_ceded:GDP")).toMatchObject({ closing_credit: "70.1000" });
    const pref = (
      await cli(db, "report", "trial-balance", "--year", "2025", "--jurisdiction", "prefecture", "--format", "json")
    ).json();
    for (const books of pref.indicator_books) expect(books.balanced).toBe(true);
    const prefCny = pref.indicator_books.find((b: { unit: string }) => b.unit === "10k CNY");
    // the host's own assessed figure: ZD whole, plus BZ's and WZ's ceded shares
    expect(prefCny.accounts.find((a: { account: string }) => a.account === "indicator_assessed:GDP")).toMatchObject({
      closing_credit: "290.1000",
    });
    const v = await cli(db, "verify", "--format", "json");
    expect(v.json()).toMatchObject({ intact: true });
  });

  it("records a later report as a revision beside the original and re-books the months it changes", async () => {
    const revision = csvFile([
      ["park", "indicator", "month", "value"],
      ["BZ", "GDP", "2025-02", "210"],
    ]);
    const r = await cli(db, "import", "indicators", revision, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ new_reports: 0, revisions: 1, entries_posted: 2 });
    const gdp = line(await report("BZ"), "GDP");
    expect(gdp.total).toBe("350.5000"); // March's year-to-date figure still stands
    expect(gdp.months).toMatchObject([
      { month: "2025-02", reported: "210.0000", value: "210.0000", revision: 1, reports_on_record: 2 },
      { month: "2025-03", value: "140.5000", revision: 0, reports_on_record: 1 },
    ]);
    const { rows } = await db.knex.raw(
      `select value_units, revision from indicator_reports where park = 'BZ' and indicator = 'GDP' and month = '2025-02-01' order by revision`,
    );
    expect(rows.map((x: { value_units: unknown }) => String(x.value_units))).toEqual(["2000000", "2100000"]);
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("changes nothing when a file is imported again or repeats what is in force", async () => {
    const file = csvFile([HEADER, ["BZ", "GDP", "2025-03", "350.5", "ytd"]]);
    const once = await cli(db, "import", "indicators", file, "--format", "json");
    expect(once.json()).toMatchObject({ import_id: null, unchanged_rows: 1, entries_posted: 0 });
    const again = await cli(db, "import", "indicators", file, "--format", "json");
    expect(again.code).toBe(0);
    const entries = await db.knex.raw(`select count(*) as n from journal_entries where kind = 'indicator'`);
    const before = String(entries.rows[0].n);
    const dup = csvFile([
      ["park", "indicator", "month", "value"],
      ["BZ", "GDP", "2025-02", "210"],
    ]);
    expect((await cli(db, "import", "indicators", dup, "--format", "json")).json()).toMatchObject({
      revisions: 0,
      unchanged_rows: 1,
    });
    const after = await db.knex.raw(`select count(*) as n from journal_entries where kind = 'indicator'`);
    expect(String(after.rows[0].n)).toBe(before);
  });

  it("re-attributes the months a new agreement governs, from the first month that begins under it", async () => {
    const file = csvFile([
      HEADER,
      ["BZ", "TRADE", "2025-09", "100", "month"],
      ["BZ", "TRADE", "2025-10", "100", "month"],
    ]);
    expect((await cli(db, "import", "indicators", file)).code).toBe(0);
    // from 15 September: September began under 80 %, October under 60 %
    const a = await cli(
      db,
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "60",
      "--from",
      "2025-09-15",
      "--format",
      "json",
    );
    expect(a.code, a.stderr).toBe(0);
    expect(a.json()).toMatchObject({ indicator_entries_posted: 1 });
    const trade = line(await report("BZ"), "TRADE");
    expect(trade.months.map((m: { operator_share_pct: string }) => m.operator_share_pct)).toEqual(["80.00", "60.00"]);
    expect(trade.assessment).toEqual({ bingtuan: "140.0000", prefecture: "60.0000" });
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("refuses a file with bad rows, names each, and imports nothing of it", async () => {
    const before = await report("BZ");
    const bad = csvFile([
      HEADER,
      ["BZ", "GDP", "2025-04", "400", "ytd"], // fine, but not imported
      ["XX", "GDP", "2025-04", "1", "ytd"],
      ["BZ", "GNP", "2025-04", "1", "ytd"],
      ["BZ", "GDP", "2025-13", "1", "ytd"],
      ["BZ", "GDP", "2099-01", "1", "ytd"],
      ["BZ", "FAI", "2025-04", "1.23456", "ytd"],
      ["BZ", "FAI", "2025-05", "1e3", "ytd"],
      ["BZ", "FAI", "2025-06", "1", "quarter"],
      ["BZ", "GIOV", "2025-04", "5", "ytd"],
      ["BZ", "GIOV", "2025-04", "6", "ytd"],
      ["BZ", "GIOV", "2019-04", "6", "ytd"], // before BZ had any agreement
      ["BZ", "GIOV", "", "6", "ytd"],
    ]);
    const r = await cli(db, "import", "indicators", bad);
    expect(r.code).toBe(2);
    const name = path.basename(bad);
    for (const expected of [
      `${name}:3: column park:`,
      `${name}:4: column indicator:`,
      `${name}:5: column month:`,
      `${name}:6: column month:`,
      `${name}:7: column value:`,
      `${name}:8: column value:`,
      `${name}:9: column basis:`,
      `${name}:11: column month:`,
      `${name}:12: column month:`,
      `${name}:13: column month:`,
    ])
      expect(r.stderr).toContain(expected);
    for (const code of [
      "park_unknown",
      "indicator_unknown",
      "month_invalid",
      "month_in_future",
      "quantity_invalid",
      "basis_invalid",
      "indicator_row_repeated",
      "no_agreement",
      "field_required",
    ])
      expect(r.stderr).toContain(code);
    expect(r.stderr).not.toContain(`${name}:2:`);
    expect(await report("BZ")).toEqual(before);
  });

  it("writes the report as a table with Chinese labels, a flat CSV and a workbook", async () => {
    const table = await cli(db, "report", "indicators", "--year", "2025", "--park", "BZ");
    expect(table.stdout).toContain("考核口径");
    expect(table.stdout).toContain("1–2月");
    const csv = await cli(db, "report", "indicators", "--year", "2025", "--park", "BZ", "--format", "csv");
    const lines = csv.stdout
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r\n/);
    expect(lines[0]).toBe(
      "indicator,unit,month,first_month,basis,reported,ytd,value,operator_share_pct,statistical_bingtuan,statistical_prefecture,assessment_bingtuan,assessment_prefecture,revision",
    );
    expect(lines).toContain(
      "GDP,10k CNY,2025-02,2025-01,ytd,210.0000,210.0000,210.0000,80.00,210.0000,0.0000,168.0000,42.0000,1",
    );
    expect(lines).toContain("GDP,10k CNY,2025,2025-01,,,350.5000,350.5000,,350.5000,0.0000,280.4000,70.1000,");
    const out = path.join(tmpDir(), `indicators-${process.pid}.xlsx`);
    const x = await cli(db, "report", "indicators", "--year", "2025", "--park", "BZ", "--format", "xlsx", "--out", out);
    expect(x.code, x.stderr).toBe(0);
    const ExcelJS = (await import("exceljs")).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const text = wb.worksheets.map((ws) => ws.getSheetValues().flat().join(" ")).join(" ");
    expect(text).toContain("地区生产总值");
    fs.rmSync(out);
  });

  it("keeps reports append-only in the database itself", async () => {
    await expect(db.knex.raw(`update indicator_reports set value_units = 0`)).rejects.toThrow(/append-only/);
    await expect(db.knex.raw(`delete from indicator_reports`)).rejects.toThrow(/append-only/);
  });

  it("refuses an unknown park for the report", async () => {
    const r = await cli(db, "report", "indicators", "--year", "2025", "--park", "QQ");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/QQ is not a park/);
  });
});
