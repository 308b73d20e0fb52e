// Checks that the books are whole: every entry has lines and balances in each jurisdiction's books,
// the running balances equal the sum of the lines, the sums by budget item equal what the receipts,
// their reclassifications and re-splits add up to, every receipt and land revenue record points at an
// entry that books its amount, and every re-split's adjusting entry moves what the re-split records. Exit 0 only when all hold; each finding names what is wrong.

import type { Knex } from "knex";
import type { Database } from "../db/database.js";
import { toCount } from "../db/database.js";
import { formatQuantity } from "../../ledger/indicators.js";
import type { IndicatorAmounts } from "../../ledger/posting.js";
import { bookedAttribution, expectedAttribution, recordedReports, reportsInForce } from "../repositories/indicators.js";
import { landRevenueMisbooked } from "../repositories/land.js";
import { paymentsMisbooked, settledDebts } from "../repositories/payments.js";
import { outstandingOf } from "../../ledger/payments.js";
import { receiptsMisbooked, receiptsWithoutEntry } from "../repositories/receipts.js";
import { ReferenceData } from "../repositories/reference.js";
import { reclassificationsMisbooked } from "../repositories/reclassifications.js";
import { resplitsMisbooked } from "../repositories/resplits.js";
import { ENTRY_MONTH_SQL } from "../repositories/journal.js";
import { budgetItemSumsDrift, type BudgetItemSums } from "../repositories/budget-item-sums.js";
import { journalPass, type ChainResult } from "./verify-chain.js";

export interface VerifyFinding {
  check: string;
  detail: string;
}

export interface VerifyResult {
  intact: boolean;
  entries: number;
  lines: number;
  receipts: number;
  /** The hash chain: how many entries were checked, and the hash it ends on (for an auditor to note). */
  chain: ChainResult;
  findings: VerifyFinding[];
}

const FINDINGS_MAX = 20;

/** An entry's hash noted earlier (from a previous verify's `head_id` and `head_hash`). */
export interface Anchor {
  id: string;
  hash: string;
}

export function parseAnchor(text: string): Anchor | null {
  const match = /^(\d{1,19}):([0-9a-f]{64})$/.exec(text.trim());
  return match === null ? null : { id: match[1]!, hash: match[2]! };
}

/**
 * One verify at a time in a process: each holds two connections of the pool at once on PostgreSQL (the
 * second taken while the first is held), so as many verifies at once as the pool has connections would
 * each wait for a second that none gives back. Nothing is gained by running two: each is a pass over
 * the whole journal.
 */
let verifying: Promise<unknown> = Promise.resolve();

export async function verifyLedger(db: Database, anchors: readonly Anchor[] = []): Promise<VerifyResult> {
  const turn = verifying.then(() => verifyOnce(db, anchors));
  verifying = turn.catch(() => {});
  return turn;
}

async function verifyOnce(db: Database, anchors: readonly Anchor[]): Promise<VerifyResult> {
  // fresh statistics first: right after a large import the planner would otherwise loop row by row
  await analyzeStale(db.knex);
  // every check reads the same snapshot, so writers posting meanwhile cannot make the counts, the
  // balances and the chain disagree with each other
  return db.knex.transaction(async (trx) => {
    await trx.raw("set transaction isolation level repeatable read, read only");
    if (db.dialect !== "postgres") return verifyIn(trx, trx, anchors);
    // PostgreSQL: the hash chain and the balances are checked on a second connection reading the same
    // snapshot, beside the other checks (each is one pass over the journal; the machine has cores)
    const { rows } = await trx.raw("select pg_export_snapshot() as snapshot");
    const snapshot = String(rows[0].snapshot);
    if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot name ${snapshot}`);
    return db.knex.transaction(async (beside) => {
      await beside.raw("set transaction isolation level repeatable read, read only");
      await beside.raw(`set transaction snapshot '${snapshot}'`);
      return verifyIn(trx, beside, anchors);
    });
  });
}

const ANALYZED = ["receipts", "journal_entries", "journal_lines", "balances", "receipt_resplits"];

/**
 * Analyzes the tables the checks read whose statistics are missing or stale (a tenth of their rows
 * changed since): a large import leaves them so; an analyze of a million entries costs seconds when
 * nothing changed.
 */
async function analyzeStale(knex: Knex): Promise<void> {
  const { rows } = await knex.raw(
    `select relname from pg_stat_user_tables
      where schemaname = current_schema() and relname = any(?::text[])
        and ((last_analyze is null and last_autoanalyze is null) or n_mod_since_analyze > greatest(1000, n_live_tup / 10))`,
    [ANALYZED],
  );
  const known = await knex.raw(
    `select count(*) as n from pg_stat_user_tables where schemaname = current_schema() and relname = any(?::text[])`,
    [ANALYZED],
  );
  // statistics the server does not keep (or tables it does not list): analyze them all, as before
  const stale = Number(known.rows[0].n) < ANALYZED.length ? ANALYZED : rows.map((r: { relname: string }) => r.relname);
  if (stale.length > 0) await knex.raw(`analyze ${stale.join(", ")}`);
}

/**
 * The checks in one snapshot: `k` runs them in turn, `beside` (another connection on PostgreSQL, the
 * same transaction elsewhere) the pass over the journal meanwhile (the hash chain, balanced entries,
 * entries with lines); the findings keep their order.
 */
async function verifyIn(
  k: Knex.Transaction,
  beside: Knex.Transaction,
  anchors: readonly Anchor[],
): Promise<VerifyResult> {
  const alone = k === beside;
  const passQuery = alone ? null : journalPass(beside, FINDINGS_MAX);
  passQuery?.catch(() => {}); // awaited below; a failure there is verify's failure
  const pass = passQuery ?? journalPass(k, FINDINGS_MAX);
  if (alone) await pass;
  const findings: VerifyFinding[] = [];
  const counts = await k.raw(
    `select (select count(*) from journal_entries) as entries, (select count(*) from journal_lines) as lines, (select count(*) from receipts) as receipts`,
  );
  const orphans = await k.raw(
    `select l.entry_id from journal_lines l where not exists (select 1 from journal_entries e where e.id = l.entry_id) group by l.entry_id limit ${FINDINGS_MAX}`,
  );
  for (const r of orphans.rows)
    findings.push({ check: "line_has_entry", detail: `lines name entry ${r.entry_id}, which does not exist` });
  const dangling = await k.raw(
    `select e.id, e.park, e.operator, e.tax_code, e.import_id from journal_entries e
      where (e.import_id is not null and not exists (select 1 from imports i where i.id = e.import_id))
         or (e.park is not null and not exists (select 1 from parks p where p.code = e.park))
         or (e.operator is not null and not exists (select 1 from jurisdictions j where j.code = e.operator))
         or (e.tax_code is not null and e.kind not in ('indicator', 'land') and not exists (select 1 from tax_types t where t.code = e.tax_code))
         or (e.kind = 'indicator' and not exists (select 1 from indicators i where i.code = e.tax_code))
         or (e.kind = 'land' and not exists (select 1 from land_items i where i.code = e.tax_code))
      order by e.id limit ${FINDINGS_MAX}`,
  );
  for (const r of dangling.rows) {
    findings.push({
      check: "entry_references",
      detail: `entry ${r.id} names a park, operator, tax or import that does not exist (${r.park}, ${r.operator}, ${r.tax_code}, ${r.import_id})`,
    });
  }
  const drift = await balanceDrift(k);
  for (const r of drift) {
    if (
      r.lines_debit === null &&
      r.balance_debit !== null &&
      BigInt(r.balance_debit) === 0n &&
      BigInt(r.balance_credit) === 0n
    )
      continue;
    findings.push({
      check: "balances_match_lines",
      detail: `${r.fiscal_year} account ${r.account_id} ${r.park || "-"} ${r.tax_code || "-"}: lines Dr ${r.lines_debit ?? 0} Cr ${r.lines_credit ?? 0} fen, balances Dr ${r.balance_debit ?? 0} Cr ${r.balance_credit ?? 0} fen`,
    });
  }
  for (const r of await budgetItemSumsDrift(k, FINDINGS_MAX))
    findings.push({
      check: "budget_item_sums_match_receipts",
      detail: `${r.fiscal_year} ${r.park} ${r.tax_code} ${r.budget_code ?? "-"} month ${r.month}: the receipts give ${sumsText(r.rows)}, the kept sums ${sumsText(r.kept)}`,
    });
  for (const r of await receiptsWithoutEntry(k, FINDINGS_MAX))
    findings.push({ check: "receipt_has_entry", detail: `receipt ${r.receipt_no} has no journal entry of its own` });
  for (const r of await receiptsMisbooked(k, FINDINGS_MAX))
    findings.push({
      check: "receipt_amount_booked",
      detail: `receipt ${r.receipt_no} is ${r.amount_fen} fen but its entry books ${r.booked} fen into the treasury`,
    });
  for (const r of await landRevenueMisbooked(k, FINDINGS_MAX))
    findings.push({
      check: "land_revenue_booked",
      detail: `land revenue ${r.ref} is ${r.amount_fen} fen but its entry books ${r.booked} fen into the treasury`,
    });
  for (const r of await resplitsMisbooked(k, FINDINGS_MAX))
    findings.push({
      check: "resplit_booked",
      detail: `adjusting entry ${r.entry_id}${r.receipt_no === null ? "" : ` of receipt ${r.receipt_no}`} ${r.detail}`,
    });
  for (const r of await paymentsMisbooked(k, FINDINGS_MAX))
    findings.push({
      check: "payment_booked",
      detail: r.ref === null ? `entry ${r.entry_id} ${r.detail}` : `payment ${r.ref} ${r.detail}`,
    });
  for (const d of await settledDebts(k, await ReferenceData.load(k)))
    if (
      outstandingOf(
        d.amount_fen,
        d.payments.map((p) => p.amount_fen),
      ) < 0n
    )
      findings.push({
        check: "payments_within_settled",
        detail: `the payments of ${d.operator} ${d.park ?? "*"} ${d.year} exceed its settled balance`,
      });
  for (const r of await reclassificationsMisbooked(k, FINDINGS_MAX))
    findings.push({
      check: "reclassification_booked",
      detail: `adjusting entry ${r.entry_id}${r.receipt_no === null ? "" : ` of receipt ${r.receipt_no}`} ${r.detail}`,
    });
  // the pass's findings come first, in the order the checks are listed: unbalanced entries, then empty ones
  const { chain, unbalanced: unbalancedEntries, empty } = await pass;
  const first: VerifyFinding[] = [];
  if (unbalancedEntries.length > 0) {
    const unbalanced = await k.raw(
      `select l.entry_id, a.jurisdiction, a.unit, sum(l.debit_fen) - sum(l.credit_fen) as difference
         from journal_lines l left join accounts a on a.id = l.account_id
        where l.entry_id = any(?::bigint[])
        group by l.entry_id, a.jurisdiction, a.unit having sum(l.debit_fen) <> sum(l.credit_fen) or a.jurisdiction is null
        order by l.entry_id limit ${FINDINGS_MAX}`,
      [unbalancedEntries],
    );
    for (const r of unbalanced.rows)
      first.push({
        check: "entry_balanced",
        detail: `entry ${r.entry_id} differs by ${r.difference} ${r.unit === "CNY" ? "fen" : `× 0.0001 ${r.unit}`} in the books of ${r.jurisdiction}`,
      });
  }
  for (const id of empty) first.push({ check: "entry_has_lines", detail: `entry ${id} has no lines` });
  findings.unshift(...first);
  await checkIndicatorAttribution(k, findings);
  if (chain.first_broken !== null)
    findings.unshift({ check: `hash_chain_${chain.first_broken.kind}`, detail: chain.first_broken.detail });
  // the chain proves the journal consistent with itself; a hash noted earlier proves it is the same
  // journal: rewriting history, or removing its last entries, changes or removes the noted entry
  for (const anchor of anchors) {
    const row = await k("journal_entries").select("entry_hash").where({ id: anchor.id }).first();
    if (row === undefined)
      findings.unshift({
        check: "hash_chain_anchor",
        detail: `entry ${anchor.id}, noted with hash ${anchor.hash.slice(0, 12)}, is no longer in the journal`,
      });
    else if (row.entry_hash !== anchor.hash)
      findings.unshift({
        check: "hash_chain_anchor",
        detail: `entry ${anchor.id} now has hash ${String(row.entry_hash).slice(0, 12)}, not the ${anchor.hash.slice(0, 12)} noted: the journal up to it was rewritten`,
      });
  }
  return {
    intact: findings.length === 0,
    entries: toCount(counts.rows[0].entries),
    lines: toCount(counts.rows[0].lines),
    receipts: toCount(counts.rows[0].receipts),
    chain,
    findings,
  };
}

/** Where the running balances and the sum of the lines differ (at most FINDINGS_MAX). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of the driver, read as the query names them
async function balanceDrift(k: Knex.Transaction): Promise<any[]> {
  const { rows } = await k.raw(`
    with from_lines as (
      select e.fiscal_year, l.account_id, coalesce(e.park, '') as park, coalesce(e.tax_code, '') as tax_code, e.origin_year,
             ${ENTRY_MONTH_SQL("e")} as month, sum(l.debit_fen) as debit_fen, sum(l.credit_fen) as credit_fen
        from journal_lines l join journal_entries e on e.id = l.entry_id
       group by 1, 2, 3, 4, 5, 6)
    select coalesce(f.fiscal_year, b.fiscal_year) as fiscal_year, coalesce(f.account_id, b.account_id) as account_id,
           coalesce(f.park, b.park) as park, coalesce(f.tax_code, b.tax_code) as tax_code,
           f.debit_fen as lines_debit, b.debit_fen as balance_debit, f.credit_fen as lines_credit, b.credit_fen as balance_credit
      from from_lines f full join balances b
        on b.fiscal_year = f.fiscal_year and b.account_id = f.account_id and b.park = f.park and b.tax_code = f.tax_code
       and b.origin_year = f.origin_year and b.month = f.month
     where f.debit_fen is distinct from b.debit_fen or f.credit_fen is distinct from b.credit_fen
     limit ${FINDINGS_MAX}`);
  return rows;
}

/** Sums by budget item as a finding says them. */
function sumsText(s: BudgetItemSums | null): string {
  if (s === null) return "nothing";
  return `${s.source_rows} rows, receipts ${s.receipts}, central ${s.central_fen} local ${s.local_fen} operator ${s.operator_fen} host ${s.host_fen} fen, off the ratio ${s.central_off_ratio}`;
}

/** Every indicator month holds in the journal what the reports in force and the agreements give. */
async function checkIndicatorAttribution(k: Knex.Transaction, findings: VerifyFinding[]): Promise<void> {
  const ref = await ReferenceData.load(k);
  const { rows } = await k.raw(
    `select distinct park, extract(year from month)::integer as year from indicator_reports
     union select distinct park, fiscal_year from journal_entries where kind = 'indicator' order by 1, 2`,
  );
  for (const r of rows) {
    const park = ref.park(r.park);
    if (park === undefined) continue; // named by entry_references
    const year = Number(r.year);
    const booked = await bookedAttribution(k, park, year);
    const reports = await recordedReports(k, park.code, year);
    for (const indicator of ref.indicators) {
      const months = booked.get(indicator.code) ?? new Map<string, IndicatorAmounts>();
      const inForce = reportsInForce(reports.filter((x) => x.indicator === indicator.code));
      const expected = expectedAttribution(ref, park, year, inForce);
      const wanted = new Map(expected.map((m) => [`${year}-${String(m.month).padStart(2, "0")}`, m]));
      for (const month of new Set([...wanted.keys(), ...months.keys()])) {
        const want = wanted.get(month) ?? { value: 0n, operator: 0n, host: 0n };
        const have = months.get(month) ?? { value: 0n, operator: 0n, host: 0n };
        if (want.value !== have.value || want.operator !== have.operator || want.host !== have.host) {
          if (findings.length >= FINDINGS_MAX) return;
          findings.push({
            check: "indicator_attribution",
            detail: `${park.code} ${indicator.code} ${month}: the reports give ${formatQuantity(want.value)} (${formatQuantity(want.operator)} + ${formatQuantity(want.host)}), the journal holds ${formatQuantity(have.value)} (${formatQuantity(have.operator)} + ${formatQuantity(have.host)})`,
          });
        }
      }
    }
  }
}
