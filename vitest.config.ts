import { defineConfig } from "vitest/config";

// On the embedded database (DATABASE_URL unset) a receipts import reads its file in the importing
// thread (PARKLEDGER_IMPORT_READER=thread): from the TypeScript sources each reading worker starts its
// own TypeScript loader and loads the reader's modules again, about a second per import, several
// hundred imports in the suite. The worker, the default, stays tested: on PostgreSQL every import uses
// it, and on PGlite the files about it (import-paths, crash, bundle, readme) unset
// the variable.
const embedded = !process.env.DATABASE_URL;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // on PostgreSQL, one migrated database the test files copy theirs from
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    // the files share a worker's loaded modules (each still makes its own database): loading the
    // sources and their packages again for every file cost about 2.5 s of CPU per file
    isolate: false,
    env: embedded ? { PARKLEDGER_IMPORT_READER: "thread" } : {},
    reporters: ["default"],
  },
});
