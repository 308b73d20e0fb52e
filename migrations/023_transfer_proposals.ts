// Reason: interim transfers (预拨) are proposed from the figures under a rule the agreement states, then
// executed by their number. An agreement version may say what share of the operator's share to date is
// transferred ahead of the settlement (`interim_transfer_bp`; none when null). A proposal records what
// it was computed from (the share to date through a month, what was transferred before), append-only;
// the transfer that executes it names it, and a proposal is executed at most once.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table agreements add column interim_transfer_bp integer check (interim_transfer_bp between 1 and 10000);
    create table transfer_proposals (
      id bigserial primary key,
      operator text not null references jurisdictions (code),
      park text not null references parks (code),
      fiscal_year integer not null check (fiscal_year between 1900 and 2999),
      through_month smallint not null check (through_month between 1 and 12),
      agreement_id integer not null references agreements (id),
      interim_transfer_bp integer not null check (interim_transfer_bp between 1 and 10000),
      operator_share_to_date_fen bigint not null,
      transferred_before_fen bigint not null,
      amount_fen bigint not null check (amount_fen > 0),
      party text not null,
      token_id bigint,
      request_id text,
      proposed_at timestamptz not null default now()
    );
    create index transfer_proposals_by_year on transfer_proposals (operator, fiscal_year);
    create trigger transfer_proposals_append_only before update or delete on transfer_proposals
      for each row execute function parkledger_refuse_change();
    create trigger transfer_proposals_no_truncate before truncate on transfer_proposals
      for each statement execute function parkledger_refuse_change();
    alter table transfers add column proposal_id bigint references transfer_proposals (id);
    create unique index transfers_one_per_proposal on transfers (proposal_id) where proposal_id is not null;
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop index transfers_one_per_proposal;
    alter table transfers drop column proposal_id;
    drop table transfer_proposals;
    alter table agreements drop column interim_transfer_bp;
  `,
  );
}
