// Imports projects (项目) with their origin and the annual carbon and pollutant quotas they need, and
// charges each project's quotas to the jurisdiction that must provide them (ledger/quotas.ts). Every
// row is checked before anything is written; a project equal to its latest version changes nothing;
// a changed one is recorded as a new version beside the old. All of the file or nothing.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { parseQuantity, QUANTITY_UNITS_LIMIT, type Units } from "../../ledger/indicators.js";
import { parseIsoDate } from "../../ledger/periods.js";
import { quotaBearer, type ProjectOrigin } from "../../ledger/quotas.js";
import { REJECTIONS } from "../../ledger/rejections.js";
import { usccProblem } from "../../ledger/uscc.js";
import type { Database } from "../db/database.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { alreadyImported, findEarlierImport, recordImport, rowPark, startingResult, type Progress } from "./common.js";
import { openCsv, type CsvFile, type CsvRecord, type Encoding } from "./csv.js";
import { flagText, ProblemList, rowFlag, type RowFlag } from "./errors.js";

export interface QuotaKind {
  code: string;
  column_name: string;
  name_zh: string;
  name_en: string;
  unit: string;
  unit_zh: string;
}

export async function quotaKinds(knex: Database["knex"]): Promise<QuotaKind[]> {
  return knex("quota_kinds")
    .select("code", "column_name", "name_zh", "name_en", "unit", "unit_zh")
    .orderBy(["sort_order", "code"]);
}

export interface ProjectsImportResult {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
  new_projects: number;
  /** projects whose row differs from their latest version: recorded as a new version */
  changed_projects: number;
  unchanged_rows: number;
}

interface ProjectRow {
  row: number;
  project_no: string;
  name: string;
  park: string;
  uscc: string | null;
  origin: ProjectOrigin;
  introduced_by: string | null;
  charged_to: string;
  start_on: string;
  end_on: string | null;
  quotas: Map<string, Units>;
  content_hash: string;
}

const PROJECT_NO_MAX = 64;
const NAME_MAX = 200;

/** What a project row is checked against: the quota kinds, the parks, and who may bear quotas. */
interface ProjectTerms {
  kinds: readonly QuotaKind[];
  ref: ReferenceData;
  /** the jurisdictions that may bear a project's quotas */
  parties: readonly string[];
}

export async function importProjects(
  db: Database,
  file: string,
  options: { encoding?: Encoding; onProgress?: (p: Progress) => void } = {},
): Promise<ProjectsImportResult> {
  const kinds = await quotaKinds(db.knex);
  const spec = {
    required: ["project_no", "name", "park", "origin", "start_on"],
    optional: ["introduced_by", "end_on", "uscc", ...kinds.map((k) => k.column_name)],
  };
  const { sha256, previous } = await findEarlierImport(db.knex, "projects", file, spec, options.encoding);
  const base = { ...startingResult(file, sha256), new_projects: 0, changed_projects: 0, unchanged_rows: 0 };
  if (previous !== null) return alreadyImported(base, previous, "unchanged_rows");
  const csv = await openCsv(file, spec, options.encoding);

  // every row is checked before the transaction: a rejected file writes nothing and takes no lock
  const ref = await ReferenceData.load(db.knex);
  const parties = ref.jurisdictions.filter((j) => !j.is_central).map((j) => j.code);
  const problems = new ProblemList();
  const { projects, rows } = await readProjects(csv, { kinds, ref, parties }, problems);
  options.onProgress?.({ phase: "reading", done: csv.size_bytes, total: csv.size_bytes });
  problems.rejectIfAny(file);

  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const fresh = await newVersions(trx, projects);
    const result: ProjectsImportResult = {
      ...base,
      encoding: csv.encoding(),
      rows,
      new_projects: fresh.filter((p) => p.version === 1).length,
      changed_projects: fresh.filter((p) => p.version > 1).length,
      unchanged_rows: rows - fresh.length,
    };
    if (fresh.length === 0) return result;
    const import_id = await recordImport(trx, {
      kind: "projects",
      file,
      sha256,
      row_count: rows,
      new_row_count: fresh.length,
    });
    result.import_id = import_id.toString();
    await writeProjects(trx, fresh, import_id);
    return result;
  });
}

/**
 * The file's projects, each row checked on its own; a project repeated with the same content is
 * read once, and with other content is refused (a change belongs in a later file).
 */
async function readProjects(
  csv: CsvFile,
  terms: ProjectTerms,
  problems: ProblemList,
): Promise<{ projects: ProjectRow[]; rows: number }> {
  const projects: ProjectRow[] = [];
  const byNo = new Map<string, ProjectRow>();
  let rows = 0;
  for await (const { row, fields } of csv.records) {
    rows += 1;
    const project = checkProjectRow(row, fields, terms, problems);
    if (project === null) continue;
    const earlier = byNo.get(project.project_no);
    if (earlier === undefined) {
      byNo.set(project.project_no, project);
      projects.push(project);
    } else if (earlier.content_hash !== project.content_hash) {
      problems.add({
        row,
        column: "project_no",
        code: "project_row_repeated",
        reason: `project ${project.project_no} is already in row ${earlier.row} of this file with other content; a change goes in a later file`,
        value: project.project_no,
      });
    }
  }
  return { projects, rows };
}

/** One row's checks, each problem flagged; the project it describes, or null when it has any problem. */
function checkProjectRow(
  row: number,
  f: CsvRecord["fields"],
  { kinds, ref, parties }: ProjectTerms,
  problems: ProblemList,
): ProjectRow | null {
  const before = problems.count;
  const flag = rowFlag(problems, row, f);
  const project_no = f["project_no"] ?? "";
  if (project_no === "") flag("project_no", "field_required");
  else flagText(flag, "project_no", project_no, "identifier", PROJECT_NO_MAX);
  const name = f["name"] ?? "";
  if (name === "") flag("name", "field_required");
  else flagText(flag, "name", name, "text", NAME_MAX);
  const park = rowPark(flag, ref, f["park"] ?? "");
  const uscc = (f["uscc"] ?? "").toUpperCase();
  const usccIssue = uscc === "" ? null : usccProblem(uscc);
  if (usccIssue !== null) flag("uscc", usccIssue, REJECTIONS[usccIssue], f["uscc"]);
  const originText = (f["origin"] ?? "").toLowerCase();
  const origin = ["relocated", "new", "local"].includes(originText) ? (originText as ProjectOrigin) : null;
  if (originText === "") flag("origin", "field_required");
  else if (origin === null) flag("origin", "origin_invalid", REJECTIONS.origin_invalid, f["origin"]);
  const introduced_by = (f["introduced_by"] ?? "").toLowerCase() || null;
  let charged_to: string | null = null;
  if (origin !== null && park !== undefined) {
    const bearer = quotaBearer(origin, introduced_by, park, parties);
    if (bearer.ok) charged_to = bearer.jurisdiction;
    else flag(bearer.column, bearer.code, bearer.reason, f["introduced_by"]);
  }
  const start_on = parseIsoDate(f["start_on"] ?? "");
  if ((f["start_on"] ?? "") === "") flag("start_on", "field_required");
  else if (start_on === null) flag("start_on", "date_invalid", REJECTIONS.date_invalid, f["start_on"]);
  const end_on = (f["end_on"] ?? "") === "" ? null : parseIsoDate(f["end_on"]!);
  if ((f["end_on"] ?? "") !== "" && end_on === null)
    flag("end_on", "date_invalid", REJECTIONS.date_invalid, f["end_on"]);
  else if (end_on !== null && start_on !== null && end_on < start_on)
    flag("end_on", "stay_ends_before_it_starts", "the project ends before it starts", f["end_on"]);
  const quotas = checkQuotas(flag, f, kinds);
  if (problems.count > before) return null;

  const content = {
    name,
    park: park!.code,
    uscc: uscc || null,
    origin: origin!,
    introduced_by,
    start_on: start_on!,
    end_on,
    quotas: [...quotas.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([q, v]) => [q, v.toString()]),
  };
  return {
    row,
    project_no,
    ...content,
    charged_to: charged_to!,
    quotas,
    // the hash of what the project says: a row equal to the latest version changes nothing
    content_hash: createHash("sha256").update(JSON.stringify(content)).digest("hex"),
  };
}

/** A row's quotas by kind, each flagged unless a non-negative quantity within the limit; zero quotas are left out. */
function checkQuotas(flag: RowFlag, f: CsvRecord["fields"], kinds: readonly QuotaKind[]): Map<string, Units> {
  const quotas = new Map<string, Units>();
  for (const k of kinds) {
    const text = f[k.column_name] ?? "";
    if (text === "") continue;
    const amount = parseQuantity(text);
    if (amount === null || amount < 0n)
      flag(
        k.column_name,
        "quantity_invalid",
        `a quota in ${k.unit_zh} (${k.unit}): ${REJECTIONS.quantity_invalid}, never negative`,
        text,
      );
    else if (amount > QUANTITY_UNITS_LIMIT)
      flag(k.column_name, "quantity_too_large", REJECTIONS.quantity_too_large, text);
    else if (amount > 0n) quotas.set(k.code, amount);
  }
  return quotas;
}

/** The projects that differ from their latest recorded version, each with the version it will be. */
async function newVersions(
  trx: Knex.Transaction,
  projects: readonly ProjectRow[],
): Promise<(ProjectRow & { version: number })[]> {
  const latest = await trx.raw(
    `select distinct on (project_no) project_no, version, content_hash from projects
      where project_no = any(?::text[]) order by project_no, version desc`,
    [projects.map((p) => p.project_no)],
  );
  const recorded = new Map<string, { version: number; content_hash: string }>(
    latest.rows.map((r: { project_no: string; version: number; content_hash: string }) => [r.project_no, r]),
  );
  return projects
    .map((p) => ({ ...p, version: (recorded.get(p.project_no)?.version ?? 0) + 1 }))
    .filter((p) => recorded.get(p.project_no)?.content_hash !== p.content_hash);
}

/** Records each new version with its quotas, which need the version's id. */
async function writeProjects(
  trx: Knex.Transaction,
  fresh: readonly (ProjectRow & { version: number })[],
  import_id: bigint,
): Promise<void> {
  for (const p of fresh) {
    const [stored] = await trx("projects")
      .insert({
        project_no: p.project_no,
        version: p.version,
        name: p.name,
        park: p.park,
        uscc: p.uscc,
        origin: p.origin,
        introduced_by: p.introduced_by,
        charged_to: p.charged_to,
        start_on: p.start_on,
        end_on: p.end_on,
        content_hash: p.content_hash,
        import_id: import_id.toString(),
        source_row: p.row,
      })
      .returning("id");
    if (p.quotas.size > 0)
      await trx("project_quotas").insert(
        [...p.quotas.entries()].map(([quota, amount]) => ({
          project_id: String(stored.id),
          quota,
          amount_units: amount.toString(),
        })),
      );
  }
}
