// The CSV form, for scripts first and Excel second: a BOM so Excel reads the UTF-8 as such, CRLF and RFC 4180
// quoting, the machine `key`s as the header, and every value as the JSON contract writes it (money as plain
// two-decimal strings, no grouping) with one exception: a field Excel or LibreOffice would run as a formula
// (a receipt number `=cmd|' /C calc'!A0` sent in by an operator) gets a leading `'`, OWASP's rule against
// CSV injection. Numbers, "-100.00" included, are never altered; the workbook (--format xlsx) stores text as
// text and needs no such mark.

import { isDecimal, rowCells, sectionTitle, totalsCells } from "./cells.js";
import type { Tabular } from "./tabular.js";

const BOM = "\uFEFF";
const EOL = "\r\n";
const TOTALS_LABEL = "TOTAL";
/** OWASP's list of first characters that make a spreadsheet read a field as a formula (tab and CR included). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** The prefix OWASP recommends: the spreadsheet takes the field for text; a script can strip it. */
const TEXT_MARK = "'";

/**
 * One block per section: header of keys, rows, totals row. With more than one section each block opens with a
 * line holding its title and blocks are separated by an empty line; a single-section report is a plain CSV.
 */
export function renderCsv(t: Tabular): string {
  const titled = t.sections.length > 1;
  const blocks = t.sections.map((section, index) => {
    const records: (string | null)[][] = [];
    if (titled) records.push([sectionTitle(section) || `Section ${index + 1}`]);
    records.push(section.columns.map((column) => column.key));
    for (const row of section.rows) records.push(rowCells(section, row));
    const totals = totalsCells(section, TOTALS_LABEL);
    if (totals !== null) records.push(totals);
    return records.map(csvRecord).join("");
  });
  return BOM + blocks.join(EOL);
}

function csvRecord(fields: (string | null)[]): string {
  // A lone empty field would make an empty line, which readers skip or take for a section break.
  if (fields.length === 1 && (fields[0] ?? "") === "") return `""${EOL}`;
  return fields.map((field) => csvField(field ?? "")).join(",") + EOL;
}

/**
 * Every field goes through here: values, header keys, section titles and the totals label alike, so no report
 * can forget the formula guard. A plain decimal ("-100.00", "-1.0000", "-3") is a number to a spreadsheet,
 * never a formula, whatever its column's kind: cells.ts holds money, count, percent and indicator columns to
 * exactly that, and a summary's text column of figures keeps its negative numbers as they are.
 */
function csvField(text: string): string {
  const safe = FORMULA_START.test(text) && !isDecimal(text) ? TEXT_MARK + text : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
