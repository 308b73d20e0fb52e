// Reason: payments of settled balances (docs/domain.md#payments-and-arrears). Once a year is settled
// with an operator for a park, its balance due is a debt of one party to the other; a payment of it,
// whole or in part, is recorded here and booked in the journal (entry kind `payment`) against the
// settlement accounts the closure booked. Payments are append-only like the journal: a wrong one is
// corrected by a new record, never changed. The kind check of `journal_entries` is widened by adding
// to the values it holds, whatever migrations before this one added to it.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table payments (
      id bigserial primary key,
      ref text not null unique,
      operator text not null references jurisdictions (code),
      host text not null references jurisdictions (code),
      park text not null references parks (code),
      settled_year integer not null check (settled_year between 1900 and 2999),
      direction text not null check (direction in ('host_to_operator', 'operator_to_host')),
      method text not null check (method in ('direct', 'remittance', 'subsidy')),
      amount_fen bigint not null check (amount_fen > 0),
      paid_on date not null,
      fiscal_year integer not null check (fiscal_year between 1900 and 2999),
      entry_id bigint not null unique references journal_entries (id),
      content_hash text not null,
      party text not null,
      token_id bigint,
      request_id text,
      recorded_at timestamptz not null default now(),
      check (fiscal_year > settled_year)
    );
    create index payments_by_debt on payments (operator, settled_year, park);
    create trigger payments_append_only before update or delete on payments
      for each row execute function parkledger_refuse_change();
    create trigger payments_no_truncate before truncate on payments
      for each statement execute function parkledger_refuse_change();
  `,
  );
  await widenKindCheck(knex, "payment", true);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table payments;`);
  await widenKindCheck(knex, "payment", false);
}

/** Adds `value` to (or, going down, removes it from) the entry kinds the journal allows, keeping the others. */
async function widenKindCheck(knex: Knex, value: string, add: boolean) {
  const constraint = "journal_entries_kind_check";
  const { rows } = await knex.raw(
    `select pg_get_constraintdef(c.oid) as definition from pg_constraint c
      where c.conname = ? and c.conrelid = ?::regclass`,
    [constraint, "journal_entries"],
  );
  if (rows.length !== 1) throw new Error(`journal_entries has no constraint ${constraint} to widen`);
  const held = [...String(rows[0].definition).matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
  const values = add ? [...new Set([...held, value])] : held.filter((v) => v !== value);
  await knex.raw(`alter table journal_entries drop constraint ${constraint}`);
  await knex.raw(
    `alter table journal_entries add constraint ${constraint} check (kind in (${values.map((v) => `'${v}'`).join(", ")}))`,
  );
}
