// Who provides a project's carbon and pollutant quotas (docs/domain.md#constraint-indicators-quotas): a
// relocated project brings them from where it came from (迁出地自带指标); a newly attracted one is
// provided for by the party that attracted it (引进方); the host provides for its own projects.

export type ProjectOrigin = "relocated" | "new" | "local";

export type QuotaBearer =
  | { ok: true; jurisdiction: string }
  | { ok: false; column: "introduced_by"; code: "introduced_by_required" | "jurisdiction_unknown"; reason: string };

export function quotaBearer(
  origin: ProjectOrigin,
  introduced_by: string | null,
  park: { host: string },
  parties: readonly string[],
): QuotaBearer {
  if (origin === "local") {
    if (introduced_by !== null && introduced_by !== park.host)
      return {
        ok: false,
        column: "introduced_by",
        code: "jurisdiction_unknown",
        reason: `a local project is the host's own (${park.host}); a project ${introduced_by} brought is relocated or new`,
      };
    return { ok: true, jurisdiction: park.host };
  }
  if (introduced_by === null)
    return {
      ok: false,
      column: "introduced_by",
      code: "introduced_by_required",
      reason:
        origin === "relocated"
          ? "a relocated project names the party it moved from, whose quotas it brings"
          : "a newly attracted project names the party that attracted it, which provides its quotas",
    };
  if (!parties.includes(introduced_by))
    return {
      ok: false,
      column: "introduced_by",
      code: "jurisdiction_unknown",
      reason: `unknown party; use one of ${parties.join(", ")}`,
    };
  return { ok: true, jurisdiction: introduced_by };
}

/** Whether a project with this period is in operation at any time in `year`. */
export function operatesIn(start_on: string, end_on: string | null, year: number): boolean {
  return start_on <= `${year}-12-31` && (end_on === null || end_on >= `${year}-01-01`);
}
