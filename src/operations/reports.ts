// Every report and trace, declared once: its parameters (zod), who may ask for it, what it computes
// for whom and how it is laid out. The command line (`report …`, `trace …`, src/cli/reports.ts), the
// HTTP routes (GET /v1/reports/…, /v1/trace/…, src/http/app.ts) and the OpenAPI document are made
// from these declarations, so a new report is one entry here (and its test). Parameters arrive as
// text from either side and are parsed by the same schema.

import type { Knex } from "knex";
import { z } from "zod";
import { fieldRejection } from "../../ledger/rejections.js";
import { listProposals } from "../services/proposals.js";
import { proposalsTabular } from "../cli/views.js";
import { budgetItemsReport, budgetItemsTabular } from "../../reports/budget-items.js";
import { commitmentsReport, commitmentsTabular } from "../../reports/commitments.js";
import {
  indicatorsOverview,
  indicatorsOverviewTabular,
  indicatorsReport,
  indicatorsTabular,
} from "../../reports/indicators.js";
import { landReport, landTabular } from "../../reports/land.js";
import { ageingReport, ageingTabular, paymentsReport, paymentsTabular } from "../../reports/ageing.js";
import { dateField } from "../services/fields.js";
import {
  collectReconciliation,
  openReconciliation,
  overviewTabular,
  reconciliationJson,
  reconciliationOverview,
  reconciliationTabular,
  type Reconciliation,
} from "../../reports/reconciliation.js";
import { JSON_INDENT_ITEMS_MAX, StreamedJson } from "../cli/output.js";
import { PERIOD_PARAMS, periodHelp, periodOf } from "../../reports/period.js";
import type { Tabular } from "../../reports/render.js";
import { settlementStatement, settlementTabular } from "../../reports/settlement.js";
import { suspenseReport, suspenseTabular } from "../../reports/suspense.js";
import {
  asOfValid,
  enterpriseHistory,
  historyTabular,
  registryReport,
  registryTabular,
} from "../../reports/registry.js";
import {
  ACCOUNT_FIGURES,
  INDICATOR_FIGURES,
  SETTLEMENT_FIGURES,
  trace,
  traceTabular,
  type TraceTarget,
} from "../../reports/trace.js";
import { trialBalance, trialBalanceTabular } from "../../reports/trial-balance.js";
import { parksOf, type Viewer } from "../../reports/viewer.js";
import { access, type Decision } from "../http/access.js";
import * as S from "../http/schemas.js";
import type { ReferenceData } from "../repositories/reference.js";
import type { Principal } from "../repositories/tokens.js";
import { STATEMENT_REPORTS } from "./statements.js";

/** What a report is computed with: the database, the reference data, and who is looking. */
export interface ReportContext {
  knex: Knex;
  ref: ReferenceData;
  viewer: Viewer;
}

/** A report's answer: its JSON, and the tables its other formats (csv, xlsx, table) are made from. */
export interface ReportAnswer {
  /** The value, or for a report too large to hold its JSON in pieces (src/cli/output.ts). */
  json: unknown;
  tabular: (format: "csv" | "xlsx" | "table") => Tabular | Promise<Tabular>;
  /** How many items it lists, where that grows with the books (the command line writes many compactly). */
  items?: number;
}

export interface ReportOperation<P extends z.ZodRawShape = z.ZodRawShape> {
  /** `report settlement` / GET /v1/reports/settlement; `trace settlement` / GET /v1/trace/settlement. */
  group: "report" | "trace";
  name: string;
  summary: string;
  params: z.ZodObject<P>;
  /** The help of each parameter as a command-line option. */
  help: { [K in keyof P]: string };
  /** The JSON's schema, where the contract fixes one (checked on every HTTP answer). */
  response?: z.ZodType;
  /**
   * Whether its answer is made from the books, the parameters and the viewer alone (never the clock
   * or the caller's token) and is small: the service keeps it while the books do not change
   * (src/http/report-cache.ts).
   */
  cacheable?: boolean;
  allow: (
    p: Principal,
    params: z.infer<z.ZodObject<P>>,
    ref: () => Promise<ReferenceData>,
  ) => Decision | Promise<Decision>;
  run: (ctx: ReportContext, params: z.infer<z.ZodObject<P>>) => Promise<ReportAnswer>;
}

/** Keeps each declaration's parameter types while the list holds them all alike. */
function define<P extends z.ZodRawShape>(op: ReportOperation<P>): ReportOperation {
  return op as unknown as ReportOperation;
}

const YEAR = "fiscal year, e.g. 2025";
const OPERATOR = "a party that runs a park, e.g. bingtuan or urumqi (park list)";
const JURISDICTION = "a jurisdiction, e.g. prefecture, bingtuan, urumqi or central (park list)";
const LIMIT = "list at most N entries (the total still covers all)";
const OFFSET = "skip the first N entries (with --limit, a page of a long trace)";
const OPERATOR_PARK = "one of the operator's parks; without it, the sum of all it runs";

const traceAnswer = async (
  ctx: ReportContext,
  target: TraceTarget,
  limit: number | undefined,
  offset: number | undefined,
  totals?: "yes" | "no",
) => {
  const t = await trace(ctx.knex, ctx.ref, target, {
    viewer: ctx.viewer,
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset } : {}),
    totals: totals !== "no",
  });
  return { json: t, tabular: () => traceTabular(t), items: t.entries.length };
};

export const REPORTS: readonly ReportOperation[] = [
  define({
    group: "report",
    name: "settlement",
    summary: "Annual sharing settlement statement (分成核算表).",
    params: z.strictObject({
      year: S.Year,
      operator: S.Party,
      park: S.ParkCode.optional(),
      ...PERIOD_PARAMS,
    }),
    help: {
      year: YEAR,
      operator: OPERATOR,
      park: OPERATOR_PARK,
      ...periodHelp("what is booked and transferred in it"),
      by: "month: the year month by month beside the taxes (the JSON always carries `months`)",
    },
    response: S.SettlementReport,
    cacheable: true,
    allow: (p, q) => access.readOperatorMoney(p, q.operator),
    run: async ({ knex, ref }, q) => {
      const s = await settlementStatement(knex, ref, q.year, q.operator, q.park, periodOf(q, q.year));
      return { json: s, tabular: (f) => settlementTabular(s, ref, f === "csv", { byMonth: q.by === "month" }) };
    },
  }),
  define({
    group: "report",
    name: "transfer-proposals",
    summary:
      "Interim transfer proposals (预拨建议) of a year, newest first, each with what it was computed from and the transfer that executed it. No period: a proposal is of the year to date when it was made.",
    params: z.strictObject({ year: S.Year, operator: S.Party.optional() }),
    help: { year: YEAR, operator: `${OPERATOR}; without it, every operator` },
    allow: (p, q) => (q.operator === undefined ? access.readAllMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, viewer }, q) => {
      const list = await listProposals(knex, { year: q.year, operator: q.operator }, viewer.kind === "operator");
      return {
        json: { year: q.year, operator: q.operator ?? null, proposals: list },
        tabular: () => proposalsTabular(list),
        items: list.length,
      };
    },
  }),
  define({
    group: "report",
    name: "ageing",
    summary:
      "Ageing of settled balances (结算欠款账龄): per debtor→creditor, operator, park and settled year, the balance, paid, outstanding, days since it became due, in buckets.",
    params: z.strictObject({
      as_of: S.IsoDate.optional(),
      operator: S.Party.optional(),
      park: S.ParkCode.optional(),
      year: S.Year.optional(),
    }),
    help: {
      as_of: "the date the ageing is as of, YYYY-MM-DD (default: today, Beijing time)",
      operator: `${OPERATOR}; without it, every operator (an operator: its own)`,
      park: "one park only",
      year: "one settled year only",
    },
    allow: (p, q) => (q.operator === undefined ? access.readParkMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, ref, viewer }, q) => {
      const r = await ageingReport(knex, ref, viewer, {
        as_of: q.as_of === undefined ? undefined : dateField("as_of", q.as_of),
        operator: q.operator,
        park: q.park,
        year: q.year,
      });
      return { json: r, tabular: () => ageingTabular(r, ref), items: r.rows.length };
    },
  }),
  define({
    group: "report",
    name: "payments",
    summary: "Payments of settled balances (结算款支付), oldest first, each with what it left outstanding.",
    params: z.strictObject({
      operator: S.Party.optional(),
      park: S.ParkCode.optional(),
      year: S.Year.optional(),
    }),
    help: {
      operator: `${OPERATOR}; without it, every operator (an operator: its own)`,
      park: "one park only",
      year: "one settled year only",
    },
    allow: (p, q) => (q.operator === undefined ? access.readParkMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, ref, viewer }, q) => {
      const r = await paymentsReport(knex, ref, viewer, { operator: q.operator, park: q.park, year: q.year });
      return { json: r, tabular: () => paymentsTabular(r), items: r.payments.length };
    },
  }),
  define({
    group: "report",
    name: "budget-items",
    summary: "Revenue booked in a year by park, tax type and budget classification item (按预算科目), with its split.",
    params: z.strictObject({
      year: S.Year,
      operator: S.Party.optional(),
      park: S.ParkCode.optional(),
      ...PERIOD_PARAMS,
    }),
    help: {
      year: YEAR,
      operator: `${OPERATOR}; without it, every park`,
      park: "one park only",
      ...periodHelp("the receipts collected and re-splits booked in it"),
      by: "month: each item's amount month by month (the JSON's `months` per item and in total)",
    },
    allow: (p, q) => (q.operator === undefined ? access.readAllMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, ref, viewer }, q) => {
      const period = periodOf(q, q.year);
      const r = await budgetItemsReport(knex, ref, q.year, viewer, {
        ...(q.operator !== undefined ? { operator: q.operator } : {}),
        ...(q.park !== undefined ? { park: q.park } : {}),
        ...(period !== undefined ? { period } : {}),
        byMonth: q.by === "month",
      });
      return { json: r, tabular: () => budgetItemsTabular(r), items: r.items.length };
    },
  }),
  define({
    group: "report",
    name: "reconciliation",
    summary:
      "Prefecture ↔ operator reconciliation (对账单); without operator, the three-party summary. No period: it matches the whole year's receipts and statements, each item by its own date.",
    params: z.strictObject({ year: S.Year, operator: S.Party.optional(), park: S.ParkCode.optional() }),
    help: {
      year: "year of collection",
      operator: `${OPERATOR}; without it, the three-party summary`,
      park: `${OPERATOR_PARK} (with operator)`,
    },
    response: z.union([S.ReconciliationReport, S.AnyReport]),
    allow: (p, q) => (q.operator === undefined ? access.readAllMoney(p) : access.readOperatorMoney(p, q.operator)),
    run: async ({ knex, ref, viewer }, q) => {
      if (q.operator === undefined) {
        // the summary is of every operator: a park alone names none of them
        if (q.park !== undefined)
          throw fieldRejection("park", "operator_unknown", "a park's reconciliation names its operator as well");
        const o = await reconciliationOverview(knex, ref, q.year);
        return { json: o, tabular: () => overviewTabular(o, ref) };
      }
      const open = await openReconciliation(knex, ref, q.year, q.operator, viewer, q.park);
      if (open.count <= JSON_INDENT_ITEMS_MAX) {
        const r = await collectReconciliation(open);
        return { json: r, tabular: (f) => reconciliationTabular(r, ref, f), items: r.items.length };
      }
      // a year of receipts: the JSON goes out a batch of items at a time, straight from the database
      let whole: Promise<Reconciliation> | null = null;
      const value = () => (whole ??= collectReconciliation(open));
      return {
        json: new StreamedJson(open.count, () => reconciliationJson(open), value, open.close),
        tabular: async (f) => reconciliationTabular(await value(), ref, f),
        items: open.count,
      };
    },
  }),
  define({
    group: "report",
    name: "indicators",
    summary: "Statistical and assessment views of a park's indicators (指标统计与考核归属).",
    params: z.strictObject({ year: S.Year, park: S.ParkCode.optional(), ...PERIOD_PARAMS }),
    help: {
      year: "calendar year",
      park: "a park, e.g. BZ, WZ or ZD (park list); without it, every park the caller sees side by side, with their sums",
      ...periodHelp("its months, and both views summed over them"),
      by: "month: each month's value beside the figure (the JSON always carries `months`)",
    },
    response: z.union([S.IndicatorsReport, S.AnyReport]),
    // an unknown park: a 422 from the report, or refused as another's
    allow: async (p, q, ref) =>
      q.park === undefined
        ? access.readAllIndicators(p)
        : access.readIndicators(p, (await ref()).park(q.park)?.operator ?? null),
    run: async ({ knex, ref, viewer }, q) => {
      if (q.park === undefined) {
        // an operator's view (its finance or its statistics bureau) holds its own parks only
        const parks = viewer.kind === "operator" ? parksOf(ref, viewer.operator) : ref.parks.map((p) => p.code);
        const o = await indicatorsOverview(knex, ref, q.year, parks, periodOf(q, q.year));
        return { json: o, tabular: () => indicatorsOverviewTabular(o, ref) };
      }
      const r = await indicatorsReport(knex, ref, q.year, q.park, periodOf(q, q.year));
      return { json: r, tabular: (f) => indicatorsTabular(r, ref, f === "csv", q.by === "month") };
    },
  }),
  define({
    group: "report",
    name: "commitments",
    summary:
      "Carbon and pollutant quotas each jurisdiction must provide, per park (约束性指标承担). No period: a quota is owed for the year as a whole.",
    params: z.strictObject({ year: S.Year, jurisdiction: S.Party.optional(), park: S.ParkCode.optional() }),
    help: {
      year: "calendar year",
      jurisdiction: "only quotas this jurisdiction provides",
      park: "only projects in this park",
    },
    allow: (p, q) => access.readCommitments(p, q.jurisdiction ?? null),
    run: async ({ knex, ref, viewer }, q) => {
      const filter = {
        ...(q.jurisdiction !== undefined ? { jurisdiction: q.jurisdiction } : {}),
        ...(q.park !== undefined ? { park: q.park } : {}),
      };
      const r = await commitmentsReport(knex, ref, q.year, filter, viewer);
      return { json: r, tabular: () => commitmentsTabular(r, ref) };
    },
  }),
  define({
    group: "report",
    name: "land",
    summary: "Land and mineral revenue and the exemptions granted, per park and party (土地和矿业权收入及减免).",
    params: z.strictObject({ year: S.Year, park: S.ParkCode.optional(), ...PERIOD_PARAMS }),
    help: {
      year: "fiscal year (revenue) and year of approval (exemptions)",
      park: "one park; without it, every park",
      ...periodHelp("the revenue collected and the exemptions approved in it"),
      by: "month: the totals month by month (the JSON's `months`)",
    },
    response: S.LandReport,
    allow: (p) => access.readParkMoney(p),
    run: async ({ knex, ref, viewer }, q) => {
      const period = periodOf(q, q.year);
      const r = await landReport(knex, ref, q.year, viewer, q.park, {
        ...(period !== undefined ? { period } : {}),
        byMonth: q.by === "month",
      });
      return {
        json: r,
        tabular: () => landTabular(r, ref),
        items: r.revenue_records.length + r.exemption_records.length,
      };
    },
  }),
  define({
    group: "report",
    name: "trial-balance",
    summary: "Debits and credits by account of one jurisdiction's books (试算平衡表), money and indicator books.",
    params: z.strictObject({ year: S.Year, jurisdiction: S.Party, ...PERIOD_PARAMS }),
    help: {
      year: YEAR,
      jurisdiction: JURISDICTION,
      ...periodHelp("its debits and credits, opening with what came before"),
      by: "month: each month's debits and credits beside the year's (the months add up to the year)",
    },
    cacheable: true,
    allow: (p, q) => access.readBooks(p, q.jurisdiction),
    run: async ({ knex, ref }, q) => {
      const period = periodOf(q, q.year);
      const tb = await trialBalance(knex, ref, q.year, q.jurisdiction, { period, byMonth: q.by === "month" });
      return { json: tb, tabular: () => trialBalanceTabular(tb, ref) };
    },
  }),
  define({
    group: "report",
    name: "suspense",
    summary: "Receipts held in suspense (待查收入): enterprise unknown or in no park that day.",
    params: z.strictObject({ year: S.Year.optional(), ...PERIOD_PARAMS }),
    help: {
      year: `${YEAR}; without it (and without a period), every year`,
      ...periodHelp("the receipts collected in it; the year is the period's"),
      by: "month: how many are held and how much by month of collection (with a year or period)",
    },
    allow: (p) => access.readAllMoney(p),
    run: async ({ knex, viewer }, q) => {
      const period = periodOf(q, q.year);
      const year = q.year ?? period?.year ?? null;
      if (q.by === "month" && year === null)
        throw fieldRejection("by", "period_invalid", "months are of a year: give --year or a period with --by month");
      const s = await suspenseReport(knex, year, viewer, {
        ...(period !== undefined ? { period } : {}),
        byMonth: q.by === "month",
      });
      return { json: s, tabular: () => suspenseTabular(s) };
    },
  }),
  define({
    group: "report",
    name: "enterprises",
    summary:
      "The enterprise registry (企业入园登记): each stay as known now, or with --as-of as it was known then; an operator sees its own parks' stays.",
    params: z.strictObject({
      as_of: z
        .string()
        .refine(asOfValid, "a date YYYY-MM-DD (known by the end of that day) or a time YYYY-MM-DDTHH:MM:SSZ")
        .optional(),
      uscc: S.Identifier(18).optional(),
      park: S.ParkCode.optional(),
    }),
    help: {
      as_of: "the registry as it was known by then: a date (by the end of that day) or an ISO time",
      uscc: "one enterprise",
      park: "one park",
    },
    allow: (p) => access.readParkMoney(p),
    run: async ({ knex, ref, viewer }, q) => {
      const r = await registryReport(knex, ref, viewer, {
        ...(q.as_of !== undefined ? { as_of: q.as_of } : {}),
        ...(q.uscc !== undefined ? { uscc: q.uscc } : {}),
        ...(q.park !== undefined ? { park: q.park } : {}),
      });
      return { json: r, tabular: () => registryTabular(r), items: r.count };
    },
  }),
  define({
    group: "report",
    name: "enterprise-history",
    summary:
      "Every version of an enterprise's stays (登记历史), the corrections beside what they corrected, with when and from where each was recorded.",
    params: z.strictObject({ uscc: S.Identifier(18) }),
    help: { uscc: "the enterprise's unified social credit code" },
    allow: (p) => access.readParkMoney(p),
    run: async ({ knex, ref, viewer }, q) => {
      const h = await enterpriseHistory(knex, ref, viewer, q.uscc);
      return { json: h, tabular: () => historyTabular(h), items: h.count };
    },
  }),
  define({
    group: "trace",
    name: "settlement",
    summary: "The entries and source rows behind a settlement figure, for the year or one tax, adding up to it.",
    params: z.strictObject({
      year: S.Year,
      operator: S.Party,
      park: S.ParkCode.optional(),
      tax: S.Code.optional(),
      figure: z.enum(SETTLEMENT_FIGURES).default("operator_share"),
      limit: S.Limit,
      offset: S.Limit,
      totals: z.enum(["yes", "no"]).optional(),
    }),
    help: {
      year: YEAR,
      operator: OPERATOR,
      park: OPERATOR_PARK,
      tax: "one tax's row (VAT, 10101, …) instead of the totals",
      figure: "which figure",
      limit: LIMIT,
      offset: OFFSET,
      totals:
        "no: a page of entries without adding them all up (with --limit; the answer's total, agrees and entry_count are null)",
    },
    allow: (p, q) => access.readOperatorMoney(p, q.operator),
    run: (ctx, q) =>
      traceAnswer(
        ctx,
        {
          report: "settlement",
          year: q.year,
          operator: q.operator,
          ...(q.park !== undefined ? { park: q.park } : {}),
          ...(q.tax !== undefined ? { tax_code: q.tax } : {}),
          figure: q.figure,
        },
        q.limit,
        q.offset,
        q.totals,
      ),
  }),
  define({
    group: "trace",
    name: "indicators",
    summary: "The entries and report rows behind an indicator figure, for the year or one month.",
    params: z.strictObject({
      year: S.Year,
      park: S.ParkCode,
      indicator: S.Code,
      month: S.Month.optional(),
      figure: z.enum(INDICATOR_FIGURES).default("total"),
      limit: S.Limit,
      offset: S.Limit,
      totals: z.enum(["yes", "no"]).optional(),
    }),
    help: {
      year: "calendar year",
      park: "a park, e.g. BZ, WZ or ZD (park list)",
      indicator: "GDP, GIOV, FAI, TRADE or FDI",
      month: "one month of the year, YYYY-MM",
      figure: "which figure",
      limit: LIMIT,
      offset: OFFSET,
      totals:
        "no: a page of entries without adding them all up (with --limit; the answer's total, agrees and entry_count are null)",
    },
    allow: async (p, q, ref) => access.readIndicators(p, (await ref()).park(q.park)?.operator ?? null),
    run: (ctx, q) =>
      traceAnswer(
        ctx,
        {
          report: "indicators",
          year: q.year,
          park: q.park,
          indicator: q.indicator,
          ...(q.month !== undefined ? { month: q.month } : {}),
          figure: q.figure,
        },
        q.limit,
        q.offset,
        q.totals,
      ),
  }),
  define({
    group: "trace",
    name: "account",
    summary: "The entries behind one side of an account in the trial balance of a jurisdiction's books.",
    params: z.strictObject({
      year: S.Year,
      jurisdiction: S.Party,
      account: S.Identifier(64),
      figure: z.enum(ACCOUNT_FIGURES).default("debit"),
      limit: S.Limit,
      offset: S.Limit,
      totals: z.enum(["yes", "no"]).optional(),
    }),
    help: {
      year: YEAR,
      jurisdiction: JURISDICTION,
      account: "account code, e.g. treasury or due_to:bingtuan",
      figure: "debit or credit",
      limit: LIMIT,
      offset: OFFSET,
      totals:
        "no: a page of entries without adding them all up (with --limit; the answer's total, agrees and entry_count are null)",
    },
    allow: (p, q) => access.readBooks(p, q.jurisdiction),
    run: (ctx, q) =>
      traceAnswer(
        ctx,
        {
          report: "trial-balance",
          year: q.year,
          jurisdiction: q.jurisdiction,
          account: q.account,
          figure: q.figure,
        },
        q.limit,
        q.offset,
        q.totals,
      ),
  }),
  ...STATEMENT_REPORTS,
];

/** The URL path of a report or trace under /v1. */
export function reportPath(op: ReportOperation): string {
  return `/${op.group === "report" ? "reports" : "trace"}/${op.name}`;
}
