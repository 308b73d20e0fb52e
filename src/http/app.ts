// `parkledger serve`: the command line's operations as a JSON API under /v1 (docs/contract.md#http-api).
// Every route is declared once in ROUTES with its schemas and its access rule; the same declaration
// parses the request, checks the token's scope, checks the response, and describes the route in the
// OpenAPI document. Handlers run as the token's party (src/repositories/actor.ts), so every entry they
// post records the request id, party and token.

import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { fieldRejection } from "../../ledger/rejections.js";
import type { Database } from "../db/database.js";
import { importEnterprises } from "../import/enterprises.js";
import { importIndicators } from "../import/indicators.js";
import { importLand } from "../import/land.js";
import { importProjects } from "../import/projects.js";
import { importReceipts } from "../import/receipts.js";
import { receiptView } from "../../reports/receipt.js";
import { importStatements } from "../import/statements.js";
import { receiptOwner } from "../repositories/receipts.js";
import { canonicalNames, ReferenceData } from "../repositories/reference.js";
import type { Principal } from "../repositories/tokens.js";
import { listAgreements, listCentralRatios } from "../services/agreements.js";
import { ReceiptDesk } from "../services/receipts.js";
import { listParks } from "../services/parks.js";
import { deciderOf, listDecisions, recordDecision } from "../services/reconciliation-decisions.js";
import { userOfToken } from "../repositories/users.js";
import { parseAnchor, verifyLedger } from "../services/verify.js";
import { jsonPieces, StreamedJson, writePieces, writeStreamed } from "../cli/output.js";
import { renderCsv, renderTable, renderXlsx, type Tabular } from "../../reports/render.js";
import { suspenseVisible } from "../../reports/suspense.js";
import { access, bureauOf, operatorOf, viewerOf, type Decision } from "./access.js";
import { LIMITS } from "./guard.js";
import { accessLog, requestFields } from "./logging.js";
import { HttpError, toHttpError } from "./errors.js";
import { checkParams } from "./names.js";
import { openApiDocument } from "./openapi.js";
import { authenticator } from "./authenticate.js";
import { sessionRoutes, userRoutes } from "./sessions.js";
import { receiveUpload } from "./upload.js";
import { HELMET_OPTIONS, securityHeaders } from "./security-headers.js";
import { cacheKey, holdsAlready, ReportCache, type Rendered } from "./report-cache.js";
import * as S from "./schemas.js";
import { REPORTS, reportPath, type ReportOperation } from "../operations/reports.js";
import { WRITES, type WriteOperation } from "../operations/writes.js";

export interface AppOptions {
  /**
   * Express's `trust proxy`: the proxies whose X-Forwarded-For names the client (e.g. "loopback" or
   * "10.0.0.1"); unset, every request's address is its connection's.
   */
  trust_proxy?: string;
  logger: Logger;
  /** The largest JSON body (batches of receipts). */
  json_limit?: string;
  /** The largest uploaded CSV file, in bytes (default LIMITS.upload_bytes_max, 512 MiB). */
  upload_limit_bytes?: number;
  /** The most lines an uploaded CSV file may have, its header included (default LIMITS.upload_lines_max). */
  upload_lines_max?: number;
  /**
   * How long a token, once found valid, is trusted without asking the database again (default 1000 ms;
   * 0 asks every time, and then unknown tokens are not remembered either). A revoked token is refused
   * by a running server within this time.
   */
  token_cache_ms?: number;
  /** How long a token found unknown is refused without asking the database (LIMITS.unknown_token_cache_ms). */
  unknown_token_cache_ms?: number;
  /** Failed authentications an address may make per window before it is answered 429 (LIMITS). */
  auth_failures_max?: number;
  /** The window those failures are counted in (LIMITS.auth_failure_window_ms). */
  auth_failure_window_ms?: number;
  /** Addresses whose failures are remembered at once (LIMITS.auth_addresses_max). */
  auth_addresses_max?: number;
  /** Where the handlers at work are counted (`serve` waits for them when it stops). */
  inflight?: InFlight;
  /**
   * The built web workspace served at / (default: web/dist of this package, `npm run build:web`);
   * null serves none.
   */
  web_dir?: string | null;
  /**
   * Where the answers of reports marked `cacheable` are kept while the books do not change
   * (src/http/report-cache.ts); default a cache of REPORT_CACHE_LIMITS, null keeps none.
   */
  report_cache?: ReportCache | null;
}

interface Context {
  upload_limit_bytes?: number;
  desk: ReceiptDesk;
  db: Database;
  principal: Principal;
  request_id: string;
  req: Request;
  ref: () => Promise<ReferenceData>;
}

/** What a handler answers: JSON, and for reports the tables the other formats are made from. */
interface Answer {
  status?: number;
  json: unknown;
  tabular?: (format: "csv" | "xlsx" | "table") => Tabular | Promise<Tabular>;
  headers?: Record<string, string>;
}

export interface RouteDef {
  method: "get" | "post";
  path: string;
  summary: string;
  tag: string;
  query?: z.ZodType;
  body?: z.ZodType | "csv";
  response: z.ZodType;
  /** Reports answer in json, csv, xlsx or a terminal table, by ?format= or Accept. */
  formats?: boolean;
  idempotency?: "required";
  /**
   * The answer is made from the books, the parameters and the caller's view alone (never the clock),
   * and is small: kept while the books do not change (src/http/report-cache.ts).
   */
  cached?: boolean;
  /**
   * Whether party, park and jurisdiction fields are rewritten to recorded codes before the access
   * rule runs (src/http/names.ts); false for a route that names parks and parties it creates.
   */
  canonical_names?: boolean;
  allow: (p: Principal, input: { query: any; body: any; ctx: Context }) => Decision | Promise<Decision>; // eslint-disable-line @typescript-eslint/no-explicit-any
  handle: (input: { query: any; body: any; ctx: Context }) => Promise<Answer>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  table: "text/plain; charset=utf-8",
} as const;

/** Responses with more items than this are not re-checked against their schema (a million rows). */
const RESPONSE_CHECK_ITEMS_MAX = 10_000;

/** A receipts file's scope when it gives none (`?scope=`): no default. */
const withScope = (scope: "gross" | "local" | undefined) => (scope === undefined ? {} : { scope });

const IMPORT_KINDS = {
  enterprises: importEnterprises,
  receipts: importReceipts,
  indicators: importIndicators,
  projects: importProjects,
  land: importLand,
} as const;

export const ROUTES: RouteDef[] = [
  {
    method: "post",
    path: "/receipts",
    summary: "Book one receipt (or refund). Needs an Idempotency-Key header; the same receipt again is a no-op.",
    tag: "receipts",
    body: S.ReceiptInput,
    response: S.PostReceiptsResult,
    idempotency: "required",
    allow: (p) => access.writeMoney(p),
    handle: ({ body, ctx }) => postAnswer(ctx, [body], "/receipts"),
  },
  {
    method: "post",
    path: "/receipts/batch",
    summary: "Book up to 10,000 receipts at once: all of them or none. Needs an Idempotency-Key header.",
    tag: "receipts",
    body: S.ReceiptBatch,
    response: S.PostReceiptsResult,
    idempotency: "required",
    allow: (p) => access.writeMoney(p),
    handle: ({ body, ctx }) => postAnswer(ctx, body.receipts, "/receipts/batch"),
  },
  {
    method: "get",
    path: "/receipts/:receipt_no",
    summary: "One receipt as booked, with its split and its entry.",
    tag: "receipts",
    query: S.NoQuery,
    response: S.AnyReport,
    allow: async (p, { ctx }) => {
      const receipt_no = String(ctx.req.params.receipt_no);
      const row = await receiptOwner(ctx.db.knex, receipt_no);
      if (row === undefined) return access.readReceipt(p, null);
      const viewer = viewerOf(p);
      // a suspense receipt belongs to no park: an operator sees it where it is linked to its park
      const linked =
        row.status === "suspense" &&
        viewer.kind === "operator" &&
        (await suspenseVisible(ctx.db.knex, viewer, receipt_no));
      return access.readReceipt(p, { operator: row.operator ?? null, linked });
    },
    handle: async ({ ctx }) => ({
      json: (await receiptView(ctx.db.knex, viewerOf(ctx.principal), String(ctx.req.params.receipt_no)))!,
    }),
  },
  {
    method: "post",
    path: "/imports/:kind",
    summary:
      "Import a CSV file sent as the body (text/csv): enterprises, receipts, indicators, projects, land, or statements (with ?party=). ?name= is the file name to record.",
    tag: "imports",
    query: S.ImportQuery,
    body: "csv",
    response: S.AnyReport,
    allow: (p, { query, ctx }) => {
      const kind = ctx.req.params.kind;
      if (kind === "statements") {
        if (query.party === undefined)
          throw new HttpError(400, "invalid_request", "?party= names the operator whose statement this is");
        return access.writeStatement(p, query.party);
      }
      if (kind === "indicators") return access.writeIndicators(p);
      if (kind === "projects") return access.writeProjects(p);
      if (kind === "enterprises" || kind === "receipts" || kind === "land") return access.writeMoney(p);
      return "hide";
    },
    handle: async ({ query, ctx }) => {
      const kind = ctx.req.params.kind as string;
      const file = await receiveUpload(ctx.req, query.name ?? `${kind}.csv`, ctx.upload_limit_bytes);
      try {
        // the answer names the file as the client sent it, never where the server kept it
        const named = <T extends { file: string }>(result: T): T => ({ ...result, file: path.basename(file) });
        if (kind === "statements") {
          const result = named(await importStatements(ctx.db, query.party!, file));
          // the import's number is a serial shared with every party's imports: an operator is not told it
          return {
            status: 201,
            json: operatorOf(ctx.principal) === null ? result : { ...result, import_id: null },
          };
        }
        if (kind === "receipts")
          return { status: 201, json: named(await importReceipts(ctx.db, file, withScope(query.scope))) };
        if (kind === "indicators" && bureauOf(ctx.principal) !== null) {
          // an operator's bureau counts its own parks; the import's number is a serial it is not told
          const result = named(await importIndicators(ctx.db, file, { parks: ctx.principal.operates }));
          return { status: 201, json: { ...result, import_id: null } };
        }
        const run = IMPORT_KINDS[kind as keyof typeof IMPORT_KINDS];
        return { status: 201, json: named(await run(ctx.db, file)) };
      } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    },
  },
  {
    method: "get",
    path: "/parks",
    summary: "Every park, its operator and host, and the share in force today (an operator sees its own parks).",
    tag: "money",
    query: S.NoQuery,
    response: z.array(z.object({ park: z.string(), operator: z.string(), host: z.string() }).loose()),
    formats: false,
    allow: (p) => access.readAgreements(p),
    handle: async ({ ctx }) => {
      const own = operatorOf(ctx.principal);
      const list = await listParks(ctx.db);
      return { json: own === null ? list : list.filter((park) => park.operator === own) };
    },
  },
  {
    method: "get",
    path: "/agreements",
    summary: "Every version of the parks' sharing agreements (an operator sees its own park's).",
    tag: "money",
    query: S.NoQuery,
    response: z.array(z.object({ park: z.string(), operator_share_pct: z.string() }).loose()),
    formats: false,
    allow: (p) => access.readAgreements(p),
    handle: async ({ ctx }) => {
      const own = operatorOf(ctx.principal);
      const list = await listAgreements(ctx.db);
      // an agreement's id is a serial over every park's versions: an operator sees its own without it
      return { json: own === null ? list : list.filter((a) => a.operator === own).map((a) => ({ ...a, id: null })) };
    },
  },
  {
    method: "get",
    path: "/ratios",
    summary: "Every version of the central–local ratio of each tax (分税制).",
    tag: "money",
    query: S.RatioQuery,
    response: z.array(z.object({ tax_code: z.string() }).loose()),
    allow: (p) => access.readAgreements(p),
    handle: async ({ query, ctx }) => ({ json: await listCentralRatios(ctx.db, query.tax) }),
  },
  {
    method: "get",
    path: "/verify",
    summary: "Recompute balances and the hash chain; `intact` false names the first broken link.",
    tag: "audit",
    query: S.VerifyQuery,
    response: z.object({ intact: z.boolean() }).loose(),
    allow: (p) => access.readAllMoney(p),
    handle: async ({ query, ctx }) => {
      const anchor = query.anchor === undefined ? null : parseAnchor(query.anchor);
      if (query.anchor !== undefined && anchor === null)
        throw new HttpError(400, "invalid_request", "anchor is ENTRY_ID:SHA256 (64 hex digits)");
      return { json: await verifyLedger(ctx.db, anchor === null ? [] : [anchor]) };
    },
  },
  {
    method: "post",
    path: "/reconciliation/decisions",
    summary:
      "Confirm or reject a probable counterpart of a reconciliation: a receipt missing in the operator's statement and a statement row missing in the prefecture's books, of one enterprise and tax. A later decision on the same pair supersedes the earlier one; a reject needs a reason.",
    tag: "reports",
    body: S.ReconciliationDecisionInput,
    response: S.ReconciliationDecisionView,
    allow: (p, { body }) => access.decideReconciliation(p, body.operator),
    handle: async ({ body, ctx }) => {
      const ref = await ctx.ref();
      // a person signed in with a session is named; a machine's token is recorded by its id
      const user =
        ctx.req.res?.locals.via_session === true ? await userOfToken(ctx.db.knex, ctx.principal.token_id) : null;
      const full = operatorOf(ctx.principal) === null;
      return {
        status: 201,
        json: await recordDecision(ctx.db.knex, ref, body, deciderOf(ref, body.operator, user), full),
      };
    },
  },
  {
    method: "get",
    path: "/reconciliation/decisions",
    summary:
      "Every decision recorded on the probable counterparts of an operator's reconciliation of a year, newest first.",
    tag: "reports",
    query: S.ReconciliationDecisionQuery,
    response: z.array(S.ReconciliationDecisionView),
    allow: (p, { query }) => access.readOperatorMoney(p, query.operator),
    handle: async ({ query, ctx }) => {
      const ref = await ctx.ref();
      if (ref.parksRunBy(query.operator).length === 0)
        throw fieldRejection(
          "operator",
          "operator_unknown",
          `${query.operator} runs no park; the operators are ${ref.operators.join(", ")}`,
        );
      return { json: await listDecisions(ctx.db.knex, query.year, query.operator, operatorOf(ctx.principal) === null) };
    },
  },
  ...WRITES.map(writeRoute),
  ...REPORTS.map(reportRoute),
];

/** A form-like write of the registry (src/operations/writes.ts) as a route: 201, or 200 when done before. */
function writeRoute(op: WriteOperation): RouteDef {
  return {
    method: "post",
    path: op.path,
    summary: op.summary,
    tag: "money",
    body: op.body,
    response: S.AnyReport,
    ...(op.canonical_names === false ? { canonical_names: false } : {}),
    allow: (p) => op.allow(p),
    handle: async ({ body, ctx }) => {
      const answer = await op.run(ctx.db, body);
      return { status: answer.replayed ? 200 : 201, json: answer.json }; // the same write again books nothing
    },
  };
}

/** A report or trace of the registry (src/operations/reports.ts) as a route: the caller's view, any format. */
function reportRoute(op: ReportOperation): RouteDef {
  return {
    method: "get",
    path: reportPath(op),
    summary: op.summary,
    tag: op.group === "report" ? "reports" : "audit",
    query: op.params.extend(S.formatField),
    response: op.response ?? S.AnyReport,
    formats: true,
    ...(op.cacheable === true ? { cached: true } : {}),
    allow: (p, { query, ctx }) => op.allow(p, query, ctx.ref),
    handle: async ({ query, ctx }) =>
      op.run({ knex: ctx.db.knex, ref: await ctx.ref(), viewer: viewerOf(ctx.principal) }, query),
  };
}

async function postAnswer(ctx: Context, receipts: S.ReceiptInputT[], route: string): Promise<Answer> {
  const key = ctx.req.get("Idempotency-Key");
  if (key === undefined || key.trim() === "" || key.length > 200) throw new HttpError(428, "idempotency_key_required");
  const outcome = await ctx.desk.submit(receipts, {
    party: ctx.principal.party,
    key: key.trim(),
    request_sha256: createHash("sha256")
      .update(`${route}\n${JSON.stringify(receipts)}`)
      .digest("hex"),
    route,
    request_id: ctx.request_id,
    token_id: ctx.principal.token_id,
  });
  if (outcome.replayed)
    return { status: outcome.status, json: outcome.response, headers: { "Idempotent-Replayed": "true" } };
  return { status: 201, json: outcome.result };
}

function chooseFormat(
  req: Request,
  query: { format?: string } | undefined,
  formats: boolean,
): keyof typeof CONTENT_TYPES {
  if (!formats) return "json";
  if (query?.format !== undefined) return query.format as keyof typeof CONTENT_TYPES;
  const accepted = req.accepts([CONTENT_TYPES.json, "text/csv", CONTENT_TYPES.xlsx, "text/plain"]);
  if (accepted === false) throw new HttpError(406, "not_acceptable");
  return accepted === "text/csv"
    ? "csv"
    : accepted === CONTENT_TYPES.xlsx
      ? "xlsx"
      : accepted === "text/plain"
        ? "table"
        : "json";
}

async function send(res: Response, format: keyof typeof CONTENT_TYPES, answer: Answer): Promise<void> {
  res.status(answer.status ?? 200);
  for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
  res.setHeader("Content-Type", CONTENT_TYPES[format]);
  if (format === "json") {
    if (answer.json instanceof StreamedJson) {
      // a reconciliation of a year: written a batch of items at a time as the database hands them over
      await writeStreamed(res, answer.json.pieces());
      res.end();
      return;
    }
    const items = (answer.json as { items?: unknown[]; entries?: unknown[] } | null) ?? {};
    const large = (items.items?.length ?? items.entries?.length ?? 0) > 1000;
    if (!large) {
      res.end(JSON.stringify(answer.json, null, 2) + "\n"); // one write for the headers and the body
      return;
    }
    await writePieces(res, jsonPieces(answer.json, true));
    res.end();
    return;
  }
  if (answer.tabular === undefined) throw new HttpError(406, "not_acceptable");
  const t = await answer.tabular(format);
  res.end(format === "csv" ? renderCsv(t) : format === "xlsx" ? await renderXlsx(t) : await renderTable(t));
}

/** An answer as the bytes `send` would write (a cached report's, never a large list streamed). */
async function render(format: keyof typeof CONTENT_TYPES, answer: Answer): Promise<Rendered> {
  let body: Buffer;
  if (format === "json") body = Buffer.from(JSON.stringify(answer.json, null, 2) + "\n");
  else {
    if (answer.tabular === undefined) throw new HttpError(406, "not_acceptable");
    const t = await answer.tabular(format);
    body =
      format === "csv"
        ? Buffer.from(renderCsv(t))
        : format === "xlsx"
          ? Buffer.from(await renderXlsx(t))
          : Buffer.from(await renderTable(t));
  }
  return { status: answer.status ?? 200, headers: answer.headers ?? {}, content_type: CONTENT_TYPES[format], body };
}

/**
 * Requests not yet answered and handlers still at work. A stopping server waits for both before it
 * closes the database: every request that arrived gets its answer, and one whose client has gone
 * still finishes (or rolls back) on its own terms.
 */
export class InFlight {
  private count = 0;
  private waiting: (() => void)[] = [];

  enter(): void {
    this.count += 1;
  }

  leave(): void {
    this.count -= 1;
    if (this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.enter();
    return work.finally(() => this.leave());
  }

  get size(): number {
    return this.count;
  }

  /** Resolves once no request is at work. */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
}

export function createApp(db: Database, options: AppOptions): express.Express {
  const app = express();
  const inflight = options.inflight ?? new InFlight();
  const desk = new ReceiptDesk(db);
  const cache = options.report_cache === undefined ? new ReportCache() : options.report_cache;
  const limits = { upload_lines_max: options.upload_lines_max ?? LIMITS.upload_lines_max };
  app.disable("x-powered-by");
  // behind a reverse proxy, the client's address (for throttling and logs) is the proxy's to tell
  if (options.trust_proxy !== undefined) app.set("trust proxy", options.trust_proxy);
  app.set("query parser", "simple");
  // helmet's headers, worked out once: the server speaks plain HTTP itself (TLS is a proxy's), and
  // upgrading the page's own assets to https would break the web workspace served on a local address
  app.use(securityHeaders(HELMET_OPTIONS));
  app.use((req, res, next) => {
    // the id the audit trail records is always the server's own; a client's id is only logged beside it
    const id = randomUUID();
    res.locals.request_id = id;
    const given = req.get("X-Request-Id");
    if (given !== undefined && /^[\w.-]{1,64}$/.test(given)) res.locals.client_request_id = given;
    res.setHeader("X-Request-Id", id);
    next();
  });
  app.use(accessLog(options.logger));
  app.use((_req, res, next) => {
    // a request counts from its arrival until its answer is sent (or its client has gone), and its
    // handler (tracked below) until it has finished, whichever is later
    inflight.enter();
    res.once("close", () => inflight.leave());
    next();
  });
  const v1 = express.Router();
  v1.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  v1.use(sessionRoutes(db));
  v1.use(authenticator(db, options, limits));
  v1.use(userRoutes(db));
  v1.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument(ROUTES));
  });
  v1.get("/me", async (_req, res) => {
    const p = res.locals.principal as Principal;
    // the parks the caller may name: an operator (its finance or its statistics bureau) its own, everyone
    // else every park (the workspace's choices)
    const own = operatorOf(p) ?? bureauOf(p);
    const parks = (await listParks(db)).filter((park) => own === null || park.operator === own);
    res.json({
      party: p.party,
      role: p.role,
      token_id: p.token_id.toString(),
      operates: [...p.operates],
      hosts: [...p.hosts],
      parks: parks.map((park) => ({
        park: park.park,
        name_zh: park.name_zh,
        name_en: park.name_en,
        operator: park.operator,
        host: park.host,
      })),
    });
  });
  const json = express.json({ limit: options.json_limit ?? LIMITS.json_body_bytes_max, strict: true });
  for (const route of ROUTES) {
    const handlers = [
      ...(route.body !== undefined && route.body !== "csv" ? [requireJson, json] : []),
      (req: Request, res: Response) => inflight.track(handle(route, { db, desk, options, cache }, req, res)),
    ];
    if (route.method === "get") v1.get(route.path, ...handlers);
    else v1.post(route.path, ...handlers);
  }
  v1.use(() => {
    throw new HttpError(404, "not_found");
  });
  app.use("/v1", v1);
  app.use(webWorkspace(options.web_dir === undefined ? defaultWebDir() : options.web_dir));
  app.use(() => {
    throw new HttpError(404, "not_found");
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const id = (res.locals.request_id as string | undefined) ?? "-";
    const { status, body, fault } = toHttpError(error, id);
    if (fault) options.logger.error({ ...requestFields(req, res), err: error }, "request failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  });
  return app;
}

/** web/dist of this package: two folders up from src/http, three from dist/src/http. */
export function defaultWebDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    if (fs.existsSync(path.join(dir, "package.json"))) return path.join(dir, "web", "dist");
    dir = path.dirname(dir);
  }
  return path.resolve("web", "dist");
}

/**
 * The web workspace (docs/web.md): its hashed assets under /assets with a year's cache, and
 * index.html, never cached, for / and every other page's path outside /v1 (the page routes itself).
 * Without a build, / says how to make one.
 */
function webWorkspace(dir: string | null): express.Router {
  const router = express.Router();
  const index = dir === null ? null : path.join(dir, "index.html");
  if (index === null || !fs.existsSync(index)) {
    router.get("/", (_req, res) => {
      res
        .status(503)
        .type("text/plain; charset=utf-8")
        .send(
          "parkledger: the web workspace is not built here. Run `npm run build:web` (npm install does it), " +
            "then start the server again. The JSON API is at /v1.\n",
        );
    });
    return router;
  }
  // hashed file names change with their content: a browser may keep them for a year
  router.use("/assets", express.static(path.join(dir!, "assets"), { immutable: true, maxAge: "365d", index: false }));
  router.use(
    express.static(dir!, {
      index: false,
      setHeaders: (res) => res.setHeader("Cache-Control", "no-cache"),
    }),
  );
  router.get("/{*page}", (req, res, next) => {
    // a missing asset is a 404, not the page
    if (req.path.startsWith("/assets/") || !req.accepts("html")) {
      next();
      return;
    }
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  return router;
}

/** What every route shares: the server's database, the receipt desk, its options, the report cache. */
interface Served {
  db: Database;
  desk: ReceiptDesk;
  options: AppOptions;
  cache: ReportCache | null;
}

/**
 * One request to a route: its path parameters, query and body parsed by the route's schemas, names
 * spelled one way, the access rule, the handler, the response checked against its schema, the answer
 * in the format asked for.
 */
async function handle(
  route: RouteDef,
  { db, desk, options, cache }: Served,
  req: Request,
  res: Response,
): Promise<void> {
  const principal = res.locals.principal as Principal;
  checkParams(req.params);
  const query = route.query !== undefined ? route.query.parse(req.query) : {};
  const body = route.body === undefined || route.body === "csv" ? undefined : route.body.parse(req.body);
  // a cached report reads the books' version before anything else, the reference data included
  const cached = route.cached === true && cache !== null ? cache : null;
  const version = cached === null ? null : await cached.version(db.knex);
  let ref: Promise<ReferenceData> | null = null;
  const loadRef = () =>
    (ref ??= version === null ? ReferenceData.load(db.knex) : cached!.referenceData(db.knex, version));
  // names as the database spells them before any rule reads them: Urumqi, 乌鲁木齐 and urumqi alike
  // an operator is told nothing of what lies beyond its own (docs/domain.md#confidentiality): a name
  // that is none is left as given, and the access rule refuses it as it refuses another's
  const tellUnknown = operatorOf(principal) === null && bureauOf(principal) === null;
  if (route.canonical_names !== false) {
    await canonicalNames(query, loadRef, tellUnknown);
    await canonicalNames(body, loadRef, tellUnknown);
  }
  const ctx: Context = {
    desk,
    db,
    principal,
    request_id: res.locals.request_id as string,
    req,
    ref: loadRef,
    ...(options.upload_limit_bytes !== undefined ? { upload_limit_bytes: options.upload_limit_bytes } : {}),
  };
  const decision = await route.allow(principal, { query, body, ctx });
  if (decision === "hide") throw new HttpError(404, "not_found");
  if (decision === "forbid") throw new HttpError(403, "forbidden");
  const format = chooseFormat(req, query as { format?: string }, route.formats === true);
  const compute = async () => {
    const answer = await route.handle({ query, body, ctx });
    const items = (answer.json as { items?: unknown[] } | null)?.items;
    const streamed = answer.json instanceof StreamedJson; // more items than are checked
    if (format === "json" && !streamed && (items === undefined || items.length <= RESPONSE_CHECK_ITEMS_MAX)) {
      const checked = route.response.safeParse(answer.json);
      // an answer that breaks its own schema is our fault, never the caller's
      if (!checked.success)
        throw new Error(`response of ${route.method} ${route.path} breaks its schema: ${checked.error.message}`);
    }
    return answer;
  };
  if (format === "csv" || format === "xlsx") res.attachment(downloadName(route, req, query as object, format));
  if (cached === null) {
    await send(res, format, await compute());
    return;
  }
  // the key holds the caller's view: the access rule above has passed, and the answer is made from
  // the parameters, the view and the books alone (reportRoute)
  const key = cacheKey(
    route,
    req.params as Record<string, string>,
    query as Record<string, unknown>,
    format,
    viewerOf(principal),
  );
  const kept = await cached.answer(key, version!, async () => render(format, await compute()));
  res.setHeader("ETag", kept.etag);
  if (holdsAlready(req.get("If-None-Match"), kept.etag)) {
    res.status(304).end();
    return;
  }
  res.status(kept.status);
  for (const [k, v] of Object.entries(kept.headers)) res.setHeader(k, v);
  res.setHeader("Content-Type", kept.content_type);
  res.end(kept.body);
}

/**
 * A download's file name, from what was asked: `parkledger-settlement-bingtuan-BZ-2025.xlsx`. Only the
 * request's own words go into it (the caller's view, nothing of another party's), and only letters,
 * digits, CJK characters, `-` and `_` (a name a finance officer can save as is on any system).
 */
export function downloadName(route: RouteDef, req: Request, query: object, format: "csv" | "xlsx"): string {
  const parts = [
    ...route.path.split("/").filter((part) => part !== "" && !part.startsWith(":")),
    ...Object.values(req.params).map(String),
  ];
  for (const [key, value] of Object.entries(query))
    if (key !== "format" && (typeof value === "string" || typeof value === "number")) parts.push(String(value));
  const words = parts
    .map((part) =>
      part
        .normalize("NFC")
        .replace(/[^\p{L}\p{N}_-]+/gu, "_")
        .replace(/^_+|_+$/g, ""),
    )
    .filter((part) => part !== "" && part !== "reports");
  return `parkledger-${words.join("-").slice(0, 120)}.${format}`;
}

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is("application/json"))
    throw new HttpError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
  next();
}
