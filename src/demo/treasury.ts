// The part of the demo year that comes as the treasury exports it: Chinese headers, 7-digit budget
// codes, amounts divided by level, grouped thousands, GB18030, and the negative flows a coal-chemical
// park sees while it builds (a VAT credit refund and the treasury's adjustment of it, an annual CIT
// settlement refund, a refund upon collection, an export offset). Deterministic: the same year and
// registry give the same file.

import iconv from "iconv-lite";
import { shareOf } from "../../ledger/allocate.js";
import { formatYuanGrouped, type Fen } from "../../ledger/money.js";
import type { EnterpriseRow } from "./generate.js";

const HEADER = [
  "票号",
  "纳税人识别号",
  "预算科目",
  "入库日期",
  "金额",
  "中央级",
  "自治区级",
  "州级",
  "县级",
  "所属期",
  "原票号",
  "收入类型",
];

/** The treasury's division of an amount: the central level by the ratio, the local part 25/50/25. */
function levels(amount: Fen, central_bp: number): Fen[] {
  const central = shareOf(amount, central_bp, "half_up");
  const local = amount - central;
  const region = shareOf(local, 2500, "half_up");
  const prefecture = shareOf(local, 5000, "half_up");
  return [central, region, prefecture, local - region - prefecture];
}

/** An enterprise that stays in `park` the whole of `year` and the year before (the first such in the registry). */
function stayer(registry: readonly EnterpriseRow[], park: "BZ" | "WZ", year: number): string | undefined {
  const moved = new Set(registry.filter((r) => r.park !== park).map((r) => r.uscc));
  return registry.find(
    (r) =>
      r.park === park &&
      r.from <= `${year - 1}-01-01` &&
      (r.to === "" || r.to >= `${year}-12-31`) &&
      !moved.has(r.uscc),
  )?.uscc;
}

const quoted = (fen: Fen) => `"${formatYuanGrouped(fen)}"`;

/** The rows of the export, or none when the registry has no enterprise staying in each park all year. */
export function demoTreasuryRows(registry: readonly EnterpriseRow[], year: number): string[][] {
  const bz = stayer(registry, "BZ", year);
  const wz = stayer(registry, "WZ", year);
  if (bz === undefined || wz === undefined) return [];
  const y = String(year);
  const row = (
    no: string,
    uscc: string,
    code: string,
    on: string,
    amount: Fen,
    bp: number | null,
    period: string,
    of: string,
    kind: string,
  ) => [
    `GK${y}${no}`,
    uscc,
    code,
    `${y}/${on}`,
    quoted(amount),
    ...(bp === null ? ["", "", "", ""] : levels(amount, bp).map(quoted)),
    period,
    of === "" ? "" : `GK${y}${of}`,
    kind,
  ];
  const credit: Fen = -1_234_567_89n;
  const localBurden = -(credit - shareOf(credit, 5000, "half_up"));
  return [
    row("0001", wz, "1010101", "3/18", 2_000_000_00n, 5000, `${y}-02`, "", "入库"),
    row("0002", bz, "1010403", "5/25", -456_789_00n, 6000, String(year - 1), "", "汇算清缴退税"),
    row("0003", bz, "1010101", "6/20", credit, 5000, `${y}-05`, "", "增值税留抵退税"),
    row("0004", bz, "1010101", "7/15", shareOf(localBurden, 3500, "half_up"), null, "", "0003", "留抵退税调库"),
    row("0005", wz, "1010101", "9/12", -98_765_43n, 5000, `${y}-08`, "", "即征即退"),
    row("0006", bz, "1010101", "10/15", 123_456_78n, null, `${y}-09`, "", "免抵调库"),
  ];
}

/** The export as the treasury's system writes it: GB18030 with CRLF. */
export function demoTreasuryFile(rows: readonly string[][]): Buffer {
  return iconv.encode([HEADER, ...rows].map((r) => r.join(",")).join("\r\n") + "\r\n", "gb18030");
}
