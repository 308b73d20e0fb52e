// Money crosses every interface as a two-decimal yuan string and lives inside as integer fen (bigint);
// this module is the only place where one becomes the other, so no float ever touches an amount.

export type Fen = bigint;

const YUAN_PATTERN = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;

/** The largest absolute amount one receipt may carry: 10^15 fen (10 trillion yuan). */
export const AMOUNT_FEN_LIMIT: Fen = 10n ** 15n;

/** Parses `"-1234.5"` into fen; returns null for anything that is not `-?\d+(\.\d{1,2})?`. */
export function parseYuan(text: string): Fen | null {
  const match = YUAN_PATTERN.exec(text);
  if (match === null) return null;
  const [, sign, whole, fraction = ""] = match;
  const fen = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  if (fen > AMOUNT_FEN_LIMIT) return null;
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
