// Imports treasury receipts (入库明细), refunds included, as one all-or-nothing transaction.
// A worker thread reads and checks each row on its own (receipt-rows.ts) while this thread books:
//   - the streaming path splits each good original through ledger/ and writes it at once, the park
//     taken from the registry in memory; refunds wait in a stage until every original is booked;
//   - the staged path (taken when receipt numbers repeat, in the file or against what is recorded)
//     first stages every row and checks them against each other and the recorded receipts,
//     set-based, so repeats of the same row are no-ops and reused numbers are named row by row.
// Any problem anywhere rejects the whole file with every problem listed, and the transaction is
// rolled back: nothing of the file is kept. Re-importing rows already recorded changes nothing.

import type { Knex } from "knex";
import { splitReceipt, splitRefund, type ReceiptSplit, type SplitRule } from "../../ledger/allocate.js";
import { formatYuan } from "../../ledger/money.js";
import { bookingYear, yearOf } from "../../ledger/periods.js";
import { receiptLines, suspenseLines, type Line } from "../../ledger/posting.js";
import { GENESIS_HASH } from "../../ledger/chain.js";
import type { RejectionCode, RowProblem } from "../../ledger/rejections.js";
import { ROWS_BETWEEN_YIELDS, RowBuffer, yieldToIo, type WriteBatch } from "../db/bulk.js";
import type { Database, Dialect } from "../db/database.js";
import { toCount } from "../db/database.js";
import { needTransaction, type Statement } from "../db/session.js";
import { AccountBook } from "../repositories/accounts.js";
import type { Actor } from "../repositories/actor.js";
import { ID_BLOCK_AHEAD, IdBlock, lockJournal, JournalWriter, type EntryKind } from "../repositories/journal.js";
import { closedYears, loadClosedYears } from "../repositories/closures.js";
import { REFERENCE_VERSION_SQL, ReferenceData, type Park } from "../repositories/reference.js";
import type { Encoding } from "./csv.js";
import {
  RECEIPT_COLUMNS,
  readReceiptRows,
  readReceiptRowsAhead,
  taxLookup,
  type RowBatch,
  type StagedRow,
} from "./receipt-rows.js";
import { ImportRejected, ProblemList } from "./errors.js";
import { checkRepeatsInFile, alreadyImported, findEarlierImport, recordImport, type Progress } from "./common.js";

export interface ImportOptions {
  encoding?: Encoding;
  /** `auto` books as it reads and falls back to `staged` when receipt numbers repeat. */
  strategy?: "auto" | "staged";
  /** `worker` (default) parses and checks the file in a worker thread, `thread` in this one. */
  reader?: "worker" | "thread";
  onProgress?: (progress: Progress) => void;
  /** Rows booked per batch; bounds memory. */
  batch_rows?: number;
}

export interface SuspenseItem {
  row: number;
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount: string;
  reason: "enterprise_unknown" | "enterprise_in_no_park";
}

export interface ReceiptsImportResult {
  file: string;
  sha256: string;
  encoding: string;
  import_id: string | null;
  already_imported: boolean;
  rows: number;
  new_rows: number;
  unchanged_rows: number;
  receipts: number;
  refunds: number;
  suspense: number;
  prior_year_adjustments: number;
  suspense_items: SuspenseItem[];
}

const SUSPENSE_ITEMS_MAX = 50;

const STAGE_COLUMNS = [
  { name: "row_no", type: "integer" },
  { name: "receipt_no", type: "text" },
  { name: "uscc", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "collected_on", type: "date" },
  { name: "amount_fen", type: "bigint" },
  { name: "scope", type: "text" },
  { name: "tax_period", type: "text" },
  { name: "refund_of", type: "text" },
  { name: "content_hash", type: "text" },
] as const;

const RECEIPT_ROW_COLUMNS = [
  { name: "id", type: "bigint" },
  { name: "receipt_no", type: "text" },
  { name: "uscc", type: "text" },
  { name: "tax_code", type: "text" },
  { name: "collected_on", type: "date" },
  { name: "amount_fen", type: "bigint" },
  { name: "scope", type: "text" },
  { name: "tax_period", type: "text" },
  { name: "refund_of_id", type: "bigint" },
  { name: "status", type: "text" },
  { name: "park", type: "text" },
  { name: "operator", type: "text" },
  { name: "host", type: "text" },
  { name: "central_share_bp", type: "integer" },
  { name: "operator_share_bp", type: "integer" },
  { name: "central_ratio_id", type: "integer" },
  { name: "agreement_id", type: "integer" },
  { name: "central_fen", type: "bigint" },
  { name: "local_fen", type: "bigint" },
  { name: "operator_fen", type: "bigint" },
  { name: "host_fen", type: "bigint" },
  { name: "fiscal_year", type: "integer" },
  { name: "entry_id", type: "bigint" },
  { name: "import_id", type: "bigint" },
  { name: "source_row", type: "integer" },
] as const;

export async function importReceipts(
  db: Database,
  file: string,
  options: ImportOptions = {},
): Promise<ReceiptsImportResult> {
  const { sha256, previous } = await findEarlierImport(db.knex, "receipts", file, RECEIPT_COLUMNS, options.encoding);
  if (previous !== null) return alreadyImported(emptyResult(file, sha256, "n/a"), previous, "unchanged_rows");
  if (options.strategy === "staged") return stagedImport(db, file, sha256, options);
  try {
    return await streamingImport(db, file, sha256, options);
  } catch (error) {
    // a receipt number seen before (in this file or recorded): the staged path sorts out which
    // repeats are no-ops and which are reused numbers, and says so row by row. A rejected file is
    // checked on the staged path too, which lists every problem (the streaming path stops looking
    // for repeated numbers once it stops writing).
    if (isDuplicateKey(error) || error instanceof ImportRejected) return stagedImport(db, file, sha256, options);
    throw error;
  }
}

/** The streaming path met a receipt number it has seen before and hands over to the staged path. */
class RepeatedNumbers extends Error {
  constructor() {
    super("a receipt number repeats");
  }
}

function isDuplicateKey(error: unknown): boolean {
  if (error instanceof RepeatedNumbers) return true;
  const code = (error as { code?: string })?.code;
  return code === "23505" || code === "25P02";
}

/**
 * The careful path: every row staged and checked against the others and the recorded receipts
 * before anything is booked. Taken when a file repeats receipt numbers, or when asked for.
 */
async function stagedImport(
  db: Database,
  file: string,
  sha256: string,
  options: ImportOptions,
): Promise<ReceiptsImportResult> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const { result, problems, import_id } = await bookStaged(trx, db.dialect, ref, readRows(file, options, ref), {
      ...options,
      import_id: "reserve",
    });
    result.file = file;
    result.sha256 = sha256;
    problems.rejectIfAny(file);
    if (import_id === null) return result;
    await recordImport(trx, {
      id: import_id,
      kind: "receipts",
      file,
      sha256,
      row_count: result.rows,
      new_row_count: result.new_rows,
    });
    return result;
  });
}

/**
 * Stages rows, checks them against each other and the recorded receipts, and books what is new,
 * originals first so refunds among them find them. The caller holds the journal lock and decides what
 * a problem means (a file is rejected whole; so is an HTTP request). `import_id: "reserve"` books the
 * rows as an import's (the caller records it); null books them without one (an HTTP request, whose
 * entries carry its request id instead).
 */
/** Below this many rows a stage is scanned rather than indexed (HTTP requests stage a handful). */
const SMALL_STAGE_ROWS = 1000;

export type RowSource = (row_no: number) => { actor: Actor; row: number };

export async function bookStaged(
  trx: Knex.Transaction,
  dialect: Dialect,
  ref: ReferenceData,
  source: AsyncIterable<RowBatch>,
  options: Pick<ImportOptions, "onProgress" | "batch_rows"> & {
    import_id: "reserve" | null;
    /** Rows of several HTTP requests staged together: whose each row is, and its place in its request. */
    rowSource?: RowSource;
    /** A few rows (an HTTP request): plain INSERTs, which take one round trip where COPY takes several. */
    few?: boolean;
    /** Accounts already known (a server keeps them between requests; accounts are only ever added). */
    accounts?: AccountBook;
  },
): Promise<{ result: ReceiptsImportResult; problems: ProblemList; import_id: bigint | null }> {
  const progress = options.onProgress ?? (() => {});
  const batchRows = options.batch_rows ?? 5000;
  const problems = new ProblemList();

  // 1. every row on its own, staged
  await createStage(trx);
  const copy = dialect === "postgres" && options.few !== true;
  const stage = new RowBuffer("receipt_stage", STAGE_COLUMNS, "", copy);
  let rows = 0;
  let encoding = "n/a";
  // a few rows are checked for repeated numbers here; a file's millions by the database
  const numbers = options.few === true ? new Set<string>() : null;
  let repeats = false;
  for await (const batch of source) {
    problems.addFound(batch.problems, batch.problem_count);
    for (const r of batch.rows) {
      stage.push(stageRow(r));
      if (numbers !== null) {
        if (numbers.has(r.receipt_no)) repeats = true;
        numbers.add(r.receipt_no);
      }
    }
    rows = batch.rows_read;
    encoding = batch.encoding;
    await stage.flush(trx);
    progress({ phase: "reading", done: batch.bytes_read, total: batch.size_bytes });
  }
  await stage.settle(trx);
  if (rows >= SMALL_STAGE_ROWS) {
    await trx.raw("create index if not exists receipt_stage_receipt_no on receipt_stage (receipt_no)");
    await trx.raw("analyze receipt_stage");
  }

  // 2. rows against each other and against what is recorded
  await checkReusedNumbers(trx, problems, numbers !== null && !repeats);
  const counts = await trx.raw(
    `select count(*) filter (where action = 'new') as new_rows, count(*) filter (where action = 'same') as same_rows,
            count(*) filter (where action = 'new' and refund_of <> '') as new_refunds
       from receipt_stage`,
  );
  const new_rows = toCount(counts.rows[0].new_rows);
  const new_refunds = toCount(counts.rows[0].new_refunds);
  const unchanged_rows =
    toCount(counts.rows[0].same_rows) +
    (rows - toCount(counts.rows[0].new_rows) - toCount(counts.rows[0].same_rows) - invalidRows(problems));
  const result: ReceiptsImportResult = {
    ...emptyResult("", "", encoding),
    rows,
    new_rows,
    unchanged_rows,
  };
  if (!problems.any && new_rows === 0) return { result, problems, import_id: null };

  // 3. split and book, originals first so refunds in the same file find them
  const import_id = options.import_id === "reserve" ? await reserveImportId(trx) : null;
  result.import_id = import_id === null ? null : import_id.toString();
  const booker = new Booker(
    trx,
    copy,
    ref,
    options.accounts ?? (await AccountBook.load(trx)),
    await loadClosedYears(trx),
    import_id,
    problems,
    result,
    options.rowSource,
  );
  await booker.reserve(new_rows);
  // The next batch is asked for before this one is written, so it comes back at once and is split
  // while the server is still taking in this one: the node and the database work side by side.
  let done = 0;
  const phases = [
    ...(new_rows > new_refunds ? (["originals"] as const) : []),
    ...(new_refunds > 0 ? (["refunds"] as const) : []),
  ];
  for (const phase of phases) {
    const fetch = async (after: number): Promise<(OriginalRow | RefundRow)[]> =>
      phase === "originals" ? originalsAfter(trx, after, batchRows) : refundsAfter(trx, after, batchRows);
    const expected = phase === "originals" ? new_rows - new_refunds : new_refunds;
    let fetched = 0;
    let batch: (OriginalRow | RefundRow)[] = await fetch(0);
    while (batch.length > 0) {
      fetched += batch.length;
      // the next batch is not asked for when this one holds every row there is (an HTTP request's few)
      const next = fetched < expected ? fetch(batch[batch.length - 1]!.row_no) : Promise.resolve([]);
      next.catch(() => {}); // awaited below; a failure surfaces there
      if (phase === "originals") await booker.bookOriginals(batch as OriginalRow[]);
      else await booker.bookRefunds(batch as RefundRow[]);
      done += batch.length;
      progress({ phase: "booking", done, total: new_rows });
      batch = await next;
    }
  }
  if (!problems.any) await booker.finish();
  return { result, problems, import_id };
}

/** A receipt as recorded or as just written: what an HTTP answer reports of it. */
export interface WrittenReceipt {
  receipt_no: string;
  status: "posted" | "suspense";
  park: string | null;
  fiscal_year: number;
  amount_fen: bigint;
  central_fen: bigint;
  local_fen: bigint;
  operator_fen: bigint;
  host_fen: bigint;
  entry_id: bigint;
  /** The row it was written from (0 for one recorded before). */
  row_no: number;
}

interface RecordedReceipt extends WrittenReceipt {
  input_hash: string;
  source_row: number | null;
  file_name: string | null;
  request_id: string | null;
}

interface RecordedOriginal {
  id: bigint;
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount_fen: bigint;
  scope: "gross" | "local";
  is_refund: boolean;
  status: "posted" | "suspense";
  park: string | null;
  operator: string | null;
  host: string;
  central_share_bp: number | null;
  operator_share_bp: number | null;
  central_ratio_id: number | null;
  agreement_id: number | null;
  /** Refunded so far (zero or negative). */
  refunded_fen: bigint;
}

/** Everything booking a few rows needs from the database, read in one statement under the journal lock. */
export interface FewRowsContext {
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
 * expression with its bindings each). Its one row is read by `fewRowsContext`.
 */
export function fewRowsStatement(
  rows: readonly StagedRow[],
  also: Record<string, { sql: string; bindings: unknown[] }> = {},
): Statement {
  const extra = Object.entries(also);
  const fen = (column: string) => `'${column}', r.${column}::text`;
  return {
    // Kept prepared, this statement is planned once for every size of table: each lookup is a join
    // LATERAL on a unique key with LIMIT 1 (which the planner cannot flatten into a hash join), so the
    // plan probes the index whatever the statistics said when it was made; a plan made on a new, empty
    // table would otherwise scan every receipt at every group once the table has grown.
    sql: `with g as (
       select * from unnest(?::text[], ?::text[], ?::date[], ?::text[]) as g(receipt_no, uscc, collected_on, refund_of)
     )
     select
       (select coalesce(json_agg(json_build_object('receipt_no', r.receipt_no, 'input_hash', r.input_hash,
                 'source_row', r.source_row, 'file_name', r.file_name, 'request_id', r.request_id, 'status', r.status,
                 'park', r.park, 'fiscal_year', r.fiscal_year, 'entry_id', r.entry_id::text, ${fen("amount_fen")},
                 ${fen("central_fen")}, ${fen("local_fen")}, ${fen("operator_fen")}, ${fen("host_fen")})), '[]')
          from g join lateral (
            select r.*, (select e.input_hash from journal_entries e where e.id = r.entry_id) as input_hash,
                   (select e.request_id from journal_entries e where e.id = r.entry_id) as request_id,
                   (select i.file_name from imports i where i.id = r.import_id) as file_name
              from receipts r where r.receipt_no = g.receipt_no limit 1) r on true) as recorded,
       (select coalesce(json_agg(json_build_array(g.uscc, g.collected_on, st.park,
                 st.park is not null or exists (select 1 from enterprises n where n.uscc = g.uscc))), '[]')
          from (select distinct uscc, collected_on from g where refund_of = '') g
          left join lateral (select s.park from enterprise_stays s
                              where s.uscc = g.uscc and s.valid_from <= g.collected_on
                                and (s.valid_to is null or s.valid_to >= g.collected_on)
                              order by s.valid_from limit 1) st on true) as stays,
       (select coalesce(json_agg(json_build_object('id', r.id::text, 'receipt_no', r.receipt_no, 'uscc', r.uscc,
                 'tax_code', r.tax_code, 'collected_on', r.collected_on, ${fen("amount_fen")}, 'scope', r.scope,
                 'is_refund', r.refund_of_id is not null, 'status', r.status, 'park', r.park, 'operator', r.operator,
                 'host', r.host, 'central_share_bp', r.central_share_bp, 'operator_share_bp', r.operator_share_bp,
                 'central_ratio_id', r.central_ratio_id, 'agreement_id', r.agreement_id,
                 'refunded_fen', (select coalesce(sum(x.amount_fen), 0) from receipts x where x.refund_of_id = r.id)::text)), '[]')
          from (select distinct refund_of from g where refund_of <> '') g
          join lateral (select * from receipts r where r.receipt_no = g.refund_of limit 1) r on true) as originals,
       (select coalesce(json_agg(json_build_object('operator', c.operator, 'year', c.year)), '[]') from closures c) as closed,
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
      rows.length,
      rows.length,
      rows.length,
      ...extra.flatMap(([, part]) => part.bindings),
    ],
  };
}

/** What `fewRowsStatement` read, from its one row. */
export function fewRowsContext(f: Record<string, unknown>): FewRowsContext {
  const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
  const recorded = new Map<string, RecordedReceipt>();
  for (const r of json<Record<string, string | number | null>[]>(f.recorded)) {
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
  const stays = new Map<string, { park: string | null; known: boolean }>();
  for (const [uscc, on, park, known] of json<[string, string, string | null, boolean][]>(f.stays))
    stays.set(`${uscc}|${on}`, { park, known });
  const originals = new Map<string, RecordedOriginal>();
  type Fen = "id" | "amount_fen" | "refunded_fen";
  for (const o of json<(Omit<RecordedOriginal, Fen> & Record<Fen, string>)[]>(f.originals))
    originals.set(o.receipt_no, {
      ...o,
      id: BigInt(o.id),
      amount_fen: BigInt(o.amount_fen),
      refunded_fen: BigInt(o.refunded_fen),
    });
  const closed = closedYears(json<{ operator: string; year: number }[]>(f.closed));
  const reserved = Number(f.reserved);
  return {
    recorded,
    stays,
    originals,
    closed,
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

/**
 * Books a few rows (an HTTP request, or a group of them) from what `fewRowsStatement` read, with no stage:
 * the checks the staged path makes set-based are made here in memory, and every write is gathered in
 * `batch` for the caller to run (one round trip). Returns null when the rows need the staged path: a
 * number given twice, or a refund of a receipt not recorded before these rows.
 */
export async function bookFew(
  trx: Knex.Transaction | null,
  ref: ReferenceData,
  rows: readonly StagedRow[],
  known: FewRowsContext,
  options: { accounts: AccountBook; rowSource?: RowSource; batch: WriteBatch; onWritten?: (r: WrittenReceipt) => void },
): Promise<{ result: ReceiptsImportResult; problems: ProblemList } | null> {
  const numbers = new Set<string>();
  for (const r of rows) {
    if (numbers.has(r.receipt_no)) return null;
    numbers.add(r.receipt_no);
    if (r.refund_of !== "" && !known.recorded.has(r.receipt_no) && !known.originals.has(r.refund_of)) return null;
  }
  if (rows.length > known.reserved) throw new Error("more rows to book than ids reserved for them");
  const problems = new ProblemList();
  const originals: OriginalRow[] = [];
  const refunds: RefundRow[] = [];
  let unchanged_rows = 0;
  for (const r of rows) {
    const recorded = known.recorded.get(r.receipt_no);
    if (recorded !== undefined) {
      if (recorded.input_hash === r.content_hash) unchanged_rows += 1;
      else problems.add(reusedNumber(r.row_no, recorded));
      continue;
    }
    if (r.refund_of === "") {
      const stay = known.stays.get(`${r.uscc}|${r.collected_on}`)!;
      originals.push({ ...r, park: stay.park, known: stay.known });
      continue;
    }
    const o = known.originals.get(r.refund_of)!;
    refunds.push({
      ...r,
      o_id: o.id,
      o_uscc: o.uscc,
      o_tax_code: o.tax_code,
      o_collected_on: o.collected_on,
      o_amount_fen: o.amount_fen,
      o_scope: o.scope,
      o_is_refund: o.is_refund,
      o_status: o.status,
      o_park: o.park,
      o_operator: o.operator,
      o_host: o.host,
      o_central_share_bp: o.central_share_bp,
      o_operator_share_bp: o.operator_share_bp,
      o_central_ratio_id: o.central_ratio_id,
      o_agreement_id: o.agreement_id,
      in_file: false,
    });
  }
  const result: ReceiptsImportResult = {
    ...emptyResult("", "", "json"),
    rows: rows.length,
    new_rows: originals.length + refunds.length,
    unchanged_rows,
  };
  if (problems.any || result.new_rows === 0) return { result, problems };
  const booker = new Booker(
    trx,
    false,
    ref,
    options.accounts,
    known.closed,
    null,
    problems,
    result,
    options.rowSource,
    options.batch,
  );
  booker.seed(known);
  booker.onWritten = options.onWritten ?? null;
  await booker.bookOriginals(originals);
  await booker.bookRefunds(refunds);
  if (!problems.any) await booker.finish();
  return { result, problems };
}

/**
 * The fast path: each row is checked and, if good, split and booked at once, while the next rows
 * are read; refunds wait in a small stage until every original of the file is booked. The park of
 * each receipt comes from the registry held in memory. Any problem stops the writing (the rest of
 * the file is still checked, so every problem is listed) and the transaction is rolled back; a
 * repeated receipt number aborts it and the staged path takes over.
 */
async function streamingImport(
  db: Database,
  file: string,
  sha256: string,
  options: ImportOptions,
): Promise<ReceiptsImportResult> {
  const progress = options.onProgress ?? (() => {});
  const batchRows = options.batch_rows ?? 5000;
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const problems = new ProblemList();
    const registry = await Registry.load(trx);
    const import_id = await reserveImportId(trx);
    const result: ReceiptsImportResult = { ...emptyResult(file, sha256, "n/a"), import_id: import_id.toString() };
    const booker = new Booker(
      trx,
      db.dialect === "postgres",
      ref,
      await AccountBook.load(trx),
      await loadClosedYears(trx),
      import_id,
      problems,
      result,
    );
    await createStage(trx);
    const refundStage = new RowBuffer("receipt_stage", STAGE_COLUMNS, "", db.dialect === "postgres");
    let booked = 0;
    for await (const batch of readRows(file, options, ref)) {
      problems.addFound(batch.problems, batch.problem_count);
      const originals: OriginalRow[] = [];
      for (const staged of batch.rows) {
        if (staged.refund_of !== "") {
          refundStage.push(stageRow(staged));
          continue;
        }
        const stay = registry.stayOn(staged.uscc, staged.collected_on);
        const original = staged as unknown as OriginalRow;
        original.park = stay;
        original.known = stay !== null || registry.knows(staged.uscc);
        originals.push(original);
      }
      await booker.bookOriginals(originals);
      await refundStage.flush(trx);
      booked += originals.length;
      result.rows = batch.rows_read;
      result.encoding = batch.encoding;
      progress({ phase: "reading", done: batch.bytes_read, total: batch.size_bytes });
    }
    await refundStage.settle(trx);
    // a refund's number seen before (recorded, or twice in this file) is for the staged path to sort out
    const repeated = await trx.raw(
      `(select 1 from receipt_stage s join receipts r on r.receipt_no = s.receipt_no limit 1)
       union all
       (select 1 from receipt_stage group by receipt_no having count(*) > 1 limit 1)`,
    );
    if (repeated.rows.length > 0) throw new RepeatedNumbers();
    let after = 0;
    for (;;) {
      const batch = await refundsAfter(trx, after, batchRows);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.row_no;
      await booker.bookRefunds(batch);
      booked += batch.length;
    }
    problems.rejectIfAny(file);
    await booker.finish();
    result.new_rows = booked;
    if (booked === 0) return result;
    await recordImport(trx, {
      id: import_id,
      kind: "receipts",
      file,
      sha256,
      row_count: result.rows,
      new_row_count: booked,
    });
    return result;
  });
}

/** The temporary table rows wait in (all of them on the staged path, refunds on the streaming one). */
async function createStage(trx: Knex.Transaction): Promise<void> {
  // kept for the connection's life and emptied at each commit: a server books many small groups
  await trx.raw(`create temporary table if not exists receipt_stage (
    row_no integer primary key, receipt_no text not null, uscc text not null, tax_code text not null,
    collected_on date not null, amount_fen bigint not null, scope text not null, tax_period text not null,
    refund_of text not null, content_hash text not null, action text not null default 'new'
  ) on commit delete rows`);
}

function stageRow(r: StagedRow): unknown[] {
  return [
    r.row_no,
    r.receipt_no,
    r.uscc,
    r.tax_code,
    r.collected_on,
    r.amount_fen,
    r.scope,
    r.tax_period,
    r.refund_of,
    r.content_hash,
  ];
}

/** The enterprise registry in memory (it is small beside a year of receipts): who is where, when. */
class Registry {
  private constructor(
    private readonly stays: Map<string, { park: string; from: string; to: string | null }[]>,
    private readonly enterprises: Set<string>,
  ) {}

  static async load(trx: Knex.Transaction): Promise<Registry> {
    const stays = new Map<string, { park: string; from: string; to: string | null }[]>();
    const rows = (await trx("enterprise_stays")
      .select("uscc", "park", "valid_from", "valid_to")
      .orderBy(["uscc", "valid_from"])) as {
      uscc: string;
      park: string;
      valid_from: string;
      valid_to: string | null;
    }[];
    for (const r of rows) {
      const list = stays.get(r.uscc) ?? [];
      list.push({ park: r.park, from: r.valid_from, to: r.valid_to });
      stays.set(r.uscc, list);
    }
    const enterprises = new Set(((await trx("enterprises").select("uscc")) as { uscc: string }[]).map((e) => e.uscc));
    return new Registry(stays, enterprises);
  }

  stayOn(uscc: string, isoDate: string): string | null {
    for (const s of this.stays.get(uscc) ?? []) {
      if (s.from <= isoDate && (s.to === null || isoDate <= s.to)) return s.park;
    }
    return null;
  }

  knows(uscc: string): boolean {
    return this.enterprises.has(uscc);
  }
}

async function reserveImportId(trx: Knex.Transaction): Promise<bigint> {
  const { rows } = await trx.raw("select nextval('imports_id_seq') as id");
  return BigInt(rows[0].id);
}

function emptyResult(file: string, sha256: string, encoding: string): ReceiptsImportResult {
  return {
    file,
    sha256,
    encoding,
    import_id: null,
    already_imported: false,
    rows: 0,
    new_rows: 0,
    unchanged_rows: 0,
    receipts: 0,
    refunds: 0,
    suspense: 0,
    prior_year_adjustments: 0,
    suspense_items: [],
  };
}

function invalidRows(problems: ProblemList): number {
  return new Set(problems.kept.map((p) => p.row)).size;
}

/** A receipt number names one content: repeats of the same row are no-ops, a different row is refused. */
async function checkReusedNumbers(
  trx: Knex.Transaction,
  problems: ProblemList,
  /** Known to hold no number twice (an HTTP group checked in memory): no need to ask the database. */
  noRepeats = false,
): Promise<void> {
  if (!noRepeats) await checkRepeatsInFile(trx, "receipt_stage", "receipt_no_reused", problems);
  const recorded = await trx.raw(`
    select s.row_no, s.receipt_no, e.input_hash = s.content_hash as same, r.source_row, i.file_name
      from receipt_stage s join receipts r on r.receipt_no = s.receipt_no
      join journal_entries e on e.id = r.entry_id left join imports i on i.id = r.import_id
     where s.action = 'new'`);
  for (const r of recorded.rows) if (!r.same) problems.add(reusedNumber(r.row_no, r));
  if (recorded.rows.length > 0) {
    await trx.raw(
      `update receipt_stage s set action = 'same' from receipts r where r.receipt_no = s.receipt_no and s.action = 'new'`,
    );
  }
}

/** A row whose receipt number is recorded with other content: where that content came from. */
function reusedNumber(
  row: number,
  recorded: { receipt_no: string; source_row: number | null; file_name: string | null },
): RowProblem {
  const where = recorded.file_name ? ` (row ${recorded.source_row} of ${recorded.file_name})` : "";
  return {
    row,
    column: "receipt_no",
    code: "receipt_no_reused",
    reason: `receipt number ${recorded.receipt_no} is already recorded${where} with different content`,
    value: recorded.receipt_no,
  };
}

interface OriginalRow extends StagedRow {
  park: string | null;
  known: boolean;
}

async function originalsAfter(trx: Knex.Transaction, after: number, limit: number): Promise<OriginalRow[]> {
  const { rows } = await trx.raw(
    `select s.row_no, s.receipt_no, s.uscc, s.tax_code, s.collected_on, s.amount_fen, s.scope, s.tax_period, s.refund_of, s.content_hash,
            st.park, (st.park is not null or exists (select 1 from enterprises e where e.uscc = s.uscc)) as known
       from receipt_stage s
       left join enterprise_stays st on st.uscc = s.uscc and st.valid_from <= s.collected_on
                                    and (st.valid_to is null or st.valid_to >= s.collected_on)
      where s.action = 'new' and s.refund_of = '' and s.row_no > ?
      order by s.row_no limit ?`,
    [after, limit],
  );
  return rows;
}

interface RefundRow extends StagedRow {
  o_id: bigint | null;
  o_uscc: string | null;
  o_tax_code: string | null;
  o_collected_on: string | null;
  o_amount_fen: bigint | null;
  o_scope: "gross" | "local" | null;
  o_is_refund: boolean | null;
  o_status: "posted" | "suspense" | null;
  o_park: string | null;
  o_operator: string | null;
  o_host: string | null;
  o_central_share_bp: number | null;
  o_operator_share_bp: number | null;
  o_central_ratio_id: number | null;
  o_agreement_id: number | null;
  in_file: boolean;
}

async function refundsAfter(trx: Knex.Transaction, after: number, limit: number): Promise<RefundRow[]> {
  const { rows } = await trx.raw(
    `select s.row_no, s.receipt_no, s.uscc, s.tax_code, s.collected_on, s.amount_fen, s.scope, s.tax_period, s.refund_of, s.content_hash,
            o.id as o_id, o.uscc as o_uscc, o.tax_code as o_tax_code, o.collected_on as o_collected_on, o.amount_fen as o_amount_fen,
            o.scope as o_scope, o.refund_of_id is not null as o_is_refund, o.status as o_status, o.park as o_park, o.operator as o_operator,
            o.host as o_host, o.central_share_bp as o_central_share_bp, o.operator_share_bp as o_operator_share_bp,
            o.central_ratio_id as o_central_ratio_id, o.agreement_id as o_agreement_id,
            exists (select 1 from receipt_stage t where t.receipt_no = s.refund_of and t.refund_of = '') as in_file
       from receipt_stage s left join receipts o on o.receipt_no = s.refund_of
      where s.action = 'new' and s.refund_of <> '' and s.row_no > ?
      order by s.row_no limit ?`,
    [after, limit],
  );
  return rows;
}

/**
 * The checked rows of the file, read ahead in a worker thread unless asked not to (option `reader`,
 * or PARKLEDGER_IMPORT_READER=thread).
 */
function readRows(file: string, options: ImportOptions, ref: ReferenceData): AsyncGenerator<RowBatch> {
  const read = {
    encoding: options.encoding ?? "auto",
    batch_rows: options.batch_rows ?? 5000,
    taxes: taxLookup(ref.taxes),
  };
  return options.reader === "thread" || process.env.PARKLEDGER_IMPORT_READER === "thread"
    ? readReceiptRows(file, read)
    : readReceiptRowsAhead(file, read);
}

/** Splits rows through ledger/ and writes receipts and their entries; collects problems instead of writing once any is found. */
class Booker {
  private readonly journal: JournalWriter;
  private readonly receiptRows: RowBuffer;
  private readonly receiptIds = new IdBlock("receipts_id_seq");
  private readonly collector: string;

  constructor(
    /** null: ids, head and refunds seeded, rows written to `batch`; what needs the database throws NeedsTransaction. */
    private readonly trx: Knex.Transaction | null,
    private readonly copy: boolean,
    private readonly ref: ReferenceData,
    accounts: AccountBook,
    private readonly closed: Map<string, Set<number>>,
    private readonly import_id: bigint | null,
    private readonly problems: ProblemList,
    private readonly result: ReceiptsImportResult,
    private readonly rowSource?: RowSource,
    /** Rows handed to this batch instead of written at once (a few rows: the caller runs it). */
    batch?: WriteBatch,
  ) {
    this.journal = new JournalWriter(trx, accounts, batch !== undefined ? { copy, batch } : { copy });
    this.receiptRows = new RowBuffer("receipts", RECEIPT_ROW_COLUMNS, "", copy, batch);
    const hosts = [...new Set(ref.parks.map((p) => p.host))];
    this.collector = hosts.length === 1 ? hosts[0]! : "prefecture";
  }

  private fiscalYear(park: Park | null, collected_on: string): number {
    const year = yearOf(collected_on);
    if (park === null || park.operator === park.host) return year;
    return bookingYear(year, this.closed.get(park.operator) ?? new Set());
  }

  async bookOriginals(batch: OriginalRow[]): Promise<void> {
    const drafts: Draft[] = [];
    let done = 0;
    for (const r of batch) {
      if (++done % ROWS_BETWEEN_YIELDS === 0) await yieldToIo();
      const park = r.park === null ? null : (this.ref.park(r.park) ?? null);
      const tax = this.ref.tax(r.tax_code)!;
      const scope = (r.scope || "local") as "gross" | "local";
      const ratio = this.ref.centralRatioOn(r.tax_code, r.collected_on);
      const flag = (column: string, code: RejectionCode, reason: string) =>
        this.problems.add({ row: r.row_no, column, code, reason });
      if (scope === "gross" && ratio === undefined) {
        flag(
          "collected_on",
          "no_central_ratio",
          `no central–local ratio for ${r.tax_code} is in force on ${r.collected_on}; add one with 'parkledger ratio set'`,
        );
        continue;
      }
      if (scope === "local" && ratio?.central_share_bp === 10_000) {
        flag(
          "scope",
          "local_scope_of_central_tax",
          `${r.tax_code} (${tax.name_zh}) is wholly central on ${r.collected_on}, so a local-scope receipt of it cannot exist; use scope gross`,
        );
        continue;
      }
      if (park === null) {
        const rule: SplitRule = { scope: "local", central_share_bp: 0, operator_share_bp: null, rounding: "half_up" };
        drafts.push(
          this.draft(
            r,
            null,
            "suspense",
            splitReceipt(r.amount_fen, rule),
            suspenseLines(r.amount_fen, this.collector, r.tax_code),
            {
              scope,
              ratio_id: null,
              central_bp: null,
              agreement_id: null,
              operator_bp: null,
              status: "suspense",
              operator: null,
              host: this.collector,
              refund_of_id: null,
            },
          ),
        );
        this.noteSuspense(r, r.known ? "enterprise_in_no_park" : "enterprise_unknown");
        continue;
      }
      const shares = park.operator !== park.host;
      const agreement = shares ? this.ref.agreementOn(park.code, r.collected_on) : undefined;
      if (shares && agreement === undefined) {
        flag(
          "collected_on",
          "no_agreement",
          `park ${park.code} has no sharing agreement in force on ${r.collected_on}; add one with 'parkledger agreement set'`,
        );
        continue;
      }
      const shared = agreement !== undefined && (tax.is_tax || agreement.shared_non_tax.includes(tax.code));
      const central_bp = scope === "gross" ? ratio!.central_share_bp : 0;
      const operator_bp = shared ? agreement.operator_share_bp : null;
      const split = splitReceipt(r.amount_fen, {
        scope,
        central_share_bp: central_bp,
        operator_share_bp: operator_bp,
        rounding: "half_up",
      });
      const operator = shared ? park.operator : null;
      const lines = receiptLines(
        split,
        { host: park.host, operator, central: this.ref.central, is_tax: tax.is_tax },
        r.tax_code,
        park.code,
      );
      drafts.push(
        this.draft(r, park, "receipt", split, lines, {
          scope,
          ratio_id: scope === "gross" ? ratio!.id : null,
          central_bp: scope === "gross" ? central_bp : null,
          agreement_id: agreement?.id ?? null,
          operator_bp,
          status: "posted",
          operator,
          host: park.host,
          refund_of_id: null,
        }),
      );
    }
    await this.write(drafts);
  }

  /** Refunded so far, per original id, including refunds booked earlier in this import. */
  private readonly refunded = new Map<bigint, bigint>();

  async bookRefunds(batch: RefundRow[]): Promise<void> {
    const originals = [
      ...new Set(batch.filter((r) => r.o_id !== null && !this.refunded.has(r.o_id)).map((r) => r.o_id!)),
    ];
    if (originals.length > 0) {
      const { rows } = await needTransaction(this.trx, "reading refunds").raw(
        `select refund_of_id, sum(amount_fen) as refunded from receipts where refund_of_id = any(?::bigint[]) group by refund_of_id`,
        [originals.map(String)],
      );
      for (const id of originals) this.refunded.set(id, 0n);
      for (const row of rows) this.refunded.set(BigInt(row.refund_of_id), BigInt(row.refunded));
    }
    const drafts: Draft[] = [];
    for (const r of batch) {
      const flag = (column: string, code: RejectionCode, reason: string) =>
        this.problems.add({ row: r.row_no, column, code, reason, value: r[column as keyof RefundRow] as string });
      if (r.o_id === null) {
        // an original in this same file that could not be booked has its own problem listed
        if (!r.in_file || !this.problems.any)
          flag("refund_of", "refund_of_unknown", `refund_of names ${r.refund_of}, which is not a recorded receipt`);
        continue;
      }
      if (r.o_is_refund) {
        flag("refund_of", "refund_of_refund", `${r.refund_of} is itself a refund; name the original receipt`);
        continue;
      }
      if (r.o_uscc !== r.uscc)
        flag("uscc", "refund_enterprise_differs", `the refunded receipt ${r.refund_of} belongs to ${r.o_uscc}`);
      if (r.o_tax_code !== r.tax_code)
        flag("tax_code", "refund_tax_differs", `the refunded receipt ${r.refund_of} is ${r.o_tax_code}`);
      if (r.scope !== "" && r.scope !== r.o_scope)
        flag(
          "scope",
          "scope_invalid",
          `the refunded receipt ${r.refund_of} has scope ${r.o_scope}; a refund is split with its original's scope`,
        );
      if (r.collected_on < r.o_collected_on!)
        flag(
          "collected_on",
          "refund_before_original",
          `the refunded receipt ${r.refund_of} entered the treasury on ${r.o_collected_on}`,
        );
      const before = this.refunded.get(r.o_id) ?? 0n;
      if (r.o_amount_fen! + before + r.amount_fen < 0n) {
        flag(
          "amount",
          "refund_exceeds_original",
          `${r.refund_of} is ${formatYuan(r.o_amount_fen!)}, already refunded ${formatYuan(-before)}; refunding ${formatYuan(-r.amount_fen)} more would exceed it`,
        );
        continue;
      }
      this.refunded.set(r.o_id, before + r.amount_fen);
      if (this.problems.any) continue;
      const park = r.o_park === null ? null : (this.ref.park(r.o_park) ?? null);
      const rule: SplitRule = {
        scope: r.o_scope!,
        central_share_bp: r.o_central_share_bp ?? 0,
        operator_share_bp: r.o_operator_share_bp,
        rounding: "half_up",
      };
      const split = splitRefund(r.amount_fen, before, rule);
      const meta = {
        scope: r.o_scope!,
        ratio_id: r.o_central_ratio_id,
        central_bp: r.o_central_share_bp,
        agreement_id: r.o_agreement_id,
        operator_bp: r.o_operator_share_bp,
        status: r.o_status!,
        operator: r.o_operator,
        host: r.o_host!,
        refund_of_id: r.o_id,
      };
      const lines =
        r.o_status === "suspense"
          ? suspenseLines(r.amount_fen, r.o_host!, r.tax_code)
          : receiptLines(
              split,
              {
                host: r.o_host!,
                operator: r.o_operator,
                central: this.ref.central,
                is_tax: this.ref.tax(r.tax_code)!.is_tax,
              },
              r.tax_code,
              r.o_park!,
            );
      drafts.push(this.draft(r, park, "refund", split, lines, meta));
    }
    await this.write(drafts);
  }

  private noteSuspense(r: OriginalRow, reason: SuspenseItem["reason"]): void {
    if (this.result.suspense_items.length >= SUSPENSE_ITEMS_MAX) return;
    this.result.suspense_items.push({
      row: r.row_no,
      receipt_no: r.receipt_no,
      uscc: r.uscc,
      tax_code: r.tax_code,
      collected_on: r.collected_on,
      amount: formatYuan(r.amount_fen),
      reason,
    });
  }

  private draft(
    r: OriginalRow | RefundRow,
    park: Park | null,
    kind: EntryKind,
    split: ReceiptSplit,
    lines: Line[],
    meta: DraftMeta,
  ): Draft {
    const fiscal_year = this.fiscalYear(park, r.collected_on);
    return { r, park, kind, split, lines, meta, fiscal_year };
  }

  private async write(drafts: Draft[]): Promise<void> {
    if (this.problems.any || drafts.length === 0) return;
    const entryIds: bigint[] = new Array(drafts.length);
    drafts.forEach((d, i) => {
      const origin_year = yearOf(d.r.collected_on);
      const from = this.rowSource?.(d.r.row_no);
      this.journal.add(
        {
          idempotency_key: `receipt:${d.r.receipt_no}`,
          input_hash: d.r.content_hash,
          kind: d.meta.status === "suspense" && d.kind === "receipt" ? "suspense" : d.kind,
          fiscal_year: d.fiscal_year,
          origin_year,
          effective_on: d.r.collected_on,
          park: d.park?.code ?? null,
          tax_code: d.r.tax_code,
          operator: d.meta.operator,
          description: null, // the receipt row says it all
          import_id: this.import_id,
          source_row: from?.row ?? d.r.row_no,
          lines: d.lines,
          actor: from?.actor,
        },
        (id) => (entryIds[i] = id),
      );
    });
    await this.journal.flush();
    await this.receiptIds.reserve(this.trx, drafts.length, this.copy ? ID_BLOCK_AHEAD : 0);
    for (let i = 0; i < drafts.length; i++) {
      if ((i + 1) % ROWS_BETWEEN_YIELDS === 0) await yieldToIo();
      const d = drafts[i]!;
      const s = d.split;
      const receipt_id = this.receiptIds.take();
      this.onWritten?.({
        receipt_no: d.r.receipt_no,
        status: d.meta.status,
        park: d.meta.status === "suspense" ? null : (d.park?.code ?? null),
        fiscal_year: d.fiscal_year,
        amount_fen: d.r.amount_fen,
        central_fen: s.central_fen,
        local_fen: s.local_fen,
        operator_fen: s.operator_fen,
        host_fen: s.host_fen,
        entry_id: entryIds[i]!,
        row_no: d.r.row_no,
      });
      this.receiptRows.push([
        receipt_id,
        d.r.receipt_no,
        d.r.uscc,
        d.r.tax_code,
        d.r.collected_on,
        d.r.amount_fen,
        d.meta.scope,
        d.r.tax_period === "" ? null : d.r.tax_period,
        d.meta.refund_of_id,
        d.meta.status,
        d.meta.status === "suspense" ? null : (d.park?.code ?? null),
        d.meta.operator,
        d.meta.host,
        d.meta.central_bp,
        d.meta.operator_bp,
        d.meta.ratio_id,
        d.meta.agreement_id,
        s.central_fen,
        s.local_fen,
        s.operator_fen,
        s.host_fen,
        d.fiscal_year,
        entryIds[i],
        this.import_id,
        this.rowSource?.(d.r.row_no).row ?? d.r.row_no,
      ]);
      if (d.kind === "refund") this.result.refunds += 1;
      else if (d.meta.status === "suspense") this.result.suspense += 1;
      else this.result.receipts += 1;
      if (d.fiscal_year !== yearOf(d.r.collected_on)) this.result.prior_year_adjustments += 1;
    }
    await this.receiptRows.flush(this.trx);
  }

  /**
   * What the booker would otherwise ask the database for, read by the caller in one query under the
   * journal lock: the chain's head, `count` entry and receipt ids reserved from the firsts on, and
   * how much of each original is refunded already.
   */
  seed(known: Pick<FewRowsContext, "head" | "first_entry_id" | "first_receipt_id" | "reserved" | "originals">): void {
    this.journal.seed(known.head, known.first_entry_id, known.reserved);
    this.receiptIds.grant(known.first_receipt_id, known.reserved);
    for (const o of known.originals.values()) this.refunded.set(o.id, o.refunded_fen);
  }

  /** Each receipt written, with its figures, when the caller asked to hear of them. */
  onWritten: ((receipt: WrittenReceipt) => void) | null = null;

  /** Reserves the ids of every row to be booked, in two round trips for the whole file. */
  async reserve(rows: number): Promise<void> {
    await this.journal.reserve(rows);
    await this.receiptIds.reserve(this.trx, rows);
  }

  async finish(): Promise<void> {
    await this.journal.finish();
    await this.receiptRows.settle(this.trx);
  }
}

interface DraftMeta {
  scope: "gross" | "local";
  ratio_id: number | null;
  central_bp: number | null;
  agreement_id: number | null;
  operator_bp: number | null;
  status: "posted" | "suspense";
  operator: string | null;
  host: string;
  refund_of_id: bigint | null;
}

interface Draft {
  r: OriginalRow | RefundRow;
  park: Park | null;
  kind: EntryKind;
  split: ReceiptSplit;
  lines: Line[];
  meta: DraftMeta;
  fiscal_year: number;
}
