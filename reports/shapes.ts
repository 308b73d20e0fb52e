// The JSON shapes of the reports scripts read by contract (the settlement statement, the
// reconciliation, the indicator report), declared once as zod schemas: the reports' TypeScript types
// are inferred from them, every HTTP answer is checked against them, and the OpenAPI document
// describes them. A field added to a report is added here, or the type checker and the answer's
// check say so.

import { z } from "zod";

/** Yuan with exactly two decimals. */
export const Money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe("yuan with exactly two decimals");
/** An indicator value with exactly four decimals. */
export const Quantity = z
  .string()
  .regex(/^-?\d+\.\d{4}$/)
  .describe("an indicator value with exactly four decimals");
const Percent = z.string().regex(/^\d+\.\d{2}$/);
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Status = z.enum(["open", "closed"]);

const SettlementTaxRow = z.strictObject({
  tax_code: z.string(),
  tax_name_zh: z.string(),
  tax_name_en: z.string(),
  receipts: z.number().int(),
  central_excluded: Money,
  local_revenue: Money,
  operator_share: Money,
  host_share: Money,
  /** Revenue of the park in this item that no agreement shares (non-tax items): the host keeps it. */
  not_shared: Money,
});

const SettlementTotals = z.strictObject({
  central_excluded: Money,
  local_revenue: Money,
  operator_share: Money,
  host_share: Money,
  not_shared: Money,
  /** Interim transfers (预拨) to the operator. */
  transferred_interim: Money,
  /** Over-transfers the operator returned (收回). */
  recovered: Money,
  /** Net: transferred_interim − recovered. */
  transferred: Money,
  balance_due: Money,
});

export const SettlementStatementShape = z.strictObject({
  year: z.number().int(),
  operator: z.string(),
  /** The parks' common host; null only if an operator's parks have different hosts. */
  host: z.string().nullable(),
  /** The park's code; null for an operator's statement over several parks (see `parks`). */
  park: z.string().nullable(),
  /** Only for several parks: the parks summed, and each one's totals. */
  parks: z.array(z.string()).optional(),
  by_park: z
    .array(
      z.strictObject({
        park: z.string(),
        host: z.string(),
        status: Status,
        closed_at: z.string().nullable(),
        totals: SettlementTotals,
      }),
    )
    .optional(),
  status: Status,
  closed_at: z.string().nullable(),
  /** Only for a statement of part of the year: its months, as `2025-01..2025-06` or `2025-03`. */
  period: z.string().optional(),
  by_tax: z.array(SettlementTaxRow),
  prior_year_adjustments: z.array(SettlementTaxRow.extend({ origin_year: z.number().int() })),
  totals: SettlementTotals,
  /** Refunds and the other kinds of negative flow and adjustment, per kind and tax (included in by_tax). */
  refunds_and_adjustments: z.array(
    z.strictObject({
      kind: z.string(),
      kind_name_zh: z.string(),
      tax_code: z.string(),
      count: z.number().int(),
      central_excluded: Money,
      local_revenue: Money,
      operator_share: Money,
      host_share: Money,
    }),
  ),
  /** `park` is named when the statement covers several parks. */
  agreements: z.array(
    z.strictObject({
      park: z.string().optional(),
      effective_from: IsoDate,
      operator_share_pct: Percent,
      note: z.string(),
    }),
  ),
  transfers: z.array(
    z.strictObject({
      park: z.string().optional(),
      ref: z.string(),
      kind: z.enum(["interim", "recovery"]),
      transferred_on: IsoDate,
      amount: Money,
    }),
  ),
  /**
   * The year month by month, adding up to it: twelve months (`YYYY-MM`), then `month: null` for what is
   * dated outside the year when there is any. Absent from statements frozen at closing before months were reported.
   */
  months: z
    .array(
      z.strictObject({
        month: z.string().nullable(),
        receipts: z.number().int(),
        central_excluded: Money,
        local_revenue: Money,
        operator_share: Money,
        host_share: Money,
        not_shared: Money,
        transferred: Money,
      }),
    )
    .optional(),
});

const ReconciliationStatusShape = z.enum([
  "matched",
  "amount_mismatch",
  "missing_in_operator",
  "missing_in_prefecture",
  /** A receipt and a statement row under different numbers that a person confirmed are one receipt. */
  "matched_by_decision",
]);

/** The decision in force on a pair of rows (the latest recorded for it; src/services/reconciliation-decisions.ts). */
export const ReconciliationDecisionShape = z.strictObject({
  /** The pair: the prefecture's receipt (missing_in_operator) and the operator's statement row (missing_in_prefecture). */
  receipt_no: z.string(),
  counterpart_no: z.string(),
  decision: z.enum(["confirm", "reject"]),
  reason: z.string().nullable(),
  party: z.string(),
  /** The person's user name when decided signed in with a session; null for a token or the command line. */
  user: z.string().nullable(),
  decided_at: z.string(),
});

export const ReconciliationShape = z.strictObject({
  year: z.number().int(),
  operator: z.string(),
  /** The park reconciled; null when the operator runs several and none was named (see `parks`). */
  park: z.string().nullable(),
  /** Only when several parks are reconciled together. */
  parks: z.array(z.string()).optional(),
  summary: z.strictObject({
    matched: z.number().int(),
    amount_mismatch: z.number().int(),
    missing_in_operator: z.number().int(),
    missing_in_prefecture: z.number().int(),
    /** Items (both sides of each confirmed pair) matched by a person's decision. */
    matched_by_decision: z.number().int(),
    probable_pairs: z.number().int(),
    prefecture_total: Money,
    operator_total: Money,
    difference: Money,
    operator_share_booked: Money,
    operator_share_difference: Money,
  }),
  items: z.array(
    z.strictObject({
      receipt_no: z.string(),
      status: ReconciliationStatusShape,
      prefecture_amount: Money.nullable(),
      operator_amount: Money.nullable(),
      uscc: z.string(),
      tax_code: z.string(),
      collected_on: IsoDate,
      /** Fields other than the amount on which the two records of a matched number disagree. */
      differences: z.array(z.string()),
      /** What the operator's share would change by if the operator's record were right. */
      operator_share_effect: Money,
      /** A row on the other side that is probably the same receipt under another number. */
      probable_counterpart: z.string().nullable(),
      /**
       * The decision in force on the item's pair: the confirmed one, else the latest on a pair it is in;
       * null when no pair of it was decided.
       */
      decision: ReconciliationDecisionShape.nullable(),
    }),
  ),
  anomalies: z.array(
    z.strictObject({
      kind: z.enum(["bingtuan_flag_set", "bingtuan_flag_after_removal", "claimed_by_both_operators", "suspense"]),
      uscc: z.string(),
      detail: z.string(),
      receipt_no: z.string().optional(),
      enterprise: z.string().nullable().optional(),
      amount: Money.optional(),
    }),
  ),
});

/** Party → value, `{ "<operator>": "…", "<host>": "…" }`; one key for a park its host runs. */
const ByParty = z.record(z.string(), Quantity);

export const IndicatorsReportShape = z.strictObject({
  year: z.number().int(),
  /** The months it covers (`2025-01..2025-03`), when not the whole year. */
  period: z.string().optional(),
  park: z.string(),
  operator: z.string(),
  host: z.string(),
  indicators: z.array(
    z.strictObject({
      indicator: z.string(),
      name_zh: z.string(),
      name_en: z.string(),
      unit: z.string(),
      unit_zh: z.string(),
      total: Quantity,
      /** The latest month reported, `YYYY-MM`; null when nothing is reported for the year. */
      through: z.string().nullable(),
      statistical: ByParty,
      assessment: ByParty,
      months: z.array(
        z.strictObject({
          month: z.string(),
          /** The first month the value covers (`2025-01` for the combined 1–2月 report in February). */
          first_month: z.string(),
          basis: z.enum(["ytd", "month"]).nullable(),
          /** The figure as reported (year-to-date or monthly, per `basis`). */
          reported: Quantity.nullable(),
          ytd: Quantity,
          value: Quantity,
          operator_share_pct: Percent.nullable(),
          statistical: ByParty,
          assessment: ByParty,
          /** The revision in force (0: the first report); `reports_on_record` counts every one kept. */
          revision: z.number().int().nullable(),
          reports_on_record: z.number().int(),
        }),
      ),
    }),
  ),
});

const LandRevenueFigures = z.strictObject({
  records: z.number().int(),
  gross: Money,
  central: Money,
  /** gross − central = operator_share + host_share + not_shared */
  local: Money,
  /** The operator's share of revenue of an item its park's agreement names. */
  operator_share: Money,
  /** The host's share of revenue of an item the agreement names. */
  host_share: Money,
  /** Local revenue of an item no agreement names: the host keeps it. */
  not_shared: Money,
});

const LandPartyFigures = z.strictObject({
  party: z.string(),
  /** What the party receives of the revenue (central: the central share; the host: host_share + not_shared). */
  revenue: Money,
  /** What it forgoes by the exemptions, and in how many of them. */
  exempted: Money,
  exemptions: z.number().int(),
});

const LandExemptionFigures = z.strictObject({
  item: z.string(),
  party: z.string(),
  count: z.number().int(),
  amount: Money,
});

export const LandReportShape = z.strictObject({
  year: z.number().int(),
  /** The months it covers (`2025-01..2025-03`), when not the whole year. */
  period: z.string().optional(),
  /** The park asked for; null for every park the viewer may see (see `parks`). */
  park: z.string().nullable(),
  parks: z.array(z.string()),
  items: z.array(
    z.strictObject({
      code: z.string(),
      budget_code: z.string().nullable(),
      name_zh: z.string(),
      name_en: z.string(),
      /** The central share in force on the last day of the year; null before the item has one. */
      central_share_pct: Percent.nullable(),
    }),
  ),
  by_park: z.array(
    z.strictObject({
      park: z.string(),
      operator: z.string(),
      host: z.string(),
      revenue: z.array(LandRevenueFigures.extend({ item: z.string() })),
      revenue_totals: LandRevenueFigures,
      exemptions: z.array(LandExemptionFigures),
      exemption_totals: z.strictObject({ count: z.number().int(), amount: Money }),
      by_party: z.array(LandPartyFigures.extend({ role: z.enum(["central", "operator", "host"]) })),
    }),
  ),
  by_party: z.array(LandPartyFigures),
  totals: LandRevenueFigures.extend({ exemptions: z.number().int(), exempted: Money }),
  /** With `by month`: the totals of each month (month null: collected outside the fiscal year). */
  months: z
    .array(LandRevenueFigures.extend({ month: z.string().nullable(), exemptions: z.number().int(), exempted: Money }))
    .optional(),
  revenue_records: z.array(
    z.strictObject({
      ref: z.string(),
      park: z.string(),
      item: z.string(),
      item_as_given: z.string(),
      collected_on: IsoDate,
      uscc: z.string().nullable(),
      project: z.string().nullable(),
      amount: Money,
      central: Money,
      operator_share: Money,
      host_share: Money,
      not_shared: Money,
    }),
  ),
  exemption_records: z.array(
    z.strictObject({
      ref: z.string(),
      park: z.string(),
      project: z.string(),
      uscc: z.string(),
      item: z.string(),
      amount: Money,
      basis: z.string(),
      approved_on: IsoDate,
      /** As recorded: a party, or `shared` (the operator and the host by the park's agreement). */
      forgone_by: z.string(),
      /** Party → the amount it forgoes (only parties that forgo something). */
      forgone: z.record(z.string(), Money),
    }),
  ),
});
