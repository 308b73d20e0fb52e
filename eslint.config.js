// ESLint flat config: @eslint/js recommended + typescript-eslint recommended (untyped, so it stays fast),
// plus the project's own guard rails for the accounting core (ledger/**) and the reports (reports/**).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

/** Modules the pure accounting core must never import (I/O, databases, logging, HTTP). */
const IMPURE_MODULES = ["express", "knex", "pg", "pino", "node:fs", "fs", "@electric-sql/pglite"];
const IMPURE_MESSAGE = "ledger/ is the pure accounting core: no I/O, database, logging or HTTP modules.";

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** Matches an impure module or one of its subpaths (`fs/promises`, `pg/lib/...`), but not `pg-copy-streams`. */
const IMPURE_SOURCE = `^(?:${IMPURE_MODULES.map(escapeRegExp).join("|")})(?:\\/.*)?$`;

const FLOAT_MESSAGE = "Money never passes through a float: use the fen (bigint) helpers in ledger/money.ts.";
/** Selectors shared by ledger/** and reports/**: no `Number.parseFloat(...)`, `globalThis.parseFloat(...)`, `x.toFixed(...)`. */
const FLOAT_SYNTAX = [
  {
    selector: "CallExpression > MemberExpression.callee[property.name='toFixed']",
    message: `.toFixed() is forbidden here. ${FLOAT_MESSAGE}`,
  },
  {
    selector: "CallExpression > MemberExpression.callee[computed=true][property.value='toFixed']",
    message: `.toFixed() is forbidden here. ${FLOAT_MESSAGE}`,
  },
  {
    selector: "MemberExpression[object.name=/^(?:Number|globalThis)$/][property.name='parseFloat']",
    message: `parseFloat is forbidden here. ${FLOAT_MESSAGE}`,
  },
];
/** Dynamic `import("pg")` etc. in ledger/** (no-restricted-imports only sees static imports). */
const IMPURE_DYNAMIC_IMPORT = {
  // esquery regexes cannot contain a literal "/", so spell it \x2F.
  selector: `ImportExpression[source.value=/${IMPURE_SOURCE.replaceAll("\\/", "\\x2F")}/]`,
  message: IMPURE_MESSAGE,
};

/** Node globals for the plain JavaScript files (bin/, configs); TypeScript files get theirs from @types/node. */
const NODE_GLOBALS = Object.fromEntries(
  [
    "process",
    "console",
    "Buffer",
    "URL",
    "URLSearchParams",
    "globalThis",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
    "queueMicrotask",
    "structuredClone",
    "AbortController",
    "AbortSignal",
    "TextEncoder",
    "TextDecoder",
    "fetch",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  globalIgnores(
    ["dist/", "node_modules/", "data/", "bench/out/", "coverage/", "web/dist/", "web/src/api/schema.d.ts"],
    "parkledger/ignores",
  ),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: "parkledger/javascript",
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: NODE_GLOBALS },
  },
  {
    name: "parkledger/base",
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "no-unused-vars": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // the web workspace runs in the browser: its globals, and the rules of hooks
    name: "parkledger/web",
    files: ["web/src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },
  {
    name: "parkledger/tests",
    files: ["test/**/*.ts", "**/*.test.ts", "**/*.spec.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "warn",
    },
  },
  {
    name: "parkledger/no-floats-for-money",
    files: ["ledger/**", "reports/**"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "parseFloat", message: `parseFloat is forbidden here. ${FLOAT_MESSAGE}` },
      ],
      "no-restricted-syntax": ["error", ...FLOAT_SYNTAX],
    },
  },
  {
    name: "parkledger/pure-ledger",
    files: ["ledger/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        // One regex covers each module and its subpaths; a `paths` entry as well would report every import twice.
        { patterns: [{ regex: IMPURE_SOURCE, message: IMPURE_MESSAGE }] },
      ],
      // Repeats the float selectors: a later block's no-restricted-syntax replaces, not extends, an earlier one.
      "no-restricted-syntax": ["error", ...FLOAT_SYNTAX, IMPURE_DYNAMIC_IMPORT],
    },
  },
);
