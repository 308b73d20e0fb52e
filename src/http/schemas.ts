// The shapes the HTTP API takes and gives, as zod schemas: requests are parsed with them (unknown
// fields, floats for money and wrong types are refused), responses are checked against them, and the
// OpenAPI document is generated from the same schemas (./openapi.ts).

import { LOCAL_LEVELS, RECEIPT_KINDS } from "../../ledger/kinds.js";
import { z } from "zod";
import {
  IndicatorsReportShape,
  LandReportShape,
  Money,
  Quantity,
  ReconciliationShape,
  SettlementStatementShape,
} from "../../reports/shapes.js";
import { textProblem, type TextKind } from "../../ledger/text.js";
import { LIMITS } from "./guard.js";

export const Yuan = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,2})?$/, 'an amount is a decimal string in yuan with at most two decimals, e.g. "1234.56"')
  .describe("yuan as a decimal string, at most two decimals; never a JSON number");
export { Money, Quantity };
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date is YYYY-MM-DD");
const NOT_A_YEAR = "not a year such as 2025 (1990 to 2999)";
export const Year = z.coerce
  .number({ error: NOT_A_YEAR })
  .int({ error: NOT_A_YEAR })
  .min(1990, { error: NOT_A_YEAR })
  .max(2999, { error: NOT_A_YEAR });
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month is YYYY-MM, 01 to 12");

/** Text that enters the books or names something in them: refused unless it can be kept as sent (ledger/text.ts). */
function checkedText(kind: TextKind, min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, kind);
      if (problem !== null) ctx.addIssue({ code: "custom", message: `${problem.reason} [${problem.code}]` });
    });
}
/** Receipt numbers, references, codes: printable, without control or bidirectional-control characters. */
export const Identifier = (max: number, min = 1) => checkedText("identifier", min, max);
/** Names and notes: well-formed text without NUL or other control characters than tab and line breaks. */
export const Text = (max: number, min = 0) => checkedText("text", min, max);
/** A tax, indicator or item code. */
export const Code = Identifier(32);
/** A party: a jurisdiction's code, or its name (rewritten to the code before anything reads it). */
export const Party = Identifier(32);
/** A park's code, or its name (rewritten to the code before anything reads it). */
export const ParkCode = Identifier(8);

export const ReceiptInput = z.strictObject({
  receipt_no: Identifier(64),
  uscc: Identifier(18, 18),
  tax_code: Code.describe("VAT, CIT, … or a budget classification code at any level: 10101, 1010101"),
  collected_on: IsoDate,
  amount: Yuan,
  scope: z
    .enum(["gross", "local"])
    .optional()
    .describe("required unless the levels are given (or for an export offset): nothing is assumed"),
  tax_period: Text(32).optional(),
  refund_of: Identifier(64).optional(),
  kind: z.enum(RECEIPT_KINDS).optional(),
  central: Yuan.optional().describe("the central level's amount (中央级), when the treasury divided the receipt"),
  region: Yuan.optional().describe("自治区级"),
  prefecture: Yuan.optional().describe("州级"),
  county: Yuan.optional().describe("县级"),
});
export type ReceiptInputT = z.infer<typeof ReceiptInput>;
export const ReceiptBatch = z.strictObject({ receipts: z.array(ReceiptInput).min(1).max(LIMITS.batch_receipts_max) });

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
  operator: Party.optional().describe("the operator; from the proposal when one is executed"),
  park: ParkCode.optional().describe("the operator's park; required when it runs several"),
  amount: Yuan.optional().describe("in yuan; from the proposal when one is executed"),
  proposal: z
    .string()
    .regex(/^\d{1,18}$/, "a proposal number")
    .optional()
    .describe("the number of a transfer proposal to execute (transfer propose): its operator, park and amount"),
  on: IsoDate,
  ref: Identifier(64),
  kind: z
    .enum(["interim", "recovery"])
    .optional()
    .describe(
      "interim (预拨, the prefecture to the operator; the default) or recovery (收回, an over-transfer returned)",
    ),
});
export const ProposalInput = z.strictObject({
  operator: Party,
  park: ParkCode.optional().describe("the operator's park; required when it runs several"),
  through: z
    .string()
    .regex(/^\d{4}-\d{2}$/, "a month YYYY-MM")
    .describe("the share to date counts through this month"),
});
export const ParkInput = z.strictObject({
  park: Identifier(8).describe("the new park's code, 2 to 8 capital letters or digits"),
  name: Text(100, 1).describe("its Chinese name"),
  name_en: Text(100, 1).optional(),
  operator: Identifier(32).describe("the party that runs it: a recorded one, or a new code such as changji_hz"),
  operator_name: Text(100, 1).optional().describe("the new operator's name"),
  host: Identifier(32),
  operator_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "80" or "37.5"'),
  from: IsoDate,
});
export const AgreementInput = z.strictObject({
  park: ParkCode,
  operator_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "80" or "37.5"'),
  from: IsoDate,
  note: Text(500).optional(),
  share_non_tax: z.array(Code).max(20).optional(),
  shared_levels: z
    .array(z.enum(LOCAL_LEVELS))
    .min(1)
    .max(3)
    .optional()
    .describe("the local levels whose amounts are shared (region, prefecture, county); every one by default"),
  attribution: z
    .enum(["collected_on", "tax_period"])
    .optional()
    .describe("whether a mover's tax follows the park of the entry date (default) or of the tax period"),
  refund_shares: z
    .array(
      z
        .string()
        .regex(
          /^(credit_refund|settlement_refund|immediate_refund|export_offset)=\d{1,3}(\.\d{1,2})?$/,
          "KIND=PERCENT, e.g. credit_refund=50",
        ),
    )
    .max(4)
    .optional()
    .describe("the operator's share of a kind's local part where it differs from its revenue share"),
  interim_transfer: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "90"')
    .optional()
    .describe("interim transfers are proposed for this share of the operator's share to date (transfer propose)"),
});
export const RatioExceptionInput = z.strictObject({
  uscc: Identifier(18, 18),
  tax: Code,
  central_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "100"'),
  from: IsoDate,
  note: Text(500).optional(),
});
export const RatioInput = z.strictObject({
  tax: Code,
  central_share: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as "50"'),
  from: IsoDate,
  note: Text(500).optional(),
});
export const RatioQuery = z.strictObject({ tax: Code.optional() });
export const SettleInput = z.strictObject({
  year: z
    .number({ error: NOT_A_YEAR })
    .int({ error: NOT_A_YEAR })
    .min(1990, { error: NOT_A_YEAR })
    .max(2999, { error: NOT_A_YEAR }),
  operator: Party,
  park: ParkCode.optional().describe("one of the operator's parks; without it, every park it runs"),
  empty_year: z
    .boolean()
    .optional()
    .describe("close a year in which nothing is booked or transferred for the parks (refused otherwise)"),
  override_reason: Text(2000, 1)
    .refine((v) => v.trim() !== "", "the reason is written out, not blank")
    .optional()
    .describe("settle without a confirmed settlement statement: the prefecture's written reason, kept on record"),
});

/** A decision on a probable reconciliation counterpart (POST /v1/reconciliation/decisions). */
export const ReconciliationDecisionInput = z.strictObject({
  operator: Party,
  park: ParkCode.optional().describe("one of the operator's parks; the pair is checked in that park's reconciliation"),
  year: z
    .number({ error: NOT_A_YEAR })
    .int({ error: NOT_A_YEAR })
    .min(1990, { error: NOT_A_YEAR })
    .max(2999, { error: NOT_A_YEAR }),
  receipt_no: Identifier(64).describe("the prefecture's receipt, missing_in_operator"),
  counterpart_no: Identifier(64).describe("the operator's statement row, missing_in_prefecture"),
  decision: z.enum(["confirm", "reject"]),
  reason: Text(500).optional().describe("why; required to reject"),
});
export const ReconciliationDecisionQuery = z.strictObject({ operator: Party, year: Year });
/** A decision as recorded; `id` and `token_id` are the full view's (null and absent for an operator). */
export const ReconciliationDecisionView = z.strictObject({
  id: z.string().nullable(),
  year: z.number().int(),
  operator: z.string(),
  park: z.string().nullable(),
  receipt_no: z.string(),
  counterpart_no: z.string(),
  decision: z.enum(["confirm", "reject"]),
  reason: z.string().nullable(),
  party: z.string(),
  user: z.string().nullable(),
  token_id: z.string().nullable().optional(),
  request_id: z.string().nullable(),
  decided_at: z.string(),
});

export const Format = z.enum(["json", "csv", "xlsx", "table"]);
/** The query field every route answering in several formats takes. */
export const formatField = { format: Format.optional() };

export const ImportQuery = z.strictObject({
  party: Party.optional(),
  name: Text(200, 1).optional(),
  scope: z.enum(["gross", "local"]).optional().describe("receipts: the scope of a file without a scope column"),
});
const NOT_A_COUNT = "not a count from 0 to 10,000,000";
export const Limit = z.coerce
  .number({ error: NOT_A_COUNT })
  .int({ error: NOT_A_COUNT })
  .min(0, { error: NOT_A_COUNT })
  .max(10_000_000, { error: NOT_A_COUNT })
  .optional();
export const VerifyQuery = z.strictObject({ anchor: Identifier(100).optional() });
export const NoQuery = z.strictObject({ ...formatField });

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    /** The rule broken, in Chinese, for a rejection: beside the English message, the code unchanged. */
    message_zh: z.string().optional(),
    details: z.unknown().optional(),
  }),
});

/** The contract's report shapes, declared once beside the reports (reports/shapes.ts). */
export const SettlementReport = SettlementStatementShape;
export const ReconciliationReport = ReconciliationShape;
export const IndicatorsReport = IndicatorsReportShape;
export const LandReport = LandReportShape;
export const AnyReport = z.object({}).loose();
