// The one place that turns an error into an HTTP answer: `{ "error": { "code", "message", "details" } }`
// with a 4xx status for the caller's mistakes (codes from ledger/rejections.ts or the few below, never
// renamed), and a bare 500 naming the request id for a fault of ours; never a stack trace.

import { ZodError } from "zod";
import { REJECTIONS_ZH } from "../../ledger/rejections-zh.js";
import { Rejection, type RejectionCode } from "../../ledger/rejections.js";
import { FileRejected } from "../import/csv.js";
import { ImportRejected } from "../import/errors.js";
import { UsageError } from "../cli/output.js";
import { balanceRejection } from "../repositories/journal.js";

export const HTTP_ERRORS = {
  unauthorized: "no valid bearer token: send Authorization: Bearer <token> (parkledger token create)",
  forbidden: "this token's party and role may not do this",
  not_found: "no such resource",
  invalid_request: "the request does not match the API's schema",
  malformed_json: "the body is not valid JSON",
  payload_too_large: "the body is larger than this endpoint accepts",
  unsupported_media_type: "this endpoint takes another content type",
  not_acceptable: "no representation of this resource matches the Accept header",
  too_many_requests:
    "too many failed attempts to authenticate from this address; wait the Retry-After header's seconds",
  idempotency_key_required: "writes that book receipts need an Idempotency-Key header",
  rejected: "the input breaks a rule of the ledger; details name each problem",
  internal: "a fault of the server; nothing was booked by this request",
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS | RejectionCode;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? (HTTP_ERRORS as Record<string, string>)[code] ?? code);
    this.name = "HttpError";
  }
}

/** Rules whose breach is a conflict with what is recorded, rather than bad input. */
const CONFLICTS = new Set<RejectionCode>([
  "receipt_no_reused",
  "statement_row_reused",
  "transfer_ref_reused",
  "payment_ref_reused",
  "land_ref_reused",
  "idempotency_key_reused",
  "year_closed",
  "agreement_conflicts_with_posted_receipts",
  "ratio_conflicts_with_posted_receipts",
  "stay_conflicts_with_posted_receipts",
  "park_exists",
  "operator_runs_a_park",
  "reconciliation_pair_taken",
  "statement_superseded",
  "statement_disputed",
  "statement_stale",
  "statement_confirmed",
  "statement_dispute_closed",
  "statement_unconfirmed",
]);

/** Rules whose breach answers as the route would for what does not exist, or for a party not allowed. */
const STATUS_OF: Partial<Record<RejectionCode, number>> = {
  statement_unknown: 404,
  statement_operator_only: 403,
  statement_host_only: 403,
};

export interface ErrorBody {
  error: { code: string; message: string; message_zh?: string; details?: unknown };
}

export function toHttpError(error: unknown, requestId: string): { status: number; body: ErrorBody; fault: boolean } {
  error = balanceRejection(error) ?? error; // the running balances refused a booking: a rule, not a fault
  const body = (code: string, message: string, details?: unknown, message_zh?: string): ErrorBody => ({
    error: {
      code,
      message,
      ...(message_zh !== undefined ? { message_zh } : {}),
      ...(details !== undefined ? { details } : {}),
    },
  });
  if (error instanceof HttpError)
    return { status: error.status, body: body(error.code, error.message, error.details), fault: false };
  if (error instanceof ZodError) {
    const details = error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
    return { status: 400, body: body("invalid_request", message, details), fault: false };
  }
  if (error instanceof ImportRejected) {
    // rows of a JSON request are numbered from 1 in the order sent; a file's are its Excel rows
    const request = error.file === "request";
    const details = error.problems.map((p) =>
      request
        ? {
            index: p.row - 1,
            field: p.column,
            code: p.code,
            reason: p.reason,
            reason_zh: REJECTIONS_ZH[p.code],
            ...(p.value !== undefined ? { value: p.value } : {}),
          }
        : { ...p, reason_zh: REJECTIONS_ZH[p.code] },
    );
    const conflict = error.problems.length > 0 && error.problems.every((p) => CONFLICTS.has(p.code));
    return {
      status: conflict ? 409 : 422,
      body: body(
        conflict ? error.problems[0]!.code : "rejected",
        `${error.problem_count} problem${error.problem_count === 1 ? "" : "s"}; nothing was booked`,
        details,
        `${error.problem_count} 处问题，未入账任何数据`,
      ),
      fault: false,
    };
  }
  if (error instanceof FileRejected)
    return {
      status: 422,
      body: body(
        "rejected",
        "the file was refused; nothing was imported",
        error.problems.map((p) => ({ ...p, reason_zh: REJECTIONS_ZH[p.code] })),
        "文件被拒收，未导入任何数据",
      ),
      fault: false,
    };
  if (error instanceof Rejection)
    return {
      status: STATUS_OF[error.code] ?? (CONFLICTS.has(error.code) ? 409 : 422),
      body: body(error.code, error.message, error.details, REJECTIONS_ZH[error.code]),
      fault: false,
    };
  if (error instanceof URIError)
    // a path segment that is not percent-encoded UTF-8 (express marks it 400); the value is not echoed
    return { status: 400, body: body("invalid_request", "the path is not valid percent-encoded UTF-8"), fault: false };
  if (error instanceof UsageError) return { status: 400, body: body("invalid_request", error.message), fault: false };
  const e = error as { type?: string; status?: number };
  if (e?.type === "entity.parse.failed")
    return { status: 400, body: body("malformed_json", HTTP_ERRORS.malformed_json), fault: false };
  if (e?.type === "entity.too.large")
    return { status: 413, body: body("payload_too_large", HTTP_ERRORS.payload_too_large), fault: false };
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported")
    return { status: 415, body: body("unsupported_media_type", HTTP_ERRORS.unsupported_media_type), fault: false };
  return {
    status: 500,
    body: body("internal", `${HTTP_ERRORS.internal} (request ${requestId})`),
    fault: true,
  };
}
