// Interim transfers (预拨/划转) of revenue share from the host to an operator during the year, and
// recoveries (收回): an over-transfer the operator returns. Both move a positive amount, each its own
// way; the settlement statement shows them apart. A transfer is identified by its reference: the same
// transfer again is a no-op, a different one under the same reference is refused; a transfer into a
// year already settled is refused. Transfers are per operator and park: one that runs several parks
// names the park, one that runs one need not.

import { createHash } from "node:crypto";
import { amountProblem, formatYuan, parseYuan } from "../../ledger/money.js";
import { yearOf } from "../../ledger/periods.js";
import { transferLines } from "../../ledger/posting.js";
import { fieldRejection, Rejection, REJECTIONS } from "../../ledger/rejections.js";
import { textProblem, visibleText } from "../../ledger/text.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { isClosed } from "../../ledger/rules.js";
import { loadClosedYears } from "../repositories/closures.js";
import { lockJournal, postEntry } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { operatorPark } from "../../reports/settlement.js";
import { dateField } from "./fields.js";
import { proposalToExecute, transferredNet } from "./proposals.js";
import type { Knex } from "knex";

/** interim: the host pays the operator ahead of the settlement; recovery: the operator pays back. */
export type TransferKind = "interim" | "recovery";
export const TRANSFER_KINDS: readonly TransferKind[] = ["interim", "recovery"];

export interface TransferInput {
  operator?: string | undefined;
  amount?: string | undefined;
  /** A proposal to execute (src/services/proposals.ts): the operator, park and amount are its own. */
  proposal?: string | undefined;
  on: string;
  ref: string;
  /** interim when not given. */
  kind?: string;
  /** The park the transfer is for: required when the operator runs several, its only park otherwise. */
  park?: string | undefined;
}

export interface TransferResult {
  ref: string;
  kind: TransferKind;
  operator: string;
  host: string;
  park: string;
  amount: string;
  transferred_on: string;
  fiscal_year: number;
  entry_id: string;
  replayed: boolean;
  /** The proposal it executes, or null. */
  proposal: string | null;
}

/** A transfer's fields checked on their own, before the journal is locked. */
function checkedTransfer(input: TransferInput): { amount_fen: bigint; kind: TransferKind; on: string; ref: string } {
  if (input.amount === undefined)
    throw fieldRejection("amount", "field_required", "a transfer names its amount, or the proposal it executes");
  const amountText = input.amount.trim();
  const amount_fen = parseYuan(amountText);
  if (amount_fen === null) {
    const code = amountProblem(amountText) ?? "amount_invalid";
    throw fieldRejection("amount", code, `${visibleText(input.amount)}: ${REJECTIONS[code]}`);
  }
  if (amount_fen === 0n) throw fieldRejection("amount", "amount_zero", "a transfer of zero moves nothing");
  if (amount_fen < 0n)
    throw fieldRejection(
      "amount",
      "transfer_not_positive",
      `${amountText}: a transfer moves a positive amount; money the operator returns is a transfer of kind recovery`,
    );
  const kind = (input.kind ?? "interim").trim().toLowerCase() as TransferKind;
  if (!TRANSFER_KINDS.includes(kind))
    throw fieldRejection(
      "kind",
      "transfer_kind_invalid",
      `${visibleText(input.kind ?? "")}: ${REJECTIONS.transfer_kind_invalid}`,
    );
  const on = dateField("on", input.on);
  const ref = input.ref; // kept as given, as it is hashed and chained
  if (ref === "" || ref.length > 64)
    throw fieldRejection("ref", "field_required", "a transfer reference of 1 to 64 characters is required");
  const refProblem = textProblem(ref, "identifier");
  if (refProblem !== null) throw fieldRejection("ref", refProblem.code, `${visibleText(ref)}: ${refProblem.reason}`);
  return { amount_fen, kind, on, ref };
}

export async function recordTransfer(db: Database, input: TransferInput): Promise<TransferResult> {
  if (input.proposal === undefined) {
    const checked = checkedTransfer(input);
    return db.knex.transaction(async (trx) => {
      await lockJournal(trx);
      return bookTransfer(trx, input, checked, null);
    });
  }
  const proposal = input.proposal;
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const p = await proposalToExecute(trx, proposal);
    // what the proposal says is what is transferred: a different amount, operator or park is refused, not taken
    const differs = (field: string, given: string | undefined, recorded: string) => {
      if (given !== undefined && given.trim() !== recorded)
        throw fieldRejection(field, "proposal_differs", `${visibleText(given)}: proposal ${p.id} is for ${recorded}`);
    };
    differs("operator", input.operator, p.operator);
    differs("park", input.park, p.park);
    if (input.amount !== undefined && parseYuan(input.amount.trim()) !== p.amount_fen)
      differs("amount", input.amount, formatYuan(p.amount_fen));
    if (input.kind !== undefined && input.kind.trim().toLowerCase() !== "interim")
      differs("kind", input.kind, "interim");
    if (p.executed_by !== null && p.executed_by !== input.ref)
      throw fieldRejection(
        "proposal",
        "proposal_executed",
        `proposal ${p.id} is already executed by transfer ${p.executed_by}`,
      );
    const executing = {
      ...input,
      operator: p.operator,
      park: p.park,
      amount: formatYuan(p.amount_fen),
      kind: "interim",
    };
    const checked = checkedTransfer(executing);
    if (p.executed_by === null) {
      // a proposal is for its year, and for what had been transferred when it was made: paid into another
      // year, or after another transfer, it would pay more than the rule allows
      if (yearOf(checked.on) !== p.fiscal_year)
        throw fieldRejection("on", "proposal_differs", `${checked.on}: proposal ${p.id} is for ${p.fiscal_year}`);
      const now = await transferredNet(trx, p.operator, p.park, p.fiscal_year);
      if (now !== p.transferred_before_fen)
        throw fieldRejection(
          "proposal",
          "proposal_stale",
          `proposal ${p.id} was made when ${formatYuan(p.transferred_before_fen)} was transferred for ${p.park} in ${p.fiscal_year}; it is ${formatYuan(now)} now: propose again (transfer propose)`,
        );
    }
    return bookTransfer(trx, executing, checked, p.id);
  });
}

async function bookTransfer(
  trx: Knex.Transaction,
  input: TransferInput & { operator?: string | undefined },
  { amount_fen, kind, on, ref }: ReturnType<typeof checkedTransfer>,
  proposal: string | null,
): Promise<TransferResult> {
  {
    if (input.operator === undefined)
      throw fieldRejection("operator", "field_required", "a transfer names its operator, or the proposal it executes");
    const operator = input.operator;
    const reference = await ReferenceData.load(trx);
    if (reference.parksRunBy(operator).length === 0)
      throw fieldRejection(
        "operator",
        "operator_unknown",
        `${operator} runs no park; the operators are ${reference.operators.join(", ")}`,
      );
    const park = operatorPark(reference, operator, input.park);
    const fiscal_year = yearOf(on);
    const answer = (entry_id: string, replayed: boolean): TransferResult => ({
      ref,
      kind,
      operator: park.operator,
      host: park.host,
      park: park.code,
      amount: formatYuan(amount_fen),
      transferred_on: on,
      fiscal_year,
      entry_id,
      replayed,
      proposal: existingProposal ?? proposal,
    });
    let existingProposal: string | null = null;
    // an interim transfer hashes as it did before recoveries existed, so a retry of one still matches
    const content_hash = createHash("sha256")
      .update([ref, park.operator, amount_fen.toString(), on, ...(kind === "recovery" ? [kind] : [])].join("\u001f"))
      .digest("hex");
    // the park is not in the hash (it was not before transfers were per park): it is compared apart
    const existing = await trx("transfers as t")
      .join("journal_entries as e", "e.id", "t.entry_id")
      .select("t.*", trx.raw("coalesce(t.park, e.park) as of_park"))
      .where({ "t.ref": ref })
      .first();
    if (existing !== undefined) {
      existingProposal = existing.proposal_id === null ? null : String(existing.proposal_id);
      if (existing.content_hash !== content_hash || existing.of_park !== park.code || existingProposal !== proposal) {
        throw new Rejection(
          "transfer_ref_reused",
          `transfer ${ref} is already recorded: ${existing.operator} ${existing.of_park} ${formatYuan(BigInt(existing.amount_fen))} on ${existing.transferred_on}`,
        );
      }
      return answer(String(existing.entry_id), true);
    }
    if (isClosed(await loadClosedYears(trx), park, fiscal_year)) {
      throw new Rejection(
        "year_closed",
        `${fiscal_year} is settled and closed with ${park.operator} for ${park.code}; a transfer cannot be added to it`,
      );
    }
    if (kind === "recovery") {
      // what comes back is an over-transfer: never more than went out to the park that year, net of earlier returns
      const net = await transferredNet(trx, park.operator, park.code, fiscal_year);
      if (amount_fen > net)
        throw fieldRejection(
          "amount",
          "recovery_exceeds_transferred",
          `${formatYuan(amount_fen)} is more than the ${formatYuan(net)} transferred to ${park.operator} for ${park.code} in ${fiscal_year} and not yet returned`,
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
      description: kind === "recovery" ? `收回 recovery ${ref}` : `预拨 transfer ${ref}`,
      import_id: null,
      source_row: null,
      // a recovery is the same movement the other way: the operator pays the host back
      lines: transferLines(kind === "recovery" ? -amount_fen : amount_fen, park.host, park.operator, park.code),
    });
    await trx("transfers").insert({
      ref,
      operator: park.operator,
      host: park.host,
      park: park.code,
      amount_fen: amount_fen.toString(),
      kind,
      transferred_on: on,
      fiscal_year,
      entry_id: posted.id.toString(),
      content_hash,
      proposal_id: proposal,
    });
    return answer(posted.id.toString(), posted.replayed);
  }
}
