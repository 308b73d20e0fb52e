// Re-splits what was booked when a new agreement or central–local ratio version reaches back over it
// (docs/decisions/0009-resplits-by-adjusting-entries.md). Each receipt whose terms in force change gets
// one adjusting entry holding the difference (ledger/resplit.ts), in the year its own booking would go
// to today: its year, or the first open one as a prior-year adjustment when that year is closed; its
// refunds are re-split with it. Receipts are read a page at a time in id order and written in batches,
// all in the caller's transaction under the journal lock, so a version re-splits everything or nothing.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { formatYuan, type Fen } from "../../ledger/money.js";
import { yearOf } from "../../ledger/periods.js";
import { formatBpAsPercent } from "../../ledger/ratio.js";
import { resplitWithRefunds, termsInForce, type Resplit } from "../../ledger/resplit.js";
import { fiscalYearOf, type ClosedYears } from "../../ledger/rules.js";
import type { RowBuffer } from "../db/bulk.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import { JournalWriter } from "../repositories/journal.js";
import type { Agreement, CentralRatio, RatioException, ReferenceData } from "../repositories/reference.js";
import { resolveHeld } from "./suspense.js";
import {
  resplitRow,
  resplitRows,
  standingReceipts,
  standingRefunds,
  type ResplitCause,
  type ResplitScope,
  type StandingRow,
} from "../repositories/resplits.js";

/** A version that may reach back: which receipts it governs, from when until when, and how entries name it. */
export interface ResplitVersion {
  cause: ResplitCause;
  scope: ResplitScope;
  from: string;
  /** The next version's first day (null: none), before which this one is in force. */
  until: string | null;
  /** How the adjusting entries name the version, e.g. `the agreement of BZ from 2025-01-01 (bingtuan 70.00%)`. */
  label: string;
}

/** What a version re-split: receipts and refunds given an adjusting entry each, and the net change per party. */
export interface ResplitSummary {
  /** Receipts re-split, refunds included; one adjusting entry each. */
  receipts: number;
  refunds: number;
  /** Adjusting entries booked in a later year than their receipt's, which is closed. */
  prior_year_adjustments: number;
  /** Per party, what the re-split moved to it (negative: from it), in yuan; adds up to zero. */
  net_change: Record<string, string>;
}

/** Receipts (with their refunds) read and re-split at a time. */
const PAGE_ROWS = 5000;

/** The version of a park's agreement as a re-split names and bounds it. */
export function agreementVersion(ref: ReferenceData, a: Agreement): ResplitVersion {
  const park = ref.park(a.park)!;
  return {
    cause: { kind: "agreement", id: a.id },
    scope: { park: park.code },
    from: a.effective_from,
    until: ref.agreements(park.code).find((v) => v.effective_from > a.effective_from)?.effective_from ?? null,
    label: `the agreement of ${park.code} from ${a.effective_from} (${park.operator} ${formatBpAsPercent(a.operator_share_bp)}%)`,
  };
}

/** The version of a tax's central share as a re-split names and bounds it. */
export function ratioVersion(ref: ReferenceData, r: CentralRatio): ResplitVersion {
  return {
    cause: { kind: "ratio", id: r.id },
    scope: { tax_code: r.tax_code },
    from: r.effective_from,
    until: ref.centralRatios(r.tax_code).find((v) => v.effective_from > r.effective_from)?.effective_from ?? null,
    label: `the central share of ${r.tax_code} from ${r.effective_from} (${formatBpAsPercent(r.central_share_bp)}%)`,
  };
}

/** The version of an enterprise's exception to a tax's central share as a re-split names and bounds it. */
export function exceptionVersion(ref: ReferenceData, x: RatioException): ResplitVersion {
  return {
    cause: { kind: "exception", id: x.id },
    scope: { uscc: x.uscc, tax_code: x.tax_code },
    from: x.effective_from,
    until:
      ref.exceptions.find((v) => v.uscc === x.uscc && v.tax_code === x.tax_code && v.effective_from > x.effective_from)
        ?.effective_from ?? null,
    label: `the exception of ${x.uscc} for ${x.tax_code} from ${x.effective_from} (central ${formatBpAsPercent(x.central_share_bp)}%)`,
  };
}

/**
 * Re-splits every posted receipt `version` governs whose split under the terms in force differs from
 * the split it has, with its refunds; receipts already re-split by it have nothing left to differ, so
 * running it again posts nothing. The caller holds the journal lock; `ref` includes the version.
 */
export async function resplitBooked(
  trx: Knex.Transaction,
  ref: ReferenceData,
  version: ResplitVersion,
  options: { page_rows?: number } = {},
): Promise<ResplitSummary> {
  const page_rows = options.page_rows ?? PAGE_ROWS;
  await rebookHeldRefunds(trx);
  const run = new ResplitRun(trx, ref, version, await AccountBook.load(trx), await loadClosedYears(trx));
  let after = 0n;
  for (;;) {
    const originals = await standingReceipts(trx, version.scope, version, after, page_rows);
    if (originals.length === 0) break;
    after = originals[originals.length - 1]!.id;
    const refunds = byOriginal(
      await standingRefunds(
        trx,
        originals.map((o) => o.id),
      ),
    );
    for (const original of originals) run.add(original, refunds.get(original.id) ?? []);
    await run.flush();
    if (originals.length < page_rows) break;
  }
  return run.finish();
}

/**
 * Refunds still held in suspense whose original was rebooked out of it (booked before a rebooked
 * receipt's later refunds followed it to its park) are rebooked first, with `suspense resolve`'s rules,
 * so that the re-split reads the original and every refund of it in the park. Read from the (small)
 * reclassifications, through the index of refunds by original.
 */
async function rebookHeldRefunds(trx: Knex.Transaction): Promise<void> {
  const { rows } = await trx.raw(
    `select distinct o.uscc from receipt_reclassifications c join receipts o on o.id = c.receipt_id
       join receipts f on f.refund_of_id = o.id
      where f.status = 'suspense' and not exists (select 1 from receipt_reclassifications d where d.receipt_id = f.id)`,
  );
  for (const r of rows as { uscc: string }[]) await resolveHeld(trx, { uscc: r.uscc });
}

function byOriginal(refunds: readonly StandingRow[]): Map<bigint, StandingRow[]> {
  const by = new Map<bigint, StandingRow[]>();
  for (const r of refunds) {
    const list = by.get(r.refund_of_id!);
    if (list === undefined) by.set(r.refund_of_id!, [r]);
    else list.push(r);
  }
  return by;
}

/** One version's re-split under way: entries queued in the journal writer, re-split rows beside them, the tally. */
class ResplitRun {
  private readonly journal: JournalWriter;
  private readonly rows: RowBuffer = resplitRows();
  /** Re-splits whose entry id is assigned at the next flush. */
  private readonly pending: { receipt: StandingRow; resplit: Resplit; entry_id: bigint }[] = [];
  private readonly summary = { receipts: 0, refunds: 0, prior_year_adjustments: 0 };
  private readonly net = new Map<string, Fen>();

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly ref: ReferenceData,
    private readonly version: ResplitVersion,
    accounts: AccountBook,
    private readonly closed: ClosedYears,
  ) {
    this.journal = new JournalWriter(trx, accounts, { copy: false });
  }

  /** Re-splits a receipt and its refunds (in booking order) under the terms now in force for it. */
  add(original: StandingRow, refunds: readonly StandingRow[]): void {
    const books = { central: this.ref.central, is_tax: this.ref.tax(original.tax_code)!.is_tax };
    const done = resplitWithRefunds(original, refunds, termsInForce(original, this.ref), books, this.ref);
    [original, ...refunds].forEach((receipt, i) => {
      const resplit = done[i];
      if (resplit !== null && resplit !== undefined) this.post(receipt, resplit);
    });
  }

  private post(r: StandingRow, resplit: Resplit): void {
    const { cause } = this.version;
    const key = `resplit:${r.receipt_no}:${cause.kind}:${cause.id}`;
    const fiscal_year = fiscalYearOf(this.ref.park(r.park)!, r.collected_on, this.closed);
    const moved = this.tally(r, resplit, fiscal_year);
    const item = { receipt: r, resplit, entry_id: 0n };
    this.pending.push(item);
    this.journal.add(
      {
        idempotency_key: key,
        input_hash: createHash("sha256")
          .update(JSON.stringify([key, Object.values(resplit.delta).map(String), resplit.terms]))
          .digest("hex"),
        kind: "adjustment",
        fiscal_year,
        origin_year: yearOf(r.collected_on),
        effective_on: r.collected_on,
        park: r.park,
        tax_code: r.tax_code,
        operator: resplit.terms.operator ?? r.terms.operator,
        description: `re-split of ${r.receipt_no} by ${this.version.label}: ${moved}`,
        import_id: null,
        source_row: null,
        lines: resplit.lines,
      },
      (id) => (item.entry_id = id),
    );
  }

  /** Counts the re-split and adds what it moves to each party; says what it moved, party by party. */
  private tally(r: StandingRow, resplit: Resplit, fiscal_year: number): string {
    this.summary.receipts += 1;
    if (r.refund_of_id !== null) this.summary.refunds += 1;
    if (fiscal_year !== yearOf(r.collected_on)) this.summary.prior_year_adjustments += 1;
    const { delta } = resplit;
    const moves: [string, Fen][] = [
      [this.ref.central, delta.central_fen],
      [resplit.terms.operator ?? r.terms.operator ?? r.host, delta.operator_fen],
      [r.host, delta.host_fen],
    ];
    const said: string[] = [];
    for (const [party, fen] of moves) {
      if (fen === 0n) continue;
      this.net.set(party, (this.net.get(party) ?? 0n) + fen);
      said.push(`${party} ${fen > 0n ? "+" : ""}${formatYuan(fen)}`);
    }
    return said.length > 0 ? said.join(", ") : "the host's revenue changes kind";
  }

  /** Writes the entries queued so far and their re-split rows. */
  async flush(): Promise<void> {
    await this.journal.flush();
    for (const { receipt, resplit, entry_id } of this.pending)
      this.rows.push(resplitRow(receipt.id, entry_id, this.version.cause, resplit.terms, resplit.delta));
    this.pending.length = 0;
    await this.rows.flush(this.trx);
  }

  async finish(): Promise<ResplitSummary> {
    await this.flush();
    await this.journal.finish();
    await this.rows.settle(this.trx);
    const net_change: Record<string, string> = {};
    for (const [party, fen] of this.net) if (fen !== 0n) net_change[party] = formatYuan(fen);
    return { ...this.summary, net_change };
  }
}
