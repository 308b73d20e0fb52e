// A new embedded data directory starts from the build's migrated copy (src/db/template.ts): it must be
// the very database initdb and the migrations make, and a copy made by other migrations or another
// PGlite must never be used.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { currentTemplateInfo, templatePaths, usableTemplate } from "../../src/db/template.js";
import { onPostgres } from "../support/db.js";
import { tmpDir } from "../support/files.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Everything the migrations define, as text: tables and columns, constraints, indexes, functions, triggers, views, rows of reference tables. */
async function schemaOf(db: Database): Promise<string> {
  const { rows } = (await db.knex.raw(`
    select string_agg(line, E'\\n' order by line) as schema from (
      select format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default) as line
        from information_schema.columns where table_schema = 'public'
      union all select format('constraint %s %s', conname, pg_get_constraintdef(oid)) from pg_constraint
        where connamespace = 'public'::regnamespace
      union all select format('index %s', indexdef) from pg_indexes where schemaname = 'public'
      union all select format('function %s', pg_get_functiondef(p.oid)) from pg_proc p
        where pronamespace = 'public'::regnamespace
      union all select format('trigger %s', pg_get_triggerdef(oid)) from pg_trigger where not tgisinternal
      union all select format('view %s %s', viewname, definition) from pg_views where schemaname = 'public'
      union all select format('migration %s', name) from knex_migrations
      union all select format('jurisdiction %s', j::text) from jurisdictions j
      union all select format('park %s', k::text) from parks k
      union all select format('tax %s', t::text) from tax_types t
      union all select format('ratio %s', r::text) from central_ratios r
      union all select format('budget %s', b::text) from budget_items b
    ) s`)) as { rows: { schema: string }[] };
  // when a reference row was recorded differs (the template was made at build time): the rest may not
  return rows[0]!.schema.replace(/"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00"/g, "<recorded>");
}

// the embedded database's own way to start: the suite on PostgreSQL has nothing of it to test
describe.skipIf(onPostgres)("a new embedded database from the build's template", () => {
  const opened: Database[] = [];
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it("is the database initdb and every migration make", async () => {
    const info = currentTemplateInfo(ROOT);
    const paths = templatePaths(ROOT)!;
    expect(info, "dist/migrations is made by npm run build").not.toBeNull();
    expect(fs.existsSync(paths.tar), "npm run build makes dist/embedded/template.tar").toBe(true);
    const template = usableTemplate(ROOT, true);
    expect(template, "the template was made by this build's migrations and PGlite").not.toBeNull();
    // the sources' own code never takes it: their migrations may be newer than the build's
    expect(usableTemplate(ROOT)).toBeNull();

    const fromTemplate = await openDatabase({ memory: true, from: template! });
    opened.push(fromTemplate);
    expect(await migrate(fromTemplate)).toEqual([]); // nothing left to apply

    const longWay = await openDatabase({ memory: true });
    opened.push(longWay);
    expect((await migrate(longWay)).length).toBeGreaterThan(20);

    expect(await schemaOf(fromTemplate)).toBe(await schemaOf(longWay));
  });

  it("is not used when it was made by other migrations or another PGlite", () => {
    const root = fs.mkdtempSync(path.join(tmpDir(), "template-root-"));
    fs.mkdirSync(path.join(root, "dist", "migrations"), { recursive: true });
    fs.mkdirSync(path.join(root, "node_modules", "@electric-sql", "pglite"), { recursive: true });
    fs.writeFileSync(path.join(root, "dist", "migrations", "001_a.js"), "export async function up() {}\n");
    fs.writeFileSync(
      path.join(root, "node_modules", "@electric-sql", "pglite", "package.json"),
      '{"version":"0.5.16"}',
    );
    const paths = templatePaths(root)!;
    fs.mkdirSync(path.dirname(paths.tar), { recursive: true });
    fs.writeFileSync(paths.tar, "an archive");
    fs.writeFileSync(paths.info, JSON.stringify(currentTemplateInfo(root)));
    expect(usableTemplate(root, true)).not.toBeNull();

    // a migration changed after the template was made
    fs.writeFileSync(
      path.join(root, "dist", "migrations", "001_a.js"),
      "export async function up() { /* changed */ }\n",
    );
    expect(usableTemplate(root, true)).toBeNull();
    fs.writeFileSync(paths.info, JSON.stringify(currentTemplateInfo(root)));
    expect(usableTemplate(root, true)).not.toBeNull();
    // a migration added
    fs.writeFileSync(path.join(root, "dist", "migrations", "002_b.js"), "export async function up() {}\n");
    expect(usableTemplate(root, true)).toBeNull();
    fs.writeFileSync(paths.info, JSON.stringify(currentTemplateInfo(root)));
    // another PGlite
    fs.writeFileSync(path.join(root, "node_modules", "@electric-sql", "pglite", "package.json"), '{"version":"0.6.0"}');
    expect(usableTemplate(root, true)).toBeNull();
    // no record of what it was made with
    fs.rmSync(paths.info);
    expect(usableTemplate(root, true)).toBeNull();
  });
});
