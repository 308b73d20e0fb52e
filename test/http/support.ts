// An HTTP app over a test database, with one token per party and role, for supertest.

import { Writable } from "node:stream";
import { pino } from "pino";
import type express from "express";
import { createApp, type AppOptions } from "../../src/http/app.js";
import { createToken } from "../../src/repositories/tokens.js";
import type { TestDatabase } from "../support/db.js";

export const CALLERS = [
  "prefecture",
  "bingtuan",
  "urumqi",
  "statistics",
  "auditor",
  "bingtuan_statistics",
  "urumqi_statistics",
] as const;
export type Caller = (typeof CALLERS)[number];

/** Each caller's party and role: the zone's statistics bureau, and each operator's own. */
const TOKEN: Record<Caller, { party: string; role: string }> = {
  prefecture: { party: "prefecture", role: "finance" },
  bingtuan: { party: "bingtuan", role: "finance" },
  urumqi: { party: "urumqi", role: "finance" },
  statistics: { party: "statistics", role: "statistics" },
  auditor: { party: "auditor", role: "auditor" },
  bingtuan_statistics: { party: "bingtuan", role: "statistics" },
  urumqi_statistics: { party: "urumqi", role: "statistics" },
};

export interface TestApp {
  app: express.Express;
  tokens: Record<Caller, string>;
  /** Every log line the app wrote. */
  logs: string[];
  auth(caller: Caller): { Authorization: string };
}

export async function testApp(db: TestDatabase, options: Omit<AppOptions, "logger"> = {}): Promise<TestApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = createApp(db, { logger: pino({ level: "info" }, sink), ...options });
  const tokens = {} as Record<Caller, string>;
  for (const caller of CALLERS) tokens[caller] = (await createToken(db.knex, TOKEN[caller])).token;
  return { app, tokens, logs, auth: (caller) => ({ Authorization: `Bearer ${tokens[caller]}` }) };
}
