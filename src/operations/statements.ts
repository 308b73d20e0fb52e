// The settlement statement's life (结算单: issue, confirm, dispute, resolve, withdraw) as registry
// entries: writes.ts and reports.ts list these, so each is a command (`statement issue`, `report
// statements`, …) and a route (POST /v1/statements/issue, GET /v1/reports/statements, …) with its
// access rule. The operator's own acts (confirm, dispute, withdraw) are done with its token: over HTTP
// as the request's party, on the command line with --token (or PARKLEDGER_TOKEN); the prefecture may
// not do them on its behalf. src/services/statements.ts holds the rules.

import { z } from "zod";
import { statementDetailTabular, statementsTabular } from "../../reports/statements-tabular.js";
import { access } from "../http/access.js";
import * as S from "../http/schemas.js";
import {
  confirmStatement,
  disputeStatement,
  issueStatement,
  listStatements,
  resolveDispute,
  statementDetail,
  withdrawDispute,
} from "../services/statements.js";
import type { ReportOperation } from "./reports.js";
import type { WriteOperation } from "./writes.js";

const NUMBER = "the statement's number, e.g. ZD-2025-bingtuan-BZ-01 (report statements)";
const OPERATOR = "a party that runs a park, e.g. bingtuan or urumqi (park list)";

export const StatementNumber = z
  .string()
  .max(120)
  .regex(/^ZD-\d{4}-[a-z][a-z0-9_]*-[A-Z][A-Z0-9]*-\d{2,}$/, "a statement number is like ZD-2025-bingtuan-BZ-01");
const DisputeNo = z.coerce
  .number({ error: "a dispute is named by its number (the event's seq), e.g. 2" })
  .int({ error: "a dispute is named by its number, e.g. 2" })
  .min(1, { error: "a dispute is named by its number, e.g. 2" })
  .max(100_000, { error: "a dispute is named by its number, e.g. 2" });
const Written = (max: number) => S.Text(max, 1).refine((v) => v.trim() !== "", "written out, not blank");

function write<B extends z.ZodRawShape>(op: WriteOperation<B>): WriteOperation {
  return op as unknown as WriteOperation;
}
function report<P extends z.ZodRawShape>(op: ReportOperation<P>): ReportOperation {
  return op as unknown as ReportOperation;
}

export const STATEMENT_WRITES: readonly WriteOperation[] = [
  write({
    command: ["statement", "issue"],
    path: "/statements/issue",
    summary:
      "Issue the numbered settlement statement (结算单) of an operator's park for a year, its figures and their sha256 frozen; again after the books changed, a new issue supersedes it (unchanged, the same one answers).",
    body: z.strictObject({
      operator: S.Party,
      park: S.ParkCode.optional().describe("the operator's park; required when it runs several"),
      year: S.Year,
    }),
    help: {
      operator: OPERATOR,
      park: "the operator's park; required when it runs several",
      year: "fiscal year, e.g. 2025",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const r = await issueStatement(db, body);
      return { replayed: r.replayed, json: r.statement, tabular: () => statementsTabular([r.statement]) };
    },
  }),
  write({
    command: ["statement", "confirm"],
    path: "/statements/confirm",
    summary:
      "The operator confirms its settlement statement (refused while a dispute is open, or when the books no longer say what it says: statement_stale).",
    body: z.strictObject({ number: StatementNumber, remark: S.Text(2000).optional() }),
    help: { number: NUMBER, remark: "a remark kept with the confirmation" },
    party_token: true,
    allow: (p) => access.actOnOwnStatement(p),
    run: async (db, body) => {
      const r = await confirmStatement(db, body);
      return { replayed: r.replayed, json: r.statement, tabular: () => statementDetailTabular(r.statement) };
    },
  }),
  write({
    command: ["statement", "dispute"],
    path: "/statements/dispute",
    summary:
      "The operator disputes lines of its settlement statement with a reason (lines as the statement names them: a tax code, a figure of totals such as balance_due, transfers, a month).",
    body: z.strictObject({
      number: StatementNumber,
      line: z.array(S.Identifier(64)).min(1).max(100),
      reason: Written(2000),
    }),
    help: {
      number: NUMBER,
      line: "the lines disputed, e.g. VAT or VAT,balance_due",
      reason: "why, e.g. receipt 3300123 is missing",
    },
    party_token: true,
    allow: (p) => access.actOnOwnStatement(p),
    run: async (db, body) => {
      const r = await disputeStatement(db, body);
      return { replayed: false, json: r, tabular: () => statementDetailTabular(r) };
    },
  }),
  write({
    command: ["statement", "withdraw"],
    path: "/statements/withdraw",
    summary: "The operator withdraws a dispute of its settlement statement.",
    body: z.strictObject({ number: StatementNumber, dispute: DisputeNo, remark: S.Text(2000).optional() }),
    help: { number: NUMBER, dispute: "the dispute's number (its seq in the events)", remark: "why it is withdrawn" },
    party_token: true,
    allow: (p) => access.actOnOwnStatement(p),
    run: async (db, body) => {
      const r = await withdrawDispute(db, body);
      return { replayed: false, json: r, tabular: () => statementDetailTabular(r) };
    },
  }),
  write({
    command: ["statement", "resolve"],
    path: "/statements/resolve",
    summary:
      "The prefecture resolves a dispute of a settlement statement, naming what resolved it (an adjusting entry, a receipt booked late, a transfer) or with a note; then it issues the statement again.",
    body: z.strictObject({
      number: StatementNumber,
      dispute: DisputeNo,
      note: Written(2000),
      entry: z
        .string()
        .regex(/^\d{1,18}$/, "a journal entry id")
        .optional(),
      receipt: S.Identifier(64).optional(),
      transfer: S.Identifier(64).optional(),
    }),
    help: {
      number: NUMBER,
      dispute: "the dispute's number (its seq in the events)",
      note: "how it was resolved",
      entry: "the adjusting journal entry that resolved it (its id)",
      receipt: "the receipt booked that resolved it (its number)",
      transfer: "the transfer or recovery that resolved it (its ref)",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const r = await resolveDispute(db, body);
      return { replayed: false, json: r, tabular: () => statementDetailTabular(r) };
    },
  }),
];

export const STATEMENT_REPORTS: readonly ReportOperation[] = [
  report({
    group: "report",
    name: "statements",
    summary:
      "Settlement statements (结算单) issued, newest year first, each with its state (issued, disputed, confirmed, superseded).",
    params: z.strictObject({
      year: S.Year.optional(),
      operator: S.Party.optional(),
      park: S.ParkCode.optional(),
    }),
    help: {
      year: "fiscal year, e.g. 2025; without it, every year",
      operator: `${OPERATOR}; without it, every operator`,
      park: "one park only",
    },
    allow: (p, q) => (q.operator === undefined ? access.readParkMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, viewer }, q) => {
      const list = await listStatements(knex, viewer, q);
      return { json: { statements: list }, tabular: () => statementsTabular(list), items: list.length };
    },
  }),
  report({
    group: "report",
    name: "statement",
    summary:
      "One settlement statement: its frozen content and sha256, its events (who and when), and whether the books still say what it says.",
    params: z.strictObject({ number: StatementNumber }),
    help: { number: NUMBER },
    allow: (p) => access.readParkMoney(p),
    run: async ({ knex, viewer }, q) => {
      const d = await statementDetail(knex, viewer, q.number);
      return { json: d, tabular: () => statementDetailTabular(d) };
    },
  }),
];
