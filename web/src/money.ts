// Money arrives from the API as a string with two decimals (indicator values with four) and is never
// turned into a float: thousands separators are put in by string operations, sums are made in fen
// with BigInt. The one exception is a chart's geometry (whole yuan as a number for the axis); its
// tooltips show the exact string.

/** "1234567.89" → "1,234,567.89"; "-5.00" → "-5.00"; null → "—". */
export function formatAmount(value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const negative = value.startsWith("-");
  const [whole = "0", fraction] = (negative ? value.slice(1) : value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** A two-decimal money string in fen. */
export function toFen(value: string): bigint {
  const negative = value.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? value.slice(1) : value).split(".");
  const fen = BigInt(whole) * 100n + BigInt((fraction + "00").slice(0, 2));
  return negative ? -fen : fen;
}

/** Fen as a two-decimal money string. */
export function fromFen(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const fraction = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${(abs / 100n).toString()}.${fraction}`;
}

/** Adds money strings exactly. */
export function sumMoney(values: Iterable<string>): string {
  let fen = 0n;
  for (const v of values) fen += toFen(v);
  return fromFen(fen);
}

/** Whole yuan (rounded toward zero) as a number: for a chart's axis only, never shown as a figure. */
export function chartYuan(value: string): number {
  return Number(toFen(value) / 100n);
}

/** A four-decimal quantity for a chart's axis (its tooltip shows the string). */
export function chartQuantity(value: string): number {
  return Number(value);
}

export function isNegative(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value.startsWith("-") && /[1-9]/.test(value);
}
