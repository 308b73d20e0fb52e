// Reason: the HTTP service's tokens and the requests it answered. A token belongs to a party and a
// role; only the sha256 of the token is stored, so the database never holds a usable secret. A write
// sent with an Idempotency-Key is remembered with its answer, so a retry gets the same answer and
// books nothing twice.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table api_tokens (
      id bigserial primary key,
      party text not null check (party in ('prefecture', 'bingtuan', 'urumqi', 'statistics', 'auditor')),
      role text not null check (role in ('finance', 'statistics', 'auditor')),
      label text not null default '',
      token_sha256 text not null unique check (token_sha256 ~ '^[0-9a-f]{64}$'),
      hint text not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      check ((role = 'finance' and party in ('prefecture', 'bingtuan', 'urumqi'))
          or (role = 'statistics' and party = 'statistics')
          or (role = 'auditor' and party = 'auditor'))
    );

    create table api_requests (
      party text not null,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      request_sha256 text not null,
      route text not null,
      status integer not null,
      response text not null,
      request_id text not null,
      token_id bigint not null references api_tokens (id),
      answered_at timestamptz not null default now(),
      primary key (party, idempotency_key)
    );
    create trigger api_requests_append_only before update or delete on api_requests
      for each row execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop table api_requests;
    drop table api_tokens;
  `,
  );
}
