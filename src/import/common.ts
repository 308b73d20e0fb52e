// What every import shares: progress reports, the file's sha256, the record of imported files, and
// the start of a result and the park check, which more than one import would otherwise repeat.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Knex } from "knex";
import { toCount } from "../db/database.js";
import type { RejectionCode } from "../../ledger/rejections.js";
import type { Park, ReferenceData } from "../repositories/reference.js";
import { FileRejected, openCsv, type ColumnSpec, type Encoding } from "./csv.js";
import type { ProblemList, RowFlag } from "./errors.js";

export interface Progress {
  phase: "reading" | "checking" | "booking";
  done: number;
  total: number;
}

/** The file's sha256; a file that cannot be read is the user's problem, said as such. */
async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FileRejected(file, [
      { row: 0, column: null, code: "file_unreadable", reason: `cannot read ${file}: ${code}` },
    ]);
  }
  return hash.digest("hex");
}

export interface ImportRecord {
  id: string;
  file_name: string;
  imported_at: Date;
  row_count: number;
}

async function findImportByHash(
  knex: Knex,
  kind: string,
  sha256: string,
  party: string | null = null,
): Promise<ImportRecord | null> {
  const query = knex("imports")
    .select("id", "file_name", "imported_at", "row_count")
    .where({ kind, file_sha256: sha256 });
  if (party !== null) query.andWhere({ party });
  const row = await query.orderBy("id").first();
  if (row === undefined) return null;
  return {
    id: String(row.id),
    file_name: row.file_name,
    imported_at: row.imported_at,
    row_count: toCount(row.row_count),
  };
}

/**
 * The start every import shares: the file's sha256 and the import of the same file before, if any.
 * A file imported before changes nothing, but its header is still checked, so a wrong file is said
 * to be wrong either way.
 */
export async function findEarlierImport(
  knex: Knex,
  kind: string,
  file: string,
  spec: ColumnSpec,
  encoding: Encoding | undefined,
  party: string | null = null,
): Promise<{ sha256: string; previous: ImportRecord | null }> {
  const sha256 = await sha256File(file);
  const previous = await findImportByHash(knex, kind, sha256, party);
  if (previous !== null) (await openCsv(file, spec, encoding)).close();
  return { sha256, previous };
}

/** The fields every import's result has, whatever it counts besides. */
export interface ImportResultStart {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
}

/** A result before its file is read: nothing recorded yet, and the encoding unknown until then. */
export function startingResult(file: string, sha256: string): ImportResultStart {
  return { file, sha256, encoding: "n/a", import_id: null, already_imported: false, rows: 0 };
}

/** The park a row names; a missing or unknown one is flagged, so files that name parks all say it alike. */
export function rowPark(flag: RowFlag, ref: ReferenceData, text: string): Park | undefined {
  if (text === "") {
    flag("park", "field_required");
    return undefined;
  }
  const park = ref.park(text);
  if (park === undefined)
    flag("park", "park_unknown", `unknown park; use one of ${ref.parks.map((p) => p.code).join(", ")}`, text);
  return park;
}

/** The answer for a file imported before: every row unchanged, counted under `unchanged`. */
export function alreadyImported<T extends { import_id: string | null; already_imported: boolean; rows: number }>(
  base: T,
  previous: ImportRecord,
  unchanged: keyof T,
): T {
  return {
    ...base,
    import_id: previous.id,
    already_imported: true,
    rows: previous.row_count,
    [unchanged]: previous.row_count,
  };
}

export async function recordImport(
  trx: Knex.Transaction,
  r: {
    id?: bigint;
    kind: string;
    file: string;
    sha256: string;
    row_count: number;
    new_row_count: number;
    party?: string;
  },
): Promise<bigint> {
  const [row] = await trx("imports")
    .insert({
      ...(r.id !== undefined ? { id: r.id.toString() } : {}),
      kind: r.kind,
      file_name: path.basename(r.file),
      file_sha256: r.sha256,
      party: r.party ?? null,
      row_count: r.row_count,
      new_row_count: r.new_row_count,
    })
    .returning("id");
  return BigInt(row.id);
}

/**
 * Repeats of a receipt number within one staged file (a table with row_no, receipt_no, content_hash
 * and action): the same content again is a no-op, marked `same`; other content is refused with `code`.
 */
export async function checkRepeatsInFile(
  trx: Knex.Transaction,
  stage: "receipt_stage" | "statement_stage",
  code: RejectionCode,
  problems: ProblemList,
): Promise<void> {
  const inFile = await trx.raw(`
    with repeated as (select receipt_no, min(row_no) as first_row from ${stage} group by receipt_no having count(*) > 1)
    select s.row_no, s.receipt_no, f.row_no as first_row, s.content_hash = f.content_hash as same
      from repeated d
      join ${stage} f on f.receipt_no = d.receipt_no and f.row_no = d.first_row
      join ${stage} s on s.receipt_no = d.receipt_no and s.row_no > d.first_row`);
  for (const r of inFile.rows) {
    if (!r.same) {
      problems.add({
        row: r.row_no,
        column: "receipt_no",
        code,
        reason: `receipt number ${r.receipt_no} is already used by row ${r.first_row} of this file with different content`,
        value: r.receipt_no,
      });
    }
  }
  if (inFile.rows.length > 0) {
    await trx.raw(
      `update ${stage} s set action = 'same' where exists (select 1 from ${stage} t where t.receipt_no = s.receipt_no and t.row_no < s.row_no)`,
    );
  }
}
