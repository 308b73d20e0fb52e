// Who is looking at a report (docs/domain.md#confidentiality): the full view of the prefecture, the
// auditors and the command line (whoever holds the database), or an operator's own view, which shows
// its own parks and nothing else and never tells whether something exists in another park. Reports
// whose content depends on it take it as an explicit parameter, so that no caller gets the full view
// by forgetting to say who asks.

import type { ReferenceData } from "../src/repositories/reference.js";

export type Viewer = { readonly kind: "full" } | { readonly kind: "operator"; readonly operator: string };

/** The prefecture's, the auditors' and the command line's view: every park. */
export const FULL_VIEW: Viewer = Object.freeze({ kind: "full" });

/** An operator's own view: its parks only. */
export const operatorView = (operator: string): Viewer => Object.freeze({ kind: "operator", operator });

/** The parks an operator runs for a host (what its view may show). */
export function parksOf(ref: ReferenceData, operator: string): string[] {
  return ref.parks.filter((p) => p.operator === operator && p.operator !== p.host).map((p) => p.code);
}

// What an operator's view shows of where a record came from. Journal entry ids, import ids and
// agreement ids are serials shared by every park, and a file the prefecture imported holds every park's
// rows: an id, a file name, its sha256 or a row number would tell an operator how many records of other
// parks lie between two of its own and in what order. An operator identifies its own by what is its
// own (receipt numbers, transfer refs, dates, amounts, the entry's hash) and by its place in the answer.

/** A journal entry's id as the viewer may see it: null for an operator. */
export function entryIdFor(viewer: Viewer, id: string | number | bigint): string | null {
  return viewer.kind === "full" ? String(id) : null;
}

/** Whether the viewer may see the name, sha256 and rows of an imported file: its own imports only. */
export function seesFile(viewer: Viewer, importedBy: string | null): boolean {
  return viewer.kind === "full" || (importedBy !== null && importedBy === viewer.operator);
}

/** Whether the viewer may see the request and token that posted something: its own requests only. */
export function seesRequest(viewer: Viewer, party: string | null): boolean {
  return viewer.kind === "full" || (party !== null && party === viewer.operator);
}

/**
 * An entry's idempotency key as the viewer may see it. Keys made of what the operator knows as its
 * own (`receipt:<no>`, `transfer:<ref>`, `settlement:<operator>:<year>`, `payment:<ref>`, `reclassify:<no>` of a receipt
 * rebooked out of suspense into its park) are shown; an indicator
 * entry's key names the import or agreement that caused it by a global id, which is left out
 * (`indicator:import:BZ:GDP:2025-02`), and so does a re-split's (`resplit:<no>:agreement`, the
 * entry's description naming the version by park, date and share); any other key is withheld (null).
 */
export function entryKeyFor(viewer: Viewer, key: string): string | null {
  if (viewer.kind === "full") return key;
  if (/^(receipt|transfer|settlement|payment|reclassify):/.test(key)) return key;
  const indicator = /^indicator:(import|agreement):\d+:(.*)$/.exec(key);
  if (indicator !== null) return `indicator:${indicator[1]}:${indicator[2]}`;
  const resplit = /^resplit:(.*):(agreement|ratio):\d+$/s.exec(key);
  if (resplit !== null) return `resplit:${resplit[1]}:${resplit[2]}`;
  return null;
}
