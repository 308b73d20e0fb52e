// The reading worker of a receipts import: parses and checks the file and sends the batches to the
// importing thread, staying at most a few batches ahead of it.

import { parentPort, workerData } from "node:worker_threads";
import { FileRejected } from "./csv.js";
import { codeBook, type BudgetEntry } from "../../ledger/budget.js";
import { readReceiptRows, WORKER_BATCHES_AHEAD, type ReadOptions, type RowRules } from "./receipt-rows.js";

const data = workerData as {
  file: string;
  encoding: ReadOptions["encoding"];
  batch_rows: number;
  mnemonics: string[];
  items: BudgetEntry[];
  rules: RowRules;
};
const port = parentPort!;
let credits = WORKER_BATCHES_AHEAD;
let wake: (() => void) | null = null;
port.on("message", () => {
  credits += 1;
  wake?.();
});

try {
  for await (const batch of readReceiptRows(data.file, {
    encoding: data.encoding,
    batch_rows: data.batch_rows,
    codes: codeBook(data.mnemonics, data.items),
    rules: data.rules,
  })) {
    while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    port.postMessage({ type: "batch", batch });
  }
} catch (error) {
  if (error instanceof FileRejected)
    port.postMessage({ type: "file_rejected", file: error.file, problems: error.problems });
  else port.postMessage({ type: "failed", message: (error as Error).message ?? String(error) });
}
port.close();
