// Transfers, the annual settlement and the closed year: what the finance departments settle on.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["S-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
    ["S-2", uscc(2), "CIT", "2025-05-10", "5000.00", "gross", "", ""],
    ["S-3", uscc(3), "RES", "2025-08-10", "2000.00", "local", "", ""],
    ["S-4", uscc(11), "VAT", "2025-03-10", "8000.00", "gross", "", ""],
    ["S-5", uscc(1), "STAMP", "2025-11-30", "0.05", "local", "", ""],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

async function statement(year: number, operator = "bingtuan") {
  const r = await cli(db, "report", "settlement", "--year", String(year), "--operator", operator, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe(`settlement (${dialectLabel})`, () => {
  it("reports the contract's JSON shape with two-decimal amount strings", async () => {
    const s = await statement(2025);
    expect(s).toMatchObject({ year: 2025, operator: "bingtuan", park: "BZ" });
    for (const row of s.by_tax) {
      for (const key of ["local_revenue", "operator_share", "host_share"]) expect(row[key]).toMatch(/^-?\d+\.\d{2}$/);
    }
    for (const key of [
      "central_excluded",
      "local_revenue",
      "operator_share",
      "host_share",
      "transferred",
      "balance_due",
    ]) {
      expect(s.totals[key]).toMatch(/^-?\d+\.\d{2}$/);
    }
    // VAT 10000 gross: central 5000, local 5000 → 4000/1000; CIT 5000: central 3000, local 2000 → 1600/400;
    // RES 2000 local → 1600/400; STAMP 0.05 local → round_half_up(0.04) = 0.04 / 0.01
    expect(s.totals).toMatchObject({
      central_excluded: "8000.00",
      local_revenue: "9000.05",
      operator_share: "7200.04",
      host_share: "1800.01",
      transferred: "0.00",
      balance_due: "7200.04",
    });
  });

  it("deducts interim transfers from the balance due, and replays a transfer given twice", async () => {
    const t = [
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "3000.00",
      "--on",
      "2025-06-30",
      "--ref",
      "YB-2025-01",
      "--format",
      "json",
    ];
    const first = await cli(db, ...t);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ replayed: false, fiscal_year: 2025, amount: "3000.00" });
    const again = await cli(db, ...t);
    expect(again.json()).toMatchObject({ replayed: true });
    const changed = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "3000.01",
      "--on",
      "2025-06-30",
      "--ref",
      "YB-2025-01",
    );
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/transfer_ref_reused/);
    const s = await statement(2025);
    expect(s.totals).toMatchObject({ transferred: "3000.00", balance_due: "4200.04" });
    expect(s.transfers).toEqual([
      { ref: "YB-2025-01", kind: "interim", transferred_on: "2025-06-30", amount: "3000.00" },
    ]);
  });

  it("settles and closes the year; the closed year's figures never change afterwards", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "test: settled without a statement",
      "--format",
      "json",
    );
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.json()).toMatchObject({ already_settled: false, balance_due: "4200.04" });
    const closed = await statement(2025);
    expect(closed.status).toBe("closed");

    const late = csvFile([
      RECEIPT_HEADER,
      ["S-LATE-1", uscc(1), "VAT", "2025-12-30", "100.00", "gross", "", ""],
      ["S-1-R", uscc(1), "VAT", "2025-12-31", "-10000.00", "", "", "S-1"],
      ["S-LATE-2", uscc(11), "VAT", "2025-12-30", "100.00", "gross", "", ""],
    ]);
    const r = await cli(db, "import", "receipts", late, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ prior_year_adjustments: 2 });
    expect(await statement(2025)).toEqual(closed);

    const next = await statement(2026);
    expect(next.prior_year_adjustments).toEqual([
      expect.objectContaining({
        origin_year: 2025,
        tax_code: "VAT",
        central_excluded: "-4950.00",
        local_revenue: "-4950.00",
        operator_share: "-3960.00",
        host_share: "-990.00",
      }),
    ]);
    expect(next.totals.operator_share).toBe("-3960.00");
    // Urumqi has not settled 2025: its late receipt stays in 2025
    expect(
      (await statement(2025, "urumqi")).by_tax.find((t: { tax_code: string }) => t.tax_code === "VAT").local_revenue,
    ).toBe("4050.00");
  });

  it("settling again reports the settlement already made, and a transfer into the closed year is refused", async () => {
    const again = await cli(db, "settle", "--year", "2025", "--operator", "bingtuan", "--format", "json");
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ already_settled: true, balance_due: "4200.04" });
    const t = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "1.00",
      "--on",
      "2025-12-01",
      "--ref",
      "YB-LATE",
    );
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/year_closed/);
  });

  it("moves the balance due to the settlement accounts in both books", async () => {
    const pref = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      "2025",
      "--jurisdiction",
      "prefecture",
      "--format",
      "json",
    );
    const bt = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      "2025",
      "--jurisdiction",
      "bingtuan",
      "--format",
      "json",
    );
    const account = (tb: { accounts: { account: string }[] }, code: string) =>
      tb.accounts.find((a) => a.account === code);
    expect(account(pref.json(), "settlement_payable:bingtuan")).toMatchObject({ closing_credit: "4200.04" });
    expect(account(pref.json(), "due_to:bingtuan")).toMatchObject({ closing_debit: "0.00", closing_credit: "0.00" });
    expect(account(bt.json(), "settlement_receivable:prefecture")).toMatchObject({ closing_debit: "4200.04" });
    expect(pref.json().balanced && bt.json().balanced).toBe(true);
  });

  it("writes the statement as CSV for Excel and scripts, and as an xlsx workbook", async () => {
    const csv = await cli(db, "report", "settlement", "--year", "2025", "--operator", "bingtuan", "--format", "csv");
    expect(csv.code).toBe(0);
    const lines = csv.stdout
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe(
      "tax_code,tax_name_zh,receipts,central_excluded,local_revenue,operator_share,host_share,not_shared,transferred,balance_due,transferred_interim,recovered",
    );
    expect(lines.at(-1)).toBe("TOTAL,合计,4,8000.00,9000.05,7200.04,1800.01,0.00,3000.00,4200.04,3000.00,0.00");
    const out = `${process.env.TMPDIR ?? "/tmp"}/settlement-${process.pid}.xlsx`;
    const x = await cli(
      db,
      "report",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "xlsx",
      "--out",
      out,
    );
    expect(x.code, x.stderr).toBe(0);
    const ExcelJS = (await import("exceljs")).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.length).toBeGreaterThanOrEqual(2);
    const text = wb.worksheets.map((ws) => ws.getSheetValues().flat().join(" ")).join(" ");
    expect(text).toContain("运营方分成");
  });

  it("re-splits by adjusting entries what an agreement version reaching back governs, a closed year's into the next open year", async () => {
    const closed = await statement(2025);
    const r = await cli(
      db,
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "70",
      "--from",
      "2025-10-01",
      "--format",
      "json",
    );
    expect(r.code, r.stderr).toBe(0);
    // S-5 (STAMP 0.05 local) splits 0.04/0.01 at 70 % as at 80 %; S-LATE-1 (VAT 100.00 gross): local 50.00, 40.00 → 35.00
    expect(r.json().resplit).toEqual({
      receipts: 1,
      refunds: 0,
      prior_year_adjustments: 1,
      net_change: { bingtuan: "-5.00", prefecture: "5.00" },
    });
    expect(await statement(2025)).toEqual(closed);
    expect((await statement(2026)).prior_year_adjustments).toEqual([
      expect.objectContaining({
        origin_year: 2025,
        tax_code: "VAT",
        operator_share: "-3965.00",
        host_share: "-985.00",
      }),
    ]);
  });

  it("lists agreement versions", async () => {
    const ok = await cli(
      db,
      "agreement",
      "set",
      "--park",
      "BZ",
      "--operator-share",
      "85",
      "--from",
      "2027-01-01",
      "--note",
      "新财预〔2026〕1号",
      "--format",
      "json",
    );
    expect(ok.code, ok.stderr).toBe(0);
    const list = await cli(db, "agreement", "list", "--park", "BZ", "--format", "json");
    expect(
      list
        .json()
        .map((a: { effective_from: string; operator_share_pct: string }) => [a.effective_from, a.operator_share_pct]),
    ).toEqual([
      ["2020-01-01", "80.00"],
      ["2025-10-01", "70.00"],
      ["2027-01-01", "85.00"],
    ]);
  });
});
