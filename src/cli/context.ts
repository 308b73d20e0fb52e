// What every command is given: where it writes, the environment, and the database, opened on first
// use and closed once the command is done.

import type { Database } from "../db/database.js";
import type { Io } from "./output.js";

export interface CliContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  /** The configured database, opened and brought up to date on first use. */
  database: (pool_max?: number) => Promise<Database>;
  /** Whether the caller gave the database (tests): a command then opens no other. */
  pinned: boolean;
  /** A database a command opened itself (migrate), to be closed with the rest. */
  adopt: (db: Database) => void;
  /** The exit code when the command ends without an error (verify: 3 when not intact). */
  exit: (code: number) => void;
}
