// Makes the embedded database every new data directory starts from (src/db/template.ts): a PGlite
// database made by initdb and brought up to date by this build's compiled migrations, archived into
// dist/embedded/ with what it was made with. Run by `npm run build`, after the compiler; a few seconds
// here save those seconds at the first command a user runs (`npm start` on a fresh clone).

import fs from "node:fs";
import path from "node:path";

const { openDatabase } = await import("../dist/src/db/database.js");
const { migrate } = await import("../dist/src/db/migrate.js");
const { currentTemplateInfo, templatePaths } = await import("../dist/src/db/template.js");

const paths = templatePaths();
const info = currentTemplateInfo();
if (paths === null || info === null) throw new Error("make-template: run after the compiler, from the package");

const made = fs.existsSync(paths.info) ? JSON.parse(fs.readFileSync(paths.info, "utf8")) : null;
if (
  made?.migrations_sha256 === info.migrations_sha256 &&
  made?.pglite_version === info.pglite_version &&
  fs.existsSync(paths.tar)
) {
  process.exit(0); // the same migrations and PGlite: the template made before is this one
}

const db = await openDatabase({ memory: true });
await migrate(db);
const dump = await db.dump();
await db.close();
fs.mkdirSync(path.dirname(paths.tar), { recursive: true });
// the archive first, what it was made with last: a template is used only once both are whole
fs.rmSync(paths.info, { force: true });
fs.writeFileSync(paths.tar, Buffer.from(await dump.arrayBuffer()));
fs.writeFileSync(paths.info, JSON.stringify(info, null, 2) + "\n");
