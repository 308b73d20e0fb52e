// The `report …` and `trace …` commands, made from the registry of reports (src/operations/reports.ts):
// each parameter becomes an option (`operator_share` → `--operator-share`), required unless it is
// optional or has a default, with the choices of an enum; the same schema that parses an HTTP query
// parses the options, and the command line sees the full view.

import { Command, Option } from "commander";
import { z } from "zod";
import { REPORTS, type ReportOperation } from "../operations/reports.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import type { Database } from "../db/database.js";
import { ReferenceData } from "../repositories/reference.js";
import { emit, FORMATS, JSON_INDENT_ITEMS_MAX, UsageError, type Format, type Io } from "./output.js";

const GROUPS = {
  report: "statements and exports (--format table|json|csv|xlsx, --out FILE)",
  trace: "the journal entries and source rows behind a report figure (追溯), adding up to it",
} as const;

const option = (field: string) => `--${field.replace(/_/g, "-")}`;

/** Adds every report and trace of the registry to `program`. */
export function addReportCommands(program: Command, io: Io, database: () => Promise<Database>): void {
  for (const group of ["report", "trace"] as const) {
    const parent = program.command(group).description(GROUPS[group]);
    for (const op of REPORTS.filter((r) => r.group === group)) addReport(parent, op, io, database);
  }
}

function addReport(parent: Command, op: ReportOperation, io: Io, database: () => Promise<Database>): void {
  const command = parent.command(op.name).description(op.summary);
  for (const [field, schema] of Object.entries(op.params.shape) as [string, z.ZodType][]) {
    const o = new Option(`${option(field)} <${field}>`, op.help[field] ?? "");
    const inner = schema instanceof z.ZodDefault || schema instanceof z.ZodOptional ? schema.unwrap() : schema;
    if (inner instanceof z.ZodEnum) o.choices(inner.options.map(String));
    if (schema instanceof z.ZodDefault) o.default(schema.def.defaultValue);
    if (!schema.isOptional()) o.makeOptionMandatory();
    command.addOption(o);
  }
  command
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .addOption(new Option("--out <file>", "write to FILE instead of stdout"))
    .action(async (given: Record<string, unknown> & { format: Format; out?: string }) => {
      const params = parseOptions(op, given);
      const d = await database();
      const answer = await op.run({ knex: d.knex, ref: await ReferenceData.load(d.knex), viewer: FULL_VIEW }, params);
      await emit(io, given.format, given.out, answer.json, answer.tabular, {
        compact: (answer.items ?? 0) > JSON_INDENT_ITEMS_MAX,
      });
    });
}

/** The options as the report's parameters (snake_case, parsed by its schema); a bad one names its option. */
function parseOptions(op: ReportOperation, given: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of Object.keys(op.params.shape)) {
    const camel = field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (given[camel] !== undefined) values[field] = given[camel];
  }
  const parsed = op.params.safeParse(values);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const field = String(first.path[0] ?? "");
    throw new UsageError(`${option(field)}: ${JSON.stringify(String(values[field] ?? ""))}: ${first.message}`);
  }
  return parsed.data as Record<string, unknown>;
}
