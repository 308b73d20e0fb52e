// The enterprise registry: stays in parks over time, imported idempotently, never overlapping, and
// never moving a receipt already booked.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { badUscc, csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

describe(`enterprise registry (${dialectLabel})`, () => {
  it("imports stays, and the same file again changes nothing", async () => {
    const file = csvFile(
      [
        ENTERPRISE_HEADER,
        [uscc(101), "甲公司", "BZ", "2025-01-01", "2025-03-31", "relocated", "bingtuan", "TRUE"],
        [uscc(101), "甲公司", "WZ", "2025-04-01", "", "relocated", "urumqi", "FALSE"],
        [uscc(102), "乙公司", "ZD", "2025-01-01", "", "", "", ""],
      ],
      { encoding: "gb18030" },
    );
    const r = await cli(db, "import", "enterprises", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ rows: 3, new_stays: 3, enterprises: 2, encoding: "GB18030" });
    const again = await cli(db, "import", "enterprises", file, "--format", "json");
    expect(again.json()).toMatchObject({ already_imported: true });
    const { rows } = await db.knex.raw(
      "select uscc, park, valid_from, valid_to, bingtuan_flag from enterprise_stays order by uscc, valid_from",
    );
    expect(rows).toEqual([
      { uscc: uscc(101), park: "BZ", valid_from: "2025-01-01", valid_to: "2025-03-31", bingtuan_flag: true },
      { uscc: uscc(101), park: "WZ", valid_from: "2025-04-01", valid_to: null, bingtuan_flag: false },
      { uscc: uscc(102), park: "ZD", valid_from: "2025-01-01", valid_to: null, bingtuan_flag: false },
    ]);
  });

  it("rejects stays that would put an enterprise in two parks at once, importing nothing", async () => {
    const file = csvFile([
      ENTERPRISE_HEADER,
      [uscc(103), "丙公司", "BZ", "2025-01-01", "", "", "", ""],
      [uscc(101), "甲公司", "ZD", "2025-03-01", "", "", "", ""],
    ]);
    const r = await cli(db, "import", "enterprises", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:3: column from: .* would be in two parks at once/);
    const { rows } = await db.knex.raw("select count(*)::int as n from enterprises where uscc = ?", [uscc(103)]);
    expect(rows[0].n).toBe(0);
  });

  it("rejects bad rows naming row, column and reason", async () => {
    const file = csvFile([
      ENTERPRISE_HEADER,
      [badUscc(104), "丁公司", "BZ", "2025-01-01", "", "", "", ""],
      [uscc(105), "戊公司", "XX", "2025-01-01", "", "", "", ""],
      [uscc(106), "己公司", "BZ", "2025-05-01", "2025-04-01", "", "", ""],
      [uscc(107), "庚公司", "BZ", "2025-01-01", "", "moved", "", "maybe"],
    ]);
    const r = await cli(db, "import", "enterprises", file);
    expect(r.code).toBe(2);
    for (const where of [
      ":2: column uscc:",
      ":3: column park:",
      ":4: column to:",
      ":5: column origin:",
      ":5: column bingtuan_flag:",
    ])
      expect(r.stderr).toContain(where);
  });

  it("refuses a change of stay that would move a receipt already booked to another park", async () => {
    const receipts = csvFile([RECEIPT_HEADER, ["E-1", uscc(101), "VAT", "2025-05-05", "10.00", "gross", "", ""]]);
    expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
    const moved = csvFile([
      ENTERPRISE_HEADER,
      [uscc(101), "甲公司", "WZ", "2025-04-01", "2025-04-30", "relocated", "urumqi", "false"],
    ]);
    const r = await cli(db, "import", "enterprises", moved);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/receipt E-1 .* is booked in WZ; this file would put it in no park/);
  });

  it("tells how many receipts in suspense the new registry now explains", async () => {
    const receipts = csvFile([RECEIPT_HEADER, ["E-S-1", uscc(108), "VAT", "2025-06-01", "10.00", "gross", "", ""]]);
    const imported = await cli(db, "import", "receipts", receipts, "--format", "json");
    expect(imported.json()).toMatchObject({ suspense: 1 });
    const file = csvFile([
      ENTERPRISE_HEADER,
      [uscc(108), "辛公司", "BZ", "2025-01-01", "", "new", "bingtuan", "false"],
    ]);
    const r = await cli(db, "import", "enterprises", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ suspense_now_resolvable: 1 });
  });
});
