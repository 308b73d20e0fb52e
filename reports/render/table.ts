// The terminal form of a report. Columns are padded by display width (a Chinese character takes two columns),
// numbers are grouped by thousands, and the rules are plain ASCII: box-drawing characters are East Asian
// "ambiguous" width and render double in many Chinese terminals (cmd.exe on code page 936, terminals set to
// wide ambiguous characters), which would break every rule of the table there.

import { displayWidth, type DisplayWidth } from "./width.js";
import { NULL_MARK, alignOf, groupThousands, isDecimal, kindOf, rowCells, sectionTitle, totalsCells } from "./cells.js";
import type { Align, Column, Section, Tabular } from "./tabular.js";

const GAP = "  ";
/** Text wider than this wraps onto further lines, so a long enterprise name cannot push a table past 160 columns. */
const TEXT_WIDTH_MAX = 40;
const TOTALS_LABEL = "合计 Total";
const NO_ROWS_LABEL = "(无记录 No rows)";

/** Control characters (terminal escapes among them) and bidi overrides: data must not restyle or reorder the table. */
// eslint-disable-next-line no-control-regex -- removing them is the point
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Set by renderTable before it draws (./width.ts). */
let stringWidth: DisplayWidth;
let graphemes: Intl.Segmenter | null = null;

/**
 * `width`: the terminal's columns. A section wider than it is shown as several narrower tables, each
 * with the section's leading text columns (what the row is) and as many of the other columns as fit.
 */
export async function renderTable(t: Tabular, options: { width?: number | undefined } = {}): Promise<string> {
  stringWidth = await displayWidth();
  const lines = displayLines([t.title_zh, t.title_en].filter((title) => title !== "").join(" "));
  if (t.subtitle !== undefined && t.subtitle !== "")
    lines.push(
      ...displayLines(t.subtitle).flatMap((line) => (options.width === undefined ? [line] : wrap(line, options.width))),
    );
  for (const section of t.sections) {
    lines.push("");
    const title = sectionTitle(section);
    if (title !== "") lines.push(...displayLines(title));
    lines.push(...fittedSectionLines(section, options.width));
  }
  if (t.notes !== undefined && t.notes.length > 0) {
    lines.push("", "注 Notes");
    t.notes.forEach((note, index) => {
      const marker = `${index + 1}. `;
      const [first = "", ...rest] = displayLines(note);
      lines.push(marker + first, ...rest.map((line) => " ".repeat(marker.length) + line));
    });
  }
  return `${lines.join("\n")}\n`;
}

/** A section as one table, or, wider than `width`, as consecutive tables of the columns that fit. */
function fittedSectionLines(section: Section, width: number | undefined): string[] {
  const { columns } = section;
  if (width === undefined || columns.length <= 2) return sectionLines(section);
  const widths = layout(section).widths;
  const span = (indexes: number[]) =>
    indexes.reduce((sum, i) => sum + widths[i]!, 0) + GAP.length * Math.max(0, indexes.length - 1);
  if (span(columns.map((_, i) => i)) <= width) return sectionLines(section);
  // what a row is (its leading text columns, at most two) starts each part
  let keys = 1;
  while (keys < 2 && keys < columns.length - 1 && kindOf(columns[keys]!) === "text") keys += 1;
  const start = columns.slice(0, keys).map((_, i) => i);
  const blocks: number[][] = [];
  let block = [...start];
  for (let i = keys; i < columns.length; i++) {
    if (block.length > keys && span([...block, i]) > width) {
      blocks.push(block);
      block = [...start];
    }
    block.push(i);
  }
  blocks.push(block);
  return blocks.flatMap((indexes, n) => [
    ...(n > 0 ? [""] : []),
    ...sectionLines({ ...section, columns: indexes.map((i) => columns[i]!) }),
  ]);
}

/** The cells of a section as shown, and each column's width. */
function layout(section: Section) {
  const { columns } = section;
  const headers = columns.map((column) => [oneLine(column.label_zh), oneLine(column.label_en)]);
  const rows = section.rows.map((row) => shownCells(columns, rowCells(section, row)));
  const totalsText = totalsCells(section, TOTALS_LABEL);
  const totals = totalsText === null ? null : shownCells(columns, totalsText);
  const widths = columns.map((column, i) => {
    const headerWidth = Math.max(...headers[i]!.map((line) => stringWidth(line)));
    const cells = totals === null ? rows : [...rows, totals];
    const contentWidth = Math.max(0, ...cells.flatMap((cellsOfRow) => cellsOfRow[i]!.map((line) => stringWidth(line))));
    const cap = kindOf(column) === "text" ? TEXT_WIDTH_MAX : Infinity;
    return Math.max(headerWidth, Math.min(contentWidth, cap));
  });
  return { headers, rows, totals, widths };
}

function sectionLines(section: Section): string[] {
  const { columns } = section;
  const { headers, rows, totals, widths } = layout(section);
  const aligns = columns.map(alignOf);
  const fit = (cells: string[][]): string[][] =>
    cells.map((lines, i) => (kindOf(columns[i]!) === "text" ? lines.flatMap((line) => wrap(line, widths[i]!)) : lines));

  const body: string[] = [];
  for (const row of rows) body.push(...gridLines(fit(row), widths, aligns));
  if (rows.length === 0) body.push(NO_ROWS_LABEL);
  const tableWidth = Math.max(
    widths.reduce((sum, width) => sum + width, 0) + GAP.length * Math.max(0, columns.length - 1),
    ...body.map((line) => stringWidth(line)),
  );

  const headerLines = [0, 1].map((line) =>
    padCells(
      headers.map((header) => header[line]!),
      widths,
      aligns,
    ),
  );
  const out = ["=".repeat(tableWidth), ...headerLines, "-".repeat(tableWidth), ...body];
  if (totals !== null) out.push("-".repeat(tableWidth), ...gridLines(fit(totals), widths, aligns));
  out.push("=".repeat(tableWidth));
  return out.map((line) => pad(line, tableWidth, "left"));
}

/** Each cell as the lines it shows: grouped numbers, "-" for null, data's own line breaks kept. */
function shownCells(columns: Column[], cells: (string | null)[]): string[][] {
  return cells.map((text, i) => {
    if (text === null) return [NULL_MARK];
    const kind = kindOf(columns[i]!);
    if (kind === "text") return displayLines(text);
    if (!isDecimal(text)) return displayLines(text); // the totals label in a numeric first column
    return [kind === "percent" ? `${text}%` : groupThousands(text)];
  });
}

/** One grid row over as many terminal lines as its tallest cell needs. */
function gridLines(cells: string[][], widths: number[], aligns: Align[]): string[] {
  const height = Math.max(1, ...cells.map((lines) => lines.length));
  const lines: string[] = [];
  for (let line = 0; line < height; line++)
    lines.push(
      padCells(
        cells.map((cell) => cell[line] ?? ""),
        widths,
        aligns,
      ),
    );
  return lines;
}

function padCells(cells: string[], widths: number[], aligns: Align[]): string {
  return cells.map((cell, i) => pad(cell, widths[i]!, aligns[i]!)).join(GAP);
}

function pad(text: string, width: number, align: Align): string {
  const fill = " ".repeat(Math.max(0, width - stringWidth(text)));
  return align === "right" ? fill + text : text + fill;
}

function displayLines(text: string): string[] {
  return text.replace(/\r\n?/g, "\n").replace(/\t/g, " ").replace(TERMINAL_UNSAFE, "").split("\n");
}

function oneLine(text: string): string {
  return displayLines(text).join(" ");
}

/** Breaks a line to `width` display columns, at the last space when there is one, else between characters. */
function wrap(line: string, width: number): string[] {
  if (stringWidth(line) <= width) return [line];
  const lines: string[] = [];
  let current = "";
  let currentWidth = 0;
  let lastSpace = -1;
  for (const { segment } of (graphemes ??= new Intl.Segmenter("zh", { granularity: "grapheme" })).segment(line)) {
    const segmentWidth = stringWidth(segment);
    while (current !== "" && currentWidth + segmentWidth > width) {
      const cut = lastSpace > 0 && segment !== " " ? lastSpace : current.length;
      lines.push(current.slice(0, cut).trimEnd());
      current = current.slice(cut).trimStart();
      currentWidth = stringWidth(current);
      lastSpace = -1;
    }
    if (segment === " " && current === "") continue;
    if (segment === " ") lastSpace = current.length;
    current += segment;
    currentWidth += segmentWidth;
  }
  if (current !== "") lines.push(current);
  return lines;
}
