// Runs the command line in this process against a test database, capturing what it prints.

import { Writable } from "node:stream";
import { main } from "../../src/cli/main.js";
import type { Database } from "../../src/db/database.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function sink(): Writable & { text: string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  }) as Writable & { text: string };
  Object.defineProperty(stream, "text", { get: () => Buffer.concat(chunks).toString("utf8") });
  return stream;
}

export async function cli(db: Database, ...argv: string[]): Promise<CliRun> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr }, {}, { db });
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    json: () => JSON.parse(stdout.text),
  };
}
