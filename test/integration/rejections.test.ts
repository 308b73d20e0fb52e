// Bad input is refused with a message naming the file, row, column and reason, and nothing of the
// file is imported: every case of the issue, through the command line.

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toCount } from "../../src/db/database.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { badUscc, csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const base = csvFile([
    RECEIPT_HEADER,
    ["B-1", uscc(1), "VAT", "2025-01-10", "100.00", "gross", "", ""],
    ["B-2", uscc(11), "CIT", "2025-01-11", "50.00", "gross", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", base)).code).toBe(0);
});
afterAll(async () => db?.drop());

async function counts() {
  const { rows } = await db.knex.raw(
    "select (select count(*) from receipts)::int as receipts, (select count(*) from journal_entries)::int as entries, (select count(*) from imports)::int as imports",
  );
  return rows[0];
}

const good = (no: string) => [no, uscc(2), "VAT", "2025-02-01", "10.00", "gross", "", ""];

const CASES: [string, (string | number)[], number, string, RegExp][] = [
  [
    "a USCC with a wrong check character",
    [`X-1`, badUscc(2), "VAT", "2025-02-01", "10.00", "gross", "", ""],
    3,
    "uscc",
    /check character/,
  ],
  [
    "an impossible date",
    ["X-2", uscc(2), "VAT", "2025-02-30", "10.00", "gross", "", ""],
    3,
    "collected_on",
    /calendar/,
  ],
  [
    "an amount with three decimals",
    ["X-3", uscc(2), "VAT", "2025-02-01", "10.001", "gross", "", ""],
    3,
    "amount",
    /at most two decimals/,
  ],
  [
    "an amount with an exponent",
    ["X-4", uscc(2), "VAT", "2025-02-01", "1e5", "gross", "", ""],
    3,
    "amount",
    /no exponent/,
  ],
  [
    "an unknown tax code",
    ["X-5", uscc(2), "GST", "2025-02-01", "10.00", "gross", "", ""],
    3,
    "tax_code",
    /unknown tax code/,
  ],
  [
    "a negative amount without refund_of",
    ["X-6", uscc(2), "VAT", "2025-02-01", "-10.00", "gross", "", ""],
    3,
    "amount",
    /refund_of/,
  ],
  ["an over-refund", ["X-7", uscc(1), "VAT", "2025-02-01", "-100.01", "", "", "B-1"], 3, "amount", /more than|exceed/],
  [
    "a receipt number reused with different content",
    ["B-1", uscc(1), "VAT", "2025-01-10", "100.01", "gross", "", ""],
    3,
    "receipt_no",
    /already recorded/,
  ],
  [
    "a refund of a receipt that does not exist",
    ["X-9", uscc(1), "VAT", "2025-02-01", "-1.00", "", "", "NOPE"],
    3,
    "refund_of",
    /not a recorded receipt/,
  ],
  [
    "a positive amount with refund_of",
    ["X-10", uscc(1), "VAT", "2025-02-01", "1.00", "", "", "B-1"],
    3,
    "amount",
    /negative/,
  ],
  [
    "a local-scope receipt of a wholly central tax",
    ["X-11", uscc(1), "CT", "2025-02-01", "1.00", "local", "", ""],
    3,
    "scope",
    /wholly central/,
  ],
  [
    "a refund dated before its original",
    ["X-12", uscc(1), "VAT", "2025-01-01", "-1.00", "", "", "B-1"],
    3,
    "collected_on",
    /before|entered the treasury/,
  ],
  [
    "a refund with another enterprise",
    ["X-13", uscc(2), "VAT", "2025-02-01", "-1.00", "", "", "B-1"],
    3,
    "uscc",
    /belongs to/,
  ],
];

describe(`bad input is rejected whole (${dialectLabel})`, () => {
  it.each(CASES)(
    "rejects %s, naming file, row and column, and imports nothing",
    async (_name, bad, row, column, reason) => {
      const before = await counts();
      const file = csvFile([RECEIPT_HEADER, good(`OK-${row}-${column}-${Math.random()}`), bad]);
      const r = await cli(db, "import", "receipts", file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${path.basename(file)}:${row}: column ${column}:`);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/nothing was imported/);
      expect(await counts()).toEqual(before);
    },
  );

  it("lists every problem of a file at once", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      good("M-1"),
      ["M-2", badUscc(3), "VAT", "2025-13-01", "1.234", "gross", "", ""],
      ["M-3", uscc(2), "XXX", "2025-02-01", "5", "gross", "", ""],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/4 problems/);
    for (const where of [":3: column uscc:", ":3: column collected_on:", ":3: column amount:", ":4: column tax_code:"])
      expect(r.stderr).toContain(where);
  });

  it("rejects two different rows under one receipt number in the same file", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      good("D-1"),
      ["D-1", uscc(2), "VAT", "2025-02-01", "11.00", "gross", "", ""],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:3: column receipt_no: .*receipt number D-1 is already used by row 2 of this file/);
  });

  it("rejects refunds in one file that together exceed their original", async () => {
    const before = await counts();
    const file = csvFile([
      RECEIPT_HEADER,
      ["OR-1", uscc(1), "VAT", "2025-03-01", "10.00", "gross", "", ""],
      ["OR-1-A", uscc(1), "VAT", "2025-03-02", "-6.00", "", "", "OR-1"],
      ["OR-1-B", uscc(1), "VAT", "2025-03-03", "-4.01", "", "", "OR-1"],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(":4: column amount:");
    expect(await counts()).toEqual(before);
  });

  it("rejects a header with a missing or unknown column", async () => {
    const missing = csvFile([
      ["receipt_no", "uscc", "tax_code", "amount"],
      ["Z-1", uscc(1), "VAT", "1.00"],
    ]);
    const r1 = await cli(db, "import", "receipts", missing);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/required column "collected_on" is missing/);
    const unknown = csvFile([
      [...RECEIPT_HEADER, "remark"],
      ["Z-2", uscc(1), "VAT", "2025-01-01", "1.00", "", "", "", "x"],
    ]);
    const r2 = await cli(db, "import", "receipts", unknown);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown column "remark"/);
  });

  it("rejects a missing file with a clear message", async () => {
    const r = await cli(db, "import", "receipts", "/nonexistent/receipts.csv");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/receipts.csv: ENOENT/);
  });

  it("rejects bad options of transfer and agreement with exit code 2", async () => {
    const cases = [
      ["transfer", "--operator", "bingtuan", "--amount", "1.5e3", "--on", "2025-01-01", "--ref", "T"],
      ["transfer", "--operator", "nobody", "--amount", "1.00", "--on", "2025-01-01", "--ref", "T"],
      ["transfer", "--operator", "bingtuan", "--amount", "1.00", "--on", "2025-02-29", "--ref", "T"],
      ["agreement", "set", "--park", "ZD", "--operator-share", "80", "--from", "2030-01-01"],
      ["agreement", "set", "--park", "BZ", "--operator-share", "101", "--from", "2030-01-01"],
      ["agreement", "set", "--park", "BZ", "--operator-share", "70", "--from", "2025-02-30"],
      ["report", "settlement", "--year", "2025", "--operator", "prefecture"],
      ["report", "trial-balance", "--year", "25", "--jurisdiction", "prefecture"],
    ];
    for (const argv of cases) {
      const r = await cli(db, ...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toMatch(/^error: /m);
    }
  });
});

describe(`files as Excel leaves them (${dialectLabel})`, () => {
  it("counts rows as Excel does across blank lines, and ignores rows and header cells left empty", async () => {
    const file = csvFile([
      [...RECEIPT_HEADER, "", ""],
      ["BL-1", uscc(2), "VAT", "2025-02-01", "10.00", "gross", "", "", "", ""],
      [""],
      ["BL-2", uscc(2), "VAT", "2025-02-31", "10.00", "gross", "", "", "", ""],
      [",,,,,,,,,"],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(":4: column collected_on:");
    expect(r.stderr).toMatch(/1 problem;/);
  });

  it("reads a jurisdiction given in capitals", async () => {
    const r = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      "2025",
      "--jurisdiction",
      "Prefecture",
      "--format",
      "json",
    );
    expect(r.code).toBe(0);
    expect(r.json().jurisdiction).toBe("prefecture");
    expect(r.json().accounts.length).toBeGreaterThan(0);
  });

  it("refuses to settle a year that has not begun", async () => {
    const r = await cli(db, "settle", "--year", "2999", "--operator", "bingtuan");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/year_not_begun/);
  });

  it("refuses to close a year with nothing in it unless told to, and closes it when told", async () => {
    const r = await cli(db, "settle", "--year", "1990", "--operator", "bingtuan");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/year_empty/);
    expect(r.stderr).toMatch(/nothing is booked or transferred in 1990 for bingtuan's park BZ.*--empty-year/);
    expect(toCount((await db.knex.raw("select count(*) as n from closures where year = 1990")).rows[0].n)).toBe(0);
    const told = await cli(
      db,
      "settle",
      "--year",
      "1990",
      "--operator",
      "bingtuan",
      "--empty-year",
      "--override-reason",
      "test: an empty year settled without a statement",
      "--format",
      "json",
    );
    expect(told.code, told.stderr).toBe(0);
    expect(told.json()).toMatchObject({ year: 1990, already_settled: false, balance_due: "0.00" });
    // once closed, settling it again answers with the closure, flag or not
    const again = await cli(db, "settle", "--year", "1990", "--operator", "bingtuan", "--format", "json");
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ already_settled: true });
  });
});

describe(`every problem at once (${dialectLabel})`, () => {
  it("lists a reused receipt number together with the problems of other rows", async () => {
    const file = csvFile([
      RECEIPT_HEADER,
      ["B-1", uscc(1), "VAT", "2025-01-10", "100.02", "gross", "", ""],
      ["EV-1", uscc(2), "VAT", "2025-02-30", "10.00", "gross", "", ""],
    ]);
    const r = await cli(db, "import", "receipts", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(":2: column receipt_no:");
    expect(r.stderr).toContain(":3: column collected_on:");
  });
});
