// The `parkledger` command line (docs/contract.md#the-command-line). Each command opens the configured
// store, brings it up to date, does one thing and closes it; errors are turned into messages and exit
// codes in one place (./errors.ts).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { receiptTabular, receiptView } from "../../reports/receipt.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import { Command, CommanderError, Help, Option } from "commander";
import { loadConfig } from "../config.js";
import { openDatabase, type Database } from "../db/database.js";
import { migrate } from "../db/migrate.js";
import { MIGRATIONS } from "../../migrations/index.js";
import { canonicalNames, ReferenceData } from "../repositories/reference.js";
import { listAgreements, listCentralRatios, listRatioExceptions } from "../services/agreements.js";
import { listParks } from "../services/parks.js";
import { parseAnchor, verifyLedger, type Anchor } from "../services/verify.js";
import { demoDatabase, demoDir, lookAt } from "./demo-books.js";
import { createToken, listTokens, revokeToken, ROLES } from "../repositories/tokens.js";
import type { CliContext } from "./context.js";
import { EXIT_NOT_INTACT, exitCodeFor, describeError } from "./errors.js";
import { isBriefCommand } from "./brief.js";
import { addImportCommands } from "./imports.js";
import { addServeCommand } from "./serve.js";
import { addUserCommands } from "./users.js";
import { addReconcileCommands } from "./reconcile.js";
import { addOperationCommands } from "./operations.js";
import { textProblem, visibleText } from "../../ledger/text.js";
import { emit, formatOption, processIo, toJson, UsageError, type Format, type Io } from "./output.js";
import {
  agreementsTabular,
  parksTabular,
  ratioExceptionsTabular,
  ratiosTabular,
  tokensTabular,
  verifyTabular,
} from "./views.js";

interface ReportOptions {
  format: Format;
  out?: string;
}

const outOption = () => new Option("--out <file>", "write to FILE instead of stdout");

function yearArg(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new UsageError(`--year: ${value} is not a year such as 2025`);
  return Number(value);
}

/** Runs the command line with `argv` (without node and script); resolves to the exit code. */
export async function main(
  argv: string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
  deps: { db?: Database; password?: () => Promise<string> } = {},
): Promise<number> {
  let db: Database | null = null;
  let brief = false; // a command that reads a little and exits (briefCommand), known before the database opens
  const database = async (pool_max?: number): Promise<Database> => {
    if (deps.db !== undefined) return deps.db;
    if (db === null) {
      const config = loadConfig(env);
      db =
        config.database_url !== null
          ? await openDatabase({ url: config.database_url, ...(pool_max !== undefined ? { pool_max } : {}) })
          : await openDatabase({ dir: config.data_dir, brief });
      const applied = await migrate(db);
      // a new database is said once, where it is: a user in the wrong folder sees it was not the one meant
      if (db.created === true || applied.includes(MIGRATIONS[0]!.name))
        io.stderr.write(`parkledger: a new, empty database at ${db.location}\n`);
    }
    return db;
  };

  // read once per command: the names given are checked against it and a report is made with it
  let reference: Promise<ReferenceData> | null = null;
  const referenceData = (): Promise<ReferenceData> =>
    (reference ??= database().then((d) => ReferenceData.load(d.knex)));

  const program = new Command("parkledger")
    .description("Revenue-sharing and statistics ledger for the Zhundong park-in-park sub-parks (兵准园区, 乌准园区)")
    .version(packageVersion(), "-V, --version", "the version of parkledger")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)")
    // an option a command cannot do without says so in its help
    .configureHelp({
      optionDescription: (option) => `${option.mandatory ? "(required) " : ""}${new Help().optionDescription(option)}`,
    })
    .hook("preAction", async (_program, action) => {
      brief = briefCommand(action);
      checkArgumentText(action);
      await spellNamesOneWay(action, referenceData);
    });

  let exitCode = 0;
  const c: CliContext = {
    io,
    env,
    database,
    pinned: deps.db !== undefined,
    adopt: (opened) => (db = opened),
    exit: (code) => (exitCode = code),
  };
  addSetupCommands(program, c);
  addImportCommands(program, c);
  addListCommands(program, c);
  // transfer, agreement set, ratio set, settle, park add, and every report and trace
  addOperationCommands(program, io, database, referenceData);
  addTokenCommands(program, c);
  addServeCommand(program, c);
  addVerifyCommand(program, c);
  addShowCommands(program, c);
  addUserCommands(program, c, deps.password);
  addReconcileCommands(program, c);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = error.exitCode === 0 ? 0 : 2;
    } else {
      io.stderr.write(describeError(error) + "\n");
      exitCode = exitCodeFor(error);
    }
  } finally {
    if (db !== null) await (db as Database).close();
  }
  return exitCode;
}

/** `migrate` and `demo`. */
function addSetupCommands(program: Command, c: CliContext): void {
  program
    .command("migrate")
    .description("bring the database up to date (every command does this too)")
    .action(async () => {
      const config = loadConfig(c.env);
      const opened =
        config.database_url !== null
          ? await openDatabase({ url: config.database_url })
          : await openDatabase({ dir: config.data_dir });
      c.adopt(opened);
      const applied = await migrate(opened);
      c.io.stderr.write(
        applied.length === 0
          ? `${opened.location}: up to date\n`
          : `${opened.location}: applied ${applied.join(", ")}\n`,
      );
    });

  program
    .command("demo")
    .description(
      "fill the database with a realistic, deterministic sample year and print the settlement and indicator summaries",
    )
    .option("--year <year>", "the sample year", "2025")
    .option("--seed <n>", "the generator's seed", "20250101")
    .option("--receipts <n>", "how many receipts", "6000")
    .option("--enterprises <n>", "how many enterprises", "300")
    .option("--here", "fill the configured database (DATABASE_URL or the data directory) instead of the demo's own")
    .addOption(formatOption())
    .action(async (o: DemoOptions) => {
      const config = loadConfig(c.env);
      // ./data/pgdata → ./data/demo; elsewhere beside the data directory, never shared with another
      const dir = demoDir(config);
      // the journal is append-only: a sample year in the books used for real could never be taken out
      const own = o.here !== true && !c.pinned;
      const db = own ? await demoDatabase(c, config, dir) : await c.database();
      // the demo's generator and every importer it runs are loaded by this command only
      const { DEMO_PASSWORD, demoUsers, runDemo } = await import("../demo/run.js");
      await runDemo(db, c.io, {
        year: yearArg(o.year),
        seed: Number(o.seed),
        receipts: Number(o.receipts),
        enterprises: Number(o.enterprises),
        dir,
        format: o.format,
        users: own,
        ...(own ? { command: `${lookAt(db, config, dir)} parkledger` } : {}),
      });
      if (own)
        c.io.stderr.write(
          `demo: the sample year is in its own books at ${db.location}; to look at them: ${lookAt(db, config, dir)} npx parkledger report settlement --year 2025 --operator bingtuan\n`,
        );
      if (own)
        c.io.stderr.write(
          `demo: the web workspace: npx parkledger serve --demo, then open http://127.0.0.1:8080/ and sign in as ` +
            `${demoUsers(await ReferenceData.load(db.knex))
              .map((u) => u.name)
              .join(", ")} with the password ${DEMO_PASSWORD}\n`,
        );
      else
        c.io.stderr.write(
          "demo: the web workspace: npx parkledger serve; these books are yours, so the demo adds no one who signs in with a published password: add people with parkledger user add\n",
        );
    });
}

interface DemoOptions {
  year: string;
  seed: string;
  receipts: string;
  enterprises: string;
  here?: boolean;
  format: Format;
}

/** `park list`, `agreement list`, `ratio list` (adding to them is in the registry of writes). */
function addListCommands(program: Command, c: CliContext): void {
  const park = program.command("park").description("sub-parks (园中园), who runs them and who hosts them");
  park
    .command("list")
    .description("every park, its operator and host, and the share in force today")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (o: ReportOptions) => {
      const list = await listParks(await c.database());
      await emit(c.io, o.format, o.out, list, () => parksTabular(list));
    });

  const agreement = program.command("agreement").description("park sharing agreements (分成比例), by effective date");
  agreement
    .command("list")
    .description("every version of every park's agreement")
    .option("--park <park>", "only this park")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (o: ReportOptions & { park?: string }) => {
      const list = await listAgreements(await c.database(), o.park);
      await emit(c.io, o.format, o.out, list, () => agreementsTabular(list));
    });

  const ratio = program.command("ratio").description("central–local ratios of each tax (分税制), by effective date");
  ratio
    .command("list")
    .option("--tax <code>", "only this tax")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (o: ReportOptions & { tax?: string }) => {
      const list = await listCentralRatios(await c.database(), o.tax);
      await emit(c.io, o.format, o.out, list, () => ratiosTabular(list));
    });
  ratio
    .command("exceptions")
    .description("enterprises whose tax has another central share than the tax's ratio")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (o: ReportOptions) => {
      const list = await listRatioExceptions(await c.database());
      await emit(c.io, o.format, o.out, list, () => ratioExceptionsTabular(list));
    });
}

/** `token create|list|revoke`: the HTTP API's tokens. */
function addTokenCommands(program: Command, c: CliContext): void {
  const token = program.command("token").description("tokens of the HTTP API: each belongs to a party and a role");
  token
    .command("create")
    .description("make a token; it is printed once and only its sha256 is kept")
    .requiredOption(
      "--party <party>",
      "whose token: a jurisdiction (park list), statistics (the zone's bureau) or auditor",
    )
    .addOption(
      new Option(
        "--role <role>",
        "what it may do: finance for a jurisdiction; statistics for the zone's bureau, or for an operator (bingtuan, urumqi) its own bureau, its parks' indicators only; auditor",
      )
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .option("--label <text>", "who or what uses it", "")
    .addOption(formatOption(["table", "json"]))
    .action(async (o: { party: string; role: string; label: string; format: Format }) => {
      const created = await createToken((await c.database()).knex, o);
      if (o.format === "json") c.io.stdout.write(toJson({ ...created.row, token: created.token }));
      else {
        c.io.stdout.write(`${created.token}\n`);
        c.io.stderr.write(
          `token ${created.row.id} for ${created.row.party} (${created.row.role}); keep it now: it is not shown again\n`,
        );
      }
    });
  token
    .command("list")
    .description("every token, without its secret")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (o: ReportOptions) => {
      const list = await listTokens((await c.database()).knex);
      await emit(c.io, o.format, o.out, list, () => tokensTabular(list));
    });
  token
    .command("revoke")
    .argument("<id>", "the token's id (from token list)")
    .description("revoke a token; requests with it are refused from now on")
    .action(async (id: string) => {
      const row = await revokeToken((await c.database()).knex, id);
      c.io.stderr.write(`token ${row.id} (${row.party}, ${row.role}) revoked at ${row.revoked_at}\n`);
    });
}

/** `verify`: exit 3 when the books are not intact. */
function addVerifyCommand(program: Command, c: CliContext): void {
  program
    .command("verify")
    .description("check that the books are whole; exit 0 only when intact")
    .option(
      "--anchor <id:hash>",
      "an entry's hash noted from an earlier verify (head_id:head_hash); repeatable",
      (value: string, list: Anchor[]) => {
        const anchor = parseAnchor(value);
        if (anchor === null) throw new UsageError(`--anchor: ${value} is not ENTRY_ID:SHA256 (64 hex digits)`);
        return [...list, anchor];
      },
      [] as Anchor[],
    )
    .addOption(formatOption(["table", "json"]))
    .action(async (o: { format: Format; anchor: Anchor[] }) => {
      const result = await verifyLedger(await c.database(), o.anchor);
      await emit(c.io, o.format, undefined, result, () => verifyTabular(result));
      if (!result.intact) c.exit(EXIT_NOT_INTACT);
    });
}

/** `show receipt NO`: one receipt as booked, as GET /v1/receipts/{no} gives it. */
function addShowCommands(program: Command, c: CliContext): void {
  const show = program.command("show").description("one record as booked, with where it came from");
  show
    .command("receipt")
    .argument("<receipt_no>", "the receipt's number (票号)")
    .description("a receipt: what it was given, its split as it stands, its entry and its source file and row")
    .addOption(formatOption())
    .addOption(outOption())
    .action(async (receipt_no: string, o: ReportOptions) => {
      const r = await receiptView((await c.database()).knex, FULL_VIEW, receipt_no);
      if (r === undefined) throw new UsageError(`no receipt ${visibleText(receipt_no)} is recorded`);
      await emit(c.io, o.format, o.out, r, () => receiptTabular(r));
    });
}

/** This package's version, from its package.json (found above this module, from the sources or the build). */
function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "parkledger") return pkg.version ?? "0.0.0";
  }
  return "0.0.0";
}

/**
 * What a command is given enters the books as text (a reference, a note, a file name recorded with
 * its rows): refused, naming the option, unless it can be kept exactly as given. A U+FFFD stands for
 * bytes of the argument that were not UTF-8.
 */
function checkArgumentText(action: Command): void {
  const given: [string, unknown][] = [
    ...Object.entries(action.opts()).map(([key, value]): [string, unknown] => [
      `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      value,
    ]),
    ...action.args.map((value, i): [string, unknown] => [`argument ${i + 1}`, value]),
  ];
  for (const [name, value] of given) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== "string") continue;
      const problem = textProblem(text, "text");
      if (problem !== null) throw new UsageError(`${name}: ${problem.reason} [${problem.code}]`);
      if (text.includes("\ufffd"))
        throw new UsageError(`${name}: ${visibleText(text)} holds bytes that are not UTF-8 [text_malformed]`);
    }
  }
}

/**
 * A report, a trace, one record shown or a list: read, written out, done. Not the reconciliation,
 * which goes through a year of receipts and statement rows, nor anything that imports, serves,
 * checks the whole journal or fills the demo.
 */
function briefCommand(action: Command): boolean {
  const words: string[] = [];
  for (let c: Command | null = action; c !== null && c.parent !== null; c = c.parent) words.unshift(c.name());
  return isBriefCommand(words);
}

/** Commands that name parties and parks not recorded yet, or parties that are not jurisdictions. */
const NAMES_AS_GIVEN = new Set(["park add", "token create"]);

/**
 * `--operator Bingtuan`, `--operator 兵团` and `--park bz` mean what `--operator bingtuan` and `--park BZ`
 * mean, as over HTTP (canonicalNames); a name that is none is refused listing the valid ones.
 */
async function spellNamesOneWay(action: Command, ref: () => Promise<ReferenceData>): Promise<void> {
  if (NAMES_AS_GIVEN.has(`${action.parent?.name() ?? ""} ${action.name()}`)) return;
  const opts = action.opts();
  const names = Object.fromEntries(
    ["operator", "party", "jurisdiction", "park", "tax"]
      .filter((k) => typeof opts[k] === "string")
      .map((k) => [k, opts[k]]),
  );
  if (Object.keys(names).length === 0) return;
  await canonicalNames(names, ref, true);
  for (const [key, value] of Object.entries(names)) action.setOptionValue(key, value);
}

export { toJson };
