// The `parkledger` command as a few bundled files (dist/cli/), made from the compiled build by
// `npm run build`. A command that starts from hundreds of separate modules (knex, pg, zod, commander
// and the project's own) spends most of its time finding, reading and compiling them; from a bundle it
// starts in about half the time (docs/performance.md, "The command line"). Code that only some
// commands need (serving, importing, the demo, the embedded database, Excel) stays in chunks of its
// own, loaded when such a command runs.
//
// The receipt reader's worker thread is a second entry point beside the first, where its module
// finds it (`new URL("./receipt-rows.worker.js", import.meta.url)`).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist", "cli");

// Not bundled: native addons, PGlite (it reads its WebAssembly and data files beside its own module),
// exceljs (large, loaded only for workbooks), and the drivers of the databases knex can talk to but
// this project never uses (knex names them in requires that run only for those databases).
const external = [
  "@node-rs/argon2",
  "@electric-sql/pglite",
  "@electric-sql/pglite/*",
  "exceljs",
  "pg-native",
  "pg-query-stream",
  "oracledb",
  "mysql",
  "mysql2",
  "mariadb",
  "mariadb/*",
  "sqlite3",
  "better-sqlite3",
  "tedious",
];

/**
 * pg asks whether it runs on Cloudflare Workers by making a `Response`, which on Node 20 loads the
 * whole of undici (fetch) at the first connection: 50 ms of every command, for an answer that is
 * always no here. The bundle asks Node's own way instead: there is no `navigator` on Node 20.
 */
const notOnCloudflare = {
  name: "pg-not-on-cloudflare",
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, "utf8");
      const check = "if (typeof Response === 'function') {";
      if (!source.includes(check)) throw new Error(`${args.path}: pg's Cloudflare check has changed; look again`);
      return { contents: source.replace(check, "if (false) {"), loader: "js" };
    });
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    main: "dist/src/cli/main.js",
    "receipt-rows.worker": "dist/src/import/receipt-rows.worker.js",
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  chunkNames: "chunk-[hash]",
  // the CommonJS packages inside (knex, pg) call require: an ES module has none until given one
  banner: {
    js: 'import { createRequire as __plkRequire } from "node:module"; const require = __plkRequire(import.meta.url);',
  },
  plugins: [notOnCloudflare],
  legalComments: "none",
  logLevel: "warning",
});
