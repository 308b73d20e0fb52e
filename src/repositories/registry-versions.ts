// The registry's history (migrations/026): each stay's versions, never changed. An import records a
// version of each staged stay (`stay_stage`) that is new or says something else than the stay's
// current version; the view `enterprise_stays` then shows it as current.

import type { Knex } from "knex";
import { currentActor } from "./actor.js";

/**
 * Records the new versions of the staged stays, with their source (the import and row), who recorded
 * them, and the journal's last entry (the caller holds the journal lock, so every later entry was
 * booked knowing them). Returns how many versions it recorded.
 */
export async function recordStayVersions(trx: Knex.Transaction, import_id: bigint): Promise<number> {
  const actor = currentActor();
  const { rows } = await trx.raw(
    `insert into enterprise_stay_versions (uscc, park, valid_from, valid_to, origin, introduced_by, bingtuan_flag,
            bingtuan_flag_removed_on, import_id, source_row, version, recorded_by, request_id, journal_mark)
     select s.uscc, s.park, s.valid_from, s.valid_to, s.origin, s.introduced_by, s.bingtuan_flag, s.bingtuan_flag_removed_on,
            ?::bigint, s.row_no, coalesce(e.version, 0) + 1, ?, ?, (select max(j.id) from journal_entries j)
       from stay_stage s left join enterprise_stays e on e.uscc = s.uscc and e.valid_from = s.valid_from
      where e.id is null
         or (e.park, e.valid_to, e.origin, e.introduced_by, e.bingtuan_flag, e.bingtuan_flag_removed_on)
            is distinct from (s.park, s.valid_to, s.origin, s.introduced_by, s.bingtuan_flag, s.bingtuan_flag_removed_on)
     returning id`,
    [import_id.toString(), actor.posted_by, actor.request_id],
  );
  return rows.length;
}
