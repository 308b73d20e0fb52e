// Imports the enterprise registry: one row per stay of an enterprise in a park. A stay is keyed by
// (uscc, from); importing it again is a no-op, and a changed row records a new version of the stay (to
// close it when the enterprise moves, say), the earlier versions kept (migrations/026). The result must
// leave no enterprise in two parks at once and must not move any receipt already booked to another
// park; otherwise the whole file is rejected. What the new registry places leaves suspense at the end
// (src/services/suspense.ts), in the same transaction.

import type { Knex } from "knex";
import { parseIsoDate } from "../../ledger/periods.js";
import { REJECTIONS } from "../../ledger/rejections.js";
import { usccProblem } from "../../ledger/uscc.js";
import { RowBuffer } from "../db/bulk.js";
import type { Database } from "../db/database.js";
import { toCount } from "../db/database.js";
import { lockJournal } from "../repositories/journal.js";
import { receiptsMovedByStays } from "../repositories/receipts.js";
import { resolvableCount, resolveHeld } from "../services/suspense.js";
import { ReferenceData } from "../repositories/reference.js";
import { openCsv, type CsvFile, type CsvRecord, type Encoding } from "./csv.js";
import { alreadyImported, findEarlierImport, recordImport, startingResult, type Progress } from "./common.js";
import { flagText, ProblemList, rowFlag } from "./errors.js";
import { recordStayVersions } from "../repositories/registry-versions.js";

export const ENTERPRISE_COLUMNS = {
  required: ["uscc", "name", "park", "from"],
  optional: ["to", "origin", "introduced_by", "bingtuan_flag", "bingtuan_flag_removed_on"],
} as const;

export interface EnterprisesImportResult {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
  new_stays: number;
  changed_stays: number;
  unchanged_stays: number;
  enterprises: number;
  /** Receipts held in suspense whose enterprise is now in a park on their date (before rebooking them). */
  suspense_now_resolvable: number;
  /** Of those, the receipts rebooked out of suspense to their park by this import (their refunds with them). */
  suspense_rebooked: number;
  /** Rebooked into a later year than their own, which is closed: prior-year adjustments. */
  suspense_prior_year_adjustments: number;
}

const STAGE_COLUMNS = [
  { name: "row_no", type: "integer" },
  { name: "uscc", type: "text" },
  { name: "name", type: "text" },
  { name: "park", type: "text" },
  { name: "valid_from", type: "date" },
  { name: "valid_to", type: "date" },
  { name: "origin", type: "text" },
  { name: "introduced_by", type: "text" },
  { name: "bingtuan_flag", type: "boolean" },
  { name: "bingtuan_flag_removed_on", type: "date" },
] as const;

const TRUE_WORDS = new Set(["true", "1", "yes", "y", "是"]);
const FALSE_WORDS = new Set(["false", "0", "no", "n", "否", ""]);

/** A checked row as stay_stage holds it, in STAGE_COLUMNS order. */
type StagedStay = [
  row_no: number,
  uscc: string,
  name: string,
  park: string,
  valid_from: string,
  valid_to: string | null,
  origin: string | null,
  introduced_by: string | null,
  bingtuan_flag: boolean,
  bingtuan_flag_removed_on: string | null,
];

export async function importEnterprises(
  db: Database,
  file: string,
  options: { encoding?: Encoding; onProgress?: (p: Progress) => void } = {},
): Promise<EnterprisesImportResult> {
  const { sha256, previous } = await findEarlierImport(
    db.knex,
    "enterprises",
    file,
    ENTERPRISE_COLUMNS,
    options.encoding,
  );
  const base = {
    ...startingResult(file, sha256),
    new_stays: 0,
    changed_stays: 0,
    unchanged_stays: 0,
    enterprises: 0,
    suspense_now_resolvable: 0,
    suspense_rebooked: 0,
    suspense_prior_year_adjustments: 0,
  };
  if (previous !== null) return alreadyImported(base, previous, "unchanged_stays");
  const csv = await openCsv(file, ENTERPRISE_COLUMNS, options.encoding);

  // one transaction for the whole file: a problem found at any step, even after the upsert, leaves nothing of it
  return db.knex.transaction(async (trx) => {
    // the registry decides where receipts are booked: no receipts import runs while it changes
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const problems = new ProblemList();
    const rows = await stageStays(trx, csv, ref, problems, options.onProgress);
    problems.rejectIfAny(file);
    await dropRepeatedStays(trx, problems, file);
    const { renamed, ...counts } = await compareWithRecorded(trx);
    const result: EnterprisesImportResult = { ...base, encoding: csv.encoding(), rows, ...counts };
    if (counts.new_stays === 0 && counts.changed_stays === 0 && renamed === 0) return result;

    const import_id = await recordImport(trx, {
      kind: "enterprises",
      file,
      sha256,
      row_count: rows,
      new_row_count: counts.new_stays + counts.changed_stays,
    });
    result.import_id = import_id.toString();
    result.enterprises = await writeStays(trx, import_id);
    await checkStays(trx, problems);
    problems.rejectIfAny(file);
    result.suspense_now_resolvable = await resolvableCount(trx);
    // what the registry now places leaves suspense in the same transaction (docs/domain.md#clearing-suspense)
    const resolved = await resolveHeld(trx);
    result.suspense_rebooked = resolved.rebooked;
    result.suspense_prior_year_adjustments = resolved.prior_year_adjustments;
    return result;
  });
}

/** Reads the file into stay_stage, each row checked on its own; returns the number of rows read. */
async function stageStays(
  trx: Knex.Transaction,
  csv: CsvFile,
  ref: ReferenceData,
  problems: ProblemList,
  onProgress: ((p: Progress) => void) | undefined,
): Promise<number> {
  await trx.raw(`create temporary table stay_stage (
    row_no integer primary key, uscc text not null, name text not null, park text not null, valid_from date not null,
    valid_to date, origin text, introduced_by text, bingtuan_flag boolean not null, bingtuan_flag_removed_on date
  ) on commit drop`);
  const stage = new RowBuffer("stay_stage", STAGE_COLUMNS);
  let rows = 0;
  let removalColumn = false;
  for await (const { row, fields } of csv.records) {
    rows += 1;
    if (fields["bingtuan_flag_removed_on"] !== undefined) removalColumn = true;
    const stay = checkStayRow(row, fields, ref, problems);
    if (stay !== null) stage.push(stay);
    if (stage.length >= 5000) await stage.flush(trx);
    onProgress?.({ phase: "reading", done: csv.bytesRead(), total: csv.size_bytes });
  }
  await stage.settle(trx);
  // a file without the column (the format before it) says nothing of the removal date: the recorded one stands
  if (!removalColumn)
    await trx.raw(`update stay_stage s set bingtuan_flag_removed_on = e.bingtuan_flag_removed_on
                     from enterprise_stays e where e.uscc = s.uscc and e.valid_from = s.valid_from`);
  return rows;
}

/** One row's checks, each problem flagged; the row as staged, or null when it has any problem. */
function checkStayRow(
  row: number,
  f: CsvRecord["fields"],
  ref: ReferenceData,
  problems: ProblemList,
): StagedStay | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const uscc = (f["uscc"] ?? "").toUpperCase();
  const issue = uscc === "" ? "field_required" : usccProblem(uscc);
  if (issue !== null) flag("uscc", issue, REJECTIONS[issue], f["uscc"]);
  const name = f["name"] ?? "";
  if (name === "") flag("name", "field_required");
  else flagText(flag, "name", name, "text", 200);
  const park = ref.park(f["park"] ?? "");
  if (park === undefined)
    flag("park", "park_unknown", `not a park; the parks are ${ref.parks.map((p) => p.code).join(", ")}`, f["park"]);
  const from = parseIsoDate(f["from"] ?? "");
  if (from === null) flag("from", (f["from"] ?? "") === "" ? "field_required" : "date_invalid", undefined, f["from"]);
  const toText = f["to"] ?? "";
  const to = toText === "" ? null : parseIsoDate(toText);
  if (toText !== "" && to === null) flag("to", "date_invalid", undefined, toText);
  if (from !== null && to !== null && to < from)
    flag("to", "stay_ends_before_it_starts", `the stay ends (${to}) before it starts (${from})`, toText);
  const origin = (f["origin"] ?? "").toLowerCase();
  if (origin !== "" && !["relocated", "new", "local"].includes(origin))
    flag("origin", "origin_invalid", undefined, f["origin"]);
  const introducedBy = (f["introduced_by"] ?? "").toLowerCase();
  if (
    introducedBy !== "" &&
    (ref.jurisdiction(introducedBy) === undefined || ref.jurisdiction(introducedBy)!.is_central)
  )
    flag(
      "introduced_by",
      "jurisdiction_unknown",
      `not a jurisdiction; use one of ${ref.jurisdictions
        .filter((j) => !j.is_central)
        .map((j) => j.code)
        .join(", ")}`,
      f["introduced_by"],
    );
  const flagWord = (f["bingtuan_flag"] ?? "").toLowerCase();
  if (!TRUE_WORDS.has(flagWord) && !FALSE_WORDS.has(flagWord))
    flag("bingtuan_flag", "boolean_invalid", undefined, f["bingtuan_flag"]);
  const removedText = f["bingtuan_flag_removed_on"] ?? "";
  const removedOn = removedText === "" ? null : parseIsoDate(removedText);
  if (removedText !== "" && removedOn === null)
    flag("bingtuan_flag_removed_on", "date_invalid", undefined, removedText);
  if (problems.count > before) return null;
  return [
    row,
    uscc,
    name,
    park!.code,
    from!,
    to,
    origin || null,
    introducedBy || null,
    TRUE_WORDS.has(flagWord),
    removedOn,
  ];
}

/** The same stay twice in one file must say the same thing; a faithful repeat is then dropped from the stage. */
async function dropRepeatedStays(trx: Knex.Transaction, problems: ProblemList, file: string): Promise<void> {
  const dup = await trx.raw(`
    select s.row_no, t.row_no as first_row, s.uscc, (s.park, s.valid_to, s.origin, s.introduced_by, s.bingtuan_flag, s.bingtuan_flag_removed_on, s.name)
           is not distinct from (t.park, t.valid_to, t.origin, t.introduced_by, t.bingtuan_flag, t.bingtuan_flag_removed_on, t.name) as same
      from stay_stage s join stay_stage t on t.uscc = s.uscc and t.valid_from = s.valid_from and t.row_no < s.row_no`);
  for (const d of dup.rows) {
    if (!d.same)
      problems.add({
        row: d.row_no,
        column: "from",
        code: "stays_overlap",
        reason: `row ${d.first_row} describes the same stay of ${d.uscc} differently`,
      });
  }
  problems.rejectIfAny(file);
  await trx.raw(
    `delete from stay_stage s where exists (select 1 from stay_stage t where t.uscc = s.uscc and t.valid_from = s.valid_from and t.row_no < s.row_no)`,
  );
}

/** How the staged stays differ from those recorded, and how many enterprises they rename. */
async function compareWithRecorded(
  trx: Knex.Transaction,
): Promise<{ new_stays: number; changed_stays: number; unchanged_stays: number; renamed: number }> {
  const changes = await trx.raw(`
    select count(*) filter (where e.id is null) as new_stays,
           count(*) filter (where e.id is not null and (e.park, e.valid_to, e.origin, e.introduced_by, e.bingtuan_flag, e.bingtuan_flag_removed_on)
                              is distinct from (s.park, s.valid_to, s.origin, s.introduced_by, s.bingtuan_flag, s.bingtuan_flag_removed_on)) as changed_stays,
           count(*) filter (where e.id is not null and (e.park, e.valid_to, e.origin, e.introduced_by, e.bingtuan_flag, e.bingtuan_flag_removed_on)
                              is not distinct from (s.park, s.valid_to, s.origin, s.introduced_by, s.bingtuan_flag, s.bingtuan_flag_removed_on)) as unchanged_stays
      from stay_stage s left join enterprise_stays e on e.uscc = s.uscc and e.valid_from = s.valid_from`);
  const renamed = await trx.raw(
    `select count(distinct s.uscc) as n from stay_stage s join enterprises e on e.uscc = s.uscc where e.name <> s.name`,
  );
  return {
    new_stays: toCount(changes.rows[0].new_stays),
    changed_stays: toCount(changes.rows[0].changed_stays),
    unchanged_stays: toCount(changes.rows[0].unchanged_stays),
    renamed: toCount(renamed.rows[0].n),
  };
}

/**
 * Upserts the staged enterprises (the last row's name wins) and records a version of each stay that is
 * new or says something else than its current version (an unchanged row keeps the version that
 * recorded it), with its source and the journal's last entry; returns the number of enterprises in the file.
 */
async function writeStays(trx: Knex.Transaction, import_id: bigint): Promise<number> {
  await trx.raw(
    `insert into enterprises (uscc, name, import_id)
     select distinct on (uscc) uscc, name, ?::bigint from stay_stage order by uscc, row_no desc
     on conflict (uscc) do update set name = excluded.name, import_id = excluded.import_id, updated_at = now()
     where enterprises.name is distinct from excluded.name`,
    [import_id.toString()],
  );
  await recordStayVersions(trx, import_id);
  return toCount((await trx.raw(`select count(distinct uscc) as n from stay_stage`)).rows[0].n);
}

/** After the upsert: no enterprise of this file in two parks at once, and no booked receipt moved. */
async function checkStays(trx: Knex.Transaction, problems: ProblemList): Promise<void> {
  const overlaps = await trx.raw(`
    select coalesce(sa.row_no, sb.row_no) as row_no, a.uscc, a.park as a_park, a.valid_from as a_from, a.valid_to as a_to,
           b.park as b_park, b.valid_from as b_from, b.valid_to as b_to
      from enterprise_stays a
      join enterprise_stays b on b.uscc = a.uscc and b.id > a.id
       and a.valid_from <= coalesce(b.valid_to, 'infinity'::date) and b.valid_from <= coalesce(a.valid_to, 'infinity'::date)
      left join stay_stage sa on sa.uscc = a.uscc and sa.valid_from = a.valid_from
      left join stay_stage sb on sb.uscc = b.uscc and sb.valid_from = b.valid_from
     where sa.row_no is not null or sb.row_no is not null
     limit 200`);
  for (const o of overlaps.rows) {
    const span = (park: string, from: string, to: string | null) => `${park} ${from}…${to ?? "open"}`;
    problems.add({
      row: o.row_no,
      column: "from",
      code: "stays_overlap",
      reason: `${o.uscc} would be in two parks at once: ${span(o.a_park, o.a_from, o.a_to)} and ${span(o.b_park, o.b_from, o.b_to)}`,
    });
  }
  const seen = new Set<string>();
  for (const m of await receiptsMovedByStays(trx, 200)) {
    if (seen.has(m.receipt_no)) continue;
    seen.add(m.receipt_no);
    problems.add({
      row: m.row_no,
      column: "park",
      code: "stay_conflicts_with_posted_receipts",
      reason: `receipt ${m.receipt_no} of ${m.uscc} on ${m.collected_on} is booked in ${m.booked_park}; this file would put it in ${m.new_park ?? "no park"}`,
    });
  }
}
