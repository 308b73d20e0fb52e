// `import()` of a package, for the few loaded only when a command needs them (PGlite, exceljs).
//
// The command line runs from one bundled script that the launcher compiles with V8's code cache
// (src/cli/launch.ts). On Node 20 a script compiled from a code cache loses the callback Node needs
// for `import()` (it throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the launcher lends its own
// `import()`; everywhere else (the service, tests, scripts) the module's own is used.

type Importer = (specifier: string) => Promise<unknown>;

/** The launcher's `import()`, when the program runs from its bundle. */
export const LAUNCHER_IMPORT = Symbol.for("parkledger.launcher.import");

export function importPackage<T>(specifier: string): Promise<T> {
  const lent = (globalThis as { [LAUNCHER_IMPORT]?: Importer })[LAUNCHER_IMPORT];
  return (lent ?? ((s: string) => import(s)))(specifier) as Promise<T>;
}
