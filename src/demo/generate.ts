// The sample year behind `parkledger demo` and the benchmark: an enterprise registry of the three
// Zhundong parks and a year of treasury receipts (refunds and unknown payers included), generated
// from a seed so the same options always give byte-identical CSV files. Receipts stream in date
// order and in bounded memory, so a million rows cost no more memory than a thousand.

import { formatYuan, type Fen } from "../../ledger/money.js";
import { completeUscc } from "../../ledger/uscc.js";
import { enterpriseName, type Park } from "./names.js";
import { cumulativeOf, pickWeighted, Rng } from "./prng.js";
import { DEMO_TAXES, type DemoTax } from "./taxes.js";

export interface DemoOptions {
  year: number;
  seed: number;
  enterprises: number;
  receipts: number;
}

export interface EnterpriseRow {
  uscc: string;
  name: string;
  park: "BZ" | "WZ" | "ZD";
  from: string;
  to: string;
  origin: "relocated" | "new" | "local" | "";
  introduced_by: "bingtuan" | "urumqi" | "prefecture" | "";
  bingtuan_flag: "true" | "false";
}

export interface ReceiptRow {
  receipt_no: string;
  uscc: string;
  tax_code: string;
  collected_on: string;
  amount: string;
  scope: "gross" | "local";
  tax_period: string;
  refund_of: string;
}

export const DEMO_DEFAULTS: DemoOptions = Object.freeze({
  year: 2025,
  seed: 20250101,
  enterprises: 300,
  receipts: 6000,
});

export const ENTERPRISE_COLUMNS = [
  "uscc",
  "name",
  "park",
  "from",
  "to",
  "origin",
  "introduced_by",
  "bingtuan_flag",
] as const satisfies readonly (keyof EnterpriseRow)[];

export const RECEIPT_COLUMNS = [
  "receipt_no",
  "uscc",
  "tax_code",
  "collected_on",
  "amount",
  "scope",
  "tax_period",
  "refund_of",
] as const satisfies readonly (keyof ReceiptRow)[];

// Independent random streams, so that changing how receipts are drawn never reshuffles the registry.
const STREAM_ENTERPRISES = 1;
const STREAM_RECEIPTS = 2;

// Shares of the registry and of the receipts, per thousand unless named otherwise.
const MOVER_PERCENT = 6.5;
const JOINED_IN_YEAR_PER_MILLE = 80;
const LEFT_IN_YEAR_PER_MILLE = 20;
const REFUND_PER_MILLE = 30;
const SUSPENSE_PER_MILLE = 10;
const ITEM_CODE_PER_MILLE = 150;
const GROSS_PER_MILLE = 700;
const TINY_AMOUNT_PER_MILLE = 3;
/** How many recent receipts stay refundable; bounds the generator's memory whatever the row count. */
const REFUND_WINDOW_MAX = 4096;

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const AREA_CODES: Record<Park, readonly string[]> = {
  BZ: ["652300", "659004", "660000", "652300"], // 昌吉州, 五家渠市 (六师), 兵团
  WZ: ["652300", "650100", "650104", "650106"], // 昌吉州, 乌鲁木齐市, 新市区, 头屯河区
  ZD: ["652300", "652325", "652327", "652302"], // 昌吉州, 奇台县, 吉木萨尔县, 阜康市
};
const GHOST_AREA_CODES = ["652300", "652301", "650100", "652325", "652327"];

// Integer steps of 10^(k/10) × 100, for amounts spread evenly on a log scale within a decade.
const LOG_STEPS = [100, 126, 158, 200, 251, 316, 398, 501, 631, 794, 1000] as const;

const TAX_CUMULATIVE = cumulativeOf(DEMO_TAXES.map((t) => t.weight_per_mille));
const PARKS: readonly Park[] = ["BZ", "WZ", "ZD"];
const PARK_CUMULATIVE = cumulativeOf([35, 30, 35]);
// Moves during the year: mostly from the host area into a sub-park, a few between the sub-parks.
const MOVES: readonly [Park, Park][] = [
  ["ZD", "BZ"],
  ["ZD", "WZ"],
  ["BZ", "WZ"],
  ["WZ", "BZ"],
  ["BZ", "ZD"],
];
const MOVE_CUMULATIVE = cumulativeOf([40, 35, 10, 10, 5]);
// Size tiers: most enterprises are small, a few key ones pay much of the revenue.
const TIER_CUMULATIVE = cumulativeOf([600, 250, 120, 30]);
const TIER_RECEIPT_WEIGHT = [1, 3, 9, 27] as const;

export function checkDemoOptions(opts: DemoOptions): void {
  const { year, seed, enterprises, receipts } = opts;
  if (!Number.isInteger(year) || year < 1910 || year > 2999) throw new RangeError(`demo year out of range: ${year}`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`demo seed must be a non-negative integer: ${seed}`);
  if (!Number.isSafeInteger(enterprises) || enterprises < 1 || enterprises > 1_000_000)
    throw new RangeError(`demo enterprises must be 1..1000000: ${enterprises}`);
  if (!Number.isSafeInteger(receipts) || receipts < 0 || receipts > 100_000_000)
    throw new RangeError(`demo receipts must be 0..100000000: ${receipts}`);
}

// ---------------------------------------------------------------------------------------------
// Calendar: a day of the demo year is its index from 1 January (0-based).

const DAY_MS = 86_400_000;

function daysInYear(year: number): number {
  return (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / DAY_MS;
}

function isoOfDay(year: number, day: number): string {
  return new Date(Date.UTC(year, 0, 1 + day)).toISOString().slice(0, 10);
}

/** The day index of an ISO date relative to 1 January of `year` (negative before the year). */
function dayOfIso(year: number, iso: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (match === null) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return (Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) - Date.UTC(year, 0, 1)) / DAY_MS;
}

function dateBeforeYear(rng: Rng, year: number): string {
  const y = year - 1 - rng.below(8);
  return `${y}-${String(1 + rng.below(12)).padStart(2, "0")}-${String(1 + rng.below(28)).padStart(2, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// Enterprises

function orgCode(rng: Rng): string {
  if (rng.chance(700)) {
    // Codes issued since 2015 start with MA.
    let code = "MA";
    for (let i = 0; i < 7; i++) code += rng.pick([...USCC_ALPHABET]);
    return code;
  }
  // An old organisation code (GB 11714): eight digits and its own check character.
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let digits = "";
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const d = rng.below(10);
    digits += String(d);
    sum += d * weights[i]!;
  }
  const check = 11 - (sum % 11);
  return digits + (check === 10 ? "X" : check === 11 ? "0" : String(check));
}

function newUscc(rng: Rng, areaCodes: readonly string[], taken: Set<string>): string {
  for (;;) {
    const code = completeUscc(`91${rng.pick(areaCodes)}${orgCode(rng)}`);
    if (!taken.has(code)) {
      taken.add(code);
      return code;
    }
  }
}

type Attribution = Pick<EnterpriseRow, "origin" | "introduced_by">;

function attribution(rng: Rng, park: Park): Attribution {
  if (park === "ZD") {
    if (rng.chance(40)) return { origin: "", introduced_by: "" };
    const roll = rng.below(100);
    return { origin: roll < 70 ? "local" : roll < 94 ? "new" : "relocated", introduced_by: "prefecture" };
  }
  const operator = park === "BZ" ? "bingtuan" : "urumqi";
  const roll = rng.below(100);
  if (roll < 55) return { origin: "relocated", introduced_by: operator };
  if (roll < 93) return { origin: "new", introduced_by: rng.chance(920) ? operator : "prefecture" };
  return { origin: "local", introduced_by: "prefecture" };
}

/** Indices 0..n-1 in a seeded order (Fisher–Yates), for choosing a fixed number of them. */
function shuffledIndices(rng: Rng, n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The registry: one row per stay in a park. About 6.5 % of enterprises move between parks during
 * the year (two stays, the first ending the day before the second begins); some join or leave
 * during the year; a couple of BZ enterprises still carry the Bingtuan flag (an anomaly to report).
 */
export function demoEnterprises(opts: DemoOptions): EnterpriseRow[] {
  checkDemoOptions(opts);
  const { year, enterprises: n } = opts;
  const rng = new Rng(opts.seed, STREAM_ENTERPRISES);
  const days = daysInYear(year);
  const movers = new Set(shuffledIndices(rng, n).slice(0, Math.round((n * MOVER_PERCENT) / 100)));
  const codes = new Set<string>();
  const names = new Set<string>();
  const rows: EnterpriseRow[] = [];
  const flagCandidates: number[] = []; // indices into rows: BZ relocated enterprises with one stay

  for (let i = 0; i < n; i++) {
    if (movers.has(i)) {
      const [fromPark, toPark] = MOVES[pickWeighted(rng, MOVE_CUMULATIVE)]!;
      const uscc = newUscc(rng, AREA_CODES[fromPark], codes);
      const name = enterpriseName(rng, fromPark, names);
      const moveDay = 31 + rng.below(days - 62); // between February and November
      const first = { uscc, name, from: dateBeforeYear(rng, year), to: isoOfDay(year, moveDay - 1) };
      rows.push({ ...first, park: fromPark, ...attribution(rng, fromPark), bingtuan_flag: "false" });
      const second = { uscc, name, from: isoOfDay(year, moveDay), to: "" };
      rows.push({ ...second, park: toPark, ...attribution(rng, toPark), bingtuan_flag: "false" });
      continue;
    }
    const park = PARKS[pickWeighted(rng, PARK_CUMULATIVE)]!;
    const uscc = newUscc(rng, AREA_CODES[park], codes);
    const name = enterpriseName(rng, park, names);
    const roll = rng.below(1000);
    let from: string;
    let to = "";
    if (roll < JOINED_IN_YEAR_PER_MILLE) {
      from = isoOfDay(year, rng.below(days - 60));
    } else if (roll < JOINED_IN_YEAR_PER_MILLE + LEFT_IN_YEAR_PER_MILLE) {
      from = dateBeforeYear(rng, year);
      to = isoOfDay(year, 60 + rng.below(days - 90));
    } else {
      from = dateBeforeYear(rng, year);
    }
    const attrs = attribution(rng, park);
    if (park === "BZ" && attrs.origin === "relocated") flagCandidates.push(rows.length);
    rows.push({ uscc, name, park, from, to, ...attrs, bingtuan_flag: "false" });
  }

  const flagged = Math.min(flagCandidates.length, Math.max(2, Math.round(n / 150)));
  for (const k of shuffledIndices(rng, flagCandidates.length).slice(0, flagged)) {
    rows[flagCandidates[k]!]!.bingtuan_flag = "true";
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Receipts

interface Stay {
  from_day: number;
  to_day: number; // inclusive; Infinity when open-ended
}

interface Payer {
  uscc: string;
  stays: Stay[];
  tier: number;
}

interface Refundable {
  receipt_no: string;
  payer: Payer;
  tax_code: string;
  scope: "gross" | "local";
  tax_period: string;
  original_fen: Fen;
  remaining_fen: Fen;
}

function inPark(payer: Payer, day: number): boolean {
  return payer.stays.some((s) => s.from_day <= day && day <= s.to_day);
}

/** Treasury days: none on 1 January or the National Day holiday, most in each month's filing period. */
function dayWeights(year: number, days: number): number[] {
  const monthFactor = [8, 9, 11, 10, 10, 11, 10, 10, 10, 9, 11, 13];
  const weights: number[] = [];
  for (let day = 0; day < days; day++) {
    const date = new Date(Date.UTC(year, 0, 1 + day));
    const month = date.getUTCMonth();
    const dom = date.getUTCDate();
    const weekday = date.getUTCDay();
    let w: number;
    if ((month === 0 && dom === 1) || (month === 9 && dom <= 7)) w = 0;
    else if (weekday === 0 || weekday === 6) w = 1;
    else w = dom <= 15 ? 6 : 2;
    weights.push(w * monthFactor[month]!);
  }
  return weights;
}

/** Splits `total` rows over the days in proportion to their weights (largest remainder, exact). */
function dailyQuotas(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = weights
    .map((w, day) => ({ day, rem: (total * w) % sum }))
    .sort((a, b) => b.rem - a.rem || a.day - b.day);
  for (const { day } of byRemainder) {
    if (left === 0) break;
    quotas[day]! += 1;
    left -= 1;
  }
  return quotas;
}

function amountFen(rng: Rng, tax: DemoTax, tier: number): Fen {
  if (rng.chance(TINY_AMOUNT_PER_MILLE)) return BigInt(1 + rng.below(99));
  let decade = tax.decade_lo + rng.below(tax.decade_hi - tax.decade_lo + 1);
  if (tier === 0 && decade > tax.decade_lo && rng.below(2) === 0) decade -= 1;
  if (tier === 3 && decade < tax.decade_hi && rng.below(2) === 0) decade += 1;
  const step = rng.below(10);
  const low = LOG_STEPS[step]!;
  const mantissa = low + rng.below(LOG_STEPS[step + 1]! - low); // 100..999
  const scale = 10 ** decade; // an exact integer: decade ≤ 6
  return BigInt(mantissa * scale + rng.below(scale)); // fen in [10^decade, 10^(decade+1)) yuan
}

function taxPeriod(rng: Rng, tax: DemoTax, year: number, month: number): string {
  const roll = rng.below(100);
  const period = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}`;
  if (roll < 15) return "";
  if (tax.per_transaction || roll < 35) return period(year, month);
  return month === 1 ? period(year - 1, 12) : period(year, month - 1);
}

/**
 * A year of receipts in `collected_on` order: about 3 % refunds of earlier receipts and 1 % from
 * payers missing from the registry (suspense); every other payer is in a park on the day.
 * Exactly `opts.receipts` rows. Memory is the registry plus a bounded window of refundable receipts.
 */
export function* demoReceipts(opts: DemoOptions, enterprises: EnterpriseRow[]): Generator<ReceiptRow> {
  checkDemoOptions(opts);
  const { year } = opts;
  const rng = new Rng(opts.seed, STREAM_RECEIPTS);
  const days = daysInYear(year);

  const payers = new Map<string, Payer>();
  for (const row of enterprises) {
    let payer = payers.get(row.uscc);
    if (payer === undefined) {
      payer = { uscc: row.uscc, stays: [], tier: pickWeighted(rng, TIER_CUMULATIVE) };
      payers.set(row.uscc, payer);
    }
    payer.stays.push({
      from_day: dayOfIso(year, row.from),
      to_day: row.to === "" ? Number.POSITIVE_INFINITY : dayOfIso(year, row.to),
    });
  }
  const changeDays = new Set<number>([0]);
  for (const payer of payers.values()) {
    for (const stay of payer.stays) {
      if (stay.from_day > 0 && stay.from_day < days) changeDays.add(stay.from_day);
      if (stay.to_day + 1 > 0 && stay.to_day + 1 < days) changeDays.add(stay.to_day + 1);
    }
  }

  const ghostCount = Math.max(3, Math.min(60, Math.ceil(payers.size / 25)));
  const taken = new Set(payers.keys());
  const ghosts: string[] = [];
  for (let i = 0; i < ghostCount; i++) ghosts.push(newUscc(rng, GHOST_AREA_CODES, taken));
  taken.clear();

  const quotas = dailyQuotas(opts.receipts, dayWeights(year, days));
  const window: Refundable[] = [];
  let windowNext = 0;
  let active: Payer[] = [];
  let activeCumulative: number[] = [];
  let sequence = 0;

  const charge = (date: string, payer: Payer | null, uscc: string): { row: ReceiptRow; fen: Fen } => {
    const tax = DEMO_TAXES[pickWeighted(rng, TAX_CUMULATIVE)]!;
    const fen = amountFen(rng, tax, payer?.tier ?? 1);
    sequence += 1;
    const row: ReceiptRow = {
      receipt_no: receiptNo(year, sequence),
      uscc,
      tax_code: rng.chance(ITEM_CODE_PER_MILLE) ? tax.item_code : tax.code,
      collected_on: date,
      amount: formatYuan(fen),
      scope: tax.gross_only || rng.chance(GROSS_PER_MILLE) ? "gross" : "local",
      tax_period: taxPeriod(rng, tax, year, Number(date.slice(5, 7))),
      refund_of: "",
    };
    return { row, fen };
  };

  for (let day = 0; day < days; day++) {
    if (changeDays.has(day)) {
      active = [...payers.values()].filter((p) => inPark(p, day));
      activeCumulative = cumulativeOf(active.map((p) => TIER_RECEIPT_WEIGHT[p.tier]!));
    }
    const date = isoOfDay(year, day);
    for (let q = quotas[day]!; q > 0; q--) {
      const roll = rng.below(1000);
      if (roll < REFUND_PER_MILLE && window.length > 0) {
        const original = window[rng.below(window.length)]!;
        if (original.remaining_fen > 0n && inPark(original.payer, day)) {
          const untouched = original.remaining_fen === original.original_fen;
          let refund_fen: Fen;
          if (untouched && rng.chance(450)) refund_fen = original.original_fen;
          else {
            refund_fen = (original.remaining_fen * BigInt(1 + rng.below(60))) / 100n;
            if (refund_fen === 0n) refund_fen = 1n;
          }
          original.remaining_fen -= refund_fen;
          sequence += 1;
          yield {
            receipt_no: receiptNo(year, sequence),
            uscc: original.payer.uscc,
            tax_code: original.tax_code,
            collected_on: date,
            amount: formatYuan(-refund_fen),
            scope: original.scope,
            tax_period: original.tax_period,
            refund_of: original.receipt_no,
          };
          continue;
        }
      }
      if (active.length === 0 || (roll >= REFUND_PER_MILLE && roll < REFUND_PER_MILLE + SUSPENSE_PER_MILLE)) {
        yield charge(date, null, rng.pick(ghosts)).row;
        continue;
      }
      const payer = active[pickWeighted(rng, activeCumulative)]!;
      const { row, fen } = charge(date, payer, payer.uscc);
      const refundable: Refundable = {
        receipt_no: row.receipt_no,
        payer,
        tax_code: row.tax_code,
        scope: row.scope,
        tax_period: row.tax_period,
        original_fen: fen,
        remaining_fen: fen,
      };
      if (window.length < REFUND_WINDOW_MAX) window.push(refundable);
      else window[windowNext] = refundable;
      windowNext = (windowNext + 1) % REFUND_WINDOW_MAX;
      yield row;
    }
  }
}

function receiptNo(year: number, sequence: number): string {
  return `PZ${year}${String(sequence).padStart(7, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// CSV

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(",") + "\n";
}

/** The registry as an `enterprises` CSV file (columns as docs/contract.md#enterprises), every line ending in "\n". */
export function enterprisesCsv(rows: EnterpriseRow[]): string {
  let out = csvLine(ENTERPRISE_COLUMNS);
  for (const row of rows) out += csvLine(ENTERPRISE_COLUMNS.map((c) => row[c]));
  return out;
}

/** The header line, then one `receipts` CSV line per row; each string ends in "\n". */
export function* receiptsCsvLines(rows: Iterable<ReceiptRow>): Generator<string> {
  yield csvLine(RECEIPT_COLUMNS);
  for (const row of rows) yield csvLine(RECEIPT_COLUMNS.map((c) => row[c]));
}
