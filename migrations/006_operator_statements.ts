// Reason: each operator's own record of its park's receipts (对账), kept as imported so the
// prefecture's books and the operator's can be reconciled row by row; append-only like the journal.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table operator_statements (
      id bigserial primary key,
      party text not null references jurisdictions (code),
      receipt_no text not null,
      uscc text not null,
      tax_code text not null references tax_types (code),
      collected_on date not null,
      amount_fen bigint not null check (amount_fen <> 0),
      content_hash text not null,
      import_id bigint not null,
      source_row integer not null,
      unique (party, receipt_no)
    );
    create index operator_statements_by_date on operator_statements (party, collected_on);
    create trigger operator_statements_append_only before update or delete on operator_statements
      for each row execute function parkledger_refuse_change();
    create trigger operator_statements_no_truncate before truncate on operator_statements
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table operator_statements;`);
}
