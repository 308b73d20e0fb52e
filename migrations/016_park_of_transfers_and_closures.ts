// Reason: an operator may run several parks, and transfers, recoveries and closures are kept per
// operator and park. Both tables are append-only, so the new `park` column is added nullable and
// rows recorded before stay as they were: an older transfer's park is its journal entry's (read with
// `coalesce(t.park, e.park)`), and an older closure (null park) closed the year with the operator,
// that is with every park it runs (src/repositories/closures.ts). A closure is now one per operator,
// park and year.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table transfers add column park text references parks (code);
    alter table closures add column park text references parks (code);
    alter table closures drop constraint closures_pkey;
    create unique index closures_once on closures (operator, year, coalesce(park, ''));
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop index closures_once;
    alter table closures add primary key (operator, year);
    alter table closures drop column park;
    alter table transfers drop column park;
  `,
  );
}
