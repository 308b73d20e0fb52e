// The hash chain that makes the journal tamper-evident. Each entry's hash is the sha256 of its
// canonical content (every field that says what was booked, where it came from and who posted it,
// and its lines) together with the previous entry's hash, in id order. Altering an amount changes an
// entry's hash; removing or inserting an entry breaks the next entry's link to its predecessor. The
// database refuses UPDATE and DELETE; the chain shows it even when someone disabled that refusal.

import { createHash } from "node:crypto";

/** The link before the first entry. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainLine {
  line_no: number;
  account_id: number;
  debit: bigint;
  credit: bigint;
}

/** What an entry's hash covers. */
export interface ChainEntry {
  id: bigint;
  idempotency_key: string;
  input_hash: string;
  kind: string;
  fiscal_year: number;
  origin_year: number;
  effective_on: string;
  park: string | null;
  tax_code: string | null;
  operator: string | null;
  description: string | null;
  import_id: bigint | null;
  source_row: number | null;
  posted_by: string;
  request_id: string | null;
  party: string | null;
  token_id: bigint | null;
  lines: readonly ChainLine[];
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The canonical text of an entry and its predecessor's hash: JSON of a fixed array, numbers as strings. */
export function canonicalEntry(e: ChainEntry, prev_hash: string): string {
  return JSON.stringify([
    prev_hash,
    e.id.toString(),
    e.idempotency_key,
    e.input_hash,
    e.kind,
    e.fiscal_year,
    e.origin_year,
    e.effective_on,
    e.park,
    e.tax_code,
    e.operator,
    e.description,
    e.import_id === null ? null : e.import_id.toString(),
    e.source_row,
    e.posted_by,
    e.request_id,
    e.party,
    e.token_id === null ? null : e.token_id.toString(),
    e.lines.map((l) => [l.line_no, l.account_id, l.debit.toString(), l.credit.toString()]),
  ]);
}

export function entryHash(e: ChainEntry, prev_hash: string): string {
  return sha256(canonicalEntry(e, prev_hash));
}

/** A stored entry as verify reads it back: its content and the two hashes it carries. */
export interface StoredLink {
  entry: ChainEntry;
  prev_hash: string;
  entry_hash: string;
}

export type BrokenLink =
  | { kind: "altered"; id: bigint; detail: string }
  | { kind: "link_broken"; id: bigint; previous_id: bigint | null; detail: string };

/**
 * Walks stored entries in id order from `previous` (the last hash already checked, with its entry's
 * id) and returns the first broken link, or the hash the chain ends on.
 */
export function walkChain(
  links: Iterable<StoredLink>,
  previous: { hash: string; id: bigint | null },
): { broken: BrokenLink | null; head: { hash: string; id: bigint | null }; checked: number } {
  let head = previous;
  let checked = 0;
  for (const link of links) {
    const id = link.entry.id;
    if (link.prev_hash !== head.hash) {
      return {
        broken: {
          kind: "link_broken",
          id,
          previous_id: head.id,
          detail:
            head.id === null
              ? `entry ${id} is the first entry but links to ${short(link.prev_hash)}, not the start of the chain: entries before it were removed`
              : `entry ${id} links to ${short(link.prev_hash)}, but the entry before it (${head.id}) has hash ${short(head.hash)}: an entry between them was removed or inserted, or ${head.id} was altered and rehashed`,
        },
        head,
        checked,
      };
    }
    const recomputed = entryHash(link.entry, link.prev_hash);
    if (recomputed !== link.entry_hash) {
      return {
        broken: {
          kind: "altered",
          id,
          detail: `entry ${id} (${link.entry.idempotency_key}) does not match its hash: its content or its lines were altered after it was posted`,
        },
        head,
        checked,
      };
    }
    head = { hash: link.entry_hash, id };
    checked += 1;
  }
  return { broken: null, head, checked };
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
