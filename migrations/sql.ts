// Runs a script of several SQL statements one at a time: PGlite's extended protocol takes one
// statement per query. Statements end with `;` at the end of a line, outside `$$` function bodies.

import type { Knex } from "knex";

export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let inBody = false;
  for (const line of script.split("\n")) {
    current.push(line);
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      const statement = current.join("\n").trim();
      if (statement.replace(/^--.*$/gm, "").trim() !== ";") statements.push(statement);
      current = [];
    }
  }
  const rest = current.join("\n").trim();
  if (rest.replace(/^--.*$/gm, "").trim() !== "") statements.push(rest);
  return statements;
}

export async function runScript(knex: Knex, script: string): Promise<void> {
  for (const statement of splitStatements(script)) await knex.raw(statement);
}
