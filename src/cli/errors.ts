// The one place that turns an error into what a command-line user sees and the exit code a script
// checks: 2 for anything the user sent (bad input, a rule of the ledger), 1 for a fault of ours.

import { ZodError } from "zod";
import { REJECTIONS_ZH } from "../../ledger/rejections-zh.js";
import { Rejection, rejectedField } from "../../ledger/rejections.js";
import { FileRejected, ImportRejected, formatProblems } from "../import/errors.js";
import { DatabaseBusy } from "../db/database.js";
import { UsageError } from "./output.js";
import { balanceRejection } from "../repositories/journal.js";

export const EXIT_OK = 0;
export const EXIT_FAULT = 1;
export const EXIT_REJECTED = 2;
export const EXIT_NOT_INTACT = 3;

/** PostgreSQL's "database does not exist": DATABASE_URL names one nobody created yet. */
const NO_SUCH_DATABASE = "3D000";

/** The database a DATABASE_URL names, and the command that creates it, for the message that says so. */
function createDatabaseHint(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const url = new URL(env.DATABASE_URL ?? "");
    const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
    const user = url.username === "" ? "" : ` -U ${decodeURIComponent(url.username)}`;
    const port = url.port === "" ? "" : ` -p ${url.port}`;
    return `the database "${name}" that DATABASE_URL names does not exist on ${url.hostname}; create it with: createdb -h ${url.hostname}${port}${user} ${name}`;
  } catch {
    return "the database DATABASE_URL names does not exist; create it (createdb NAME) or correct DATABASE_URL";
  }
}

export function exitCodeFor(error: unknown): number {
  error = balanceRejection(error) ?? error;
  if ((error as { code?: string })?.code === NO_SUCH_DATABASE || error instanceof DatabaseBusy) return EXIT_REJECTED;
  if (
    error instanceof Rejection ||
    error instanceof ImportRejected ||
    error instanceof FileRejected ||
    error instanceof UsageError ||
    error instanceof ZodError
  ) {
    return EXIT_REJECTED;
  }
  return EXIT_FAULT;
}

export function describeError(error: unknown): string {
  error = balanceRejection(error) ?? error; // the running balances refused a booking: a rule, not a fault
  if (error instanceof ImportRejected) {
    return `error: 有问题，未导入/入账任何数据 · ${error.message}\n${formatProblems(error.file, error.problems, error.problem_count)}`;
  }
  if (error instanceof FileRejected) {
    return `error: ${formatProblems(error.file, error.problems, error.problems.length)}\n未导入任何数据 · nothing was imported`;
  }
  if (error instanceof Rejection) {
    const named = rejectedField(error);
    // a field of the API is an option here: operator_share is --operator-share
    const zh = REJECTIONS_ZH[error.code];
    if (named !== null) return `error: --${named.field.replace(/_/g, "-")}: ${zh} · ${named.reason} [${error.code}]`;
    return `error: ${zh} · ${error.message} [${error.code}]`;
  }
  if (error instanceof UsageError || error instanceof DatabaseBusy) return `error: ${error.message}`;
  if (error instanceof ZodError)
    return `error: ${error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  const e = error as Error & { code?: string };
  if (e?.code === NO_SUCH_DATABASE) return `error: ${createDatabaseHint()}`;
  if (e?.code === "ECONNREFUSED")
    return `error: cannot reach the database (${e.message}); is PostgreSQL running and DATABASE_URL right?`;
  return `internal error: ${e?.message ?? String(error)}`;
}
