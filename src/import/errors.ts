// The rejection of a whole file: every problem found, each naming its row, column and reason.
// Nothing of a rejected file is written (the import runs in one transaction).

import path from "node:path";
import { REJECTIONS_ZH } from "../../ledger/rejections-zh.js";
import { REJECTIONS, type RejectionCode, type RowProblem } from "../../ledger/rejections.js";
import { textProblem, visibleText, type TextKind } from "../../ledger/text.js";

export const PROBLEMS_KEPT_MAX = 1000;

/** Thrown for problems with the file as a whole (unreadable, no header, wrong columns). */
export class FileRejected extends Error {
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
  ) {
    super(`${path.basename(file)}: ${problems.map((p) => p.reason).join("; ")}`);
    this.name = "FileRejected";
  }
}

export class ImportRejected extends Error {
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
    readonly problem_count: number,
  ) {
    super(`${path.basename(file)}: ${problem_count} problem${problem_count === 1 ? "" : "s"}; nothing was imported`);
    this.name = "ImportRejected";
  }
}

/** Collects problems up to a limit, counting the rest. */
export class ProblemList {
  readonly kept: RowProblem[] = [];
  count = 0;

  add(p: RowProblem): void {
    this.count += 1;
    if (this.kept.length < PROBLEMS_KEPT_MAX) this.kept.push(p);
  }

  /** Problems found elsewhere (a reading worker): `count` of them, of which `kept` were kept. */
  addFound(kept: readonly RowProblem[], count: number): void {
    for (const p of kept) this.add(p);
    this.count += count - kept.length;
  }

  get any(): boolean {
    return this.count > 0;
  }

  rejectIfAny(file: string): void {
    if (this.count > 0) {
      const sorted = [...this.kept].sort((a, b) => a.row - b.row);
      throw new ImportRejected(file, sorted, this.count);
    }
  }
}

/** `file:row: column: reason (value)` lines, the way a user reads them in a terminal. */
export function formatProblems(file: string, problems: readonly RowProblem[], total: number): string {
  const name = path.basename(file);
  const lines = problems.map((p) => {
    const where = p.row > 0 ? `${name}:${p.row}` : name;
    const column = p.column ? ` column ${p.column}:` : "";
    const value = p.value !== undefined ? ` (value "${p.value}")` : "";
    // the rule in Chinese first, the English detail beside it, the code unchanged for scripts
    return `${where}:${column} ${REJECTIONS_ZH[p.code]} · ${p.reason}${value} [${p.code}]`;
  });
  if (total > problems.length) lines.push(`… and ${total - problems.length} more problems`);
  return lines.join("\n");
}

/** Flags a problem of one row: the column (null for the whole row), the rule, a reason (the rule's own unless given) and the value. */
export type RowFlag = (column: string | null, code: RejectionCode, reason?: string, value?: string) => void;

/**
 * The `flag` a row's checks call, for row `row` of a CSV file read with `openCsv`; a row with more
 * fields than the header is flagged at once.
 */
export function rowFlag(
  problems: { add(p: RowProblem): void },
  row: number,
  fields: Readonly<Record<string, string | undefined>>,
): RowFlag {
  const flag: RowFlag = (column, code, reason = REJECTIONS[code], value) =>
    problems.add(value === undefined ? { row, column, code, reason } : { row, column, code, reason, value });
  if (fields["__extra__"] !== undefined)
    flag(null, "column_unknown", "the row has more fields than the header", fields["__extra__"]);
  // every field enters the books as text: what cannot be stored exactly as read is refused here
  for (const column in fields) {
    const value = fields[column];
    if (value === undefined || value === "" || column === "__extra__") continue;
    const problem = textProblem(value, "text");
    if (problem !== null) flag(column, problem.code, problem.reason, visibleText(value));
  }
  return flag;
}

/**
 * Flags a field longer than `max` characters, or (kind identifier) holding characters an identifier
 * may not; the checks every field has (rowFlag) are not repeated.
 */
export function flagText(flag: RowFlag, column: string, value: string, kind: TextKind, max: number): void {
  if (value.length > max)
    flag(column, "field_too_long", `${column} has at most ${max} characters`, visibleText(value.slice(0, max)) + "…");
  else if (kind === "identifier" && textProblem(value, "text") === null) {
    const problem = textProblem(value, "identifier");
    if (problem !== null) flag(column, problem.code, problem.reason, visibleText(value));
  }
}
