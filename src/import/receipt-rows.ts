// One receipt row on its own: the checks it can have without the database (USCC check character,
// calendar date, amount, tax code, sign and refund_of), its canonical form and the hash of its
// content. Pure apart from reading the file, so the same code runs in the importing thread or in a
// worker thread that reads ahead while the importing thread books.

import crypto from "node:crypto";
import { Worker } from "node:worker_threads";
import { amountProblem, parseYuan } from "../../ledger/money.js";
import { parseIsoDate } from "../../ledger/periods.js";
import { REJECTIONS, type RowProblem } from "../../ledger/rejections.js";
import { flagText, rowFlag } from "./errors.js";
import { usccProblem } from "../../ledger/uscc.js";
import { FileRejected, openCsv, type Encoding } from "./csv.js";
import type { CheckedBatch, CheckedReceipt } from "../booking/types.js";

export const RECEIPT_COLUMNS = {
  required: ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
  optional: ["scope", "tax_period", "refund_of"],
} as const;

const RECEIPT_NO_MAX = 64;
/** An amount written with a comma between each group of three digits, as a spreadsheet shows it. */
const THOUSANDS = /^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$/;
const TAX_PERIOD_MAX = 32;

/** An amount as written, with a treasury export's thousands separators (2,895.64) read as the same amount. */
export function ungroupedAmount(text: string): string {
  return THOUSANDS.test(text) ? text.replace(/,/g, "") : text;
}

/** A row that passed the checks it can have on its own, in canonical form (what the booking engine takes). */
export type StagedRow = CheckedReceipt;

/** The identity of a receipt's content: the same row in another file (or encoding) hashes the same. */
export function receiptContentHash(r: Omit<StagedRow, "row_no" | "content_hash">): string {
  const scope = r.refund_of === "" && r.scope === "" ? "local" : r.scope;
  const sep = "\u001f";
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
      r.refund_of,
  );
}

/** One-shot sha256 (crypto.hash where this Node has it: no Hash object per row). */
export const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (text) => (crypto as unknown as { hash(alg: string, data: string): string }).hash("sha256", text)
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** Tax codes by what a file may say: the mnemonic or the collection-item code. */
export interface TaxLookup {
  codes: readonly string[];
  byInput: ReadonlyMap<string, string>;
}

/** Something that counts problems (the import's ProblemList, or a worker's). */
export interface ProblemSink {
  count: number;
  add(p: RowProblem): void;
}

/**
 * Checks one row. Treasury receipts (`refunds: "named"`) are negative only as refunds naming their
 * original; an operator's statement (`refunds: "signed"`) records refunds as plain negative rows.
 */
export function checkReceiptRow(
  row: number,
  f: Record<string, string>,
  taxes: TaxLookup,
  problems: ProblemSink,
  refunds: "named" | "signed" = "named",
): StagedRow | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const receipt_no = f["receipt_no"] ?? "";
  if (receipt_no === "") flag("receipt_no", "field_required");
  else flagText(flag, "receipt_no", receipt_no, "identifier", RECEIPT_NO_MAX);

  const uscc = (f["uscc"] ?? "").toUpperCase();
  if (uscc === "") flag("uscc", "field_required");
  else {
    const issue = usccProblem(uscc);
    if (issue !== null) flag("uscc", issue, REJECTIONS[issue], f["uscc"]);
  }

  const taxInput = f["tax_code"] ?? "";
  const tax = taxInput === "" ? undefined : taxes.byInput.get(taxInput.trim().toUpperCase());
  if (taxInput === "") flag("tax_code", "field_required");
  else if (tax === undefined)
    flag(
      "tax_code",
      "tax_code_unknown",
      `unknown tax code; use one of ${taxes.codes.join(" ")} or a collection-item code such as 10101`,
      taxInput,
    );

  const dateInput = f["collected_on"] ?? "";
  const collected_on = parseIsoDate(dateInput);
  if (dateInput === "") flag("collected_on", "field_required");
  else if (collected_on === null) flag("collected_on", "date_invalid", REJECTIONS.date_invalid, dateInput);

  // a treasury export may group thousands (2,895.64): read as the same amount, nothing else changed
  const amountInput = ungroupedAmount(f["amount"] ?? "");
  const amount_fen = parseYuan(amountInput);
  const refund_of = f["refund_of"] ?? "";
  if (amountInput === "") flag("amount", "field_required");
  else if (amount_fen === null) {
    const code = amountProblem(amountInput) ?? "amount_invalid";
    flag("amount", code, REJECTIONS[code], amountInput);
  } else if (amount_fen === 0n) flag("amount", "amount_zero", REJECTIONS.amount_zero, amountInput);
  else if (amount_fen < 0n && refund_of === "" && refunds === "named")
    flag("amount", "amount_negative_without_refund_of", REJECTIONS.amount_negative_without_refund_of, amountInput);
  else if (amount_fen > 0n && refund_of !== "")
    flag("amount", "refund_not_negative", REJECTIONS.refund_not_negative, amountInput);
  flagText(flag, "refund_of", refund_of, "identifier", RECEIPT_NO_MAX);
  if (refund_of !== "" && refund_of === receipt_no)
    flag("refund_of", "refund_of_refund", "a receipt cannot refund itself", refund_of);

  const scope = (f["scope"] ?? "").toLowerCase();
  if (scope !== "" && scope !== "gross" && scope !== "local")
    flag("scope", "scope_invalid", REJECTIONS.scope_invalid, f["scope"]);
  const tax_period = f["tax_period"] ?? "";
  // kept exactly as written, tabs and all; only what no database text holds as sent is refused
  flagText(flag, "tax_period", tax_period, "text", TAX_PERIOD_MAX);

  if (problems.count > before) return null;
  const staged = {
    row_no: row,
    receipt_no,
    uscc,
    tax_code: tax!,
    collected_on: collected_on!,
    amount_fen: amount_fen!,
    scope,
    tax_period,
    refund_of,
  };
  return { ...staged, content_hash: receiptContentHash(staged) };
}

/** What a reader hands the import: checked rows, the problems of the rows it read, and how far it got. */
export interface RowBatch extends CheckedBatch {
  /** Set on the last batch. */
  done: boolean;
}

export function taxLookup(taxes: readonly { code: string; item_code: string }[]): TaxLookup {
  const byInput = new Map<string, string>();
  for (const t of taxes) {
    byInput.set(t.code, t.code);
    byInput.set(t.item_code, t.code);
  }
  return { codes: taxes.map((t) => t.code), byInput };
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
  taxes: TaxLookup;
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
    const staged = checkReceiptRow(record.row, record.fields, options.taxes, problems);
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
    taxes: [...options.taxes.byInput],
    codes: options.taxes.codes,
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
