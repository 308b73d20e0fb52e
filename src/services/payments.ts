// Payments of settled balances (结算款支付): once a year is settled with an operator for a park, its
// balance due is a debt of the host to the operator (positive) or of the operator to the host
// (negative, over-transferred). `payment record` pays it, whole or in parts, the way the debt runs:
// directly (直接划拨), or through the year-end settlement of transfers (上解 remittance / 补助
// subsidy). Each payment is a journal entry in the fiscal year of its date (an open year), clearing the
// settlement accounts the closure booked, and a record in `payments`, both append-only. A payment is
// identified by its reference: the same payment again is a no-op, a different one under the same
// reference is refused. Only the host's finance department records payments (src/operations/writes.ts).

import { createHash } from "node:crypto";
import { z } from "zod";
import { amountProblem, formatYuan, parseYuan, type Fen } from "../../ledger/money.js";
import {
  beijingDate,
  debtOf,
  DIRECTION_ZH,
  outstandingOf,
  PAYMENT_METHOD_ZH,
  PAYMENT_METHODS,
  paymentLines,
  paymentProblem,
  type DebtDirection,
  type PaymentMethod,
} from "../../ledger/payments.js";
import { yearOf } from "../../ledger/periods.js";
import { fieldRejection, Rejection, REJECTIONS } from "../../ledger/rejections.js";
import { isClosed } from "../../ledger/rules.js";
import { textProblem, visibleText } from "../../ledger/text.js";
import { operatorPark } from "../../reports/settlement.js";
import { entryIdFor, seesRequest, type Viewer } from "../../reports/viewer.js";
import type { Database } from "../db/database.js";
import * as S from "../http/schemas.js";
import { AccountBook } from "../repositories/accounts.js";
import { currentActor } from "../repositories/actor.js";
import { closureOf, loadClosedYears } from "../repositories/closures.js";
import { lockJournal, postEntry } from "../repositories/journal.js";
import { paymentByRef, paymentRows, type PaymentRow } from "../repositories/payments.js";
import { ReferenceData } from "../repositories/reference.js";
import { dateField } from "./fields.js";

const NOT_A_YEAR = "not a year such as 2025 (1990 to 2999)";

/** POST /v1/payments, `payment record`. */
export const PaymentInput = z.strictObject({
  operator: S.Party.describe("the operator whose settled balance is paid"),
  park: S.ParkCode.optional().describe("the operator's park; required when it runs several"),
  year: z
    .number({ error: NOT_A_YEAR })
    .int({ error: NOT_A_YEAR })
    .min(1990, { error: NOT_A_YEAR })
    .max(2999, { error: NOT_A_YEAR })
    .describe("the settled year whose balance is paid"),
  amount: S.Yuan.describe("in yuan, positive; the direction is the debt's"),
  on: S.IsoDate.describe("the day it was paid; its fiscal year books it and must be open"),
  ref: S.Identifier(64).describe("the payment's reference (unique)"),
  method: z
    .enum(["direct", "remittance", "subsidy"])
    .describe("direct (直接划拨), remittance (年终结算上解) or subsidy (年终结算补助)"),
});

export interface PaymentInputFields {
  operator: string;
  park?: string | undefined;
  year: number;
  amount: string;
  on: string;
  ref: string;
  method: string;
}

/** A payment as answered: who paid whom, for which settled year, and what it left outstanding. */
export interface PaymentView {
  ref: string;
  operator: string;
  host: string;
  park: string;
  year: number;
  direction: DebtDirection;
  direction_zh: string;
  debtor: string;
  creditor: string;
  method: PaymentMethod;
  method_zh: string;
  amount: string;
  paid_on: string;
  /** The fiscal year whose books hold the payment (the year of its date). */
  fiscal_year: number;
  /** The settled balance, positive, owed by the debtor. */
  settled: string;
  /** What remained outstanding once this payment was made (payments recorded before it and it). */
  outstanding_after: string;
  /** Null in an operator's view: a serial shared with every park's entries. */
  entry_id: string | null;
  /** Who recorded it; null in an operator's view for another party's request. */
  recorded_by: string | null;
  recorded_at: string;
}

export interface PaymentResult extends PaymentView {
  replayed: boolean;
}

/** The fields checked on their own, before the journal is locked. */
function checkedPayment(input: PaymentInputFields): {
  amount_fen: Fen;
  method: PaymentMethod;
  on: string;
  ref: string;
} {
  const amountText = input.amount.trim();
  const amount_fen = parseYuan(amountText);
  if (amount_fen === null) {
    const code = amountProblem(amountText) ?? "amount_invalid";
    throw fieldRejection("amount", code, `${visibleText(input.amount)}: ${REJECTIONS[code]}`);
  }
  const problem = paymentProblem(amount_fen, amount_fen);
  if (problem === "amount_zero") throw fieldRejection("amount", "amount_zero", "a payment of zero pays nothing");
  if (problem === "payment_not_positive")
    throw fieldRejection("amount", "payment_not_positive", `${amountText}: ${REJECTIONS.payment_not_positive}`);
  const method = input.method.trim().toLowerCase() as PaymentMethod;
  if (!PAYMENT_METHODS.includes(method))
    throw fieldRejection(
      "method",
      "payment_method_invalid",
      `${visibleText(input.method)}: ${REJECTIONS.payment_method_invalid}`,
    );
  const on = dateField("on", input.on);
  const ref = input.ref;
  if (ref === "" || ref.length > 64)
    throw fieldRejection("ref", "field_required", "a payment reference of 1 to 64 characters is required");
  const refProblem = textProblem(ref, "identifier");
  if (refProblem !== null) throw fieldRejection("ref", refProblem.code, `${visibleText(ref)}: ${refProblem.reason}`);
  return { amount_fen, method, on, ref };
}

export async function recordPayment(
  db: Database,
  input: PaymentInputFields,
  /** Today in Beijing time (YYYY-MM-DD); the clock's when not given. */
  { today = beijingDate(new Date()) }: { today?: string } = {},
): Promise<PaymentResult> {
  const { amount_fen, method, on, ref } = checkedPayment(input);
  const year = input.year;
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const reference = await ReferenceData.load(trx);
    if (reference.parksRunBy(input.operator).length === 0)
      throw fieldRejection(
        "operator",
        "operator_unknown",
        `${input.operator} runs no park; the operators are ${reference.operators.join(", ")}`,
      );
    const park = operatorPark(reference, input.operator, input.park);
    const content_hash = createHash("sha256")
      .update([ref, park.operator, park.code, String(year), amount_fen.toString(), on, method].join("\u001f"))
      .digest("hex");
    const existing = await paymentByRef(trx, ref);
    if (existing !== undefined) {
      if (existing.content_hash !== content_hash)
        throw new Rejection(
          "payment_ref_reused",
          `payment ${ref} is already recorded: ${existing.operator} ${existing.park} ${existing.settled_year} ${formatYuan(existing.amount_fen)} on ${existing.paid_on} (${existing.method})`,
        );
      const all = await paymentRows(trx, { operator: park.operator, year });
      const closure = await closureOf(trx, park.operator, park.code, year);
      const settled = BigInt(String(closure?.balance_due_fen ?? "0"));
      return { ...paymentView(existing, settled < 0n ? -settled : settled, all, null), replayed: true };
    }
    const closure = await closureOf(trx, park.operator, park.code, year);
    if (closure === undefined)
      throw fieldRejection(
        "year",
        "payment_year_not_settled",
        `${year} is not settled with ${park.operator} for ${park.code}: there is no settled balance to pay (settle --year ${year} --operator ${park.operator} first)`,
      );
    const debt = debtOf(BigInt(String(closure.balance_due_fen)), park.host, park.operator);
    if (debt === null)
      throw fieldRejection(
        "amount",
        "overpayment",
        `${formatYuan(amount_fen)}: ${year} was settled with ${park.operator} for ${park.code} at a balance of 0.00; nothing is owed either way`,
      );
    const due_on = beijingDate(
      new Date(String(closure.closed_at instanceof Date ? closure.closed_at.toISOString() : closure.closed_at)),
    );
    if (on < due_on)
      throw fieldRejection(
        "on",
        "payment_before_settlement",
        `${on} is before ${due_on}, the day ${year} was settled with ${park.operator} for ${park.code}; money moved before the settlement is a transfer or a recovery of the year`,
      );
    if (on > today)
      throw fieldRejection(
        "on",
        "payment_in_future",
        `${on} is after today (${today}, Beijing time); record a payment once it is made`,
      );
    const fiscal_year = yearOf(on);
    if (isClosed(await loadClosedYears(trx), park, fiscal_year))
      throw new Rejection(
        "year_closed",
        `${fiscal_year} is settled and closed with ${park.operator} for ${park.code}; a payment dated ${on} cannot be booked in it`,
      );
    const before = await paymentRows(trx, { operator: park.operator, year });
    const paidOfDebt = before.filter((p) => closure.park === null || p.park === park.code).map((p) => p.amount_fen);
    const outstanding = outstandingOf(debt.amount_fen, paidOfDebt);
    if (paymentProblem(amount_fen, outstanding) === "overpayment")
      throw fieldRejection(
        "amount",
        "overpayment",
        `${formatYuan(amount_fen)} is more than the ${formatYuan(outstanding)} ${debt.debtor} still owes ${debt.creditor} of the ${formatYuan(debt.amount_fen)} settled for ${park.code} in ${year}`,
      );
    const posted = await postEntry(trx, await AccountBook.load(trx), {
      idempotency_key: `payment:${ref}`,
      input_hash: content_hash,
      kind: "payment",
      fiscal_year,
      origin_year: fiscal_year,
      effective_on: on,
      park: park.code,
      tax_code: null,
      operator: park.operator,
      description: `结算款支付 payment ${ref}: ${year} ${debt.debtor}→${debt.creditor} ${PAYMENT_METHOD_ZH[method]}`,
      import_id: null,
      source_row: null,
      lines: paymentLines(amount_fen, debt.direction, park.host, park.operator, park.code),
    });
    const actor = currentActor();
    await trx("payments").insert({
      ref,
      operator: park.operator,
      host: park.host,
      park: park.code,
      settled_year: year,
      direction: debt.direction,
      method,
      amount_fen: amount_fen.toString(),
      paid_on: on,
      fiscal_year,
      entry_id: posted.id.toString(),
      content_hash,
      party: actor.party ?? actor.posted_by,
      token_id: actor.token_id === null ? null : actor.token_id.toString(),
      request_id: actor.request_id,
    });
    const recorded = (await paymentByRef(trx, ref))!;
    return { ...paymentView(recorded, debt.amount_fen, [...before, recorded], null), replayed: false };
  });
}

/**
 * A payment as `viewer` may see it (null: the full view): `all` holds the payments of its settled year
 * and operator, which give what was outstanding after it.
 */
export function paymentView(
  p: PaymentRow,
  settled: Fen,
  all: readonly PaymentRow[],
  viewer: Viewer | null,
): PaymentView {
  const upTo = all.filter((x) => x.park === p.park && BigInt(x.id) <= BigInt(p.id)).map((x) => x.amount_fen);
  const full = viewer === null || viewer.kind === "full";
  const debtor = p.direction === "host_to_operator" ? p.host : p.operator;
  const creditor = p.direction === "host_to_operator" ? p.operator : p.host;
  return {
    ref: p.ref,
    operator: p.operator,
    host: p.host,
    park: p.park,
    year: p.settled_year,
    direction: p.direction,
    direction_zh: DIRECTION_ZH[p.direction],
    debtor,
    creditor,
    method: p.method,
    method_zh: PAYMENT_METHOD_ZH[p.method],
    amount: formatYuan(p.amount_fen),
    paid_on: p.paid_on,
    fiscal_year: p.fiscal_year,
    settled: formatYuan(settled),
    outstanding_after: formatYuan(outstandingOf(settled, upTo)),
    entry_id: full ? p.entry_id : entryIdFor(viewer, p.entry_id),
    recorded_by: full || seesRequest(viewer, p.party) ? p.party : null,
    recorded_at: p.recorded_at,
  };
}
