// Trace (追溯): from a figure in a report to the journal entries that make it up and the source rows
// behind them (file, sha256 and row, or the HTTP request, party and token that posted it). Each entry's
// contribution is taken from its lines on the accounts the report reads, so the contributions add up
// to the figure; the figure is also computed by the report itself and the two are compared.
// A figure an operator may ask for (its settlement, its park's indicators, its own books) is made of
// its own park's entries only; the viewer is checked so that a route whose access rule lets another
// operator's figure through fails instead of answering. What identifies an entry differs by viewer
// (reports/viewer.ts): the full view shows the journal's entry ids, the files the prefecture imported
// (name, sha256, row) and the requests and tokens that posted; an operator's view shows none of them,
// as they are serials and files shared by every park and would tell how many of other parks' records
// lie between its own. It gets each entry's ordinal in the answer, its hash, its date and amount, and
// its key where that names only its own receipt, transfer or settlement.

import { visibleText } from "../ledger/text.js";
import type { Knex } from "knex";
import { formatQuantity } from "../ledger/indicators.js";
import { formatYuan, toFen } from "../ledger/money.js";
import { fieldRejection, Rejection } from "../ledger/rejections.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import { indicatorFigures } from "./indicators.js";
import type { Tabular } from "./render.js";
import { operatorParks, settlementFigures } from "./settlement.js";
import { trialBalanceFigures } from "./trial-balance.js";
import { entryIdFor, entryKeyFor, seesFile, seesRequest, type Viewer } from "./viewer.js";

export const SETTLEMENT_FIGURES = [
  "operator_share",
  "host_share",
  "local_revenue",
  "central_excluded",
  "not_shared",
  "transferred",
  "balance_due",
] as const;
export const INDICATOR_FIGURES = ["total", "statistical", "assessment_operator", "assessment_host"] as const;
export const ACCOUNT_FIGURES = ["debit", "credit"] as const;

export type TraceTarget =
  | {
      report: "settlement";
      year: number;
      operator: string;
      /** One of the operator's parks; all it runs when not given (the statement's sum). */
      park?: string;
      tax_code?: string;
      figure: (typeof SETTLEMENT_FIGURES)[number];
    }
  | {
      report: "indicators";
      year: number;
      park: string;
      indicator: string;
      month?: string;
      figure: (typeof INDICATOR_FIGURES)[number];
    }
  | {
      report: "trial-balance";
      year: number;
      jurisdiction: string;
      account: string;
      figure: (typeof ACCOUNT_FIGURES)[number];
    };

export interface TraceEntry {
  /** The entry's place in this answer, from 1. */
  ordinal: number;
  /** The journal's id; null in an operator's view (a serial shared by every park). */
  entry_id: string | null;
  kind: string;
  effective_on: string;
  fiscal_year: number;
  origin_year: number;
  /** Null in an operator's view when the key names no receipt, transfer or settlement of its own. */
  idempotency_key: string | null;
  park: string | null;
  tax_code: string | null;
  description: string | null;
  /** What this entry adds to the figure. */
  amount: string;
  /**
   * The imported file and row, or the HTTP request, party and token; an operator sees a file's name,
   * sha256 and row only for a file it imported itself, and a request and token only of its own (the
   * fields are null otherwise).
   */
  source:
    | { file: string | null; sha256: string | null; row: number | null }
    | { request_id: string | null; party: string | null; token_id: string | null }
    | null;
  posted_by: string;
  entry_hash: string;
}

export interface Trace {
  target: TraceTarget;
  unit: string;
  /** The figure as the report shows it. */
  figure: string;
  /** The sum of the entries' contributions; null when a page was asked for without it (`totals: false`). */
  total: string | null;
  agrees: boolean | null;
  entry_count: number | null;
  /** The entries, in id order; `--limit` may shorten the list, never the total. */
  entries: TraceEntry[];
  /** How many entries before the first one listed (`--offset`, with `--limit`: a page of a long trace). */
  offset: number;
}

/** One account the figure reads, the side it reads, and whether it adds or subtracts. */
interface Part {
  jurisdiction: string;
  code: string;
  side: "debit" | "credit";
  factor: 1n | -1n;
  /** Only this side's amounts (a trial balance column), not the account's net movement. */
  sideOnly?: boolean;
}

interface Plan {
  parts: Part[];
  /** `park`: one park, or several (an operator's parks). */
  filter: {
    fiscal_year: number;
    park?: string | string[];
    tax_code?: string;
    kind?: string;
    /** Entries of this kind are left out: a payment of a settled balance moves the operator's cash too. */
    not_kind?: string;
    month?: string;
  };
  unit: string;
  format: (units: bigint) => string;
  /** The figure as the report computes it, in the same integer units as the contributions. */
  figure: () => Promise<bigint>;
}

export async function trace(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  target: TraceTarget,
  options: { viewer: Viewer; limit?: number; offset?: number; totals?: boolean },
): Promise<Trace> {
  if (!inView(ref, options.viewer, target))
    throw new Error(
      `a trace of ${JSON.stringify(target)} is outside ${JSON.stringify(options.viewer)}: access.ts should have refused it`,
    );
  const viewer = options.viewer;
  const plan = await planFor(knex, ref, target);
  const accounts = (await knex("accounts").select("id", "jurisdiction", "code")) as {
    id: number;
    jurisdiction: string;
    code: string;
  }[];
  const partOf = new Map<number, Part>();
  for (const part of plan.parts) {
    const account = accounts.find((a) => a.jurisdiction === part.jurisdiction && a.code === part.code);
    if (account !== undefined) partOf.set(account.id, part);
  }
  const f = plan.filter;
  const conditions = ["l.account_id = any(?)", "e.fiscal_year = ?"];
  const bindings: Knex.RawBinding[] = [[...partOf.keys()], f.fiscal_year];
  const where = (condition: string, value: Knex.RawBinding) => {
    conditions.push(condition);
    bindings.push(value);
  };
  if (typeof f.park === "string") where("e.park = ?", f.park);
  else if (f.park !== undefined) where("e.park = any(?)", f.park);
  if (f.tax_code !== undefined) where("e.tax_code = ?", f.tax_code);
  if (f.kind !== undefined) where("e.kind = ?", f.kind);
  if (f.not_kind !== undefined) where("e.kind <> ?", f.not_kind);
  if (f.month !== undefined) where("e.effective_on = ?", `${f.month}-01`);
  if (options.limit !== undefined || options.offset !== undefined)
    return pagedTrace(knex, viewer, target, plan, partOf, conditions, bindings, {
      limit: options.limit,
      offset: options.offset ?? 0,
      totals: options.totals !== false,
    });
  const { rows } =
    partOf.size === 0
      ? { rows: [] }
      : await knex.raw(
          `select e.id, e.kind, e.effective_on, e.fiscal_year, e.origin_year, e.idempotency_key, e.park, e.tax_code,
                  e.description, e.source_row, e.posted_by, e.request_id, e.party, e.token_id, e.entry_hash,
                  i.file_name, i.file_sha256, i.party as import_party, l.account_id, l.debit_fen, l.credit_fen
             from journal_lines l
             join journal_entries e on e.id = l.entry_id
             left join imports i on i.id = e.import_id
            where ${conditions.join(" and ")}
            order by e.id, l.line_no`,
          bindings,
        );
  const entries: TraceEntry[] = [];
  let total = 0n;
  let current: { entry: TraceEntry; units: bigint } | null = null;
  const close = () => {
    // an entry whose lines on these accounts are all on the other side adds nothing: it is not listed
    if (current === null || (current.units === 0n && plan.parts.every((p) => p.sideOnly))) return;
    current.entry.amount = plan.format(current.units);
    total += current.units;
    current.entry.ordinal = entries.length + 1;
    entries.push(current.entry);
  };
  let currentId: string | null = null;
  for (const r of rows) {
    const id = String(r.id);
    if (current === null || currentId !== id) {
      close();
      currentId = id;
      current = { units: 0n, entry: traceEntry(viewer, id, r) };
    }
    const part = partOf.get(Number(r.account_id))!;
    const debit = toFen(r.debit_fen);
    const credit = toFen(r.credit_fen);
    const amount = part.sideOnly
      ? part.side === "debit"
        ? debit
        : credit
      : part.side === "debit"
        ? debit - credit
        : credit - debit;
    current.units += part.factor * amount;
  }
  close();
  const figure = await plan.figure();
  const shown = options.limit !== undefined ? entries.slice(0, options.limit) : entries;
  return {
    target,
    unit: plan.unit,
    figure: plan.format(figure),
    total: plan.format(total),
    agrees: total === figure,
    entry_count: entries.length,
    entries: shown,
    offset: 0,
  };
}

/**
 * A page of a trace, for a figure of a million entries: the database adds every entry's contribution
 * up (the total and the count cover all of them) and lists only the page's entries, in id order, each
 * with its own contribution, so a page costs a query over the figure's lines and a short walk of the
 * entries, never a million objects.
 */
async function pagedTrace(
  knex: Knex | Knex.Transaction,
  viewer: Viewer,
  target: TraceTarget,
  plan: Plan,
  partOf: Map<number, Part>,
  conditions: string[],
  bindings: Knex.RawBinding[],
  { limit, offset, totals: summed }: { limit: number | undefined; offset: number; totals: boolean },
): Promise<Trace> {
  const figure = plan.figure();
  figure.catch(() => {});
  const format = (units: bigint) => plan.format(units);
  if (partOf.size === 0)
    return {
      target,
      unit: plan.unit,
      figure: format(await figure),
      total: format(0n),
      agrees: (await figure) === 0n,
      entry_count: 0,
      entries: [],
      offset,
    };
  // each account's contribution: its side or its net movement, added or subtracted (as the walk above)
  const cases = [...partOf.entries()]
    .map(([id, part]) => {
      const amount = part.sideOnly
        ? part.side === "debit"
          ? "l.debit_fen"
          : "l.credit_fen"
        : part.side === "debit"
          ? "(l.debit_fen - l.credit_fen)"
          : "(l.credit_fen - l.debit_fen)";
      return `when ${Number(id)} then ${part.factor === -1n ? "-" : ""}${amount}`;
    })
    .join(" ");
  const contribution = `(case l.account_id ${cases} end)`;
  // an entry whose lines on these accounts are all on the other side adds nothing and is not listed
  const listed = [...partOf.values()].every((p) => p.sideOnly) ? "units <> 0" : "true";
  const where = conditions.join(" and ");
  // adding every entry up reads all the figure's lines: a page asked for without it answers at once
  // on one core: it reads every line of the figure, while the page that asked for it is drawn beside it
  const totals = !summed
    ? null
    : knex.transaction(async (trx): Promise<{ rows: { n: unknown; total: string }[] }> => {
        await trx.raw("set local max_parallel_workers_per_gather = 0");
        return await trx.raw(
          `select count(*) filter (where ${listed}) as n, coalesce(sum(units), 0)::text as total
             from (select l.entry_id, sum(${contribution}) as units
                     from journal_lines l join journal_entries e on e.id = l.entry_id
                    where ${where} group by l.entry_id) c`,
          bindings,
        );
      });
  totals?.catch(() => {});
  const accountIds = [...partOf.keys()];
  const entryConditions = conditions.filter((c) => !c.startsWith("l.account_id"));
  const entryBindings = bindings.slice(1);
  const page = await knex.raw(
    `select e.id, e.kind, e.effective_on, e.fiscal_year, e.origin_year, e.idempotency_key, e.park, e.tax_code,
            e.description, e.source_row, e.posted_by, e.request_id, e.party, e.token_id, e.entry_hash,
            i.file_name, i.file_sha256, i.party as import_party, x.units::text as units
       from journal_entries e
       cross join lateral (select sum(${contribution}) as units, count(*) as lines
                             from journal_lines l where l.entry_id = e.id and l.account_id = any(?)) x
       left join imports i on i.id = e.import_id
      where ${entryConditions.join(" and ")} and x.lines > 0 and ${listed.replace("units", "x.units")}
      order by e.id ${limit !== undefined ? `limit ${Number(limit)}` : ""} offset ${Number(offset)}`,
    [accountIds, ...entryBindings],
  );
  const entries = (page.rows as Record<string, unknown>[]).map((r, i) => {
    const entry = traceEntry(viewer, String(r.id), r);
    entry.amount = format(toFen(r.units as string));
    entry.ordinal = offset + i + 1;
    return entry;
  });
  const wanted = await figure;
  if (totals === null)
    return {
      target,
      unit: plan.unit,
      figure: format(wanted),
      total: null,
      agrees: null,
      entry_count: null,
      entries,
      offset,
    };
  const t = (await totals).rows[0] as { n: unknown; total: string };
  const total = toFen(t.total);
  return {
    target,
    unit: plan.unit,
    figure: format(wanted),
    total: format(total),
    agrees: total === wanted,
    entry_count: Number(t.n),
    entries,
    offset,
  };
}

/** One entry of a trace as the viewer may see it (reports/viewer.ts): ids and sources only where its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row of the trace's query, read by name
function traceEntry(viewer: Viewer, id: string, r: any): TraceEntry {
  const file = seesFile(viewer, r.import_party);
  const request = seesRequest(viewer, r.party);
  return {
    ordinal: 0,
    entry_id: entryIdFor(viewer, id),
    kind: r.kind,
    effective_on: r.effective_on,
    fiscal_year: Number(r.fiscal_year),
    origin_year: Number(r.origin_year),
    idempotency_key: entryKeyFor(viewer, r.idempotency_key),
    park: r.park,
    tax_code: r.tax_code,
    description: r.description,
    amount: "",
    source:
      r.file_name !== null
        ? file
          ? { file: r.file_name, sha256: r.file_sha256, row: r.source_row === null ? null : Number(r.source_row) }
          : { file: null, sha256: null, row: null }
        : r.request_id !== null
          ? {
              request_id: request ? r.request_id : null,
              party: r.party,
              token_id: request && r.token_id !== null ? String(r.token_id) : null,
            }
          : null,
    posted_by: r.posted_by,
    entry_hash: r.entry_hash,
  };
}

/** Whether the figure is the viewer's to see: all are the full view's; an operator's are its own. */
function inView(ref: ReferenceData, viewer: Viewer, t: TraceTarget): boolean {
  if (viewer.kind === "full") return true;
  if (t.report === "settlement") return ref.jurisdiction(t.operator)?.code === viewer.operator;
  if (t.report === "indicators") return ref.park(t.park)?.operator === viewer.operator;
  return ref.jurisdiction(t.jurisdiction)?.code === viewer.operator;
}

async function planFor(knex: Knex | Knex.Transaction, ref: ReferenceData, t: TraceTarget): Promise<Plan> {
  if (t.report === "settlement") {
    const parks = operatorParks(ref, t.operator, t.park);
    const hosts = [...new Set(parks.map((p) => p.host))];
    const tax = t.tax_code === undefined ? undefined : (ref.tax(t.tax_code) ?? ref.landItem(t.tax_code));
    if (t.tax_code !== undefined && tax === undefined)
      throw fieldRejection("tax", "tax_code_unknown", `${t.tax_code} is not a tax code`);
    if (tax !== undefined && (t.figure === "transferred" || t.figure === "balance_due"))
      throw fieldRejection(
        "tax",
        "tax_code_unknown",
        `transfers are not made per tax; trace ${t.figure} without a tax`,
      );
    const credit = (jurisdiction: string, code: string, factor: 1n | -1n = 1n): Part => ({
      jurisdiction,
      code,
      side: "credit",
      factor,
    });
    // what reached the operator's cash: interim transfers in (debit), recoveries back out (credit)
    const transferred = (factor: 1n | -1n): Part[] => [
      { jurisdiction: t.operator, code: "cash", side: "debit", factor },
      { jurisdiction: t.operator, code: "cash", side: "credit", factor: factor === 1n ? -1n : 1n },
    ];
    const parts: Record<(typeof SETTLEMENT_FIGURES)[number], Part[]> = {
      operator_share: [credit(t.operator, "revenue_shared")],
      host_share: hosts.map((h) => credit(h, "revenue_shared_host")),
      local_revenue: [credit(t.operator, "revenue_shared"), ...hosts.map((h) => credit(h, "revenue_shared_host"))],
      central_excluded: [credit(ref.central, "revenue_central")],
      not_shared: hosts.flatMap((h) => [
        credit(h, "revenue_own"),
        credit(h, "nontax_revenue"),
        credit(h, "fund_revenue"),
      ]),
      transferred: transferred(1n),
      balance_due: [credit(t.operator, "revenue_shared"), ...transferred(-1n)],
    };
    return {
      parts: parts[t.figure],
      filter: {
        fiscal_year: t.year,
        park: parks.length === 1 ? parks[0]!.code : parks.map((p) => p.code),
        ...(tax !== undefined ? { tax_code: tax.code } : {}),
        // what was transferred is the year's transfers: a payment of an earlier year's settled balance is not one
        not_kind: "payment",
      },
      unit: "CNY",
      format: formatYuan,
      figure: async () => {
        const f = await settlementFigures(knex, ref, t.year, t.operator, t.park);
        if (tax === undefined) return f.totals[`${t.figure}_fen`];
        const row = f.by_tax.find((r) => r.tax_code === tax.code);
        const figure = t.figure as Exclude<typeof t.figure, "transferred" | "balance_due">;
        return row === undefined ? 0n : row[`${figure}_fen`];
      },
    };
  }
  if (t.report === "indicators") {
    const park = ref.park(t.park);
    if (park === undefined) throw fieldRejection("park", "park_unknown", `${t.park} is not a park`);
    const indicator = ref.indicator(t.indicator);
    if (indicator === undefined)
      throw fieldRejection("indicator", "indicator_unknown", `${t.indicator} is not an indicator`);
    if (t.month !== undefined && !new RegExp(`^${t.year}-(0[1-9]|1[0-2])$`).test(t.month))
      throw fieldRejection(
        "month",
        "month_outside_year",
        `${visibleText(t.month)} is not a month of ${t.year} (YYYY-MM)`,
      );
    if (t.figure === "assessment_host" && park.operator === park.host)
      throw new Rejection("park_unknown", `${park.code} is run by its host: its assessment figure is all the host's`);
    const code = (base: string) => `${base}:${indicator.code}`;
    const parts: Record<(typeof INDICATOR_FIGURES)[number], Part[]> = {
      total: [{ jurisdiction: park.operator, code: code("indicator_reported"), side: "debit", factor: 1n }],
      statistical: [{ jurisdiction: park.operator, code: code("indicator_reported"), side: "debit", factor: 1n }],
      assessment_operator: [
        { jurisdiction: park.operator, code: code("indicator_assessed"), side: "credit", factor: 1n },
      ],
      assessment_host: [{ jurisdiction: park.host, code: code("indicator_assessed"), side: "credit", factor: 1n }],
    };
    return {
      parts: parts[t.figure],
      filter: {
        fiscal_year: t.year,
        park: park.code,
        tax_code: indicator.code,
        kind: "indicator",
        ...(t.month !== undefined ? { month: t.month } : {}),
      },
      unit: indicator.unit,
      format: formatQuantity,
      figure: async () => {
        const f = await indicatorFigures(knex, park, t.year, indicator.code, t.month);
        if (t.figure === "total") return f.value;
        if (t.figure === "statistical") return f.statistical[park.operator]!;
        return f.assessment[t.figure === "assessment_operator" ? park.operator : park.host]!;
      },
    };
  }
  const jurisdiction = ref.jurisdiction(t.jurisdiction);
  if (jurisdiction === undefined)
    throw fieldRejection("jurisdiction", "jurisdiction_unknown", `${t.jurisdiction} is not a jurisdiction`);
  const account = await knex("accounts").where({ jurisdiction: jurisdiction.code, code: t.account }).first();
  if (account === undefined)
    throw fieldRejection("account", "jurisdiction_unknown", `${jurisdiction.code} keeps no account ${t.account}`);
  const money = account.unit === "CNY";
  return {
    parts: [{ jurisdiction: jurisdiction.code, code: t.account, side: t.figure, factor: 1n, sideOnly: true }],
    filter: { fiscal_year: t.year },
    unit: account.unit,
    format: money ? formatYuan : formatQuantity,
    figure: async () => {
      // the trial balance shows each side's total for the year; the trace adds up one side's lines
      const tb = await trialBalanceFigures(knex, ref, t.year, jurisdiction.code);
      const books = tb.books.find((b) => b.unit === account.unit);
      return books?.accounts.find((a) => a.account === t.account)?.[t.figure] ?? 0n;
    },
  };
}

export function traceTabular(t: Trace): Tabular {
  const target = Object.entries(t.target)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  const kind = t.unit === "CNY" ? ("money" as const) : ("indicator" as const);
  // an operator's trace carries no entry ids: its rows are numbered in the answer and show each
  // entry's hash instead
  const ids = t.entries.every((e) => e.entry_id !== null);
  return {
    title_zh: "数据追溯",
    title_en: "Trace",
    subtitle: `${target} · ${t.unit} · 报表数 figure ${t.figure} · ${t.total === null ? "分录未合计 entries not added up (totals: false)" : `分录合计 entries ${t.total} · ${t.agrees ? "一致 agrees" : "不一致 DOES NOT AGREE"}`}`,
    sections: [
      {
        columns: [
          ids
            ? { key: "entry_id", label_zh: "分录号", label_en: "Entry", kind: "count" as const }
            : { key: "ordinal", label_zh: "序号", label_en: "No.", kind: "count" as const },
          { key: "effective_on", label_zh: "日期", label_en: "Date" },
          { key: "idempotency_key", label_zh: "业务键", label_en: "Key" },
          { key: "amount", label_zh: "金额", label_en: "Amount", kind },
          { key: "source", label_zh: "来源", label_en: "Source" },
          { key: "posted_by", label_zh: "记账人", label_en: "Posted by" },
          ...(ids ? [] : [{ key: "entry_hash", label_zh: "分录哈希", label_en: "Entry hash" }]),
        ],
        rows: t.entries.map((e) => ({
          ...(ids ? { entry_id: e.entry_id } : { ordinal: e.ordinal, entry_hash: e.entry_hash }),
          effective_on: e.effective_on,
          idempotency_key: e.idempotency_key,
          amount: e.amount,
          source: sourceText(e.source),
          posted_by: e.posted_by,
        })),
        totals: { amount: t.total },
      },
    ],
    notes:
      t.entry_count !== null && t.entries.length < t.entry_count
        ? [`${t.entries.length} of ${t.entry_count} entries shown (--limit); the total covers all of them`]
        : [],
  };
}

function sourceText(source: TraceEntry["source"]): string | null {
  if (source === null) return null;
  if ("file" in source)
    return source.file === null
      ? "文件 file" // a file another party imported: its name, rows and hash are not this viewer's
      : `${source.file}:${source.row ?? "-"} (${(source.sha256 ?? "").slice(0, 12)})`;
  return `request ${source.request_id ?? "-"} ${source.party ?? ""}`.trim();
}
