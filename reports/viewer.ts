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
