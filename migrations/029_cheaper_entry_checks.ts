// Reason: the checks every posted entry passes cost the database more than the entries themselves.
// Profiled on a year of a million receipts imported in batches of 5,000, the form check on the two
// hashes of an entry (`~ '^[0-9a-f]{64}$'`, a bounded repetition the regular expression engine walks
// character by character through 64 states) took about 11 µs an entry, a third of the database's
// whole share of the import; the same condition written as "64 bytes, none but lowercase hex digits"
// takes about 1 µs. The balance check on the lines counted the distinct entries a statement named, a
// sort of every line, only to take a shortcut it can take without that count: when every id between the
// first and the last entry named is present, every entry named is.
//
// What the database refuses is unchanged: an entry whose hashes are not 64 lowercase hex digits, a
// line naming an account or an entry that does not exist, and an entry that does not balance in the
// books of each jurisdiction and unit.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

const HEX64 = (column: string) => `octet_length(${column}) = 64 and ${column} ~ '^[0-9a-f]*$'`;

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table journal_entries drop constraint journal_entries_hash_form;
    alter table journal_entries add constraint journal_entries_hash_form
      check (${HEX64("entry_hash")} and ${HEX64("prev_hash")});

    create or replace function journal_lines_check() returns trigger language plpgsql as $$
    declare
      bad record;
      first_id bigint;
      last_id bigint;
      present bigint;
    begin
      select n.entry_id, a.jurisdiction, a.unit, sum(n.debit_fen) - sum(n.credit_fen) as difference into bad
        from new_lines n left join accounts a on a.id = n.account_id
       group by n.entry_id, a.jurisdiction, a.unit
      having sum(n.debit_fen) <> sum(n.credit_fen) or a.jurisdiction is null limit 1;
      if found and bad.jurisdiction is null then
        raise exception 'parkledger: a line of entry % names an account that does not exist', bad.entry_id
          using errcode = '23503', hint = 'account_missing';
      elsif found then
        raise exception 'parkledger: entry % is unbalanced in the books of % (%) by %', bad.entry_id, bad.jurisdiction, bad.unit, bad.difference
          using errcode = '23514', hint = 'entry_unbalanced';
      end if;
      -- every id from the first to the last named present: every entry named is (the usual case, one
      -- index range); otherwise each line's entry is looked up
      select min(entry_id), max(entry_id) into first_id, last_id from new_lines;
      select count(*) into present from journal_entries where id between first_id and last_id;
      if present <> last_id - first_id + 1 then
        select n.entry_id into bad from new_lines n
         where not exists (select 1 from journal_entries e where e.id = n.entry_id) limit 1;
        if found then
          raise exception 'parkledger: line names entry % which does not exist', bad.entry_id
            using errcode = '23503', hint = 'entry_missing';
        end if;
      end if;
      return null;
    end $$;
  `,
  );
}

/** The balance check stays as written here: it refuses exactly what the one before it refused. */
export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table journal_entries drop constraint journal_entries_hash_form;
    alter table journal_entries add constraint journal_entries_hash_form
      check (entry_hash ~ '^[0-9a-f]{64}$' and prev_hash ~ '^[0-9a-f]{64}$');
  `,
  );
}
