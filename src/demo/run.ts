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
import { settlementFigures, settlementStatement, settlementTabular } from "../../reports/settlement.js";
import { suspenseReport } from "../../reports/suspense.js";
import { trialBalance } from "../../reports/trial-balance.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import { renderTable } from "../../reports/render.js";
import { progressReporter, toJson, type Format, type Io } from "../cli/output.js";
import { demoEnterprises, demoReceipts, enterprisesCsv, receiptsCsvLines } from "./generate.js";
import { demoIndicators, demoProjects } from "./indicators.js";
import { importProjects } from "../import/projects.js";
import { importIndicators } from "../import/indicators.js";
import { indicatorsReport } from "../../reports/indicators.js";

export interface DemoRun {
  year: number;
  seed: number;
  receipts: number;
  enterprises: number;
  dir: string;
  format: Format;
}

/** The mid-year change the demo shows: a revised sharing rule for WZ from 1 July. */
const MID_YEAR_CHANGE = { park: "WZ", operator_share: "75", month: "07", note: "示例：乌准园区分成细则修订 (demo)" };

export async function runDemo(db: Database, io: Io, run: DemoRun): Promise<void> {
  fs.mkdirSync(run.dir, { recursive: true });
  const opts = { year: run.year, seed: run.seed, enterprises: run.enterprises, receipts: run.receipts };
  const say = (line: string) => io.stderr.write(line + "\n");
  say(`demo: sample year ${run.year} (seed ${run.seed}) into ${db.location}`);

  const registry = demoEnterprises(opts);
  const enterprisesFile = path.join(run.dir, `enterprises-${run.year}.csv`);
  fs.writeFileSync(enterprisesFile, enterprisesCsv(registry));
  const receiptsFile = path.join(run.dir, `receipts-${run.year}.csv`);
  await writeLines(receiptsFile, receiptsCsvLines(demoReceipts(opts, registry)));
  say(`demo: wrote ${enterprisesFile} and ${receiptsFile}`);

  const e = await importEnterprises(db, enterprisesFile);
  say(
    `demo: enterprises ${e.already_imported ? "already imported" : `${e.new_stays} stays of ${e.enterprises} enterprises`}`,
  );

  const from = `${run.year}-${MID_YEAR_CHANGE.month}-01`;
  const ref = await ReferenceData.load(db.knex);
  if (!ref.agreements(MID_YEAR_CHANGE.park).some((a) => a.effective_from === from)) {
    await setAgreement(db, {
      park: MID_YEAR_CHANGE.park,
      operator_share: MID_YEAR_CHANGE.operator_share,
      from,
      note: MID_YEAR_CHANGE.note,
    });
    say(`demo: agreement ${MID_YEAR_CHANGE.park} operator share ${MID_YEAR_CHANGE.operator_share}% from ${from}`);
  }

  const progress = progressReporter(io, "demo receipts");
  const r = await importReceipts(db, receiptsFile, { onProgress: progress.update });
  progress.stop();
  say(
    r.already_imported
      ? "demo: receipts already imported"
      : `demo: ${r.receipts} receipts, ${r.refunds} refunds, ${r.suspense} held in suspense (${r.rows} rows)`,
  );

  // indicator reports through the last month begun, then a later file revising a few of them
  const now = new Date();
  const through = run.year < now.getUTCFullYear() ? 12 : run.year === now.getUTCFullYear() ? now.getUTCMonth() + 1 : 0;
  if (through >= 2) {
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

  const projectsFile = path.join(run.dir, `projects-${run.year}.csv`);
  fs.writeFileSync(projectsFile, demoProjects(run.year));
  const p = await importProjects(db, projectsFile);
  say(p.already_imported ? "demo: projects already imported" : `demo: ${p.new_projects} projects with their quotas`);

  // quarterly interim transfers: 20 % of the year's operator share, rounded down to 10,000 yuan
  const reference = await ReferenceData.load(db.knex);
  for (const operator of reference.operators) {
    const share = (await settlementFigures(db.knex, reference, run.year, operator)).totals.operator_share_fen;
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
        on: `${run.year}-${day}`,
        ref: `DEMO-${run.year}-${q}-${operator}`,
      });
    }
  }

  const statements = [];
  for (const operator of reference.operators)
    statements.push(await settlementStatement(db.knex, reference, run.year, operator));
  const balances = [];
  for (const j of reference.jurisdictions) balances.push(await trialBalance(db.knex, reference, run.year, j.code));
  const suspense = await suspenseReport(db.knex, run.year, FULL_VIEW);
  const indicators = [];
  for (const park of reference.parks) indicators.push(await indicatorsReport(db.knex, reference, run.year, park.code));

  if (run.format === "json") {
    io.stdout.write(
      toJson({ year: run.year, settlements: statements, indicators, trial_balances: balances, suspense }),
    );
    return;
  }
  for (const s of statements) io.stdout.write(renderTable(settlementTabular(s, reference)) + "\n");
  io.stdout.write(
    renderTable({
      title_zh: `${run.year}年度指标统计与考核归属汇总`,
      title_en: `Indicators ${run.year}: statistical and assessment views`,
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
              assessed_host: r.operator === r.host ? null : (line.assessment[r.host] ?? null),
              through: line.through,
            })),
          ),
        },
      ],
    }) + "\n",
  );
  io.stdout.write(
    renderTable({
      title_zh: `${run.year}年度试算平衡`,
      title_en: `Trial balances ${run.year}`,
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
            balanced: b.balanced && b.indicator_books.every((books) => books.balanced) ? "✓ yes" : "✗ NO",
          })),
        },
      ],
      notes: [
        `待查 Held in suspense: ${suspense.count} receipts, ${formatYuanGrouped(parseYuan(suspense.total_held)!)} (parkledger report suspense --year ${run.year})`,
        `Next: parkledger report settlement --year ${run.year} --operator bingtuan --format xlsx --out settlement.xlsx`,
        `      parkledger report indicators --year ${run.year} --park WZ; parkledger report commitments --year ${run.year}`,
      ],
    }),
  );
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
