// `import enterprises|receipts|indicators|projects|land|statements FILE`: one command per kind of file,
// each showing its progress on stderr and its summary as a table or JSON.

import path from "node:path";
import { Option, type Command } from "commander";
import type { Database } from "../db/database.js";
import type { Encoding } from "../import/csv.js";
import type { Progress } from "../import/common.js";
import type { CliContext } from "./context.js";
import { emit, formatOption, progressReporter, type Format } from "./output.js";
import { importSummaryTabular } from "./views.js";

type ImportRunner = (
  db: Database,
  file: string,
  options: { encoding: Encoding; onProgress: (p: Progress) => void; scope?: "gross" | "local" },
) => Promise<object>;

// Each importer is loaded by its own command: the readers (csv-parse, iconv-lite, exceljs) and the
// booking engine stay out of every other command's start-up.
const importEnterprises: ImportRunner = async (...a) =>
  (await import("../import/enterprises.js")).importEnterprises(...a);
const importReceipts: ImportRunner = async (...a) => (await import("../import/receipts.js")).importReceipts(...a);
const importIndicators: ImportRunner = async (...a) => (await import("../import/indicators.js")).importIndicators(...a);
const importProjects: ImportRunner = async (...a) => (await import("../import/projects.js")).importProjects(...a);
const importLand: ImportRunner = async (...a) => (await import("../import/land.js")).importLand(...a);

const OPERATOR_HELP = "a party that runs a park, e.g. bingtuan or urumqi (park list)";

export function addImportCommands(program: Command, c: CliContext): void {
  const imp = program.command("import").description("load a CSV file (UTF-8 with or without BOM, or GB18030)");
  const importCommand = (name: string, columns: string, description: string, title: string, run: ImportRunner) =>
    imp
      .command(name)
      .argument("<file>", `CSV: ${columns}`)
      .description(description)
      .addOption(
        new Option("--encoding <encoding>", "file encoding").choices(["auto", "utf8", "gb18030"]).default("auto"),
      )
      .addOption(formatOption(["table", "json"], "summary format"))
      .action(async (file: string, o: { encoding: Encoding; format: Format; scope?: "gross" | "local" }) => {
        const progress = progressReporter(c.io, path.basename(file));
        try {
          const scope = o.scope === undefined ? {} : { scope: o.scope };
          const result = await run(await c.database(), file, {
            encoding: o.encoding,
            onProgress: progress.update,
            ...scope,
          });
          progress.stop();
          await emit(c.io, o.format, undefined, result, () => importSummaryTabular(title, result));
        } finally {
          progress.stop();
        }
      });
  importCommand(
    "enterprises",
    "uscc,name,park,from[,to][,origin][,introduced_by][,bingtuan_flag]",
    "enterprise registry and park membership",
    "企业名录导入 Enterprise registry import",
    importEnterprises,
  );
  importCommand(
    "receipts",
    "receipt_no,uscc,tax_code,collected_on,amount[,scope][,tax_period][,refund_of][,kind][,central,region,prefecture,county] (or the treasury's Chinese headers)",
    "treasury receipts (入库明细), refunds and every kind of negative flow included",
    "入库明细导入 Treasury receipts import",
    importReceipts,
  ).addOption(
    new Option(
      "--scope <scope>",
      "what the amounts of a file without a scope column are: gross (the whole tax) or local (the local portion); no default",
    ).choices(["gross", "local"]),
  );
  importCommand(
    "indicators",
    "park,indicator,month,value[,basis]",
    "indicator reports (指标月报): year-to-date (default) or monthly values per park, indicator and month",
    "指标月报导入 Indicator reports import",
    importIndicators,
  );
  importCommand(
    "projects",
    "project_no,name,park,origin,start_on[,introduced_by][,end_on][,uscc][,energy_tce][,co2_t][,so2_t][,nox_t][,cod_t][,nh3n_t]",
    "projects with their origin and annual carbon and pollutant quotas (约束性指标)",
    "项目及约束性指标导入 Projects and quotas import",
    importProjects,
  );
  importCommand(
    "land",
    "kind,ref,item,amount[,park][,collected_on][,uscc][,project][,basis][,approved_on][,forgone_by]",
    "land and mineral revenue (kind revenue) and the exemptions granted under 新财综〔2022〕48号 (kind exemption)",
    "土地和矿业权收入及减免导入 Land and mineral revenue import",
    importLand,
  );

  imp
    .command("statements")
    .argument("<file>", "CSV: receipt_no,uscc,tax_code,collected_on,amount")
    .description("an operator's own record of its park's receipts, for reconciliation (对账)")
    .requiredOption("--party <party>", OPERATOR_HELP)
    .addOption(
      new Option("--encoding <encoding>", "file encoding").choices(["auto", "utf8", "gb18030"]).default("auto"),
    )
    .addOption(formatOption(["table", "json"], "summary format"))
    .action(async (file: string, o: { party: string; encoding: Encoding; format: Format }) => {
      const progress = progressReporter(c.io, path.basename(file));
      try {
        const { importStatements } = await import("../import/statements.js");
        const result = await importStatements(await c.database(), o.party, file, {
          encoding: o.encoding,
          onProgress: progress.update,
        });
        progress.stop();
        await emit(c.io, o.format, undefined, result, () =>
          importSummaryTabular("运营方对账数据导入 Operator statement import", result),
        );
      } finally {
        progress.stop();
      }
    });
}
