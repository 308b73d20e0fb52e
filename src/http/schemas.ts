// The shapes the HTTP API takes and gives, as zod schemas: requests are parsed with them (unknown
// fields, floats for money and wrong types are refused), responses are checked against them, and the
// OpenAPI document is generated from the same schemas (./openapi.ts).

import { z } from "zod";

export const Yuan = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,2})?$/, 'an amount is a decimal string in yuan with at most two decimals, e.g. "1234.56"')
  .describe("yuan as a decimal string, at most two decimals; never a JSON number");
export const Money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe("yuan with exactly two decimals");
export const Quantity = z
  .string()
  .regex(/^-?\d+\.\d{4}$/)
  .describe("an indicator value with exactly four decimals");
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date is YYYY-MM-DD");
export const Year = z.coerce.number().int().min(1990).max(2999);
const Code = z.string().min(1).max(32);

export const ReceiptInput = z.strictObject({
  receipt_no: z.string().min(1).max(64),
  uscc: z.string().length(18),
  tax_code: Code.describe("VAT, CIT, … or a collection-item code such as 10101"),
  collected_on: IsoDate,
  amount: Yuan,
  scope: z.enum(["gross", "local"]).optional(),
  tax_period: z.string().max(32).optional(),
  refund_of: z.string().min(1).max(64).optional(),
});
export type ReceiptInputT = z.infer<typeof ReceiptInput>;
export const ReceiptBatch = z.strictObject({ receipts: z.array(ReceiptInput).min(1).max(10_000) });

export const PostedReceipt = z.strictObject({
  receipt_no: z.string(),
  outcome: z.enum(["booked", "unchanged"]),
  status: z.enum(["posted", "suspense"]),
  park: z.string().nullable(),
  fiscal_year: z.number().int(),
  amount: Money,
  central_share: Money,
  local_revenue: Money,
  operator_share: Money,
  host_share: Money,
  entry_id: z.string(),
});
export const PostReceiptsResult = z.strictObject({
  booked: z.number().int(),
  unchanged: z.number().int(),
  suspense: z.number().int(),
  receipts: z.array(PostedReceipt),
});

export const TransferInput = z.strictObject({
  operator: z.string().min(1).max(32),
  amount: Yuan,
  on: IsoDate,
  ref: z.string().min(1).max(64),
});
export const AgreementInput = z.strictObject({
  park: z.string().min(1).max(8),
  operator_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "80" or "37.5"'),
  from: IsoDate,
  note: z.string().max(500).optional(),
  share_non_tax: z.array(Code).max(20).optional(),
});
export const RatioInput = z.strictObject({
  tax: Code,
  central_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "50"'),
  from: IsoDate,
  note: z.string().max(500).optional(),
});
export const RatioQuery = z.strictObject({ tax: Code.optional() });
export const SettleInput = z.strictObject({
  year: z.number().int().min(1990).max(2999),
  operator: z.string().min(1).max(32),
});

export const Format = z.enum(["json", "csv", "xlsx", "table"]);
const formatField = { format: Format.optional() };

export const SettlementQuery = z.strictObject({ year: Year, operator: z.string().min(1).max(32), ...formatField });
export const ReconciliationQuery = z.strictObject({
  year: Year,
  operator: z.string().min(1).max(32).optional(),
  ...formatField,
});
export const IndicatorsQuery = z.strictObject({ year: Year, park: z.string().min(1).max(8), ...formatField });
export const CommitmentsQuery = z.strictObject({
  year: Year,
  jurisdiction: z.string().min(1).max(32).optional(),
  park: z.string().min(1).max(8).optional(),
  ...formatField,
});
export const TrialBalanceQuery = z.strictObject({
  year: Year,
  jurisdiction: z.string().min(1).max(32),
  ...formatField,
});
export const SuspenseQuery = z.strictObject({ year: Year.optional(), ...formatField });
export const ImportQuery = z.strictObject({
  party: z.string().min(1).max(32).optional(),
  name: z.string().max(200).optional(),
});
export const Limit = z.coerce.number().int().min(0).max(10_000_000).optional();
export const TraceSettlementQuery = z.strictObject({
  year: Year,
  operator: z.string().min(1).max(32),
  tax: Code.optional(),
  figure: z
    .enum([
      "operator_share",
      "host_share",
      "local_revenue",
      "central_excluded",
      "not_shared",
      "transferred",
      "balance_due",
    ])
    .default("operator_share"),
  limit: Limit,
  ...formatField,
});
export const TraceIndicatorsQuery = z.strictObject({
  year: Year,
  park: z.string().min(1).max(8),
  indicator: Code,
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional(),
  figure: z.enum(["total", "statistical", "assessment_operator", "assessment_host"]).default("total"),
  limit: Limit,
  ...formatField,
});
export const TraceAccountQuery = z.strictObject({
  year: Year,
  jurisdiction: z.string().min(1).max(32),
  account: z.string().min(1).max(64),
  figure: z.enum(["debit", "credit"]).default("debit"),
  limit: Limit,
  ...formatField,
});
export const VerifyQuery = z.strictObject({ anchor: z.string().max(100).optional() });
export const NoQuery = z.strictObject({ ...formatField });

export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const SettlementReport = z
  .object({
    year: z.number().int(),
    operator: z.string(),
    park: z.string(),
    by_tax: z.array(
      z.object({ tax_code: z.string(), local_revenue: Money, operator_share: Money, host_share: Money }).loose(),
    ),
    totals: z
      .object({
        central_excluded: Money,
        local_revenue: Money,
        operator_share: Money,
        host_share: Money,
        transferred: Money,
        balance_due: Money,
      })
      .loose(),
  })
  .loose();
export const ReconciliationReport = z
  .object({
    year: z.number().int(),
    operator: z.string(),
    summary: z
      .object({
        matched: z.number().int(),
        amount_mismatch: z.number().int(),
        missing_in_operator: z.number().int(),
        missing_in_prefecture: z.number().int(),
        prefecture_total: Money,
        operator_total: Money,
        difference: Money,
      })
      .loose(),
    items: z.array(
      z
        .object({
          receipt_no: z.string(),
          status: z.enum(["matched", "amount_mismatch", "missing_in_operator", "missing_in_prefecture"]),
          prefecture_amount: Money.nullable(),
          operator_amount: Money.nullable(),
        })
        .loose(),
    ),
    anomalies: z.array(
      z
        .object({ kind: z.enum(["bingtuan_flag_set", "claimed_by_both_operators", "suspense"]), uscc: z.string() })
        .loose(),
    ),
  })
  .loose();
export const IndicatorsReport = z
  .object({
    year: z.number().int(),
    park: z.string(),
    indicators: z.array(
      z
        .object({
          indicator: z.string(),
          unit: z.string(),
          total: Quantity,
          statistical: z.record(z.string(), Quantity),
          assessment: z.record(z.string(), Quantity),
        })
        .loose(),
    ),
  })
  .loose();
export const AnyReport = z.object({}).loose();
