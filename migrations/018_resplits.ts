// Reason: a new agreement or central–local ratio version that reaches back re-splits what was booked
// (docs/decisions/0009-resplits-by-adjusting-entries.md). Receipts and their entries are append-only,
// so the difference is posted as an entry of a new kind, `adjustment`, and recorded in
// `receipt_resplits`: which receipt, which entry, which version caused it, the terms the receipt is
// split with from then on (the latest re-split's terms win), and the difference per part. A receipt's
// split as it stands is its own columns plus the sum of its re-splits' differences.
// The entry kinds are widened from whatever the check allows when this runs, so that kinds added by a
// migration merged before this one are kept.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

const KIND_CHECK = "journal_entries_kind_check";

export async function up(knex: Knex): Promise<void> {
  await setEntryKinds(knex, (kinds) => [...kinds.filter((k) => k !== "adjustment"), "adjustment"]);
  await runScript(
    knex,
    `
    create table receipt_resplits (
      id bigserial primary key,
      receipt_id bigint not null references receipts (id),
      entry_id bigint not null unique references journal_entries (id),
      cause_agreement_id integer references agreements (id),
      cause_ratio_id integer references central_ratios (id),
      cause_exception_id integer references ratio_exceptions (id),
      operator text,
      central_share_bp integer,
      operator_share_bp integer,
      central_ratio_id integer,
      agreement_id integer,
      central_delta_fen bigint not null,
      local_delta_fen bigint not null,
      operator_delta_fen bigint not null,
      host_delta_fen bigint not null,
      recorded_at timestamptz not null default now(),
      check (num_nonnulls(cause_agreement_id, cause_ratio_id, cause_exception_id) = 1),
      -- a re-split moves money between the parties of one receipt: the whole never changes
      check (central_delta_fen + local_delta_fen = 0 and operator_delta_fen + host_delta_fen = local_delta_fen)
    );
    -- a receipt's terms and split as they stand are read by probing its re-splits, latest first
    create index receipt_resplits_of_receipt on receipt_resplits (receipt_id, id);
    create unique index receipt_resplits_once on receipt_resplits
      (receipt_id, coalesce(cause_agreement_id, 0), coalesce(cause_ratio_id, 0), coalesce(cause_exception_id, 0));
    create trigger receipt_resplits_append_only before update or delete on receipt_resplits
      for each row execute function parkledger_refuse_change();
    create trigger receipt_resplits_no_truncate before truncate on receipt_resplits
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table receipt_resplits;`);
  await setEntryKinds(knex, (kinds) => kinds.filter((k) => k !== "adjustment"));
}

/** Rewrites the entry kind check as `change` of the kinds it allows now. */
async function setEntryKinds(knex: Knex, change: (kinds: string[]) => string[]): Promise<void> {
  const { rows } = await knex.raw(
    `select pg_get_constraintdef(oid) as definition from pg_constraint
      where conname = ? and conrelid = 'journal_entries'::regclass`,
    [KIND_CHECK],
  );
  const definition = String(rows[0]?.definition ?? "");
  const kinds = [...definition.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
  if (!kinds.includes("receipt")) throw new Error(`cannot read the entry kinds from ${KIND_CHECK}: ${definition}`);
  const list = change(kinds)
    .map((k) => `'${k}'`)
    .join(", ");
  await runScript(
    knex,
    `
    alter table journal_entries drop constraint ${KIND_CHECK};
    alter table journal_entries add constraint ${KIND_CHECK} check (kind in (${list}));
  `,
  );
}
