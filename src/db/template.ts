// A new embedded database starts from a copy of one already made and migrated, when the installed
// build has one. PGlite makes a database by running initdb, which takes 3 to 4 seconds (more than half
// of `npm start` on a fresh clone), then every migration; `npm run build` does that once and keeps the
// result in dist/embedded/ (scripts/make-template.js), and a new data directory is filled from it in a
// fraction of a second. The copy is used only when it was made by this installation's compiled
// migrations and its PGlite: their sha256 and version are kept beside it and checked here, and
// anything else (running from the sources, a changed migration, another PGlite) makes the database
// the long way. Either way the command then brings it up to date (migrate.ts), as any database.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface TemplateInfo {
  /** sha256 over the compiled migrations (dist/migrations/*.js), names and contents, in name order. */
  migrations_sha256: string;
  pglite_version: string;
}

/** Where the build keeps the template, under this package's root; null when the root is not found. */
export function templatePaths(root: string | null = packageRoot()): { tar: string; info: string } | null {
  if (root === null) return null;
  const dir = path.join(root, "dist", "embedded");
  return { tar: path.join(dir, "template.tar"), info: path.join(dir, "template.json") };
}

/** What the template must have been made with: the installed compiled migrations and PGlite. */
export function currentTemplateInfo(root: string | null = packageRoot()): TemplateInfo | null {
  if (root === null) return null;
  const dir = path.join(root, "dist", "migrations");
  const pglite = path.join(root, "node_modules", "@electric-sql", "pglite", "package.json");
  if (!fs.existsSync(dir) || !fs.existsSync(pglite)) return null;
  const hash = createHash("sha256");
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".js"))
    .sort())
    hash
      .update(name)
      .update("\0")
      .update(fs.readFileSync(path.join(dir, name)))
      .update("\0");
  const { version } = JSON.parse(fs.readFileSync(pglite, "utf8")) as { version: string };
  return { migrations_sha256: hash.digest("hex"), pglite_version: version };
}

/** The template as a PGlite data directory archive, or null when there is none made by this installation. */
export function usableTemplate(
  root: string | null = packageRoot(),
  /** Whether this code is the build's (dist/): the sources' migrations may differ from the build's. */
  built: boolean = root !== null && fileURLToPath(import.meta.url).startsWith(path.join(root, "dist") + path.sep),
): Blob | null {
  if (!built) return null;
  const paths = templatePaths(root);
  const current = currentTemplateInfo(root);
  if (paths === null || current === null || !fs.existsSync(paths.tar) || !fs.existsSync(paths.info)) return null;
  try {
    const made = JSON.parse(fs.readFileSync(paths.info, "utf8")) as Partial<TemplateInfo>;
    if (made.migrations_sha256 !== current.migrations_sha256 || made.pglite_version !== current.pglite_version)
      return null;
    return new Blob([fs.readFileSync(paths.tar)]);
  } catch {
    return null; // unreadable: the database is made the long way
  }
}

/** The folder holding this package's package.json, above this module (from the sources, the build or the bundle). */
function packageRoot(): string | null {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    try {
      if ((JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === "parkledger") return dir;
    } catch {
      // not ours; keep looking
    }
  }
  return null;
}
