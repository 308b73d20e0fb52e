// Reason: the annual settlement between the host and an operator is a cycle between two finance
// bureaus. The prefecture issues a numbered settlement statement (结算单) for an operator, park and
// year: its figures frozen as the JSON text they were hashed from, with the sha256 of that text. The
// operator confirms it, or disputes named lines with a reason; the prefecture resolves a dispute
// (naming the adjusting entry or transfer that did, or with a note) or the operator withdraws it. A
// re-issue after an adjustment supersedes the earlier statement. Statements and their events are only
// ever added: the state of a statement is read from its events (src/services/statements.ts).
// A closure names the confirmed statement it settled on, or the reason the prefecture gave to settle
// without one (settle --override-reason).

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table settlement_statements (
      id bigserial primary key,
      number text not null unique,
      operator text not null references jurisdictions (code),
      park text not null references parks (code),
      host text not null references jurisdictions (code),
      fiscal_year integer not null check (fiscal_year between 1990 and 2999),
      issue_no integer not null check (issue_no >= 1),
      content text not null,
      content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
      supersedes_id bigint unique references settlement_statements (id),
      party text not null,
      user_name text,
      token_id bigint,
      request_id text,
      posted_by text not null,
      issued_at timestamptz not null default now(),
      unique (operator, park, fiscal_year, issue_no)
    );
    create trigger settlement_statements_append_only before update or delete on settlement_statements
      for each row execute function parkledger_refuse_change();
    create trigger settlement_statements_no_truncate before truncate on settlement_statements
      for each statement execute function parkledger_refuse_change();
    create table settlement_statement_events (
      id bigserial primary key,
      statement_id bigint not null references settlement_statements (id),
      seq integer not null check (seq >= 1),
      kind text not null check (kind in ('confirm', 'dispute', 'resolve', 'withdraw', 'supersede')),
      lines text[],
      dispute_seq integer,
      reason text,
      content_sha256 text,
      resolved_by_entry_id bigint references journal_entries (id),
      resolved_by_transfer text references transfers (ref),
      resolved_by_receipt text references receipts (receipt_no),
      superseded_by_id bigint references settlement_statements (id),
      party text not null,
      user_name text,
      token_id bigint,
      request_id text,
      posted_by text not null,
      recorded_at timestamptz not null default now(),
      unique (statement_id, seq),
      check (kind <> 'dispute' or (cardinality(lines) >= 1 and length(btrim(reason)) > 0)),
      check ((kind in ('resolve', 'withdraw')) = (dispute_seq is not null)),
      check (kind <> 'resolve' or length(btrim(reason)) > 0),
      check (kind <> 'confirm' or content_sha256 is not null),
      check ((kind = 'supersede') = (superseded_by_id is not null))
    );
    create unique index settlement_statement_events_one_confirm on settlement_statement_events (statement_id) where kind = 'confirm';
    create unique index settlement_statement_events_one_supersede on settlement_statement_events (statement_id) where kind = 'supersede';
    create unique index settlement_statement_events_one_end on settlement_statement_events (statement_id, dispute_seq) where dispute_seq is not null;
    create trigger settlement_statement_events_append_only before update or delete on settlement_statement_events
      for each row execute function parkledger_refuse_change();
    create trigger settlement_statement_events_no_truncate before truncate on settlement_statement_events
      for each statement execute function parkledger_refuse_change();
    alter table closures add column statement_id bigint references settlement_statements (id);
    alter table closures add column override_reason text;
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table closures drop column override_reason;
    alter table closures drop column statement_id;
    drop table settlement_statement_events;
    drop table settlement_statements;
  `,
  );
}
