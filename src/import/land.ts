// Imports land and mineral revenue and the exemptions granted under 新财综〔2022〕48号 (seed 004 item 7):
// one file whose `kind` column says what each row is. A revenue row is booked in the journal, split by
// the item's central share and the park's agreement in force on the day it entered the treasury
// (ledger/land.ts); an exemption row goes to the register of revenue forgone, with who forgoes how
// much. Every row is checked before anything is written; a reference recorded before with the same
// content changes nothing, with other content it is refused. All of the file or nothing.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { exemptionShares, landRevenueBooking, type LandBooking, type LandRejection } from "../../ledger/land.js";
import { amountProblem, parseYuan, type Fen } from "../../ledger/money.js";
import { parseIsoDate, yearOf } from "../../ledger/periods.js";
import { REJECTIONS } from "../../ledger/rejections.js";
import { usccProblem } from "../../ledger/uscc.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import { JournalWriter, lockJournal } from "../repositories/journal.js";
import {
  latestProjects,
  recordedLandRefs,
  writeLandExemptions,
  writeLandRevenue,
  type LandExemptionRecord,
  type LandKind,
  type LandRevenueRecord,
} from "../repositories/land.js";
import { ReferenceData, type LandItem } from "../repositories/reference.js";
import {
  alreadyImported,
  findEarlierImport,
  recordImport,
  rowPark,
  startingResult,
  type ImportResultStart,
  type Progress,
} from "./common.js";
import { openCsv, type CsvFile, type CsvRecord, type Encoding } from "./csv.js";
import { flagText, ProblemList, rowFlag, type RowFlag } from "./errors.js";
import { ungroupedAmount } from "./receipt-rows.js";

export const LAND_COLUMNS = {
  required: ["kind", "ref", "item", "amount"],
  optional: ["park", "collected_on", "uscc", "project", "basis", "approved_on", "forgone_by"],
} as const;

export interface LandImportResult extends ImportResultStart {
  /** revenue records new to the ledger, each booked as one journal entry */
  new_revenue: number;
  /** exemptions new to the register */
  new_exemptions: number;
  /** rows recorded before with the same content, or repeating an earlier row of this file */
  unchanged_rows: number;
}

const KINDS: Record<string, LandKind> = {
  revenue: "revenue",
  收入: "revenue",
  exemption: "exemption",
  减免: "exemption",
};
/** The columns only one kind of row fills. */
const ONLY: Record<LandKind, readonly string[]> = {
  revenue: ["collected_on"],
  exemption: ["basis", "approved_on", "forgone_by"],
};
const REF_MAX = 64;
const BASIS_MAX = 200;

interface RowCommon {
  row: number;
  ref: string;
  item: LandItem;
  item_as_given: string;
  amount_fen: Fen;
  uscc: string | null;
  project_no: string | null;
  content_hash: string;
}
interface RevenueRow extends RowCommon {
  kind: "revenue";
  park: string;
  collected_on: string;
}
interface ExemptionRow extends RowCommon {
  kind: "exemption";
  /** As the row names it, or (when it names none) the project's, filled in by `checkProjects`. */
  park: string;
  project_no: string;
  uscc: string;
  basis: string;
  approved_on: string;
  forgone_by: string;
}
type LandRow = RevenueRow | ExemptionRow;

export async function importLand(
  db: Database,
  file: string,
  options: { encoding?: Encoding; onProgress?: (p: Progress) => void } = {},
): Promise<LandImportResult> {
  const { sha256, previous } = await findEarlierImport(db.knex, "land", file, LAND_COLUMNS, options.encoding);
  const base = { ...startingResult(file, sha256), new_revenue: 0, new_exemptions: 0, unchanged_rows: 0 };
  if (previous !== null) return alreadyImported(base, previous, "unchanged_rows");
  const csv = await openCsv(file, LAND_COLUMNS, options.encoding);

  // every row is checked before the transaction: a rejected file writes nothing and takes no lock
  const problems = new ProblemList();
  const { records, rows } = await readLand(csv, await ReferenceData.load(db.knex), problems);
  await checkProjects(db.knex, records, problems);
  options.onProgress?.({ phase: "reading", done: csv.size_bytes, total: csv.size_bytes });
  problems.rejectIfAny(file);

  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const fresh = await freshRows(trx, records, problems);
    const result: LandImportResult = { ...base, encoding: csv.encoding(), rows, unchanged_rows: rows - fresh.length };
    const decided = await decide(trx, fresh, problems);
    problems.rejectIfAny(file);
    if (fresh.length === 0) return result;
    const import_id = await recordImport(trx, {
      kind: "land",
      file,
      sha256,
      row_count: rows,
      new_row_count: fresh.length,
    });
    result.import_id = import_id.toString();
    result.new_revenue = await bookRevenue(trx, decided.revenue, import_id);
    await writeLandExemptions(
      trx,
      decided.exemptions.map((e) => ({ ...e, import_id })),
    );
    result.new_exemptions = decided.exemptions.length;
    return result;
  });
}

/**
 * The file's records, each row checked on its own; a reference repeated with the same content is read
 * once, and with other content is refused.
 */
async function readLand(
  csv: CsvFile,
  ref: ReferenceData,
  problems: ProblemList,
): Promise<{ records: LandRow[]; rows: number }> {
  const records: LandRow[] = [];
  const byRef = new Map<string, LandRow>();
  let rows = 0;
  for await (const { row, fields } of csv.records) {
    rows += 1;
    const record = checkLandRow(row, fields, ref, problems);
    if (record === null) continue;
    const key = `${record.kind}|${record.ref}`;
    const earlier = byRef.get(key);
    if (earlier === undefined) {
      byRef.set(key, record);
      records.push(record);
    } else if (earlier.content_hash !== record.content_hash)
      problems.add({
        row,
        column: "ref",
        code: "land_row_repeated",
        reason: `${record.kind} ${record.ref} is already in row ${earlier.row} of this file with other content`,
        value: record.ref,
      });
  }
  return { records, rows };
}

/** One row's checks, each problem flagged; the record it makes, or null when it has any problem. */
function checkLandRow(row: number, f: CsvRecord["fields"], ref: ReferenceData, problems: ProblemList): LandRow | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const kind = KINDS[(f["kind"] ?? "").trim().toLowerCase()];
  if ((f["kind"] ?? "") === "") flag("kind", "field_required");
  else if (kind === undefined) flag("kind", "land_kind_invalid", REJECTIONS.land_kind_invalid, f["kind"]);
  const refText = required(flag, f, "ref");
  flagText(flag, "ref", refText, "identifier", REF_MAX);
  const item = rowItem(flag, ref, f["item"] ?? "");
  const amount_fen = rowAmount(flag, f["amount"] ?? "");
  const uscc = rowUscc(flag, f["uscc"] ?? "");
  const project = f["project"] ?? "";
  flagText(flag, "project", project, "identifier", REF_MAX);
  if (kind !== undefined)
    for (const column of ONLY[kind === "revenue" ? "exemption" : "revenue"])
      if ((f[column] ?? "") !== "")
        flag(column, "land_field_not_for_kind", `a ${kind} row leaves ${column} empty`, f[column]);
  const own =
    kind === "revenue" ? revenueFields(flag, ref, f) : kind === "exemption" ? exemptionFields(flag, ref, f) : null;
  if (problems.count > before || own === null) return null;
  const common = { row, ref: refText, item: item!, item_as_given: f["item"]!, amount_fen: amount_fen! };
  // an exemption's park is its project's, whether the row names it or not: it is not part of what the row says
  const said = own.kind === "exemption" ? { ...own, park: undefined } : own;
  const content = { ref: refText, item: item!.code, amount: amount_fen!.toString(), uscc, project, ...said };
  const content_hash = createHash("sha256").update(JSON.stringify(content)).digest("hex");
  if (own.kind === "revenue")
    return { ...common, ...own, uscc: uscc || null, project_no: project || null, content_hash };
  return { ...common, ...own, uscc, project_no: project, content_hash };
}

function required(flag: RowFlag, f: CsvRecord["fields"], column: string): string {
  const value = f[column] ?? "";
  if (value === "") flag(column, "field_required");
  return value;
}

/** The item a row names: its code, Chinese name, or budget code (1030148, or a 目 below it). */
function rowItem(flag: RowFlag, ref: ReferenceData, text: string): LandItem | undefined {
  if (text === "") return void flag("item", "field_required");
  const item = ref.landItem(text);
  if (item === undefined) {
    const known = ref.landItems.map((l) => (l.budget_code !== null ? `${l.code} (${l.budget_code})` : l.code));
    flag("item", "land_item_unknown", `unknown item; use one of ${known.join(", ")}`, text);
  }
  return item;
}

/** A positive amount in yuan, thousands separators allowed as a treasury export writes them. */
function rowAmount(flag: RowFlag, written: string): Fen | undefined {
  const text = ungroupedAmount(written);
  if (text === "") return void flag("amount", "field_required");
  const fen = parseYuan(text);
  if (fen === null) {
    const code = amountProblem(text) ?? "amount_invalid";
    return void flag("amount", code, REJECTIONS[code], written);
  }
  if (fen <= 0n) return void flag("amount", "amount_not_positive", REJECTIONS.amount_not_positive, written);
  return fen;
}

function rowUscc(flag: RowFlag, written: string): string {
  const uscc = written.toUpperCase();
  const issue = uscc === "" ? null : usccProblem(uscc);
  if (issue !== null) flag("uscc", issue, REJECTIONS[issue], written);
  return uscc;
}

function rowDate(flag: RowFlag, f: CsvRecord["fields"], column: string): string {
  const text = required(flag, f, column);
  const date = text === "" ? null : parseIsoDate(text);
  if (text !== "" && date === null) flag(column, "date_invalid", REJECTIONS.date_invalid, text);
  return date ?? "";
}

function revenueFields(flag: RowFlag, ref: ReferenceData, f: CsvRecord["fields"]) {
  const park = rowPark(flag, ref, f["park"] ?? "");
  return { kind: "revenue" as const, park: park?.code ?? "", collected_on: rowDate(flag, f, "collected_on") };
}

function exemptionFields(flag: RowFlag, ref: ReferenceData, f: CsvRecord["fields"]) {
  for (const column of ["project", "uscc"]) required(flag, f, column);
  const park = (f["park"] ?? "") === "" ? undefined : rowPark(flag, ref, f["park"]!);
  const basis = required(flag, f, "basis");
  flagText(flag, "basis", basis, "text", BASIS_MAX);
  const written = required(flag, f, "forgone_by");
  const party = written.trim().toLowerCase() === "shared" ? "shared" : ref.resolveJurisdiction(written)?.code;
  if (written !== "" && party === undefined)
    flag(
      "forgone_by",
      "forgone_by_invalid",
      `not a party; use shared or one of ${ref.jurisdictions.map((j) => j.code).join(", ")}`,
      written,
    );
  const approved_on = rowDate(flag, f, "approved_on");
  return { kind: "exemption" as const, park: park?.code ?? "", basis, approved_on, forgone_by: party ?? "" };
}

/**
 * The projects the rows name, checked against their latest recorded version: the project exists, is in
 * the row's park and belongs to the row's enterprise; an exemption that names no park takes its project's.
 */
async function checkProjects(knex: Knex, records: LandRow[], problems: ProblemList): Promise<void> {
  const named = records.filter((r) => r.project_no !== null);
  const projects = await latestProjects(knex, [...new Set(named.map((r) => r.project_no!))]);
  for (const r of named) {
    const flag: RowFlag = (column, code, reason = REJECTIONS[code], value) =>
      problems.add({ row: r.row, column, code, reason, ...(value !== undefined ? { value } : {}) });
    const project = projects.get(r.project_no!);
    if (project === undefined) flag("project", "project_unknown", REJECTIONS.project_unknown, r.project_no!);
    else if (r.park !== "" && r.park !== project.park)
      flag(
        "project",
        "project_park_differs",
        `project ${r.project_no} is in ${project.park}, not ${r.park}`,
        r.project_no!,
      );
    else if (r.uscc !== null && project.uscc !== null && r.uscc !== project.uscc)
      flag("uscc", "project_enterprise_differs", `project ${r.project_no} belongs to ${project.uscc}`, r.uscc);
    else if (r.park === "") r.park = project.park;
  }
}

/** The records not recorded before; a reference recorded with other content is flagged. */
async function freshRows(
  trx: Knex.Transaction,
  records: readonly LandRow[],
  problems: ProblemList,
): Promise<LandRow[]> {
  const fresh: LandRow[] = [];
  for (const kind of ["revenue", "exemption"] as const) {
    const ofKind = records.filter((r) => r.kind === kind);
    const recorded = await recordedLandRefs(
      trx,
      kind,
      ofKind.map((r) => r.ref),
    );
    for (const r of ofKind) {
      const hash = recorded.get(r.ref);
      if (hash === undefined) fresh.push(r);
      else if (hash !== r.content_hash)
        problems.add({
          row: r.row,
          column: "ref",
          code: "land_ref_reused",
          reason: `${kind} ${r.ref} is already recorded with other content; a correction is a new reference`,
          value: r.ref,
        });
    }
  }
  return fresh.sort((a, b) => a.row - b.row);
}

type DecidedRevenue = { row: RevenueRow; booking: LandBooking };

/** The terms in force, read under the lock, applied to each new record; what they refuse is flagged. */
async function decide(trx: Knex.Transaction, fresh: readonly LandRow[], problems: ProblemList) {
  const ref = await ReferenceData.load(trx);
  const closed = await loadClosedYears(trx);
  const refused = (row: number, r: LandRejection) => problems.add({ row, ...r });
  const revenue: DecidedRevenue[] = [];
  const exemptions: Omit<LandExemptionRecord, "import_id">[] = [];
  for (const row of fresh) {
    if (row.kind === "revenue") {
      const d = landRevenueBooking({ ...row, item: row.item.code }, ref, closed);
      if (d.rejection !== null) refused(row.row, d.rejection);
      else revenue.push({ row, booking: d.value });
      continue;
    }
    const d = exemptionShares({ ...row, item: row.item.code }, ref);
    if (d.rejection !== null) refused(row.row, d.rejection);
    else exemptions.push(exemptionRecord(row, d.value));
  }
  return { revenue, exemptions };
}

function exemptionRecord(
  r: ExemptionRow,
  shares: { central_fen: Fen; operator_fen: Fen; host_fen: Fen; agreement_id: number | null },
): Omit<LandExemptionRecord, "import_id"> {
  return {
    ref: r.ref,
    park: r.park,
    project_no: r.project_no,
    uscc: r.uscc,
    item: r.item.code,
    item_as_given: r.item_as_given,
    amount_fen: r.amount_fen,
    basis: r.basis,
    approved_on: r.approved_on,
    forgone_by: r.forgone_by,
    ...shares,
    content_hash: r.content_hash,
    source_row: r.row,
  };
}

/** Books each revenue record as one chained journal entry and records it with its entry; returns how many. */
async function bookRevenue(trx: Knex.Transaction, decided: readonly DecidedRevenue[], import_id: bigint) {
  const writer = new JournalWriter(trx, await AccountBook.load(trx), { copy: false });
  const records: LandRevenueRecord[] = [];
  for (const { row, booking: b } of decided) {
    const record: LandRevenueRecord = {
      ref: row.ref,
      park: row.park,
      item: row.item.code,
      item_as_given: row.item_as_given,
      collected_on: row.collected_on,
      amount_fen: row.amount_fen,
      uscc: row.uscc,
      project_no: row.project_no,
      operator: b.operator,
      host: b.host,
      central_ratio_id: b.central_ratio_id,
      central_share_bp: b.central_share_bp,
      agreement_id: b.agreement_id,
      operator_share_bp: b.operator_share_bp,
      ...b.split,
      fiscal_year: b.fiscal_year,
      entry_id: 0n,
      content_hash: row.content_hash,
      import_id,
      source_row: row.row,
    };
    records.push(record);
    writer.add(
      {
        idempotency_key: `land:${row.ref}`,
        input_hash: row.content_hash,
        kind: "land",
        fiscal_year: b.fiscal_year,
        origin_year: yearOf(row.collected_on),
        effective_on: row.collected_on,
        park: row.park,
        operator: b.operator,
        tax_code: row.item.code,
        description: null,
        import_id,
        source_row: row.row,
        lines: b.lines,
      },
      (id) => (record.entry_id = id),
    );
  }
  await writer.finish();
  await writeLandRevenue(trx, records);
  return records.length;
}
