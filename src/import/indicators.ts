// Imports indicator reports (指标月报): per park, indicator and month, a year-to-date figure (the
// default) or a monthly one, in the indicator's unit. Every row is checked before anything is
// written; a report equal to the one in force changes nothing; a different one is recorded as a
// revision beside it; then the attribution of every year touched is brought up to date in the
// journal. All of the file or nothing, in one transaction.

import {
  parseBasis,
  parseMonth,
  parseQuantity,
  QUANTITY_UNITS_LIMIT,
  type Basis,
  type Units,
} from "../../ledger/indicators.js";
import type { Knex } from "knex";
import { REJECTIONS } from "../../ledger/rejections.js";
import { insertRows } from "../db/bulk.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { bringAttributionUpToDate, type AttributionTarget } from "../repositories/indicators.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData, type Park } from "../repositories/reference.js";
import { alreadyImported, findEarlierImport, recordImport, rowPark, startingResult, type Progress } from "./common.js";
import { openCsv, type CsvFile, type CsvRecord, type Encoding } from "./csv.js";
import { ProblemList, rowFlag, type RowFlag } from "./errors.js";

export const INDICATOR_COLUMNS = {
  required: ["park", "indicator", "month", "value"],
  optional: ["basis"],
} as const;

export interface IndicatorsImportResult {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
  /** reports of a month with none on record before */
  new_reports: number;
  /** reports that revise the one in force for their month (both stay on record) */
  revisions: number;
  /** rows equal to the report in force, or repeating an earlier row of this file */
  unchanged_rows: number;
  /** journal entries posted to bring the attribution up to date */
  entries_posted: number;
}

interface ReportRow {
  row: number;
  park: string;
  indicator: string;
  month: string;
  basis: Basis;
  value: Units;
}

const REPORT_COLUMNS = [
  { name: "park", type: "text" },
  { name: "indicator", type: "text" },
  { name: "month", type: "date" },
  { name: "basis", type: "text" },
  { name: "value_units", type: "bigint" },
  { name: "revision", type: "integer" },
  { name: "import_id", type: "bigint" },
  { name: "source_row", type: "integer" },
] as const;

export async function importIndicators(
  db: Database,
  file: string,
  options: {
    encoding?: Encoding;
    onProgress?: (p: Progress) => void;
    today?: Date;
    /**
     * The parks the uploader counts (an operator's statistics bureau: its own); a row of any other park
     * is refused as a park that does not exist, naming only these. Every park when absent.
     */
    parks?: readonly string[];
  } = {},
): Promise<IndicatorsImportResult> {
  const { sha256, previous } = await findEarlierImport(
    db.knex,
    "indicators",
    file,
    INDICATOR_COLUMNS,
    options.encoding,
  );
  const base = { ...startingResult(file, sha256), new_reports: 0, revisions: 0, unchanged_rows: 0, entries_posted: 0 };
  // a bureau of some parks is told a file was imported before only when every row is of its parks
  if (previous !== null && options.parks === undefined) return alreadyImported(base, previous, "unchanged_rows");
  const csv = await openCsv(file, INDICATOR_COLUMNS, options.encoding);

  // every row is checked before the transaction: a rejected file writes nothing and takes no lock
  const ref = await ReferenceData.load(db.knex);
  const thisMonth = (options.today ?? new Date()).toISOString().slice(0, 7);
  const problems = new ProblemList();
  const parks = options.parks === undefined ? undefined : new Set(options.parks);
  const { reports, rows } = await readReports(csv, ref, thisMonth, problems, parks);
  options.onProgress?.({ phase: "reading", done: csv.size_bytes, total: csv.size_bytes });
  problems.rejectIfAny(file);
  if (previous !== null) return alreadyImported(base, previous, "unchanged_rows");

  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const fresh = await reportsToRecord(trx, reports);
    const result: IndicatorsImportResult = {
      ...base,
      encoding: csv.encoding(),
      rows,
      new_reports: fresh.filter((r) => r.revision === 0).length,
      revisions: fresh.filter((r) => r.revision > 0).length,
      unchanged_rows: rows - fresh.length,
    };
    if (fresh.length === 0) return result;
    const import_id = await recordImport(trx, {
      kind: "indicators",
      file,
      sha256,
      row_count: rows,
      new_row_count: fresh.length,
    });
    result.import_id = import_id.toString();
    await insertRows(
      trx,
      "indicator_reports",
      REPORT_COLUMNS,
      fresh.map((r) => [r.park, r.indicator, `${r.month}-01`, r.basis, r.value, r.revision, import_id, r.row]),
    );
    result.entries_posted = await attributeYears(trx, ref, fresh, import_id);
    return result;
  });
}

/**
 * The file's reports, each row checked on its own; a report repeated with the same figure is read
 * once, and with another is refused (a revision belongs in a later file).
 */
async function readReports(
  csv: CsvFile,
  ref: ReferenceData,
  thisMonth: string,
  problems: ProblemList,
  parks: ReadonlySet<string> | undefined,
): Promise<{ reports: ReportRow[]; rows: number }> {
  const reports: ReportRow[] = [];
  const byKey = new Map<string, ReportRow>();
  let rows = 0;
  for await (const { row, fields } of csv.records) {
    rows += 1;
    const report = checkReportRow(row, fields, ref, thisMonth, problems, parks);
    if (report === null) continue;
    const key = `${report.park}|${report.indicator}|${report.month}`;
    const earlier = byKey.get(key);
    if (earlier === undefined) {
      byKey.set(key, report);
      reports.push(report);
    } else if (earlier.basis !== report.basis || earlier.value !== report.value) {
      problems.add({
        row,
        column: "month",
        code: "indicator_row_repeated",
        reason: `row ${earlier.row} of this file already reports ${report.indicator} of ${report.park} for ${report.month} with another value; a revision goes in a later file`,
        // the month as written: it passed the row's checks, so it is there
        value: fields["month"] ?? "",
      });
    }
  }
  return { reports, rows };
}

/** A row's park among `parks` only: another park is refused as one that does not exist, naming only these. */
function ownPark(flag: RowFlag, ref: ReferenceData, text: string, parks: ReadonlySet<string>): Park | undefined {
  if (text === "") {
    flag("park", "field_required");
    return undefined;
  }
  const park = ref.park(text);
  if (park !== undefined && parks.has(park.code)) return park;
  flag("park", "park_unknown", `unknown park; use one of ${[...parks].sort().join(", ")}`, text);
  return undefined;
}

/** One row's checks, each problem flagged; the report it makes, or null when it has any problem. */
function checkReportRow(
  row: number,
  f: CsvRecord["fields"],
  ref: ReferenceData,
  thisMonth: string,
  problems: ProblemList,
  parks: ReadonlySet<string> | undefined,
): ReportRow | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const park = parks === undefined ? rowPark(flag, ref, f["park"] ?? "") : ownPark(flag, ref, f["park"] ?? "", parks);
  const indicator = (f["indicator"] ?? "") === "" ? undefined : ref.indicator(f["indicator"]!);
  if ((f["indicator"] ?? "") === "") flag("indicator", "field_required");
  else if (indicator === undefined)
    flag(
      "indicator",
      "indicator_unknown",
      `unknown indicator; use one of ${ref.indicators.map((i) => i.code).join(", ")}`,
      f["indicator"],
    );
  const month = parseMonth(f["month"] ?? "");
  if ((f["month"] ?? "") === "") flag("month", "field_required");
  else if (month === null) flag("month", "month_invalid", "not a month of the form YYYY-MM", f["month"]);
  else if (month > thisMonth)
    flag("month", "month_in_future", `${month} has not begun (this is ${thisMonth})`, f["month"]);
  else if (park !== undefined && ref.indicatorShareOn(park, month) === undefined)
    flag(
      "month",
      "no_agreement",
      `${park.code} has no sharing agreement in force on ${month}-01 to split its indicators by`,
      f["month"],
    );
  const value = parseQuantity(f["value"] ?? "");
  if ((f["value"] ?? "") === "") flag("value", "field_required");
  else if (value === null) flag("value", "quantity_invalid", REJECTIONS.quantity_invalid, f["value"]);
  else if (value > QUANTITY_UNITS_LIMIT || -value > QUANTITY_UNITS_LIMIT)
    flag("value", "quantity_too_large", REJECTIONS.quantity_too_large, f["value"]);
  const basis = parseBasis(f["basis"] ?? "");
  if (basis === null) flag("basis", "basis_invalid", REJECTIONS.basis_invalid, f["basis"]);
  if (problems.count > before) return null;
  return { row, park: park!.code, indicator: indicator!.code, month: month!, basis: basis!, value: value! };
}

/**
 * The reports that differ from the one in force for their month, each with its revision: 0 for a
 * month with none on record, one past the one in force otherwise. One query for the whole file.
 */
async function reportsToRecord(
  trx: Knex.Transaction,
  reports: readonly ReportRow[],
): Promise<(ReportRow & { revision: number })[]> {
  const current = await trx.raw(
    `select distinct on (r.park, r.indicator, r.month) r.park, r.indicator, to_char(r.month, 'YYYY-MM') as month,
            r.basis, r.value_units, r.revision
       from indicator_reports r
       join unnest(?::text[], ?::text[], ?::date[]) as k(park, indicator, month)
         on k.park = r.park and k.indicator = r.indicator and k.month = r.month
      order by r.park, r.indicator, r.month, r.revision desc`,
    [reports.map((r) => r.park), reports.map((r) => r.indicator), reports.map((r) => `${r.month}-01`)],
  );
  const inForce = new Map<string, { basis: string; value: bigint; revision: number }>();
  for (const c of current.rows)
    inForce.set(`${c.park}|${c.indicator}|${c.month}`, {
      basis: c.basis,
      value: BigInt(c.value_units),
      revision: Number(c.revision),
    });
  const fresh: (ReportRow & { revision: number })[] = [];
  for (const r of reports) {
    const c = inForce.get(`${r.park}|${r.indicator}|${r.month}`);
    if (c === undefined) fresh.push({ ...r, revision: 0 });
    else if (c.basis !== r.basis || c.value !== r.value) fresh.push({ ...r, revision: c.revision + 1 });
  }
  return fresh;
}

/**
 * Brings the attribution of every park, indicator and year the new reports touch up to date in the
 * journal, with the reference data as read under the lock; returns the entries posted.
 */
async function attributeYears(
  trx: Knex.Transaction,
  ref: ReferenceData,
  fresh: readonly ReportRow[],
  import_id: bigint,
): Promise<number> {
  const targets = new Map<string, AttributionTarget>();
  for (const r of fresh) {
    const year = Number(r.month.slice(0, 4));
    targets.set(`${r.park}|${r.indicator}|${year}`, { park: ref.park(r.park)!, indicator: r.indicator, year });
  }
  const accounts = await AccountBook.load(trx);
  const locked = await ReferenceData.load(trx);
  return bringAttributionUpToDate(trx, locked, accounts, [...targets.values()], {
    kind: "import",
    import_id,
  });
}
