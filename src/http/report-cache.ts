// Answers served again without recomputing them while nothing they rest on has changed
// (docs/decisions/0016-report-cache.md). The books carry one version (migrations/030): every
// transaction that writes to them raises it as it commits, whichever process it comes from (this
// server, another one, the command line). A request to a cached report first reads that version (one
// query, shared by the requests that arrive while it is asked, and always sent after each of them
// arrived), then looks for an answer kept under the same version and the same key: the route, its
// parameters as the route parsed and spelled them, the format, and the caller's view (an operator's
// own view is its own key, so an answer made for one operator is never another's). Anything else is
// computed as before, after the version was read, and kept under it.
//
// Why that is safe: the version read after a request arrived includes every write committed before;
// an answer kept under version V was computed from reads made after V was current; versions only
// grow, so while V is read again nothing it rests on has been written since. The access rule still
// runs on every request before the cache is asked.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { ReferenceData } from "../repositories/reference.js";
import type { Viewer } from "../../reports/viewer.js";

/** An answer as sent: its status, content type and body, with the entity tag of the body. */
export interface Rendered {
  status: number;
  headers: Record<string, string>;
  content_type: string;
  body: Buffer;
}

interface Entry extends Rendered {
  version: bigint;
  etag: string;
}

/** The default bounds: 32 MiB of answers, none over 1 MiB kept. */
export const REPORT_CACHE_LIMITS = { bytes_max: 32 * 1024 * 1024, entry_bytes_max: 1024 * 1024 };

/**
 * The books' version (migrations/030), read with one query. Requests asking while a query is under
 * way wait for the next one (that query may have been sent before they arrived, and may miss a write
 * committed just before they did); the next one serves all of them.
 */
class DataVersion {
  private asking: Promise<bigint> | null = null;
  private next: Promise<bigint> | null = null;

  constructor(private readonly knex: Knex) {}

  read(): Promise<bigint> {
    if (this.asking === null) return this.ask();
    this.next ??= this.asking.then(
      () => this.followUp(),
      () => this.followUp(),
    );
    return this.next;
  }

  private followUp(): Promise<bigint> {
    this.next = null;
    return this.ask();
  }

  private ask(): Promise<bigint> {
    const query = this.knex
      .raw(`select version::text as version from data_version`)
      .then(({ rows }: { rows: { version: string }[] }) => BigInt(rows[0]!.version));
    this.asking = query;
    const done = () => {
      if (this.asking === query) this.asking = null;
    };
    query.then(done, done);
    return query;
  }
}

export class ReportCache {
  private readonly entries = new Map<string, Entry>(); // least recently used first
  private readonly computing = new Map<string, Promise<Entry | Rendered>>();
  private bytes = 0;
  /** The highest version read: an answer kept under a lower one can never be served again. */
  private latest = -1n;
  private reference: { version: bigint; data: Promise<ReferenceData> } | null = null;
  private versions: DataVersion | null = null;
  /** Answers served from the cache, and computed. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly limits: { bytes_max: number; entry_bytes_max: number } = REPORT_CACHE_LIMITS) {}

  /** The books' version now (read after this call was made). */
  version(knex: Knex): Promise<bigint> {
    this.versions ??= new DataVersion(knex);
    return this.versions.read();
  }

  /** The reference data as of `version`, loaded once per version (after it was read). */
  referenceData(knex: Knex, version: bigint): Promise<ReferenceData> {
    if (this.reference !== null && this.reference.version === version) return this.reference.data;
    const data = ReferenceData.load(knex);
    const kept = { version, data };
    this.reference = kept;
    data.catch(() => {
      if (this.reference === kept) this.reference = null;
    });
    return data;
  }

  /**
   * The answer to `key` at `version`: kept, or computed by `compute` (once for the requests asking
   * together) and kept if it is not too large. An error is never kept.
   */
  async answer(key: string, version: bigint, compute: () => Promise<Rendered>): Promise<Rendered & { etag: string }> {
    if (version > this.latest) {
      this.latest = version;
      this.dropOlder();
    }
    const kept = this.entries.get(key);
    if (kept !== undefined && kept.version === version) {
      this.entries.delete(key); // most recently used last
      this.entries.set(key, kept);
      this.stats.hits += 1;
      return kept;
    }
    const id = `${version}\n${key}`;
    let work = this.computing.get(id);
    if (work === undefined) {
      this.stats.misses += 1;
      work = compute().then((rendered) => this.keep(key, version, rendered));
      this.computing.set(id, work);
      const done = () => this.computing.delete(id);
      work.then(done, done);
    } else this.stats.hits += 1;
    const rendered = await work;
    return "etag" in rendered ? (rendered as Entry) : { ...rendered, etag: entityTag(rendered.body) };
  }

  /** How many answers are kept, and their bytes. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private keep(key: string, version: bigint, rendered: Rendered): Entry | Rendered {
    const entry: Entry = { ...rendered, version, etag: entityTag(rendered.body) };
    // an answer of a version already passed, or too large, is given to the requests that asked only
    if (version < this.latest || rendered.body.length > this.limits.entry_bytes_max) return entry;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.bytes -= old.body.length;
    }
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.limits.bytes_max) break;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
    return entry;
  }

  private dropOlder(): void {
    for (const [k, e] of this.entries)
      if (e.version < this.latest) {
        this.entries.delete(k);
        this.bytes -= e.body.length;
      }
  }
}

/** A strong entity tag of a body: its sha256, in base64url. */
export function entityTag(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url")}"`;
}

/** Whether an If-None-Match header names `etag` (or is `*`): the client holds this answer already. */
export function holdsAlready(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/**
 * The key of an answer: the route, its path parameters, its parsed parameters (keys in order), the
 * format, and the caller's view. A report's answer is made from these and the books alone.
 */
export function cacheKey(
  route: { method: string; path: string },
  params: Record<string, string>,
  query: Record<string, unknown>,
  format: string,
  viewer: Viewer,
): string {
  const sorted = (o: Record<string, unknown>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  return JSON.stringify([
    route.method,
    route.path,
    sorted(params),
    sorted(query),
    format,
    viewer.kind === "operator" ? ["operator", viewer.operator] : ["full"],
  ]);
}
