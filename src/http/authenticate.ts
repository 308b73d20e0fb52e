// Who is asking: the bearer token of every /v1 request but /health, looked up as seldom as is safe
// (src/http/token-cache.ts), guesses throttled per address (src/http/guard.ts), credentials in the
// URL refused; what the request then posts is recorded as that party's (src/repositories/actor.ts).

import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../db/database.js";
import { runAs } from "../repositories/actor.js";
import type { Principal } from "../repositories/tokens.js";
import type { AppOptions } from "./app.js";
import { HttpError } from "./errors.js";
import {
  AuthThrottle,
  clientAddress,
  LIMITS,
  refuseCredentialsInUrl,
  setRequestLimits,
  type RequestLimits,
} from "./guard.js";
import { cookiePrincipal, sessionSecret } from "./sessions.js";
import { TokenCache } from "./token-cache.js";

/** The middleware that authenticates a request, or answers 401, 429 or 400 itself. */
export function authenticator(db: Database, options: AppOptions, limits: RequestLimits): RequestHandler {
  const tokens = new TokenCache(
    db,
    options.token_cache_ms ?? 1000,
    options.unknown_token_cache_ms ?? LIMITS.unknown_token_cache_ms,
  );
  const throttle = new AuthThrottle(
    options.auth_failures_max ?? LIMITS.auth_failures_max,
    options.auth_failure_window_ms ?? LIMITS.auth_failure_window_ms,
    options.auth_addresses_max ?? LIMITS.auth_addresses_max,
  );
  return async (req: Request, res: Response, next: NextFunction) => {
    // answers name a party's money: no cache, shared or private, keeps them (errors included)
    res.setHeader("Cache-Control", "no-store");
    refuseCredentialsInUrl(req);
    setRequestLimits(res, limits);
    const address = clientAddress(req);
    const header = req.get("Authorization");
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    const token = match === null ? null : match[1]!;
    // a guess from an address that has used up its failed attempts is refused before it is looked
    // up; a token found valid before is still looked up (a flood of guesses locks out no real user),
    // and a request without credentials is no guess
    const guess = header !== undefined && (token === null || !tokens.wasValid(token));
    if (guess) {
      const wait_s = throttle.begin(address);
      if (wait_s > 0) {
        res.setHeader("Retry-After", String(wait_s));
        throw new HttpError(
          429,
          "too_many_requests",
          `too many failed attempts to authenticate from this address; try again in ${wait_s} s`,
        );
      }
    }
    // without a bearer token, a person's session cookie (src/http/sessions.ts); a cookie not valid is a guess too
    const cookie = header === undefined ? sessionSecret(req) : null;
    const cookieGuess = cookie !== null;
    if (cookieGuess && !guess) {
      const wait_s = throttle.begin(address);
      if (wait_s > 0) {
        res.setHeader("Retry-After", String(wait_s));
        throw new HttpError(
          429,
          "too_many_requests",
          `too many failed attempts from this address; try again in ${wait_s} s`,
        );
      }
    }
    let principal: Principal | null = null;
    try {
      principal =
        token !== null ? await tokens.principal(token) : cookie !== null ? await cookiePrincipal(db, req) : null;
    } finally {
      if (guess || cookieGuess) throttle.settle(address, principal !== null);
    }
    if (principal === null) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="parkledger"');
      throw new HttpError(401, "unauthorized");
    }
    res.locals.principal = principal;
    // a person signed in with a session (not a bearer token): what they record names them (users.ts)
    res.locals.via_session = token === null;
    runAs(
      {
        posted_by: `api:${principal.party}`,
        request_id: res.locals.request_id as string,
        party: principal.party,
        token_id: principal.token_id,
      },
      () => next(),
    );
  };
}
