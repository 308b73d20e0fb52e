// One log line per request, written when its response is done: the server's request id (and the
// client's, if it sent one), the request line, the status, the time taken, and who asked (party, role
// and token id, never the token or the Authorization header; a URL is logged with any credential in
// it redacted, though such a request is refused, see guard.ts). The line is built only when its level
// is enabled: a child logger per request, as pino-http builds, cost a tenth of the service's time at
// a thousand requests a second, for lines a production level (warn) never writes.

import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import type { Principal } from "../repositories/tokens.js";
import { redactUrl } from "./guard.js";

/**
 * Paths a logger redacts should a line ever carry request headers (none written here does): the
 * `redact` option of the service's pino logger.
 */
export const LOG_REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "err.headers.authorization",
];

/** Who asked and which request it was, as every line about a request names them. */
export function requestFields(req: Request, res: Response): Record<string, unknown> {
  const p = res.locals.principal as Principal | undefined;
  const client = res.locals.client_request_id as string | undefined;
  return {
    req: { id: res.locals.request_id as string, method: req.method, url: redactUrl(req.originalUrl) },
    ...(client !== undefined ? { client_request_id: client } : {}),
    ...(p === undefined ? {} : { party: p.party, role: p.role, token_id: p.token_id.toString() }),
  };
}

export function accessLog(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const done = () => {
      res.off("finish", done);
      res.off("close", done);
      const finished = res.writableFinished;
      const level = !finished ? "warn" : res.statusCode >= 500 ? "error" : "info";
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          ...requestFields(req, res),
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        finished ? "request completed" : "request aborted",
      );
    };
    res.on("finish", done);
    res.on("close", done);
    next();
  };
}
