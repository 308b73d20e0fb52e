// A figure's trace from the API: a page of its entries, or every entry added up. The figure link
// asks for the first page the moment it is clicked (prefetchTrace), so the answer is on its way while
// the trace page is loaded and drawn; the page then takes it (traceAnswer) instead of asking again,
// and asks for the sum once the page is in.
import { api, unwrap, type TraceAnswer } from "./client";

export const TRACE_PATHS = {
  settlement: "/trace/settlement",
  indicators: "/trace/indicators",
  account: "/trace/account",
} as const;
export type TraceKind = keyof typeof TRACE_PATHS;

/** Entries per page: the API sums them all, the page lists a page of them. */
export const TRACE_PAGE_SIZE = 50;

/** The first page without the sum (a figure may stand on a million entries), and the sum alone. */
export const FIRST_PAGE = { limit: TRACE_PAGE_SIZE, offset: 0, totals: "no" } as const;
export const TOTALS_ONLY = { limit: 0, offset: 0 } as const;

type Extra = Record<string, string | number>;

/** The kind of trace and its query, read from the trace page's address. */
export function traceTarget(search: URLSearchParams): { kind: TraceKind; query: Record<string, string> } {
  const asked = search.get("kind") ?? "settlement";
  const kind: TraceKind = asked in TRACE_PATHS ? (asked as TraceKind) : "settlement";
  const query: Record<string, string> = {};
  for (const [k, v] of search) if (k !== "kind") query[k] = v;
  return { kind, query };
}

async function ask(kind: TraceKind, query: Record<string, string>, extra: Extra): Promise<TraceAnswer> {
  const q = { ...query, year: Number(query.year), ...extra } as never;
  const r =
    kind === "indicators"
      ? await api.GET("/trace/indicators", { params: { query: q } })
      : kind === "account"
        ? await api.GET("/trace/account", { params: { query: q } })
        : await api.GET("/trace/settlement", { params: { query: q } });
  return unwrap(r as { data?: unknown; error?: unknown; response: Response }) as TraceAnswer;
}

/** Answers asked for ahead of the page, each taken once, and forgotten if the page never comes. */
const ahead = new Map<string, { answer: Promise<TraceAnswer>; at: number }>();
const AHEAD_MS = 10_000;

const keyOf = (search: URLSearchParams, extra: Extra) =>
  `${search.toString()}#${Object.entries(extra)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("&")}`;

/** Asks for the first page of the trace at `href` (a /trace?… address) now. */
export function prefetchTrace(href: string): void {
  const search = new URL(href, window.location.origin).searchParams;
  const { kind, query } = traceTarget(search);
  const now = Date.now();
  for (const [k, v] of ahead) if (now - v.at > AHEAD_MS) ahead.delete(k);
  const answer = ask(kind, query, FIRST_PAGE);
  answer.catch(() => undefined); // the page shows the error when it takes the answer
  ahead.set(keyOf(search, FIRST_PAGE), { answer, at: now });
}

/** The trace at `search` with `extra` (a page, or the sum): the answer asked for ahead if any, else asked now. */
export function traceAnswer(search: URLSearchParams, extra: Extra): Promise<TraceAnswer> {
  const key = keyOf(search, extra);
  const early = ahead.get(key);
  ahead.delete(key);
  if (early !== undefined && Date.now() - early.at <= AHEAD_MS) return early.answer;
  const { kind, query } = traceTarget(search);
  return ask(kind, query, extra);
}
