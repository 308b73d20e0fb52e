// The workbook form, for finance officers who work in Excel: one sheet per section, and figures stored as numbers
// with a display format so that SUM and pivot tables work on them. The contract's decimal strings are only
// converted (a double holds any amount under 90 trillion yuan to the fen), never computed on.

import type { Row, Worksheet } from "exceljs";
import { displayWidth, type DisplayWidth } from "./width.js";
import {
  alignOf,
  groupThousands,
  isDecimal,
  kindOf,
  rowCells,
  sectionTitle,
  stripXmlForbidden,
  totalsCells,
  type Kind,
} from "./cells.js";
import type { Column, Section, Tabular } from "./tabular.js";
import { importPackage } from "../../src/import-package.js";

const TOTALS_LABEL = "合计 Total";
const NUMBER_FORMAT: Record<Kind, string | null> = {
  text: null,
  money: "#,##0.00",
  indicator: "#,##0.0000",
  count: "#,##0",
  percent: '0.00"%"', // "80.00" means 80 %: shown with a sign, not divided by 100
};
/** Column widths in Excel's units (about one Latin character; a Chinese character takes two). */
const COLUMN_WIDTH_MIN = 6;
const COLUMN_WIDTH_MAX = 60;
const SHEET_NAME_LENGTH_MAX = 31;
const SHEET_NAME_FORBIDDEN = /[[\]:*?/\\]/g;
/** Two lines of the default 11 pt font, for the "中文\nEnglish" header. */
const HEADER_HEIGHT_PT = 32;

export async function renderXlsx(t: Tabular): Promise<Buffer> {
  // Loaded here rather than at the top: exceljs takes a third of a second to load and only this format needs it.
  const { default: ExcelJS } = await importPackage<{ default: typeof import("exceljs") }>("exceljs");
  const width = await displayWidth();
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "parkledger";
  // A workbook needs a sheet; a report without sections still shows its title and notes.
  const sections: Section[] = t.sections.length > 0 ? t.sections : [{ columns: [], rows: [] }];
  const taken = new Set<string>();
  sections.forEach((section, index) =>
    fillSheet(workbook.addWorksheet(sheetName(section, index, taken)), t, section, width),
  );
  const data = await workbook.xlsx.writeBuffer();
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

function fillSheet(sheet: Worksheet, t: Tabular, section: Section, width: DisplayWidth): void {
  const { columns } = section;
  const title = [t.title_zh, t.title_en, sectionTitle(section)].filter((part) => part !== "").join(" ");
  sheet.addRow([stripXmlForbidden(title)]).font = { bold: true, size: 14 };
  if (t.subtitle !== undefined && t.subtitle !== "") sheet.addRow([stripXmlForbidden(t.subtitle)]);

  const header = sheet.addRow(columns.map((column) => stripXmlForbidden(`${column.label_zh}\n${column.label_en}`)));
  header.height = HEADER_HEIGHT_PT;
  columns.forEach((column, i) => {
    const cell = header.getCell(i + 1);
    cell.font = { bold: true };
    cell.alignment = { wrapText: true, vertical: "middle", horizontal: alignOf(column) };
  });
  sheet.views = [{ state: "frozen", ySplit: header.number }];

  for (const row of section.rows) writeRow(sheet, columns, rowCells(section, row), width);
  if (columns.length > 0) {
    // The filter covers the rows only, so sorting never moves the totals row in among them.
    sheet.autoFilter = { from: { row: header.number, column: 1 }, to: { row: sheet.rowCount, column: columns.length } };
  }
  const totals = totalsCells(section, TOTALS_LABEL);
  if (totals !== null) {
    const row = writeRow(sheet, columns, totals, width);
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.font = { bold: true };
      cell.border = { top: { style: "thin" } };
    });
  }

  if (t.notes !== undefined && t.notes.length > 0) {
    sheet.addRow([]);
    sheet.addRow(["注 Notes"]).font = { bold: true };
    t.notes.forEach((note, index) => sheet.addRow([stripXmlForbidden(`${index + 1}. ${note}`)]));
  }

  columns.forEach((column, i) => {
    const shown = [column.label_zh, column.label_en, ...contentOf(section, i).map((text) => shownText(column, text))];
    const widest = Math.max(...shown.flatMap((text) => text.split(/\r?\n/)).map((line) => width(line)));
    sheet.getColumn(i + 1).width = Math.min(COLUMN_WIDTH_MAX, Math.max(COLUMN_WIDTH_MIN, widest + 2));
  });
}

function writeRow(sheet: Worksheet, columns: Column[], cells: (string | null)[], width: DisplayWidth): Row {
  const row = sheet.addRow(cells.map((text, i) => cellValue(columns[i]!, text)));
  columns.forEach((column, i) => {
    const cell = row.getCell(i + 1);
    const format = NUMBER_FORMAT[kindOf(column)];
    if (format !== null && typeof cell.value === "number") cell.numFmt = format;
    const text = cells[i] ?? "";
    const wrapText = text.includes("\n") || width(text) > COLUMN_WIDTH_MAX;
    cell.alignment = { horizontal: alignOf(column), vertical: "top", wrapText };
  });
  return row;
}

/** A number for a numeric column (the totals label in one stays text), the text otherwise; null leaves it empty. */
function cellValue(column: Column, text: string | null): string | number | null {
  if (text === null || text === "") return null;
  if (kindOf(column) !== "text" && isDecimal(text)) return Number(text);
  return stripXmlForbidden(text);
}

function contentOf(section: Section, columnIndex: number): string[] {
  const rows = section.rows.map((row) => rowCells(section, row));
  const totals = totalsCells(section, TOTALS_LABEL);
  return [...rows, ...(totals === null ? [] : [totals])].map((cells) => cells[columnIndex] ?? "");
}

/** The text Excel will show, for sizing the column. */
function shownText(column: Column, text: string): string {
  const kind = kindOf(column);
  if (kind === "text" || !isDecimal(text)) return text;
  return kind === "percent" ? `${text}%` : groupThousands(text);
}

/** Excel's rules: at most 31 characters, none of []:*?/\, no apostrophe at either end, unique ignoring case. */
function sheetName(section: Section, index: number, taken: Set<string>): string {
  const cleaned = stripXmlForbidden(section.title_zh || section.title_en || "")
    .replace(SHEET_NAME_FORBIDDEN, "_")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^'+|'+$/g, "");
  const base = cleaned === "" ? `Sheet ${index + 1}` : cleaned;
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "" : ` (${n})`;
    const name = truncate(base, SHEET_NAME_LENGTH_MAX - suffix.length).replace(/'+$/, "") + suffix;
    // "History" is reserved by Excel for its change history.
    if (!taken.has(name.toLowerCase()) && name.toLowerCase() !== "history") {
      taken.add(name.toLowerCase());
      return name;
    }
  }
}

/** Cuts to `max` UTF-16 units (Excel's measure) without splitting a character. */
function truncate(text: string, max: number): string {
  let out = "";
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out.trimEnd();
}
