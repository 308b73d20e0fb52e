// What a careful review of the treasury kinds found, each case worked by hand in fen: an export offset
// re-split, refunds carrying levels bounded level by level, a treasury adjustment returning the burden
// in the proportion it was borne, re-splits chosen by the day a row's terms are read on, a closed
// year's refund lines left as signed, and attribution by tax period only to another park.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

const HEADER = [...RECEIPT_HEADER, "kind", "central", "region", "prefecture", "county"];
interface More {
  tax?: string;
  scope?: string;
  period?: string;
  of?: string;
  kind?: string;
  levels?: string[];
}
const row = (no: string, u: string, on: string, amount: string, more: More = {}) => [
  no,
  u,
  more.tax ?? "VAT",
  on,
  amount,
  more.scope ?? "",
  more.period ?? "",
  more.of ?? "",
  more.kind ?? "",
  ...(more.levels ?? ["", "", "", ""]),
];

async function fresh(): Promise<TestDatabase> {
  const db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  return db;
}

async function split(db: TestDatabase, no: string) {
  const { rows } = await db.knex.raw(
    `select (r.central_fen + coalesce(sum(x.central_delta_fen), 0))::text as central,
            (r.operator_fen + coalesce(sum(x.operator_delta_fen), 0))::text as operator,
            (r.host_fen + coalesce(sum(x.host_delta_fen), 0))::text as host, r.park
       from receipts r left join receipt_resplits x on x.receipt_id = r.id
      where r.receipt_no = ? group by r.id`,
    [no],
  );
  return rows[0];
}

const agreement = (db: TestDatabase, park: string, pct: string, from: string, ...more: string[]) =>
  cli(db, "agreement", "set", "--park", park, "--operator-share", pct, "--from", from, ...more);

describe(`corrections of the treasury kinds (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  it("re-splits an export offset when an agreement reaches back over it", async () => {
    const file = csvFile([
      HEADER,
      row("EO-1", uscc(1), "2025-05-01", "300.00", { period: "2025-04", kind: "export_offset" }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const set = await agreement(db, "BZ", "70", "2025-01-01");
    expect(set.code, set.stderr).toBe(0);
    expect(await split(db, "EO-1")).toMatchObject({ central: "-30000", operator: "21000", host: "9000" });
    expect((await cli(db, "verify")).code).toBe(0);
  });

  it("bounds a refund carrying levels level by level, and refuses levels for a receipt booked as a total", async () => {
    const u = uscc(2);
    const levels = ["500.00", "125.00", "250.00", "125.00"];
    const base = csvFile([
      HEADER,
      row("LV-A", u, "2025-06-01", "1000.00", { levels }),
      row("TOT-A", u, "2025-06-01", "100.00", { scope: "local" }),
    ]);
    expect((await cli(db, "import", "receipts", base)).code).toBe(0);
    const refused = await cli(
      db,
      "import",
      "receipts",
      csvFile([
        HEADER,
        row("LV-A-R1", u, "2025-06-05", "-1000.00", {
          of: "LV-A",
          levels: ["-600.00", "-125.00", "-150.00", "-125.00"],
        }),
        row("TOT-A-R1", u, "2025-06-05", "-100.00", { of: "TOT-A", levels: ["-60.00", "0.00", "-40.00", "0.00"] }),
      ]),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /:2: column central: .*central level, already refunded 0\.00.*\[refund_exceeds_original\]/,
    );
    expect(refused.stderr).toMatch(/:3: column central: .*booked as a total.*\[levels_invalid\]/);
  });

  it("returns every party exactly its part when refunds with levels add up to the receipt", async () => {
    const u = uscc(3);
    // 0.03 at the prefecture level, 70 % shared: the operator had round_half_up(0.021) = 0.02
    const file = csvFile([
      HEADER,
      row("LV-B", u, "2025-07-01", "0.03", { levels: ["0.00", "0.00", "0.03", "0.00"] }),
      row("LV-B-R1", u, "2025-07-02", "-0.01", { of: "LV-B", levels: ["0.00", "0.00", "-0.01", "0.00"] }),
      row("LV-B-R2", u, "2025-07-03", "-0.01", { of: "LV-B", levels: ["0.00", "0.00", "-0.01", "0.00"] }),
      row("LV-B-R3", u, "2025-07-04", "-0.01", { of: "LV-B", levels: ["0.00", "0.00", "-0.01", "0.00"] }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const parts = await Promise.all(["LV-B", "LV-B-R1", "LV-B-R2", "LV-B-R3"].map((no) => split(db, no)));
    expect(parts.map((p) => p.operator)).toEqual(["2", "-1", "0", "-1"]);
    expect(parts.reduce((sum, p) => sum + BigInt(p.operator) + BigInt(p.host), 0n)).toBe(0n);
  });
});

describe(`treasury adjustments and re-splits (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await fresh();
    const set = await agreement(db, "BZ", "80", "2024-01-01", "--shared-levels", "prefecture,county");
    expect(set.code, set.stderr).toBe(0);
  });
  afterAll(async () => db?.drop());

  it("returns a credit refund's burden in the proportion it was borne, whatever levels it shared", async () => {
    const u = uscc(1);
    const file = csvFile([
      HEADER,
      row("CR-1", u, "2025-07-10", "-1000.00", {
        period: "2025-06",
        kind: "credit_refund",
        levels: ["-500.00", "-125.00", "-250.00", "-125.00"],
      }),
      row("TA-1", u, "2025-08-10", "500.00", { of: "CR-1", kind: "treasury_adjustment" }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    // the credit refund's local -500.00: operator 80 % of the shared 375.00 = -300.00, host -200.00
    expect(await split(db, "CR-1")).toMatchObject({ operator: "-30000", host: "-20000" });
    expect(await split(db, "TA-1")).toMatchObject({ operator: "30000", host: "20000" });
  });

  it("refuses a ratio version that would leave adjustments returning more than the burden", async () => {
    const u = uscc(2);
    const file = csvFile([
      HEADER,
      row("CR-2", u, "2025-07-10", "-1000.00", { scope: "gross", period: "2025-06", kind: "credit_refund" }),
      row("TA-2", u, "2025-08-10", "500.00", { of: "CR-2", kind: "treasury_adjustment" }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const r = await cli(db, "ratio", "set", "--tax", "VAT", "--central-share", "60", "--from", "2025-01-01");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/credit refund CR-2 .*\[adjustment_exceeds_local_burden\]/);
  });

  it("re-splits a period refund by its tax period's terms, not its entry date", async () => {
    const u = uscc(3);
    const file = csvFile([
      HEADER,
      row("SR-1", u, "2025-05-20", "-1000.00", {
        tax: "CIT",
        scope: "gross",
        period: "2024",
        kind: "settlement_refund",
      }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    expect(await split(db, "SR-1")).toMatchObject({ operator: "-32000" });
    // a version from 2024-01-01 until the one from 2025-01-01: it governs the 2024 period, not 2025's entry date
    expect((await agreement(db, "BZ", "80", "2025-01-01", "--shared-levels", "prefecture,county")).code).toBe(0);
    expect((await agreement(db, "BZ", "60", "2024-01-01", "--shared-levels", "prefecture,county")).code).toBe(0);
    expect(await split(db, "SR-1")).toMatchObject({ operator: "-24000" });
  });
});

describe(`a closed year and attribution (${dialectLabel})`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await fresh()));
  afterAll(async () => db?.drop());

  it("leaves a closed year's refund lines as signed; the difference shows in the year it is booked", async () => {
    const u = uscc(11);
    const file = csvFile([
      HEADER,
      row("W-1", u, "2025-03-01", "1000.00", { scope: "gross" }),
      row("W-1-R", u, "2025-04-01", "-400.00", { of: "W-1" }),
    ]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    const before = await cli(db, "report", "settlement", "--year", "2025", "--operator", "urumqi", "--format", "json");
    expect(
      (
        await cli(
          db,
          "settle",
          "--year",
          "2025",
          "--operator",
          "urumqi",
          "--override-reason",
          "test: settled without a statement",
        )
      ).code,
    ).toBe(0);
    expect((await agreement(db, "WZ", "60", "2025-01-01")).code).toBe(0);
    const after = await cli(db, "report", "settlement", "--year", "2025", "--operator", "urumqi", "--format", "json");
    expect(after.json().refunds_and_adjustments).toEqual(before.json().refunds_and_adjustments);
    const next = await cli(db, "report", "settlement", "--year", "2026", "--operator", "urumqi", "--format", "json");
    // -400.00 gross: local -200.00; 80 % → 60 % moves +40.00 to the operator in 2026
    expect(next.json().refunds_and_adjustments).toEqual([
      expect.objectContaining({ kind: "refund", operator_share: "40.00" }),
    ]);
  });

  it("keeps the entry date's park when the enterprise was in no park in its tax period", async () => {
    const set = await agreement(db, "BZ", "80", "2024-01-01", "--attribution", "tax_period");
    expect(set.code, set.stderr).toBe(0);
    // enterprise 4 is in BZ until 2025-06-30 and in WZ from 2025-07-01; a period before 2024 finds it in none
    const file = csvFile([HEADER, row("NP-1", uscc(4), "2025-04-15", "100.00", { scope: "gross", period: "2023-02" })]);
    expect((await cli(db, "import", "receipts", file)).code).toBe(0);
    expect(await split(db, "NP-1")).toMatchObject({ park: "BZ" });
  });

  it("names a file's own missing column, not another import, when its layout is this import's", async () => {
    const r = await cli(
      db,
      "import",
      "receipts",
      csvFile([
        ["receipt_no", "tax_code", "collected_on", "amount"],
        ["X-1", "VAT", "2025-01-01", "1.00"],
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('required column "uscc" is missing');
    expect(r.stderr).not.toContain("use 'parkledger import receipts'");
  });
});
