// The enterprise registry and its history (docs/domain.md#registry-history). Each stay of an
// enterprise in a park is kept in versions, never overwritten (migrations/026): `registryReport` shows
// the registry as it was known at a time (each stay's latest version recorded by then; without a time,
// as known now), `enterpriseHistory` every version of an enterprise's stays with where it came from.
// The prefecture and the auditors see every park; an operator only the stays in its own parks, and
// not the files, rows or people behind them (the prefecture's files hold every park's rows).

import type { Knex } from "knex";
import { parseIsoDate } from "../ledger/periods.js";
import type { ReferenceData } from "../src/repositories/reference.js";
import type { Tabular } from "./render.js";
import { parksOf, seesFile, type Viewer } from "./viewer.js";

/** `YYYY-MM-DD` (known by the end of that day) or an ISO time (known by that moment). */
export const AS_OF_PATTERN = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

/** Whether an `--as-of` text names a real day (and time). */
export function asOfValid(text: string): boolean {
  return AS_OF_PATTERN.test(text) && parseIsoDate(text.slice(0, 10)) !== null;
}

export interface StayVersionRow {
  uscc: string;
  enterprise: string | null;
  park: string;
  from: string;
  to: string | null;
  origin: string | null;
  introduced_by: string | null;
  bingtuan_flag: boolean;
  bingtuan_flag_removed_on: string | null;
  version: number;
  recorded_at: string;
  /** `cli:<user>` or `api:<party>`; null in an operator's view. */
  recorded_by: string | null;
  /** The file and row the version came from; null in an operator's view or for a version recorded otherwise. */
  source: { file: string; sha256: string; row: number | null } | null;
}

export interface RegistryReport {
  as_of: string | null;
  count: number;
  stays: StayVersionRow[];
}

export interface EnterpriseHistory {
  uscc: string;
  count: number;
  versions: (StayVersionRow & { current: boolean; superseded_at: string | null })[];
}

const UTC_TEXT = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The version columns every answer reads from `v` (a version) joined to `e` (enterprises) and `i` (imports). */
const VERSION_COLUMNS = `v.uscc, e.name, v.park, v.valid_from, v.valid_to, v.origin, v.introduced_by, v.bingtuan_flag,
       v.bingtuan_flag_removed_on, v.version, ${UTC_TEXT("v.recorded_at")} as recorded_at, v.recorded_by, v.source_row,
       i.file_name, i.file_sha256, i.party as import_party`;

/** The viewer's parks as a filter on `v.park` (binding: the parks), or none for the full view. */
function parkFilter(ref: ReferenceData, viewer: Viewer): { sql: string; bindings: Knex.RawBinding[] } {
  if (viewer.kind === "full") return { sql: "true", bindings: [] };
  return { sql: "v.park = any(?::text[])", bindings: [parksOf(ref, viewer.operator)] };
}

function versionRow(r: Record<string, unknown>, viewer: Viewer): StayVersionRow {
  const file = r.file_name !== null && seesFile(viewer, (r.import_party as string | null) ?? null);
  return {
    uscc: r.uscc as string,
    enterprise: (r.name as string | null) ?? null,
    park: r.park as string,
    from: r.valid_from as string,
    to: (r.valid_to as string | null) ?? null,
    origin: (r.origin as string | null) ?? null,
    introduced_by: (r.introduced_by as string | null) ?? null,
    bingtuan_flag: r.bingtuan_flag === true,
    bingtuan_flag_removed_on: (r.bingtuan_flag_removed_on as string | null) ?? null,
    version: Number(r.version),
    recorded_at: r.recorded_at as string,
    recorded_by: viewer.kind === "full" ? (r.recorded_by as string) : null,
    source: file
      ? {
          file: r.file_name as string,
          sha256: r.file_sha256 as string,
          row: r.source_row === null ? null : Number(r.source_row),
        }
      : null,
  };
}

/** What the `as_of` text bounds `v.recorded_at` by, in SQL (binding: the text). */
function knownBy(asOf: string): string {
  return asOf.length === 10 ? "v.recorded_at < (?::date + 1)::timestamptz" : "v.recorded_at <= ?::timestamptz";
}

/**
 * The registry as known at `asOf` (null: now): each stay's latest version recorded by then, in the
 * viewer's parks, optionally of one enterprise or park.
 */
export async function registryReport(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  viewer: Viewer,
  filter: { as_of?: string; uscc?: string; park?: string } = {},
): Promise<RegistryReport> {
  const parks = parkFilter(ref, viewer);
  const asOf = filter.as_of ?? null;
  const where: string[] = [parks.sql];
  const bindings: Knex.RawBinding[] = [...parks.bindings];
  if (filter.uscc !== undefined) {
    where.push("v.uscc = ?");
    bindings.push(filter.uscc.toUpperCase());
  }
  if (filter.park !== undefined) {
    where.push("v.park = ?");
    bindings.push(filter.park);
  }
  const known = asOf === null ? "true" : knownBy(asOf);
  const knownBindings = asOf === null ? [] : [asOf];
  // the latest version of each stay known by then, whichever park it says; then only the viewer's parks
  const { rows } = await knex.raw(
    `select ${VERSION_COLUMNS}
       from (select distinct on (v.uscc, v.valid_from) v.* from enterprise_stay_versions v
              where ${known} order by v.uscc, v.valid_from, v.version desc) v
       join enterprises e on e.uscc = v.uscc
       left join imports i on i.id = v.import_id
      where ${where.join(" and ")}
      order by v.uscc, v.valid_from`,
    [...knownBindings, ...bindings],
  );
  const stays = rows.map((r: Record<string, unknown>) => versionRow(r, viewer));
  return { as_of: asOf, count: stays.length, stays };
}

/** Every version of an enterprise's stays in the viewer's parks, oldest first per stay; whether it is current. */
export async function enterpriseHistory(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  viewer: Viewer,
  uscc: string,
): Promise<EnterpriseHistory> {
  const parks = parkFilter(ref, viewer);
  const code = uscc.toUpperCase();
  const { rows } = await knex.raw(
    `select ${VERSION_COLUMNS},
            ${UTC_TEXT("n.recorded_at")} as superseded_at, n.park as next_park, n.id is null as current
       from enterprise_stay_versions v
       join enterprises e on e.uscc = v.uscc
       left join imports i on i.id = v.import_id
       left join enterprise_stay_versions n on n.uscc = v.uscc and n.valid_from = v.valid_from and n.version = v.version + 1
      where v.uscc = ? and ${parks.sql}
      order by v.valid_from, v.version`,
    [code, ...parks.bindings],
  );
  const own = viewer.kind === "full" ? null : new Set(parksOf(ref, viewer.operator));
  const versions = rows.map((r: Record<string, unknown>) => ({
    ...versionRow(r, viewer),
    current: r.current === true,
    // when a version in another park superseded it, an operator is told it was superseded, not when or where
    superseded_at:
      r.superseded_at === null || (own !== null && !own.has(r.next_park as string))
        ? null
        : (r.superseded_at as string),
  }));
  return { uscc: code, count: versions.length, versions };
}

const STAY_COLUMNS = [
  { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
  { key: "enterprise", label_zh: "企业", label_en: "Enterprise" },
  { key: "park", label_zh: "园区", label_en: "Park" },
  { key: "from", label_zh: "入园日期", label_en: "From" },
  { key: "to", label_zh: "离园日期", label_en: "To" },
  { key: "bingtuan_flag", label_zh: "兵团企业标识", label_en: "Bingtuan flag" },
  { key: "bingtuan_flag_removed_on", label_zh: "标识撤销日期", label_en: "Flag removed on" },
  { key: "version", label_zh: "版本", label_en: "Version", kind: "count" as const },
  { key: "recorded_at", label_zh: "登记时间", label_en: "Recorded at" },
  { key: "source", label_zh: "来源", label_en: "Source" },
];

function sourceText(r: StayVersionRow): string | null {
  if (r.source !== null) return `${r.source.file} (${r.source.sha256.slice(0, 12)}) row ${r.source.row ?? "?"}`;
  return r.recorded_by;
}

function stayCells(r: StayVersionRow): Record<string, string | number | null> {
  return {
    uscc: r.uscc,
    enterprise: r.enterprise,
    park: r.park,
    from: r.from,
    to: r.to,
    bingtuan_flag: r.bingtuan_flag ? "是 yes" : "",
    bingtuan_flag_removed_on: r.bingtuan_flag_removed_on,
    version: r.version,
    recorded_at: r.recorded_at,
    source: sourceText(r),
  };
}

export function registryTabular(r: RegistryReport): Tabular {
  return {
    title_zh: "企业入园登记",
    title_en: "Enterprise registry",
    subtitle: `${r.as_of === null ? "as known now" : `as known at ${r.as_of}`} · ${r.count} stays`,
    sections: [{ columns: STAY_COLUMNS, rows: r.stays.map(stayCells) }],
  };
}

export function historyTabular(h: EnterpriseHistory): Tabular {
  return {
    title_zh: "企业登记历史",
    title_en: "Enterprise registry history",
    subtitle: `${h.uscc} · ${h.count} versions`,
    sections: [
      {
        columns: [
          ...STAY_COLUMNS,
          { key: "current", label_zh: "现行", label_en: "Current" },
          { key: "superseded_at", label_zh: "被更正时间", label_en: "Superseded at" },
        ],
        rows: h.versions.map((v) => ({
          ...stayCells(v),
          current: v.current ? "是 yes" : "",
          superseded_at: v.superseded_at,
        })),
      },
    ],
  };
}
