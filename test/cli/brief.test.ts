// The launcher (src/cli/launch.ts) tells a brief command from its words before the program is loaded,
// and the program (src/cli/main.ts) from the command commander parsed: the two must agree, or a brief
// command on the embedded database would run with other V8 flags than those its code cache was made
// under, and never be given one.

import { describe, expect, it } from "vitest";
import { commandWords, isBriefCommand } from "../../src/cli/brief.js";

describe("brief commands, told from their words", () => {
  it("reads the command's words up to its first option or argument", () => {
    expect(commandWords(["report", "settlement", "--year", "2025"])).toEqual(["report", "settlement"]);
    expect(commandWords(["token", "list", "--format", "json"])).toEqual(["token", "list"]);
    expect(commandWords(["import", "receipts", "/tmp/r.csv"])).toEqual(["import", "receipts"]);
    expect(commandWords(["show", "receipt", "91650100MA77"])).toEqual(["show", "receipt"]);
    expect(commandWords(["--version"])).toEqual([]);
    expect(commandWords([])).toEqual([]);
  });

  it("a report, trace, show or list is brief; the reconciliation, imports, serve, verify and the demo are not", () => {
    const brief = (argv: string[]) => isBriefCommand(commandWords(argv));
    expect(brief(["report", "settlement", "--year", "2025"])).toBe(true);
    expect(brief(["trace", "settlement", "--year", "2025"])).toBe(true);
    expect(brief(["show", "receipt", "R1"])).toBe(true);
    expect(brief(["token", "list"])).toBe(true);
    expect(brief(["report", "reconciliation", "--year", "2025"])).toBe(false);
    expect(brief(["import", "receipts", "r.csv"])).toBe(false);
    expect(brief(["serve"])).toBe(false);
    expect(brief(["verify"])).toBe(false);
    expect(brief(["demo"])).toBe(false);
    expect(brief(["--version"])).toBe(false);
  });
});
