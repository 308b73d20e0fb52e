// Shares are basis points (1 bp = 0.01 %) so that every ratio is an integer and "80 %" is exactly 8000.

export const BP_WHOLE = 10_000;

const PERCENT_PATTERN = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** Parses a percentage such as `"80"` or `"37.5"` into basis points; null when malformed or over 100. */
export function parsePercentToBp(text: string): number | null {
  const match = PERCENT_PATTERN.exec(text.trim().replace(/%$/, ""));
  if (match === null) return null;
  const bp = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0") || "0");
  return bp <= BP_WHOLE ? bp : null;
}

/** Formats basis points as a percentage string: 8000 → "80.00". */
export function formatBpAsPercent(bp: number): string {
  return `${Math.trunc(bp / 100)}.${String(bp % 100).padStart(2, "0")}`;
}
