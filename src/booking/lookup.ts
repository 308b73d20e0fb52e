// Everything booking a few receipts (a group of HTTP requests) depends on, read in one statement
// under the journal lock: one round trip where the staged path takes a dozen. The statement is built
// from the parts each table's repository owns; its one row is read by `groupContext`.

import { GENESIS_HASH } from "../../ledger/chain.js";
import { decodeLevels } from "../../ledger/kinds.js";
import type { Statement } from "../db/session.js";
import { closedYears } from "../repositories/closures.js";
import { LOOKUP_STAYS_SQL } from "../repositories/enterprises.js";
import { LOOKUP_ORIGINALS_SQL, LOOKUP_RECORDED_SQL } from "../repositories/receipts.js";
import { REFERENCE_VERSION_SQL } from "../repositories/reference.js";
import type { CheckedReceipt, RecordedOriginal, RecordedReceipt } from "./types.js";

/** Everything booking a few rows needs from the database, read in one statement under the journal lock. */
export interface GroupContext {
  /** The rows' numbers already recorded, by number. */
  recorded: Map<string, RecordedReceipt>;
  /** The park of `uscc|collected_on` (null: none), and whether the registry knows the enterprise. */
  stays: Map<string, { park: string | null; known: boolean }>;
  /** The recorded receipts that refunds among the rows name, by number. */
  originals: Map<string, RecordedOriginal>;
  closed: Map<string, Set<number>>;
  /** The hash of the last entry in the journal. */
  head: string;
  /** Ids reserved for up to `reserved` entries and receipts. */
  first_entry_id: bigint;
  first_receipt_id: bigint;
  reserved: number;
  /** The digest of the reference data (ReferenceData.version) as it stands. */
  reference_version: string;
  /** The columns the caller asked to be read in the same statement. */
  also: Record<string, unknown>;
}

/**
 * The statement reading, for a few rows and in one round trip, what booking them depends on; the
 * caller holds the journal lock. `also` adds the caller's own columns to the same statement (an SQL
 * expression with its bindings each).
 */
export function groupLookup(
  rows: readonly CheckedReceipt[],
  also: Record<string, { sql: string; bindings: unknown[] }> = {},
): Statement {
  const extra = Object.entries(also);
  return {
    // Kept prepared, this statement is planned once for every size of table: each lookup is a join
    // LATERAL on a unique key with LIMIT 1 (which the planner cannot flatten into a hash join), so the
    // plan probes the index whatever the statistics said when it was made; a plan made on a new, empty
    // table would otherwise scan every receipt at every group once the table has grown.
    sql: `with g as (
       select * from unnest(?::text[], ?::text[], ?::date[], ?::text[]) as g(receipt_no, uscc, collected_on, refund_of)
     ), d as (
       select * from unnest(?::text[], ?::date[]) as d(uscc, on_day)
     )
     select
       ${LOOKUP_RECORDED_SQL} as recorded,
       ${LOOKUP_STAYS_SQL} as stays,
       ${LOOKUP_ORIGINALS_SQL} as originals,
       (select coalesce(json_agg(json_build_object('operator', c.operator, 'park', c.park, 'year', c.year)), '[]') from closures c) as closed,
       (select entry_hash from journal_entries order by id desc limit 1) as head,
       ?::integer as reserved,
       setval('journal_entries_id_seq', nextval('journal_entries_id_seq') + ?::bigint - 1) as last_entry_id,
       setval('receipts_id_seq', nextval('receipts_id_seq') + ?::bigint - 1) as last_receipt_id,
       ${REFERENCE_VERSION_SQL} as reference_version
       ${extra.map(([name, part]) => `, ${part.sql} as also_${name}`).join("")}`,
    bindings: [
      rows.map((r) => r.receipt_no),
      rows.map((r) => r.uscc),
      rows.map((r) => r.collected_on),
      rows.map((r) => r.refund_of),
      ...stayDays(rows),
      rows.length,
      rows.length,
      rows.length,
      ...extra.flatMap(([, part]) => part.bindings),
    ],
  };
}

/** The enterprises and days whose park the group needs: each original's entry date and tax period's end. */
function stayDays(rows: readonly CheckedReceipt[]): [string[], string[]] {
  const usccs: string[] = [];
  const days: string[] = [];
  for (const r of rows) {
    if (r.refund_of !== "") continue;
    usccs.push(r.uscc);
    days.push(r.collected_on);
    if (r.period_end === "" || r.period_end === r.collected_on) continue;
    usccs.push(r.uscc);
    days.push(r.period_end);
  }
  return [usccs, days];
}

const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/** What `groupLookup` read, from its one row. */
export function groupContext(f: Record<string, unknown>): GroupContext {
  const reserved = Number(f.reserved);
  return {
    recorded: recordedOf(f.recorded),
    stays: staysOf(f.stays),
    originals: originalsOf(f.originals),
    closed: closedYears(json<{ operator: string; park: string | null; year: number }[]>(f.closed)),
    head: (f.head as string | null) ?? GENESIS_HASH,
    first_entry_id: BigInt(f.last_entry_id as bigint) - BigInt(reserved) + 1n,
    first_receipt_id: BigInt(f.last_receipt_id as bigint) - BigInt(reserved) + 1n,
    reserved,
    reference_version: f.reference_version as string,
    also: Object.fromEntries(
      Object.entries(f)
        .filter(([name]) => name.startsWith("also_"))
        .map(([name, value]) => [name.slice("also_".length), value]),
    ),
  };
}

function recordedOf(value: unknown): Map<string, RecordedReceipt> {
  const recorded = new Map<string, RecordedReceipt>();
  for (const r of json<Record<string, string | number | null>[]>(value)) {
    recorded.set(r.receipt_no as string, {
      receipt_no: r.receipt_no as string,
      status: r.status as "posted" | "suspense",
      park: r.park as string | null,
      fiscal_year: Number(r.fiscal_year),
      amount_fen: BigInt(r.amount_fen!),
      central_fen: BigInt(r.central_fen!),
      local_fen: BigInt(r.local_fen!),
      operator_fen: BigInt(r.operator_fen!),
      host_fen: BigInt(r.host_fen!),
      entry_id: BigInt(r.entry_id!),
      row_no: 0,
      input_hash: r.input_hash as string,
      source_row: r.source_row as number | null,
      file_name: r.file_name as string | null,
      request_id: r.request_id as string | null,
    });
  }
  return recorded;
}

function staysOf(value: unknown): Map<string, { park: string | null; known: boolean }> {
  const stays = new Map<string, { park: string | null; known: boolean }>();
  for (const [uscc, on, park, known] of json<[string, string, string | null, boolean][]>(value))
    stays.set(`${uscc}|${on}`, { park, known });
  return stays;
}

function originalsOf(value: unknown): Map<string, RecordedOriginal> {
  const originals = new Map<string, RecordedOriginal>();
  type Text = "id" | "amount_fen" | "local_fen" | "operator_fen" | "refunded_fen" | "levels" | "refunded_levels";
  for (const o of json<(Omit<RecordedOriginal, Text> & Record<Text, string>)[]>(value))
    originals.set(o.receipt_no, {
      ...o,
      id: BigInt(o.id),
      amount_fen: BigInt(o.amount_fen),
      local_fen: BigInt(o.local_fen),
      operator_fen: BigInt(o.operator_fen),
      refunded_fen: BigInt(o.refunded_fen),
      levels: decodeLevels(o.levels),
      refunded_levels: decodeLevels(o.refunded_levels)!,
    });
  return originals;
}
