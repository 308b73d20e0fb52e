// A CSV file sent as a request body, kept in a temporary folder of its own while it is imported: its
// size and lines bounded (src/http/guard.ts), and a refusal answered while the client is still sending.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { finished, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Request } from "express";
import { fieldRejection, REJECTIONS } from "../../ledger/rejections.js";
import { visibleText } from "../../ledger/text.js";
import { HttpError } from "./errors.js";
import { LIMITS, LineCounter, requestLimits } from "./guard.js";

/**
 * Streams the request body to a file of its own, refusing more than `limit` bytes or more lines than
 * the app's upload_lines_max (a row is at least one line, so this bounds an import's rows).
 */
export async function receiveUpload(
  req: Request,
  name: string,
  limit: number = LIMITS.upload_bytes_max,
): Promise<string> {
  const type = (req.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!["text/csv", "application/octet-stream", "text/plain"].includes(type))
    throw new HttpError(415, "unsupported_media_type", "send the CSV file as the body with Content-Type: text/csv");
  // the file keeps its name (recorded with its rows) in a folder of its own: a name, never a path
  if (/^\.*$/.test(path.basename(name)))
    throw fieldRejection("name", "file_name_invalid", `${visibleText(name)}: ${REJECTIONS.file_name_invalid}`);
  const safe = path
    .basename(name)
    .replace(/[^\p{L}\p{N}._-]/gu, "_")
    .slice(0, 120);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parkledger-upload-"));
  const file = path.join(dir, safe);
  const lines_max = requestLimits(req).upload_lines_max;
  const tooLarge = (message: string) => {
    // the 413 is sent while the rest of the body is read and dropped, so that the client, still
    // sending, can read it; a client that goes on sending for long is cut off
    req.unpipe();
    req.resume();
    const cut = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, LIMITS.refused_body_drain_ms);
    cut.unref();
    req.once("end", () => clearTimeout(cut));
    return new HttpError(413, "payload_too_large", message);
  };
  const bytes = `the file is larger than ${limit} bytes, the most an upload may have`;
  if (Number(req.get("Content-Length")) > limit) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw tooLarge(bytes);
  }
  let size = 0;
  const counted = new LineCounter();
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      counted.add(chunk);
      const lines = counted.lines;
      if (size > limit) done(tooLarge(bytes));
      else if (lines > lines_max)
        done(
          tooLarge(
            `the file has more than ${lines_max} lines (its header included), the most an import over HTTP takes: split it`,
          ),
        );
      else done(null, chunk);
    },
  });
  // not pipeline(req, …): that would destroy the request, and with it the connection the 413 goes back on
  const written = pipeline(cap, fs.createWriteStream(file));
  finished(req, (error) => {
    if (error !== undefined && error !== null) cap.destroy(error); // the client went away
  });
  req.pipe(cap);
  try {
    await written;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return file;
}
