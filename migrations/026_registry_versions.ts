// Reason: the enterprise registry keeps its history (docs/domain.md#registry-history). A stay of an
// enterprise in a park, keyed by (uscc, valid_from), used to be overwritten when a file said something
// else of it; now each thing said of it is a version of its own, never changed: a correction is a new
// version with its source (the import, file sha256 and row; who recorded it, by the command line or
// HTTP) and when it was recorded. What is current is each stay's latest version, which the view
// `enterprise_stays` shows under the old name and columns, so every reader of the registry (booking,
// the reconciliation, suspense) reads current knowledge unchanged. `journal_mark` is the last journal
// entry when the version was recorded: the registry changes under the journal lock, so an entry with a
// higher id was booked knowing this version, which makes the version a booking used a matter of record.
// The Bingtuan flag gets the day it no longer holds (`bingtuan_flag_removed_on`), so the reconciliation
// can name a flag still set after it. The stays recorded before this migration become version 1,
// recorded when their import was.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table enterprise_stays rename to enterprise_stay_versions;
    alter table enterprise_stay_versions drop constraint if exists enterprise_stays_uscc_valid_from_key;
    alter table enterprise_stay_versions add column version integer not null default 1 check (version >= 1);
    alter table enterprise_stay_versions add column bingtuan_flag_removed_on date;
    alter table enterprise_stay_versions add column recorded_at timestamptz not null default now();
    alter table enterprise_stay_versions add column recorded_by text;
    alter table enterprise_stay_versions add column request_id text;
    alter table enterprise_stay_versions add column journal_mark bigint;
    update enterprise_stay_versions v set recorded_at = i.imported_at, recorded_by = 'unrecorded (before registry versions)'
      from imports i where i.id = v.import_id;
    update enterprise_stay_versions set recorded_by = 'unrecorded (before registry versions)' where recorded_by is null;
    alter table enterprise_stay_versions alter column recorded_by set not null;
    alter table enterprise_stay_versions alter column version drop default;
    alter table enterprise_stay_versions add constraint enterprise_stay_versions_once unique (uscc, valid_from, version);
    create index enterprise_stay_versions_known_at on enterprise_stay_versions (recorded_at);
    create trigger enterprise_stay_versions_append_only before update or delete on enterprise_stay_versions
      for each row execute function parkledger_refuse_change();
    create trigger enterprise_stay_versions_no_truncate before truncate on enterprise_stay_versions
      for each statement execute function parkledger_refuse_change();
    -- the registry as known now: each stay as its latest version says
    create view enterprise_stays as
      select v.id, v.uscc, v.park, v.valid_from, v.valid_to, v.origin, v.introduced_by, v.bingtuan_flag,
             v.bingtuan_flag_removed_on, v.import_id, v.source_row, v.version, v.recorded_at, v.recorded_by
        from enterprise_stay_versions v
       where not exists (select 1 from enterprise_stay_versions w
                          where w.uscc = v.uscc and w.valid_from = v.valid_from and w.version > v.version);
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop view enterprise_stays;
    drop trigger enterprise_stay_versions_append_only on enterprise_stay_versions;
    drop trigger enterprise_stay_versions_no_truncate on enterprise_stay_versions;
    delete from enterprise_stay_versions v where exists (select 1 from enterprise_stay_versions w
      where w.uscc = v.uscc and w.valid_from = v.valid_from and w.version > v.version);
    alter table enterprise_stay_versions drop constraint enterprise_stay_versions_once;
    alter table enterprise_stay_versions drop column version;
    alter table enterprise_stay_versions drop column bingtuan_flag_removed_on;
    alter table enterprise_stay_versions drop column recorded_at;
    alter table enterprise_stay_versions drop column recorded_by;
    alter table enterprise_stay_versions drop column request_id;
    alter table enterprise_stay_versions drop column journal_mark;
    alter table enterprise_stay_versions rename to enterprise_stays;
    alter table enterprise_stays add constraint enterprise_stays_uscc_valid_from_key unique (uscc, valid_from);
  `,
  );
}
