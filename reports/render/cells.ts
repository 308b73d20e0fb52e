// One place decides what a cell means for each column kind, so the terminal table, the CSV and the workbook
// cannot disagree about which values are numbers, how a totals row is labelled, or what a missing value is.

import type { Align, Cell, Column, Section } from "./tabular.js";

export type Kind = NonNullable<Column["kind"]>;

/** How the table shows a null; CSV leaves the field empty and the workbook leaves the cell empty. */
/** A missing value: a plain hyphen, since "—" is East Asian ambiguous width and renders double in Chinese terminals. */
export const NULL_MARK = "-";

/** What each kind may carry, as the JSON contract writes it; text carries anything. */
const KIND_PATTERN: Record<Kind, RegExp | null> = {
  text: null,
  money: /^-?\d+\.\d{2}$/,
  indicator: /^-?\d+\.\d{4}$/,
  count: /^-?\d+$/,
  percent: /^-?\d+(?:\.\d+)?$/,
};

const DECIMAL_PATTERN = /^(-?)(\d+)(\.\d+)?$/;

export function kindOf(column: Column): Kind {
  return column.kind ?? "text";
}

export function alignOf(column: Column): Align {
  return column.align ?? (kindOf(column) === "text" ? "left" : "right");
}

export function isDecimal(text: string): boolean {
  return DECIMAL_PATTERN.test(text);
}

/**
 * A row's cells in column order as contract text; null for a missing value. A value that does not fit its
 * column's kind (a float where money belongs, say) is a bug in the report that built the rows, so it throws.
 */
export function rowCells(section: Section, row: Record<string, Cell>): (string | null)[] {
  return section.columns.map((column) => checkedText(column, Object.hasOwn(row, column.key) ? row[column.key] : null));
}

/**
 * The totals row's cells: a key the totals leave out is blank (""), not missing, and an empty first cell
 * carries `label` so the row names itself. Null when the section has no totals.
 */
export function totalsCells(section: Section, label: string): (string | null)[] | null {
  const totals = section.totals;
  if (totals === undefined) return null;
  const cells = section.columns.map((column) =>
    Object.hasOwn(totals, column.key) ? checkedText(column, totals[column.key]) : "",
  );
  if (cells.length > 0 && (cells[0] === null || cells[0] === "")) cells[0] = label;
  return cells;
}

function checkedText(column: Column, value: Cell | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  const pattern = KIND_PATTERN[kindOf(column)];
  if (pattern !== null && !pattern.test(text)) {
    throw new TypeError(`render: column "${column.key}" (${kindOf(column)}) cannot hold ${JSON.stringify(value)}`);
  }
  return text;
}

/** Groups the integer digits of a decimal string by thousands, on the string: "-1234567.89" → "-1,234,567.89". */
export function groupThousands(text: string): string {
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) return text;
  const [, sign, whole, fraction = ""] = match;
  return `${sign}${whole!.replace(/\B(?=(?:\d{3})+$)/g, ",")}${fraction}`;
}

/** "分成明细 Detail by tax", from whichever of the two titles the section has; "" when it has neither. */
export function sectionTitle(section: Section): string {
  return [section.title_zh, section.title_en].filter((title) => title !== undefined && title !== "").join(" ");
}

/** Characters XML 1.0 cannot carry at all; a workbook containing one will not open. */
// eslint-disable-next-line no-control-regex -- removing them is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function stripXmlForbidden(text: string): string {
  return text.replace(XML_FORBIDDEN, "");
}
