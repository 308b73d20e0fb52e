// Receipts as the treasury and tax systems really export them: budget classification codes at any
// level, no silent scope, amounts divided by level, every kind of negative flow, attribution by tax
// period, and enterprises whose tax is wholly central. Every figure is worked by hand in fen.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

const KIND_HEADER = [...RECEIPT_HEADER, "kind"];

async function fresh(): Promise<TestDatabase> {
  const db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  return db;
}

async function receipt(db: TestDatabase, no: string) {
  const { rows } = await db.knex.raw(
    `select tax_code, budget_code, kind, park, scope, central_fen::text as central, local_fen::text as local,
            operator_fen::text as operator, host_fen::text as host, ratio_central_fen::text as ratio_central
       from receipts where receipt_no = ?`,
    [no],
  );
  return rows[0];
}

async function settlement(db: TestDatabase, operator: string, year = "2025") {
  const r = await cli(db, "report", "settlement", "--year", year, "--operator", operator, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json() as {
    totals: Record<string, string>;
    refunds_and_adjustments: Record<string, string | number>[];
  };
}

async function importOk(db: TestDatabase, file: string, ...options: string[]) {
  const r = await cli(db, "import", "receipts", file, "--format", "json", ...options);
  expect(r.code, r.stderr).toBe(0);
  return r.json() as Record<string, unknown>;
}

describe(`budget codes and scope (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  it("reads a 7-digit item as the tax whose ratio applies and keeps the code as given", async () => {
    await importOk(
      db,
      csvFile([
        RECEIPT_HEADER,
        ["BC-1", uscc(1), "1010101", "2025-03-01", "100.00", "gross", "", ""],
        ["BC-2", uscc(1), "1010403", "2025-03-02", "200.00", "gross", "", ""],
      ]),
    );
    expect(await receipt(db, "BC-1")).toMatchObject({ tax_code: "VAT", budget_code: "1010101", central: "5000" });
    expect(await receipt(db, "BC-2")).toMatchObject({ tax_code: "CIT", budget_code: "1010403", central: "12000" });
  });

  it("refuses an unknown code with the nearest known ones, and a class too general to name a tax", async () => {
    const r = await cli(
      db,
      "import",
      "receipts",
      csvFile([
        RECEIPT_HEADER,
        ["BC-3", uscc(1), "1010199", "2025-03-01", "1.00", "gross", "", ""],
        ["BC-4", uscc(1), "101", "2025-03-01", "1.00", "gross", "", ""],
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /:2: column tax_code: .*unknown tax code .*nearest known: .*1010101 国内增值税.*\[tax_code_unknown\]/,
    );
    expect(r.stderr).toMatch(/:3: column tax_code: .*101 \(税收收入\).*\[budget_code_too_general\]/);
  });

  it("assumes no scope: a file of totals without one is refused until --scope says what they are", async () => {
    const file = csvFile([
      ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
      ["SC-1", uscc(1), "VAT", "2025-04-01", "100.00"],
    ]);
    const refused = await cli(db, "import", "receipts", file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/:2: column scope: .*\[scope_required\]/);
    expect(refused.stderr).toMatch(/nothing was imported/);
    await importOk(db, file, "--scope", "gross");
    expect(await receipt(db, "SC-1")).toMatchObject({
      scope: "gross",
      central: "5000",
      operator: "4000",
      host: "1000",
    });
  });
});

describe(`amounts divided by level (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  const header = ["票号", "纳税人识别号", "预算科目", "入库日期", "金额", "中央级", "自治区级", "州级", "县级"];

  it("books the levels as given and reports a central level off the ratio", async () => {
    const result = await importOk(
      db,
      csvFile(
        [
          header,
          ["LV-1", uscc(1), "1010101", "2025-03-01", '"1,000.00"', "500.00", "125.00", "250.00", "125.00"],
          ["LV-2", uscc(1), "1010101", "2025-03-02", '"1,000.00"', "480.00", "130.00", "260.00", "130.00"],
        ],
        { encoding: "gb18030" },
      ),
    );
    // every local level shared by default: the operator takes 80 % of the 500.00 local
    expect(await receipt(db, "LV-1")).toMatchObject({ central: "50000", local: "50000", operator: "40000" });
    expect(await receipt(db, "LV-2")).toMatchObject({ central: "48000", local: "52000", operator: "41600" });
    expect(result).toMatchObject({ central_differs: 1 });
    expect(result.central_differs_items).toEqual([
      expect.objectContaining({ receipt_no: "LV-2", central_given: "480.00", central_by_ratio: "500.00" }),
    ]);
  });

  it("shares only the levels the agreement names", async () => {
    const set = await cli(
      db,
      ...["agreement", "set", "--park", "WZ", "--operator-share", "80", "--from", "2025-01-01"],
      ...["--shared-levels", "prefecture,county", "--note", "细则: 自治区级不分成"],
    );
    expect(set.code, set.stderr).toBe(0);
    await importOk(
      db,
      csvFile([
        ["receipt_no", "uscc", "tax_code", "collected_on", "amount", "central", "region", "prefecture", "county"],
        ["LV-3", uscc(11), "VAT", "2025-03-01", "1000.00", "500.00", "125.00", "250.00", "125.00"],
      ]),
    );
    // shared: 250.00 + 125.00 = 375.00, of which 80 % = 300.00; the host keeps 200.00 (the region's 125.00 too)
    expect(await receipt(db, "LV-3")).toMatchObject({ local: "50000", operator: "30000", host: "20000" });
  });

  it("reports revenue by budget item as the treasury named it", async () => {
    const r = await cli(db, "report", "budget-items", "--year", "2025", "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    const items = (r.json() as { items: Record<string, unknown>[] }).items;
    expect(
      items.map((i) => [i.park, i.budget_code, i.budget_name_zh, i.receipts, i.amount, i.central_off_ratio]),
    ).toEqual([
      ["BZ", "1010101", "国内增值税", 2, "2000.00", 1],
      ["WZ", "10101", "增值税", 1, "1000.00", 0],
    ]);
    const own = await cli(db, "report", "budget-items", "--year", "2025", "--operator", "bingtuan", "--format", "csv");
    expect(own.stdout).toContain("1010101");
    expect(own.stdout).not.toContain("WZ");
  });

  it("refuses levels that do not add up to the amount, naming them", async () => {
    const r = await cli(
      db,
      "import",
      "receipts",
      csvFile([
        ["receipt_no", "uscc", "tax_code", "collected_on", "amount", "central", "region", "prefecture", "county"],
        ["LV-4", uscc(1), "VAT", "2025-03-01", "1000.00", "500.00", "100.00", "250.00", "125.00"],
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:2: column central: .*= 975.00, not the amount 1000.00.*\[levels_invalid\]/);
  });
});

describe(`every kind of negative flow (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await fresh();
    const set = await cli(
      db,
      ...["agreement", "set", "--park", "BZ", "--operator-share", "80", "--from", "2024-01-01"],
      ...["--refund-shares", "credit_refund=60"],
    );
    expect(set.code, set.stderr).toBe(0);
  });
  afterAll(async () => db?.drop());

  it("books each kind by its own rule and lists them on their own lines of the statement", async () => {
    const u = uscc(1);
    await importOk(
      db,
      csvFile([
        KIND_HEADER,
        ["K-0", u, "VAT", "2025-02-01", "2000.00", "gross", "2025-01", "", ""],
        // 留抵退税: central 50 %; the local part borne 60 % by the operator as the agreement says
        ["K-1", u, "VAT", "2025-07-10", "-1000.00", "gross", "2025-06", "", "credit_refund"],
        // 调库: returns part of the local burden, split as the credit refund's local part
        ["K-2", u, "VAT", "2025-08-10", "175.00", "", "", "K-1", "treasury_adjustment"],
        // 汇算清缴退税 of 2024's CIT: 60 % central, 80 % of the local to the operator
        ["K-3", u, "10104", "2025-05-20", "-600.00", "gross", "2024", "", "settlement_refund"],
        ["K-4", u, "VAT", "2025-05-08", "-100.00", "gross", "2025-04", "", "即征即退"],
        // 免抵调库: 300.00 moves from the central level to the local one
        ["K-5", u, "VAT", "2025-06-15", "300.00", "", "2025-05", "", "export_offset"],
      ]),
    );
    expect(await receipt(db, "K-1")).toMatchObject({
      kind: "credit_refund",
      central: "-50000",
      local: "-50000",
      operator: "-30000",
      host: "-20000",
    });
    expect(await receipt(db, "K-2")).toMatchObject({ central: "0", local: "17500", operator: "10500", host: "7000" });
    expect(await receipt(db, "K-3")).toMatchObject({ central: "-36000", operator: "-19200", host: "-4800" });
    expect(await receipt(db, "K-4")).toMatchObject({ kind: "immediate_refund", central: "-5000", operator: "-4000" });
    expect(await receipt(db, "K-5")).toMatchObject({
      central: "-30000",
      local: "30000",
      operator: "24000",
      host: "6000",
    });

    const s = await settlement(db, "bingtuan");
    // operator: 800.00 − 300.00 + 105.00 − 192.00 − 40.00 + 240.00 = 613.00
    expect(s.totals).toMatchObject({ operator_share: "613.00", host_share: "72.00", central_excluded: "-210.00" });
    expect(s.refunds_and_adjustments.map((f) => [f.kind, f.tax_code, f.operator_share])).toEqual([
      ["credit_refund", "VAT", "-300.00"],
      ["settlement_refund", "CIT", "-192.00"],
      ["immediate_refund", "VAT", "-40.00"],
      ["export_offset", "VAT", "240.00"],
      ["treasury_adjustment", "VAT", "105.00"],
    ]);
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("holds a period refund or an export offset of an enterprise in no park in suspense, never dropped", async () => {
    const stranger = uscc(99);
    const result = await importOk(
      db,
      csvFile([
        KIND_HEADER,
        ["S-1", stranger, "VAT", "2025-07-10", "-80.00", "gross", "2025-06", "", "credit_refund"],
        ["S-2", stranger, "VAT", "2025-07-11", "30.00", "", "2025-06", "", "export_offset"],
      ]),
    );
    expect(result).toMatchObject({ suspense: 2 });
    expect(await receipt(db, "S-1")).toMatchObject({ park: null, central: "0", local: "-8000", operator: "0" });
    // the offset moves 30.00 from the central level into the local one, which suspense holds
    expect(await receipt(db, "S-2")).toMatchObject({ park: null, central: "-3000", local: "3000", host: "3000" });
    const held = await cli(db, "report", "suspense", "--year", "2025", "--format", "json");
    expect(held.json().items.map((i: { receipt_no: string }) => i.receipt_no)).toEqual(
      expect.arrayContaining(["S-1", "S-2"]),
    );
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("refuses what a kind may not be, naming the rule", async () => {
    const u = uscc(1);
    const r = await cli(
      db,
      "import",
      "receipts",
      csvFile([
        KIND_HEADER,
        ["N-1", u, "VAT", "2025-09-01", "-10.00", "gross", "", "", "credit_refund"],
        ["N-2", u, "CIT", "2025-09-01", "-10.00", "gross", "2025-08", "", "credit_refund"],
        ["N-3", u, "VAT", "2025-09-01", "400.00", "", "", "K-1", "treasury_adjustment"],
        ["N-4", u, "VAT", "2025-09-01", "10.00", "", "", "K-0", "treasury_adjustment"],
        ["N-5", u, "VAT", "2025-09-01", "-10.00", "", "", "K-1", ""],
        ["N-6", u, "VAT", "2025-09-01", "-10.00", "", "", "K-2", ""],
      ]),
    );
    expect(r.code).toBe(2);
    for (const [row, code] of [
      [2, "tax_period_required"],
      [3, "kind_tax"],
      [4, "adjustment_exceeds_local_burden"],
      [5, "adjustment_of_non_credit_refund"],
      [6, "refund_of_refund"],
      [7, "refund_of_refund"],
    ] as const)
      expect(r.stderr).toMatch(new RegExp(`:${row}: column \\w+: .*\\[${code}\\]`));
    // a refund naming a treasury adjustment is told what that row is, not called a refund of a refund
    expect(r.stderr).toMatch(/:7: column refund_of: .*K-2 is a treasury_adjustment \(留抵退税调库\), not a receipt/);
  });
});

describe(`attribution by entry date or tax period (${dialectLabel})`, () => {
  // enterprise 4 is in BZ until 2025-06-30 and in WZ from 2025-07-01 (standardRegistry)
  const mover = () =>
    csvFile([
      KIND_HEADER,
      ["MV-1", uscc(4), "VAT", "2025-07-15", "100.00", "gross", "2025-06", "", ""],
      ["MV-2", uscc(4), "CIT", "2025-08-20", "-50.00", "gross", "2024", "", "settlement_refund"],
    ]);

  it("follows the park of the entry date by default", async () => {
    const db = await fresh();
    try {
      await importOk(db, mover());
      expect(await receipt(db, "MV-1")).toMatchObject({ park: "WZ", operator: "4000" });
      expect(await receipt(db, "MV-2")).toMatchObject({ park: "WZ", operator: "-1600" });
    } finally {
      await db.drop();
    }
  });

  it("follows the park of the tax period when the agreement says so", async () => {
    const db = await fresh();
    try {
      const set = await cli(
        db,
        ...["agreement", "set", "--park", "BZ", "--operator-share", "80", "--from", "2024-01-01"],
        ...["--attribution", "tax_period"],
      );
      expect(set.code, set.stderr).toBe(0);
      await importOk(db, mover());
      expect(await receipt(db, "MV-1")).toMatchObject({ park: "BZ", operator: "4000" });
      expect(await receipt(db, "MV-2")).toMatchObject({ park: "BZ", operator: "-1600" });
      expect((await settlement(db, "urumqi")).totals.operator_share).toBe("0.00");
      expect((await settlement(db, "bingtuan")).totals.operator_share).toBe("24.00");
    } finally {
      await db.drop();
    }
  });
});

describe(`enterprise exceptions to the central share (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  it("books an excepted enterprise's CIT wholly central, and every other's by the ratio", async () => {
    const set = await cli(
      db,
      ...["ratio", "exception", "--uscc", uscc(2), "--tax", "CIT", "--central-share", "100", "--from", "2025-01-01"],
      ...["--note", "铁路运输企业所得税全额归中央"],
    );
    expect(set.code, set.stderr).toBe(0);
    await importOk(
      db,
      csvFile([
        RECEIPT_HEADER,
        ["EX-1", uscc(2), "CIT", "2025-03-01", "100.00", "gross", "", ""],
        ["EX-2", uscc(1), "CIT", "2025-03-01", "100.00", "gross", "", ""],
      ]),
    );
    expect(await receipt(db, "EX-1")).toMatchObject({ central: "10000", local: "0", operator: "0" });
    expect(await receipt(db, "EX-2")).toMatchObject({ central: "6000", operator: "3200" });
    const listed = await cli(db, "ratio", "exceptions", "--format", "json");
    expect(listed.json()).toEqual([
      expect.objectContaining({ uscc: uscc(2), tax_code: "CIT", central_share_pct: "100.00", in_force_today: true }),
    ]);
  });
});

describe(`corrections reach back over the treasury's kinds (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  it("re-splits an enterprise's booked CIT when an exception reaching back makes it wholly central", async () => {
    await importOk(db, csvFile([RECEIPT_HEADER, ["RX-1", uscc(2), "CIT", "2025-03-01", "100.00", "gross", "", ""]]));
    expect(await receipt(db, "RX-1")).toMatchObject({ central: "6000", operator: "3200" });
    const set = await cli(
      db,
      ...["ratio", "exception", "--uscc", uscc(2), "--tax", "CIT", "--central-share", "100", "--from", "2025-01-01"],
      ...["--format", "json"],
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.json().resplit).toMatchObject({ receipts: 1, net_change: { central: "40.00", bingtuan: "-32.00" } });
    const s = await settlement(db, "bingtuan");
    expect(s.totals).toMatchObject({ operator_share: "0.00", host_share: "0.00", central_excluded: "100.00" });
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("re-splits levels, credit refunds and their adjustments by their own rules when the agreement reaches back", async () => {
    const u = uscc(1);
    await importOk(
      db,
      csvFile([
        [...KIND_HEADER, "central", "region", "prefecture", "county"],
        ["RL-1", u, "VAT", "2025-04-01", "1000.00", "", "", "", "", "500.00", "125.00", "250.00", "125.00"],
        ["RL-2", u, "VAT", "2025-07-10", "-1000.00", "gross", "2025-06", "", "credit_refund", "", "", "", ""],
        ["RL-3", u, "VAT", "2025-08-10", "175.00", "", "", "RL-2", "treasury_adjustment", "", "", "", ""],
      ]),
    );
    const set = await cli(
      db,
      ...["agreement", "set", "--park", "BZ", "--operator-share", "70", "--from", "2025-01-01"],
      ...["--shared-levels", "prefecture,county", "--refund-shares", "credit_refund=50", "--format", "json"],
    );
    expect(set.code, set.stderr).toBe(0);
    // RL-1: 70 % of the shared 375.00 = 262.50; RL-2: 50 % of -500.00 = -250.00; RL-3: 50 % of 175.00 = 87.50
    const { rows } = await db.knex.raw(
      `select r.receipt_no, (r.operator_fen + coalesce(sum(x.operator_delta_fen), 0))::text as operator
         from receipts r left join receipt_resplits x on x.receipt_id = r.id
        where r.receipt_no like 'RL-%' group by r.receipt_no, r.operator_fen order by 1`,
    );
    expect(rows.map((r: { receipt_no: string; operator: string }) => [r.receipt_no, r.operator])).toEqual([
      ["RL-1", "26250"],
      ["RL-2", "-25000"],
      ["RL-3", "8750"],
    ]);
    const s = await settlement(db, "bingtuan");
    // with the exception's RX-1 at 0.00: 262.50 − 250.00 + 87.50
    expect(s.totals.operator_share).toBe("100.00");
    expect(s.refunds_and_adjustments.map((f) => [f.kind, f.operator_share])).toEqual([
      ["credit_refund", "-250.00"],
      ["treasury_adjustment", "87.50"],
    ]);
    expect((await cli(db, "verify")).code).toBe(0);
  });
});
