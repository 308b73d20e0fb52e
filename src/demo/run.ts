// `parkledger demo`: the main job on a fresh machine. It writes a deterministic sample year as the
// CSV files a treasury would export, loads them through the same imports a user runs, changes an
// agreement mid-year, records the interim transfers, loads the indicator reports and a revision, and
// prints both settlement statements, the indicator views, the trial balances and what is in suspense. Running it again changes nothing.

import fs from "node:fs";
import path from "node:path";
import { formatYuan, formatYuanGrouped, parseYuan } from "../../ledger/money.js";
import type { Database } from "../db/database.js";
import { importEnterprises } from "../import/enterprises.js";
import { importReceipts } from "../import/receipts.js";
import { ReferenceData } from "../repositories/reference.js";
import { setAgreement } from "../services/agreements.js";
import { recordTransfer } from "../services/transfers.js";
import { issueStatement } from "../services/statements.js";
import {
  settlementFigures,
  settlementStatement,
  settlementTabular,
  type SettlementStatement,
} from "../../reports/settlement.js";
import { suspenseReport, type SuspenseReport } from "../../reports/suspense.js";
import { trialBalance, type TrialBalance } from "../../reports/trial-balance.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import { renderTable, type Tabular } from "../../reports/render.js";
import { progressReporter, terminalWidth, toJson, type Format, type Io } from "../cli/output.js";
import { demoEnterprises, demoReceipts, enterprisesCsv, receiptsCsvLines, type DemoOptions } from "./generate.js";
import { demoIndicators, demoProjects } from "./indicators.js";
import { demoTreasuryFile, demoTreasuryRows } from "./treasury.js";
import { importProjects } from "../import/projects.js";
import { importIndicators } from "../import/indicators.js";
import { indicatorsReport, type IndicatorsReport } from "../../reports/indicators.js";
import { reconciliation } from "../../reports/reconciliation.js";
import { importStatements } from "../import/statements.js";
import { addUser, listUsers } from "../repositories/users.js";

export interface DemoRun {
  year: number;
  seed: number;
  receipts: number;
  enterprises: number;
  dir: string;
  format: Format;
  /** How the user runs a command on the books the demo filled (`parkledger`, with their location when its own). */
  command?: string;
  /**
   * Whether to add the sign-in users of every party with the published demo password: only into books
   * of the demo's own (never into books used for real, where anyone could then sign in as any party).
   */
  users?: boolean;
}

/** The mid-year change the demo shows: a revised sharing rule for WZ from 1 July. */
const MID_YEAR_CHANGE = { park: "WZ", operator_share: "75", month: "07", note: "示例：乌准园区分成细则修订 (demo)" };

/** Progress lines go to stderr so that stdout carries only the reports. */
type Say = (line: string) => void;

/** What the demo prints, computed once the whole year is loaded. */
interface DemoReports {
  reference: ReferenceData;
  statements: SettlementStatement[];
  balances: TrialBalance[];
  suspense: SuspenseReport;
  indicators: IndicatorsReport[];
}

export async function runDemo(db: Database, io: Io, run: DemoRun): Promise<void> {
  fs.mkdirSync(run.dir, { recursive: true });
  const say: Say = (line) => io.stderr.write(line + "\n");
  say(`demo: sample year ${run.year} (seed ${run.seed}) into ${db.location}`);

  const { enterprisesFile, receiptsFile, treasuryFile } = await writeSampleFiles(run);
  say(`demo: wrote ${enterprisesFile} and ${receiptsFile}`);
  await loadEnterprises(db, enterprisesFile, say);
  await changeAgreementMidYear(db, run.year, say);
  await loadReceipts(db, io, receiptsFile, say);
  if (treasuryFile !== null) await loadTreasuryExport(db, treasuryFile, say);
  await loadIndicatorReports(db, run, say);
  await loadProjects(db, run, say);

  // read again after the imports: the statements must split by the mid-year agreement set above
  const reference = await ReferenceData.load(db.knex);
  await recordInterimTransfers(db, reference, run.year);
  await loadOperatorStatements(db, reference, run, say);
  if (run.users !== false) await addDemoUsers(db, reference, say);
  await issueStatements(db, reference, run.year, say);
  const reports = await yearReports(db, reference, run.year);

  if (run.format === "json") {
    io.stdout.write(
      toJson({
        year: run.year,
        settlements: reports.statements,
        indicators: reports.indicators,
        trial_balances: reports.balances,
        suspense: reports.suspense,
      }),
    );
    return;
  }
  const fit = { width: terminalWidth(io) };
  for (const s of reports.statements) io.stdout.write((await renderTable(settlementTabular(s, reference), fit)) + "\n");
  io.stdout.write((await renderTable(indicatorsSummaryTabular(run.year, reports.indicators), fit)) + "\n");
  io.stdout.write(await renderTable(trialBalancesTabular(run.year, reports, run.command), fit));
}

/** The enterprise registry and the year's receipts, as the treasury's export files. */
async function writeSampleFiles(
  run: DemoRun,
): Promise<{ enterprisesFile: string; receiptsFile: string; treasuryFile: string | null }> {
  const opts: DemoOptions = { year: run.year, seed: run.seed, enterprises: run.enterprises, receipts: run.receipts };
  const registry = demoEnterprises(opts);
  const enterprisesFile = path.join(run.dir, `enterprises-${run.year}.csv`);
  fs.writeFileSync(enterprisesFile, enterprisesCsv(registry));
  const receiptsFile = path.join(run.dir, `receipts-${run.year}.csv`);
  await writeLines(receiptsFile, receiptsCsvLines(demoReceipts(opts, registry)));
  const treasuryRows = demoTreasuryRows(registry, run.year);
  if (treasuryRows.length === 0) return { enterprisesFile, receiptsFile, treasuryFile: null };
  const treasuryFile = path.join(run.dir, `treasury-${run.year}.csv`);
  fs.writeFileSync(treasuryFile, demoTreasuryFile(treasuryRows));
  return { enterprisesFile, receiptsFile, treasuryFile };
}

async function loadEnterprises(db: Database, file: string, say: Say): Promise<void> {
  const e = await importEnterprises(db, file);
  say(
    `demo: enterprises ${e.already_imported ? "already imported" : `${e.new_stays} stays of ${e.enterprises} enterprises`}`,
  );
}

/** Sets the mid-year agreement unless a previous run already did, so that a second run changes nothing. */
async function changeAgreementMidYear(db: Database, year: number, say: Say): Promise<void> {
  const from = `${year}-${MID_YEAR_CHANGE.month}-01`;
  const ref = await ReferenceData.load(db.knex);
  if (ref.agreements(MID_YEAR_CHANGE.park).some((a) => a.effective_from === from)) return;
  await setAgreement(db, {
    park: MID_YEAR_CHANGE.park,
    operator_share: MID_YEAR_CHANGE.operator_share,
    from,
    note: MID_YEAR_CHANGE.note,
  });
  say(`demo: agreement ${MID_YEAR_CHANGE.park} operator share ${MID_YEAR_CHANGE.operator_share}% from ${from}`);
}

async function loadReceipts(db: Database, io: Io, file: string, say: Say): Promise<void> {
  const progress = progressReporter(io, "demo receipts");
  const r = await importReceipts(db, file, { onProgress: progress.update });
  progress.stop();
  say(
    r.already_imported
      ? "demo: receipts already imported"
      : `demo: ${r.receipts} receipts, ${r.refunds} refunds, ${r.suspense} held in suspense (${r.rows} rows)`,
  );
}

/** The treasury's own export: levels, 7-digit codes and every kind of negative flow (src/demo/treasury.ts). */
async function loadTreasuryExport(db: Database, file: string, say: Say): Promise<void> {
  const r = await importReceipts(db, file);
  say(
    r.already_imported
      ? `demo: ${path.basename(file)} already imported`
      : `demo: ${path.basename(file)} (treasury layout, ${r.encoding}): ${r.receipts} receipts, ${r.refunds} refunds and adjustments`,
  );
}

/** The last month of `year` begun today: 12 for a past year, 0 for a future one. */
function monthsBegun(year: number, now: Date): number {
  if (year < now.getUTCFullYear()) return 12;
  return year === now.getUTCFullYear() ? now.getUTCMonth() + 1 : 0;
}

/** Indicator reports through the last month begun, then a later file revising a few of them. */
async function loadIndicatorReports(db: Database, run: DemoRun, say: Say): Promise<void> {
  const through = monthsBegun(run.year, new Date());
  // the first report is the combined 1–2月 one, so before February there is nothing to load
  if (through < 2) return;
  const files = demoIndicators(run.year, run.seed, through);
  for (const [name, text] of [
    [`indicators-${run.year}.csv`, files.reports],
    [`indicators-${run.year}-revised.csv`, files.revisions],
  ] as const) {
    const file = path.join(run.dir, name);
    fs.writeFileSync(file, text);
    const i = await importIndicators(db, file);
    say(
      i.already_imported
        ? `demo: ${name} already imported`
        : `demo: ${name}: ${i.new_reports} reports, ${i.revisions} revisions, ${i.entries_posted} attribution entries`,
    );
  }
}

async function loadProjects(db: Database, run: DemoRun, say: Say): Promise<void> {
  const projectsFile = path.join(run.dir, `projects-${run.year}.csv`);
  fs.writeFileSync(projectsFile, demoProjects(run.year));
  const p = await importProjects(db, projectsFile);
  say(p.already_imported ? "demo: projects already imported" : `demo: ${p.new_projects} projects with their quotas`);
}

/**
 * Each operator's own record of its park's receipts (its statement, 对账单), derived from the
 * prefecture's books so that reconciliation has something to do: most rows agree, a few are missing,
 * a few carry another amount, and a few are recorded under another number a day later (probable
 * counterparts for a person to confirm or reject). Deterministic: a second run writes the same file,
 * which is already imported.
 */
async function loadOperatorStatements(db: Database, reference: ReferenceData, run: DemoRun, say: Say): Promise<void> {
  for (const operator of reference.operators) {
    const r = await reconciliation(db.knex, reference, run.year, operator, FULL_VIEW);
    const rows = r.items
      .filter((i) => i.prefecture_amount !== null)
      .sort((a, b) => (a.receipt_no < b.receipt_no ? -1 : a.receipt_no > b.receipt_no ? 1 : 0));
    if (rows.length === 0) continue;
    const lines = ["receipt_no,uscc,tax_code,collected_on,amount"];
    rows.forEach((item, i) => {
      if (i % 97 === 3) return; // the operator has not recorded it
      let receipt_no = item.receipt_no;
      let amount = item.prefecture_amount!;
      let on = item.collected_on;
      if (i % 89 === 5) amount = bumpYuan(amount); // another amount under the same number
      if (i % 83 === 7) {
        receipt_no = `${operator.toUpperCase()}-${item.receipt_no}`; // its own number, entered a day later
        on = nextDay(on);
      }
      lines.push([receipt_no, item.uscc, item.tax_code, on, amount].join(","));
    });
    const file = path.join(run.dir, `statement-${operator}-${run.year}.csv`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const s = await importStatements(db, operator, file);
    say(
      s.already_imported
        ? `demo: ${path.basename(file)} already imported`
        : `demo: ${path.basename(file)}: ${s.new_rows} rows of ${operator}'s own statement`,
    );
  }
}

/** 100 yuan more, as an operator's typing error would be (string arithmetic in fen, never a float). */
function bumpYuan(amount: string): string {
  return formatYuan(parseYuan(amount)! + 10_000n);
}

function nextDay(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The password of every demo user: the sample books only, printed by the demo. */
export const DEMO_PASSWORD = "parkledger-demo";

/** The people who sign in to the demo's books: each party's finance department, statistics, the auditors. */
export function demoUsers(reference: ReferenceData): { name: string; party: string; role: string }[] {
  const finance = [...new Set([...reference.parks.map((p) => p.host), ...reference.operators])].sort();
  return [
    ...finance.map((party) => ({ name: party, party, role: "finance" })),
    { name: "statistics", party: "statistics", role: "statistics" },
    { name: "auditor", party: "auditor", role: "auditor" },
  ];
}

/** Adds the demo's users that are not there yet. */
async function addDemoUsers(db: Database, reference: ReferenceData, say: Say): Promise<void> {
  const existing = new Set((await listUsers(db.knex)).map((u) => u.name));
  const added: string[] = [];
  for (const u of demoUsers(reference)) {
    if (existing.has(u.name)) continue;
    await addUser(db.knex, { ...u, password: DEMO_PASSWORD });
    added.push(u.name);
  }
  if (added.length > 0) say(`demo: users ${added.join(", ")} (password ${DEMO_PASSWORD})`);
}

/**
 * The prefecture issues each operator park's settlement statement of the year (结算单), for the operator
 * to confirm or dispute (`statement confirm`, or the workspace's 结算单 page); unchanged books on a second
 * run answer the same statement.
 */
async function issueStatements(db: Database, reference: ReferenceData, year: number, say: Say): Promise<void> {
  for (const park of reference.parks.filter((p) => p.operator !== p.host)) {
    const { statement, replayed } = await issueStatement(db, { operator: park.operator, park: park.code, year });
    if (!replayed) say(`demo: statement ${statement.number} issued for ${park.operator} to confirm`);
  }
}

/** Quarterly interim transfers: 20 % of the year's operator share, rounded down to 10,000 yuan. */
async function recordInterimTransfers(db: Database, reference: ReferenceData, year: number): Promise<void> {
  for (const operator of reference.operators) {
    const share = (await settlementFigures(db.knex, reference, year, operator)).totals.operator_share_fen;
    const quarter = (share / 5n / 1_000_000n) * 1_000_000n;
    if (quarter <= 0n) continue;
    for (const [q, day] of [
      ["Q1", "04-10"],
      ["Q2", "07-10"],
      ["Q3", "10-10"],
    ] as const) {
      await recordTransfer(db, {
        operator,
        amount: formatYuan(quarter),
        on: `${year}-${day}`,
        // the reference makes a second run's transfers duplicates, which are not booked again
        ref: `DEMO-${year}-${q}-${operator}`,
      });
    }
  }
}

async function yearReports(db: Database, reference: ReferenceData, year: number): Promise<DemoReports> {
  const statements = [];
  for (const operator of reference.operators)
    statements.push(await settlementStatement(db.knex, reference, year, operator));
  const balances = [];
  for (const j of reference.jurisdictions) balances.push(await trialBalance(db.knex, reference, year, j.code));
  const suspense = await suspenseReport(db.knex, year, FULL_VIEW);
  const indicators = [];
  for (const park of reference.parks) indicators.push(await indicatorsReport(db.knex, reference, year, park.code));
  return { reference, statements, balances, suspense, indicators };
}

/** Every park's indicators on one page; `report indicators --park` shows one park's months. */
function indicatorsSummaryTabular(year: number, indicators: IndicatorsReport[]): Tabular {
  return {
    title_zh: `${year}年度指标统计与考核归属汇总`,
    title_en: `Indicators ${year}: statistical and assessment views`,
    subtitle:
      "统计口径 100% 运营方; 考核口径按每月1日有效的分成比例 (parkledger report indicators --park P for the months)",
    sections: [
      {
        columns: [
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "indicator", label_zh: "指标", label_en: "Indicator" },
          { key: "unit", label_zh: "单位", label_en: "Unit" },
          { key: "total", label_zh: "全年数", label_en: "Year", kind: "indicator" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "assessed_operator", label_zh: "考核口径·运营方", label_en: "Assessed operator", kind: "indicator" },
          { key: "assessed_host", label_zh: "考核口径·州", label_en: "Assessed prefecture", kind: "indicator" },
          { key: "through", label_zh: "截至", label_en: "Through" },
        ],
        rows: indicators.flatMap((r) =>
          r.indicators.map((line) => ({
            park: r.park,
            indicator: `${line.indicator} ${line.name_zh}`,
            unit: line.unit_zh,
            total: line.total,
            operator: r.operator,
            assessed_operator: line.assessment[r.operator] ?? null,
            // a park its host runs has one party, already shown as the operator
            assessed_host: r.operator === r.host ? null : (line.assessment[r.host] ?? null),
            through: line.through,
          })),
        ),
      },
    ],
  };
}

/** One line per set of books, then what is in suspense and the commands to look further. */
function trialBalancesTabular(year: number, reports: DemoReports, p = "parkledger"): Tabular {
  const { reference, balances, suspense } = reports;
  return {
    title_zh: `${year}年度试算平衡`,
    title_en: `Trial balances ${year}`,
    sections: [
      {
        columns: [
          { key: "jurisdiction", label_zh: "账簿", label_en: "Books" },
          { key: "debit", label_zh: "本期借方", label_en: "Debits", kind: "money" },
          { key: "credit", label_zh: "本期贷方", label_en: "Credits", kind: "money" },
          { key: "difference", label_zh: "差额", label_en: "Difference", kind: "money" },
          { key: "balanced", label_zh: "平衡", label_en: "Balanced" },
        ],
        rows: balances.map((b) => ({
          jurisdiction: `${reference.jurisdiction(b.jurisdiction)?.name_zh ?? b.jurisdiction} (${b.jurisdiction})`,
          debit: b.totals.debit,
          credit: b.totals.credit,
          difference: b.difference,
          // a jurisdiction balances only when its money books and every indicator's books do
          balanced: b.balanced && b.indicator_books.every((books) => books.balanced) ? "✓ yes" : "✗ NO",
        })),
      },
    ],
    notes: [
      `待查 Held in suspense: ${suspense.count} receipts, ${formatYuanGrouped(parseYuan(suspense.total_held)!)} (${p} report suspense --year ${year})`,
      `Next: ${p} report settlement --year ${year} --operator bingtuan --format xlsx --out settlement.xlsx`,
      `      ${p} report indicators --year ${year} --park WZ; ${p} report commitments --year ${year}`,
    ],
  };
}

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = fs.createWriteStream(file);
  let chunk: string[] = [];
  for (const line of lines) {
    chunk.push(line);
    if (chunk.length >= 10_000) {
      if (!out.write(chunk.join(""))) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = [];
    }
  }
  out.write(chunk.join(""));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
