// The CSV form, for scripts first and Excel second: a BOM so Excel reads the UTF-8 as such, CRLF and RFC 4180
// quoting, the machine `key`s as the header, and every value exactly as the JSON contract writes it (money as
// plain two-decimal strings, no grouping). Values are never altered, not even ones Excel would take for a
// formula: the workbook (--format xlsx) is the form meant for opening in Excel.

import { rowCells, sectionTitle, totalsCells } from "./cells.js";
import type { Tabular } from "./tabular.js";

const BOM = "\uFEFF";
const EOL = "\r\n";
const TOTALS_LABEL = "TOTAL";

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

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
