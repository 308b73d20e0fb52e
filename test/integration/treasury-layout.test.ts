// Receipts files as the treasury exports them: Chinese column headers, amounts with thousands
// separators, saved by Excel as GB18030. They book exactly what the same receipts (the same codes)
// in the plain layout book: importing those afterwards changes nothing.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

describe(`the treasury's own layout (${dialectLabel})`, () => {
  it("reads Chinese headers and grouped thousands, and books what the plain layout books", async () => {
    const treasury = csvFile(
      [
        ["票号", "纳税人识别号", "征收项目代码", "入库日期", "金额", "口径", "所属期", "原票号"],
        ["TY-1", uscc(1), "10101", "2025-03-01", '"2,895.64"', "gross", "2025-02", ""],
        ["TY-2", uscc(11), "10104", "2025-03-02", '"1,234,567.00"', "local", "", ""],
        ["TY-3", uscc(1), "10101", "2025-04-01", '"-1,000.00"', "", "", "TY-1"],
      ],
      { encoding: "gb18030" },
    );
    const first = await cli(db, "import", "receipts", treasury, "--format", "json");
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ encoding: "GB18030", receipts: 2, refunds: 1 });
    const plain = csvFile([
      RECEIPT_HEADER,
      ["TY-1", uscc(1), "10101", "2025-03-01", "2895.64", "gross", "2025-02", ""],
      ["TY-2", uscc(11), "10104", "2025-03-02", "1234567.00", "local", "", ""],
      ["TY-3", uscc(1), "10101", "2025-04-01", "-1000.00", "", "", "TY-1"],
    ]);
    const again = await cli(db, "import", "receipts", plain, "--format", "json");
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ receipts: 0, refunds: 0 });
    const { rows } = await db.knex.raw(
      `select r.receipt_no, r.amount_fen, r.tax_code, coalesce(r.budget_code, t.item_code) as budget_code
         from receipts r join tax_types t on t.code = r.tax_code where r.receipt_no like 'TY-%' order by 1`,
    );
    // the code is kept as given, and read as the tax whose ratio applies
    expect(
      rows.map((r: Record<string, unknown>) => [r.receipt_no, String(r.amount_fen), r.tax_code, r.budget_code]),
    ).toEqual([
      ["TY-1", "289564", "VAT", "10101"],
      ["TY-2", "123456700", "CIT", "10104"],
      ["TY-3", "-100000", "VAT", "10101"],
    ]);
  });

  it("refuses thousands grouped wrongly and a Chinese header of another kind of file, naming them", async () => {
    const badGroup = csvFile([RECEIPT_HEADER, ["TY-9", uscc(1), "VAT", "2025-05-01", '"2,89.64"', "gross", "", ""]]);
    const bad = await cli(db, "import", "receipts", badGroup);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/column amount: .*amount_invalid/);
    const otherKind = csvFile([
      ["票号", "纳税人识别号", "征收项目代码", "入库日期", "金额", "指标"],
      ["TY-8", uscc(1), "VAT", "2025-05-01", "1.00", "GDP"],
    ]);
    const unknown = await cli(db, "import", "receipts", otherKind);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown column "指标"/);
  });
});
