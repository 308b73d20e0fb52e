// Reads a CSV file the way Excel writes it (UTF-8 with or without BOM, or GB18030) as a stream of
// records keyed by column name, with the row number a user sees in Excel (the header is row 1), in
// constant memory however large the file.

import fs from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { parse } from "csv-parse";
import { isWorkbook, workbookAsCsv } from "./xlsx.js";
import iconv from "iconv-lite";
import type { RowProblem } from "../../ledger/rejections.js";
import { FileRejected } from "./errors.js";

export type Encoding = "auto" | "utf8" | "gb18030";

export interface ColumnSpec {
  required: readonly string[];
  optional: readonly string[];
}

export interface CsvRecord {
  row: number;
  fields: Record<string, string>;
}

export interface CsvFile {
  file_name: string;
  size_bytes: number;
  /** Records in file order; the header has been checked against the spec before the first one. */
  records: AsyncIterable<CsvRecord>;
  /** Bytes read so far, for progress. */
  bytesRead(): number;
  encoding(): string;
  /** Lets go of the file before its end (a file found already imported needs only its header). */
  close(): void;
}

export { FileRejected };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const GB18030_BOM = Buffer.from([0x84, 0x31, 0x95, 0x33]);
const SNIFF_LIMIT_BYTES = 1 << 20;

/**
 * Decides the encoding from the first non-ASCII bytes (or a BOM), then decodes everything with it.
 * Text that is not valid UTF-8 is read as GB18030, which is what Excel writes on a Chinese Windows.
 */
class DecodeStream extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private decoder: { write(b: Buffer): string; end(): string | undefined } | null = null;
  chosen: string = "utf8";

  constructor(private readonly requested: Encoding) {
    super({ readableObjectMode: false, decodeStrings: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.decoder !== null) {
        this.push(this.decoder.write(chunk));
        return done();
      }
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const head = Buffer.concat(this.pending);
      if (this.requested !== "auto" || head.some((b) => b >= 0x80) || this.pendingBytes >= SNIFF_LIMIT_BYTES) {
        this.start(head, false);
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.decoder === null) this.start(Buffer.concat(this.pending), true);
      const tail = this.decoder!.end();
      if (tail) this.push(tail);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private start(head: Buffer, atEnd: boolean): void {
    let body = head;
    let encoding: "utf8" | "gb18030";
    if (head.subarray(0, 3).equals(UTF8_BOM)) {
      encoding = "utf8";
      body = head.subarray(3);
    } else if (head.subarray(0, 4).equals(GB18030_BOM)) {
      encoding = "gb18030";
      body = head.subarray(4);
    } else if (this.requested !== "auto") {
      encoding = this.requested;
    } else {
      encoding = looksLikeUtf8(head, atEnd) ? "utf8" : "gb18030";
    }
    this.chosen = encoding === "utf8" ? "UTF-8" : "GB18030";
    this.decoder = encoding === "utf8" ? strictUtf8Decoder() : iconv.getDecoder("gb18030");
    this.pending = [];
    this.push(this.decoder.write(body));
  }
}

function looksLikeUtf8(head: Buffer, atEnd: boolean): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: !atEnd });
    return true;
  } catch {
    return false;
  }
}

function strictUtf8Decoder(): { write(b: Buffer): string; end(): string } {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const fail = (): never => {
    throw new Error("the file mixes encodings: it started as UTF-8 but has bytes that are not UTF-8");
  };
  return {
    write: (b) => {
      try {
        return decoder.decode(b, { stream: true });
      } catch {
        return fail();
      }
    },
    end: () => {
      try {
        return decoder.decode();
      } catch {
        return fail();
      }
    },
  };
}

/** Header names compared loosely: case, surrounding spaces and a stray BOM do not matter. */
/**
 * Column names as treasury, tax-system and registry exports write them in Chinese, by the column each
 * stands for. A header is read as its column only in a file kind that has that column.
 */
export const HEADER_ALIASES: Readonly<Record<string, string>> = {
  票号: "receipt_no",
  凭证号: "receipt_no",
  电子缴税凭证号: "receipt_no",
  入库凭证号: "receipt_no",
  纳税人识别号: "uscc",
  统一社会信用代码: "uscc",
  社会信用代码: "uscc",
  预算科目: "tax_code",
  预算科目代码: "tax_code",
  征收项目: "tax_code",
  征收项目代码: "tax_code",
  税种: "tax_code",
  入库日期: "collected_on",
  金额: "amount",
  入库金额: "amount",
  实缴金额: "amount",
  口径: "scope",
  所属期: "tax_period",
  税款所属期: "tax_period",
  原票号: "refund_of",
  退库原票号: "refund_of",
  所属期起: "tax_period_from",
  税款所属期起: "tax_period_from",
  所属期止: "tax_period_to",
  税款所属期止: "tax_period_to",
  中央级: "central",
  自治区级: "region",
  省级: "region",
  州级: "prefecture",
  地市级: "prefecture",
  县级: "county",
  区县级: "county",
  类型: "kind",
  收入类型: "kind",
  企业名称: "name",
  纳税人名称: "name",
  园区: "park",
  起始日期: "from",
  终止日期: "to",
  指标: "indicator",
  月份: "month",
  数值: "value",
  // land and mineral revenue, and exemptions
  收支类型: "kind",
  编号: "ref",
  业务编号: "ref",
  收入项目: "item",
  项目编号: "project",
  减免金额: "amount",
  减免依据: "basis",
  批准日期: "approved_on",
  减免承担方: "forgone_by",
};

function normaliseHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase();
}

export async function openCsv(file: string, spec: ColumnSpec, encoding: Encoding = "auto"): Promise<CsvFile> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (error) {
    throw new FileRejected(file, [
      {
        row: 0,
        column: null,
        code: "file_unreadable",
        reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      },
    ]);
  }
  if (!stat.isFile()) {
    throw new FileRejected(file, [{ row: 0, column: null, code: "file_unreadable", reason: `${file} is not a file` }]);
  }
  // an Excel workbook is read from its first sheet, as the CSV Excel would have saved
  let workbook: { csv: string; size: number; remove: () => void } | null = null;
  if (isWorkbook(file)) {
    try {
      workbook = await workbookAsCsv(file);
    } catch (error) {
      throw new FileRejected(file, [
        {
          row: 0,
          column: null,
          code: "file_unreadable",
          reason: `cannot read the workbook: ${(error as Error).message}`,
        },
      ]);
    }
    encoding = "utf8";
  }
  let bytes = 0;
  const source = fs.createReadStream(workbook?.csv ?? file, { highWaterMark: 1 << 16 });
  // the workbook's CSV copy holds tax data: gone from the disk as soon as it is open, whatever happens next
  source.once("open", () => workbook?.remove());
  source.once("error", () => workbook?.remove());
  source.on("data", (chunk) => {
    bytes += (chunk as Buffer).length;
  });
  const decoder = new DecodeStream(encoding);
  const parser = parse({
    bom: true,
    trim: true,
    relax_column_count: true,
    max_record_size: 1 << 16,
  });
  source.on("error", (error) => parser.destroy(error));
  decoder.on("error", (error) => parser.destroy(error));
  source.pipe(decoder).pipe(parser);

  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const first = await nextOrFail(iterator, file);
  if (first === null) {
    throw new FileRejected(file, [
      { row: 1, column: null, code: "file_empty", reason: "the file is empty: expected a header row" },
    ]);
  }
  const columns = checkHeader(file, first, spec);

  async function* records(): AsyncGenerator<CsvRecord> {
    let row = 1;
    for (;;) {
      const values = await nextOrFail(iterator, file);
      if (values === null) break;
      row += 1;
      // a blank line, or a row of empty cells as Excel leaves below the data, is no row at all
      if (values.every((v) => v === "")) continue;
      const fields: Record<string, string> = {};
      for (let i = 0; i < columns.length; i++) fields[columns[i]!] = values[i] ?? "";
      if (values.length > columns.length) {
        const extra = values.slice(columns.length).filter((v) => v !== "");
        if (extra.length > 0) fields["__extra__"] = extra.join(",");
      }
      yield { row, fields };
    }
  }

  return {
    file_name: file,
    size_bytes: workbook === null ? stat.size : workbook.size,
    records: records(),
    bytesRead: () => bytes,
    encoding: () => decoder.chosen,
    close: () => {
      parser.destroy();
      source.destroy();
    },
  };
}

async function nextOrFail(iterator: AsyncIterator<string[]>, file: string): Promise<string[] | null> {
  try {
    const step = await iterator.next();
    return step.done ? null : step.value;
  } catch (error) {
    const e = error as Error & { lines?: number; code?: string };
    const row = typeof e.lines === "number" ? e.lines : 0;
    throw new FileRejected(file, [{ row, column: null, code: "file_unreadable", reason: e.message }]);
  }
}

function checkHeader(file: string, header: string[], spec: ColumnSpec): string[] {
  const known = new Set([...spec.required, ...spec.optional]);
  // Excel may leave empty cells at the end of the header row
  let width = header.length;
  while (width > 0 && header[width - 1]!.trim() === "") width -= 1;
  // a Chinese header names the column it stands for, where the file kind has that column
  const columns = header
    .slice(0, width)
    .map(normaliseHeader)
    .map((name) => {
      const column = HEADER_ALIASES[name];
      return column !== undefined && known.has(column) ? column : name;
    });
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column))
      problems.push({
        row: 1,
        column,
        code: "column_duplicated",
        reason: `column "${column}" appears twice in the header`,
      });
    seen.add(column);
    if (!known.has(column)) {
      problems.push({
        row: 1,
        column,
        code: "column_unknown",
        reason: `unknown column "${column}"; the columns are ${[...spec.required, ...spec.optional.map((c) => `[${c}]`)].join(", ")}`,
      });
    }
  }
  for (const column of spec.required) {
    if (!seen.has(column))
      problems.push({
        row: 1,
        column,
        code: "column_missing",
        reason: `required column "${column}" is missing from the header`,
      });
  }
  if (problems.length > 0) throw new FileRejected(file, otherLayout(columns, spec) ?? problems);
  return columns;
}

/**
 * The import each known layout belongs to, by the columns only it requires: a file given to the wrong
 * import is named for what it is, in one line, rather than as a column unknown per header cell.
 */
const LAYOUTS: { command: string; what: string; columns: readonly string[] }[] = [
  {
    command: "import receipts",
    what: "a treasury receipts file",
    columns: ["receipt_no", "tax_code", "collected_on", "amount"],
  },
  { command: "import enterprises", what: "an enterprise registry", columns: ["uscc", "name", "park", "from"] },
  { command: "import indicators", what: "an indicator report", columns: ["park", "indicator", "month", "value"] },
  {
    command: "import projects",
    what: "a projects file",
    columns: ["project_no", "name", "park", "origin", "start_on"],
  },
  { command: "import land", what: "a land revenue and exemptions file", columns: ["kind", "ref", "item", "amount"] },
];

function otherLayout(columns: readonly string[], spec: ColumnSpec): RowProblem[] | null {
  const given = new Set(columns.map((c) => HEADER_ALIASES[c] ?? c));
  const fits = (required: readonly string[]) => required.every((c) => given.has(c));
  if (fits(spec.required)) return null;
  // a layout this import takes itself is not another kind: its own missing columns are named instead
  const own = (l: (typeof LAYOUTS)[number]) =>
    l.columns.every((c) => spec.required.includes(c) || spec.optional.includes(c));
  const layout = LAYOUTS.find((l) => !own(l) && fits(l.columns));
  if (layout === undefined) return null;
  return [
    {
      row: 1,
      column: null,
      code: "file_kind_wrong",
      reason: `this looks like ${layout.what} (its header has ${layout.columns.join(", ")}): use 'parkledger ${layout.command}'; this import expects ${spec.required.join(", ")}`,
    },
  ];
}
