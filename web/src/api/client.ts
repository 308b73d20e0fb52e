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
