// Reason: a running total past a bigint's range made a batch of huge receipts fail with an overflow
// (a fault, not an answer). The books now hold at most BALANCE_FEN_LIMIT (ledger/money.ts, 10^17) on
// either side of a balance, so no total or sum of a few can overflow; a booking that would pass it is
// refused as a whole with balance_limit_exceeded.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table balances add constraint balances_within_limit
      check (debit_fen <= 100000000000000000 and credit_fen <= 100000000000000000);
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `alter table balances drop constraint balances_within_limit;`);
}
