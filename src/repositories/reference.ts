// Reference data read once per command: jurisdictions, parks, taxes, and the effective-dated
// central–local ratios and park agreements. Lookups by date are pure (ledger/versions.ts).

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { distance } from "fastest-levenshtein";
import { codeBook, nearestCodes, type BudgetEntry, type CodeBook } from "../../ledger/budget.js";
import { fieldRejection } from "../../ledger/rejections.js";
import { visibleText } from "../../ledger/text.js";
import { inForceOn, sortVersions } from "../../ledger/versions.js";

export interface Jurisdiction {
  code: string;
  name_zh: string;
  /** What people call it for short (兵团), or ''. */
  short_zh: string;
  name_en: string;
  is_central: boolean;
}

export interface Park {
  code: string;
  name_zh: string;
  /** What people call it for short (兵准), or ''. */
  short_zh: string;
  name_en: string;
  operator: string;
  host: string;
}

export interface TaxType {
  code: string;
  item_code: string;
  name_zh: string;
  name_en: string;
  is_tax: boolean;
}

export interface Indicator {
  code: string;
  name_zh: string;
  name_en: string;
  /** `10k CNY` (万元) or `10k USD` (万美元) */
  unit: string;
  unit_zh: string;
}

export interface CentralRatio {
  id: number;
  tax_code: string;
  effective_from: string;
  central_share_bp: number;
  note: string;
  recorded_at: Date;
}

export interface Agreement {
  id: number;
  park: string;
  effective_from: string;
  operator_share_bp: number;
  shared_non_tax: string[];
  shared_levels: string[];
  attribution: "collected_on" | "tax_period";
  refund_shares: Record<string, number>;
  /** The share of the operator's share to date an interim transfer proposal is for; null when none is stated. */
  interim_transfer_bp: number | null;
  note: string;
  recorded_at: Date;
}

/** An enterprise's exception to a tax's central–local ratio. */
export interface RatioException {
  id: number;
  uscc: string;
  tax_code: string;
  effective_from: string;
  central_share_bp: number;
  note: string;
  recorded_at: Date;
}

/** A land or mineral revenue item (docs/domain.md#land-and-mineral-revenue). */
export interface LandItem {
  code: string;
  /** The item's code in the government revenue classification, where the ledger knows it (1030148). */
  budget_code: string | null;
  name_zh: string;
  name_en: string;
  /** `fund`: the government fund budget (政府性基金预算); `general`: the general public budget. */
  budget: "fund" | "general";
}

/** A version of a land item's central share. */
export interface LandRatio {
  id: number;
  item: string;
  effective_from: string;
  central_share_bp: number;
  note: string;
}

/** What a report names a revenue item by: a tax or a land item. */
export interface RevenueItemName {
  code: string;
  name_zh: string;
  name_en: string;
}

/** Each part of the reference data as one JSON value. */
const REFERENCE_PARTS = {
  jurisdictions: `(select coalesce(json_agg(j order by j.code), '[]') from jurisdictions j)`,
  parks: `(select coalesce(json_agg(p order by p.code), '[]') from parks p)`,
  taxes: `(select coalesce(json_agg(t order by t.item_code), '[]') from tax_types t)`,
  indicators: `(select coalesce(json_agg(json_build_object('code', i.code, 'name_zh', i.name_zh, 'name_en', i.name_en,
                 'unit', i.unit, 'unit_zh', i.unit_zh) order by i.sort_order, i.code), '[]') from indicators i)`,
  ratios: `(select coalesce(json_agg(r order by r.tax_code, r.effective_from, r.id), '[]') from central_ratios r)`,
  agreements: `(select coalesce(json_agg(a order by a.park, a.effective_from, a.id), '[]') from agreements a)`,
  exceptions: `(select coalesce(json_agg(x order by x.uscc, x.tax_code, x.effective_from, x.id), '[]') from ratio_exceptions x)`,
  budget: `(select coalesce(json_agg(json_build_object('code', b.code, 'tax', b.tax_code, 'name_zh', b.name_zh,
             'valid_from', b.valid_from, 'valid_to', b.valid_to) order by b.code, b.valid_from, b.id), '[]') from budget_items b)`,
  land_items: `(select coalesce(json_agg(json_build_object('code', l.code, 'budget_code', l.budget_code,
                 'name_zh', l.name_zh, 'name_en', l.name_en, 'budget', l.budget) order by l.sort_order, l.code), '[]')
                 from land_items l)`,
  land_ratios: `(select coalesce(json_agg(json_build_object('id', r.id, 'item', r.item, 'effective_from', r.effective_from,
                  'central_share_bp', r.central_share_bp, 'note', r.note) order by r.item, r.effective_from, r.id), '[]')
                  from land_item_ratios r)`,
} as const;

/**
 * An SQL expression for the digest of the reference data as it stands: a server keeps what it loaded
 * and reads only this (a few tiny tables hashed by the database) to know it is still current.
 */
export const REFERENCE_VERSION_SQL = `md5(concat_ws('|', ${Object.values(REFERENCE_PARTS)
  .map((sql) => `${sql}::text`)
  .join(", ")}))`;

export class ReferenceData {
  private readonly taxByInput = new Map<string, TaxType>();
  private readonly ratiosByTax = new Map<string, CentralRatio[]>();
  private readonly agreementsByPark = new Map<string, Agreement[]>();
  private readonly exceptionsByKey = new Map<string, RatioException[]>();
  /** The codes receipts may name their revenue by (ledger/budget.ts). */
  readonly codes: CodeBook;
  private readonly landRatiosByItem = new Map<string, LandRatio[]>();
  /** The land and mineral revenue items, in their order. */
  readonly landItems: readonly LandItem[];

  private constructor(
    /** A digest of everything loaded: the same digest read later means nothing has changed since. */
    readonly version: string,
    readonly jurisdictions: readonly Jurisdiction[],
    readonly parks: readonly Park[],
    readonly taxes: readonly TaxType[],
    readonly indicators: readonly Indicator[],
    ratios: CentralRatio[],
    agreements: Agreement[],
    readonly exceptions: readonly RatioException[],
    readonly budget: readonly BudgetEntry[],
    land: { items: readonly LandItem[]; ratios: LandRatio[] },
  ) {
    for (const tax of taxes) {
      this.taxByInput.set(tax.code, tax);
      this.taxByInput.set(tax.item_code, tax);
    }
    for (const r of sortVersions(ratios)) push(this.ratiosByTax, r.tax_code, r);
    for (const a of sortVersions(agreements)) push(this.agreementsByPark, a.park, a);
    for (const x of sortVersions([...exceptions])) push(this.exceptionsByKey, `${x.uscc}|${x.tax_code}`, x);
    this.codes = codeBook(
      taxes.map((t) => t.code),
      budget,
    );
    this.landItems = land.items;
    for (const r of sortVersions(land.ratios)) push(this.landRatiosByItem, r.item, r);
  }

  /** Everything in one round trip: commands and HTTP requests load it once each. */
  static async load(knex: Knex | Knex.Transaction): Promise<ReferenceData> {
    // each part as text: parsed here, and hashed here into the same digest REFERENCE_VERSION_SQL gives
    const names = Object.keys(REFERENCE_PARTS) as (keyof typeof REFERENCE_PARTS)[];
    const { rows } = await knex.raw(
      `select ${names.map((name) => `${REFERENCE_PARTS[name]}::text as ${name}`).join(", ")}`,
    );
    const r = rows[0] as Record<keyof typeof REFERENCE_PARTS, string>;
    const version = createHash("md5")
      .update(names.map((name) => r[name]).join("|"), "utf8")
      .digest("hex");
    const json = <T>(value: string): T => JSON.parse(value) as T;
    return new ReferenceData(
      version,
      json<Jurisdiction[]>(r.jurisdictions),
      json<Park[]>(r.parks),
      json<TaxType[]>(r.taxes),
      json<Indicator[]>(r.indicators),
      json<CentralRatio[]>(r.ratios),
      json<Agreement[]>(r.agreements),
      json<RatioException[]>(r.exceptions),
      json<BudgetEntry[]>(r.budget),
      { items: json<LandItem[]>(r.land_items), ratios: json<LandRatio[]>(r.land_ratios) },
    );
  }

  /** A tax by its mnemonic (`VAT`) or its collection-item code (`10101`), case-insensitive. */
  tax(input: string): TaxType | undefined {
    return this.taxByInput.get(input.trim().toUpperCase());
  }

  /**
   * A land item by its code in any case (`nclf`), its Chinese name, or its budget code at the level of
   * a 项 (7 digits, `1030148`) or of a 目 below it (9 digits, `103014801`).
   */
  landItem(input: string): LandItem | undefined {
    const wanted = input.trim();
    const budget = /^[0-9]{7}([0-9]{2})?$/.test(wanted) ? wanted.slice(0, 7) : null;
    return this.landItems.find(
      (l) => l.code === wanted.toUpperCase() || l.name_zh === wanted || (budget !== null && l.budget_code === budget),
    );
  }

  landRatioOn(item: string, isoDate: string): LandRatio | undefined {
    return inForceOn(this.landRatiosByItem.get(item) ?? [], isoDate);
  }

  /** A tax or a land item by its code, for the names a report shows. */
  revenueItem(code: string): RevenueItemName | undefined {
    return this.tax(code) ?? this.landItems.find((l) => l.code === code);
  }

  indicator(code: string): Indicator | undefined {
    return this.indicators.find((i) => i.code === code.trim().toUpperCase());
  }

  park(code: string): Park | undefined {
    return this.parks.find((p) => p.code === code.trim().toUpperCase());
  }

  jurisdiction(code: string): Jurisdiction | undefined {
    return this.jurisdictions.find((j) => j.code === code.trim().toLowerCase());
  }

  /**
   * A jurisdiction as people name it: its code in any case (`Urumqi`), its Chinese name, short
   * Chinese name (`兵团`, `乌鲁木齐`) or English name, whole; undefined otherwise.
   */
  resolveJurisdiction(input: string): Jurisdiction | undefined {
    return resolveByName(this.jurisdictions, input, (j) => j.code.toLowerCase());
  }

  /**
   * A tax as people name it: its mnemonic or item code in any case (`vat`, `10101`), or its Chinese or
   * English name, whole (`增值税`, `Value-added tax`).
   */
  resolveTax(input: string): TaxType | undefined {
    const wanted = input.trim();
    return (
      this.tax(wanted) ??
      this.taxes.find((t) => t.name_zh === wanted || t.name_en.toLowerCase() === wanted.toLowerCase())
    );
  }

  /** A park by its code in any case (`bz`), or its Chinese, short Chinese (`兵准`) or English name, whole. */
  resolvePark(input: string): Park | undefined {
    return resolveByName(this.parks, input, (p) => p.code.toLowerCase());
  }

  get central(): string {
    const central = this.jurisdictions.find((j) => j.is_central);
    if (central === undefined) throw new Error("the reference data names no central jurisdiction");
    return central.code;
  }

  /** The parks an operator runs for a host, in code order (one or several). */
  parksRunBy(operator: string): Park[] {
    return this.parks.filter((p) => p.operator === operator && p.operator !== p.host);
  }

  /** Operators: jurisdictions that run a park for another host and so share its revenue (each once). */
  get operators(): string[] {
    return [...new Set(this.parks.filter((p) => p.operator !== p.host).map((p) => p.operator))];
  }

  /**
   * The operator's share of a park's indicators for a month: the agreement in force on the first day
   * of the month; null for a park its host runs (nothing to split); undefined when none is in force.
   */
  indicatorShareOn(park: Park, month: string): number | null | undefined {
    if (park.operator === park.host) return null;
    return this.agreementOn(park.code, `${month}-01`)?.operator_share_bp;
  }

  centralRatioOn(tax_code: string, isoDate: string): CentralRatio | undefined {
    return inForceOn(this.ratiosByTax.get(tax_code) ?? [], isoDate);
  }

  exceptionOn(uscc: string, tax_code: string, isoDate: string): RatioException | undefined {
    // asked for every receipt booked: most books hold no exception, and then no key is built
    if (this.exceptionsByKey.size === 0) return undefined;
    return inForceOn(this.exceptionsByKey.get(`${uscc}|${tax_code}`) ?? [], isoDate);
  }

  agreementOn(park: string, isoDate: string): Agreement | undefined {
    return inForceOn(this.agreementsByPark.get(park) ?? [], isoDate);
  }

  agreements(park?: string): Agreement[] {
    if (park !== undefined) return [...(this.agreementsByPark.get(park) ?? [])];
    return [...this.agreementsByPark.values()].flat();
  }

  centralRatios(tax_code?: string): CentralRatio[] {
    if (tax_code !== undefined) return [...(this.ratiosByTax.get(tax_code) ?? [])];
    return [...this.ratiosByTax.values()].flat();
  }
}

function resolveByName<T extends { name_zh: string; short_zh: string; name_en: string }>(
  list: readonly T[],
  input: string,
  code: (item: T) => string,
): T | undefined {
  const wanted = input.trim();
  const lower = wanted.toLowerCase();
  if (wanted === "") return undefined;
  // whole names only: a part of one could name what the caller did not mean
  return list.find(
    (item) =>
      code(item) === lower ||
      item.name_zh === wanted ||
      (item.short_zh !== "" && item.short_zh === wanted) ||
      item.name_en.toLowerCase() === lower,
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** ", did you mean X?" for the code or name fewest edits from `given`, when one is close; else "". */
function nearestName<T extends { name_zh: string; short_zh: string; name_en: string }>(
  given: string,
  list: readonly T[],
  code: (item: T) => string,
): string {
  const wanted = given.trim().toLowerCase();
  let best: { item: T; d: number } | null = null;
  for (const item of list)
    for (const name of [code(item), item.name_zh, item.short_zh, item.name_en]) {
      if (name === "") continue;
      const d = distance(wanted, name.toLowerCase());
      if (best === null || d < best.d) best = { item, d };
    }
  return best !== null && best.d <= Math.max(2, Math.floor(wanted.length / 3))
    ? `, did you mean ${code(best.item)}?`
    : "";
}

const PARTY_FIELDS = ["operator", "party", "jurisdiction"] as const;

/**
 * Rewrites the party, park and jurisdiction fields of a request or a command to the codes the database keeps
 * (`Urumqi`, `乌鲁木齐` → `urumqi`; `bz` → `BZ`), so access rules and handlers compare one spelling;
 * a name that is none of them is refused naming the field and the valid values.
 */
export async function canonicalNames(
  values: unknown,
  ref: () => Promise<ReferenceData>,
  tellUnknown: boolean,
): Promise<void> {
  if (values === null || typeof values !== "object") return;
  const fields = values as Record<string, unknown>;
  for (const field of [...PARTY_FIELDS, "park", "tax"]) {
    const given = fields[field];
    if (typeof given !== "string") continue;
    const r = await ref();
    if (field === "tax") {
      const tax = r.resolveTax(given);
      if (tax === undefined && !tellUnknown) continue;
      if (tax === undefined)
        throw fieldRejection(
          "tax",
          "tax_code_unknown",
          `${visibleText(given)} is not a tax code; the nearest: ${nearestCodes(r.codes, given.trim().toUpperCase()).join(", ")} (all: ${r.taxes.map((t) => t.code).join(", ")})`,
        );
      fields[field] = tax.code;
    } else if (field === "park") {
      const park = r.resolvePark(given);
      if (park === undefined && !tellUnknown) continue;
      if (park === undefined)
        throw fieldRejection(
          "park",
          "park_unknown",
          `${visibleText(given)} is not a park${nearestName(given, r.parks, (p) => p.code)}; use one of ${r.parks.map((p) => p.code).join(", ")}`,
        );
      fields[field] = park.code;
    } else {
      const jurisdiction = r.resolveJurisdiction(given);
      if (jurisdiction === undefined && !tellUnknown) continue;
      if (jurisdiction === undefined)
        throw fieldRejection(
          field,
          "jurisdiction_unknown",
          `${visibleText(given)} is not a party${nearestName(given, r.jurisdictions, (j) => j.code)}; use one of ${r.jurisdictions.map((j) => j.code).join(", ")}`,
        );
      fields[field] = jurisdiction.code;
    }
  }
}
