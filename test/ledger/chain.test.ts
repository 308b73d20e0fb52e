// The hash chain finds any single change to a sealed journal: an altered field or line, a removed
// entry, an inserted one, or two entries swapped; and it accepts the journal as it was sealed.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalEntry,
  entryHash,
  GENESIS_HASH,
  walkChain,
  type ChainEntry,
  type StoredLink,
} from "../../ledger/chain.js";

const entryArb = (id: bigint): fc.Arbitrary<ChainEntry> =>
  fc.record({
    id: fc.constant(id),
    idempotency_key: fc.string({ minLength: 1, maxLength: 12 }),
    input_hash: fc.constant("a".repeat(64)),
    kind: fc.constantFrom("receipt", "refund", "transfer"),
    fiscal_year: fc.integer({ min: 2020, max: 2030 }),
    origin_year: fc.integer({ min: 2020, max: 2030 }),
    effective_on: fc.constantFrom("2025-01-01", "2025-06-30"),
    park: fc.option(fc.constantFrom("BZ", "WZ"), { nil: null }),
    tax_code: fc.option(fc.constantFrom("VAT", "CIT"), { nil: null }),
    operator: fc.option(fc.constantFrom("bingtuan", "urumqi"), { nil: null }),
    description: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
    import_id: fc.option(fc.bigInt({ min: 1n, max: 99n }), { nil: null }),
    source_row: fc.option(fc.integer({ min: 2, max: 9999 }), { nil: null }),
    posted_by: fc.constantFrom("cli:root", "api:bingtuan"),
    request_id: fc.option(fc.uuid(), { nil: null }),
    party: fc.option(fc.constantFrom("prefecture", "bingtuan"), { nil: null }),
    token_id: fc.option(fc.bigInt({ min: 1n, max: 9n }), { nil: null }),
    lines: fc.array(
      fc.record({
        line_no: fc.integer({ min: 1, max: 9 }),
        account_id: fc.integer({ min: 1, max: 40 }),
        debit: fc.bigInt({ min: 0n, max: 10n ** 12n }),
        credit: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  });

const journalArb = fc
  .integer({ min: 2, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => entryArb(BigInt(10 + i * 3)))));

function seal(entries: readonly ChainEntry[]): StoredLink[] {
  let prev = GENESIS_HASH;
  return entries.map((entry) => {
    const entry_hash = entryHash(entry, prev);
    const link = { entry, prev_hash: prev, entry_hash };
    prev = entry_hash;
    return link;
  });
}

const start = { hash: GENESIS_HASH, id: null };

describe("the hash chain", () => {
  it("property: the canonical text is exactly the JSON of the entry's fixed array, whatever its strings hold", () => {
    const nasty = fc.string({ unit: "binary", maxLength: 12 });
    fc.assert(
      fc.property(entryArb(1n), nasty, nasty, fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (e, key, note, id) => {
        const entry = { ...e, id, idempotency_key: key, description: note };
        const reference = JSON.stringify([
          GENESIS_HASH,
          id.toString(),
          key,
          entry.input_hash,
          entry.kind,
          entry.fiscal_year,
          entry.origin_year,
          entry.effective_on,
          entry.park,
          entry.tax_code,
          entry.operator,
          note,
          entry.import_id === null ? null : entry.import_id.toString(),
          entry.source_row,
          entry.posted_by,
          entry.request_id,
          entry.party,
          entry.token_id === null ? null : entry.token_id.toString(),
          entry.lines.map((l) => [l.line_no, l.account_id, l.debit.toString(), l.credit.toString()]),
        ]);
        expect(canonicalEntry(entry, GENESIS_HASH)).toBe(reference);
      }),
    );
  });

  it("property: accepts a journal exactly as sealed", () => {
    fc.assert(
      fc.property(journalArb, (entries) => {
        const links = seal(entries);
        const walked = walkChain(links, start);
        expect(walked.broken).toBeNull();
        expect(walked.checked).toBe(entries.length);
        expect(walked.head.hash).toBe(links.at(-1)!.entry_hash);
      }),
    );
  });

  it("property: names the altered entry when any amount changes", () => {
    fc.assert(
      fc.property(journalArb, fc.nat(), fc.bigInt({ min: 1n, max: 1000n }), (entries, pick, delta) => {
        const links = seal(entries);
        const at = pick % links.length;
        const victim = links[at]!;
        const lines = victim.entry.lines.map((l, i) => (i === 0 ? { ...l, debit: l.debit + delta } : l));
        links[at] = { ...victim, entry: { ...victim.entry, lines } };
        expect(walkChain(links, start).broken).toMatchObject({ kind: "altered", id: victim.entry.id });
      }),
    );
  });

  it("property: names the next entry when one is removed, and the moved one when two swap", () => {
    fc.assert(
      fc.property(journalArb, fc.nat(), (entries, pick) => {
        const links = seal(entries);
        const at = pick % (links.length - 1);
        const removed = [...links.slice(0, at), ...links.slice(at + 1)];
        expect(walkChain(removed, start).broken).toMatchObject({ kind: "link_broken", id: links[at + 1]!.entry.id });
        const swapped = [...links];
        [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
        expect(walkChain(swapped, start).broken).toMatchObject({ kind: "link_broken", id: links[at + 1]!.entry.id });
      }),
    );
  });

  it("names the entry after an inserted one, even when the insert links to its predecessor", () => {
    const entries = fc.sample(journalArb, { numRuns: 1, seed: 7 })[0]!;
    const links = seal(entries);
    const forged: ChainEntry = { ...links[0]!.entry, id: links[0]!.entry.id + 1n, description: "forged" };
    const inserted = [
      links[0]!,
      { entry: forged, prev_hash: links[0]!.entry_hash, entry_hash: entryHash(forged, links[0]!.entry_hash) },
      ...links.slice(1),
    ];
    expect(walkChain(inserted, start).broken).toMatchObject({
      kind: "link_broken",
      id: links[1]!.entry.id,
      previous_id: forged.id,
    });
  });

  it("covers who posted an entry: changing the party breaks it", () => {
    const entries = fc.sample(journalArb, { numRuns: 1, seed: 3 })[0]!;
    const links = seal(entries);
    links[0] = { ...links[0]!, entry: { ...links[0]!.entry, party: "urumqi", posted_by: "api:urumqi" } };
    expect(walkChain(links, start).broken).toMatchObject({ kind: "altered" });
  });
});
