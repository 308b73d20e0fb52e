// One receipt row on its own: the checks it can have without the database (USCC check character,
// calendar date, amount, tax code, sign and refund_of), its canonical form and the hash of its
// content. Pure apart from reading the file, so the same code runs in the importing thread or in a
// worker thread that reads ahead while the importing thread books.

import crypto from "node:crypto";
import { Worker } from "node:worker_threads";
import { resolveCode, type CodeBook } from "../../ledger/budget.js";
import {
  encodeLevels,
  isReceiptKind,
  KIND_NAMES,
  levelsTotal,
  LOCAL_LEVELS,
  parseTaxPeriod,
  PERIOD_REFUND_KINDS,
  type Levels,
  type ReceiptKind,
} from "../../ledger/kinds.js";
import { amountProblem, formatYuan, parseYuan } from "../../ledger/money.js";
import { parseIsoDate } from "../../ledger/periods.js";
import { REJECTIONS, type RejectionCode, type RowProblem } from "../../ledger/rejections.js";
import { flagText, rowFlag, type RowFlag } from "./errors.js";
import { usccProblem } from "../../ledger/uscc.js";
import { FileRejected, openCsv, type Encoding } from "./csv.js";
import type { CheckedBatch, CheckedReceipt } from "../booking/types.js";

export const RECEIPT_COLUMNS = {
  required: ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
  optional: [
    "scope",
    "tax_period",
    "tax_period_from",
    "tax_period_to",
    "refund_of",
    "kind",
    "central",
    "region",
    "prefecture",
    "county",
  ],
} as const;

const RECEIPT_NO_MAX = 64;
/** An amount written with a comma between each group of three digits, as a spreadsheet shows it. */
const THOUSANDS = /^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$/;
const TAX_PERIOD_MAX = 32;
const LEVEL_COLUMNS = ["central", ...LOCAL_LEVELS] as const;

/** An amount as written, with a treasury export's thousands separators (2,895.64) read as the same amount. */
export function ungroupedAmount(text: string): string {
  return THOUSANDS.test(text) ? text.replace(/,/g, "") : text;
}

/** A row that passed the checks it can have on its own, in canonical form (what the booking engine takes). */
export type StagedRow = CheckedReceipt;

/**
 * The identity of a receipt's content: the same row in another file (or encoding) hashes the same.
 * Fields a receipt recorded before could not have are hashed only when given, so its hash stays.
 */
export function receiptContentHash(r: Omit<StagedRow, "row_no" | "content_hash">): string {
  const scope = r.refund_of === "" && r.scope === "" ? "local" : r.scope;
  const sep = "\u001f";
  const newer =
    r.kind === "receipt" && r.budget_code === "" && r.levels === ""
      ? ""
      : `${sep}${r.kind}${sep}${r.budget_code}${sep}${r.levels}`;
  return sha256Hex(
    r.receipt_no +
      sep +
      r.uscc +
      sep +
      r.tax_code +
      sep +
      r.collected_on +
      sep +
      r.amount_fen.toString() +
      sep +
      scope +
      sep +
      r.tax_period +
      sep +
      r.refund_of +
      newer,
  );
}

/** One-shot sha256 (crypto.hash where this Node has it: no Hash object per row). */
export const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (text) => (crypto as unknown as { hash(alg: string, data: string): string }).hash("sha256", text)
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** Something that counts problems (the import's ProblemList, or a worker's). */
export interface ProblemSink {
  count: number;
  add(p: RowProblem): void;
}

/** How rows are read: treasury receipts or an operator's statement, and the file's scope if it gives one. */
export interface RowRules {
  /**
   * Treasury receipts (`named`) are negative only as refunds naming their original or as the refund
   * kinds; an operator's statement (`signed`) records refunds as plain negative rows.
   */
  refunds: "named" | "signed";
  /** The scope of every receipt of a file that has no scope column (`--scope`); '' for none. */
  scope: "" | "gross" | "local";
}

const TREASURY: RowRules = { refunds: "named", scope: "" };

/** Reads an amount, grouped thousands allowed (2,895.64); flags it and returns null when it is none. */
function amountField(flag: RowFlag, column: string, input: string, zero: boolean): bigint | null {
  // a treasury export may group thousands: read as the same amount, nothing else changed
  const text = ungroupedAmount(input);
  const fen = parseYuan(text);
  if (fen === null) {
    const code = amountProblem(text) ?? "amount_invalid";
    flag(column, code, REJECTIONS[code], input);
  } else if (fen === 0n && !zero) flag(column, "amount_zero", REJECTIONS.amount_zero, input);
  return fen;
}

/** The levels of a row that gives any, each read as an amount (an empty cell is zero); null when it gives none. */
function levelsField(flag: RowFlag, f: Record<string, string>, amount: bigint | null, kind: string): Levels | null {
  if (LEVEL_COLUMNS.every((c) => (f[c] ?? "") === "")) return null;
  const values = LEVEL_COLUMNS.map((c) => ((f[c] ?? "") === "" ? 0n : amountField(flag, c, f[c]!, true)));
  if (values.some((v) => v === null) || amount === null) return null;
  const [central, region, prefecture, county] = values as bigint[];
  const levels: Levels = { central: central!, region: region!, prefecture: prefecture!, county: county! };
  const sign = (v: bigint) => (v > 0n ? 1 : v < 0n ? -1 : 0);
  if (kind === "export_offset" || kind === "treasury_adjustment")
    flag("central", "levels_invalid", `a ${kind} is not divided by level`, f["central"] ?? "");
  else if (levelsTotal(levels) !== amount || values.some((v) => sign(v!) === -sign(amount)))
    flag(
      "central",
      "levels_invalid",
      `central ${formatYuan(central!)} + region ${formatYuan(region!)} + prefecture ${formatYuan(prefecture!)} + county ${formatYuan(county!)} = ${formatYuan(levelsTotal(levels))}, not the amount ${formatYuan(amount)} (each level has the amount's sign)`,
      f["central"] ?? "",
    );
  return levels;
}

/** The tax period as written, or joined from its from/to columns, and its last day ('' when none). */
function periodField(flag: RowFlag, f: Record<string, string>, kind: string): { text: string; end: string } {
  const from = f["tax_period_from"] ?? "";
  const to = f["tax_period_to"] ?? "";
  const text = f["tax_period"] || (from !== "" || to !== "" ? `${from || to}/${to || from}` : "");
  const column = f["tax_period"] ? "tax_period" : from !== "" ? "tax_period_from" : "tax_period";
  // kept exactly as written, tabs and all; only what no database text holds as sent is refused
  flagText(flag, column, text, "text", TAX_PERIOD_MAX);
  const span = text === "" ? null : parseTaxPeriod(text);
  if (text === "") {
    if ((PERIOD_REFUND_KINDS as readonly string[]).includes(kind))
      flag("tax_period", "tax_period_required", `a ${kind} names the tax period (所属期) it refunds`);
    return { text, end: "" };
  }
  if (span === null) {
    // a receipt's period was free text before kinds were: only the kinds that need it must parse
    if ((PERIOD_REFUND_KINDS as readonly string[]).includes(kind) || kind === "export_offset")
      flag(column, "tax_period_invalid", REJECTIONS.tax_period_invalid, text);
    return { text, end: "" };
  }
  return { text, end: span.to };
}

/** A kind as written: its code in any case, or its Chinese name (留抵退税). */
function kindOf(text: string): string {
  const given = text.trim();
  if (given === "") return "receipt";
  const named = Object.entries(KIND_NAMES).find(([, name]) => name.zh === given)?.[0];
  return named === undefined ? given.toLowerCase() : named === "refund" ? "receipt" : named;
}

/** The sign and refund_of each kind has. */
function kindProblem(
  kind: ReceiptKind,
  amount: bigint,
  refund_of: string,
  tax: string | null,
): [string, RejectionCode, string] | null {
  if (kind === "receipt") {
    if (amount < 0n && refund_of === "")
      return ["amount", "amount_negative_without_refund_of", REJECTIONS.amount_negative_without_refund_of];
    if (amount > 0n && refund_of !== "") return ["amount", "refund_not_negative", REJECTIONS.refund_not_negative];
    return null;
  }
  if (kind === "treasury_adjustment") {
    if (refund_of === "")
      return ["refund_of", "kind_refund_of", "a treasury adjustment names in refund_of the credit refund it adjusts"];
    if (amount < 0n)
      return [
        "amount",
        "kind_amount_sign",
        "a treasury adjustment returns part of a credit refund's local burden: positive",
      ];
    return null;
  }
  if (refund_of !== "")
    return [
      "refund_of",
      "kind_refund_of",
      `a ${kind} is identified by enterprise, tax and tax period, not by a receipt`,
    ];
  if (kind !== "export_offset" && amount > 0n) return ["amount", "kind_amount_sign", `a ${kind} is negative`];
  if (kind === "credit_refund" && tax !== null && tax !== "VAT") return ["tax_code", "kind_tax", REJECTIONS.kind_tax];
  return null;
}

/** The fields that say whose receipt it is and when: number, enterprise, day, and the code's tax on that day. */
function identityFields(flag: RowFlag, f: Record<string, string>, codes: CodeBook) {
  const receipt_no = f["receipt_no"] ?? "";
  if (receipt_no === "") flag("receipt_no", "field_required");
  else flagText(flag, "receipt_no", receipt_no, "identifier", RECEIPT_NO_MAX);

  const uscc = (f["uscc"] ?? "").toUpperCase();
  if (uscc === "") flag("uscc", "field_required");
  else {
    const issue = usccProblem(uscc);
    if (issue !== null) flag("uscc", issue, REJECTIONS[issue], f["uscc"]);
  }

  const dateInput = f["collected_on"] ?? "";
  const collected_on = parseIsoDate(dateInput);
  if (dateInput === "") flag("collected_on", "field_required");
  else if (collected_on === null) flag("collected_on", "date_invalid", REJECTIONS.date_invalid, dateInput);

  const taxInput = f["tax_code"] ?? "";
  const code = taxInput === "" ? null : resolveCode(codes, taxInput, collected_on);
  if (taxInput === "") flag("tax_code", "field_required");
  else if (code!.problem !== null) flag("tax_code", code!.problem, code!.reason, taxInput);
  return { receipt_no, uscc, collected_on, code };
}

/** The fields that say what money it is: kind, amount, what it names, and the amounts of each level. */
function moneyFields(
  flag: RowFlag,
  f: Record<string, string>,
  rules: RowRules,
  receipt_no: string,
  tax: string | null,
) {
  const kindInput = kindOf(f["kind"] ?? "");
  const kind: ReceiptKind =
    isReceiptKind(kindInput) && (kindInput === "receipt" || rules.refunds === "named") ? kindInput : "receipt";
  if (kind !== kindInput) flag("kind", "kind_invalid", REJECTIONS.kind_invalid, f["kind"]);

  const amountInput = f["amount"] ?? "";
  const amount_fen = amountInput === "" ? null : amountField(flag, "amount", amountInput, false);
  if (amountInput === "") flag("amount", "field_required");
  const refund_of = f["refund_of"] ?? "";
  flagText(flag, "refund_of", refund_of, "identifier", RECEIPT_NO_MAX);
  if (refund_of !== "" && refund_of === receipt_no)
    flag("refund_of", "refund_of_refund", "a receipt cannot refund itself", refund_of);
  if (amount_fen !== null && amount_fen !== 0n && rules.refunds === "named") {
    const problem = kindProblem(kind, amount_fen, refund_of, tax);
    if (problem !== null)
      flag(problem[0], problem[1], problem[2], problem[0] === "amount" ? amountInput : f[problem[0]]);
  }
  const levels = rules.refunds === "named" ? levelsField(flag, f, amount_fen, kind) : null;
  return { kind, amount_fen, refund_of, levels };
}

/** The scope as given, or the file's; a receipt given as a total must say what total it is (a refund follows its original). */
function scopeField(
  flag: RowFlag,
  f: Record<string, string>,
  rules: RowRules,
  m: ReturnType<typeof moneyFields>,
): string {
  const given = (f["scope"] ?? "").toLowerCase();
  if (given !== "" && given !== "gross" && given !== "local")
    flag("scope", "scope_invalid", REJECTIONS.scope_invalid, f["scope"]);
  const scope = given !== "" || m.refund_of !== "" || m.levels !== null ? given : rules.scope;
  if (
    scope === "" &&
    rules.refunds === "named" &&
    m.refund_of === "" &&
    m.levels === null &&
    m.kind !== "export_offset"
  )
    flag("scope", "scope_required", REJECTIONS.scope_required);
  return scope;
}

/**
 * Checks one row. `rules` says whether it is a treasury receipt or an operator's statement row,
 * and the scope of a file that gives none.
 */
export function checkReceiptRow(
  row: number,
  f: Record<string, string>,
  codes: CodeBook,
  problems: ProblemSink,
  rules: RowRules = TREASURY,
): StagedRow | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const { receipt_no, uscc, collected_on, code } = identityFields(flag, f, codes);
  const money = moneyFields(flag, f, rules, receipt_no, code?.tax ?? null);
  const scope = scopeField(flag, f, rules, money);
  const period = periodField(flag, f, money.kind);
  if (problems.count > before) return null;
  const staged = {
    row_no: row,
    receipt_no,
    uscc,
    tax_code: code!.tax!,
    collected_on: collected_on!,
    amount_fen: money.amount_fen!,
    scope,
    tax_period: period.text,
    refund_of: money.refund_of,
    kind: money.kind,
    budget_code: code!.budget_code ?? "",
    levels: encodeLevels(money.levels),
    period_end: period.end,
  };
  return { ...staged, content_hash: receiptContentHash(staged) };
}

/** What a reader hands the import: checked rows, the problems of the rows it read, and how far it got. */
export interface RowBatch extends CheckedBatch {
  /** Set on the last batch. */
  done: boolean;
}

/** Keeps the problems of one batch; counts every one, keeps a bounded number. */
class BatchProblems implements ProblemSink {
  count = 0;
  kept: RowProblem[] = [];
  constructor(private readonly keep: number) {}
  add(p: RowProblem): void {
    this.count += 1;
    if (this.kept.length < this.keep) this.kept.push(p);
  }
}

export interface ReadOptions {
  encoding: Encoding;
  batch_rows: number;
  codes: CodeBook;
  rules: RowRules;
}

const PROBLEMS_PER_BATCH_KEPT = 1000;

/** Reads and checks the file in this thread, a batch at a time. */
export async function* readReceiptRows(file: string, options: ReadOptions): AsyncGenerator<RowBatch> {
  const csv = await openCsv(file, RECEIPT_COLUMNS, options.encoding);
  let problems = new BatchProblems(PROBLEMS_PER_BATCH_KEPT);
  let rows: StagedRow[] = [];
  let read = 0;
  const batch = (done: boolean): RowBatch => ({
    rows,
    problems: problems.kept,
    problem_count: problems.count,
    rows_read: read,
    bytes_read: done ? csv.size_bytes : csv.bytesRead(),
    size_bytes: csv.size_bytes,
    done,
    encoding: csv.encoding(),
  });
  for await (const record of csv.records) {
    read += 1;
    const staged = checkReceiptRow(record.row, record.fields, options.codes, problems, options.rules);
    if (staged !== null) rows.push(staged);
    if (rows.length >= options.batch_rows) {
      yield batch(false);
      rows = [];
      problems = new BatchProblems(PROBLEMS_PER_BATCH_KEPT);
    }
  }
  yield batch(true);
}

/** Batches a worker may have sent ahead of the importing thread: enough to keep both busy, no more. */
export const WORKER_BATCHES_AHEAD = 4;

type WorkerMessage =
  | { type: "batch"; batch: RowBatch }
  | { type: "file_rejected"; file: string; problems: RowProblem[] }
  | { type: "failed"; message: string };

/**
 * Reads and checks the file in a worker thread, so parsing and checking run on the other core while
 * this thread books.
 */
export async function* readReceiptRowsAhead(file: string, options: ReadOptions): AsyncGenerator<RowBatch> {
  const here = import.meta.url;
  const fromSource = here.endsWith(".ts");
  const workerData = {
    file,
    encoding: options.encoding,
    batch_rows: options.batch_rows,
    mnemonics: [...options.codes.mnemonics.keys()],
    items: [...options.codes.items.values()].flat(),
    rules: options.rules,
  };
  // from the TypeScript sources (tests, tsx) the worker registers the TypeScript loader first
  const worker = fromSource
    ? new Worker(
        `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(new URL("./receipt-rows.worker.ts", here).href)}); })`,
        { eval: true, workerData },
      )
    : new Worker(new URL("./receipt-rows.worker.js", here), { workerData });
  const inbox: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  worker.on("message", (m: WorkerMessage) => {
    inbox.push(m);
    wake?.();
  });
  worker.on("error", (error) => {
    failure = error;
    wake?.();
  });
  worker.on("exit", (code) => {
    if (code !== 0 && failure === null) failure = new Error(`the reading worker stopped with code ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      while (inbox.length === 0 && failure === null) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = inbox.shift();
      if (message === undefined) throw failure!;
      if (message.type === "file_rejected") throw new FileRejected(message.file, message.problems);
      if (message.type === "failed") throw new Error(message.message);
      worker.postMessage("more");
      yield message.batch;
      if (message.batch.done) return;
    }
  } finally {
    await worker.terminate();
  }
}
