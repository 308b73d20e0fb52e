// The generic renderer behind `--format table|csv|xlsx`: what a finance officer sees in the terminal, what a
// script reads from the CSV and what Excel opens must all carry the report's values unchanged, save the mark
// the CSV puts before text a spreadsheet would run as a formula.

import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { renderCsv, renderTable, renderXlsx, type Section, type Tabular } from "../../reports/render.js";

const byTax: Section = {
  title_zh: "按税种",
  title_en: "By tax",
  columns: [
    { key: "tax_code", label_zh: "税种", label_en: "Tax" },
    { key: "tax_name", label_zh: "税种名称", label_en: "Tax name" },
    { key: "local_revenue", label_zh: "地方收入", label_en: "Local revenue", kind: "money" },
    { key: "operator_share", label_zh: "运营方分成", label_en: "Operator share", kind: "money" },
    { key: "share", label_zh: "分成比例", label_en: "Share", kind: "percent" },
    { key: "receipts", label_zh: "笔数", label_en: "Receipts", kind: "count" },
  ],
  rows: [
    {
      tax_code: "VAT",
      tax_name: "增值税",
      local_revenue: "12345678.90",
      operator_share: "9876543.21",
      share: "80.00",
      receipts: 1234,
    },
    {
      tax_code: "CIT",
      tax_name: "企业所得税 CIT",
      local_revenue: "-1234567.89",
      operator_share: null,
      share: "80.00",
      receipts: 3,
    },
    {
      tax_code: "STAMP",
      tax_name: "印花税",
      local_revenue: "0.05",
      operator_share: "0.04",
      share: "80.00",
      receipts: 1,
    },
  ],
  totals: { local_revenue: "11111111.06", operator_share: "9876543.25", receipts: 1238 },
};

const settlement: Tabular = {
  title_zh: "分成核算表",
  title_en: "Settlement statement",
  subtitle: "2025 · bingtuan · BZ",
  sections: [byTax],
  notes: ["暂挂收入不计入上述数字。Suspense receipts are not in these figures."],
};

/** The lines from a section's opening rule to its closing rule, both included. */
function tableBlock(text: string, occurrence = 0): string[] {
  const lines = text.split("\n");
  const opens = lines.flatMap((line, i) => (/^=+$/.test(line) ? [i] : []));
  const start = opens[occurrence * 2]!;
  const end = opens[occurrence * 2 + 1]!;
  return lines.slice(start, end + 1);
}

function readCsv(text: string): string[][] {
  return parse(text, { bom: true, relax_column_count: true });
}

async function readXlsx(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  return workbook;
}

describe("renderTable", () => {
  it("aligns a Chinese label column with ASCII columns by display width", async () => {
    const block = tableBlock(await renderTable(settlement));
    const widths = block.map((line) => stringWidth(line));
    expect(new Set(widths).size).toBe(1);
    // Right-aligned money ends at the same display column on every row, whatever the Chinese text before it.
    const rowLines = block.filter((line) => /^(VAT|CIT|STAMP) /.test(line));
    const moneyEnds = rowLines.map((line) => {
      const value = line.match(/-?[\d,]+\.\d{2}/)![0];
      return stringWidth(line.slice(0, line.indexOf(value) + value.length));
    });
    expect(rowLines).toHaveLength(3);
    expect(new Set(moneyEnds).size).toBe(1);
  });

  it("shows each header as the Chinese label over the English label", async () => {
    const block = tableBlock(await renderTable(settlement));
    expect(block[1]).toMatch(/^税种\s+税种名称\s+地方收入\s+运营方分成\s+分成比例\s+笔数$/);
    expect(block[2]).toMatch(/^Tax\s+Tax name\s+Local revenue\s+Operator share\s+Share\s+Receipts$/);
    expect(block[3]).toMatch(/^-+$/);
  });

  it("opens with the bilingual title and subtitle and closes with the notes", async () => {
    const lines = (await renderTable(settlement)).trimEnd().split("\n");
    expect(lines[0]).toBe("分成核算表 Settlement statement");
    expect(lines[1]).toBe("2025 · bingtuan · BZ");
    expect(lines).toContain("按税种 By tax");
    expect(lines.at(-1)).toBe("1. 暂挂收入不计入上述数字。Suspense receipts are not in these figures.");
  });

  it("wraps a Chinese name wider than the column limit onto further lines without breaking the alignment", async () => {
    const name = "新疆生产建设兵团第六师五家渠准东经济技术开发区某某能源有限责任公司";
    const section: Section = {
      columns: [
        { key: "name", label_zh: "企业名称", label_en: "Enterprise" },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
      ],
      rows: [{ name, amount: "1.00" }],
    };
    const block = tableBlock(await renderTable({ ...settlement, sections: [section], notes: [] }));
    expect(new Set(block.map((line) => stringWidth(line))).size).toBe(1);
    expect(stringWidth(block[0]!)).toBeLessThanOrEqual(80);
    const body = block.slice(4, -1).map((line) => line.slice(0, line.indexOf(" ")));
    expect(body.length).toBeGreaterThan(1);
    expect(body.join("")).toBe(name);
  });

  it("labels the totals row 合计 Total under a rule and leaves the figures it does not give blank", async () => {
    const block = tableBlock(await renderTable(settlement));
    const totals = block.at(-2)!;
    expect(block.at(-3)).toMatch(/^-+$/);
    expect(totals).toMatch(/^合计 Total\s+11,111,111\.06\s+9,876,543\.25\s+1,238$/);
    expect(totals).not.toContain("—");
  });

  it("strips terminal control characters from the data", async () => {
    const section: Section = {
      columns: [{ key: "name", label_zh: "名称", label_en: "Name" }],
      rows: [{ name: "evil\u001b[31mred\u001b[0m\tname" }],
    };
    const text = await renderTable({ ...settlement, sections: [section] });
    expect(text).not.toContain("\u001b");
    expect(text).toContain("evil[31mred[0m name");
  });
});

describe("money and missing values", () => {
  it("money is grouped in the table but plain in CSV", async () => {
    const table = await renderTable(settlement);
    expect(table).toContain("12,345,678.90");
    expect(table).toContain("-1,234,567.89");
    expect(table).toContain(" 0.05 ");
    expect(table).toContain("80.00%");
    const csv = renderCsv(settlement);
    expect(csv).toContain(",12345678.90,9876543.21,80.00,1234\r\n");
    expect(csv).toContain(",-1234567.89,");
    expect(csv).not.toMatch(/\d,\d{3}\./);
  });

  it("null renders as a plain hyphen in the table (— is ambiguous width in Chinese terminals) and empty in CSV", async () => {
    const cit = tableBlock(await renderTable(settlement)).find((line) => line.startsWith("CIT "))!;
    expect(cit).toMatch(/-1,234,567\.89\s+-\s+80\.00%/);
    const records = readCsv(renderCsv(settlement));
    expect(records[2]).toEqual(["CIT", "企业所得税 CIT", "-1234567.89", "", "80.00", "3"]);
  });

  it("refuses a value that does not fit its column's kind, such as a float where money belongs", async () => {
    const section: Section = { ...byTax, rows: [{ ...byTax.rows[0], local_revenue: 1234.5 }] };
    await expect(renderTable({ ...settlement, sections: [section] })).rejects.toThrow(/local_revenue.*money/);
    expect(() => renderCsv({ ...settlement, sections: [section] })).toThrow(/local_revenue.*money/);
  });
});

describe("renderCsv", () => {
  it("starts with a BOM and round-trips through csv-parse to the same values, including a field with a comma, quote and newline", () => {
    const awkward = '甲公司, "乙"\r\n第二行\nthird';
    const section: Section = {
      columns: [
        { key: "name", label_zh: "名称", label_en: "Name" },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
        { key: "value", label_zh: "数值", label_en: "Value", kind: "indicator" },
      ],
      rows: [
        { name: awkward, amount: "-1234.56", value: "12.3456" },
        { name: "plain", amount: "0.00", value: null },
      ],
    };
    const csv = renderCsv({ ...settlement, sections: [section] });
    expect(csv.startsWith("\uFEFFname,amount,value\r\n")).toBe(true);
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(parse(csv, { bom: true, record_delimiter: "\r\n" })).toEqual([
      ["name", "amount", "value"],
      [awkward, "-1234.56", "12.3456"],
      ["plain", "0.00", ""],
    ]);
  });

  it("is a plain CSV for a single section: header of keys, rows, and a totals row labelled TOTAL", () => {
    const records = parse(renderCsv(settlement), { bom: true, columns: true }) as Record<string, string>[];
    expect(records.map((record) => record.tax_code)).toEqual(["VAT", "CIT", "STAMP", "TOTAL"]);
    expect(records[3]).toEqual({
      tax_code: "TOTAL",
      tax_name: "",
      local_revenue: "11111111.06",
      operator_share: "9876543.25",
      share: "",
      receipts: "1238",
    });
  });

  it("opens each of several sections with its title and separates them with an empty line", () => {
    const transfers: Section = {
      title_zh: "划转",
      title_en: "Transfers",
      columns: [
        { key: "on", label_zh: "日期", label_en: "Date" },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
      ],
      rows: [{ on: "2025-03-31", amount: "500000.00" }],
    };
    const csv = renderCsv({ ...settlement, sections: [byTax, transfers] });
    const blocks = csv.slice(1).split("\r\n\r\n");
    expect(blocks).toHaveLength(2);
    expect(readCsv(blocks[0]!)[0]).toEqual(["按税种 By tax"]);
    expect(readCsv(blocks[1]!)).toEqual([["划转 Transfers"], ["on", "amount"], ["2025-03-31", "500000.00"]]);
  });
});

describe("renderCsv against formula injection", () => {
  const hostile: Section = {
    title_zh: "=HYPERLINK(1)",
    title_en: "@Title",
    columns: [
      { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
      { key: "=key", label_zh: "键", label_en: "Key" },
      { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
      { key: "value", label_zh: "数值", label_en: "Value", kind: "indicator" },
      { key: "rows", label_zh: "笔数", label_en: "Rows", kind: "count" },
      { key: "share", label_zh: "比例", label_en: "Share", kind: "percent" },
    ],
    rows: [],
  };
  const csvOf = (section: Section, sections: Section[] = [section]) =>
    readCsv(renderCsv({ title_zh: "对账单", title_en: "Reconciliation", sections }));

  it.each([
    ["=", "=cmd|' /C calc'!A0"],
    ["+", "+SUM(1)"],
    ["-", "-2+3"],
    ["@", "@SUM(A1)"],
    ["a tab", "\t=1+1"],
    ["a carriage return", "\r=1+1"],
  ])("prefixes a text cell beginning with %s with a single quote", (_, text) => {
    const records = csvOf({ ...hostile, title_zh: "", title_en: "", rows: [{ receipt_no: text }] });
    expect(records[1]![0]).toBe(`'${text}`);
  });

  it("leaves negative money, indicators, counts and percents, a text cell with = in the middle and empty cells as they are", () => {
    const section: Section = {
      ...hostile,
      columns: hostile.columns.filter((column) => column.key !== "=key"),
      title_zh: "",
      title_en: "",
      rows: [
        { receipt_no: "A=1+1", amount: "-100.00", value: "-1.0000", rows: -3, share: "-20.00" },
        { receipt_no: null, amount: null, value: null, rows: null, share: null },
        { receipt_no: "", amount: "0.00", value: "0.0000", rows: 0, share: "0" },
      ],
    };
    expect(csvOf(section).slice(1)).toEqual([
      ["A=1+1", "-100.00", "-1.0000", "-3", "-20.00"],
      ["", "", "", "", ""],
      ["", "0.00", "0.0000", "0", "0"],
    ]);
  });

  it("leaves a plain negative number in a text column, as a summary of figures carries it, but not one with more after it", () => {
    const section: Section = {
      columns: [{ key: "value", label_zh: "数值", label_en: "Value" }],
      rows: [{ value: "-330.00" }, { value: "-330.00+1" }],
    };
    expect(csvOf(section).slice(1)).toEqual([["-330.00"], ["'-330.00+1"]]);
  });

  it("marks section titles, header keys and the totals label that begin like a formula", () => {
    const second: Section = { ...hostile, title_zh: "", title_en: "+Second", rows: [] };
    const first: Section = {
      ...hostile,
      rows: [{ receipt_no: "R-1", "=key": "x", amount: "1.00", value: "1.0000", rows: 1, share: "1" }],
      totals: { receipt_no: "-TOTAL", amount: "-1.00", rows: 1 },
    };
    const records = csvOf(first, [first, second]);
    expect(records[0]).toEqual(["'=HYPERLINK(1) @Title"]);
    expect(records[1]).toEqual(["receipt_no", "'=key", "amount", "value", "rows", "share"]);
    expect(records[3]).toEqual(["'-TOTAL", "", "-1.00", "", "1", ""]);
    expect(records[5]).toEqual(["'+Second"]); // after the empty line between the blocks
  });
});

describe("renderXlsx", () => {
  it("reads back with exceljs with numeric money cells of the right value and the Chinese header text", async () => {
    const workbook = await readXlsx(await renderXlsx(settlement));
    const sheet = workbook.getWorksheet("按税种")!;
    expect(sheet).toBeDefined();
    expect(sheet.getCell("A1").value).toBe("分成核算表 Settlement statement 按税种 By tax");
    const header = sheet.getRow(3);
    expect(header.getCell(1).value).toBe("税种\nTax");
    expect(header.getCell(3).value).toBe("地方收入\nLocal revenue");
    expect(header.getCell(3).font?.bold).toBe(true);
    expect(header.getCell(3).alignment?.wrapText).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 3 });

    const vat = sheet.getRow(4);
    expect(vat.getCell(3).value).toBe(12345678.9);
    expect(vat.getCell(3).numFmt).toBe("#,##0.00");
    expect(vat.getCell(5).value).toBe(80);
    expect(vat.getCell(6).value).toBe(1234);
    const cit = sheet.getRow(5);
    expect(cit.getCell(2).value).toBe("企业所得税 CIT");
    expect(cit.getCell(3).value).toBe(-1234567.89);
    expect(cit.getCell(4).value).toBeNull();

    const totals = sheet.getRow(7);
    expect(totals.getCell(1).value).toBe("合计 Total");
    expect(totals.getCell(3).value).toBe(11111111.06);
    expect(totals.getCell(3).font?.bold).toBe(true);
    expect(sheet.getColumn(3).width).toBeGreaterThanOrEqual(stringWidth("12,345,678.90"));
  });

  it("writes indicators with four decimals and keeps code-like text as text", async () => {
    const section: Section = {
      columns: [
        { key: "receipt_no", label_zh: "票号", label_en: "Receipt no." },
        { key: "value", label_zh: "数值", label_en: "Value", kind: "indicator" },
      ],
      rows: [{ receipt_no: "000123", value: "-1234.5678" }],
    };
    const workbook = await readXlsx(
      await renderXlsx({ title_zh: "指标", title_en: "Indicators", sections: [section] }),
    );
    const row = workbook.worksheets[0]!.getRow(3);
    expect(row.getCell(1).value).toBe("000123");
    expect(row.getCell(2).value).toBe(-1234.5678);
    expect(row.getCell(2).numFmt).toBe("#,##0.0000");
  });

  it("stores text that looks like a formula as a string cell, never as a formula", async () => {
    const texts = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@SUM(A1)"];
    const section: Section = {
      columns: [
        { key: "receipt_no", label_zh: "票号", label_en: "Receipt no." },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
      ],
      rows: texts.map((receipt_no) => ({ receipt_no, amount: "-100.00" })),
      totals: { receipt_no: "=SUM(B1:B2)" },
    };
    const workbook = await readXlsx(
      await renderXlsx({ title_zh: "对账单", title_en: "Reconciliation", sections: [section] }),
    );
    const sheet = workbook.worksheets[0]!;
    [...texts, "=SUM(B1:B2)"].forEach((text, i) => {
      const cell = sheet.getRow(3 + i).getCell(1);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.value).toBe(text);
      expect(cell.formula).toBeUndefined();
    });
    expect(sheet.getRow(3).getCell(2).value).toBe(-100);
  });

  it("names one sheet per section within Excel's rules: at most 31 characters, unique, none of []:*?/\\", async () => {
    const section = (title_zh?: string, title_en?: string): Section => ({ ...byTax, title_zh, title_en });
    const long = "二〇二五年度准东经济技术开发区园中园分成核算明细表按税种按月份按企业汇总";
    const workbook = await readXlsx(
      await renderXlsx({
        ...settlement,
        sections: [
          section("对账单 [2025/01]: *?\\"),
          section(long),
          section(long),
          section(undefined, "By tax"),
          section(""),
        ],
      }),
    );
    const names = workbook.worksheets.map((sheet) => sheet.name);
    expect(names).toHaveLength(5);
    expect(names[0]).toBe("对账单 _2025_01__ ___");
    expect(names[1]).toBe(long.slice(0, 31));
    expect(names[2]).toBe(`${long.slice(0, 27)} (2)`);
    expect(names[3]).toBe("By tax");
    expect(names[4]).toBe("Sheet 5");
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(31);
      expect(name).not.toMatch(/[[\]:*?/\\]/);
    }
  });
});
