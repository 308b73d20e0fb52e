// Interim transfers proposed from the figures (预拨建议): under the rule the agreement in force states
// (`agreement set --interim-transfer 90`), the amount due through a month is that share of the
// operator's share booked from January to the end of the month, less what was already transferred for
// the park that year, net of recoveries. A proposal records what it was computed from, with who made it
// and when; `transfer --proposal N` executes it, once. Rounded down to the fen: a proposal never
// transfers more than the rule allows.

import type { Knex } from "knex";
import { formatYuan, toFen } from "../../ledger/money.js";
import { formatPeriod } from "../../ledger/periods.js";
import { formatBpAsPercent } from "../../ledger/ratio.js";
import { fieldRejection, Rejection } from "../../ledger/rejections.js";
import { operatorPark, settlementFigures } from "../../reports/settlement.js";
import type { Database } from "../db/database.js";
import { currentActor } from "../repositories/actor.js";
import { loadClosedYears } from "../repositories/closures.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData } from "../repositories/reference.js";
import { isClosed } from "../../ledger/rules.js";
import { monthField } from "./fields.js";

export interface ProposalView {
  /** The number `transfer --proposal` executes it by; null in an operator's view. */
  id: string | null;
  operator: string;
  park: string;
  fiscal_year: number;
  /** `YYYY-MM`: the share is counted from January through this month. */
  through: string;
  interim_transfer_pct: string;
  operator_share_to_date: string;
  transferred_before: string;
  amount: string;
  party: string;
  proposed_at: string;
  /** The transfer that executed it, or null while it waits. */
  executed_by_transfer: string | null;
}

export async function proposeTransfer(
  db: Database,
  input: { operator: string; park?: string | undefined; through: string },
): Promise<ProposalView> {
  const through = monthField("through", input.through);
  const year = Number(through.slice(0, 4));
  const month = Number(through.slice(5, 7));
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    if (ref.parksRunBy(input.operator).length === 0)
      throw fieldRejection(
        "operator",
        "operator_unknown",
        `${input.operator} runs no park; the operators are ${ref.operators.join(", ")}`,
      );
    const park = operatorPark(ref, input.operator, input.park);
    if (isClosed(await loadClosedYears(trx), park, year))
      throw new Rejection("year_closed", `${year} is settled and closed with ${park.operator} for ${park.code}`);
    const lastDay = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
    const agreement = ref.agreementOn(park.code, lastDay);
    if (agreement === undefined || agreement.interim_transfer_bp == null)
      throw fieldRejection(
        "through",
        "interim_rule_missing",
        `the agreement for ${park.code} in force on ${lastDay} states no interim transfer rule; record one with agreement set --interim-transfer PERCENT`,
      );
    // to date: what is booked from January through the month, and what the year holds dated in
    // earlier years (prior-year adjustments, re-splits reaching back), which is booked already
    const period = { year, from: 1, to: month };
    const toDate = await settlementFigures(trx, ref, year, park.operator, park.code, period, true);
    const share = toDate.totals.operator_share_fen;
    const before = await transferredNet(trx, park.operator, park.code, year);
    const bp = BigInt(agreement.interim_transfer_bp);
    // rounded down: the rule's share of a positive share to date, never more
    const allowed = share > 0n ? (share * bp) / 10_000n : 0n;
    const amount = allowed - before;
    if (amount <= 0n)
      throw new Rejection(
        "proposal_nothing_due",
        `nothing is due through ${through}: ${formatBpAsPercent(agreement.interim_transfer_bp)} % of the operator's share to date ${formatYuan(share)} is ${formatYuan(allowed)}, and ${formatYuan(before)} is already transferred for ${park.code} in ${year}`,
      );
    const actor = currentActor();
    const [row] = await trx("transfer_proposals")
      .insert({
        operator: park.operator,
        park: park.code,
        fiscal_year: year,
        through_month: month,
        agreement_id: agreement.id,
        interim_transfer_bp: agreement.interim_transfer_bp,
        operator_share_to_date_fen: share.toString(),
        transferred_before_fen: before.toString(),
        amount_fen: amount.toString(),
        party: actor.party ?? "prefecture",
        token_id: actor.token_id === null ? null : actor.token_id.toString(),
        request_id: actor.request_id,
      })
      .returning("*");
    return proposalView(row, null);
  });
}

/** What was transferred to the operator for the park in the year, net of recoveries. */
export async function transferredNet(
  trx: Knex.Transaction,
  operator: string,
  park: string,
  year: number,
): Promise<bigint> {
  const { rows } = await trx.raw(
    `select coalesce(sum(case when t.kind = 'recovery' then -t.amount_fen else t.amount_fen end), 0) as net
       from transfers t join journal_entries e on e.id = t.entry_id
      where t.operator = ? and t.fiscal_year = ? and coalesce(t.park, e.park) = ?`,
    [operator, year, park],
  );
  return toFen(rows[0].net);
}

/** The proposals of a year, newest first, each with the transfer that executed it; an operator's own only when `operator` is given. */
export async function listProposals(
  knex: Knex,
  filter: { year: number; operator?: string | undefined },
  /** An operator is not told the numbers: a serial shared with every operator's proposals. */
  hideIds = false,
): Promise<ProposalView[]> {
  const { rows } = await knex.raw(
    `select p.*, t.ref as executed_by from transfer_proposals p left join transfers t on t.proposal_id = p.id
      where p.fiscal_year = ? ${filter.operator !== undefined ? "and p.operator = ?" : ""}
      order by p.id desc`,
    [filter.year, ...(filter.operator !== undefined ? [filter.operator] : [])],
  );
  return (rows as Record<string, unknown>[]).map((r) => {
    const view = proposalView(r, (r.executed_by as string | null) ?? null);
    return hideIds ? { ...view, id: null } : view;
  });
}

/** A proposal to execute: its operator, park and amount, refused when unknown or already executed. */
export async function proposalToExecute(
  trx: Knex.Transaction,
  id: string,
): Promise<{
  id: string;
  operator: string;
  park: string;
  fiscal_year: number;
  amount_fen: bigint;
  transferred_before_fen: bigint;
  executed_by: string | null;
}> {
  if (!/^\d{1,18}$/.test(id))
    throw fieldRejection(
      "proposal",
      "proposal_unknown",
      `${id} is not a proposal number (report transfer-proposals lists them)`,
    );
  const row = await trx("transfer_proposals as p")
    .leftJoin("transfers as t", "t.proposal_id", "p.id")
    .select(
      "p.id",
      "p.operator",
      "p.park",
      "p.fiscal_year",
      "p.amount_fen",
      "p.transferred_before_fen",
      "t.ref as executed_by",
    )
    .where("p.id", String(BigInt(id)))
    .first();
  if (row === undefined)
    throw fieldRejection(
      "proposal",
      "proposal_unknown",
      `no transfer proposal ${id} is recorded (report transfer-proposals lists them)`,
    );
  return {
    id: String(row.id),
    operator: row.operator,
    park: row.park,
    fiscal_year: Number(row.fiscal_year),
    amount_fen: toFen(row.amount_fen),
    transferred_before_fen: toFen(row.transferred_before_fen),
    executed_by: row.executed_by ?? null,
  };
}

function proposalView(r: Record<string, unknown>, executed: string | null): ProposalView {
  const year = Number(r.fiscal_year);
  const month = Number(r.through_month);
  return {
    id: String(r.id),
    operator: String(r.operator),
    park: String(r.park),
    fiscal_year: year,
    through: formatPeriod({ year, from: month, to: month }),
    interim_transfer_pct: formatBpAsPercent(Number(r.interim_transfer_bp)),
    operator_share_to_date: formatYuan(toFen(r.operator_share_to_date_fen as string)),
    transferred_before: formatYuan(toFen(r.transferred_before_fen as string)),
    amount: formatYuan(toFen(r.amount_fen as string)),
    party: String(r.party),
    proposed_at: new Date(r.proposed_at as string).toISOString(),
    executed_by_transfer: executed,
  };
}
