// The fields the services' forms share (a percentage, a date), checked one way and refused naming
// the field, so `agreement set`, `ratio set`, `park add` and `transfer` answer alike.

import { parsePercentToBp } from "../../ledger/ratio.js";
import { parseIsoDate, parsePeriod } from "../../ledger/periods.js";
import { fieldRejection } from "../../ledger/rejections.js";
import { visibleText } from "../../ledger/text.js";

/** A share in percent as basis points, or a `percent_invalid` rejection naming `field`. */
export function percentField(field: string, value: string): number {
  const bp = parsePercentToBp(value);
  if (bp === null)
    throw fieldRejection(
      field,
      "percent_invalid",
      `${visibleText(value)} is not a percentage from 0 to 100 with at most two decimals`,
    );
  return bp;
}

/** A calendar date as YYYY-MM-DD, or a `date_invalid` rejection naming `field`. */
export function dateField(field: string, value: string): string {
  const date = parseIsoDate(value.trim());
  if (date === null) throw fieldRejection(field, "date_invalid", `${visibleText(value)} is not a date YYYY-MM-DD`);
  return date;
}

/** A month as YYYY-MM, or a `period_invalid` rejection naming `field`. */
export function monthField(field: string, value: string): string {
  const period = parsePeriod(value.trim());
  if (period === null || period.from !== period.to || !/^\d{4}-\d{2}$/.test(value.trim()))
    throw fieldRejection(field, "period_invalid", `${visibleText(value)} is not a month YYYY-MM`);
  return value.trim();
}
