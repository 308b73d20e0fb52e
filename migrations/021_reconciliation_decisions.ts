// Reason: a person confirms or rejects a probable counterpart the reconciliation suggests (a receipt of
// the prefecture missing in the operator's statement, and a statement row missing in the prefecture's
// books, same enterprise and tax). Each decision is a row of its own, never changed: a later decision
// for the same pair supersedes the earlier one (withdrawing a confirmation is a later reject), and the
// history stays. Who decided is kept as the journal keeps who posted (migrations/009): the party, the
// person's user name when signed in with a session, the token and the request.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table reconciliation_decisions (
      id bigserial primary key,
      year integer not null check (year between 1990 and 2999),
      operator text not null references jurisdictions (code),
      park text references parks (code),
      receipt_no text not null,
      counterpart_no text not null,
      decision text not null constraint reconciliation_decisions_decision_check check (decision in ('confirm', 'reject')),
      reason text,
      party text not null,
      user_name text,
      token_id bigint references api_tokens (id),
      request_id text,
      posted_by text not null,
      decided_at timestamptz not null default now(),
      check (decision = 'confirm' or (reason is not null and length(btrim(reason)) > 0))
    );
    create index reconciliation_decisions_by_pair on reconciliation_decisions (operator, year, receipt_no, counterpart_no, id);
    create trigger reconciliation_decisions_append_only before update or delete on reconciliation_decisions
      for each row execute function parkledger_refuse_change();
    create trigger reconciliation_decisions_no_truncate before truncate on reconciliation_decisions
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table reconciliation_decisions;`);
}
