// The receipts rebooked out of suspense (`receipt_reclassifications`, migrations/027): what verify checks
// of them. Each record's entry must be its receipt's `reclassify:` adjustment, every such entry must have
// its record, and the entry must move what the record says: the collector's suspense down by what the
// receipt held, the operator's and the host's revenue up by their shares.

import type { Knex } from "knex";

export async function reclassificationsMisbooked(
  k: Knex.Transaction,
  limit: number,
): Promise<{ entry_id: string; receipt_no: string | null; detail: string }[]> {
  const { rows } = await k.raw(`
    with booked as (
      select l.entry_id,
             sum(case when a.code = 'suspense' then l.debit_fen - l.credit_fen else 0 end) as suspense,
             sum(case when a.code = 'revenue_shared' then l.credit_fen - l.debit_fen else 0 end) as operator,
             sum(case when a.code in ('revenue_shared_host', 'revenue_own', 'nontax_revenue', 'fund_revenue')
                      then l.credit_fen - l.debit_fen else 0 end) as host
        from journal_entries e join journal_lines l on l.entry_id = e.id join accounts a on a.id = l.account_id
       where e.kind = 'adjustment' and starts_with(e.idempotency_key, 'reclassify:') group by l.entry_id)
    select * from (
      select b.entry_id::text as entry_id, r.receipt_no,
             case when c.id is null then 'has no reclassification recorded'
                  else 'moves suspense ' || b.suspense || ', operator ' || b.operator || ', host ' || b.host
                       || ' fen; the receipt held ' || r.local_fen || ' and its reclassification records '
                       || c.operator_fen || ', ' || c.host_fen end as detail
        from booked b left join receipt_reclassifications c on c.entry_id = b.entry_id
        left join receipts r on r.id = c.receipt_id
       where c.id is null or b.suspense <> r.local_fen or b.host <> c.host_fen
          or b.operator <> (case when c.operator is null then 0 else c.operator_fen end)
      union all
      select c.entry_id::text, r.receipt_no, 'names an entry that is not its reclassification'
        from receipt_reclassifications c join receipts r on r.id = c.receipt_id
       where not exists (select 1 from journal_entries e where e.id = c.entry_id and e.kind = 'adjustment'
                           and e.idempotency_key = 'reclassify:' || r.receipt_no)) found
     limit ${Number(limit)}`);
  return rows;
}
