// How often each tax shows up in a Zhundong treasury export and how large its receipts run, so the
// demo year looks like the coal, chemical and power economy of the zone: VAT, corporate income,
// resource and city-maintenance taxes dominate; customs, vehicle purchase, tobacco leaf and
// consumption tax are rare.

export interface DemoTax {
  code: string;
  /** The collection-item code (征收项目代码) a treasury export carries instead of the mnemonic. */
  item_code: string;
  /** Relative frequency, in receipts per thousand. */
  weight_per_mille: number;
  /** Receipts run from 10^lo to just under 10^(hi+1) yuan. */
  decade_lo: number;
  decade_hi: number;
  /** Wholly central taxes are always reported gross: a "local portion" of them is always zero. */
  gross_only: boolean;
  /** Assessed per transaction (契税, 耕地占用税, 车辆购置税, 关税), so the period is the month of collection. */
  per_transaction: boolean;
}

function tax(
  code: string,
  item_code: string,
  weight_per_mille: number,
  decade_lo: number,
  decade_hi: number,
  flags: { gross_only?: boolean; per_transaction?: boolean } = {},
): DemoTax {
  return {
    code,
    item_code,
    weight_per_mille,
    decade_lo,
    decade_hi,
    gross_only: flags.gross_only ?? false,
    per_transaction: flags.per_transaction ?? false,
  };
}

export const DEMO_TAXES: readonly DemoTax[] = [
  tax("VAT", "10101", 215, 3, 6),
  tax("CIT", "10104", 125, 3, 6),
  tax("RES", "10107", 120, 3, 6),
  tax("UMCT", "10109", 135, 2, 5),
  tax("PIT", "10106", 90, 2, 5),
  tax("STAMP", "10111", 70, 2, 4),
  tax("PROP", "10110", 40, 3, 5),
  tax("LUT", "10112", 40, 3, 5),
  tax("ENV", "10121", 30, 2, 5),
  tax("VVT", "10114", 15, 2, 3),
  tax("LVAT", "10113", 10, 4, 6),
  tax("DEED", "10119", 10, 3, 6, { per_transaction: true }),
  tax("FOT", "10118", 10, 4, 6, { per_transaction: true }),
  tax("CT", "10102", 6, 4, 6, { gross_only: true }),
  tax("CUST", "10117", 5, 3, 6, { gross_only: true, per_transaction: true }),
  tax("VPT", "10116", 4, 3, 5, { gross_only: true, per_transaction: true }),
  tax("TOB", "10120", 3, 3, 4),
  tax("EDU", "30203", 40, 2, 5),
  tax("LEDU", "30216", 32, 2, 4),
];
