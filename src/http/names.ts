// What a request's path names is an identifier (the names in its query and body are spelled one way
// by canonicalNames, src/repositories/reference.ts, as the command line's are).

import { textProblem } from "../../ledger/text.js";
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
