// Reason: receipts held in suspense are cleared when the registry learns where their enterprise was
// (docs/domain.md#clearing-suspense). The receipt and its entry never change: an adjusting entry moves
// it out of the collector's suspense and splits it to the park as booking would have, and this table
// records it, once per receipt (its refunds each have their own row): the entry, the registry version
// (the stay's version, with its file and row) that placed it, the park, the terms and the split it is
// booked with from then on, and the year the entry went to (the first open one when its own is closed).

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    create table receipt_reclassifications (
      id bigserial primary key,
      receipt_id bigint not null unique references receipts (id),
      entry_id bigint not null unique references journal_entries (id),
      stay_version_id bigint not null references enterprise_stay_versions (id),
      park text not null references parks (code),
      host text not null references jurisdictions (code),
      operator text references jurisdictions (code),
      central_share_bp integer,
      operator_share_bp integer,
      central_ratio_id integer,
      agreement_id integer,
      central_fen bigint not null,
      local_fen bigint not null,
      operator_fen bigint not null,
      host_fen bigint not null,
      fiscal_year integer not null,
      recorded_at timestamptz not null default now(),
      check (operator_fen + host_fen = local_fen)
    );
    create index receipt_reclassifications_by_version on receipt_reclassifications (stay_version_id);
    create trigger receipt_reclassifications_append_only before update or delete on receipt_reclassifications
      for each row execute function parkledger_refuse_change();
    create trigger receipt_reclassifications_no_truncate before truncate on receipt_reclassifications
      for each statement execute function parkledger_refuse_change();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `drop table receipt_reclassifications;`);
}
