// Times as a user in Xinjiang reads them: the JSON keeps the instant in ISO UTC for scripts, the tables
// show it in Beijing time (Asia/Shanghai), or in the zone PARKLEDGER_TZ (or TZ) names.

const DEFAULT_ZONE = "Asia/Shanghai";

function zone(): string {
  const named = process.env.PARKLEDGER_TZ ?? process.env.TZ;
  if (named === undefined || named === "") return DEFAULT_ZONE;
  try {
    new Intl.DateTimeFormat("en", { timeZone: named });
    return named;
  } catch {
    return DEFAULT_ZONE; // a zone this Node does not know: Beijing time rather than a failure
  }
}

/** `2026-11-27T08:44:49.000Z` → `2026-11-27 16:44:49 (UTC+8)`; null and non-times as given. */
export function localTime(iso: string | null): string | null {
  if (iso === null) return null;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone(),
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "shortOffset",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = (parts.timeZoneName ?? "GMT").replace("GMT", "UTC") || "UTC";
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} (${offset === "UTC" ? "UTC" : offset})`;
}
