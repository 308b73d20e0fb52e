// The typed client of the /v1 API: openapi-fetch over the schema openapi-typescript makes from the
// server's own OpenAPI document (npm run build:web), so the page and the API cannot drift. The
// session cookie (plk_session, httpOnly) goes with every request of this origin.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export const api = createClient<paths>({ baseUrl: "/v1", credentials: "same-origin" });
export type { components, paths };

type JsonOf<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;

export type Me = JsonOf<"/me">;
export type Settlement = JsonOf<"/reports/settlement">;
export type Reconciliation = Extract<JsonOf<"/reports/reconciliation">, { items: unknown }>;
// one park's report (without a park the answer is every park side by side)
export type Indicators = Extract<JsonOf<"/reports/indicators">, { park: string; operator: string }>;
export type TraceAnswer = {
  figure: string;
  /** Null for a page asked for without adding every entry up (totals=no). */
  total: string | null;
  agrees: boolean | null;
  entry_count: number | null;
  /** How many entries come before the first one listed (a page of a long trace). */
  offset: number;
  unit: string;
  entries: {
    ordinal: number;
    entry_id: string;
    kind: string;
    effective_on: string;
    park?: string | null;
    tax_code?: string | null;
    description?: string | null;
    amount: string;
    source?: Record<string, unknown> | null;
    posted_by?: string | null;
    idempotency_key?: string | null;
  }[];
};

/** An answer the page could not use: its HTTP status and the API's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The data of an openapi-fetch answer, or an ApiError with the API's own words. */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.response.ok && r.data !== undefined) return r.data;
  const e = r.error as { error?: string; message?: string } | undefined;
  throw new ApiError(r.response.status, e?.message ?? e?.error ?? `HTTP ${r.response.status}`);
}

/** A report's address in another format (the whole result, as the API answers it). */
export function downloadHref(path: string, query: Record<string, string | number | undefined>, format: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  q.set("format", format);
  return `/v1${path}?${q.toString()}`;
}

/** A person's decision on a probable pair of the reconciliation (POST /v1/reconciliation/decisions). */
export type DecisionInput = NonNullable<
  paths["/reconciliation/decisions"]["post"]["requestBody"]
>["content"]["application/json"];

export async function postDecision(input: DecisionInput) {
  return unwrap(await api.POST("/reconciliation/decisions", { body: input }));
}

/** Who recorded something on a settlement statement (src/services/statements.ts, RecordedBy). */
export interface RecordedBy {
  party: string;
  user: string | null;
  posted_by: string;
  request_id: string | null;
}

/** A settlement statement as listed (GET /v1/reports/statements; src/services/statements.ts, StatementView). */
export interface StatementView {
  number: string;
  operator: string;
  park: string;
  host: string;
  fiscal_year: number;
  issue_no: number;
  state: "issued" | "disputed" | "confirmed" | "superseded";
  open_disputes: number[];
  supersedes: string | null;
  superseded_by: string | null;
  operator_share: string;
  transferred: string;
  balance_due: string;
  content_sha256: string;
  issued_by: RecordedBy;
  issued_at: string;
}

/** One settlement statement with its events (GET /v1/reports/statement; StatementDetail). */
export interface StatementDetail extends StatementView {
  hash_intact: boolean;
  matches_books: boolean;
  differing_lines: string[];
  statement: Settlement;
  events: {
    seq: number;
    kind: "confirm" | "dispute" | "resolve" | "withdraw" | "supersede";
    lines: string[] | null;
    dispute: number | null;
    reason: string | null;
    content_sha256: string | null;
    resolved_by: {
      entry_id: string | null;
      entry_hash: string | null;
      receipt_no: string | null;
      transfer_ref: string | null;
    } | null;
    superseded_by: string | null;
    recorded_by: RecordedBy;
    recorded_at: string;
  }[];
}
