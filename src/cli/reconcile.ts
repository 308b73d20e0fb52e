// `reconcile decide` and `reconcile decisions`: a person's decision on a probable counterpart of the
// reconciliation (`report reconciliation` suggests them), and the history of such decisions, as POST and
// GET /v1/reconciliation/decisions do them (src/services/reconciliation-decisions.ts). The command line
// acts as the prefecture, as its other writes do: the decision names the operator's host as its party.

import { Option, type Command } from "commander";
import { fieldRejection, Rejection, rejectedField } from "../../ledger/rejections.js";
import { ReconciliationDecisionInput } from "../http/schemas.js";
import { ReferenceData } from "../repositories/reference.js";
import { deciderOf, listDecisions, recordDecision } from "../services/reconciliation-decisions.js";
import type { CliContext } from "./context.js";
import { emit, formatOption, UsageError, type Format } from "./output.js";
import { decisionsTabular } from "./views.js";

/** The JSON fields as this command's options: a rejection names the option the user typed. */
const OPTION_OF: Record<string, string> = { receipt_no: "receipt", counterpart_no: "counterpart" };

function yearOption(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new UsageError(`--year: ${value} is not a year such as 2025`);
  return Number(value);
}

export function addReconcileCommands(program: Command, c: CliContext): void {
  const reconcile = program
    .command("reconcile")
    .description("decisions on the probable counterparts of the reconciliation (对账疑似对应的人工确认)");
  reconcile
    .command("decide")
    .description(
      "confirm or reject that a receipt missing in the operator's statement and a statement row missing in the prefecture's books are one receipt; a later decision on the pair supersedes this one",
    )
    .requiredOption("--operator <operator>", "a party that runs a park, e.g. bingtuan or urumqi (park list)")
    .requiredOption("--year <year>", "year of collection, e.g. 2025")
    .option("--park <park>", "one of the operator's parks: the pair is checked in that park's reconciliation")
    .requiredOption("--receipt <receipt_no>", "the prefecture's receipt (missing_in_operator)")
    .requiredOption("--counterpart <receipt_no>", "the operator's statement row (missing_in_prefecture)")
    .option("--confirm", "they are one receipt: both become matched_by_decision")
    .option("--reject", "they are not: the pair is never suggested again (withdraws a confirmation)")
    .option("--reason <text>", "why; required with --reject")
    .addOption(formatOption(["table", "json"]))
    .action(
      async (o: {
        operator: string;
        year: string;
        park?: string;
        receipt: string;
        counterpart: string;
        confirm?: boolean;
        reject?: boolean;
        reason?: string;
        format?: Format;
      }) => {
        if (o.confirm === o.reject) throw new UsageError("say --confirm or --reject, one of them");
        const parsed = ReconciliationDecisionInput.safeParse({
          operator: o.operator,
          ...(o.park !== undefined ? { park: o.park } : {}),
          year: yearOption(o.year),
          receipt_no: o.receipt,
          counterpart_no: o.counterpart,
          decision: o.confirm === true ? "confirm" : "reject",
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = String(issue.path[0] ?? "");
          throw new UsageError(`--${OPTION_OF[field] ?? field}: ${issue.message}`);
        }
        const knex = (await c.database()).knex;
        const ref = await ReferenceData.load(knex);
        let recorded;
        try {
          recorded = await recordDecision(knex, ref, parsed.data, deciderOf(ref, parsed.data.operator, null));
        } catch (error) {
          const named = error instanceof Rejection ? rejectedField(error) : null;
          if (named !== null && OPTION_OF[named.field] !== undefined)
            throw fieldRejection(OPTION_OF[named.field]!, (error as Rejection).code, named.reason);
          throw error;
        }
        await emit(c.io, o.format, undefined, recorded, () =>
          decisionsTabular([recorded], "对账配对决定", "Reconciliation decision recorded"),
        );
      },
    );
  reconcile
    .command("decisions")
    .description("every decision on the probable counterparts of an operator's reconciliation of a year, newest first")
    .requiredOption("--operator <operator>", "a party that runs a park, e.g. bingtuan or urumqi (park list)")
    .requiredOption("--year <year>", "year of collection, e.g. 2025")
    .addOption(formatOption())
    .addOption(new Option("--out <file>", "write to FILE instead of stdout"))
    .action(async (o: { operator: string; year: string; format?: Format; out?: string }) => {
      const year = yearOption(o.year);
      const knex = (await c.database()).knex;
      const ref = await ReferenceData.load(knex);
      if (ref.parksRunBy(o.operator).length === 0)
        throw fieldRejection(
          "operator",
          "operator_unknown",
          `${o.operator} runs no park; the operators are ${ref.operators.join(", ")}`,
        );
      const list = await listDecisions(knex, year, o.operator, true);
      await emit(c.io, o.format, o.out, list, () => decisionsTabular(list));
    });
}
