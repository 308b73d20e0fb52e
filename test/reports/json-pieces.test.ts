// Large reports are written as JSON in pieces; the pieces must join to exactly the JSON a single
// JSON.stringify gives, whatever the report holds, and a file written that way must parse back.

import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonPieces, toJson, writeJsonFile } from "../../src/cli/output.js";
import { tmpDir } from "../support/files.js";

const item = fc.record({
  receipt_no: fc.string(),
  status: fc.constantFrom("matched", "amount_mismatch"),
  amount: fc.option(fc.constantFrom("1.00", "-0.01", "123456789.99"), { nil: null }),
  note: fc.option(fc.string({ unit: "grapheme" }), { nil: undefined }),
});

describe("JSON in pieces", () => {
  it("property: the pieces join to the same JSON, compact or indented, with arrays of any length", () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer(),
          summary: fc.dictionary(fc.string(), fc.string()),
          items: fc.oneof(fc.array(item, { maxLength: 5 }), fc.array(item, { minLength: 5_001, maxLength: 12_000 })),
          empty: fc.constant([]),
        }),
        fc.boolean(),
        (report, compact) => {
          expect([...jsonPieces(report, compact)].join("")).toBe(toJson(report, compact));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("writes a file that parses back to the report", async () => {
    const report = { year: 2025, items: Array.from({ length: 12_345 }, (_, i) => ({ n: `R-${i}`, a: "1.00" })) };
    const file = path.join(tmpDir(), `pieces-${process.pid}.json`);
    await writeJsonFile(file, report, true);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(report);
    fs.rmSync(file);
  });

  it("reports a file it cannot write instead of losing the error", async () => {
    await expect(writeJsonFile(path.join(tmpDir(), "no-such-dir", "x.json"), { a: 1 }, true)).rejects.toThrow(/ENOENT/);
  });
});
