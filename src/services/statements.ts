// Settlement statements (结算单) and their life (docs/domain.md#the-settlement-statements-life): the
// prefecture issues a numbered statement of an operator's park for a year, its figures frozen as the
// JSON text they were hashed from; the operator confirms it, or disputes named lines with a reason;
// the prefecture resolves a dispute (naming the adjusting entry, receipt or transfer that did, or with
// a note) or the operator withdraws it. Issuing again after the books changed supersedes the earlier
// statement; issuing again while they have not is a no-op answering the statement in force. The state
// of a statement is read from its events (ledger/statements.ts); nothing recorded is ever changed
// (migrations/024_settlement_statements.ts). `settle` closes a park's year on a confirmed statement that
// still matches the books (requireConfirmed), or on the prefecture's written reason.
//
// Who does what: the prefecture (the park's host; the command line acts as it) issues and resolves;
// the operator itself confirms, disputes and withdraws its disputes, never the prefecture on its
// behalf. An operator is answered alike for another operator's statement and for none at all.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { fieldRejection, Rejection } from "../../ledger/rejections.js";
import { isClosed } from "../../ledger/rules.js";
import {
  deriveState,
  differingLines,
  statementLines,
  statementNumber,
  type StatementEventKind,
  type StatementState,
} from "../../ledger/statements.js";
import {
  computeSettlementFigures,
  formatSettlement,
  operatorPark,
  querySettlement,
  taxOrderOf,
  type SettlementStatement,
} from "../../reports/settlement.js";
import type { Viewer } from "../../reports/viewer.js";
import type { Database } from "../db/database.js";
import { currentActor } from "../repositories/actor.js";
import { loadClosedYears } from "../repositories/closures.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { userOfToken } from "../repositories/users.js";

/** What was frozen at issue, as the text its sha256 is of. */
export interface FrozenStatement {
  number: string;
  operator: string;
  park: string;
  host: string;
  fiscal_year: number;
  issue_no: number;
  /** The statement it supersedes, or null for the first issue. */
  supersedes: string | null;
  statement: SettlementStatement;
}

/** Who recorded something: the party, the person signed in (if any), how, the token and the request. */
export interface RecordedBy {
  party: string;
  user: string | null;
  posted_by: string;
  /** The API token; left out of an operator's view (a serial shared with every party's tokens). */
  token_id?: string | null;
  request_id: string | null;
}

export interface StatementEventView {
  /** The event's place among the statement's events; a dispute is named by it (`--dispute 2`). */
  seq: number;
  kind: StatementEventKind;
  /** A dispute's lines, as the statement names them. */
  lines: string[] | null;
  /** For resolve and withdraw: the dispute it ends. */
  dispute: number | null;
  /** A dispute's reason, a resolution's note, a withdrawal's or confirmation's remark. */
  reason: string | null;
  /** A confirmation: the sha256 of the content confirmed. */
  content_sha256: string | null;
  /** A resolution: what resolved it (the entry's id is the full view's only; its hash is anyone's). */
  resolved_by: {
    entry_id: string | null;
    entry_hash: string | null;
    receipt_no: string | null;
    transfer_ref: string | null;
  } | null;
  /** A supersession: the statement that took its place. */
  superseded_by: string | null;
  recorded_by: RecordedBy;
  recorded_at: string;
}

export interface StatementView {
  number: string;
  operator: string;
  park: string;
  host: string;
  fiscal_year: number;
  issue_no: number;
  state: StatementState;
  /** The disputes open (their seq). */
  open_disputes: number[];
  supersedes: string | null;
  superseded_by: string | null;
  operator_share: string;
  transferred: string;
  balance_due: string;
  content_sha256: string;
  issued_by: RecordedBy;
  issued_at: string;
}

export interface StatementDetail extends StatementView {
  /** The frozen statement's text, exactly as hashed. */
  content: string;
  /** Whether the stored text still hashes to content_sha256. */
  hash_intact: boolean;
  /** The frozen statement (the content read). */
  statement: SettlementStatement;
  /** Whether the books still say what it says; the lines where they differ. */
  matches_books: boolean;
  differing_lines: string[];
  events: StatementEventView[];
}

interface StatementRow {
  id: string;
  number: string;
  operator: string;
  park: string;
  host: string;
  fiscal_year: number;
  issue_no: number;
  content: string;
  content_sha256: string;
  supersedes_id: string | null;
  party: string;
  user_name: string | null;
  token_id: string | null;
  request_id: string | null;
  posted_by: string;
  issued_at: string | Date;
}

interface EventRow {
  id: string;
  statement_id: string;
  seq: number;
  kind: StatementEventKind;
  lines: string[] | null;
  dispute_seq: number | null;
  reason: string | null;
  content_sha256: string | null;
  resolved_by_entry_id: string | null;
  resolved_by_transfer: string | null;
  resolved_by_receipt: string | null;
  superseded_by_id: string | null;
  party: string;
  user_name: string | null;
  token_id: string | null;
  request_id: string | null;
  posted_by: string;
  recorded_at: string | Date;
  entry_hash?: string | null;
  superseded_by_number?: string | null;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The park's statement of the year as the books say it now (closed or open, as it is). */
async function booksStatement(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  operator: string,
  park: string,
): Promise<SettlementStatement> {
  const rows = await querySettlement(knex, ref, year, operator, park);
  return formatSettlement(ref, rows, computeSettlementFigures(rows, taxOrderOf(ref)));
}

/** Who is recording: the request's party (or on the command line none: the prefecture), the person, the token. */
async function recorder(knex: Knex | Knex.Transaction, host: string) {
  const actor = currentActor();
  const user = actor.token_id === null ? null : await userOfToken(knex, actor.token_id);
  return {
    party: actor.party ?? host,
    acting_party: actor.party,
    user_name: user,
    token_id: actor.token_id === null ? null : actor.token_id.toString(),
    request_id: actor.request_id,
    posted_by: actor.posted_by,
  };
}

const UNKNOWN = (number: string) =>
  fieldRejection(
    "number",
    "statement_unknown",
    `no settlement statement ${number} is recorded (report statements lists them)`,
  );

/** The statement numbered `number`, as the caller may see it: another operator's is as unknown as none. */
async function statementFor(
  knex: Knex | Knex.Transaction,
  number: string,
  operator: string | null,
): Promise<StatementRow> {
  const row = (await knex("settlement_statements").where({ number }).first()) as StatementRow | undefined;
  if (row === undefined || (operator !== null && row.operator !== operator)) throw UNKNOWN(number);
  return row;
}

async function eventsOf(knex: Knex | Knex.Transaction, statementId: string): Promise<EventRow[]> {
  const { rows } = await knex.raw(
    `select v.*, e.entry_hash, s.number as superseded_by_number
       from settlement_statement_events v
       left join journal_entries e on e.id = v.resolved_by_entry_id
       left join settlement_statements s on s.id = v.superseded_by_id
      where v.statement_id = ? order by v.seq`,
    [statementId],
  );
  return (rows as EventRow[]).map((r) => ({ ...r, seq: Number(r.seq), dispute_seq: r.dispute_seq ?? null }));
}

const stateOf = (events: readonly EventRow[]) =>
  deriveState(
    events.map((e) => ({
      seq: e.seq,
      kind: e.kind,
      dispute_seq: e.dispute_seq === null ? null : Number(e.dispute_seq),
    })),
  );

function frozenOf(row: StatementRow): FrozenStatement {
  return JSON.parse(row.content) as FrozenStatement;
}

// ---------------------------------------------------------------------------------------------- issue

export async function issueStatement(
  db: Database,
  input: { operator: string; park?: string | undefined; year: number },
  today = new Date(),
): Promise<{ replayed: boolean; statement: StatementView }> {
  if (input.year > today.getUTCFullYear())
    throw fieldRejection("year", "year_not_begun", `${input.year} has not begun; a statement is of a year that has`);
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx); // the figures frozen are the books as they stand, nothing booked meanwhile
    const ref = await ReferenceData.load(trx);
    const park = operatorPark(ref, input.operator, input.park);
    if (isClosed(await loadClosedYears(trx), park, input.year))
      throw new Rejection(
        "year_closed",
        `${input.year} is settled and closed with ${park.operator} for ${park.code}: its statement is the closure's (report settlement)`,
      );
    const books = await booksStatement(trx, ref, input.year, park.operator, park.code);
    const previous = (await trx("settlement_statements")
      .where({ operator: park.operator, park: park.code, fiscal_year: input.year })
      .orderBy("issue_no", "desc")
      .first()) as StatementRow | undefined;
    // an act of the operator on the statement in force waits, or is waited for: events are numbered in turn
    if (previous !== undefined)
      await trx.raw("select id from settlement_statements where id = ? for update", [previous.id]);
    if (previous !== undefined && differingLines(frozenOf(previous).statement, books).length === 0) {
      // the books say what the statement in force says: issuing it again is the same statement
      return { replayed: true, statement: await viewOf(trx, previous, await eventsOf(trx, previous.id), true) };
    }
    const issue_no = (previous?.issue_no ?? 0) + 1;
    const number = statementNumber(input.year, park.operator, park.code, issue_no);
    const frozen: FrozenStatement = {
      number,
      operator: park.operator,
      park: park.code,
      host: park.host,
      fiscal_year: input.year,
      issue_no,
      supersedes: previous?.number ?? null,
      statement: books,
    };
    const content = JSON.stringify(frozen);
    const who = await recorder(trx, park.host);
    const [row] = (await trx("settlement_statements")
      .insert({
        number,
        operator: park.operator,
        park: park.code,
        host: park.host,
        fiscal_year: input.year,
        issue_no,
        content,
        content_sha256: sha256(content),
        supersedes_id: previous?.id ?? null,
        party: who.party,
        user_name: who.user_name,
        token_id: who.token_id,
        request_id: who.request_id,
        posted_by: who.posted_by,
      })
      .returning("*")) as StatementRow[];
    if (previous !== undefined) {
      await addEvent(
        trx,
        previous.id,
        {
          kind: "supersede",
          reason: `the books changed since it was issued; re-issued as ${number}`,
          superseded_by_id: row!.id,
        },
        who,
      );
    }
    return { replayed: false, statement: await viewOf(trx, row!, [], true) };
  });
}

async function addEvent(
  trx: Knex.Transaction,
  statementId: string,
  event: {
    kind: StatementEventKind;
    lines?: string[];
    dispute_seq?: number;
    reason?: string | null;
    content_sha256?: string;
    resolved_by_entry_id?: string | null;
    resolved_by_transfer?: string | null;
    resolved_by_receipt?: string | null;
    superseded_by_id?: string;
  },
  who: Awaited<ReturnType<typeof recorder>>,
): Promise<void> {
  const { rows } = await trx.raw(
    "select coalesce(max(seq), 0) + 1 as next from settlement_statement_events where statement_id = ?",
    [statementId],
  );
  await trx("settlement_statement_events").insert({
    statement_id: statementId,
    seq: Number(rows[0].next),
    kind: event.kind,
    lines: event.lines ?? null,
    dispute_seq: event.dispute_seq ?? null,
    reason: event.reason ?? null,
    content_sha256: event.content_sha256 ?? null,
    resolved_by_entry_id: event.resolved_by_entry_id ?? null,
    resolved_by_transfer: event.resolved_by_transfer ?? null,
    resolved_by_receipt: event.resolved_by_receipt ?? null,
    superseded_by_id: event.superseded_by_id ?? null,
    party: who.party,
    user_name: who.user_name,
    token_id: who.token_id,
    request_id: who.request_id,
    posted_by: who.posted_by,
  });
}

// ------------------------------------------------------------------------------ the operator's acts

/**
 * A statement the operator acts on: its own, named by number. The command line holds no party: it
 * acts as the prefecture, which may not act for the operator (give the operator's token, --token).
 */
async function operatorsStatement(
  trx: Knex.Transaction,
  number: string,
  act: string,
): Promise<{ row: StatementRow; events: EventRow[] }> {
  const party = currentActor().party;
  const row = await statementFor(trx, number, party);
  if (party !== row.operator)
    throw new Rejection(
      "statement_operator_only",
      `only ${row.operator} itself ${act} its statement ${number}; the prefecture may not do it on its behalf (on the command line, give ${row.operator}'s API token: --token or PARKLEDGER_TOKEN)`,
    );
  // one act at a time on a statement: the seq of its events is counted from what is recorded
  await trx.raw("select id from settlement_statements where id = ? for update", [row.id]);
  return { row, events: await eventsOf(trx, row.id) };
}

function refuseSuperseded(row: StatementRow, events: readonly EventRow[]): void {
  const s = events.find((e) => e.kind === "supersede");
  if (s !== undefined)
    throw new Rejection(
      "statement_superseded",
      `${row.number} is superseded by ${s.superseded_by_number ?? "a later issue"}: act on that one`,
    );
}

export async function confirmStatement(
  db: Database,
  input: { number: string; remark?: string | undefined },
): Promise<{ replayed: boolean; statement: StatementDetail }> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx); // what is confirmed is the books as they stand
    const { row, events } = await operatorsStatement(trx, input.number, "confirms");
    const state = stateOf(events);
    if (state.confirmed && state.state === "confirmed")
      return { replayed: true, statement: await detailOf(trx, row, false) };
    refuseSuperseded(row, events);
    if (state.open_disputes.length > 0)
      throw new Rejection(
        "statement_disputed",
        `${row.number} has disputes open (${state.open_disputes.join(", ")}): they are resolved by the prefecture or withdrawn by ${row.operator} before it is confirmed`,
        { open_disputes: state.open_disputes },
      );
    const ref = await ReferenceData.load(trx);
    const books = await booksStatement(trx, ref, row.fiscal_year, row.operator, row.park);
    const differs = differingLines(frozenOf(row).statement, books);
    if (differs.length > 0)
      throw new Rejection(
        "statement_stale",
        `the books no longer say what ${row.number} says (${differs.slice(0, 12).join(", ")}${differs.length > 12 ? ", …" : ""}): the prefecture issues it again (statement issue), and that one is confirmed`,
        { differing_lines: differs },
      );
    const who = await recorder(trx, row.host);
    await addEvent(
      trx,
      row.id,
      { kind: "confirm", content_sha256: row.content_sha256, reason: input.remark ?? null },
      who,
    );
    return { replayed: false, statement: await detailOf(trx, row, false) };
  });
}

export async function disputeStatement(
  db: Database,
  input: { number: string; line: string[]; reason: string },
): Promise<StatementDetail> {
  return db.knex.transaction(async (trx) => {
    const { row, events } = await operatorsStatement(trx, input.number, "disputes");
    refuseSuperseded(row, events);
    if (stateOf(events).confirmed)
      throw new Rejection(
        "statement_confirmed",
        `${row.number} is confirmed; a difference found since is settled by an adjusting entry and a new issue`,
      );
    const names = statementLines(frozenOf(row).statement);
    const lines = [...new Set(input.line)];
    const unknown = lines.filter((l) => !names.has(l));
    if (unknown.length > 0 || lines.length === 0)
      throw fieldRejection(
        "line",
        "statement_line_unknown",
        `${unknown.join(", ") || "(none)"}: not a line of ${row.number}; its lines are ${[...names.keys()].join(", ")}`,
      );
    await addEvent(trx, row.id, { kind: "dispute", lines, reason: input.reason }, await recorder(trx, row.host));
    return detailOf(trx, row, false);
  });
}

/** The open dispute `seq` of a statement, refused when it is none or ended. */
function openDispute(row: StatementRow, events: readonly EventRow[], seq: number): EventRow {
  const dispute = events.find((e) => e.seq === seq && e.kind === "dispute");
  if (dispute === undefined)
    throw fieldRejection(
      "dispute",
      "statement_dispute_unknown",
      `${row.number} has no dispute ${seq} (report statement --number ${row.number} lists its events)`,
    );
  const ended = events.find((e) => e.dispute_seq !== null && Number(e.dispute_seq) === seq);
  if (ended !== undefined)
    throw fieldRejection(
      "dispute",
      "statement_dispute_closed",
      `dispute ${seq} of ${row.number} was ${ended.kind === "resolve" ? "resolved" : "withdrawn"} at ${new Date(ended.recorded_at).toISOString()}`,
    );
  return dispute;
}

export async function withdrawDispute(
  db: Database,
  input: { number: string; dispute: number; remark?: string | undefined },
): Promise<StatementDetail> {
  return db.knex.transaction(async (trx) => {
    const { row, events } = await operatorsStatement(trx, input.number, "withdraws a dispute of");
    openDispute(row, events, input.dispute);
    await addEvent(
      trx,
      row.id,
      { kind: "withdraw", dispute_seq: input.dispute, reason: input.remark ?? null },
      await recorder(trx, row.host),
    );
    return detailOf(trx, row, false);
  });
}

// ----------------------------------------------------------------------------- the prefecture's acts

export async function resolveDispute(
  db: Database,
  input: {
    number: string;
    dispute: number;
    note: string;
    entry?: string | undefined;
    receipt?: string | undefined;
    transfer?: string | undefined;
  },
): Promise<StatementDetail> {
  return db.knex.transaction(async (trx) => {
    const party = currentActor().party;
    const row = await statementFor(trx, input.number, null);
    // the prefecture hosting the park resolves (the command line acts as it); an operator never
    if (party !== null && party !== row.host) {
      if (party === row.operator)
        throw new Rejection(
          "statement_host_only",
          `a dispute is resolved by ${row.host}, which made the statement; ${row.operator} withdraws its own instead (statement withdraw)`,
        );
      throw UNKNOWN(input.number);
    }
    await trx.raw("select id from settlement_statements where id = ? for update", [row.id]);
    const events = await eventsOf(trx, row.id);
    openDispute(row, events, input.dispute);
    let entryId: string | null = null;
    if (input.entry !== undefined) {
      if (!/^\d{1,18}$/.test(input.entry))
        throw fieldRejection("entry", "statement_resolution_unknown", `${input.entry} is not a journal entry id`);
      const e = await trx("journal_entries").select("id", "park").where("id", input.entry).first();
      if (e === undefined || e.park !== row.park)
        throw fieldRejection(
          "entry",
          "statement_resolution_unknown",
          `no journal entry ${input.entry} of park ${row.park} is recorded`,
        );
      entryId = String(e.id);
    }
    if (input.receipt !== undefined) {
      // a receipt rebooked out of suspense is its park's by the entry that rebooked it (reclassify:)
      const r = await trx("receipts as r")
        .leftJoin("receipt_reclassifications as c", "c.receipt_id", "r.id")
        .select(
          "r.receipt_no",
          trx.raw("coalesce(c.park, r.park) as park"),
          trx.raw("coalesce(c.entry_id, r.entry_id) as entry_id"),
        )
        .where("r.receipt_no", input.receipt)
        .first();
      if (r === undefined || r.park !== row.park)
        throw fieldRejection(
          "receipt",
          "statement_resolution_unknown",
          `no receipt ${input.receipt} of park ${row.park} is recorded`,
        );
      entryId ??= String(r.entry_id);
    }
    if (input.transfer !== undefined) {
      const t = await trx("transfers as t")
        .join("journal_entries as e", "e.id", "t.entry_id")
        .select("t.ref", "t.operator", trx.raw("coalesce(t.park, e.park) as park"))
        .where("t.ref", input.transfer)
        .first();
      if (t === undefined || t.operator !== row.operator || t.park !== row.park)
        throw fieldRejection(
          "transfer",
          "statement_resolution_unknown",
          `no transfer ${input.transfer} to ${row.operator} for ${row.park} is recorded`,
        );
    }
    await addEvent(
      trx,
      row.id,
      {
        kind: "resolve",
        dispute_seq: input.dispute,
        reason: input.note,
        resolved_by_entry_id: entryId,
        resolved_by_receipt: input.receipt ?? null,
        resolved_by_transfer: input.transfer ?? null,
      },
      await recorder(trx, row.host),
    );
    return detailOf(trx, row, true);
  });
}

// -------------------------------------------------------------------------------------------- reads

function recordedBy(
  r: { party: string; user_name: string | null; posted_by: string; token_id: string | null; request_id: string | null },
  full: boolean,
): RecordedBy {
  return {
    party: r.party,
    user: r.user_name ?? null,
    posted_by: r.posted_by,
    ...(full ? { token_id: r.token_id === null ? null : String(r.token_id) } : {}),
    request_id: r.request_id ?? null,
  };
}

async function viewOf(
  knex: Knex | Knex.Transaction,
  row: StatementRow,
  events: readonly EventRow[],
  full: boolean,
): Promise<StatementView> {
  const frozen = frozenOf(row);
  const state = stateOf(events);
  const supersede = events.find((e) => e.kind === "supersede");
  void knex;
  return {
    number: row.number,
    operator: row.operator,
    park: row.park,
    host: row.host,
    fiscal_year: Number(row.fiscal_year),
    issue_no: Number(row.issue_no),
    state: state.state,
    open_disputes: state.open_disputes,
    supersedes: frozen.supersedes,
    superseded_by: supersede?.superseded_by_number ?? null,
    operator_share: frozen.statement.totals.operator_share,
    transferred: frozen.statement.totals.transferred,
    balance_due: frozen.statement.totals.balance_due,
    content_sha256: row.content_sha256,
    issued_by: recordedBy(row, full),
    issued_at: new Date(row.issued_at).toISOString(),
  };
}

function eventView(e: EventRow, full: boolean): StatementEventView {
  const resolved =
    e.kind === "resolve" &&
    (e.resolved_by_entry_id !== null || e.resolved_by_receipt !== null || e.resolved_by_transfer !== null);
  return {
    seq: e.seq,
    kind: e.kind,
    lines: e.lines ?? null,
    dispute: e.dispute_seq === null ? null : Number(e.dispute_seq),
    reason: e.reason ?? null,
    content_sha256: e.content_sha256 ?? null,
    resolved_by: resolved
      ? {
          entry_id: full && e.resolved_by_entry_id !== null ? String(e.resolved_by_entry_id) : null,
          entry_hash: e.entry_hash ?? null,
          receipt_no: e.resolved_by_receipt ?? null,
          transfer_ref: e.resolved_by_transfer ?? null,
        }
      : null,
    superseded_by: e.superseded_by_number ?? null,
    recorded_by: recordedBy(e, full),
    recorded_at: new Date(e.recorded_at).toISOString(),
  };
}

async function detailOf(knex: Knex | Knex.Transaction, row: StatementRow, full: boolean): Promise<StatementDetail> {
  const events = await eventsOf(knex, row.id);
  const ref = await ReferenceData.load(knex);
  const frozen = frozenOf(row);
  const books = await booksStatement(knex, ref, row.fiscal_year, row.operator, row.park);
  const differs = differingLines(frozen.statement, books);
  return {
    ...(await viewOf(knex, row, events, full)),
    content: row.content,
    hash_intact: sha256(row.content) === row.content_sha256,
    statement: frozen.statement,
    matches_books: differs.length === 0,
    differing_lines: differs,
    events: events.map((e) => eventView(e, full)),
  };
}

/** One statement as the viewer may see it: its frozen content, hash, events, and whether the books still agree. */
export async function statementDetail(knex: Knex, viewer: Viewer, number: string): Promise<StatementDetail> {
  const row = await statementFor(knex, number, viewer.kind === "operator" ? viewer.operator : null);
  return detailOf(knex, row, viewer.kind === "full");
}

/** The statements recorded, newest first, each with its state; an operator's own only. */
export async function listStatements(
  knex: Knex,
  viewer: Viewer,
  filter: { year?: number | undefined; operator?: string | undefined; park?: string | undefined },
): Promise<StatementView[]> {
  let q = knex("settlement_statements").select("*");
  if (viewer.kind === "operator") q = q.where("operator", viewer.operator);
  if (filter.operator !== undefined) q = q.where("operator", filter.operator);
  if (filter.year !== undefined) q = q.where("fiscal_year", filter.year);
  if (filter.park !== undefined) q = q.where("park", filter.park);
  const rows = (await q.orderBy([
    { column: "fiscal_year", order: "desc" },
    { column: "operator" },
    { column: "park" },
    { column: "issue_no", order: "desc" },
  ])) as StatementRow[];
  const out: StatementView[] = [];
  for (const row of rows) out.push(await viewOf(knex, row, await eventsOf(knex, row.id), viewer.kind === "full"));
  return out;
}

// ----------------------------------------------------------------------------------------- settling

/** Why a park's year may not be settled yet, or null when its statement in force is confirmed and current. */
export interface StatementProblem {
  park: string;
  /** The statement in force (the latest issue), or null when none is issued. */
  number: string | null;
  state: StatementState | null;
  reason: string;
}

/**
 * The confirmed statement a park's year is settled on: the latest issue for the operator, park and
 * year, confirmed, no dispute open, and saying what `books` (the statement settle posts) says.
 */
export async function requireConfirmed(
  trx: Knex.Transaction,
  operator: string,
  park: string,
  year: number,
  books: SettlementStatement,
): Promise<{ statement_id: string; number: string } | StatementProblem> {
  const row = (await trx("settlement_statements")
    .where({ operator, park, fiscal_year: year })
    .orderBy("issue_no", "desc")
    .first()) as StatementRow | undefined;
  if (row === undefined)
    return {
      park,
      number: null,
      state: null,
      reason: `no statement of ${year} is issued for ${park} (statement issue --operator ${operator} --park ${park} --year ${year})`,
    };
  const state = stateOf(await eventsOf(trx, row.id));
  if (state.state !== "confirmed")
    return {
      park,
      number: row.number,
      state: state.state,
      reason:
        state.state === "disputed"
          ? `${row.number} has disputes open (${state.open_disputes.join(", ")})`
          : `${row.number} is not confirmed by ${operator}`,
    };
  const differs = differingLines(frozenOf(row).statement, books);
  if (differs.length > 0)
    return {
      park,
      number: row.number,
      state: state.state,
      reason: `${row.number} was confirmed, but the books have changed since (${differs.slice(0, 8).join(", ")}): issue it again and have it confirmed`,
    };
  return { statement_id: row.id, number: row.number };
}
