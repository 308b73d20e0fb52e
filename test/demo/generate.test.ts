// The demo year must be believable to a finance officer and safe for the ledger: valid codes, stays
// that never overlap, payers in a park on the day they pay, refunds that never exceed what they
// refund, and the same bytes every time.

import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parseYuan } from "../../ledger/money.js";
import { usccProblem } from "../../ledger/uscc.js";
import {
  DEMO_DEFAULTS,
  demoEnterprises,
  demoReceipts,
  enterprisesCsv,
  receiptsCsvLines,
  type DemoOptions,
  type EnterpriseRow,
  type ReceiptRow,
} from "../../src/demo/generate.js";

const ITEM_CODES: Record<string, string> = {
  "10101": "VAT",
  "10102": "CT",
  "10104": "CIT",
  "10106": "PIT",
  "10107": "RES",
  "10109": "UMCT",
  "10110": "PROP",
  "10111": "STAMP",
  "10112": "LUT",
  "10113": "LVAT",
  "10114": "VVT",
  "10116": "VPT",
  "10117": "CUST",
  "10118": "FOT",
  "10119": "DEED",
  "10120": "TOB",
  "10121": "ENV",
  "30203": "EDU",
  "30216": "LEDU",
};
const TAX_CODES = [
  "VAT",
  "CIT",
  "PIT",
  "CT",
  "RES",
  "UMCT",
  "PROP",
  "LUT",
  "LVAT",
  "DEED",
  "STAMP",
  "ENV",
  "VVT",
  "FOT",
  "TOB",
  "CUST",
  "VPT",
];

const mnemonic = (tax_code: string) => ITEM_CODES[tax_code] ?? tax_code;

function csvOf(opts: DemoOptions): { enterprises: string; receipts: string } {
  const rows = demoEnterprises(opts);
  return { enterprises: enterprisesCsv(rows), receipts: [...receiptsCsvLines(demoReceipts(opts, rows))].join("") };
}

function staysByUscc(rows: EnterpriseRow[]): Map<string, EnterpriseRow[]> {
  const map = new Map<string, EnterpriseRow[]>();
  for (const row of rows) map.set(row.uscc, [...(map.get(row.uscc) ?? []), row]);
  return map;
}

function inParkOn(stays: EnterpriseRow[] | undefined, date: string): boolean {
  return (stays ?? []).some((s) => s.from <= date && (s.to === "" || date <= s.to));
}

function dayBefore(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

const enterprises = demoEnterprises(DEMO_DEFAULTS);
const receipts: ReceiptRow[] = [...demoReceipts(DEMO_DEFAULTS, enterprises)];
const stays = staysByUscc(enterprises);

describe("demo generator", () => {
  it("gives byte-identical CSV for the same options and a different year for another seed", () => {
    const first = csvOf(DEMO_DEFAULTS);
    const again = csvOf({ ...DEMO_DEFAULTS });
    expect(again.enterprises).toBe(first.enterprises);
    expect(again.receipts).toBe(first.receipts);
    const other = csvOf({ ...DEMO_DEFAULTS, seed: DEMO_DEFAULTS.seed + 1 });
    expect(other.enterprises).not.toBe(first.enterprises);
    expect(other.receipts).not.toBe(first.receipts);
  });

  it("defaults to the 2025 sample year with 300 enterprises and 6000 receipts", () => {
    expect(DEMO_DEFAULTS).toEqual({ year: 2025, seed: 20250101, enterprises: 300, receipts: 6000 });
    expect(stays.size).toBe(300);
    expect(receipts).toHaveLength(6000);
  });

  it("issues only valid enterprise USCCs (91, a 6-digit area code, an org code and the check character)", () => {
    const codes = new Set([...enterprises.map((e) => e.uscc), ...receipts.map((r) => r.uscc)]);
    for (const code of codes) {
      expect(usccProblem(code), code).toBeNull();
      expect(code, code).toMatch(/^91\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/);
    }
  });

  it("gives each enterprise one name and each name one enterprise", () => {
    const nameOf = new Map<string, string>();
    for (const row of enterprises) {
      expect(nameOf.get(row.uscc) ?? row.name).toBe(row.name);
      nameOf.set(row.uscc, row.name);
      expect(row.name).toMatch(/^[\u4e00-\u9fff]+(有限公司|有限责任公司|股份有限公司)$/);
    }
    expect(new Set(nameOf.values()).size).toBe(nameOf.size);
  });

  it("never lets an enterprise's stays overlap, and a move ends the day before the next stay begins", () => {
    let movers = 0;
    for (const [uscc, list] of stays) {
      const sorted = [...list].sort((a, b) => a.from.localeCompare(b.from));
      for (const stay of sorted) if (stay.to !== "") expect(stay.from <= stay.to, uscc).toBe(true);
      for (let i = 1; i < sorted.length; i++) {
        const previous = sorted[i - 1]!;
        const next = sorted[i]!;
        expect(previous.to, uscc).not.toBe("");
        expect(previous.to < next.from, uscc).toBe(true);
        expect(previous.to, uscc).toBe(dayBefore(next.from));
        expect(next.park, uscc).not.toBe(previous.park);
      }
      if (sorted.length > 1) movers += 1;
    }
    expect(movers / stays.size).toBeGreaterThanOrEqual(0.05);
    expect(movers / stays.size).toBeLessThanOrEqual(0.08);
  });

  it("attributes BZ mostly to Bingtuan, WZ to Urumqi and ZD to the prefecture, and flags only a couple of BZ enterprises", () => {
    const share = (park: string, by: string) => {
      const inPark = enterprises.filter((e) => e.park === park);
      return inPark.filter((e) => e.introduced_by === by).length / inPark.length;
    };
    expect(share("BZ", "bingtuan")).toBeGreaterThan(0.7);
    expect(share("WZ", "urumqi")).toBeGreaterThan(0.7);
    expect(share("ZD", "prefecture")).toBeGreaterThan(0.8);
    for (const park of ["BZ", "WZ", "ZD"])
      expect(enterprises.filter((e) => e.park === park).length).toBeGreaterThan(50);
    const flagged = enterprises.filter((e) => e.bingtuan_flag === "true");
    expect(flagged.length).toBeGreaterThanOrEqual(2);
    expect(flagged.length).toBeLessThanOrEqual(5);
    for (const row of flagged) expect(row.park).toBe("BZ");
  });

  it("has every non-suspense payer in a park on its collected_on, and about 1 % from payers not in the registry", () => {
    let suspense = 0;
    for (const r of receipts) {
      if (!stays.has(r.uscc)) {
        suspense += 1;
        expect(r.refund_of, r.receipt_no).toBe("");
        continue;
      }
      expect(inParkOn(stays.get(r.uscc), r.collected_on), `${r.receipt_no} ${r.uscc} ${r.collected_on}`).toBe(true);
    }
    expect(suspense / receipts.length).toBeGreaterThan(0.005);
    expect(suspense / receipts.length).toBeLessThan(0.02);
  });

  it("refunds only earlier, non-refund, registered receipts of the same payer, tax and scope, never more than the original", () => {
    const index = new Map<string, number>();
    receipts.forEach((r, i) => index.set(r.receipt_no, i));
    const refunded = new Map<string, bigint>();
    let refunds = 0;
    let full = 0;
    receipts.forEach((r, i) => {
      const fen = parseYuan(r.amount)!;
      if (r.refund_of === "") {
        expect(fen >= 0n, r.receipt_no).toBe(true);
        return;
      }
      refunds += 1;
      expect(fen < 0n, r.receipt_no).toBe(true);
      const at = index.get(r.refund_of);
      expect(at, r.receipt_no).toBeDefined();
      expect(at! < i, r.receipt_no).toBe(true);
      const original = receipts[at!]!;
      expect(original.refund_of, r.receipt_no).toBe("");
      expect(stays.has(original.uscc), r.receipt_no).toBe(true);
      expect(original.collected_on <= r.collected_on, r.receipt_no).toBe(true);
      expect([r.uscc, r.tax_code, r.scope]).toEqual([original.uscc, original.tax_code, original.scope]);
      const originalFen = parseYuan(original.amount)!;
      if (-fen === originalFen) full += 1;
      const total = (refunded.get(r.refund_of) ?? 0n) - fen;
      refunded.set(r.refund_of, total);
      expect(total <= originalFen, r.receipt_no).toBe(true);
    });
    expect(refunds / receipts.length).toBeGreaterThan(0.02);
    expect(refunds / receipts.length).toBeLessThan(0.04);
    expect(full).toBeGreaterThan(0);
    expect(full).toBeLessThan(refunds);
  });

  it("uses every tax code and both surcharges in the default demo, about 15 % by collection-item code", () => {
    const counts = new Map<string, number>();
    for (const r of receipts) counts.set(mnemonic(r.tax_code), (counts.get(mnemonic(r.tax_code)) ?? 0) + 1);
    for (const code of [...TAX_CODES, "EDU", "LEDU"]) expect(counts.get(code) ?? 0, code).toBeGreaterThan(0);
    expect([...counts.keys()].sort()).toEqual([...TAX_CODES, "EDU", "LEDU"].sort());
    const count = (code: string) => counts.get(code) ?? 0;
    for (const common of ["VAT", "CIT", "RES", "UMCT"])
      for (const rare of ["CUST", "VPT", "TOB", "CT"])
        expect(count(common), `${common} > ${rare}`).toBeGreaterThan(count(rare) * 5);
    const byItemCode = receipts.filter((r) => /^\d{5}$/.test(r.tax_code)).length / receipts.length;
    expect(byItemCode).toBeGreaterThan(0.1);
    expect(byItemCode).toBeLessThan(0.2);
  });

  it("writes amounts as two-decimal yuan from a few fen to millions, mostly gross", () => {
    const amounts = receipts.map((r) => r.amount);
    for (const a of amounts) expect(a).toMatch(/^-?\d+\.\d{2}$/);
    const positive = receipts.filter((r) => r.refund_of === "").map((r) => parseYuan(r.amount)!);
    expect(positive.some((f) => f < 100n)).toBe(true); // a tiny one such as 0.03
    expect(positive.some((f) => f >= 100_000_000n)).toBe(true); // a million yuan or more
    expect(positive.every((f) => f < 1_000_000_000n)).toBe(true); // under ten million
    expect(positive.filter((f) => f >= 10_000n && f < 100_000n).length).toBeGreaterThan(100); // hundreds of yuan
    const gross = receipts.filter((r) => r.scope === "gross").length / receipts.length;
    expect(gross).toBeGreaterThan(0.65);
    expect(gross).toBeLessThan(0.8);
  });

  it("orders receipts by collected_on over all twelve months, with unique numbers and well-formed tax periods", () => {
    const dates = receipts.map((r) => r.collected_on);
    expect([...dates].sort()).toEqual(dates);
    for (const r of receipts) {
      expect(r.collected_on).toMatch(/^2025-\d{2}-\d{2}$/);
      expect(new Date(`${r.collected_on}T00:00:00Z`).toISOString().slice(0, 10)).toBe(r.collected_on);
      expect(r.receipt_no).toMatch(/^PZ2025\d{7}$/);
      expect(r.tax_period).toMatch(/^(\d{4}-\d{2})?$/);
    }
    expect(new Set(dates.map((d) => d.slice(5, 7))).size).toBe(12);
    expect(new Set(receipts.map((r) => r.receipt_no)).size).toBe(receipts.length);
  });

  it("writes CSV headers exactly in docs/contract.md column order, one line per row, each ending in a newline", () => {
    const text = enterprisesCsv(enterprises);
    expect(text.startsWith("uscc,name,park,from,to,origin,introduced_by,bingtuan_flag\n")).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(enterprises.length + 2);
    const lines = [...receiptsCsvLines(receipts)];
    expect(lines[0]).toBe("receipt_no,uscc,tax_code,collected_on,amount,scope,tax_period,refund_of\n");
    expect(lines).toHaveLength(receipts.length + 1);
    for (const line of lines) expect(line).toMatch(/^[^\n]*\n$/);
  });

  it("round-trips through a CSV parser, quoting a field that needs it", () => {
    expect(parse(enterprisesCsv(enterprises), { columns: true })).toEqual(enterprises);
    expect(parse([...receiptsCsvLines(receipts)].join(""), { columns: true })).toEqual(receipts);
    const odd: EnterpriseRow = { ...enterprises[0]!, name: '新疆"准东",某公司' };
    expect(parse(enterprisesCsv([odd]), { columns: true })).toEqual([odd]);
  });

  it("gives exactly the requested number of rows for small and empty years, and rejects bad options", () => {
    const tiny = { year: 2024, seed: 1, enterprises: 1, receipts: 25 };
    const rows = demoEnterprises(tiny);
    expect([...demoReceipts(tiny, rows)]).toHaveLength(25);
    expect([...demoReceipts({ ...tiny, receipts: 0 }, rows)]).toHaveLength(0);
    expect(() => demoEnterprises({ ...tiny, enterprises: 0 })).toThrow(RangeError);
    expect(() => demoEnterprises({ ...tiny, seed: 1.5 })).toThrow(RangeError);
    expect(() => [...demoReceipts({ ...tiny, receipts: -1 }, rows)]).toThrow(RangeError);
  });

  it("streams a million receipts for 5000 enterprises in date order within seconds", () => {
    const opts = { year: 2025, seed: 42, enterprises: 5000, receipts: 1_000_000 };
    const started = Date.now();
    const registry = demoEnterprises(opts);
    let count = 0;
    let last = "";
    let ordered = true;
    for (const r of demoReceipts(opts, registry)) {
      count += 1;
      if (r.collected_on < last) ordered = false;
      last = r.collected_on;
    }
    expect(count).toBe(1_000_000);
    expect(ordered).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
