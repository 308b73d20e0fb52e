// A finance officer's first hour on the command line: what a new user types without trying to break
// anything works, or stops at once saying what to do (exit 2), never an internal error.

import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import stringWidth from "string-width";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, onPostgres, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, tmpDir, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const r = await cli(
    db,
    "import",
    "receipts",
    csvFile([RECEIPT_HEADER, ["FH-1", uscc(1), "1010101", "2025-03-01", "1000.00", "gross", "2025-02", ""]], {
      name: "fh.csv",
    }),
  );
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

/** Runs the command line as a user's shell does: its own database from the environment, no test database. */
async function shell(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk, _enc, done) {
        into.push(Buffer.from(chunk));
        done();
      },
    });
  const code = await main(argv, { stdout: sink(chunks.out), stderr: sink(chunks.err) }, env);
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

describe(`the first hour on the command line (${dialectLabel})`, () => {
  it("marks the options a command cannot do without in its help", async () => {
    const help = await cli(db, "report", "settlement", "--help");
    expect(help.stdout).toMatch(/--year <year>\s+\(required\) fiscal year/);
    expect(help.stdout).toMatch(/--park <park>\s+one of the operator's parks/);
  });

  it("says its version", async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const r = await cli(db, "--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("shows one receipt as booked: its code as given, split, entry and source row", async () => {
    const r = await cli(db, "show", "receipt", "FH-1", "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      receipt_no: "FH-1",
      tax_code: "VAT",
      budget_code: "1010101",
      kind: "receipt",
      park: "BZ",
      central_share: "500.00",
      operator_share: "400.00",
      host_share: "100.00",
      source: { file: "fh.csv", row: 2 },
    });
    expect(r.json().entry_hash).toMatch(/^[0-9a-f]{64}$/);
    const table = await cli(db, "show", "receipt", "FH-1");
    expect(table.stdout).toMatch(/预算科目 Budget item\s+1010101/);
    const none = await cli(db, "show", "receipt", "NO-SUCH");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no receipt NO-SUCH is recorded");
  });

  it("takes formats in any case, and lets --out's extension choose the format", async () => {
    const dir = tmpDir();
    const xlsx = path.join(dir, "settlement.xlsx");
    const byExtension = await cli(
      db,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--out",
      xlsx,
    );
    expect(byExtension.code, byExtension.stderr).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe("PK"); // a zip: a workbook Excel opens
    const csv = path.join(dir, "settlement.csv");
    expect((await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--out", csv)).code).toBe(
      0,
    );
    expect(fs.readFileSync(csv, "utf8")).toContain("operator_share");
    const upper = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "JSON");
    expect(upper.code, upper.stderr).toBe(0);
    expect(upper.json().totals.operator_share).toBe("400.00");
    const table = path.join(dir, "settlement-table.xlsx");
    const asked = ["--format", "table", "--out", table];
    expect((await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", ...asked)).code).toBe(0);
    expect(fs.readFileSync(table, "utf8")).toContain("分成核算表"); // --format wins over the extension
  });

  it("refuses --out into a folder that does not exist as the user's mistake, plainly", async () => {
    const missing = path.join(tmpDir(), "no-such-folder", "s.xlsx");
    const r = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--out", missing);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: the folder .*no-such-folder does not exist/);
    expect(r.stderr).not.toMatch(/internal error|ENOENT/);
  });

  it.runIf(onPostgres)("says how to create the database DATABASE_URL names when it does not exist", async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = "/parkledger_no_such_database";
    const r = await shell(
      { DATABASE_URL: url.toString() },
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`does not exist on ${url.hostname}; create it with: createdb -h ${url.hostname}`);
    expect(r.stderr).not.toMatch(/at Parser|internal error/);
  });

  it("stops at once, saying what to do, when `serve` holds the embedded database", async () => {
    const dir = path.join(tmpDir(), `held-${process.pid}`, "pgdata");
    fs.mkdirSync(dir, { recursive: true });
    // a live process (this one) holding the directory as `serve` announces itself
    fs.writeFileSync(`${dir}.lock`, `${process.pid}\nparkledger serve at http://127.0.0.1:8080/v1\n`);
    const started = Date.now();
    const r = await shell(
      { PARKLEDGER_DATA_DIR: dir },
      "token",
      "create",
      "--party",
      "prefecture",
      "--role",
      "finance",
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is held by parkledger serve at http://127.0.0.1:8080/v1");
    expect(r.stderr).toMatch(/Use it over HTTP instead, stop it first/);
    fs.rmSync(`${dir}.lock`);
  });

  it("names taxes as people write them, and says the nearest when it knows none", async () => {
    const zh = await cli(db, "ratio", "list", "--tax", "增值税", "--format", "json");
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.json().map((r: { tax_code: string }) => r.tax_code)).toContain("VAT");
    expect((await cli(db, "ratio", "list", "--tax", "vat", "--format", "json")).json()).toEqual(zh.json());
    const wrong = await cli(db, "ratio", "list", "--tax", "VTA");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--tax: .*VTA is not a tax code; the nearest: VAT/);
  });

  it("says where a new database is made, and that a year with nothing booked is empty", async () => {
    const dir = path.join(tmpDir(), `fresh-${process.pid}`, "pgdata");
    const r = await shell(
      { PARKLEDGER_DATA_DIR: dir },
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`parkledger: a new, empty database at ${dir}`);
    expect(r.stderr).toContain(`note: nothing at all is booked in 2025 in ${dir}`);
    const again = await shell({ PARKLEDGER_DATA_DIR: dir }, "park", "list");
    expect(again.stderr).not.toContain("a new, empty database");
    const booked = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(booked.stderr).not.toContain("nothing at all is booked");
  });

  it("fills books of its own with the demo, says where, and leaves the configured ones empty", async () => {
    const dir = path.join(tmpDir(), `demo-${process.pid}`, "pgdata");
    const env = { PARKLEDGER_DATA_DIR: dir };
    const demo = await shell(env, "demo", "--receipts", "400", "--enterprises", "60", "--format", "json");
    expect(demo.code, demo.stderr).toBe(0);
    const own = path.join(path.dirname(dir), "demo", "pgdata");
    expect(demo.stderr).toContain(`demo: the sample year is in its own books at ${own}`);
    expect(demo.stderr).toContain(`PARKLEDGER_DATA_DIR=${own} npx parkledger report settlement`);
    const mine = await shell(
      env,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "json",
    );
    expect(JSON.parse(mine.stdout).by_tax).toEqual([]);
    const theirs = await shell(
      { PARKLEDGER_DATA_DIR: own },
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "json",
    );
    expect(JSON.parse(theirs.stdout).by_tax.length).toBeGreaterThan(0);
  }, 120_000);

  it("shows times in Beijing time in tables, and the instant in ISO UTC in JSON; amounts and counts grouped", async () => {
    const before = process.env.PARKLEDGER_TZ;
    process.env.PARKLEDGER_TZ = "Asia/Shanghai";
    try {
      expect((await cli(db, "token", "create", "--party", "auditor", "--role", "auditor")).code).toBe(0);
      const json = (await cli(db, "token", "list", "--format", "json")).json() as { created_at: string }[];
      const iso = new Date(json.at(-1)!.created_at);
      const beijing = new Date(iso.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
      expect((await cli(db, "token", "list")).stdout).toContain(`${beijing} (UTC+8)`);
    } finally {
      if (before === undefined) delete process.env.PARKLEDGER_TZ;
      else process.env.PARKLEDGER_TZ = before;
    }
    const file = csvFile([RECEIPT_HEADER, ["FH-2", uscc(1), "VAT", "2025-04-01", "1234567.89", "gross", "", ""]]);
    const summary = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "1234567.89",
      "--on",
      "2025-06-30",
      "--ref",
      "FH-T1",
    );
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toContain("1,234,567.89");
    expect(summary.stdout).toMatch(/year\s+2025/);
    expect((await cli(db, "import", "receipts", file)).stdout).toMatch(/rows\s+1\b/);
  });

  it("names the import a file of another kind belongs to, in one line", async () => {
    const r = await cli(db, "import", "receipts", standardRegistry());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this looks like an enterprise registry .*use 'parkledger import enterprises'/);
    expect(r.stderr).not.toContain("column_unknown");
  });

  it("reads an Excel workbook's first sheet as the same columns, and imports it once", async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("入库明细");
    sheet.addRow(["票号", "纳税人识别号", "预算科目", "入库日期", "金额", "口径"]);
    sheet.addRow(["XL-1", uscc(11), "1010101", new Date(Date.UTC(2025, 4, 6)), 2895.64, "gross"]);
    sheet.addRow(["XL-2", uscc(12), 10101, "2025-05-07", 100, "local"]);
    const file = path.join(tmpDir(), "treasury.xlsx");
    await book.xlsx.writeFile(file);
    const r = await cli(db, "import", "receipts", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ new_rows: 2, receipts: 2 });
    const shown = (await cli(db, "show", "receipt", "XL-1", "--format", "json")).json();
    expect(shown).toMatchObject({
      collected_on: "2025-05-06",
      amount: "2895.64",
      park: "WZ",
      central_share: "1447.82",
    });
    expect((await cli(db, "import", "receipts", file, "--format", "json")).json()).toMatchObject({
      already_imported: true,
    });
    const bad = new ExcelJS.Workbook();
    bad.addWorksheet("s").addRow(["receipt_no", "uscc", "tax_code", "collected_on", "amount", "scope"]);
    bad.worksheets[0]!.addRow(["XL-3", uscc(11), "VAT", "2025-05-08", 0.1 + 0.2, "gross"]);
    const badFile = path.join(tmpDir(), "float.xlsx");
    await bad.xlsx.writeFile(badFile);
    const refused = await cli(db, "import", "receipts", badFile);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/float\.xlsx:2: column amount: .*0\.30000000000000004/);
  });

  it("fits a wide table to --width, every line within it, the row's name repeated in each part", async () => {
    const wide = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan");
    const widest = Math.max(...wide.stdout.split("\n").map((l) => stringWidth(l)));
    expect(widest).toBeGreaterThan(80);
    const narrow = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--width", "80");
    expect(narrow.code, narrow.stderr).toBe(0);
    const tableLines = narrow.stdout.split("\n").filter((l) => /^[=-]+$|\d\.\d\d/.test(l.trim()));
    for (const line of tableLines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    // the tax rows appear in each part, so every figure can still be read against its tax
    expect(narrow.stdout.match(/增值税/g)!.length).toBeGreaterThan(wide.stdout.match(/增值税/g)!.length);
    expect(narrow.stdout).not.toContain("—");
  });

  it("says each problem in Chinese beside the English, the code unchanged for scripts", async () => {
    const bad = csvFile([RECEIPT_HEADER, ["ZH-1", uscc(1), "VAT", "2025-13-01", "1.234", "gross", "", ""]]);
    const r = await cli(db, "import", "receipts", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:2: column collected_on: 日期无效.* · not a date .*\[date_invalid\]/);
    expect(r.stderr).toMatch(/:2: column amount: 金额格式不对.* · not an amount .*\[amount_invalid\]/);
    const rule = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "-5.00",
      "--on",
      "2025-06-30",
      "--ref",
      "ZH-T",
    );
    expect(rule.code).toBe(2);
    expect(rule.stderr).toMatch(/拨付金额须为正数 · .*\[transfer_not_positive\]/);
    const summary = await cli(
      db,
      "import",
      "receipts",
      csvFile([RECEIPT_HEADER, ["ZH-2", uscc(1), "VAT", "2025-05-01", "1.00", "gross", "", ""]]),
    );
    expect(summary.stdout).toMatch(/新增行 new_rows\s+1/);
    expect(summary.stdout).toMatch(/此前已导入 already_imported\s+否 no/);
  });

  it("writes the reconciliation summary's counts and amounts as numbers in the workbook", async () => {
    const file = path.join(tmpDir(), "reconciliation.xlsx");
    const r = await cli(db, "report", "reconciliation", "--year", "2025", "--operator", "bingtuan", "--out", file);
    expect(r.code, r.stderr).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const values: ExcelJS.CellValue[][] = [];
    book.worksheets[0]!.eachRow((row) => values.push((row.values as ExcelJS.CellValue[]).slice(1)));
    const missing = values.find((v) => v.includes("Missing in operator"))!;
    const total = values.find((v) => v.includes("Prefecture total"))!;
    expect(missing.some((v) => typeof v === "number")).toBe(true);
    expect(total.some((v) => typeof v === "number")).toBe(true);
  });

  it("takes parties as people name them and suggests the nearest for a slip", async () => {
    for (const name of ["Bingtuan", "兵团", "新疆生产建设兵团"]) {
      const r = await cli(db, "report", "settlement", "--year", "2025", "--operator", name, "--format", "json");
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().operator).toBe("bingtuan");
    }
    const slip = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtaun");
    expect(slip.code).toBe(2);
    expect(slip.stderr).toMatch(/bingtaun is not a party, did you mean bingtuan\?; use one of/);
  });
});
