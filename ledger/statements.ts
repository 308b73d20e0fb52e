// The life of a settlement statement (结算单), pure: which lines a statement has (the names a dispute
// gives them, as the statement's JSON names them), where a frozen statement and the books differ, and
// the state its events add up to. The events are recorded in order and never changed
// (migrations/024_settlement_statements.ts); src/services/statements.ts records and reads them.

/** What of a settlement statement's JSON the lines are read from (reports/shapes.ts declares all of it). */
export interface StatementFigures {
  by_tax: readonly { tax_code: string }[];
  prior_year_adjustments: readonly unknown[];
  refunds_and_adjustments: readonly unknown[];
  agreements: readonly unknown[];
  transfers: readonly { ref: string }[];
  totals: Readonly<Record<string, string>>;
  months?: readonly { month: string | null }[] | undefined;
}

/**
 * Every line a dispute may name, with its content as text: each tax code of `by_tax`, each figure of
 * `totals` (`operator_share`, `balance_due`, …), `transfers` and each transfer's ref, each month
 * (`2025-03`, `outside_year`), and `prior_year_adjustments`, `refunds_and_adjustments`, `agreements`.
 */
export function statementLines(s: StatementFigures): Map<string, string> {
  const lines = new Map<string, string>();
  for (const row of s.by_tax) lines.set(row.tax_code, JSON.stringify(row));
  for (const [key, value] of Object.entries(s.totals)) lines.set(key, value);
  lines.set("transfers", JSON.stringify(s.transfers));
  for (const t of s.transfers) lines.set(t.ref, JSON.stringify(s.transfers.filter((x) => x.ref === t.ref)));
  for (const m of s.months ?? []) lines.set(m.month ?? "outside_year", JSON.stringify(m));
  lines.set("prior_year_adjustments", JSON.stringify(s.prior_year_adjustments));
  lines.set("refunds_and_adjustments", JSON.stringify(s.refunds_and_adjustments));
  lines.set("agreements", JSON.stringify(s.agreements));
  return lines;
}

/** The lines whose content differs between two statements (one missing from either counts), in the first's order. */
export function differingLines(frozen: StatementFigures, books: StatementFigures): string[] {
  const a = statementLines(frozen);
  const b = statementLines(books);
  const names = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
  return names.filter((name) => a.get(name) !== b.get(name));
}

export type StatementEventKind = "confirm" | "dispute" | "resolve" | "withdraw" | "supersede";

/** An event as the state needs it: its place in the statement's events, its kind, and the dispute it ends. */
export interface StatementEvent {
  seq: number;
  kind: StatementEventKind;
  /** For resolve and withdraw: the seq of the dispute it ends. */
  dispute_seq: number | null;
}

/**
 * issued: waiting for the operator; disputed: a dispute is open; confirmed: the operator confirmed it
 * (no dispute open); superseded: a later issue took its place (whatever else happened).
 */
export type StatementState = "issued" | "disputed" | "confirmed" | "superseded";

export interface DerivedState {
  state: StatementState;
  /** The seqs of the disputes neither resolved nor withdrawn. */
  open_disputes: number[];
  confirmed: boolean;
}

export function deriveState(events: readonly StatementEvent[]): DerivedState {
  const open = new Set<number>();
  let confirmed = false;
  let superseded = false;
  for (const e of [...events].sort((x, y) => x.seq - y.seq)) {
    if (e.kind === "dispute") open.add(e.seq);
    else if ((e.kind === "resolve" || e.kind === "withdraw") && e.dispute_seq !== null) open.delete(e.dispute_seq);
    else if (e.kind === "confirm") confirmed = true;
    else if (e.kind === "supersede") superseded = true;
  }
  const open_disputes = [...open].sort((a, b) => a - b);
  const state: StatementState = superseded
    ? "superseded"
    : open_disputes.length > 0
      ? "disputed"
      : confirmed
        ? "confirmed"
        : "issued";
  return { state, open_disputes, confirmed };
}

/** A statement's number: `ZD-2025-bingtuan-BZ-01` (账单, year, operator, park, the issue of that year). */
export function statementNumber(year: number, operator: string, park: string, issue: number): string {
  return `ZD-${year}-${operator}-${park}-${String(issue).padStart(2, "0")}`;
}
