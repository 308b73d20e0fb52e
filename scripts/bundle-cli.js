// The `parkledger` command as one bundled script (dist/cli/main.cjs), made from the compiled build by
// `npm run build`. A command that starts from hundreds of separate modules (knex, pg, zod, commander
// and the project's own) spends most of its time finding, reading and compiling them; from one script,
// compiled from V8's code cache by src/cli/launch.ts, it starts in a fraction of that
// (docs/performance.md, "The command line"). Code that only some commands need (serving, importing,
// the demo) is in the script but runs only when such a command loads it; PGlite and exceljs stay
// outside it, loaded by the commands that use them.
//
// The receipt reader's worker thread is a second bundle beside the first, where its module finds it
// (`new URL("./receipt-rows.worker.js", import.meta.url)`).

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
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  external,
  plugins: [notOnCloudflare],
  legalComments: "none",
  // whitespace and syntax only: names stay as written, so that a stack trace still reads
  minifyWhitespace: true,
  minifySyntax: true,
  charset: "ascii",
  logLevel: "warning",
};

// The command line: one CommonJS script, which src/cli/launch.ts compiles with V8's code cache. A module
// loaded by `import()` in the sources stays a function of the script, run only when first imported.
await build({
  ...common,
  entryPoints: ["dist/src/cli/main.js"],
  outfile: path.join(outdir, "main.cjs"),
  format: "cjs",
  // where the sources ask where they are (the worker's file, the web workspace, the build's template)
  define: { "import.meta.url": "__plkUrl" },
  // strict, as the ES modules it is made from are: esbuild's own "use strict" would come after the banner,
  // where it is no longer a directive
  banner: { js: '"use strict"; const __plkUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// The receipt reader's worker thread: an ES module of its own, beside the script, where the reader finds it.
await build({
  ...common,
  entryPoints: ["dist/src/import/receipt-rows.worker.js"],
  outfile: path.join(outdir, "receipt-rows.worker.js"),
  format: "esm",
  // the CommonJS packages inside (csv-parse, iconv-lite) call require: an ES module has none until given one
  banner: {
    js: 'import { createRequire as __plkRequire } from "node:module"; const require = __plkRequire(import.meta.url);',
  },
});

// One character beyond ASCII makes V8 hold the whole script as two bytes a character, slower to read and
// compile. esbuild escapes text in strings, but not in a regular expression: write such a character as
// \uXXXX there.
for (const file of ["main.cjs", "receipt-rows.worker.js"]) {
  const text = fs.readFileSync(path.join(outdir, file), "utf8");
  const at = text.search(/[\u0080-\uffff]/);
  if (at !== -1)
    throw new Error(
      `dist/cli/${file}: a character beyond ASCII at offset ${at} (…${text.slice(Math.max(0, at - 60), at + 10)}…): write it as \\uXXXX in the source`,
    );
}
