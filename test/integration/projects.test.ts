// Constraint indicators: projects and the carbon and pollutant quotas they need, charged to the party
// that must provide them (the origin of a relocated project, whoever attracted a new one, the host for
// its own), and each jurisdiction's commitments per park and year.

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, uscc, badUscc } from "../support/files.js";

const HEADER = [
  "project_no",
  "name",
  "park",
  "origin",
  "introduced_by",
  "start_on",
  "end_on",
  "uscc",
  "energy_tce",
  "co2_t",
  "so2_t",
  "nox_t",
  "cod_t",
  "nh3n_t",
];
let db: TestDatabase;

async function commitments(year: number, ...filters: string[]) {
  const r = await cli(db, "report", "commitments", "--year", String(year), ...filters, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

beforeAll(async () => {
  db = await testDatabase();
  const file = csvFile([
    HEADER,
    [
      "XM-1",
      "兵团煤化工迁建",
      "BZ",
      "relocated",
      "bingtuan",
      "2024-06-01",
      "",
      uscc(1),
      "1000",
      "3000.5",
      "8.25",
      "",
      "",
      "",
    ],
    ["XM-2", "乌市引进硅材料", "WZ", "new", "urumqi", "2025-03-01", "", "", "500", "900", "2", "3", "", ""],
    ["XM-3", "兵团引进铝材（落在乌准）", "WZ", "new", "bingtuan", "2025-01-01", "", "", "10", "20", "", "", "1", "0.1"],
    ["XM-4", "准东电厂", "ZD", "local", "", "2020-01-01", "2025-06-30", "", "8000", "20000", "30", "40", "5", "0.5"],
    [
      "XM-5",
      "乌市迁入建材（落在兵准）",
      "BZ",
      "relocated",
      "urumqi",
      "2026-01-01",
      "",
      "",
      "100",
      "200",
      "",
      "",
      "",
      "",
    ],
  ]);
  const r = await cli(db, "import", "projects", file, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  expect(r.json()).toMatchObject({ rows: 5, new_projects: 5, changed_projects: 0 });
});
afterAll(async () => db?.drop());

describe(`constraint indicators (${dialectLabel})`, () => {
  it("charges a relocated project's quotas to its origin, a new one's to whoever attracted it, a local one's to the host", async () => {
    const r = await commitments(2025);
    const byProject = Object.fromEntries(r.projects.map((p: { project_no: string }) => [p.project_no, p]));
    expect(byProject["XM-1"]).toMatchObject({ charged_to: "bingtuan", origin: "relocated", introduced_by: "bingtuan" });
    expect(byProject["XM-2"]).toMatchObject({ charged_to: "urumqi" });
    expect(byProject["XM-3"]).toMatchObject({ charged_to: "bingtuan", park: "WZ" });
    expect(byProject["XM-4"]).toMatchObject({ charged_to: "prefecture" });
    expect(byProject["XM-5"]).toBeUndefined(); // starts in 2026
    expect(r.commitments).toEqual([
      {
        jurisdiction: "bingtuan",
        park: "BZ",
        projects: 1,
        quotas: { ENERGY: "1000.0000", CO2: "3000.5000", SO2: "8.2500", NOX: "0.0000", COD: "0.0000", NH3N: "0.0000" },
      },
      {
        jurisdiction: "bingtuan",
        park: "WZ",
        projects: 1,
        quotas: { ENERGY: "10.0000", CO2: "20.0000", SO2: "0.0000", NOX: "0.0000", COD: "1.0000", NH3N: "0.1000" },
      },
      {
        jurisdiction: "prefecture",
        park: "ZD",
        projects: 1,
        quotas: {
          ENERGY: "8000.0000",
          CO2: "20000.0000",
          SO2: "30.0000",
          NOX: "40.0000",
          COD: "5.0000",
          NH3N: "0.5000",
        },
      },
      {
        jurisdiction: "urumqi",
        park: "WZ",
        projects: 1,
        quotas: { ENERGY: "500.0000", CO2: "900.0000", SO2: "2.0000", NOX: "3.0000", COD: "0.0000", NH3N: "0.0000" },
      },
    ]);
    expect(r.totals.find((t: { jurisdiction: string }) => t.jurisdiction === "bingtuan")).toMatchObject({
      projects: 2,
      quotas: { ENERGY: "1010.0000", CO2: "3020.5000" },
    });
  });

  it("counts a project in every year it operates and in none after it ends", async () => {
    const y2026 = await commitments(2026);
    expect(y2026.projects.map((p: { project_no: string }) => p.project_no).sort()).toEqual([
      "XM-1",
      "XM-2",
      "XM-3",
      "XM-5",
    ]);
    const urumqiInBz = y2026.commitments.find(
      (c: { jurisdiction: string; park: string }) => c.jurisdiction === "urumqi" && c.park === "BZ",
    );
    expect(urumqiInBz).toMatchObject({ projects: 1, quotas: { CO2: "200.0000" } });
    const y2019 = await commitments(2019);
    expect(y2019.projects).toEqual([]);
  });

  it("narrows to one jurisdiction or one park", async () => {
    const bingtuan = await commitments(2025, "--jurisdiction", "bingtuan");
    expect(bingtuan.commitments.map((c: { park: string }) => c.park)).toEqual(["BZ", "WZ"]);
    const wz = await commitments(2025, "--park", "WZ");
    expect(wz.commitments.map((c: { jurisdiction: string }) => c.jurisdiction)).toEqual(["bingtuan", "urumqi"]);
    const bad = await cli(db, "report", "commitments", "--year", "2025", "--jurisdiction", "nowhere");
    expect(bad.code).toBe(2);
  });

  it("records a changed project as a new version beside the old, and reports the latest", async () => {
    const changed = csvFile([
      HEADER,
      ["XM-2", "乌市引进硅材料（扩建）", "WZ", "new", "urumqi", "2025-03-01", "", "", "800", "1500", "2", "3", "", ""],
      [
        "XM-1",
        "兵团煤化工迁建",
        "BZ",
        "relocated",
        "bingtuan",
        "2024-06-01",
        "",
        uscc(1),
        "1000",
        "3000.5",
        "8.25",
        "",
        "",
        "",
      ],
    ]);
    const r = await cli(db, "import", "projects", changed, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ new_projects: 0, changed_projects: 1, unchanged_rows: 1 });
    const again = await cli(db, "import", "projects", changed, "--format", "json");
    expect(again.json()).toMatchObject({ already_imported: true });
    const xm2 = (await commitments(2025)).projects.find((p: { project_no: string }) => p.project_no === "XM-2");
    expect(xm2).toMatchObject({
      version: 2,
      name: "乌市引进硅材料（扩建）",
      quotas: { ENERGY: "800.0000", CO2: "1500.0000" },
    });
    const { rows } = await db.knex.raw(`select version from projects where project_no = 'XM-2' order by version`);
    expect(rows.map((x: { version: number }) => Number(x.version))).toEqual([1, 2]);
    await expect(db.knex.raw(`update projects set name = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.knex.raw(`delete from project_quotas`)).rejects.toThrow(/append-only/);
  });

  it("refuses a file with bad rows, names each, and records nothing of it", async () => {
    const before = await commitments(2025);
    const bad = csvFile([
      HEADER,
      ["XM-9", "fine", "BZ", "new", "bingtuan", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-10", "no origin party", "BZ", "relocated", "", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-11", "unknown party", "BZ", "new", "kashgar", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-12", "bad origin", "BZ", "moved", "bingtuan", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-13", "negative", "BZ", "new", "bingtuan", "2025-01-01", "", "", "-1", "", "", "", "", ""],
      ["XM-14", "ends first", "BZ", "new", "bingtuan", "2025-01-01", "2024-01-01", "", "1", "", "", "", "", ""],
      ["XM-15", "bad uscc", "BZ", "new", "bingtuan", "2025-01-01", "", badUscc(3), "1", "", "", "", "", ""],
      ["XM-16", "no park", "QQ", "new", "bingtuan", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-9", "fine but other", "BZ", "new", "bingtuan", "2025-01-01", "", "", "2", "", "", "", "", ""],
      ["XM-17", "local brought by another", "ZD", "local", "urumqi", "2025-01-01", "", "", "1", "", "", "", "", ""],
      ["XM-18", "bad date", "ZD", "local", "", "2025-02-30", "", "", "1", "", "", "", "", ""],
    ]);
    const r = await cli(db, "import", "projects", bad);
    expect(r.code).toBe(2);
    const name = path.basename(bad);
    for (const [row, column, code] of [
      [3, "introduced_by", "introduced_by_required"],
      [4, "introduced_by", "jurisdiction_unknown"],
      [5, "origin", "origin_invalid"],
      [6, "energy_tce", "quantity_invalid"],
      [7, "end_on", "stay_ends_before_it_starts"],
      [8, "uscc", "uscc_check_character"],
      [9, "park", "park_unknown"],
      [10, "project_no", "project_row_repeated"],
      [11, "introduced_by", "jurisdiction_unknown"],
      [12, "start_on", "date_invalid"],
    ] as const) {
      expect(r.stderr).toMatch(new RegExp(`${name}:${row}: column ${column}:.*\\[${code}\\]`));
    }
    expect(r.stderr).not.toContain(`${name}:2:`);
    expect(await commitments(2025)).toEqual(before);
  });

  it("writes the commitments as a table with Chinese labels and as CSV", async () => {
    const table = await cli(db, "report", "commitments", "--year", "2025");
    expect(table.stdout).toContain("约束性指标承担表");
    expect(table.stdout).toContain("迁入 relocated ← bingtuan");
    const csv = await cli(db, "report", "commitments", "--year", "2025", "--format", "csv");
    expect(csv.stdout).toContain("jurisdiction,park,projects,ENERGY,CO2,SO2,NOX,COD,NH3N");
  });
});
