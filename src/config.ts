// Where the ledger keeps its data and how loudly it logs, from the environment, checked once at start.

import path from "node:path";
import { z } from "zod";

const EnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PARKLEDGER_DATA_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
});

export interface Config {
  /** PostgreSQL when set; otherwise the embedded PGlite in `data_dir`. */
  database_url: string | null;
  data_dir: string;
  log_level: z.infer<typeof EnvSchema>["LOG_LEVEL"];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.parse({
    DATABASE_URL: env.DATABASE_URL || undefined,
    PARKLEDGER_DATA_DIR: env.PARKLEDGER_DATA_DIR || undefined,
    LOG_LEVEL: env.LOG_LEVEL || undefined,
  });
  return {
    database_url: parsed.DATABASE_URL ?? null,
    data_dir: path.resolve(parsed.PARKLEDGER_DATA_DIR ?? path.join("data", "pgdata")),
    log_level: parsed.LOG_LEVEL,
  };
}
