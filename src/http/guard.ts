// What keeps one client from costing the service more than a client should: a flood of made-up
// tokens is answered from memory instead of the database, a request's work has a stated bound, a
// client too slow to send its request is cut off, and a token put in a URL (where proxies, browsers
// and our own access log keep it) is refused rather than used. Every number is here, with its unit in
// its name, so the README can cite them and tests can pass smaller ones through AppOptions.

import http from "node:http";
import type { Request, Response } from "express";
import { HttpError } from "./errors.js";

/** The bounds on one request and on what the server remembers about clients. */
export const LIMITS = {
  /** A JSON body (a batch of receipts), as `json_limit` ("8mb") in createApp. */
  json_body_bytes_max: 8 * 2 ** 20,
  /** Receipts in one POST /v1/receipts/batch (ReceiptBatch in schemas.ts). */
  batch_receipts_max: 10_000,
  /** An uploaded CSV file (POST /v1/imports/…); `upload_limit_bytes` in AppOptions. */
  upload_bytes_max: 512 * 2 ** 20,
  /** Lines of an uploaded CSV file, its header included; `upload_lines_max` in AppOptions. */
  upload_lines_max: 2_000_000,
  /** How long the rest of a refused upload is read and dropped (so its client reads the 413) before the connection is cut. */
  refused_body_drain_ms: 5_000,
  /** Failed authentications an address may make in a window before it is answered 429. */
  auth_failures_max: 20,
  /** The window those failures are counted in; the address may try again when it ends. */
  auth_failure_window_ms: 60_000,
  /** Addresses whose failures are remembered at once; the oldest are forgotten first. */
  auth_addresses_max: 10_000,
  /** How long a token found unknown is answered 401 without asking the database again. */
  unknown_token_cache_ms: 5_000,
  /** Tokens remembered as unknown at once; the oldest are forgotten first. */
  unknown_tokens_max: 10_000,
  /** Tokens remembered as valid at once (for `token_cache_ms`); past it the cache starts afresh. */
  valid_tokens_max: 10_000,
} as const;

/**
 * How long `serve` waits for a client. The headers of any request fit in a few packets: 10 s is
 * generous on the slowest link and cuts off a client that opens connections and trickles headers
 * (slowloris) long before it can hold many. The whole request gets 10 minutes because an upload may
 * be 512 MiB: that is 0.9 MB/s (7 Mbit/s) for the largest file, and a body arriving slower than that
 * holds only a socket and a temporary file, never a database connection. An idle kept-alive
 * connection is closed after 5 s (Node's default, shorter than headers_ms as Node requires behind a
 * load balancer). Node checks the first two every `check_interval_ms`, so a limit is enforced
 * within that much of its time.
 */
export const SERVER_TIMEOUTS = {
  headers_ms: 10_000,
  request_ms: 600_000,
  keep_alive_ms: 5_000,
  check_interval_ms: 1_000,
} as const;

export type ServerTimeouts = { [K in keyof typeof SERVER_TIMEOUTS]: number };

/** An HTTP server for `app` that cuts off slow clients (SERVER_TIMEOUTS). */
export function httpServer(app: http.RequestListener, timeouts: ServerTimeouts = SERVER_TIMEOUTS): http.Server {
  const server = http.createServer(
    {
      headersTimeout: timeouts.headers_ms,
      requestTimeout: timeouts.request_ms,
      connectionsCheckingInterval: timeouts.check_interval_ms,
    },
    app,
  );
  server.keepAliveTimeout = timeouts.keep_alive_ms;
  return server;
}

/**
 * Failed authentications per client address in a fixed window. An attempt counts from the moment its
 * lookup starts (pending), so many guesses sent at once are held to the limit as one after another
 * are; a lookup that finds a valid token gives its attempt back. Windows are kept in the order they
 * began, so the expired ones are at the front and the oldest go first when the map is full.
 */
export class AuthThrottle {
  private readonly addresses = new Map<string, { started: number; failures: number; pending: number }>();

  constructor(
    private readonly failures_max: number,
    private readonly window_ms: number,
    private readonly addresses_max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again (for Retry-After), or 0 if it may try now. */
  retryAfterSeconds(address: string): number {
    const entry = this.current(addressKey(address), false);
    if (entry === undefined || entry.failures + entry.pending < this.failures_max) return 0;
    const left = entry.started + this.window_ms - this.now();
    return Math.max(1, Math.ceil(left / 1000));
  }

  /** Starts an attempt: 0 when it may go ahead (then `settle` must follow), else the seconds to wait. */
  begin(address: string): number {
    const wait_s = this.retryAfterSeconds(address);
    if (wait_s === 0) this.current(addressKey(address), true)!.pending += 1;
    return wait_s;
  }

  /** Ends an attempt `begin` let through: a failure counts against the address, a success does not. */
  settle(address: string, valid: boolean): void {
    const entry = this.addresses.get(addressKey(address));
    if (entry === undefined) return;
    entry.pending = Math.max(0, entry.pending - 1);
    if (!valid) entry.failures += 1;
  }

  get size(): number {
    return this.addresses.size;
  }

  /** The address's window, a new one when it has ended (created only when `create`). */
  private current(key: string, create: boolean) {
    const now = this.now();
    const entry = this.addresses.get(key);
    if (entry !== undefined && now - entry.started < this.window_ms) return entry;
    if (entry !== undefined && entry.pending > 0) {
      // lookups still under way belong to the new window
      entry.started = now;
      entry.failures = 0;
      return entry;
    }
    if (!create) return undefined;
    this.addresses.delete(key); // a new window goes to the back
    for (const [old, e] of this.addresses) {
      if (this.addresses.size < this.addresses_max && now - e.started < this.window_ms) break;
      if (e.pending > 0) continue;
      this.addresses.delete(old);
    }
    const fresh = { started: now, failures: 0, pending: 0 };
    this.addresses.set(key, fresh);
    return fresh;
  }
}

/**
 * The address failures are counted under: an IPv4 address as it is, an IPv6 one by its /64 (the
 * block one host is usually given, so a client cannot escape its count by changing the host part).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("%")[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The address a request came from: the socket's peer, or what Express's "trust proxy" setting allows. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/** Query parameter names that carry credentials by convention (compared in lower case). */
const CREDENTIAL_PARAMS = new Set([
  "access_token",
  "token",
  "auth_token",
  "id_token",
  "refresh_token",
  "api_key",
  "apikey",
  "api-key",
  "bearer",
  "authorization",
  "password",
  "secret",
]);

/** A parkledger token (`plk_` and 43 base64url characters), also percent-encoded. */
const TOKEN_SHAPE = /plk(?:_|%5f)(?:[A-Za-z0-9_-]|%[0-9a-f]{2}){16,}/gi;

/** Refuses a request that carries a credential in its URL, before it is authenticated. */
export function refuseCredentialsInUrl(req: Request): void {
  const url = req.originalUrl;
  const query = url.indexOf("?");
  const named =
    query >= 0 &&
    url
      .slice(query + 1)
      .split("&")
      .some((pair) => CREDENTIAL_PARAMS.has(decode(pair.split("=")[0]!).trim().toLowerCase()));
  TOKEN_SHAPE.lastIndex = 0;
  if (named || TOKEN_SHAPE.test(url))
    throw new HttpError(
      400,
      "invalid_request",
      "credentials are not accepted in the URL: send the token in the Authorization header (Authorization: Bearer <token>)",
    );
}

/** The URL as the log may keep it: credential parameters' values and anything shaped like a token replaced. */
export function redactUrl(url: string): string {
  const query = url.indexOf("?");
  const path = (query >= 0 ? url.slice(0, query) : url).replace(TOKEN_SHAPE, "plk_[redacted]");
  if (query < 0) return path;
  const pairs = url
    .slice(query + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq >= 0 ? pair.slice(0, eq) : pair;
      if (CREDENTIAL_PARAMS.has(decode(name).trim().toLowerCase())) return `${name}=[redacted]`;
      return pair.replace(TOKEN_SHAPE, "plk_[redacted]");
    });
  return `${path}?${pairs.join("&")}`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** The limits of this app that code below the auth middleware needs (receiveUpload), per request. */
export interface RequestLimits {
  upload_lines_max: number;
}

export function setRequestLimits(res: Response, limits: RequestLimits): void {
  res.locals.limits = limits;
}

export function requestLimits(req: Request): RequestLimits {
  return (req.res?.locals.limits as RequestLimits | undefined) ?? { upload_lines_max: LIMITS.upload_lines_max };
}

/**
 * Counts the lines of a file as it streams in, as the CSV reader will see them: a line ends at LF, CR
 * or CRLF (one end), whichever the file uses, across chunk boundaries too.
 */
export class LineCounter {
  private ends = 0;
  private last = -1;

  add(chunk: Buffer): void {
    for (let at = chunk.indexOf(13); at >= 0; at = chunk.indexOf(13, at + 1)) this.ends += 1;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
      const before = at > 0 ? chunk[at - 1] : this.last;
      if (before !== 13) this.ends += 1; // the LF of a CRLF was counted with its CR
    }
    if (chunk.length > 0) this.last = chunk[chunk.length - 1]!;
  }

  /** Lines so far, a last one without its end included. */
  get lines(): number {
    return this.ends + (this.last === -1 || this.last === 10 || this.last === 13 ? 0 : 1);
  }
}
