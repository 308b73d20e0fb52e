// What `bin/parkledger.js` runs: the command line's bundle (dist/cli/main.cjs, made by
// scripts/bundle-cli.js), compiled with V8's code cache.
//
// Every command is a new process, and before it does anything Node must read and compile the program:
// about 3 MB of JavaScript (knex, pg, zod, commander and the project's own), a third of a report's
// time. V8 can keep what it compiled as a code cache and start from it the next time; Node 20 offers
// that for a script compiled through `vm.Script`, not for ES modules, so the bundle is one CommonJS
// script, compiled here as Node compiles a CommonJS module.
//
// The cache is kept in dist/cli/cache/, one file per command word (`report`, `import`, `serve`…),
// written after the first command of that word has run, so that it holds what such a command compiled
// (functions compile when first called). Its name carries the bundle's size and time (a rebuilt bundle
// never meets an old cache) and V8's tag for its version and flags (V8 refuses a cache made under
// other flags: a brief command on the embedded database runs with `--liftoff-only`, set here before
// the bundle is compiled, and has caches of its own). V8 checks what it is given and compiles afresh
// from the source when the cache does not fit; a cache that cannot be written (a read-only install)
// is simply not kept. PARKLEDGER_CODE_CACHE names another folder for it (an install that cannot be
// written to), or `off`. docs/performance.md, "The command line".

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { LAUNCHER_IMPORT } from "../import-package.js";
import { commandWords, isBriefCommand } from "./brief.js";

type Main = (argv: string[]) => Promise<number>;

/** The bundle, from this module's place in the build (dist/src/cli/launch.js → dist/cli/main.cjs). */
export const BUNDLE = fileURLToPath(new URL("../../cli/main.cjs", import.meta.url));

/** Where a command's code cache is kept, or null when it is not to be used. */
export function codeCacheFile(
  bundle: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stat: fs.Stats,
): string | null {
  const dir = env.PARKLEDGER_CODE_CACHE || path.join(path.dirname(bundle), "cache");
  if (dir === "off") return null;
  const word = commandWords(argv)[0] ?? "none";
  const key = [stat.size, Math.trunc(stat.mtimeMs), v8.cachedDataVersionTag(), word].join("-");
  return path.join(path.resolve(dir), `main-${key}.v8`);
}

/** Runs the command line with `argv` from the bundle; resolves to the exit code. */
export async function launch(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // as src/db/database.ts does for such a command; set before the bundle compiles, as V8's tag depends on it
  if (!env.DATABASE_URL && isBriefCommand(commandWords(argv))) v8.setFlagsFromString("--liftoff-only");
  const stat = fs.statSync(BUNDLE);
  const cacheFile = codeCacheFile(BUNDLE, argv, env, stat);
  const source = fs.readFileSync(BUNDLE, "utf8");
  const cachedData = cacheFile === null ? undefined : readOwnCache(cacheFile);
  const tag = v8.cachedDataVersionTag();
  // the wrapper Node gives a CommonJS module
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const module = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...a: unknown[]) => void)(
    module.exports,
    createRequire(BUNDLE),
    module,
    BUNDLE,
    path.dirname(BUNDLE),
  );
  (globalThis as { [LAUNCHER_IMPORT]?: (s: string) => Promise<unknown> })[LAUNCHER_IMPORT] = (s) => import(s);
  const code = await module.exports.main!(argv);
  // kept when there was none that fitted, after a command that ran (not a word mistyped), and only
  // under the flags it was compiled with
  if (
    cacheFile !== null &&
    code === 0 &&
    (cachedData === undefined || script.cachedDataRejected === true) &&
    v8.cachedDataVersionTag() === tag
  )
    keep(cacheFile, () => script.createCachedData());
  return code;
}

/**
 * The cache, when there is one that this user wrote and no one else may change: compiled code is run
 * as it is, so a cache another user could have put there (a shared folder named by
 * PARKLEDGER_CODE_CACHE) is not taken.
 */
function readOwnCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    // not through a link, nor waiting on a pipe put there in its place
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined; // none yet
  }
  try {
    const st = fs.fstatSync(fd);
    const own = process.getuid === undefined || (st.uid === process.getuid() && (st.mode & 0o022) === 0);
    return own && st.isFile() ? fs.readFileSync(fd) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the cache whole or not at all (a concurrent command may be reading it), and removes those
 * made for another build of the bundle; where it cannot be written (an install that cannot be written
 * to), the cache is not even made.
 */
function keep(file: string, data: () => Buffer): void {
  const dir = path.dirname(file);
  const partial = `${file}.${process.pid}.partial`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // a new file of this user's alone, not one (nor a link) already there
    const fd = fs.openSync(partial, "wx", 0o600);
    try {
      fs.writeFileSync(fd, data());
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
    const build = path.basename(file).split("-").slice(0, 3).join("-"); // main-<size>-<time>
    for (const other of fs.readdirSync(dir))
      if (/^main-\d+-\d+-.*\.v8$/.test(other) && !other.startsWith(`${build}-`))
        fs.rmSync(path.join(dir, other), { force: true });
  } catch {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // nothing was written
    }
  }
}
