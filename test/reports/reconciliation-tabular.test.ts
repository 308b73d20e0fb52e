// The reconciliation as a download: a finance officer filters the differing items in Excel, so the workbook
// holds every one of them, with receipt numbers and USCCs as text; only the terminal table is cut short.

import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { Reconciliation } from "../../reports/reconciliation.js";
import { reconciliationTabular } from "../../reports/reconciliation-tabular.js";
import { renderXlsx } from "../../reports/render.js";
import type { ReferenceData } from "../../src/repositories/reference.js";

const ITEMS = 250;
/** The subtitle's names only: every code is shown as itself. */
const ref = { jurisdiction: () => undefined, park: () => undefined } as unknown as ReferenceData;

const report: Reconciliation = {
  year: 2025,
  operator: "bingtuan",
  park: "BZ",
  summary: {
    matched: 0,
    amount_mismatch: ITEMS,
    missing_in_operator: 0,
    missing_in_prefecture: 0,
    probable_pairs: 0,
    matched_by_decision: 0,
    prefecture_total: "2500.00",
    operator_total: "2250.00",
    difference: "250.00",
    operator_share_booked: "2000.00",
    operator_share_difference: "200.00",
  },
  items: Array.from({ length: ITEMS }, (_, i) => ({
    receipt_no: `00${String(i).padStart(16, "0")}`,
    status: "amount_mismatch" as const,
    prefecture_amount: "10.00",
    operator_amount: "9.00",
    uscc: "916523000000000001",
    tax_code: "VAT",
    collected_on: "2025-03-01",
    differences: [],
    operator_share_effect: "0.80",
    probable_counterpart: null,
    decision: null,
  })),
  anomalies: [],
} as unknown as Reconciliation;

describe("the reconciliation's tables", () => {
  it("puts every differing item in the workbook, identifiers as text, and the first 200 in a terminal table", async () => {
    const table = reconciliationTabular(report, ref, "table");
    expect(table.sections[1]!.rows).toHaveLength(200);
    expect(table.sections[1]!.title_en).toContain(`first 200 of ${ITEMS}`);

    const tabular = reconciliationTabular(report, ref, "xlsx");
    expect(tabular.sections[1]!.rows).toHaveLength(ITEMS);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderXlsx(tabular)) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[1]!;
    const numbers = sheet.getColumn(1).values.filter((v) => typeof v === "string" && /^00\d{16}$/.test(v));
    expect(numbers).toHaveLength(ITEMS);
    // a receipt number of 18 digits stays text, leading zeros and all, never 1E+17
    const first = sheet.findRow(4)!.getCell(1);
    expect(first.type).toBe(ExcelJS.ValueType.String);
    expect(first.value).toBe("000000000000000000");
    expect(sheet.findRow(4)!.getCell(3).value).toBe("916523000000000001");
  });

  it("lists every item in one plain table for CSV", () => {
    expect(reconciliationTabular(report, ref, "csv").sections[0]!.rows).toHaveLength(ITEMS);
  });
});
