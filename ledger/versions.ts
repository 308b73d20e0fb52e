// Ratios and agreements are versions with effective dates; the one in force on a day is the latest
// version effective on or before it, and among versions effective the same day the last recorded.

export interface Version {
  id: number;
  effective_from: string;
}

/** Versions must be sorted by (effective_from, id); returns the one in force on `isoDate`, if any. */
export function inForceOn<V extends Version>(sorted: readonly V[], isoDate: string): V | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.effective_from <= isoDate) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : sorted[lo - 1];
}

export function sortVersions<V extends Version>(versions: V[]): V[] {
  return versions.sort((a, b) =>
    a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : a.id - b.id,
  );
}
