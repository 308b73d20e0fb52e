// How a command hands its result to the user: a report in the chosen format on stdout or in --out,
// progress and messages on stderr, so `parkledger report … --format json | jq` always works.

import fs from "node:fs";
import path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { InvalidArgumentError, Option } from "commander";
import { renderCsv, renderTable, renderXlsx, type Tabular } from "../../reports/render.js";
import type { Progress } from "../import/common.js";

export type Format = "table" | "json" | "csv" | "xlsx";
export const FORMATS: readonly Format[] = ["table", "json", "csv", "xlsx"];

/**
 * `--format` for a command that writes `formats`: any case (`XLSX`), no default here, so that an
 * `--out` file's extension can choose the format when `--format` is not given (`outputFormat`).
 */
export function formatOption(formats: readonly Format[] = FORMATS, what = "output format"): Option {
  return new Option("--format <format>", `${what} (default: table, or as --out's extension says)`)
    .choices(formats)
    .argParser((value: string) => {
      const format = value.trim().toLowerCase() as Format;
      if (!formats.includes(format)) throw new InvalidArgumentError(`Allowed choices are ${formats.join(", ")}.`);
      return format;
    });
}

/** The format asked for, else the one `out`'s extension names (.xlsx, .csv, .json), else a table. */
export function outputFormat(
  given: Format | undefined,
  out: string | undefined,
  allowed: readonly Format[] = FORMATS,
): Format {
  if (given !== undefined) return given;
  const ext = out === undefined ? "" : path.extname(out).slice(1).toLowerCase();
  const byExtension = (["xlsx", "csv", "json"] as const).find((f) => f === ext && allowed.includes(f));
  return byExtension ?? "table";
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** JSON with bigints refused: every amount must already be a formatted string. Indented unless `compact`. */
export function toJson(value: unknown, compact = false): string {
  return JSON.stringify(value, null, compact ? undefined : 2) + "\n";
}

const JSON_SLICE_ITEMS = 5_000;

/**
 * The same JSON as `toJson`, in pieces: when compact, a long top-level array goes out a slice at a
 * time, so a report of a million items never becomes one string (nor one buffer) in memory.
 */
export function* jsonPieces(value: unknown, compact = false): Generator<string> {
  if (!compact || value === null || typeof value !== "object" || Array.isArray(value)) {
    yield toJson(value, compact);
    return;
  }
  let first = true;
  yield "{";
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function") continue;
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(v) || v.length <= JSON_SLICE_ITEMS) {
      yield JSON.stringify(v) ?? "null";
      continue;
    }
    yield "[";
    for (let i = 0; i < v.length; i += JSON_SLICE_ITEMS) {
      const slice = JSON.stringify(v.slice(i, i + JSON_SLICE_ITEMS));
      yield (i > 0 ? "," : "") + slice.slice(1, -1);
    }
    yield "]";
  }
  yield "}\n";
}

/** Writes pieces to a stream, waiting whenever it asks to (a pipe to `jq`, a slow disk). */
export async function writePieces(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!stream.write(piece)) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
  }
}

/**
 * A report's JSON too large to hold at once (a reconciliation of a million items): its compact JSON
 * in pieces as the database hands them over (`pieces`), or for the other formats the whole value
 * (`value`); either is read once. `count`: how many items it lists. `close` lets go of the database
 * when neither is read.
 */
export class StreamedJson {
  constructor(
    readonly count: number,
    readonly pieces: () => AsyncIterable<string>,
    readonly value: () => Promise<unknown>,
    readonly close: () => Promise<void>,
  ) {}
}

/**
 * Writes pieces that arrive one by one to a stream, waiting whenever it asks to; a stream that closes
 * first (a client gone) ends the writing with an error, which ends the pieces (and their query).
 */
export async function writeStreamed(stream: NodeJS.WritableStream, pieces: AsyncIterable<string>): Promise<void> {
  // a stream already closed says so no more (a response whose client went away meanwhile)
  const gone = () => (stream as { destroyed?: boolean }).destroyed === true;
  for await (const piece of pieces) {
    if (gone()) throw new Error("the output closed before the report was written");
    if (stream.write(piece)) continue;
    if (gone()) throw new Error("the output closed before the report was written");
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        stream.off("drain", drained);
        stream.off("close", closed);
        stream.off("error", done);
        if (error === undefined) resolve();
        else reject(error);
      };
      const drained = () => done();
      const closed = () => done(new Error("the output closed before the report was written"));
      stream.once("drain", drained);
      stream.once("close", closed);
      stream.once("error", done);
    });
  }
}

/** Writes JSON to a file as the command line does for `--format json --out FILE`. */
export async function writeJsonFile(file: string, value: unknown, compact: boolean): Promise<void> {
  // written beside the file and renamed when whole: a report that fails half way (a streamed one
  // can) leaves no half a file where the whole one was asked for
  const partial = `${file}.${process.pid}.partial`;
  const stream = fs.createWriteStream(partial);
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => {}); // observed through the races below
  try {
    await Promise.race([
      value instanceof StreamedJson
        ? writeStreamed(stream, value.pieces())
        : writePieces(stream, jsonPieces(value, compact)),
      failed,
    ]);
    await Promise.race([
      new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve()))),
      failed,
    ]);
    fs.renameSync(partial, file);
  } catch (error) {
    stream.destroy();
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

/** Reports with more items than this are written as compact JSON: a third smaller, and faster. */
export const JSON_INDENT_ITEMS_MAX = 10_000;

export async function emit(
  io: Io,
  given: Format | undefined,
  out: string | undefined,
  json: unknown,
  tabular: (format: Exclude<Format, "json">) => Tabular | Promise<Tabular>,
  options: { compact?: boolean; width?: number | undefined } = {},
): Promise<void> {
  const format = outputFormat(given, out);
  try {
    if (out !== undefined) checkOutFolder(out);
  } catch (error) {
    if (json instanceof StreamedJson) await json.close();
    throw error;
  }
  if (format === "json") {
    if (out !== undefined) {
      await writeJsonFile(out, json, options.compact ?? false);
      io.stderr.write(`wrote ${out}\n`);
    } else if (json instanceof StreamedJson) {
      await writeStreamed(io.stdout, json.pieces());
    } else {
      await writePieces(io.stdout, jsonPieces(json, options.compact ?? false));
    }
    return;
  }
  let body: string | Buffer;
  switch (format) {
    case "csv":
      body = renderCsv(await tabular("csv"));
      break;
    case "xlsx":
      body = await renderXlsx(await tabular("xlsx"));
      if (out === undefined && io.stdout.isTTY)
        throw new UsageError("--format xlsx writes a binary workbook; give --out FILE.xlsx or redirect stdout");
      break;
    default:
      // a table on a terminal fits its width; one written to a file or a pipe keeps every column on one line
      body = await renderTable(await tabular("table"), {
        width: options.width ?? (out === undefined ? terminalWidth(io) : undefined),
      });
  }
  if (out !== undefined) {
    await fs.promises.writeFile(out, body);
    io.stderr.write(`wrote ${out}\n`);
  } else {
    io.stdout.write(body);
  }
}

/** `--out` into a folder that does not exist is the user's to fix, said plainly (exit 2), not a fault. */
function checkOutFolder(out: string): void {
  const folder = path.dirname(path.resolve(out));
  if (!fs.existsSync(folder))
    throw new UsageError(`--out: the folder ${folder} does not exist; create it first or choose another`);
  if (!fs.statSync(folder).isDirectory()) throw new UsageError(`--out: ${folder} is not a folder`);
}

/** The terminal's width in columns, when stdout is one. */
export function terminalWidth(io: Io): number | undefined {
  const stdout = io.stdout as Io["stdout"] & { columns?: number };
  return stdout.isTTY === true && typeof stdout.columns === "number" && stdout.columns > 0 ? stdout.columns : undefined;
}

/** `--width N`: the columns a table may take (default: the terminal's). */
export function widthOption(): Option {
  return new Option("--width <columns>", "fit tables to this many columns (default: the terminal's width)").argParser(
    (value: string) => {
      const n = Number(value);
      if (!/^\d{1,4}$/.test(value) || n < 40) throw new InvalidArgumentError("a number of columns, at least 40");
      return n;
    },
  );
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const PHASE_LABEL: Record<Progress["phase"], string> = {
  reading: "reading ",
  checking: "checking",
  booking: "booking ",
};

/** A progress bar on a terminal; elsewhere one line when each phase ends, so logs stay readable. */
export function progressReporter(io: Io, label: string): { update(p: Progress): void; stop(): void } {
  if (!io.stderr.isTTY) {
    let last: Progress["phase"] | null = null;
    return {
      update(p) {
        if (p.done >= p.total && p.phase !== last) {
          last = p.phase;
          io.stderr.write(
            `${label}: ${PHASE_LABEL[p.phase].trim()} done (${p.total.toLocaleString("en-US")}${p.phase === "reading" ? " bytes" : " rows"})\n`,
          );
        }
      },
      stop() {},
    };
  }
  let bar: SingleBar | null = null;
  let phase: Progress["phase"] | null = null;
  return {
    update(p) {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        bar = new SingleBar(
          {
            format: `${label} ${PHASE_LABEL[p.phase]} [{bar}] {percentage}% {value}/{total} ${p.phase === "reading" ? "bytes" : "rows"} eta {eta_formatted}`,
            stream: io.stderr as NodeJS.WriteStream,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(p.total, 0);
      }
      bar?.update(p.done);
    },
    stop() {
      bar?.stop();
    },
  };
}
