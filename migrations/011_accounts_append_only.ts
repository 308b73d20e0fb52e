// Reason: journal lines name their account by id, and the hash chain covers that id; were an account's
// code or jurisdiction changed, money would move between accounts without a line changing. Accounts
// are only ever added, so the database refuses to change or remove them.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create trigger accounts_append_only before update or delete on accounts
      for each row execute function parkledger_refuse_change();
    create trigger accounts_no_truncate before truncate on accounts
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop trigger accounts_no_truncate on accounts;
    drop trigger accounts_append_only on accounts;
  `,
  );
}
