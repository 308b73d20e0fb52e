// Clears receipts held in suspense that the registry can now place (docs/domain.md#clearing-suspense).
// Each is rebooked by an adjusting entry (ledger/reclassify.ts): out of the collector's suspense, split
// to the park as booking would split it, in the year its booking would go to today (its own, or the
// first open one as a prior-year adjustment when that is closed), its refunds with it. The entry names
// the registry row that placed it (the stay version's import and row) and `receipt_reclassifications`
// records it once per receipt, so running it again finds nothing. All in the caller's transaction under
// the journal lock (`resolveHeld`), or in one of its own (`resolveSuspense`): everything or nothing.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { formatYuan, type Fen } from "../../ledger/money.js";
import { decodeLevels } from "../../ledger/kinds.js";
import { yearOf } from "../../ledger/periods.js";
import { reclassify, type HeldReceipt, type Reclassification } from "../../ledger/reclassify.js";
import { fiscalYearOf, type ClosedYears } from "../../ledger/rules.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import { JournalWriter, lockJournal } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { KIND_SQL, LEVELS_SQL } from "../repositories/resplits.js";

export interface ResolveFilter {
  uscc?: string | undefined;
  year?: number | undefined;
}

export interface ResolvedItem {
  receipt_no: string;
  uscc: string;
  collected_on: string;
  amount: string;
  park: string;
  fiscal_year: number;
  /** The registry row that placed it: the stay, its version, the file and row it came from. */
  stay: { from: string; version: number; file: string | null; row: number | null };
  refunds: number;
}

export interface ResolveSummary {
  /** Receipts (not refunds) taken out of suspense, one adjusting entry each. */
  rebooked: number;
  /** Their refunds, rebooked with them, one adjusting entry each. */
  refunds: number;
  /** Entries booked in a later year than their receipt's, which is closed. */
  prior_year_adjustments: number;
  /** Per party, what the rebooking gave it (the collector's suspense going down), in yuan. */
  net_change: Record<string, string>;
  items: ResolvedItem[];
  /** Receipts the registry places but the park's terms cannot book (no agreement in force): still held. */
  refused: { receipt_no: string; code: string; reason: string }[];
}

const PAGE_ROWS = 2000;

const HELD_COLUMNS = `r.id, r.receipt_no, r.amount_fen, r.tax_code, to_char(r.collected_on, 'YYYY-MM-DD') as collected_on,
  r.scope, r.host, r.uscc, ${KIND_SQL("r")} as kind, ${LEVELS_SQL("r")} as levels,
  coalesce(to_char(r.period_end, 'YYYY-MM-DD'), '') as period_end, r.central_fen, r.local_fen, r.operator_fen, r.host_fen`;

const NOT_RECLASSIFIED = `not exists (select 1 from receipt_reclassifications c where c.receipt_id = r.id)`;

/** The stay (current version) covering `day` for the receipt's enterprise, as a lateral subquery. */
const stayOn = (day: string) => `left join lateral (
    select s.id, s.park, s.version, to_char(s.valid_from, 'YYYY-MM-DD') as valid_from, s.import_id, s.source_row,
           (select i.file_name from imports i where i.id = s.import_id) as file_name
      from enterprise_stays s where s.uscc = r.uscc and s.valid_from <= ${day} and (s.valid_to is null or s.valid_to >= ${day})
     order by s.valid_from limit 1)`;

interface HeldRow extends HeldReceipt {
  id: bigint;
}

function heldRow(r: Record<string, unknown>): HeldRow {
  return {
    id: BigInt(r.id as string),
    receipt_no: r.receipt_no as string,
    amount_fen: BigInt(r.amount_fen as string),
    tax_code: r.tax_code as string,
    collected_on: r.collected_on as string,
    scope: r.scope as "gross" | "local",
    host: r.host as string,
    uscc: r.uscc as string,
    kind: r.kind as string,
    levels: decodeLevels(r.levels as string),
    period_end: r.period_end as string,
    split: {
      central_fen: BigInt(r.central_fen as string),
      local_fen: BigInt(r.local_fen as string),
      operator_fen: BigInt(r.operator_fen as string),
      host_fen: BigInt(r.host_fen as string),
    },
  };
}

/** Suspense receipts (not refunds) not yet rebooked whose enterprise the registry now places in a park on their day. */
export async function resolvableCount(trx: Knex.Transaction): Promise<number> {
  const { rows } = await trx.raw(`
    select count(*) as n from receipts r
     where r.status = 'suspense' and r.refund_of_id is null and ${NOT_RECLASSIFIED}
       and exists (select 1 from enterprise_stays st where st.uscc = r.uscc and st.valid_from <= r.collected_on
                     and (st.valid_to is null or st.valid_to >= r.collected_on))`);
  return Number(rows[0].n);
}

/** `resolveHeld` in a transaction of its own, under the journal lock. */
export async function resolveSuspense(db: Database, filter: ResolveFilter = {}): Promise<ResolveSummary> {
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    return resolveHeld(trx, filter);
  });
}

/**
 * Rebooks every suspense receipt (of `filter`) that the registry now places, with its refunds; the
 * caller holds the journal lock. Receipts already rebooked are not read, so a second run books nothing.
 */
export async function resolveHeld(trx: Knex.Transaction, filter: ResolveFilter = {}): Promise<ResolveSummary> {
  // the reference data, accounts and closures are read only when there is something to rebook
  let run: ResolveRun | null = null;
  let after = 0n;
  for (;;) {
    const where: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    if (filter.uscc !== undefined) {
      where.push("r.uscc = ?");
      bindings.push(filter.uscc.toUpperCase());
    }
    if (filter.year !== undefined) {
      where.push("r.fiscal_year = ?");
      bindings.push(filter.year);
    }
    const { rows } = await trx.raw(
      `select ${HELD_COLUMNS},
              st.id as stay_id, st.park as stay_park, st.version as stay_version, st.valid_from as stay_from,
              st.import_id as stay_import_id, st.source_row as stay_row, st.file_name as stay_file,
              pt.id as period_stay_id, pt.park as period_park, pt.version as period_version, pt.valid_from as period_from,
              pt.import_id as period_import_id, pt.source_row as period_row, pt.file_name as period_file,
              not ${NOT_RECLASSIFIED} as done
         from receipts r
         ${stayOn("r.collected_on")} st on true
         ${stayOn("r.period_end")} pt on true
        where r.status = 'suspense' and r.refund_of_id is null and r.id > ?
          and (${NOT_RECLASSIFIED} or exists (select 1 from receipts f where f.refund_of_id = r.id and f.status = 'suspense'
                 and not exists (select 1 from receipt_reclassifications c where c.receipt_id = f.id)))
          and (st.id is not null or pt.id is not null) ${where.map((w) => `and ${w}`).join(" ")}
        order by r.id limit ${PAGE_ROWS}`,
      [after.toString(), ...bindings],
    );
    if (rows.length === 0) break;
    run ??= new ResolveRun(trx, await ReferenceData.load(trx), await AccountBook.load(trx), await loadClosedYears(trx));
    after = BigInt(rows[rows.length - 1].id);
    const { rows: refundRows } = await trx.raw(
      `select ${HELD_COLUMNS}, r.refund_of_id, not ${NOT_RECLASSIFIED} as done from receipts r
        where r.refund_of_id = any(?::bigint[]) and r.status = 'suspense' order by r.id`,
      [rows.map((r: { id: string }) => String(r.id))],
    );
    const refunds = new Map<string, HeldRow[]>();
    const done = new Set<string>();
    for (const r of [...rows, ...refundRows]) if (r.done === true) done.add(r.receipt_no as string);
    for (const f of refundRows) {
      const list = refunds.get(String(f.refund_of_id)) ?? [];
      list.push(heldRow(f));
      refunds.set(String(f.refund_of_id), list);
    }
    for (const r of rows) run.add(r, heldRow(r), refunds.get(String(r.id)) ?? [], done);
    await run.flush();
    if (rows.length < PAGE_ROWS) break;
  }
  return run === null ? nothingRebooked() : run.finish();
}

function nothingRebooked(): ResolveSummary {
  return { rebooked: 0, refunds: 0, prior_year_adjustments: 0, net_change: {}, items: [], refused: [] };
}

interface StayRef {
  id: bigint;
  park: string;
  version: number;
  from: string;
  import_id: bigint | null;
  file: string | null;
  row: number | null;
}

function stayOf(r: Record<string, unknown>, prefix: "stay" | "period"): StayRef | null {
  const id = r[`${prefix}_id`];
  if (id === null || id === undefined) return null;
  return {
    id: BigInt(id as string),
    park: r[`${prefix === "stay" ? "stay_park" : "period_park"}`] as string,
    version: Number(r[`${prefix}_version`]),
    from: r[`${prefix}_from`] as string,
    import_id: r[`${prefix}_import_id`] === null ? null : BigInt(r[`${prefix}_import_id`] as string),
    file: (r[`${prefix}_file`] as string | null) ?? null,
    row: r[`${prefix}_row`] === null ? null : Number(r[`${prefix}_row`]),
  };
}

class ResolveRun {
  private readonly journal: JournalWriter;
  private readonly pending: {
    row: HeldRow;
    re: Reclassification;
    stay: StayRef;
    fiscal_year: number;
    entry_id: bigint;
  }[] = [];
  private readonly summary: ResolveSummary = {
    rebooked: 0,
    refunds: 0,
    prior_year_adjustments: 0,
    net_change: {},
    items: [],
    refused: [],
  };
  private readonly net = new Map<string, Fen>();

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly ref: ReferenceData,
    accounts: AccountBook,
    private readonly closed: ClosedYears,
  ) {
    this.journal = new JournalWriter(trx, accounts, { copy: false });
  }

  /** Rebooks the receipt and its refunds but those in `done`, rebooked before (a receipt's later refunds). */
  add(raw: Record<string, unknown>, original: HeldRow, refunds: readonly HeldRow[], done: ReadonlySet<string>): void {
    const onDay = stayOf(raw, "stay");
    const inPeriod = stayOf(raw, "period");
    const outcome = reclassify(
      original,
      refunds,
      { park: onDay?.park ?? null, period_park: inPeriod?.park ?? null },
      this.ref,
      done,
    );
    if (outcome.kind === "still_held") return;
    if (outcome.kind === "refused") {
      this.summary.refused.push({ receipt_no: original.receipt_no, code: outcome.code, reason: outcome.reason });
      return;
    }
    const park = outcome.rows.find((x) => x !== null)!.park;
    // the registry row that placed it: the stay of the park it went to
    const stay = (onDay?.park === park ? onDay : inPeriod)!;
    const fiscal_year = fiscalYearOf(this.ref.park(park)!, original.collected_on, this.closed);
    const rows = [original, ...refunds];
    let refundsPosted = 0;
    rows.forEach((row, i) => {
      const re = outcome.rows[i];
      if (re === null || re === undefined) return;
      this.post(row, re, stay, original.receipt_no);
      if (i > 0) refundsPosted += 1;
    });
    this.summary.refunds += refundsPosted;
    if (outcome.rows[0] === null) return;
    this.summary.rebooked += 1;
    this.summary.items.push({
      receipt_no: original.receipt_no,
      uscc: original.uscc,
      collected_on: original.collected_on,
      amount: formatYuan(original.amount_fen),
      park,
      fiscal_year,
      stay: { from: stay.from, version: stay.version, file: stay.file, row: stay.row },
      refunds: refundsPosted,
    });
  }

  private post(row: HeldRow, re: Reclassification, stay: StayRef, original_no: string): void {
    const key = `reclassify:${row.receipt_no}`;
    const fiscal_year = fiscalYearOf(this.ref.park(re.park)!, row.collected_on, this.closed);
    if (fiscal_year !== yearOf(row.collected_on)) this.summary.prior_year_adjustments += 1;
    const moved = this.tally(row, re);
    const item = { row, re, stay, fiscal_year, entry_id: 0n };
    this.pending.push(item);
    const of = row.receipt_no === original_no ? "" : ` (a refund of ${original_no})`;
    this.journal.add(
      {
        idempotency_key: key,
        input_hash: createHash("sha256")
          .update(JSON.stringify([key, stay.id.toString(), Object.values(re.split).map(String), re.terms]))
          .digest("hex"),
        kind: "adjustment",
        fiscal_year,
        origin_year: yearOf(row.collected_on),
        effective_on: row.collected_on,
        park: re.park,
        tax_code: row.tax_code,
        operator: re.terms.operator,
        description: `reclassification of ${row.receipt_no}${of} out of suspense into ${re.park}: the registry places ${row.uscc} in ${re.park} from ${stay.from} (version ${stay.version}); ${moved}`,
        import_id: stay.import_id,
        source_row: stay.row,
        lines: re.lines,
      },
      (id) => (item.entry_id = id),
    );
  }

  /** Adds what the row gives each party (central, operator, host; the collector's suspense less) and says it. */
  private tally(row: HeldRow, re: Reclassification): string {
    const moves: [string, Fen][] = [
      [this.ref.central, re.split.central_fen - row.split.central_fen],
      [re.terms.operator ?? re.host, re.terms.operator === null ? 0n : re.split.operator_fen],
      [re.host, re.split.host_fen],
    ];
    const said: string[] = [];
    for (const [party, fen] of moves) {
      if (fen === 0n) continue;
      this.net.set(party, (this.net.get(party) ?? 0n) + fen);
      said.push(`${party} ${fen > 0n ? "+" : ""}${formatYuan(fen)}`);
    }
    said.push(`suspense of ${row.host} ${formatYuan(-row.split.local_fen)}`);
    return said.join(", ");
  }

  async flush(): Promise<void> {
    await this.journal.flush();
    const records = this.pending.map(({ row, re, stay, fiscal_year, entry_id }) => ({
      receipt_id: row.id.toString(),
      entry_id: entry_id.toString(),
      stay_version_id: stay.id.toString(),
      park: re.park,
      host: re.host,
      operator: re.terms.operator,
      central_share_bp: re.terms.central_share_bp,
      operator_share_bp: re.terms.operator_share_bp,
      central_ratio_id: re.terms.central_ratio_id,
      agreement_id: re.terms.agreement_id,
      central_fen: re.split.central_fen.toString(),
      local_fen: re.split.local_fen.toString(),
      operator_fen: re.split.operator_fen.toString(),
      host_fen: re.split.host_fen.toString(),
      fiscal_year,
    }));
    this.pending.length = 0;
    for (let i = 0; i < records.length; i += 500)
      await this.trx("receipt_reclassifications").insert(records.slice(i, i + 500));
  }

  async finish(): Promise<ResolveSummary> {
    await this.flush();
    await this.journal.finish();
    for (const [party, fen] of this.net) if (fen !== 0n) this.summary.net_change[party] = formatYuan(fen);
    return this.summary;
  }
}
