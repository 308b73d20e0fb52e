// Money crosses every interface as a two-decimal yuan string and lives inside as integer fen (bigint);
// this module is the only place where one becomes the other, so no float ever touches an amount.

export type Fen = bigint;

const YUAN_PATTERN = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;

/**
 * The largest absolute amount one receipt or transfer may carry: 10^13 fen, 100,000,000,000.00 yuan
 * (more than the whole region's budget revenue in a year). What one writer adds to a balance is held
 * to BALANCE_FEN_LIMIT before it is written, and the database holds the running total to it, so no
 * sum the books keep leaves a bigint (9.2 × 10^18).
 */
export const AMOUNT_FEN_LIMIT: Fen = 10n ** 13n;

/**
 * The most an account's running debit or credit total may reach in a year, park and tax: 10^17 fen,
 * 1,000,000,000,000,000.00 yuan (far past the country's annual budget revenue), or 10^17 ten-thousandths
 * of an indicator's unit. The database refuses a balance past it, so no running total or sum of a few
 * of them can overflow a bigint (9.2 × 10^18) unnoticed.
 */
export const BALANCE_FEN_LIMIT: Fen = 10n ** 17n;

/**
 * Parses `"-1234.5"` into fen; returns null for anything that is not `-?\d+(\.\d{1,2})?` or that
 * passes AMOUNT_FEN_LIMIT (`amountProblem` tells which).
 */
export function parseYuan(text: string): Fen | null {
  const fen = parseYuanUnbounded(text);
  return fen === null || absFen(fen) > AMOUNT_FEN_LIMIT ? null : fen;
}

/** Why `text` is not an amount one receipt or transfer may carry, or null when it is one. */
export function amountProblem(text: string): "amount_invalid" | "amount_too_large" | null {
  const fen = parseYuanUnbounded(text);
  if (fen === null) return "amount_invalid";
  return absFen(fen) > AMOUNT_FEN_LIMIT ? "amount_too_large" : null;
}

function parseYuanUnbounded(text: string): Fen | null {
  const match = YUAN_PATTERN.exec(text);
  if (match === null) return null;
  const [, sign, whole, fraction = ""] = match;
  const fen = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  return sign === "-" ? -fen : fen;
}

/** Formats fen as a yuan string with exactly two decimals: `-123456n` → `"-1234.56"`. */
export function formatYuan(fen: Fen): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const whole = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${cents}`;
}

/** Formats fen with thousands separators for terminal tables: `123456789n` → `"1,234,567.89"`. */
export function formatYuanGrouped(fen: Fen): string {
  const plain = formatYuan(fen);
  const [whole, cents] = plain.split(".") as [string, string];
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = sign ? whole.slice(1) : whole;
  return `${sign}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

/** Normalises a value read from either database driver (pg gives strings, PGlite numbers or bigints). */
export function toFen(value: unknown): Fen {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer fen amount: ${value}`);
    return BigInt(value);
  }
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new Error(`not an integer fen amount: ${String(value)}`);
}

export function sumFen(values: Iterable<Fen>): Fen {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

export function absFen(value: Fen): Fen {
  return value < 0n ? -value : value;
}
