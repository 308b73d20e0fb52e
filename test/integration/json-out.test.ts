// `--out FILE` writes a report's JSON whole or not at all: a streamed report (a year's reconciliation)
// that fails half way leaves neither half a file nor its scraps, and a file written before is kept.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { StreamedJson, writeJsonFile } from "../../src/cli/output.js";
import { tmpDir } from "../support/files.js";

function streamed(failAfter: number | null): StreamedJson {
  async function* pieces(): AsyncGenerator<string> {
    yield '{"items":[';
    for (let i = 0; i < 5; i++) {
      if (failAfter !== null && i === failAfter) throw new Error("the database went away");
      yield `${i > 0 ? "," : ""}{"n":${i}}`;
    }
    yield "]}\n";
  }
  return new StreamedJson(
    5,
    pieces,
    async () => null,
    async () => {},
  );
}

describe("writing a report's JSON to a file", () => {
  it("writes it whole, and leaves nothing else beside it", async () => {
    const dir = fs.mkdtempSync(path.join(tmpDir(), "out-"));
    const file = path.join(dir, "report.json");
    await writeJsonFile(file, streamed(null), true);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ items: [0, 1, 2, 3, 4].map((n) => ({ n })) });
    expect(fs.readdirSync(dir)).toEqual(["report.json"]);
  });

  it("leaves no half a file when the report fails half way, and keeps the one written before", async () => {
    const dir = fs.mkdtempSync(path.join(tmpDir(), "out-"));
    const file = path.join(dir, "report.json");
    await expect(writeJsonFile(file, streamed(3), true)).rejects.toThrow("the database went away");
    expect(fs.readdirSync(dir)).toEqual([]);

    fs.writeFileSync(file, '{"earlier":true}\n');
    await expect(writeJsonFile(file, streamed(2), true)).rejects.toThrow("the database went away");
    expect(fs.readFileSync(file, "utf8")).toBe('{"earlier":true}\n');
    expect(fs.readdirSync(dir)).toEqual(["report.json"]);
  });
});
