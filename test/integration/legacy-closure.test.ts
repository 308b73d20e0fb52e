// A year closed with an operator before closures named a park (migration 016 left such rows as they
// were, with no park) stays closed for every park the operator runs, a park added later included:
// a late receipt of that year is booked in the next open year, in each of them.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

describe(`a closure recorded before closures named a park (${dialectLabel})`, () => {
  it("closes the year for every park of its operator, one added later too", async () => {
    // as settle wrote it before migration 016: the operator and the year, no park
    await db.knex("closures").insert({ operator: "bingtuan", year: 2024, balance_due_fen: 0, statement: "{}" });
    const added = await cli(
      db,
      "park",
      "add",
      "--park",
      "BX",
      "--name",
      "兵准二园",
      "--operator",
      "bingtuan",
      "--host",
      "prefecture",
      "--operator-share",
      "80",
      "--from",
      "2020-01-01",
    );
    expect(added.code, added.stderr).toBe(0);
    const registry = csvFile([
      ENTERPRISE_HEADER,
      [uscc(51), "兵准二园一号有限公司", "BX", "2024-01-01", "", "new", "bingtuan", "false"],
    ]);
    expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
    const late = csvFile([
      RECEIPT_HEADER,
      ["LATE-BZ", uscc(1), "VAT", "2024-11-20", "100.00", "gross", "", ""],
      ["LATE-BX", uscc(51), "VAT", "2024-11-21", "100.00", "gross", "", ""],
    ]);
    const imported = await cli(db, "import", "receipts", late);
    expect(imported.code, imported.stderr).toBe(0);
    const { rows } = await db.knex.raw(
      "select receipt_no, park, fiscal_year from receipts where receipt_no like 'LATE-%' order by receipt_no",
    );
    expect(
      rows.map((r: { receipt_no: string; park: string; fiscal_year: unknown }) => [
        r.receipt_no,
        r.park,
        Number(r.fiscal_year),
      ]),
    ).toEqual([
      ["LATE-BX", "BX", 2025],
      ["LATE-BZ", "BZ", 2025],
    ]);
    for (const park of ["BZ", "BX"]) {
      const s = await cli(
        db,
        "report",
        "settlement",
        "--year",
        "2024",
        "--operator",
        "bingtuan",
        "--park",
        park,
        "--format",
        "json",
      );
      expect(s.code, s.stderr).toBe(0);
      expect(s.json().status).toBe("closed");
    }
    const transfer = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--park",
      "BX",
      "--amount",
      "1.00",
      "--on",
      "2024-12-01",
      "--ref",
      "LATE-T",
    );
    expect(transfer.code).toBe(2);
    expect(transfer.stderr).toMatch(/year_closed/);
  });

  it("refuses a reconciliation of a park without its operator rather than ignore the park", async () => {
    const run = await cli(db, "report", "reconciliation", "--year", "2025", "--park", "BX");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--park: .*operator_unknown/);
  });
});
