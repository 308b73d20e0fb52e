// The commands made from the registries of operations: every report and trace
// (src/operations/reports.ts) and every write that is a form (src/operations/writes.ts). Each field
// becomes an option (`operator_share` → `--operator-share`), required unless it is optional or has a
// default, with the choices of an enum; the schema the HTTP API parses a request with parses the
// options, so a bad value is refused alike, naming its option here. The command line sees the full view.

import { Command, Option } from "commander";
import { z } from "zod";
import { REPORTS, type ReportOperation } from "../operations/reports.js";
import { WRITES, type WriteOperation } from "../operations/writes.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import type { Database } from "../db/database.js";
import { ReferenceData } from "../repositories/reference.js";
import { currentActor, runAs } from "../repositories/actor.js";
import { authenticate } from "../repositories/tokens.js";
import { emit, formatOption, JSON_INDENT_ITEMS_MAX, widthOption, UsageError, type Format, type Io } from "./output.js";

/** What the command groups are for, where a registry makes the group. */
const GROUPS: Record<string, string> = {
  report: "statements and exports (--format table|json|csv|xlsx, --out FILE)",
  trace: "the journal entries and source rows behind a report figure (追溯), adding up to it",
  agreement: "park sharing agreements (分成比例), by effective date",
  ratio: "central–local ratios of each tax (分税制), by effective date",
  park: "sub-parks (园中园), who runs them and who hosts them",
  statement: "settlement statements (结算单): the prefecture issues and resolves, the operator confirms or disputes",
};

const option = (field: string) => `--${field.replace(/_/g, "-")}`;

/** Adds every report, trace and form-like write of the registries to `program`. */
export function addOperationCommands(
  program: Command,
  io: Io,
  database: () => Promise<Database>,
  /** The reference data a report is made with, read once per command (the names given were checked against it). */
  reference: () => Promise<ReferenceData> = async () => ReferenceData.load((await database()).knex),
): void {
  for (const op of REPORTS)
    addReport(commandFor(program, [op.group, op.name], op.summary), op, io, database, reference);
  for (const op of WRITES) addWrite(commandFor(program, op.command, op.summary), op, io, database);
}

/** The command named by `words`, its groups made (or found, when a hand-written command made them). */
function commandFor(program: Command, words: readonly string[], summary: string): Command {
  let parent = program;
  for (const word of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(GROUPS[word] ?? "");
  }
  // a command that is also a group (`transfer` and `transfer propose`) keeps its own options to itself:
  // what follows the subcommand's name is the subcommand's, and commander asks a group's required
  // options of its subcommands too, so the group's own are checked when it runs (parseOptions)
  if (parent !== program) {
    program.enablePositionalOptions(); // commander reads a group's options as positional only below a program that does
    parent.enablePositionalOptions();
    for (const o of parent.options) o.mandatory = false;
  }
  return parent.command(words.at(-1)!).description(summary);
}

function addReport(
  command: Command,
  op: ReportOperation,
  io: Io,
  database: () => Promise<Database>,
  reference: () => Promise<ReferenceData>,
): void {
  addFieldOptions(command, op.params, op.help);
  command
    .addOption(formatOption())
    .addOption(new Option("--out <file>", "write to FILE instead of stdout"))
    .addOption(widthOption())
    .action(async (given: Record<string, unknown> & { format: Format; out?: string; width?: number }) => {
      const params = parseOptions(op.params, given);
      const d = await database();
      const answer = await op.run({ knex: d.knex, ref: await reference(), viewer: FULL_VIEW }, params);
      if (typeof params.year === "number" && !(await anythingBooked(d, params.year)))
        io.stderr.write(`note: nothing at all is booked in ${params.year} in ${d.location}; the figures are zeros\n`);
      await emit(io, given.format, given.out, answer.json, answer.tabular, {
        compact: (answer.items ?? 0) > JSON_INDENT_ITEMS_MAX,
        width: given.width,
      });
    });
}

/** Whether the books hold any entry of fiscal year `year`: a report of an empty year says so (on stderr). */
async function anythingBooked(d: Database, year: number): Promise<boolean> {
  const { rows } = await d.knex.raw("select exists (select 1 from journal_entries where fiscal_year = ?) as any", [
    year,
  ]);
  return rows[0].any === true;
}

function addWrite(command: Command, op: WriteOperation, io: Io, database: () => Promise<Database>): void {
  addFieldOptions(command, op.body, op.help);
  if (op.party_token === true)
    command.addOption(
      new Option("--token <token>", "the acting party's API token (token create); default PARKLEDGER_TOKEN").env(
        "PARKLEDGER_TOKEN",
      ),
    );
  command
    .addOption(formatOption(["table", "json"]))
    .action(async (given: Record<string, unknown> & { format: Format; token?: string }) => {
      const body = parseOptions(op.body, given);
      const db = await database();
      const answer =
        op.party_token === true && given.token !== undefined
          ? await asTokenParty(db, op, given.token, () => op.run(db, body))
          : await op.run(db, body);
      await emit(io, given.format, undefined, answer.json, answer.tabular);
    });
}

/**
 * Runs a party's own act as the party of `token`, as a request with that token runs (the access rule,
 * then the actor every record names); without a token the command line acts as the prefecture.
 */
async function asTokenParty<T>(db: Database, op: WriteOperation, token: string, run: () => Promise<T>): Promise<T> {
  const principal = await authenticate(db.knex, token.trim());
  if (principal === null) throw new UsageError("--token: not a valid API token (revoked, or mistyped)");
  if (op.allow(principal) !== "allow")
    throw new UsageError(`--token: ${principal.party} (${principal.role}) may not ${op.command.join(" ")}`);
  return runAs(
    {
      posted_by: `${currentActor().posted_by} as ${principal.party}`,
      request_id: null,
      party: principal.party,
      token_id: principal.token_id,
    },
    run,
  );
}

function addFieldOptions(command: Command, schema: z.ZodObject, help: Record<string, string>): void {
  for (const [field, type] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const inner = unwrapped(type);
    // a yes-or-no field is a bare flag: given, it is true
    const o = new Option(
      inner instanceof z.ZodBoolean ? option(field) : `${option(field)} <${field}>`,
      help[field] ?? "",
    );
    if (inner instanceof z.ZodEnum) o.choices(inner.options.map(String));
    if (type instanceof z.ZodDefault) o.default(type.def.defaultValue);
    if (!type.isOptional()) o.makeOptionMandatory();
    command.addOption(o);
  }
}

function unwrapped(type: z.ZodType): z.ZodType {
  return type instanceof z.ZodDefault || type instanceof z.ZodOptional ? unwrapped(type.unwrap() as z.ZodType) : type;
}

/**
 * The options as the operation's fields (snake_case, parsed by its schema): a number field is read
 * from its digits and a list from its commas, as a JSON body would carry them; a bad value names its option.
 */
function parseOptions(schema: z.ZodObject, given: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [field, type] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const value = given[field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];
    if (value === undefined) continue;
    const inner = unwrapped(type);
    values[field] =
      typeof value !== "string"
        ? value
        : inner instanceof z.ZodNumber && /^-?\d+$/.test(value)
          ? Number(value)
          : inner instanceof z.ZodArray
            ? value
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : value;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const field = String(first.path[0] ?? "");
    if (values[field] === undefined && !schema.shape[field]?.isOptional())
      throw new UsageError(`required option '${option(field)} <${field}>' not specified`);
    throw new UsageError(
      `${option(field)}: ${JSON.stringify(String(given[field] ?? values[field] ?? ""))}: ${first.message}`,
    );
  }
  return parsed.data as Record<string, unknown>;
}
