// Constraint-indicator commitments (约束性指标承担表): for a year, the carbon and pollutant quotas each
// jurisdiction must provide, per park, summed over the projects in operation that year (the latest
// version of each project), with the projects behind every figure. An operator asks for what it
// provides: it sees every figure of its own commitments, but the projects behind them only where they
// are in its own parks (a project elsewhere is another park's enterprise; its figure is the operator's
// obligation, its name and enterprise are not the operator's to know).

import type { Knex } from "knex";
import { formatQuantity, type Units } from "../ledger/indicators.js";
import { toFen } from "../ledger/money.js";
import { operatesIn } from "../ledger/quotas.js";
import { fieldRejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Column, Tabular } from "./render.js";
import { parksOf, type Viewer } from "./viewer.js";

export interface QuotaView {
  code: string;
  name_zh: string;
  name_en: string;
  unit: string;
  unit_zh: string;
}

export interface CommitmentRow {
  jurisdiction: string;
  park: string;
  projects: number;
  /** quota code → annual amount, 4 decimals */
  quotas: Record<string, string>;
}

export interface ProjectView {
  project_no: string;
  version: number;
  name: string;
  park: string;
  uscc: string | null;
  origin: "relocated" | "new" | "local";
  introduced_by: string | null;
  charged_to: string;
  start_on: string;
  end_on: string | null;
  quotas: Record<string, string>;
}

export interface CommitmentsReport {
  year: number;
  jurisdiction: string | null;
  park: string | null;
  quota_kinds: QuotaView[];
  commitments: CommitmentRow[];
  totals: Omit<CommitmentRow, "park">[];
  projects: ProjectView[];
  /** Projects behind the figures that are not listed: in parks outside the viewer's (0 in the full view). */
  projects_not_listed: number;
}

export async function commitmentsReport(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  filter: { jurisdiction?: string; park?: string },
  viewer: Viewer,
): Promise<CommitmentsReport> {
  if (viewer.kind === "operator") {
    // an operator's view is of what it provides, in its parks or (figures only) elsewhere
    if (filter.jurisdiction !== undefined && ref.jurisdiction(filter.jurisdiction)?.code !== viewer.operator)
      throw new Error(
        `${viewer.operator}'s view of ${filter.jurisdiction}'s commitments: access.ts should have refused it`,
      );
    const own = parksOf(ref, viewer.operator);
    // another park and no park at all get the same answer, which names neither
    if (filter.park !== undefined && !own.includes(ref.park(filter.park)?.code ?? ""))
      throw fieldRejection("park", "park_unknown", `not a park of ${viewer.operator}; use one of ${own.join(", ")}`);
    filter = { ...filter, jurisdiction: viewer.operator };
  }
  const jurisdiction = filter.jurisdiction === undefined ? null : ref.jurisdiction(filter.jurisdiction);
  if (jurisdiction === undefined)
    throw fieldRejection(
      "jurisdiction",
      "jurisdiction_unknown",
      `${filter.jurisdiction} is not a jurisdiction; use one of ${ref.jurisdictions.map((j) => j.code).join(", ")}`,
    );
  const park = filter.park === undefined ? null : ref.park(filter.park);
  if (park === undefined)
    throw fieldRejection(
      "park",
      "park_unknown",
      `${filter.park} is not a park; use one of ${ref.parks.map((p) => p.code).join(", ")}`,
    );
  const quota_kinds: QuotaView[] = await knex("quota_kinds")
    .select("code", "name_zh", "name_en", "unit", "unit_zh")
    .orderBy(["sort_order", "code"]);
  const { rows } = await knex.raw(
    `with latest as (
       select distinct on (project_no) * from projects order by project_no, version desc)
     select p.id, p.project_no, p.version, p.name, p.park, p.uscc, p.origin, p.introduced_by, p.charged_to,
            p.start_on, p.end_on, q.quota, q.amount_units
       from latest p left join project_quotas q on q.project_id = p.id
      where p.start_on <= ? and (p.end_on is null or p.end_on >= ?)
        ${jurisdiction !== null ? "and p.charged_to = ?" : ""} ${park !== null ? "and p.park = ?" : ""}
      order by p.charged_to, p.park, p.project_no, q.quota`,
    [
      `${year}-12-31`,
      `${year}-01-01`,
      ...(jurisdiction !== null ? [jurisdiction.code] : []),
      ...(park !== null ? [park.code] : []),
    ],
  );
  const projects = new Map<string, ProjectView & { amounts: Map<string, Units> }>();
  for (const r of rows) {
    let p = projects.get(r.project_no);
    if (p === undefined) {
      p = {
        project_no: r.project_no,
        version: Number(r.version),
        name: r.name,
        park: r.park,
        uscc: r.uscc,
        origin: r.origin,
        introduced_by: r.introduced_by,
        charged_to: r.charged_to,
        start_on: r.start_on,
        end_on: r.end_on,
        quotas: {},
        amounts: new Map(),
      };
      projects.set(r.project_no, p);
    }
    if (r.quota !== null) p.amounts.set(r.quota, toFen(r.amount_units));
  }
  const groups = new Map<string, { jurisdiction: string; park: string; projects: number; sums: Map<string, Units> }>();
  const totals = new Map<string, { projects: number; sums: Map<string, Units> }>();
  const add = (sums: Map<string, Units>, amounts: Map<string, Units>) => {
    for (const [q, v] of amounts) sums.set(q, (sums.get(q) ?? 0n) + v);
  };
  for (const p of projects.values()) {
    if (!operatesIn(p.start_on, p.end_on, year)) continue; // the query says so too; the rule lives in ledger/
    const key = `${p.charged_to}|${p.park}`;
    const g = groups.get(key) ?? { jurisdiction: p.charged_to, park: p.park, projects: 0, sums: new Map() };
    g.projects += 1;
    add(g.sums, p.amounts);
    groups.set(key, g);
    const t = totals.get(p.charged_to) ?? { projects: 0, sums: new Map() };
    t.projects += 1;
    add(t.sums, p.amounts);
    totals.set(p.charged_to, t);
  }
  const listed = viewer.kind === "full" ? null : new Set(parksOf(ref, viewer.operator));
  const shown = [...projects.values()].filter((p) => listed === null || listed.has(p.park));
  const format = (sums: Map<string, Units>) =>
    Object.fromEntries(quota_kinds.map((k) => [k.code, formatQuantity(sums.get(k.code) ?? 0n)]));
  return {
    year,
    jurisdiction: jurisdiction?.code ?? null,
    park: park?.code ?? null,
    quota_kinds,
    commitments: [...groups.values()].map((g) => ({
      jurisdiction: g.jurisdiction,
      park: g.park,
      projects: g.projects,
      quotas: format(g.sums),
    })),
    totals: [...totals.entries()].map(([j, t]) => ({ jurisdiction: j, projects: t.projects, quotas: format(t.sums) })),
    projects: shown.map(({ amounts, ...p }) => ({
      ...p,
      quotas: Object.fromEntries([...amounts.entries()].map(([q, v]) => [q, formatQuantity(v)])),
    })),
    projects_not_listed: projects.size - shown.length,
  };
}

export function commitmentsTabular(r: CommitmentsReport, ref: ReferenceData): Tabular {
  const quotaColumns: Column[] = r.quota_kinds.map((k) => ({
    key: k.code,
    label_zh: `${k.name_zh}（${k.unit_zh}）`,
    label_en: `${k.code} (${k.unit})`,
    kind: "indicator",
  }));
  const name = (code: string) => ref.jurisdiction(code)?.name_zh ?? code;
  const ORIGIN_ZH = { relocated: "迁入 relocated", new: "新引进 new", local: "本地 local" } as const;
  return {
    title_zh: `${r.year}年度约束性指标承担表`,
    title_en: `Constraint-indicator commitments ${r.year}`,
    subtitle:
      "迁入项目由迁出地自带指标，新引进项目由引进方承担，本地项目由东道方承担 (annual quotas of projects in operation in the year)",
    sections: [
      {
        title_zh: "按承担方和园区",
        title_en: "By jurisdiction and park",
        columns: [
          { key: "jurisdiction", label_zh: "承担方", label_en: "Provided by" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "projects", label_zh: "项目数", label_en: "Projects", kind: "count" },
          ...quotaColumns,
        ],
        rows: r.commitments.map((c) => ({
          jurisdiction: `${name(c.jurisdiction)} (${c.jurisdiction})`,
          park: c.park,
          projects: c.projects,
          ...c.quotas,
        })),
      },
      {
        title_zh: "按承担方合计",
        title_en: "Totals by jurisdiction",
        columns: [
          { key: "jurisdiction", label_zh: "承担方", label_en: "Provided by" },
          { key: "projects", label_zh: "项目数", label_en: "Projects", kind: "count" },
          ...quotaColumns,
        ],
        rows: r.totals.map((t) => ({
          jurisdiction: `${name(t.jurisdiction)} (${t.jurisdiction})`,
          projects: t.projects,
          ...t.quotas,
        })),
      },
      {
        title_zh: "项目明细",
        title_en: "Projects",
        columns: [
          { key: "project_no", label_zh: "项目编号", label_en: "Project" },
          { key: "name", label_zh: "项目名称", label_en: "Name" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "origin", label_zh: "来源", label_en: "Origin" },
          { key: "charged_to", label_zh: "承担方", label_en: "Provided by" },
          { key: "start_on", label_zh: "起始", label_en: "From" },
          { key: "end_on", label_zh: "终止", label_en: "To" },
          ...quotaColumns,
        ],
        rows: r.projects.map((p) => ({
          project_no: p.project_no,
          name: p.name,
          park: p.park,
          origin: `${ORIGIN_ZH[p.origin]}${p.introduced_by !== null ? ` ← ${p.introduced_by}` : ""}`,
          charged_to: p.charged_to,
          start_on: p.start_on,
          end_on: p.end_on,
          ...Object.fromEntries(r.quota_kinds.map((k) => [k.code, p.quotas[k.code] ?? null])),
        })),
      },
    ],
    notes:
      r.projects_not_listed > 0
        ? [
            `${r.projects_not_listed} 个项目在其他园区，未列明细 project(s) behind these figures are in other parks and not listed`,
          ]
        : [],
  };
}
