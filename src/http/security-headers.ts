// The security headers of every answer (helmet), worked out once. With the options the service gives
// it, helmet's answer headers depend on nothing in the request: it is run once against a response that
// records what it sets and removes, and each request is given the same in one step, instead of going
// through helmet's thirteen middlewares (a twentieth of the service's time at a thousand requests a
// second). test/http/requests.test.ts compares the headers with helmet's own.

import type { RequestHandler } from "express";
import helmet, { type HelmetOptions } from "helmet";

/** What helmet does to a response, replayed: the headers it sets, and those it removes. */
export function securityHeaders(options: Readonly<HelmetOptions>): RequestHandler {
  const set: [string, string | number | readonly string[]][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let passed = false;
  (helmet(options) as unknown as (req: unknown, res: unknown, next: (error?: unknown) => void) => void)(
    {},
    recorder,
    (error) => {
      if (error !== undefined) throw error;
      passed = true;
    },
  );
  // a helmet that read the request, or answered later, could not be replayed
  if (!passed) throw new Error("helmet did not pass the request on at once: its headers cannot be worked out once");
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

/** The service's options: plain HTTP itself (TLS is a proxy's), so the page's own assets are not upgraded to https. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
};
