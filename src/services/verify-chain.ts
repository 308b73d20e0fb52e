// The hash chain check of `verify` (./verify.ts): every entry's hash recomputed from its content and
// its lines, and every link to the entry before it, in id order. The database recomputes the hashes
// (sha256 of the same canonical text ledger/chain.ts writes) in one pass over the journal and names
// the first entry whose link or hash fails, if any; that entry is then walked here with
// ledger/chain.ts, which says what is wrong in its own words (and would go on, should the two ever
// disagree on an entry: the chain is ledger/chain.ts's to judge).

import type { Knex } from "knex";
import { GENESIS_HASH, walkChain, type BrokenLink, type ChainLine, type StoredLink } from "../../ledger/chain.js";
import { toFen } from "../../ledger/money.js";

export interface ChainResult {
  checked: number;
  head_id: string | null;
  head_hash: string;
  first_broken: { kind: BrokenLink["kind"]; id: string; previous_id?: string | null; detail: string } | null;
}

/** A text field of the canonical form as ledger/chain.ts's `str` writes it: JSON, or null. */
const str = (column: string) => `coalesce(to_json(${column})::text, 'null')`;
/** A bigint that may exceed 2^53: a JSON string, or null. */
const big = (column: string) => `coalesce('"' || ${column} || '"', 'null')`;

/**
 * ledger/chain.ts's canonicalEntry in SQL, for entry `e` with its lines' text `l.lines`: the JSON of
 * a fixed array (PostgreSQL escapes text for JSON as JSON.stringify does, and writes integers alike).
 */
export const CANONICAL_SQL = `'[' || to_json(e.prev_hash)::text || ',"' || e.id || '",' || ${str("e.idempotency_key")} || ','
  || ${str("e.input_hash")} || ',' || ${str("e.kind")} || ',' || e.fiscal_year || ',' || e.origin_year || ','
  || ${str("to_char(e.effective_on, 'YYYY-MM-DD')")} || ',' || ${str("e.park")} || ',' || ${str("e.tax_code")} || ','
  || ${str("e.operator")} || ',' || ${str("e.description")} || ',' || ${big("e.import_id")} || ','
  || coalesce(e.source_row::text, 'null') || ',' || ${str("e.posted_by")} || ',' || ${str("e.request_id")} || ','
  || ${str("e.party")} || ',' || ${big("e.token_id")} || ',[' || coalesce(l.lines, '') || ']]'`;

/** What the one pass over the journal finds: the chain, and the first entries that break a rule of their own. */
export interface JournalPass {
  chain: ChainResult;
  /** Entries whose lines do not balance in some jurisdiction's books, or name an account none knows (the first FINDINGS of them). */
  unbalanced: string[];
  /** Entries without lines (the first FINDINGS of them). */
  empty: string[];
}

/**
 * One pass over the journal in id order, each entry beside its lines: recomputes the hash chain and
 * names the first broken link, and names the first `findings` entries whose lines do not balance per
 * jurisdiction and unit (or name an unknown account) and the first without lines. An entry's lines are
 * summed per (jurisdiction, unit) by their accounts' ids, so the pass needs no join.
 */
export async function journalPass(k: Knex.Transaction, findings: number): Promise<JournalPass> {
  const accounts = (
    await k.raw(
      `select id, jurisdiction, unit from accounts where jurisdiction is not null order by jurisdiction, unit, id`,
    )
  ).rows as { id: number; jurisdiction: string; unit: string }[];
  const books = new Map<string, number[]>();
  for (const a of accounts) {
    const key = `${a.jurisdiction}\u0000${a.unit}`;
    books.set(key, [...(books.get(key) ?? []), Number(a.id)]);
  }
  const groups = [...books.values()];
  const sums = groups.map(
    (_, i) => `sum(debit_fen - credit_fen) filter (where account_id = any(?::integer[])) as d${i}`,
  );
  const unbalanced = [...groups.map((_, i) => `l.d${i} <> 0`), "l.unknown"].join(" or ");
  const { rows } = await k.raw(
    `with l as (select entry_id,
                       string_agg('[' || line_no || ',' || account_id || ',"' || debit_fen || '","' || credit_fen || '"]', ','
                                  order by line_no) as lines,
                       ${[...sums, "bool_or(not (account_id = any(?::integer[]))) as unknown"].join(",\n                       ")}
                  from journal_lines group by entry_id),
          c as (select e.id, e.entry_hash, e.prev_hash is distinct from coalesce(lag(e.entry_hash) over w, ?) as unlinked,
                       encode(sha256(convert_to(${CANONICAL_SQL}, 'UTF8')), 'hex') as recomputed,
                       l.entry_id is null as empty, coalesce(${unbalanced}, false) as unbalanced
                  from journal_entries e left join l on l.entry_id = e.id
                window w as (order by e.id))
     select count(*) as entries, max(id) as last_id, min(id) filter (where unlinked or recomputed is distinct from entry_hash) as first_broken,
            (array_agg(id order by id) filter (where unbalanced))[1:${Number(findings)}] as unbalanced,
            (array_agg(id order by id) filter (where empty))[1:${Number(findings)}] as empty
       from c`,
    [...groups, accounts.map((a) => Number(a.id)), GENESIS_HASH],
  );
  const r = rows[0] as {
    entries: unknown;
    last_id: unknown;
    first_broken: unknown;
    unbalanced: unknown[] | null;
    empty: unknown[] | null;
  };
  return {
    chain: await chainFrom(k, r),
    unbalanced: (r.unbalanced ?? []).map(String),
    empty: (r.empty ?? []).map(String),
  };
}

/** The chain as the pass found it: whole up to its last entry, or walked here from before the first broken one. */
async function chainFrom(
  k: Knex.Transaction,
  { entries, last_id, first_broken }: { entries: unknown; last_id: unknown; first_broken: unknown },
): Promise<ChainResult> {
  if (first_broken === null) {
    if (last_id === null) return { checked: 0, head_id: null, head_hash: GENESIS_HASH, first_broken: null };
    const last = await k.raw(`select entry_hash from journal_entries where id = ?`, [String(last_id)]);
    return {
      checked: Number(entries),
      head_id: String(last_id),
      head_hash: last.rows[0].entry_hash,
      first_broken: null,
    };
  }
  // the entries before the first broken one are whole: walk on from the last of them
  const before = await k.raw(
    `select (select count(*) from journal_entries where id < ?) as checked,
            (select id from journal_entries where id < ? order by id desc limit 1) as id,
            (select entry_hash from journal_entries where id < ? order by id desc limit 1) as hash`,
    [String(first_broken), String(first_broken), String(first_broken)],
  );
  const b = before.rows[0] as { checked: unknown; id: unknown; hash: string | null };
  return walkFrom(
    k,
    b.id === null ? { hash: GENESIS_HASH, id: null } : { hash: b.hash!, id: toFen(b.id) },
    Number(b.checked),
  );
}

const CHAIN_PAGE = 50_000;

/**
 * The chain walked here, entry by entry from `from` (the last entry known good and its hash, the
 * `checked` entries up to it counted), recomputing each hash with ledger/chain.ts: the first broken
 * link and its words, or the hash the chain ends on.
 */
async function walkFrom(
  k: Knex.Transaction,
  from: { hash: string; id: bigint | null },
  checkedBefore: number,
): Promise<ChainResult> {
  let head = from;
  let checked = checkedBefore;
  for (;;) {
    const { rows: entries } = await k.raw(
      `select id, idempotency_key, input_hash, kind, fiscal_year, origin_year, to_char(effective_on, 'YYYY-MM-DD') as effective_on,
              park, tax_code, operator, description, import_id, source_row, posted_by, request_id, party, token_id,
              prev_hash, entry_hash
         from journal_entries where id > ? order by id limit ${CHAIN_PAGE}`,
      [head.id === null ? "-1" : head.id.toString()],
    );
    if (entries.length === 0) break;
    const { rows: lines } = await k.raw(
      `select entry_id, line_no, account_id, debit_fen, credit_fen from journal_lines
        where entry_id between ? and ? order by entry_id, line_no`,
      [String(entries[0].id), String(entries[entries.length - 1].id)],
    );
    const byEntry = new Map<bigint, ChainLine[]>();
    for (const l of lines) {
      const id = toFen(l.entry_id);
      let list = byEntry.get(id);
      if (list === undefined) byEntry.set(id, (list = []));
      list.push({
        line_no: Number(l.line_no),
        account_id: Number(l.account_id),
        debit: toFen(l.debit_fen),
        credit: toFen(l.credit_fen),
      });
    }
    const links: StoredLink[] = entries.map((e: Record<string, unknown>) => {
      const id = toFen(e.id);
      return {
        entry: {
          id,
          idempotency_key: e.idempotency_key as string,
          input_hash: e.input_hash as string,
          kind: e.kind as string,
          fiscal_year: Number(e.fiscal_year),
          origin_year: Number(e.origin_year),
          effective_on: e.effective_on as string,
          park: e.park as string | null,
          tax_code: e.tax_code as string | null,
          operator: e.operator as string | null,
          description: e.description as string | null,
          import_id: e.import_id === null ? null : toFen(e.import_id),
          source_row: e.source_row === null ? null : Number(e.source_row),
          posted_by: e.posted_by as string,
          request_id: e.request_id as string | null,
          party: e.party as string | null,
          token_id: e.token_id === null ? null : toFen(e.token_id),
          lines: byEntry.get(id) ?? [],
        },
        prev_hash: e.prev_hash as string,
        entry_hash: e.entry_hash as string,
      };
    });
    const walked = walkChain(links, head);
    checked += walked.checked;
    const broken = walked.broken;
    if (broken !== null) {
      return {
        checked,
        head_id: null,
        head_hash: head.hash,
        first_broken: {
          kind: broken.kind,
          id: broken.id.toString(),
          ...(broken.kind === "link_broken"
            ? { previous_id: broken.previous_id === null ? null : broken.previous_id.toString() }
            : {}),
          detail: broken.detail,
        },
      };
    }
    head = walked.head;
  }
  return { checked, head_id: head.id === null ? null : head.id.toString(), head_hash: head.hash, first_broken: null };
}
