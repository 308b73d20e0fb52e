// The hash chain that makes the journal tamper-evident. Each entry's hash is the sha256 of its
// canonical content (every field that says what was booked, where it came from and who posted it,
// and its lines) together with the previous entry's hash, in id order. Altering an amount changes an
// entry's hash; removing or inserting an entry breaks the next entry's link to its predecessor. The
// database refuses UPDATE and DELETE; the chain shows it even when someone disabled that refusal.

import crypto, { createHash } from "node:crypto";

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

// crypto.hash (Node ≥ 20.12) hashes a string in one call, without a Hash object per entry
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string) => string }).hash;
const sha256 = (text: string): string =>
  oneShot !== undefined ? oneShot("sha256", text) : createHash("sha256").update(text).digest("hex");

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A text field of the canonical form. Text reaches the books only once checked (ledger/text.ts): a
 * lone surrogate here would be hashed as itself and stored as U+FFFD, so it is a bug, never input.
 */
const str = (value: string | null): string => {
  if (value === null) return "null";
  // printable ASCII but the quote and the backslash is its own JSON (hashes, keys, codes): no escaping to look for
  if (PLAIN.test(value)) return `"${value}"`;
  if (!value.isWellFormed()) throw new Error("assertion failed: chained text is well-formed UTF-16");
  return JSON.stringify(value);
};
const num = (value: number | null): string => (value === null ? "null" : String(value));
const big = (value: bigint | null): string => (value === null ? "null" : `"${value}"`);

/**
 * The canonical text of an entry and its predecessor's hash: the JSON of a fixed array, integers that
 * may exceed 2^53 as strings. Written out by hand because it runs once per entry of every import; it
 * is exactly `JSON.stringify` of that array (test/ledger/chain.test.ts holds it to that).
 */
export function canonicalEntry(e: ChainEntry, prev_hash: string): string {
  let lines = "";
  for (let i = 0; i < e.lines.length; i++) {
    const l = e.lines[i]!;
    lines += `${i === 0 ? "" : ","}[${l.line_no},${l.account_id},"${l.debit}","${l.credit}"]`;
  }
  return (
    `[${str(prev_hash)},"${e.id}",${str(e.idempotency_key)},${str(e.input_hash)},${str(e.kind)},` +
    `${e.fiscal_year},${e.origin_year},${str(e.effective_on)},${str(e.park)},${str(e.tax_code)},` +
    `${str(e.operator)},${str(e.description)},${big(e.import_id)},${num(e.source_row)},${str(e.posted_by)},` +
    `${str(e.request_id)},${str(e.party)},${big(e.token_id)},[${lines}]]`
  );
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
