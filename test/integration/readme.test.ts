// The README's HTTP walkthrough runs as written on the embedded database, in a fresh folder: the token
// is made before `serve` starts, the server answers, a receipt and a file are booked. It runs the
// built command line (`npm install` builds it), with `npx parkledger` standing for it and another port
// than 8080 so that it never meets a server already running there.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../support/files.js";
import { userEnv } from "../support/reader.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(root, "bin", "parkledger.js");
const built = fs.existsSync(path.join(root, "dist", "src", "cli", "main.js"));
const curl = ["/usr/bin/curl", "/bin/curl"].some((p) => fs.existsSync(p));

/** The README's walkthrough: the shell block that starts by making a token. */
function walkthrough(): string {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith("TOKEN="));
  if (block === undefined) throw new Error("the README has no HTTP walkthrough starting with TOKEN=");
  return block;
}

describe("the README's HTTP walkthrough", () => {
  it.runIf(built && curl)(
    "runs as written on the embedded database in a fresh folder",
    async () => {
      const port = String(20000 + (process.pid % 20000));
      const script = walkthrough()
        .replaceAll("npx parkledger", `node ${JSON.stringify(bin)}`)
        .replaceAll("8080", port)
        .replaceAll("\ncurl", "\ncurl -sS -f -o /dev/null -w '%{http_code}\\n'");
      const cwd = fs.mkdtempSync(path.join(tmpDir(), "readme-"));
      const env = userEnv();
      delete env.DATABASE_URL;
      delete env.PARKLEDGER_DATA_DIR;
      // the walkthrough sends the demo's receipts file: the demo writes it (into books of its own)
      await run("node", [bin, "demo", "--receipts", "300", "--enterprises", "40"], { cwd, env });
      // a step that fails must not leave the server running
      const guarded = `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`;
      const { stdout } = await run("bash", ["-e", "-c", guarded], { cwd, env, timeout: 120_000 }).catch(
        (error: Error & { stdout?: string; stderr?: string }) => {
          throw new Error(`${error.message}\nstdout: ${error.stdout}\nstderr: ${(error.stderr ?? "").slice(-2000)}`);
        },
      );
      // settlement 200, the receipt 201, the file 201
      expect(stdout.trim().split("\n")).toEqual(["200", "201", "201"]);
      expect(fs.existsSync(path.join(cwd, "data", "pgdata.lock"))).toBe(false);
    },
    180_000,
  );
});
