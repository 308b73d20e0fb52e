// Checks that the books are whole: every entry has lines and balances in each jurisdiction's books,
// the running balances equal the sum of the lines, every receipt and land revenue record points at
// an entry that books its amount, and every re-split's adjusting entry moves what the re-split
// records. Exit 0 only when all hold; each finding names what is wrong.

import type { Knex } from "knex";
import type { Database } from "../db/database.js";
import { toCount } from "../db/database.js";
import { formatQuantity } from "../../ledger/indicators.js";
import { GENESIS_HASH, walkChain, type BrokenLink, type ChainLine, type StoredLink } from "../../ledger/chain.js";
import { toFen } from "../../ledger/money.js";
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
  chain: {
    checked: number;
    head_id: string | null;
    head_hash: string;
    first_broken: { kind: BrokenLink["kind"]; id: string; previous_id?: string | null; detail: string } | null;
  };
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

export async function verifyLedger(db: Database, anchors: readonly Anchor[] = []): Promise<VerifyResult> {
  // fresh statistics first: right after a large import the planner would otherwise loop row by row
  await db.knex.raw("analyze receipts, journal_entries, journal_lines, balances, receipt_resplits");
  // every check reads the same snapshot, so writers posting meanwhile cannot make the counts, the
  // balances and the chain disagree with each other
  return db.knex.transaction(async (trx) => {
    await trx.raw("set transaction isolation level repeatable read, read only");
    return verifyIn(trx, anchors);
  });
}

async function verifyIn(k: Knex.Transaction, anchors: readonly Anchor[]): Promise<VerifyResult> {
  const findings: VerifyFinding[] = [];
  const counts = await k.raw(
    `select (select count(*) from journal_entries) as entries, (select count(*) from journal_lines) as lines, (select count(*) from receipts) as receipts`,
  );
  const unbalanced = await k.raw(
    `select l.entry_id, a.jurisdiction, a.unit, sum(l.debit_fen) - sum(l.credit_fen) as difference
       from journal_lines l left join accounts a on a.id = l.account_id
      group by l.entry_id, a.jurisdiction, a.unit having sum(l.debit_fen) <> sum(l.credit_fen) or a.jurisdiction is null
      order by l.entry_id limit ${FINDINGS_MAX}`,
  );
  for (const r of unbalanced.rows)
    findings.push({
      check: "entry_balanced",
      detail: `entry ${r.entry_id} differs by ${r.difference} ${r.unit === "CNY" ? "fen" : `× 0.0001 ${r.unit}`} in the books of ${r.jurisdiction}`,
    });
  const empty = await k.raw(
    `select e.id from journal_entries e where not exists (select 1 from journal_lines l where l.entry_id = e.id) order by e.id limit ${FINDINGS_MAX}`,
  );
  for (const r of empty.rows) findings.push({ check: "entry_has_lines", detail: `entry ${r.id} has no lines` });
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
  const drift = await k.raw(`
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
  for (const r of drift.rows) {
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
  await checkIndicatorAttribution(k, findings);
  const chain = await checkChain(k);
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

const CHAIN_PAGE = 50_000;

/** Recomputes the hash chain over every entry in id order and names the first broken link. */
async function checkChain(k: Knex.Transaction): Promise<VerifyResult["chain"]> {
  let head: { hash: string; id: bigint | null } = { hash: GENESIS_HASH, id: null };
  let checked = 0;
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
