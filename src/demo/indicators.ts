// The sample year's indicator reports (指标月报): each park's year-to-date figures from the combined
// January–February report (1–2月) to December (or the last month begun), and a later file revising a
// few of them, as statistics bureaus do. Generated from the seed with integer arithmetic only.

import { formatQuantity, type Units } from "../../ledger/indicators.js";
import { Rng } from "./prng.js";

/** A park's year in whole units of each indicator (万元; FDI 万美元), before monthly noise. */
const ANNUAL: Record<string, Record<string, number>> = {
  BZ: { GDP: 862_000, GIOV: 2_410_000, FAI: 518_000, TRADE: 38_600, FDI: 1_260 },
  WZ: { GDP: 534_000, GIOV: 1_487_000, FAI: 366_000, TRADE: 21_900, FDI: 730 },
  ZD: { GDP: 4_350_000, GIOV: 11_900_000, FAI: 2_640_000, TRADE: 171_000, FDI: 5_400 },
};

/** Seasonal weights of each month (January–December): construction stops in the northern winter. */
const SEASON = [5, 6, 8, 9, 10, 10, 10, 10, 9, 9, 7, 7];

export const INDICATOR_COLUMNS = ["park", "indicator", "month", "value", "basis"] as const;

export interface DemoIndicatorFiles {
  /** The monthly reports: header line, then rows. */
  reports: string;
  /** A later file revising some of them. */
  revisions: string;
}

/** Reports through month `through` (1–12) of `year`; none for January, which the 1–2月 report covers. */
export function demoIndicators(year: number, seed: number, through: number): DemoIndicatorFiles {
  const rng = new Rng(seed, 7);
  const header = INDICATOR_COLUMNS.join(",") + "\n";
  let reports = header;
  let revisions = header;
  const seasonTotal = SEASON.reduce((a, b) => a + b, 0);
  for (const [park, annual] of Object.entries(ANNUAL)) {
    for (const [indicator, whole] of Object.entries(annual)) {
      let ytd: Units = 0n;
      for (let month = 1; month <= through; month++) {
        // the month's share of the year, ±15 %, in units of 1/10000
        const base = (BigInt(whole) * 10_000n * BigInt(SEASON[month - 1]!)) / BigInt(seasonTotal);
        ytd += (base * BigInt(850 + rng.below(301))) / 1000n;
        if (month === 1) continue; // reported with February
        const line = `${park},${indicator},${year}-${String(month).padStart(2, "0")},${formatQuantity(ytd)},ytd\n`;
        reports += line;
        // a few figures are revised upward later by up to 2 %
        if (month < through && rng.chance(40)) {
          const revised = ytd + (ytd * BigInt(1 + rng.below(20))) / 1000n;
          revisions += `${park},${indicator},${year}-${String(month).padStart(2, "0")},${formatQuantity(revised)},ytd\n`;
        }
      }
    }
  }
  return { reports, revisions };
}

export const PROJECT_COLUMNS = [
  "project_no",
  "name",
  "park",
  "origin",
  "introduced_by",
  "start_on",
  "end_on",
  "energy_tce",
  "co2_t",
  "so2_t",
  "nox_t",
  "cod_t",
  "nh3n_t",
] as const;

type ProjectColumn = (typeof PROJECT_COLUMNS)[number];

/** A day `years_before` the sample year (`MM-DD`), so the projects keep their age whatever the year. */
interface YearsBefore {
  years_before: number;
  day: string;
}

/** A project as written to the file, its dates relative to the sample year; quotas as the bureau writes them. */
type DemoProject = Omit<Record<ProjectColumn, string>, "start_on" | "end_on"> & {
  start: YearsBefore;
  end: YearsBefore | null;
};

/** The sample year's projects: relocated from, or attracted by, each party, and the host's own. */
const DEMO_PROJECTS: readonly DemoProject[] = [
  {
    project_no: "XM-BZ-001",
    name: "兵团煤制烯烃迁建项目",
    park: "BZ",
    origin: "relocated",
    introduced_by: "bingtuan",
    start: { years_before: 2, day: "06-01" },
    end: null,
    energy_tce: "420000",
    co2_t: "1180000",
    so2_t: "96.5",
    nox_t: "152.3",
    cod_t: "18.2",
    nh3n_t: "2.1",
  },
  {
    project_no: "XM-BZ-002",
    name: "兵团硅基新材料项目",
    park: "BZ",
    origin: "new",
    introduced_by: "bingtuan",
    start: { years_before: 0, day: "04-01" },
    end: null,
    energy_tce: "86000",
    co2_t: "213000",
    so2_t: "12.4",
    nox_t: "20.8",
    cod_t: "3.5",
    nh3n_t: "0.4",
  },
  {
    project_no: "XM-BZ-003",
    name: "乌鲁木齐迁入铝深加工项目",
    park: "BZ",
    origin: "relocated",
    introduced_by: "urumqi",
    start: { years_before: 1, day: "09-01" },
    end: null,
    energy_tce: "52000",
    co2_t: "131000",
    so2_t: "8.1",
    nox_t: "11.6",
    cod_t: "2.2",
    nh3n_t: "0.3",
  },
  {
    project_no: "XM-WZ-001",
    name: "乌鲁木齐煤电一体化迁建项目",
    park: "WZ",
    origin: "relocated",
    introduced_by: "urumqi",
    start: { years_before: 3, day: "03-01" },
    end: null,
    energy_tce: "610000",
    co2_t: "1720000",
    so2_t: "210.0",
    nox_t: "265.5",
    cod_t: "22.0",
    nh3n_t: "2.6",
  },
  {
    project_no: "XM-WZ-002",
    name: "乌鲁木齐新能源装备项目",
    park: "WZ",
    origin: "new",
    introduced_by: "urumqi",
    start: { years_before: 0, day: "07-01" },
    end: null,
    energy_tce: "21000",
    co2_t: "52000",
    so2_t: "1.2",
    nox_t: "3.4",
    cod_t: "0.8",
    nh3n_t: "0.1",
  },
  {
    project_no: "XM-WZ-003",
    name: "州引进精细化工项目",
    park: "WZ",
    origin: "new",
    introduced_by: "prefecture",
    start: { years_before: 1, day: "01-01" },
    end: null,
    energy_tce: "47000",
    co2_t: "118000",
    so2_t: "6.3",
    nox_t: "9.9",
    cod_t: "4.1",
    nh3n_t: "0.5",
  },
  {
    project_no: "XM-ZD-001",
    name: "准东煤化工示范项目",
    park: "ZD",
    origin: "local",
    introduced_by: "",
    start: { years_before: 5, day: "01-01" },
    end: null,
    energy_tce: "1250000",
    co2_t: "3400000",
    so2_t: "380.0",
    nox_t: "455.0",
    cod_t: "41.0",
    nh3n_t: "4.8",
  },
  {
    project_no: "XM-ZD-002",
    name: "准东老旧电厂（已关停）",
    park: "ZD",
    origin: "local",
    introduced_by: "",
    start: { years_before: 10, day: "01-01" },
    end: { years_before: 1, day: "12-31" },
    energy_tce: "300000",
    co2_t: "820000",
    so2_t: "150.0",
    nox_t: "170.0",
    cod_t: "9.0",
    nh3n_t: "1.0",
  },
];

/** The projects file of the sample year, in the columns `import projects` reads. */
export function demoProjects(year: number): string {
  const rows = DEMO_PROJECTS.map((project) => PROJECT_COLUMNS.map((column) => projectCell(project, column, year)));
  return [PROJECT_COLUMNS.join(","), ...rows.map((r) => r.join(","))].join("\n") + "\n";
}

function projectCell(project: DemoProject, column: ProjectColumn, year: number): string {
  if (column === "start_on") return dayOf(project.start, year);
  // a project still running has no end date
  if (column === "end_on") return project.end === null ? "" : dayOf(project.end, year);
  return project[column];
}

function dayOf(date: YearsBefore, year: number): string {
  return `${year - date.years_before}-${date.day}`;
}
