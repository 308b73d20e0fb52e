// What a request names, checked and spelled one way before any access rule reads it: path parameters
// are identifiers, and party, park and jurisdiction names become the codes the database keeps.

import { fieldRejection } from "../../ledger/rejections.js";
import { textProblem, visibleText } from "../../ledger/text.js";
import type { ReferenceData } from "../repositories/reference.js";
import { HttpError } from "./errors.js";

/** Path parameters are identifiers (a receipt number, an import kind): printable text only. */
export function checkParams(params: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(params)) {
    const problem = typeof value === "string" ? textProblem(value, "identifier") : null;
    if (problem !== null)
      throw new HttpError(400, "invalid_request", `${name}: ${problem.reason}`, [
        { path: name, message: `${problem.reason} [${problem.code}]` },
      ]);
  }
}

const PARTY_FIELDS = ["operator", "party", "jurisdiction"] as const;

/**
 * Rewrites the party, park and jurisdiction fields of a request to the codes the database keeps
 * (`Urumqi`, `乌鲁木齐` → `urumqi`; `bz` → `BZ`), so access rules and handlers compare one spelling;
 * a name that is none of them is refused naming the field and the valid values.
 */
export async function canonicalNames(
  values: unknown,
  ref: () => Promise<ReferenceData>,
  tellUnknown: boolean,
): Promise<void> {
  if (values === null || typeof values !== "object") return;
  const fields = values as Record<string, unknown>;
  for (const field of [...PARTY_FIELDS, "park"]) {
    const given = fields[field];
    if (typeof given !== "string") continue;
    const r = await ref();
    if (field === "park") {
      const park = r.resolvePark(given);
      if (park === undefined && !tellUnknown) continue;
      if (park === undefined)
        throw fieldRejection(
          "park",
          "park_unknown",
          `${visibleText(given)} is not a park; use one of ${r.parks.map((p) => p.code).join(", ")}`,
        );
      fields[field] = park.code;
    } else {
      const jurisdiction = r.resolveJurisdiction(given);
      if (jurisdiction === undefined && !tellUnknown) continue;
      if (jurisdiction === undefined)
        throw fieldRejection(
          field,
          "jurisdiction_unknown",
          `${visibleText(given)} is not a party; use one of ${r.jurisdictions.map((j) => j.code).join(", ")}`,
        );
      fields[field] = jurisdiction.code;
    }
  }
}
