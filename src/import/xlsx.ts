// Finance officers keep their files as Excel workbooks: an .xlsx given to an import is read from its
// first sheet, the same columns as the CSV, into a CSV beside it that the import then reads. Cells keep
// what Excel stored: text as text, a number as its shortest decimal (an amount carrying more than two
// decimals is refused by the import, never rounded), a date as YYYY-MM-DD, a formula as its result.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type ExcelJS from "exceljs";
import { importPackage } from "../import-package.js";

/** Whether the file is a zip (an .xlsx workbook) rather than text. */
export function isWorkbook(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    fs.closeSync(fd);
  }
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("result" in value) return cellText(value.result as ExcelJS.CellValue);
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("text" in value) return String(value.text);
    if ("error" in value) return String(value.error);
  }
  return String(value);
}

const quoted = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** The first sheet of `file` as a UTF-8 CSV in a folder of its own, and its size; `remove` deletes it. */
export async function workbookAsCsv(file: string): Promise<{ csv: string; size: number; remove: () => void }> {
  // loaded here rather than at the top: exceljs takes a third of a second to load and only workbooks need it
  const { default: Excel } = await importPackage<{ default: typeof import("exceljs") }>("exceljs");
  const book = new Excel.Workbook();
  await book.xlsx.readFile(file);
  const sheet = book.worksheets[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parkledger-xlsx-"));
  const csv = path.join(dir, `${path.basename(file)}.csv`);
  const lines: string[] = [];
  sheet?.eachRow({ includeEmpty: true }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(quoted(cellText(row.getCell(c).value)));
    lines.push(cells.join(","));
  });
  const text = lines.join("\r\n") + "\r\n";
  fs.writeFileSync(csv, text);
  return { csv, size: Buffer.byteLength(text), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
