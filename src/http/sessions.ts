// People sign in to the web workspace with a name and a password (src/repositories/users.ts): the
// browser keeps an httpOnly, SameSite=Strict session cookie that no script can read and no other site
// can send; failed sign-ins are throttled per address as failed tokens are. Machines keep their
// bearer tokens. POST /v1/session signs in, DELETE /v1/session signs out; POST /v1/users is the
// prefecture's, to add a person.

import { parse as parseCookies } from "cookie";
import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Database } from "../db/database.js";
import type { Principal } from "../repositories/tokens.js";
import { addUser, SESSION_HOURS, sessionPrincipal, signIn, signOut } from "../repositories/users.js";
import { access } from "./access.js";
import { HttpError } from "./errors.js";
import { AuthThrottle, clientAddress, LIMITS } from "./guard.js";

export const SESSION_COOKIE = "plk_session";

/** The session secret a request's cookie carries, if any. */
export function sessionSecret(req: Request): string | null {
  const header = req.get("Cookie");
  if (header === undefined) return null;
  return parseCookies(header)[SESSION_COOKIE] ?? null;
}

/** The principal of the request's session cookie; null without one or for one not valid. */
export async function cookiePrincipal(db: Database, req: Request): Promise<Principal | null> {
  const secret = sessionSecret(req);
  return secret === null ? null : sessionPrincipal(db.knex, secret);
}

export const SignIn = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(200) });
export const NewUser = z.strictObject({
  name: z.string().min(1).max(64),
  party: z.string().min(1).max(32),
  role: z.string().min(1).max(32),
  password: z.string().min(1).max(200),
});

/** A person as sign-in and `POST /v1/users` answer (never the password or its hash). */
export const UserView = z.object({ name: z.string(), party: z.string(), role: z.string(), created_at: z.string() });
export const SignedIn = UserView.extend({ expires_at: z.string() });

/** Sign-in and sign-out, mounted before authentication (they are how a person gets authenticated). */
export function sessionRoutes(
  db: Database,
  throttle = new AuthThrottle(LIMITS.auth_failures_max, LIMITS.auth_failure_window_ms, LIMITS.auth_addresses_max),
): Router {
  const router = express.Router();
  const json = express.json({ limit: 4096, strict: true });
  router.post("/session", json, async (req: Request, res: Response) => {
    res.setHeader("Cache-Control", "no-store");
    const address = clientAddress(req);
    const wait_s = throttle.begin(address);
    if (wait_s > 0) {
      res.setHeader("Retry-After", String(wait_s));
      throw new HttpError(
        429,
        "too_many_requests",
        `too many failed sign-ins from this address; try again in ${wait_s} s`,
      );
    }
    let session: Awaited<ReturnType<typeof signIn>> = null;
    try {
      const { name, password } = SignIn.parse(req.body);
      session = await signIn(db.knex, name, password);
    } finally {
      throttle.settle(address, session !== null);
    }
    if (session === null) throw new HttpError(401, "unauthorized", "the name or the password is wrong");
    res.cookie(SESSION_COOKIE, session.secret, {
      httpOnly: true,
      sameSite: "strict",
      secure: req.secure,
      path: "/",
      maxAge: SESSION_HOURS * 3600_000,
    });
    res.status(201).json({ ...session.user, expires_at: session.expires_at.toISOString() });
  });
  router.delete("/session", async (req: Request, res: Response) => {
    const secret = sessionSecret(req);
    if (secret !== null) await signOut(db.knex, secret);
    res.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "strict" });
    res.status(204).end();
  });
  return router;
}

/** POST /v1/users: the prefecture's finance department adds a person; mounted after authentication. */
export function userRoutes(db: Database): Router {
  const router = express.Router();
  router.post("/users", express.json({ limit: 4096, strict: true }), async (req: Request, res: Response) => {
    const p = res.locals.principal as Principal;
    if (access.writeMoney(p) !== "allow") throw new HttpError(403, "forbidden");
    const input = NewUser.parse(req.body);
    res.status(201).json(await addUser(db.knex, input));
  });
  return router;
}
