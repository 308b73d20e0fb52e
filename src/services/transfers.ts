// Interim transfers (预拨/划转) of revenue share from the host to an operator during the year. A
// transfer is identified by its reference: the same transfer again is a no-op, a different one under
// the same reference is refused; a transfer into a year already settled is refused.

import { createHash } from "node:crypto";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import { parseIsoDate, yearOf } from "../../ledger/periods.js";
import { transferLines } from "../../ledger/posting.js";
import { Rejection } from "../../ledger/rejections.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { loadClosedYears } from "../repositories/closures.js";
import { lockJournal, postEntry } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";

export interface TransferInput {
  operator: string;
  amount: string;
  on: string;
  ref: string;
}

export interface TransferResult {
  ref: string;
  operator: string;
  host: string;
  amount: string;
  transferred_on: string;
  fiscal_year: number;
  entry_id: string;
  replayed: boolean;
}

export async function recordTransfer(db: Database, input: TransferInput): Promise<TransferResult> {
  const amount_fen = parseYuan(input.amount.trim());
  if (amount_fen === null)
    throw new Rejection(
      "amount_invalid",
      `--amount: ${input.amount} is not an amount in yuan with at most two decimals`,
    );
  if (amount_fen === 0n) throw new Rejection("amount_zero", "--amount: a transfer of zero moves nothing");
  const on = parseIsoDate(input.on.trim());
  if (on === null) throw new Rejection("date_invalid", `--on: ${input.on} is not a date YYYY-MM-DD`);
  const ref = input.ref.trim();
  if (ref === "" || ref.length > 64)
    throw new Rejection("field_required", "--ref: a transfer reference of 1 to 64 characters is required");

  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const reference = await ReferenceData.load(trx);
    const park = reference.parkOfOperator(input.operator);
    if (park === undefined)
      throw new Rejection(
        "operator_unknown",
        `--operator: ${input.operator} runs no park; the operators are ${reference.operators.join(", ")}`,
      );
    const fiscal_year = yearOf(on);
    const content_hash = createHash("sha256")
      .update([ref, park.operator, amount_fen.toString(), on].join("\u001f"))
      .digest("hex");
    const existing = await trx("transfers").where({ ref }).first();
    if (existing !== undefined) {
      if (existing.content_hash !== content_hash) {
        throw new Rejection(
          "transfer_ref_reused",
          `transfer ${ref} is already recorded: ${existing.operator} ${formatYuan(BigInt(existing.amount_fen))} on ${existing.transferred_on}`,
        );
      }
      return {
        ref,
        operator: park.operator,
        host: park.host,
        amount: formatYuan(amount_fen),
        transferred_on: on,
        fiscal_year,
        entry_id: String(existing.entry_id),
        replayed: true,
      };
    }
    if ((await loadClosedYears(trx)).get(park.operator)?.has(fiscal_year)) {
      throw new Rejection(
        "year_closed",
        `${fiscal_year} is settled and closed with ${park.operator}; a transfer cannot be added to it`,
      );
    }
    const posted = await postEntry(trx, await AccountBook.load(trx), {
      idempotency_key: `transfer:${ref}`,
      input_hash: content_hash,
      kind: "transfer",
      fiscal_year,
      origin_year: fiscal_year,
      effective_on: on,
      park: park.code,
      tax_code: null,
      operator: park.operator,
      description: `预拨 transfer ${ref}`,
      import_id: null,
      source_row: null,
      lines: transferLines(amount_fen, park.host, park.operator, park.code),
    });
    await trx("transfers").insert({
      ref,
      operator: park.operator,
      host: park.host,
      amount_fen: amount_fen.toString(),
      transferred_on: on,
      fiscal_year,
      entry_id: posted.id.toString(),
      content_hash,
    });
    return {
      ref,
      operator: park.operator,
      host: park.host,
      amount: formatYuan(amount_fen),
      transferred_on: on,
      fiscal_year,
      entry_id: posted.id.toString(),
      replayed: posted.replayed,
    };
  });
}
