// Every business rejection the ledger can give, from one closed list whose names state the rule
// broken. The command line and the HTTP API map these codes to exit codes and statuses in one place
// each; codes are never renamed or reused, a retired code stays here marked as such.

export const REJECTIONS = {
  // input rows
  column_missing: "a required column is missing from the header",
  column_unknown: "the header names a column this file kind does not have",
  column_duplicated: "the header names the same column twice",
  field_required: "the field is empty",
  field_too_long: "the field is longer than allowed",
  uscc_length: "a USCC has 18 characters",
  uscc_character: "a USCC uses only 0-9 and A-Z without I, O, S, V, Z",
  uscc_check_character: "the USCC check character does not match the first 17 characters",
  date_invalid: "not a date of the form YYYY-MM-DD that exists in the calendar",
  month_invalid: "not a month of the form YYYY-MM",
  month_outside_year: "the month is not in the year asked for",
  amount_invalid: "not an amount of the form -?digits[.d[d]] in yuan (no exponent, at most two decimals)",
  amount_zero: "an amount of zero books nothing",
  amount_too_large: "an amount is at most 100,000,000,000.00 yuan (one hundred billion) in absolute value",
  text_malformed: "the text holds a lone UTF-16 surrogate or bytes that are not text, which cannot be stored as sent",
  text_control_character: "the text holds a control character it may not hold",
  identifier_padded: "an identifier (a receipt number, a reference, a code) does not begin or end with white space",
  file_name_invalid: "a file name is a name, not . or .. or a path",
  amount_negative_without_refund_of: "a negative amount is a refund and must name the receipt it refunds in refund_of",
  refund_not_negative: "a row naming refund_of must have a negative amount",
  tax_code_unknown: "not a tax code (VAT, CIT, …) or a collection-item code (10101, …)",
  scope_invalid: "scope is gross or local",
  local_scope_of_central_tax: "this tax is wholly central, so it has no local portion to book",
  park_unknown: "not a park code",
  jurisdiction_unknown: "not a jurisdiction",
  operator_unknown: "not a park operator",
  origin_invalid: "origin is relocated, new or local",
  boolean_invalid: "a flag is true or false",
  percent_invalid: "a share is a percentage from 0 to 100 with at most two decimals",
  stay_ends_before_it_starts: "the stay's to date is before its from date",
  stays_overlap: "an enterprise can be in one park at a time; these stays overlap",
  stay_conflicts_with_posted_receipts: "changing this stay would move receipts already booked to another park",
  // receipts and refunds
  receipt_no_reused: "this receipt number is already recorded with different content",
  refund_of_unknown: "refund_of names no recorded receipt",
  refund_of_refund: "refund_of names a refund; name the original receipt",
  refund_tax_differs: "a refund has the tax code of the receipt it refunds",
  refund_enterprise_differs: "a refund has the enterprise of the receipt it refunds",
  refund_before_original: "a refund cannot enter the treasury before the receipt it refunds",
  refund_exceeds_original: "refunds of a receipt can never add up to more than the receipt",
  no_central_ratio: "no central–local ratio for this tax is in force on that date",
  no_agreement: "the park has no sharing agreement in force on that date",
  scope_required:
    "a receipt given as a total says whether it is the whole tax (gross) or the local portion (local); nothing is assumed",
  levels_invalid:
    "the amounts of the levels (central, region, prefecture, county) add up to the amount, each of its sign",
  levels_required: "a refund of a receipt booked with the amounts of each level gives its own levels",
  kind_invalid:
    "kind is receipt, credit_refund, settlement_refund, immediate_refund, export_offset or treasury_adjustment",
  kind_amount_sign:
    "this kind's amount has the wrong sign (refunds are negative, a treasury adjustment positive, an export offset either)",
  kind_refund_of:
    "only a refund of one receipt (kind receipt, negative) and a treasury adjustment name another row in refund_of",
  kind_tax: "a credit refund (留抵退税) is of VAT",
  tax_period_required: "a refund identified by enterprise, tax and period names its tax period",
  tax_period_invalid:
    "not a tax period: YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, a date, or two of these as from/to (所属期起/所属期止)",
  adjustment_of_non_credit_refund: "a treasury adjustment (调库) names the credit refund (留抵退税) it adjusts",
  adjustment_exceeds_local_burden:
    "treasury adjustments of a credit refund never return more than the local part the refund took",
  budget_code_too_general:
    "a class of the budget classification (101 税收收入) does not say which tax it is; give the 款 or 项 code",
  budget_code_not_in_force: "the budget classification did not have this item on that date",
  // journal
  entry_unbalanced: "an entry's debits and credits differ in the books of a jurisdiction",
  balance_limit_exceeded:
    "booking this would take an account's running total past 1,000,000,000,000,000.00 yuan (one quadrillion), the most the books hold",
  idempotency_key_reused: "this idempotency key was used before with different content",
  // periods and settlement
  year_closed: "the year is already settled and closed with this operator",
  year_not_begun: "a year that has not begun cannot be settled",
  period_invalid:
    "not a period of the year: YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, or two of these as YYYY-MM..YYYY-MM within the year",
  interim_rule_missing: "the agreement in force states no interim transfer rule to propose a transfer from",
  proposal_nothing_due: "nothing is due under the interim transfer rule: what it allows is already transferred",
  proposal_unknown: "no such transfer proposal is recorded",
  proposal_differs: "a transfer executing a proposal moves what the proposal says, for its operator and park",
  proposal_stale: "the transfers of the year changed since the proposal was made: propose again",
  proposal_executed: "this transfer proposal is already executed by another transfer",
  year_empty: "nothing is booked or transferred in the year for these parks: there is nothing to settle",
  transfer_ref_reused: "this transfer reference is already recorded with different content",
  transfer_not_positive:
    "a transfer moves a positive amount; money an operator returns is a transfer of kind recovery, also positive",
  recovery_exceeds_transferred:
    "a recovery returns an over-transfer: never more than was transferred to the operator that year, net of earlier returns",
  transfer_kind_invalid: "a transfer's kind is interim (预拨, to the operator) or recovery (收回, returned by it)",
  // payments of settled balances (docs/domain.md#payments-and-arrears)
  payment_year_not_settled:
    "a payment is of a settled balance: the year is not settled with the operator for the park (settle it first)",
  overpayment: "a payment is never more than what is still outstanding of the settled balance",
  payment_not_positive:
    "a payment moves a positive amount; its direction is the debt's, derived from the settled balance",
  payment_ref_reused: "this payment reference is already recorded with different content",
  payment_method_invalid:
    "a payment's method is direct (直接划拨), remittance (年终结算上解) or subsidy (年终结算补助)",
  payment_before_settlement: "a payment of a settled balance is dated on or after the day the year was settled",
  payment_in_future: "a payment is recorded once it is made: its date is not after today (Beijing time)",
  // a version reaching back over booked receipts re-splits them by adjusting entries
  // (docs/decisions/0009-resplits-by-adjusting-entries.md); land revenue booked is not re-split, so an
  // agreement that would change its split is still refused with the first code
  agreement_conflicts_with_posted_receipts:
    "land revenue already booked in the park on or after that date was split under the old agreement",
  // retired: a ratio version reaching back re-splits; kept so the code is never given another meaning
  ratio_conflicts_with_posted_receipts:
    "receipts of this tax already booked on or after that date were split under the old ratio",
  party_unknown: "the party runs no park (park list names the parks and who runs them)",
  // parks and parties
  park_code_invalid: "a park code is 2 to 8 capital letters or digits, starting with a letter",
  party_code_invalid: "a party code is 2 to 32 small letters, digits or _, starting with a letter",
  park_exists: "a park with this code is already recorded with other content",
  host_invalid: "a park's host is the party that hosts the other sub-parks",
  operator_invalid: "a park's operator is a local party other than its host",
  // retired: an operator may run several parks (settlement, transfers and closures are kept per
  // operator and park); kept so the code is never given another meaning
  operator_runs_a_park: "this operator already runs a park; settlement, transfers and closures are kept per operator",
  park_required: "the operator runs several parks; name the park (settlement, transfers and closures are per park)",
  statement_row_reused: "this receipt number is already in this party's statement with different content",
  // indicators
  indicator_unknown: "not an indicator code (GDP, GIOV, FAI, TRADE, FDI)",
  quantity_invalid: "not a value of the form -?digits[.dddd] (no exponent, no separators, at most four decimals)",
  quantity_too_large: "an indicator value or quota is at most 1,000,000,000,000.0000 in absolute value",
  basis_invalid: "basis is ytd (year to date, 累计) or month (当月)",
  month_in_future: "a report cannot be for a month that has not begun",
  indicator_row_repeated: "this park, indicator and month is already reported by another row of this file",
  // projects and their quotas
  introduced_by_required:
    "a relocated or newly attracted project names in introduced_by the party that provides its quotas",
  project_row_repeated: "this project number is already in another row of this file with different content",
  // land and mineral revenue, and exemptions
  land_kind_invalid: "kind is revenue (收入) or exemption (减免)",
  land_item_unknown: "not a land or mineral revenue item (LAND, NCLF, MRR) or the budget code of one",
  land_field_not_for_kind: "the field belongs to the other kind of row (revenue or exemption); leave it empty",
  land_ref_reused: "this land reference is already recorded with different content",
  land_row_repeated: "this reference is already in another row of this file with different content",
  amount_not_positive: "the amount is positive: land revenue and exemptions are recorded as positive amounts",
  project_unknown: "not a recorded project number (import projects first)",
  project_park_differs: "the project is recorded in another park",
  project_enterprise_differs: "the project is recorded with another enterprise",
  forgone_by_invalid:
    "forgone_by names the park's operator or host, central where the item has a central share, or shared",
  // decisions on probable reconciliation counterparts
  reconciliation_row_unknown:
    "not a row of this reconciliation: no receipt of the operator's parks, or no row of its statement, with this number collected in the year",
  reconciliation_row_matched:
    "the row is already matched by receipt number; only a receipt missing in the operator's statement and a statement row missing in the prefecture's books are paired",
  reconciliation_pair_differs: "a confirmed pair has the same enterprise (USCC) and tax on both sides",
  reconciliation_pair_taken: "the row is already in a confirmed pair with another row; reject that pair first",
  reason_required: "a rejection says why the two rows are not one receipt",
  // settlement statements (结算单) and their life
  statement_unknown: "no settlement statement with this number is recorded (report statements lists them)",
  statement_operator_only: "only the operator itself confirms, disputes or withdraws a dispute of its statement",
  statement_host_only: "only the prefecture that issued the statement resolves a dispute of it",
  statement_superseded: "the statement is superseded by a later issue; act on that one",
  statement_disputed: "the statement has disputes open; they are resolved or withdrawn before it is confirmed",
  statement_stale: "the books no longer say what the statement says; the prefecture issues it again",
  statement_confirmed:
    "the statement is confirmed; a difference found since is settled by an adjusting entry and a new issue",
  statement_line_unknown: "not a line of the statement (a tax code, a figure of totals, transfers, a month, …)",
  statement_dispute_unknown: "the statement has no dispute with this number",
  statement_dispute_closed: "the dispute is already resolved or withdrawn",
  statement_resolution_unknown: "the entry, receipt or transfer named as the resolution is not of the statement's park",
  statement_unconfirmed:
    "a year is settled on a confirmed statement that matches the books, or with the prefecture's written reason (override_reason)",
  file_unreadable: "the file cannot be read",
  file_empty: "the file has no header row",
  file_kind_wrong: "the file is of another kind than this import takes; the message names the import it belongs to",
} as const;

export type RejectionCode = keyof typeof REJECTIONS;

/** A rejection of something a user sent: never a bug, always reported with where it happened. */
export class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? REJECTIONS[code]);
    this.name = "Rejection";
  }
}

/**
 * A rejection of one named input. The message names the JSON field (`operator_share: …`), as the HTTP
 * API reports it; the command line shows the same field as its option (`--operator-share: …`).
 */
export function fieldRejection(field: string, code: RejectionCode, reason: string): Rejection {
  return new Rejection(code, `${field}: ${reason}`, { field, reason });
}

/** The field and reason of a rejection made by `fieldRejection`, or null. */
export function rejectedField(r: Rejection): { field: string; reason: string } | null {
  const d = r.details as { field?: unknown; reason?: unknown } | undefined;
  return typeof d?.field === "string" && typeof d.reason === "string" ? { field: d.field, reason: d.reason } : null;
}

/** One problem found in one row of an input file. */
export interface RowProblem {
  row: number;
  column: string | null;
  code: RejectionCode;
  reason: string;
  value?: string;
}
