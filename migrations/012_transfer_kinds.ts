// Reason: an interim transfer (预拨) moves a positive amount from the host to an operator; money the
// operator returns (an over-transfer recovered, 收回) is its own kind, also positive, shown as such in
// the settlement statement. Transfers recorded before (all interim, some negative) stay as they were:
// the table is append-only, so the positive-amount rule holds for every transfer from here on.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table transfers add column kind text not null default 'interim' check (kind in ('interim', 'recovery'));
    alter table transfers add constraint transfers_amount_positive check (amount_fen > 0) not valid;
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table transfers drop constraint transfers_amount_positive;
    alter table transfers drop column kind;
  `,
  );
}
