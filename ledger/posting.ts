// Turns what happened (a receipt split, a refund, a transfer, a settlement) into balanced journal
// lines in the books of every jurisdiction involved. Each jurisdiction's lines balance on their own,
// so each jurisdiction's trial balance balances; `assertBalanced` checks it before anything is written
// and the database checks it again after.

import type { ReceiptSplit } from "./allocate.js";
import type { Fen } from "./money.js";
import { Rejection } from "./rejections.js";

/**
 * One side of a posting. Amounts are integers in the minor unit of the account's unit: fen for money,
 * 1/10000 for an indicator's 万元 or 万美元 (the columns keep the `_fen` name money gave them).
 */
export interface Line {
  jurisdiction: string;
  account: string;
  debit_fen: Fen;
  credit_fen: Fen;
  tax_code: string | null;
  park: string | null;
}

/** A signed posting: positive debits, negative credits; zero postings are dropped. */
export interface Posting {
  jurisdiction: string;
  account: string;
  amount_fen: Fen;
}

/** Lines of signed postings, for rules kept in modules of their own (ledger/payments.ts). */
export function toLinesOf(postings: readonly Posting[], tax_code: string | null, park: string | null): Line[] {
  return toLines(postings, tax_code, park);
}

function toLines(postings: readonly Posting[], tax_code: string | null, park: string | null): Line[] {
  const lines: Line[] = [];
  for (const p of postings) {
    if (p.amount_fen === 0n) continue;
    lines.push({
      jurisdiction: p.jurisdiction,
      account: p.account,
      debit_fen: p.amount_fen > 0n ? p.amount_fen : 0n,
      credit_fen: p.amount_fen < 0n ? -p.amount_fen : 0n,
      tax_code,
      park,
    });
  }
  return lines;
}

export interface ReceiptParties {
  /** Collects the receipt into its treasury and keeps the host share. */
  host: string;
  /** Receives the operator share; null when the park shares nothing (the host keeps all). */
  operator: string | null;
  central: string;
  /** Whether the item is a tax (own tax revenue) or non-tax revenue when it is not shared. */
  is_tax: boolean;
  /**
   * Where the host books revenue it keeps unshared, when that is neither its own tax revenue nor
   * non-tax revenue: land revenue of the government fund budget (政府性基金收入) is kept apart.
   */
  unshared_account?: "fund_revenue";
}

/** Lines for a receipt or a refund (a refund's split is negative, which swaps every side). */
export function receiptLines(split: ReceiptSplit, parties: ReceiptParties, tax_code: string, park: string): Line[] {
  const { host, operator, central } = parties;
  const gross = split.central_fen + split.local_fen;
  const unshared = parties.unshared_account ?? (parties.is_tax ? "revenue_own" : "nontax_revenue");
  const hostRevenue = operator !== null ? "revenue_shared_host" : unshared;
  const postings: Posting[] = [
    { jurisdiction: host, account: "treasury", amount_fen: gross },
    { jurisdiction: host, account: "central_payable", amount_fen: -split.central_fen },
  ];
  if (operator !== null)
    postings.push({ jurisdiction: host, account: `due_to:${operator}`, amount_fen: -split.operator_fen });
  postings.push({ jurisdiction: host, account: hostRevenue, amount_fen: -split.host_fen });
  postings.push(
    { jurisdiction: central, account: `due_from:${host}`, amount_fen: split.central_fen },
    { jurisdiction: central, account: "revenue_central", amount_fen: -split.central_fen },
  );
  if (operator !== null) {
    postings.push(
      { jurisdiction: operator, account: `due_from:${host}`, amount_fen: split.operator_fen },
      { jurisdiction: operator, account: "revenue_shared", amount_fen: -split.operator_fen },
    );
  }
  return toLines(postings, tax_code, park);
}

/**
 * A receipt whose enterprise is unknown or in no park that day: its local part held whole in the
 * collector's suspense (a central part is there only when the treasury gave the levels, or for an
 * export offset, which moves an amount between the levels and not into the treasury).
 */
export function suspenseLines(split: ReceiptSplit, collector: string, central: string, tax_code: string): Line[] {
  return toLines(
    [
      { jurisdiction: collector, account: "treasury", amount_fen: split.central_fen + split.local_fen },
      { jurisdiction: collector, account: "central_payable", amount_fen: -split.central_fen },
      { jurisdiction: collector, account: "suspense", amount_fen: -split.local_fen },
      { jurisdiction: central, account: `due_from:${collector}`, amount_fen: split.central_fen },
      { jurisdiction: central, account: "revenue_central", amount_fen: -split.central_fen },
    ],
    tax_code,
    null,
  );
}

/** An interim transfer (预拨) of revenue share from the host to an operator. */
export function transferLines(amount: Fen, host: string, operator: string, park: string | null): Line[] {
  return toLines(
    [
      { jurisdiction: host, account: `due_to:${operator}`, amount_fen: amount },
      { jurisdiction: host, account: "treasury", amount_fen: -amount },
      { jurisdiction: operator, account: "cash", amount_fen: amount },
      { jurisdiction: operator, account: `due_from:${host}`, amount_fen: -amount },
    ],
    null,
    park,
  );
}

/**
 * The annual settlement: what is still due to the operator for the year (its share less the
 * transfers) moves from the running share accounts to the settlement accounts, which the
 * payment later clears. A negative balance (overpaid) moves the other way.
 */
export function settlementLines(balance_due: Fen, host: string, operator: string, park: string | null): Line[] {
  return toLines(
    [
      { jurisdiction: host, account: `due_to:${operator}`, amount_fen: balance_due },
      { jurisdiction: host, account: `settlement_payable:${operator}`, amount_fen: -balance_due },
      { jurisdiction: operator, account: `settlement_receivable:${host}`, amount_fen: balance_due },
      { jurisdiction: operator, account: `due_from:${host}`, amount_fen: -balance_due },
    ],
    null,
    park,
  );
}

/** How much of an indicator month the journal holds: the reported value and its assessment split. */
export interface IndicatorAmounts {
  value: bigint;
  operator: bigint;
  host: bigint;
}

/**
 * Lines that move the booked attribution of one indicator month by `delta` (the new figures less
 * those booked before), in the indicator's own unit. The operator's books hold the park's reported
 * value (its statistical figure) against its assessed share and what it cedes to the host; the host's
 * books receive the ceded share as its own assessed figure. A park run by its host keeps it all.
 */
export function indicatorLines(
  delta: IndicatorAmounts,
  parties: { operator: string; host: string },
  indicator: string,
  park: string,
): Line[] {
  const { operator, host } = parties;
  if (delta.operator + delta.host !== delta.value)
    throw new Rejection("entry_unbalanced", `the shares of ${indicator} do not add up to its value`);
  if (operator === host) {
    return toLines(
      [
        { jurisdiction: host, account: `indicator_reported:${indicator}`, amount_fen: delta.value },
        { jurisdiction: host, account: `indicator_assessed:${indicator}`, amount_fen: -delta.value },
      ],
      indicator,
      park,
    );
  }
  return toLines(
    [
      { jurisdiction: operator, account: `indicator_reported:${indicator}`, amount_fen: delta.value },
      { jurisdiction: operator, account: `indicator_assessed:${indicator}`, amount_fen: -delta.operator },
      { jurisdiction: operator, account: `indicator_ceded:${indicator}`, amount_fen: -delta.host },
      { jurisdiction: host, account: `indicator_received:${indicator}`, amount_fen: delta.host },
      { jurisdiction: host, account: `indicator_assessed:${indicator}`, amount_fen: -delta.host },
    ],
    indicator,
    park,
  );
}

/** Debits equal credits within every jurisdiction's lines of one entry; otherwise a rejection. */
export function assertBalanced(lines: readonly Line[]): void {
  const net = new Map<string, Fen>();
  for (const line of lines) {
    if (line.debit_fen < 0n || line.credit_fen < 0n)
      throw new Rejection("entry_unbalanced", "a line has a negative side");
    net.set(line.jurisdiction, (net.get(line.jurisdiction) ?? 0n) + line.debit_fen - line.credit_fen);
  }
  for (const [jurisdiction, difference] of net) {
    if (difference !== 0n) {
      throw new Rejection("entry_unbalanced", `the lines of ${jurisdiction} differ by ${difference} fen`, {
        jurisdiction,
      });
    }
  }
}
