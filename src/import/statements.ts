// Imports an operator's own record of its park's receipts (its statement, 对账单 rows), to reconcile
// with the prefecture's books. Checked row by row like receipts (an operator records refunds as
// negative rows, so a negative amount needs no refund_of here), staged, checked against itself and
// what the party recorded before, and written in one transaction: all of the file or nothing.
// The same row again is a no-op; a receipt number reused with different content is refused.

import type { Knex } from "knex";
import { fieldRejection } from "../../ledger/rejections.js";
import { RowBuffer } from "../db/bulk.js";
import type { Database } from "../db/database.js";
import { toCount } from "../db/database.js";
import { ReferenceData } from "../repositories/reference.js";
import { checkRepeatsInFile, alreadyImported, findEarlierImport, recordImport, type Progress } from "./common.js";
import { openCsv, type Encoding } from "./csv.js";
import { ProblemList } from "./errors.js";
import { checkReceiptRow } from "./receipt-rows.js";

export const STATEMENT_COLUMNS = {
  required: ["receipt_no", "uscc", "tax_code", "collected_on", "amount"],
  optional: [],
} as const;

export interface StatementsImportResult {
  file: string;
  party: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
  new_rows: number;
  unchanged_rows: number;
}

const STAGE_COLUMNS = [
  { name: "row_no", type: "integer" },
  { name: "receipt_no", type: "text" },
  { name: "uscc", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "collected_on", type: "date" },
  { name: "amount_fen", type: "bigint" },
  { name: "content_hash", type: "text" },
] as const;

const BATCH_ROWS = 5000;

export async function importStatements(
  db: Database,
  party: string,
  file: string,
  options: { encoding?: Encoding; onProgress?: (p: Progress) => void } = {},
): Promise<StatementsImportResult> {
  const ref = await ReferenceData.load(db.knex);
  if (!ref.operators.includes(party)) {
    throw fieldRejection(
      "party",
      "party_unknown",
      `${party} runs no park; the operators are ${ref.operators.join(", ")}`,
    );
  }
  const { sha256, previous } = await findEarlierImport(
    db.knex,
    "statements",
    file,
    STATEMENT_COLUMNS,
    options.encoding,
    party,
  );
  const base = {
    file,
    party,
    sha256,
    encoding: "n/a",
    import_id: null,
    already_imported: false,
    rows: 0,
    new_rows: 0,
    unchanged_rows: 0,
  };
  if (previous !== null) return alreadyImported(base, previous, "unchanged_rows");
  const csv = await openCsv(file, STATEMENT_COLUMNS, options.encoding);
  const codes = ref.codes;
  return db.knex.transaction(async (trx) => {
    const problems = new ProblemList();
    await trx.raw(`create temporary table statement_stage (
      row_no integer primary key, receipt_no text not null, uscc text not null, tax_code text not null,
      collected_on date not null, amount_fen bigint not null, content_hash text not null, action text not null default 'new'
    ) on commit drop`);
    const stage = new RowBuffer("statement_stage", STAGE_COLUMNS, "", db.dialect === "postgres");
    let rows = 0;
    for await (const { row, fields: f } of csv.records) {
      rows += 1;
      const staged = checkReceiptRow(row, f, codes, problems, { refunds: "signed", scope: "" });
      if (staged !== null) {
        stage.push([
          row,
          staged.receipt_no,
          staged.uscc,
          staged.tax_code,
          staged.collected_on,
          staged.amount_fen,
          staged.content_hash,
        ]);
      }
      if (stage.length >= BATCH_ROWS) {
        await stage.flush(trx);
        options.onProgress?.({ phase: "reading", done: csv.bytesRead(), total: csv.size_bytes });
      }
    }
    await stage.settle(trx);
    options.onProgress?.({ phase: "reading", done: csv.size_bytes, total: csv.size_bytes });
    await trx.raw("create index on statement_stage (receipt_no)");
    await trx.raw("analyze statement_stage");
    await checkRepeats(trx, party, problems);
    problems.rejectIfAny(file);

    const counts = await trx.raw(`select count(*) filter (where action = 'new') as n from statement_stage`);
    const new_rows = toCount(counts.rows[0].n);
    const result: StatementsImportResult = {
      ...base,
      encoding: csv.encoding(),
      rows,
      new_rows,
      unchanged_rows: rows - new_rows,
    };
    if (new_rows === 0) return result;
    const import_id = await recordImport(trx, {
      kind: "statements",
      file,
      sha256,
      row_count: rows,
      new_row_count: new_rows,
      party,
    });
    result.import_id = import_id.toString();
    await trx.raw(
      `insert into operator_statements (party, receipt_no, uscc, tax_code, collected_on, amount_fen, content_hash, import_id, source_row)
       select ?, receipt_no, uscc, tax_code, collected_on, amount_fen, content_hash, ?::bigint, row_no
         from statement_stage where action = 'new' order by row_no`,
      [party, import_id.toString()],
    );
    return result;
  });
}

/** The same row again is a no-op; the same number with other content, in the file or recorded, is refused. */
async function checkRepeats(trx: Knex.Transaction, party: string, problems: ProblemList): Promise<void> {
  await checkRepeatsInFile(trx, "statement_stage", "statement_row_reused", problems);
  const recorded = await trx.raw(
    `select s.row_no, s.receipt_no, o.content_hash = s.content_hash as same
       from statement_stage s join operator_statements o on o.party = ? and o.receipt_no = s.receipt_no
      where s.action = 'new'`,
    [party],
  );
  for (const r of recorded.rows) {
    if (!r.same) {
      problems.add({
        row: r.row_no,
        column: "receipt_no",
        code: "statement_row_reused",
        reason: `receipt number ${r.receipt_no} is already in ${party}'s statement with different content`,
        value: r.receipt_no,
      });
    }
  }
  if (recorded.rows.length > 0) {
    await trx.raw(
      `update statement_stage s set action = 'same' from operator_statements o where o.party = ? and o.receipt_no = s.receipt_no and s.action = 'new'`,
      [party],
    );
  }
}
