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

/** The sample year's projects: relocated from, or attracted by, each party, and the host's own. */
export function demoProjects(year: number): string {
  const rows: string[][] = [
    [
      "XM-BZ-001",
      "兵团煤制烯烃迁建项目",
      "BZ",
      "relocated",
      "bingtuan",
      `${year - 2}-06-01`,
      "",
      "420000",
      "1180000",
      "96.5",
      "152.3",
      "18.2",
      "2.1",
    ],
    [
      "XM-BZ-002",
      "兵团硅基新材料项目",
      "BZ",
      "new",
      "bingtuan",
      `${year}-04-01`,
      "",
      "86000",
      "213000",
      "12.4",
      "20.8",
      "3.5",
      "0.4",
    ],
    [
      "XM-BZ-003",
      "乌鲁木齐迁入铝深加工项目",
      "BZ",
      "relocated",
      "urumqi",
      `${year - 1}-09-01`,
      "",
      "52000",
      "131000",
      "8.1",
      "11.6",
      "2.2",
      "0.3",
    ],
    [
      "XM-WZ-001",
      "乌鲁木齐煤电一体化迁建项目",
      "WZ",
      "relocated",
      "urumqi",
      `${year - 3}-03-01`,
      "",
      "610000",
      "1720000",
      "210.0",
      "265.5",
      "22.0",
      "2.6",
    ],
    [
      "XM-WZ-002",
      "乌鲁木齐新能源装备项目",
      "WZ",
      "new",
      "urumqi",
      `${year}-07-01`,
      "",
      "21000",
      "52000",
      "1.2",
      "3.4",
      "0.8",
      "0.1",
    ],
    [
      "XM-WZ-003",
      "州引进精细化工项目",
      "WZ",
      "new",
      "prefecture",
      `${year - 1}-01-01`,
      "",
      "47000",
      "118000",
      "6.3",
      "9.9",
      "4.1",
      "0.5",
    ],
    [
      "XM-ZD-001",
      "准东煤化工示范项目",
      "ZD",
      "local",
      "",
      `${year - 5}-01-01`,
      "",
      "1250000",
      "3400000",
      "380.0",
      "455.0",
      "41.0",
      "4.8",
    ],
    [
      "XM-ZD-002",
      "准东老旧电厂（已关停）",
      "ZD",
      "local",
      "",
      `${year - 10}-01-01`,
      `${year - 1}-12-31`,
      "300000",
      "820000",
      "150.0",
      "170.0",
      "9.0",
      "1.0",
    ],
  ];
  return [PROJECT_COLUMNS.join(","), ...rows.map((r) => r.join(","))].join("\n") + "\n";
}
