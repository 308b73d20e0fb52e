// New versions of a park's sharing agreement and of a tax's central–local ratio. Versions are only
// added, never edited; a version that reaches back over receipts already booked under the old one
// re-splits them by adjusting entries (./resplit.ts), since the journal itself does not change.

import type { Knex } from "knex";
import { LOCAL_LEVELS } from "../../ledger/kinds.js";
import { formatBpAsPercent } from "../../ledger/ratio.js";
import { fieldRejection, REJECTIONS } from "../../ledger/rejections.js";
import { usccProblem } from "../../ledger/uscc.js";
import type { Database } from "../db/database.js";
import { AccountBook } from "../repositories/accounts.js";
import { bringAttributionUpToDate } from "../repositories/indicators.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData, type Agreement, type RatioException } from "../repositories/reference.js";
import { dateField, percentField } from "./fields.js";
import { refuseLandResplit } from "./land.js";
import { agreementVersion, exceptionVersion, ratioVersion, resplitBooked, type ResplitSummary } from "./resplit.js";

export interface AgreementView {
  id: number;
  park: string;
  operator: string;
  host: string;
  effective_from: string;
  operator_share_pct: string;
  host_share_pct: string;
  shared_non_tax: string[];
  shared_levels: string[];
  attribution: "collected_on" | "tax_period";
  /** The operator's share of a refund kind's local part where it differs, as KIND=PERCENT. */
  refund_shares: string[];
  /** The share of the operator's share to date that interim transfers are proposed for; null when none is stated. */
  interim_transfer_pct: string | null;
  note: string;
  recorded_at: string;
  in_force_today: boolean;
}

/** What an agreement says besides the share: the levels shared, the attribution, the refund kinds' shares. */
export interface AgreementTermsInput {
  shared_levels?: string[] | undefined;
  attribution?: "collected_on" | "tax_period" | undefined;
  refund_shares?: string[] | undefined;
  /** A percentage, e.g. "90": interim transfers of 90 % of the operator's share to date. */
  interim_transfer?: string | undefined;
}

function agreementTerms(input: AgreementTermsInput): {
  shared_levels: string[];
  attribution: "collected_on" | "tax_period";
  refund_shares: Record<string, number>;
  interim_transfer_bp: number | null;
} {
  const refund_shares: Record<string, number> = {};
  for (const pair of input.refund_shares ?? []) {
    const [kind, pct] = pair.split("=") as [string, string];
    refund_shares[kind] = percentField("refund_shares", pct);
  }
  const levels = input.shared_levels ?? [...LOCAL_LEVELS];
  return {
    shared_levels: LOCAL_LEVELS.filter((l) => levels.includes(l)),
    attribution: input.attribution ?? "collected_on",
    refund_shares,
    interim_transfer_bp: interimTransfer(input.interim_transfer),
  };
}

function interimTransfer(pct: string | undefined): number | null {
  if (pct === undefined) return null;
  const bp = percentField("interim_transfer", pct);
  if (bp === 0)
    throw fieldRejection(
      "interim_transfer",
      "percent_invalid",
      "an interim transfer rule of 0 % transfers nothing; leave it out",
    );
  return bp;
}

const sameTerms = (a: ReturnType<typeof agreementTerms>, b: Agreement): boolean =>
  a.attribution === b.attribution &&
  a.interim_transfer_bp === (b.interim_transfer_bp ?? null) &&
  a.shared_levels.join(",") === b.shared_levels.join(",") &&
  JSON.stringify(Object.entries(a.refund_shares).sort()) === JSON.stringify(Object.entries(b.refund_shares).sort());

/** The same version again re-splits nothing. */
const NOTHING_RESPLIT: ResplitSummary = Object.freeze({
  receipts: 0,
  refunds: 0,
  prior_year_adjustments: 0,
  net_change: {},
});

export async function setAgreement(
  db: Database,
  input: {
    park: string;
    operator_share: string;
    from: string;
    note?: string;
    shared_non_tax?: string[];
  } & AgreementTermsInput,
): Promise<AgreementView & { indicator_entries_posted: number; resplit: ResplitSummary; replayed: boolean }> {
  const bp = percentField("operator_share", input.operator_share);
  const from = dateField("from", input.from);
  const terms = agreementTerms(input);
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const park = ref.park(input.park);
    if (park === undefined || park.operator === park.host) {
      throw fieldRejection(
        "park",
        "park_unknown",
        `${input.park} is not a park whose revenue is shared; use one of ${ref.parks
          .filter((p) => p.operator !== p.host)
          .map((p) => p.code)
          .join(", ")}`,
      );
    }
    const nonTax = nonTaxItems(ref, input.shared_non_tax ?? []);
    // the same version again (a retried request, a script run twice) is a no-op, not a second version
    const same = ref
      .agreements(park.code)
      .filter((a) => a.effective_from === from)
      .at(-1);
    if (
      same !== undefined &&
      same.operator_share_bp === bp &&
      same.note === (input.note ?? "") &&
      [...same.shared_non_tax].sort().join(",") === [...nonTax].sort().join(",") &&
      sameTerms(terms, same)
    )
      return { ...view(ref, same), indicator_entries_posted: 0, resplit: NOTHING_RESPLIT, replayed: true };
    await refuseLandResplit(trx, ref, park, { from, operator_share_bp: bp, shared_non_tax: nonTax });
    const [row] = await trx("agreements")
      .insert({
        park: park.code,
        effective_from: from,
        operator_share_bp: bp,
        shared_non_tax: nonTax,
        note: input.note ?? "",
        shared_levels: terms.shared_levels,
        attribution: terms.attribution,
        refund_shares: JSON.stringify(terms.refund_shares),
        interim_transfer_bp: terms.interim_transfer_bp,
      })
      .returning("*");
    const updated = await ReferenceData.load(trx);
    // money already booked under the old agreement is re-split by adjusting entries
    const resplit = await resplitBooked(trx, updated, agreementVersion(updated, row));
    const indicator_entries_posted = await reattributeIndicators(trx, updated, row);
    return { ...view(updated, row), indicator_entries_posted, resplit, replayed: false };
  });
}

/** The non-tax items an agreement names, by code; anything else is refused naming the items there are. */
function nonTaxItems(ref: ReferenceData, codes: readonly string[]): string[] {
  return codes.map((code) => {
    const tax = ref.tax(code);
    const item = tax !== undefined && !tax.is_tax ? tax : ref.landItem(code);
    if (item === undefined)
      throw fieldRejection(
        "share_non_tax",
        "tax_code_unknown",
        `${code} is not a non-tax revenue item (${[
          ...ref.taxes.filter((t) => !t.is_tax).map((t) => t.code),
          ...ref.landItems.map((l) => l.code),
        ].join(", ")})`,
      );
    return item.code;
  });
}

/**
 * Indicators are attributed month by month from their reports, so a new agreement re-attributes the
 * months it now governs by adjusting entries too; returns how many entries that posted.
 */
async function reattributeIndicators(
  trx: Knex.Transaction,
  ref: ReferenceData,
  agreement: { id: number; park: string; effective_from: string },
): Promise<number> {
  const reported = await trx.raw(
    `select distinct indicator, extract(year from month)::integer as year from indicator_reports
      where park = ? and month >= date_trunc('month', ?::date) order by 1, 2`,
    [agreement.park, agreement.effective_from],
  );
  return bringAttributionUpToDate(
    trx,
    ref,
    await AccountBook.load(trx),
    reported.rows.map((r: { indicator: string; year: number }) => ({
      park: ref.park(agreement.park)!,
      indicator: r.indicator,
      year: Number(r.year),
    })),
    { kind: "agreement", agreement_id: agreement.id },
  );
}

export async function listAgreements(db: Database, park?: string): Promise<AgreementView[]> {
  const ref = await ReferenceData.load(db.knex);
  return ref.agreements(park?.toUpperCase()).map((a) => view(ref, a));
}

function view(ref: ReferenceData, a: Agreement): AgreementView {
  const park = ref.park(a.park)!;
  const today = new Date().toISOString().slice(0, 10);
  return {
    id: a.id,
    park: a.park,
    operator: park.operator,
    host: park.host,
    effective_from: a.effective_from,
    operator_share_pct: formatBpAsPercent(a.operator_share_bp),
    host_share_pct: formatBpAsPercent(10_000 - a.operator_share_bp),
    shared_non_tax: a.shared_non_tax,
    shared_levels: a.shared_levels,
    attribution: a.attribution,
    refund_shares: Object.entries(a.refund_shares).map(([kind, bp]) => `${kind}=${formatBpAsPercent(bp)}`),
    interim_transfer_pct: a.interim_transfer_bp == null ? null : formatBpAsPercent(a.interim_transfer_bp),
    note: a.note,
    recorded_at: new Date(a.recorded_at).toISOString(),
    in_force_today: ref.agreementOn(a.park, today)?.id === a.id,
  };
}

export interface RatioView {
  id: number;
  tax_code: string;
  tax_name_zh: string;
  effective_from: string;
  central_share_pct: string;
  note: string;
  in_force_today: boolean;
}

export async function setCentralRatio(
  db: Database,
  input: { tax: string; central_share: string; from: string; note?: string },
): Promise<RatioView & { resplit: ResplitSummary; replayed: boolean }> {
  const bp = percentField("central_share", input.central_share);
  const from = dateField("from", input.from);
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const tax = ref.tax(input.tax);
    if (tax === undefined) throw fieldRejection("tax", "tax_code_unknown", `${input.tax} is not a tax code`);
    const same = ref
      .centralRatios(tax.code)
      .filter((r) => r.effective_from === from)
      .at(-1);
    if (same !== undefined && same.central_share_bp === bp && same.note === (input.note ?? ""))
      return { ...ratioView(ref, same), resplit: NOTHING_RESPLIT, replayed: true };
    const [row] = await trx("central_ratios")
      .insert({ tax_code: tax.code, effective_from: from, central_share_bp: bp, note: input.note ?? "" })
      .returning("*");
    const updated = await ReferenceData.load(trx);
    // gross receipts booked with the ratio in force before are re-split by adjusting entries
    const resplit = await resplitBooked(trx, updated, ratioVersion(updated, row));
    return { ...ratioView(updated, row), resplit, replayed: false };
  });
}

export async function listCentralRatios(db: Database, tax?: string): Promise<RatioView[]> {
  const ref = await ReferenceData.load(db.knex);
  const code = tax === undefined ? undefined : (ref.tax(tax)?.code ?? tax);
  return ref.centralRatios(code).map((r) => ratioView(ref, r));
}

function ratioView(
  ref: ReferenceData,
  r: { id: number; tax_code: string; effective_from: string; central_share_bp: number; note: string },
): RatioView {
  const today = new Date().toISOString().slice(0, 10);
  return {
    id: r.id,
    tax_code: r.tax_code,
    tax_name_zh: ref.tax(r.tax_code)?.name_zh ?? r.tax_code,
    effective_from: r.effective_from,
    central_share_pct: formatBpAsPercent(r.central_share_bp),
    note: r.note,
    in_force_today: ref.centralRatioOn(r.tax_code, today)?.id === r.id,
  };
}

export interface RatioExceptionView {
  id: number;
  uscc: string;
  tax_code: string;
  effective_from: string;
  central_share_pct: string;
  note: string;
  in_force_today: boolean;
}

/**
 * A version of an enterprise's exception to a tax's central ratio (its CIT wholly central, say),
 * effective from a date; every booking path applies it. Like a ratio version, one reaching back
 * re-splits the enterprise's gross receipts of the tax already booked.
 */
export async function setRatioException(
  db: Database,
  input: { uscc: string; tax: string; central_share: string; from: string; note?: string },
): Promise<RatioExceptionView & { resplit: ResplitSummary; replayed: boolean }> {
  const bp = percentField("central_share", input.central_share);
  const from = dateField("from", input.from);
  const uscc = input.uscc.toUpperCase();
  const problem = usccProblem(uscc);
  if (problem !== null) throw fieldRejection("uscc", problem, REJECTIONS[problem]);
  return db.knex.transaction(async (trx) => {
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const tax = ref.tax(input.tax);
    if (tax === undefined) throw fieldRejection("tax", "tax_code_unknown", `${input.tax} is not a tax code`);
    const same = ref.exceptions
      .filter((x) => x.uscc === uscc && x.tax_code === tax.code && x.effective_from === from)
      .at(-1);
    if (same !== undefined && same.central_share_bp === bp && same.note === (input.note ?? ""))
      return { ...exceptionView(ref, same), resplit: NOTHING_RESPLIT, replayed: true };
    const [row] = await trx("ratio_exceptions")
      .insert({ uscc, tax_code: tax.code, effective_from: from, central_share_bp: bp, note: input.note ?? "" })
      .returning("*");
    const updated = await ReferenceData.load(trx);
    // the enterprise's gross receipts booked with the tax's ratio are re-split by adjusting entries
    const resplit = await resplitBooked(trx, updated, exceptionVersion(updated, row));
    return { ...exceptionView(updated, row), resplit, replayed: false };
  });
}

export async function listRatioExceptions(db: Database): Promise<RatioExceptionView[]> {
  const ref = await ReferenceData.load(db.knex);
  return ref.exceptions.map((x) => exceptionView(ref, x));
}

function exceptionView(ref: ReferenceData, x: RatioException): RatioExceptionView {
  const today = new Date().toISOString().slice(0, 10);
  return {
    id: x.id,
    uscc: x.uscc,
    tax_code: x.tax_code,
    effective_from: x.effective_from,
    central_share_pct: formatBpAsPercent(x.central_share_bp),
    note: x.note,
    in_force_today: ref.exceptionOn(x.uscc, x.tax_code, today)?.id === x.id,
  };
}
