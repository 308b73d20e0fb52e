// Reason: people sign in to the web workspace with a name and a password (issue 13), machines keep
// their bearer tokens. A person is a party's member with that party's role; each has a token of its own
// (never shown, `api_tokens.label` user:<name>) so that what a person posts is recorded, throttled and
// revocable exactly as a token's is. Passwords are kept as argon2id hashes; a session is a random
// secret kept as its sha256, with an expiry, ended on sign-out.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table users (
      id serial primary key,
      name text not null unique check (name ~ '^[a-z][a-z0-9_.-]{1,31}$'),
      token_id bigint not null unique references api_tokens (id),
      password_hash text not null,
      created_at timestamptz not null default now(),
      disabled_at timestamptz
    );
    create table user_sessions (
      secret_sha256 text primary key,
      user_id integer not null references users (id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      ended_at timestamptz
    );
    create index user_sessions_of_user on user_sessions (user_id);
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop table user_sessions;
    drop table users;
  `,
  );
}
