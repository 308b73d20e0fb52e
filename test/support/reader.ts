// On the embedded database the suite has receipts imports read their file in the importing thread
// (PARKLEDGER_IMPORT_READER=thread, vitest.config.ts). The files about the reading worker, the
// default a user gets, put the default back for their own tests.

import { afterAll, beforeAll } from "vitest";

const VARIABLE = "PARKLEDGER_IMPORT_READER";

/** Runs this file's imports with the default reader (a worker thread); call it before the file's other hooks. */
export function withDefaultReader(): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env[VARIABLE];
    delete process.env[VARIABLE];
  });
  afterAll(() => {
    if (before !== undefined) process.env[VARIABLE] = before;
  });
}

/** The environment for a command started as a process of its own, as a user's shell has it: the default reader. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env[VARIABLE];
  return env;
}
