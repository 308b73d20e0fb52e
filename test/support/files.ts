// Small CSV fixtures written the way users' files arrive, with valid (or deliberately broken) USCCs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import iconv from "iconv-lite";
import { completeUscc } from "../../ledger/uscc.js";

let dir: string | null = null;

export function tmpDir(): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), "parkledger-test-"));
  return dir;
}

let counter = 0;

/** Writes rows (first row the header) as CSV; `encoding` as Excel might save it. */
export function csvFile(
  rows: (string | number)[][],
  options: { name?: string; encoding?: "utf8" | "utf8-bom" | "gb18030" } = {},
): string {
  counter += 1;
  const file = path.join(tmpDir(), options.name ?? `file-${process.pid}-${counter}.csv`);
  const text = rows.map((r) => r.map((v) => String(v)).join(",")).join("\r\n") + "\r\n";
  const encoding = options.encoding ?? "utf8";
  const bytes =
    encoding === "gb18030"
      ? iconv.encode(text, "gb18030")
      : Buffer.from((encoding === "utf8-bom" ? "\uFEFF" : "") + text, "utf8");
  fs.writeFileSync(file, bytes);
  return file;
}

/** A valid USCC for enterprise number n. */
export function uscc(n: number): string {
  return completeUscc(`91652300MA${String(n).padStart(7, "0")}`);
}

/** A USCC with a wrong check character. */
export function badUscc(n: number): string {
  const good = uscc(n);
  const wrong = good.endsWith("0") ? "1" : "0";
  return good.slice(0, 17) + wrong;
}

export const ENTERPRISE_HEADER = ["uscc", "name", "park", "from", "to", "origin", "introduced_by", "bingtuan_flag"];
export const RECEIPT_HEADER = [
  "receipt_no",
  "uscc",
  "tax_code",
  "collected_on",
  "amount",
  "scope",
  "tax_period",
  "refund_of",
];

/** Enterprises 1–3 in BZ, 11–13 in WZ, 21–22 in ZD for all of 2024–2026; 4 moves from BZ to WZ on 2025-07-01. */
export function standardRegistry(): string {
  return csvFile([
    ENTERPRISE_HEADER,
    [uscc(1), "准东一号煤化工有限公司", "BZ", "2024-01-01", "", "relocated", "bingtuan", "false"],
    [uscc(2), "准东二号新材料有限公司", "BZ", "2024-01-01", "", "new", "bingtuan", "false"],
    [uscc(3), "准东三号煤电有限公司", "BZ", "2024-01-01", "", "relocated", "bingtuan", "true"],
    [uscc(4), "准东四号装备制造有限公司", "BZ", "2024-01-01", "2025-06-30", "new", "bingtuan", "false"],
    [uscc(4), "准东四号装备制造有限公司", "WZ", "2025-07-01", "", "relocated", "urumqi", "false"],
    [uscc(11), "乌准一号煤电冶有限公司", "WZ", "2024-01-01", "", "relocated", "urumqi", "false"],
    [uscc(12), "乌准二号新能源有限公司", "WZ", "2024-01-01", "", "new", "urumqi", "false"],
    [uscc(21), "准东本地一号有限公司", "ZD", "2024-01-01", "", "local", "prefecture", "false"],
  ]);
}
