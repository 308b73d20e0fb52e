// The enterprise registry as booking reads it: who was in which park on a day. A file's import holds
// the whole registry in memory (it is small beside a year of receipts); a group of requests reads
// the stays it needs inside its one lookup statement.

import type { Knex } from "knex";

interface Stay {
  park: string;
  from: string;
  to: string | null;
}

/** The enterprise registry in memory: who is where, when. */
export class Registry {
  private constructor(
    private readonly stays: Map<string, Stay[]>,
    private readonly enterprises: Set<string>,
  ) {}

  static async load(trx: Knex.Transaction): Promise<Registry> {
    const stays = new Map<string, Stay[]>();
    const rows = (await trx("enterprise_stays")
      .select("uscc", "park", "valid_from", "valid_to")
      .orderBy(["uscc", "valid_from"])) as {
      uscc: string;
      park: string;
      valid_from: string;
      valid_to: string | null;
    }[];
    for (const r of rows) {
      const list = stays.get(r.uscc) ?? [];
      list.push({ park: r.park, from: r.valid_from, to: r.valid_to });
      stays.set(r.uscc, list);
    }
    const enterprises = new Set(((await trx("enterprises").select("uscc")) as { uscc: string }[]).map((e) => e.uscc));
    return new Registry(stays, enterprises);
  }

  stayOn(uscc: string, isoDate: string): string | null {
    for (const s of this.stays.get(uscc) ?? []) {
      if (s.from <= isoDate && (s.to === null || isoDate <= s.to)) return s.park;
    }
    return null;
  }

  knows(uscc: string): boolean {
    return this.enterprises.has(uscc);
  }
}

/**
 * Part of the group lookup (src/booking/lookup.ts) over `d(uscc, on_day)`, the days whose park the
 * group's originals need (their entry dates and tax periods' ends): the enterprise's park on the day
 * (null: none) and whether the registry knows it, as a JSON array of `[uscc, on_day, park, known]`.
 */
export const LOOKUP_STAYS_SQL = `(select coalesce(json_agg(json_build_array(d.uscc, d.on_day, st.park,
                 st.park is not null or exists (select 1 from enterprises n where n.uscc = d.uscc))), '[]')
          from (select distinct uscc, on_day from d) d
          left join lateral (select s.park from enterprise_stays s
                              where s.uscc = d.uscc and s.valid_from <= d.on_day
                                and (s.valid_to is null or s.valid_to >= d.on_day)
                              order by s.valid_from limit 1) st on true)`;
