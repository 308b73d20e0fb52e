// Indicator reports as recorded, and their attribution as booked. The journal holds, per park,
// indicator and month, the month's value and its assessment split; whenever the reports in force or
// an agreement change, `bringAttributionUpToDate` books the difference between what the reports now
// say and what the journal holds, as new entries (the journal is append-only, so a revision is an
// adjustment beside the original, never an edit of it).

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import {
  attributeMonths,
  formatQuantity,
  type Basis,
  type MonthAttribution,
  type MonthReport,
  type Units,
} from "../../ledger/indicators.js";
import { toFen } from "../../ledger/money.js";
import { formatBpAsPercent } from "../../ledger/ratio.js";
import { indicatorLines, type IndicatorAmounts } from "../../ledger/posting.js";
import { Rejection } from "../../ledger/rejections.js";
import type { AccountBook } from "./accounts.js";
import { JournalWriter } from "./journal.js";
import type { Park, ReferenceData } from "./reference.js";

/** A report on record; `revision` 0 is the first report of its park, indicator and month. */
export interface RecordedReport {
  id: string;
  park: string;
  indicator: string;
  /** `YYYY-MM` */
  month: string;
  basis: Basis;
  value: Units;
  revision: number;
  import_id: string;
  source_row: number;
  file_name: string;
  recorded_at: string;
}

/** Every report on record for a park's year, oldest revision first; `indicator` narrows it to one. */
export async function recordedReports(
  knex: Knex | Knex.Transaction,
  park: string,
  year: number,
  indicator?: string,
): Promise<RecordedReport[]> {
  const { rows } = await knex.raw(
    `select r.id, r.park, r.indicator, to_char(r.month, 'YYYY-MM') as month, r.basis, r.value_units, r.revision,
            r.import_id, r.source_row, i.file_name, r.recorded_at
       from indicator_reports r join imports i on i.id = r.import_id
      where r.park = ? and r.month >= ? and r.month < ? ${indicator !== undefined ? "and r.indicator = ?" : ""}
      order by r.indicator, r.month, r.revision`,
    [park, `${year}-01-01`, `${year + 1}-01-01`, ...(indicator !== undefined ? [indicator] : [])],
  );
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id),
    park: r.park as string,
    indicator: r.indicator as string,
    month: r.month as string,
    basis: r.basis as Basis,
    value: toFen(r.value_units),
    revision: Number(r.revision),
    import_id: String(r.import_id),
    source_row: Number(r.source_row),
    file_name: r.file_name as string,
    recorded_at: new Date(r.recorded_at as string).toISOString(),
  }));
}

/** The report in force for each month: the latest revision. */
export function reportsInForce(reports: readonly RecordedReport[]): Map<string, RecordedReport> {
  const latest = new Map<string, RecordedReport>();
  for (const r of reports) {
    const before = latest.get(r.month);
    if (before === undefined || r.revision > before.revision) latest.set(r.month, r);
  }
  return latest;
}

const monthNumber = (month: string): number => Number(month.slice(5, 7));
const monthText = (year: number, month: number): string => `${year}-${String(month).padStart(2, "0")}`;

/** What the reports in force say the journal should hold for one park, indicator and year. */
export function expectedAttribution(
  ref: ReferenceData,
  park: Park,
  year: number,
  inForce: Map<string, RecordedReport>,
): MonthAttribution[] {
  const reports: MonthReport[] = [...inForce.values()].map((r) => ({
    month: monthNumber(r.month),
    basis: r.basis,
    value: r.value,
  }));
  return attributeMonths(reports, (month) => {
    const share = ref.indicatorShareOn(park, monthText(year, month));
    if (share === undefined)
      throw new Rejection(
        "no_agreement",
        `${park.code} has no sharing agreement in force on ${monthText(year, month)}-01 to split its indicators by`,
      );
    return share;
  });
}

/**
 * What the journal holds for a park's year: indicator → month (`YYYY-MM`) → value and split. The value
 * is the operator's `indicator_reported`, the host's share its `indicator_received`.
 */
export async function bookedAttribution(
  knex: Knex | Knex.Transaction,
  park: Park,
  year: number,
  indicator?: string,
): Promise<Map<string, Map<string, IndicatorAmounts>>> {
  const { rows } = await knex.raw(
    `select e.tax_code as indicator, to_char(e.effective_on, 'YYYY-MM') as month, a.jurisdiction, a.code,
            sum(l.debit_fen - l.credit_fen) as net
       from journal_entries e
       join journal_lines l on l.entry_id = e.id
       join accounts a on a.id = l.account_id
      where e.kind = 'indicator' and e.park = ? and e.fiscal_year = ? ${indicator !== undefined ? "and e.tax_code = ?" : ""}
      group by 1, 2, 3, 4`,
    [park.code, year, ...(indicator !== undefined ? [indicator] : [])],
  );
  const booked = new Map<string, Map<string, IndicatorAmounts>>();
  for (const r of rows) {
    let months = booked.get(r.indicator);
    if (months === undefined) booked.set(r.indicator, (months = new Map()));
    let m = months.get(r.month);
    if (m === undefined) months.set(r.month, (m = { value: 0n, operator: 0n, host: 0n }));
    const net = toFen(r.net);
    if (r.jurisdiction === park.operator && r.code === `indicator_reported:${r.indicator}`) m.value = net;
    if (park.operator !== park.host && r.jurisdiction === park.host && r.code === `indicator_received:${r.indicator}`)
      m.host = net;
  }
  for (const months of booked.values()) for (const m of months.values()) m.operator = m.value - m.host;
  return booked;
}

/** Why attributions are being brought up to date: an import of reports, or a new agreement. */
export type AttributionCause = { kind: "import"; import_id: bigint } | { kind: "agreement"; agreement_id: number };

export interface AttributionTarget {
  park: Park;
  indicator: string;
  year: number;
}

/**
 * Books, for every month of every target, the difference between the attribution the reports in
 * force give and what the journal holds. Returns the number of entries posted. The caller holds
 * the journal lock.
 */
export async function bringAttributionUpToDate(
  trx: Knex.Transaction,
  ref: ReferenceData,
  accounts: AccountBook,
  targets: readonly AttributionTarget[],
  cause: AttributionCause,
): Promise<number> {
  const writer = new JournalWriter(trx, accounts, { copy: false });
  let posted = 0;
  for (const { park, indicator, year } of targets) {
    const inForce = reportsInForce(await recordedReports(trx, park.code, year, indicator));
    const expected = new Map(expectedAttribution(ref, park, year, inForce).map((m) => [monthText(year, m.month), m]));
    const booked = (await bookedAttribution(trx, park, year, indicator)).get(indicator) ?? new Map();
    const months = [...new Set([...expected.keys(), ...booked.keys()])].sort();
    for (const month of months) {
      const want = expected.get(month);
      const have: IndicatorAmounts = booked.get(month) ?? { value: 0n, operator: 0n, host: 0n };
      const delta: IndicatorAmounts = {
        value: (want?.value ?? 0n) - have.value,
        operator: (want?.operator ?? 0n) - have.operator,
        host: (want?.host ?? 0n) - have.host,
      };
      if (delta.value === 0n && delta.operator === 0n && delta.host === 0n) continue;
      const lines = indicatorLines(delta, park, indicator, park.code);
      const causeKey = cause.kind === "import" ? `import:${cause.import_id}` : `agreement:${cause.agreement_id}`;
      const report = inForce.get(month);
      const covers =
        want !== undefined && want.first_month < want.month ? ` (${want.first_month}–${want.month}月)` : "";
      writer.add({
        idempotency_key: `indicator:${causeKey}:${park.code}:${indicator}:${month}`,
        input_hash: createHash("sha256")
          .update(JSON.stringify([month, delta.value, delta.operator, delta.host].map(String)))
          .digest("hex"),
        kind: "indicator",
        fiscal_year: year,
        origin_year: year,
        effective_on: `${month}-01`,
        park: park.code,
        operator: park.operator,
        tax_code: indicator,
        description:
          `${indicator} ${month}${covers}: month value ${formatQuantity(want?.value ?? 0n)}` +
          (want?.operator_share_bp !== undefined && want.operator_share_bp !== null
            ? ` split ${formatBpAsPercent(want.operator_share_bp)}% to ${park.operator}`
            : "") +
          (have.value !== 0n || have.host !== 0n ? `; booked before ${formatQuantity(have.value)}` : "") +
          (report !== undefined ? ` (report revision ${report.revision})` : ""),
        import_id: cause.kind === "import" ? cause.import_id : null,
        source_row:
          cause.kind === "import" && report !== undefined && report.import_id === cause.import_id.toString()
            ? report.source_row
            : null,
        lines,
      });
      posted += 1;
    }
  }
  await writer.finish();
  return posted;
}
