// Every write that is a form (a transfer, an agreement or ratio version, a settlement, a park),
// declared once: its fields (zod), who may do it, what it does and how its result is shown. The
// command line (`transfer`, `agreement set`, …, src/cli/operations.ts) and the HTTP routes (POST
// /v1/transfers, …, src/http/app.ts) are made from these declarations. File imports and receipts
// posted at the desk have routes of their own: a file, or a group commit, is not a form.

import { z } from "zod";
import type { Tabular } from "../../reports/render.js";
import type { Database } from "../db/database.js";
import { access, type Decision } from "../http/access.js";
import * as S from "../http/schemas.js";
import { ReferenceData } from "../repositories/reference.js";
import type { Principal } from "../repositories/tokens.js";
import { setAgreement, setCentralRatio, setRatioException } from "../services/agreements.js";
import { addPark } from "../services/parks.js";
import { settleYear } from "../services/settle.js";
import { recordTransfer } from "../services/transfers.js";
import { proposeTransfer } from "../services/proposals.js";
import { STATEMENT_WRITES } from "./statements.js";
import { PaymentInput, recordPayment } from "../services/payments.js";
import { paymentsTabular } from "../../reports/ageing.js";
import { resolveSuspense } from "../services/suspense.js";
import { resolveTabular } from "../cli/suspense-view.js";
import {
  proposalsTabular,
  agreementsTabular,
  parksTabular,
  ratioExceptionsTabular,
  ratiosTabular,
  settleTabular,
  transferTabular,
  withResplit,
} from "../cli/views.js";

/** A write's outcome: whether it was done before (the same input again books nothing), its JSON and its table. */
export interface WriteAnswer {
  replayed: boolean;
  json: unknown;
  tabular: () => Tabular;
}

export interface WriteOperation<B extends z.ZodRawShape = z.ZodRawShape> {
  /** The command's words: `["agreement", "set"]` is `parkledger agreement set`. */
  command: readonly string[];
  /** POST /v1 + path. */
  path: string;
  summary: string;
  body: z.ZodObject<B>;
  help: { [K in keyof B]: string };
  /** False where the fields name parks and parties that do not exist yet (src/repositories/reference.ts, canonicalNames). */
  canonical_names?: boolean;
  /**
   * A party's own act (an operator confirming its statement): the command line takes that party's
   * token (--token or PARKLEDGER_TOKEN) and acts as it, as a request with the token does.
   */
  party_token?: boolean;
  allow: (p: Principal) => Decision;
  run: (db: Database, body: z.infer<z.ZodObject<B>>) => Promise<WriteAnswer>;
}

function define<B extends z.ZodRawShape>(op: WriteOperation<B>): WriteOperation {
  return op as unknown as WriteOperation;
}

const OPERATOR = "a party that runs a park, e.g. bingtuan or urumqi (park list)";
const PERCENT = "in percent, e.g. 80";

export const WRITES: readonly WriteOperation[] = [
  define({
    command: ["transfer"],
    path: "/transfers",
    summary:
      "Record an interim transfer (预拨/划转) from the host to an operator, or (kind recovery) an over-transfer it returns (收回); the same ref again is a no-op.",
    body: S.TransferInput,
    help: {
      operator: OPERATOR,
      park: "the operator's park; required when it runs several",
      amount: "amount in yuan, positive, e.g. 1000000.00",
      on: "date of the transfer, YYYY-MM-DD",
      ref: "the transfer's reference (unique)",
      kind: "interim (the default): to the operator; recovery: returned by it",
      proposal: "execute this transfer proposal (transfer propose): its operator, park and amount",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await recordTransfer(db, body);
      return { replayed: result.replayed, json: result, tabular: () => transferTabular(result) };
    },
  }),
  define({
    command: ["transfer", "propose"],
    path: "/transfer-proposals",
    summary:
      "Propose an interim transfer (预拨建议) through a month under the agreement's rule: its share of the operator's share to date, less what was transferred; execute it with transfer --proposal N.",
    body: S.ProposalInput,
    help: {
      operator: OPERATOR,
      park: "the operator's park; required when it runs several",
      through: "the operator's share to date counts from January through this month, YYYY-MM",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await proposeTransfer(db, body);
      return { replayed: false, json: result, tabular: () => proposalsTabular([result]) };
    },
  }),
  define({
    command: ["payment", "record"],
    path: "/payments",
    summary:
      "Record a payment (结算款支付) of a settled year's balance, whole or in part, the way the debt runs: direct (直接划拨), remittance (上解) or subsidy (补助); the same ref again is a no-op.",
    body: PaymentInput,
    help: {
      operator: OPERATOR,
      park: "the operator's park; required when it runs several",
      year: "the settled year whose balance is paid, e.g. 2025",
      amount: "amount in yuan, positive, at most what is outstanding, e.g. 50000.00",
      on: "date of the payment, YYYY-MM-DD (booked in its year, which must be open)",
      ref: "the payment's reference (unique)",
      method: "direct (直接划拨), remittance (年终结算上解) or subsidy (年终结算补助)",
    },
    // the host's books record what its treasury paid or received; a debtor's word is not a receipt
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await recordPayment(db, body);
      return {
        replayed: result.replayed,
        json: result,
        tabular: () => paymentsTabular({ operator: null, park: null, year: null, payments: [result] }),
      };
    },
  }),
  define({
    command: ["agreement", "set"],
    path: "/agreements",
    summary:
      "Add a version of a park's sharing agreement (分成比例), effective from a date; receipts already booked that it now governs are re-split by adjusting entries.",
    body: S.AgreementInput,
    help: {
      park: "a park whose revenue is shared, e.g. BZ or WZ (park list)",
      operator_share: `the operator's share of local revenue ${PERCENT}`,
      from: "effective from, YYYY-MM-DD",
      note: "where the change comes from (document number)",
      share_non_tax: "non-tax items the agreement also shares, e.g. EDU,LEDU",
      shared_levels: "the local levels shared, e.g. prefecture,county (default: region,prefecture,county)",
      attribution:
        "collected_on (default): a mover's tax follows the park of the entry date; tax_period: of its tax period",
      refund_shares:
        "the operator's share of a refund kind's local part, e.g. credit_refund=50 (default: its revenue share)",
      interim_transfer:
        "interim transfers are proposed for this percentage of the operator's share to date, e.g. 90 (transfer propose)",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await setAgreement(db, {
        park: body.park,
        operator_share: body.operator_share,
        from: body.from,
        ...(body.note !== undefined ? { note: body.note } : {}),
        shared_non_tax: body.share_non_tax ?? [],
        shared_levels: body.shared_levels,
        attribution: body.attribution,
        refund_shares: body.refund_shares,
        interim_transfer: body.interim_transfer,
      });
      return {
        replayed: result.replayed,
        json: result,
        tabular: () => withResplit(agreementsTabular([result]), result.resplit),
      };
    },
  }),
  define({
    command: ["ratio", "set"],
    path: "/ratios",
    summary:
      "Add a version of a tax's central share (分税制), effective from a date; gross receipts already booked that it now governs are re-split by adjusting entries.",
    body: S.RatioInput,
    help: {
      tax: "tax code, e.g. VAT or 10101",
      central_share: `central share of the gross amount ${PERCENT.replace("80", "50")}`,
      from: "effective from, YYYY-MM-DD",
      note: "where the change comes from",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await setCentralRatio(db, {
        tax: body.tax,
        central_share: body.central_share,
        from: body.from,
        ...(body.note !== undefined ? { note: body.note } : {}),
      });
      return {
        replayed: result.replayed,
        json: result,
        tabular: () => withResplit(ratiosTabular([result]), result.resplit),
      };
    },
  }),
  define({
    command: ["ratio", "exception"],
    path: "/ratio-exceptions",
    summary:
      "Add a version of an enterprise's exception to a tax's central share (e.g. CIT wholly central), effective from a date.",
    body: S.RatioExceptionInput,
    help: {
      uscc: "the enterprise's unified social credit code",
      tax: "tax code, e.g. CIT or 10104",
      central_share: `central share of the gross amount for this enterprise ${PERCENT.replace("80", "100")}`,
      from: "effective from, YYYY-MM-DD",
      note: "the rule it comes from (the State Council's sharing rules)",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await setRatioException(db, {
        uscc: body.uscc,
        tax: body.tax,
        central_share: body.central_share,
        from: body.from,
        ...(body.note !== undefined ? { note: body.note } : {}),
      });
      return {
        replayed: result.replayed,
        json: result,
        tabular: () => withResplit(ratioExceptionsTabular([result]), result.resplit),
      };
    },
  }),
  define({
    command: ["settle"],
    path: "/settlements",
    summary:
      "Close a year with an operator, for one park or every park it runs, on the settlement statement it confirmed (or the prefecture's written reason): post the settlement and lock the year.",
    body: S.SettleInput,
    help: {
      year: "fiscal year, e.g. 2025",
      operator: OPERATOR,
      park: "one of the operator's parks; without it, every park it runs",
      empty_year: "close the year even though nothing is booked or transferred in it for the parks",
      override_reason:
        "settle a park without a confirmed settlement statement (statement confirm): the written reason, kept on record",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await settleYear(db, body.year, body.operator, {
        park: body.park,
        empty_year: body.empty_year === true,
        override_reason: body.override_reason,
      });
      const ref = await ReferenceData.load(db.knex);
      return { replayed: result.already_settled, json: result, tabular: () => settleTabular(result, ref) };
    },
  }),
  define({
    command: ["park", "add"],
    path: "/parks",
    summary:
      "Add a sub-park run by an operator (a new party when it is new) for a host, with its first sharing agreement.",
    body: S.ParkInput,
    help: {
      park: "the park's code, 2 to 8 capital letters or digits, e.g. CZ",
      name: "the park's name, e.g. 昌准园区",
      name_en: "the park's English name",
      operator: "the party that runs it: an existing one, or a new code such as changji_hz",
      operator_name: "the new operator's name, e.g. 某某市",
      host: "the party that hosts it, e.g. prefecture",
      operator_share: `the operator's share of local revenue ${PERCENT}`,
      from: "the agreement's first day, YYYY-MM-DD",
    },
    canonical_names: false, // it names a park, and perhaps a party, that do not exist yet
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await addPark(db, body);
      return { replayed: result.replayed, json: result, tabular: () => parksTabular([result]) };
    },
  }),
  ...STATEMENT_WRITES,
  define({
    command: ["suspense", "resolve"],
    path: "/suspense/resolve",
    summary:
      "Rebook the receipts held in suspense that the registry now places (待查收入清理): an adjusting entry each, out of suspense and split to the park, naming the registry row; a closed year's go to the first open year. Again, it books nothing.",
    body: z.strictObject({ uscc: S.Identifier(18).optional(), year: S.Year.optional() }),
    help: {
      uscc: "only this enterprise's receipts",
      year: "only receipts of this year (the year they were collected in)",
    },
    allow: (p) => access.writeMoney(p),
    run: async (db, body) => {
      const result = await resolveSuspense(db, body);
      return { replayed: false, json: result, tabular: () => resolveTabular(result) };
    },
  }),
];
