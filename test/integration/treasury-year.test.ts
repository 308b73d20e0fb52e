// A whole year as the treasury exports it: Chinese headers, 7-digit budget codes, amounts divided by
// level, thousands separators, GB18030, and every kind of negative flow (refunds of receipts, credit
// refunds and their treasury adjustments, settlement refunds, refunds upon collection, export
// offsets). It settles to the figures an independent computation here gives, written without the
// ledger's code; the same year in the plain layout (English headers, mnemonics, UTF-8) settles the same.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, standardRegistry, uscc } from "../support/files.js";

interface Row {
  no: string;
  uscc: string;
  park: "BZ" | "WZ";
  tax: "VAT" | "CIT" | "UMCT";
  on: string;
  amount: bigint;
  /** central, region, prefecture, county; null for the kinds not divided by level */
  levels: [bigint, bigint, bigint, bigint] | null;
  period: string;
  refund_of: string;
  kind: string;
}

const CODES = { VAT: ["1010101", "10101"], CIT: ["1010403", "10104"], UMCT: ["1010903", "10109"] } as const;
const CENTRAL_BP = { VAT: 5000n, CIT: 6000n, UMCT: 0n } as const;
const KIND_ZH: Record<string, string> = {
  receipt: "入库",
  credit_refund: "增值税留抵退税",
  settlement_refund: "汇算清缴退税",
  immediate_refund: "即征即退",
  export_offset: "免抵调库",
  treasury_adjustment: "留抵退税调库",
};

/** round_half_up(|fen| × bp / 10000) with fen's sign, written out here rather than taken from ledger/. */
function share(fen: bigint, bp: bigint): bigint {
  const magnitude = fen < 0n ? -fen : fen;
  const part = (magnitude * bp * 2n + 10_000n) / 20_000n;
  return fen < 0n ? -part : part;
}

/** The treasury's division of an amount: central by the ratio, the local part 25/50/25 between the levels. */
function divide(amount: bigint, tax: Row["tax"]): [bigint, bigint, bigint, bigint] {
  const central = share(amount, CENTRAL_BP[tax]);
  const local = amount - central;
  const region = share(local, 2500n);
  const prefecture = share(local, 5000n);
  return [central, region, prefecture, local - region - prefecture];
}

const PARK_OF: Record<number, "BZ" | "WZ"> = { 1: "BZ", 2: "BZ", 3: "BZ", 11: "WZ", 12: "WZ" };

/** A year of rows, deterministic: every enterprise every month, and each kind of negative flow. */
function year(): Row[] {
  let seed = 20250101;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const rows: Row[] = [];
  const add = (r: Omit<Row, "park" | "levels"> & { levels?: Row["levels"] }) => {
    const n = Number(Object.entries(PARK_OF).find(([k]) => uscc(Number(k)) === r.uscc)![0]);
    rows.push({ levels: divide(r.amount, r.tax), ...r, park: PARK_OF[n]! });
  };
  for (let m = 1; m <= 12; m++) {
    const mm = String(m).padStart(2, "0");
    for (const n of [1, 2, 3, 11, 12]) {
      const u = uscc(n);
      for (const tax of ["VAT", "CIT", "UMCT"] as const) {
        if (tax === "CIT" && m % 3 !== 1) continue;
        const amount = BigInt(100_000 + (next() % 9_000_000));
        add({
          no: `Y-${n}-${tax}-${mm}`,
          uscc: u,
          tax,
          on: `2025-${mm}-1${n % 9}`,
          amount,
          period: "",
          refund_of: "",
          kind: "receipt",
        });
      }
    }
  }
  // refunds of receipts, partial and whole, with their own levels
  for (const original of rows.filter((_, i) => i % 17 === 5).slice(0, 8)) {
    const amount = original.no.endsWith("-04") ? -original.amount : -(original.amount / 3n);
    const on = original.on.replace(/-1(\d)$/, "-2$1");
    add({
      ...original,
      no: `${original.no}-R`,
      on,
      amount,
      levels: divide(amount, original.tax),
      period: "",
      refund_of: original.no,
      kind: "receipt",
    });
  }
  // 留抵退税 and their 调库 (35 % of the local burden returned, in two parts)
  for (const [n, mm] of [
    [1, "03"],
    [11, "09"],
  ] as const) {
    const no = `CR-${n}-${mm}`;
    const amount = -BigInt(2_000_000 + (next() % 1_000_000));
    add({
      no,
      uscc: uscc(n),
      tax: "VAT",
      on: `2025-${mm}-25`,
      amount,
      period: `2025-${mm}`,
      refund_of: "",
      kind: "credit_refund",
    });
    const returned = share(-(amount - share(amount, 5000n)), 3500n);
    const first = returned / 2n;
    for (const [part, fen] of [
      ["A", first],
      ["B", returned - first],
    ] as const)
      add({
        no: `${no}-${part}`,
        uscc: uscc(n),
        tax: "VAT",
        on: `2025-${mm}-2${part === "A" ? 7 : 8}`,
        amount: fen,
        levels: null,
        period: "",
        refund_of: no,
        kind: "treasury_adjustment",
      });
  }
  for (const n of [2, 12])
    add({
      no: `SR-${n}`,
      uscc: uscc(n),
      tax: "CIT",
      on: "2025-05-20",
      amount: -BigInt(300_001 + n),
      period: "2024",
      refund_of: "",
      kind: "settlement_refund",
    });
  for (const mm of ["04", "08", "11"])
    add({
      no: `IR-12-${mm}`,
      uscc: uscc(12),
      tax: "VAT",
      on: `2025-${mm}-20`,
      amount: -BigInt(45_678),
      period: `2025-${mm}`,
      refund_of: "",
      kind: "immediate_refund",
    });
  for (const [mm, fen] of [
    ["06", 123_457n],
    ["10", -33_333n],
  ] as const)
    add({
      no: `EO-3-${mm}`,
      uscc: uscc(3),
      tax: "VAT",
      on: `2025-${mm}-15`,
      amount: fen,
      levels: null,
      period: `2025-${mm}`,
      refund_of: "",
      kind: "export_offset",
    });
  return rows;
}

interface Split {
  central: bigint;
  local: bigint;
  operator: bigint;
  host: bigint;
}

/** What each park's settlement must show, computed from the rows by the rules as docs/domain.md states them. */
function expected(rows: readonly Row[]): Map<string, Map<string, Split>> {
  const adjusted = new Map<string, bigint>();
  const credit = new Map<string, Split>();
  const byPark = new Map<string, Map<string, Split>>();
  for (const r of rows) {
    let s: Split;
    if (r.kind === "export_offset") {
      const operator = share(r.amount, 8000n);
      s = { central: -r.amount, local: r.amount, operator, host: r.amount - operator };
    } else if (r.kind === "treasury_adjustment") {
      // returned in the proportion the credit refund's local part was borne, cumulatively
      const before = adjusted.get(r.refund_of) ?? 0n;
      adjusted.set(r.refund_of, before + r.amount);
      const refund = credit.get(r.refund_of)!;
      const borne = (y: bigint) => (y * -refund.operator * 2n + -refund.local) / (2n * -refund.local);
      const operator = borne(before + r.amount) - borne(before);
      s = { central: 0n, local: r.amount, operator, host: r.amount - operator };
    } else {
      const [central, region, prefecture, county] = r.levels!;
      const local = region + prefecture + county;
      const operator = share(local, 8000n);
      s = { central, local, operator, host: local - operator };
    }
    if (r.kind === "credit_refund") credit.set(r.no, s);
    const park = byPark.get(r.park) ?? new Map<string, Split>();
    byPark.set(r.park, park);
    const sum = park.get(r.tax) ?? { central: 0n, local: 0n, operator: 0n, host: 0n };
    park.set(r.tax, {
      central: sum.central + s.central,
      local: sum.local + s.local,
      operator: sum.operator + s.operator,
      host: sum.host + s.host,
    });
  }
  return byPark;
}

const yuan = (fen: bigint) => {
  const sign = fen < 0n ? "-" : "";
  const m = fen < 0n ? -fen : fen;
  return `${sign}${m / 100n}.${String(m % 100n).padStart(2, "0")}`;
};
const grouped = (fen: bigint) => {
  const [whole, cents] = yuan(fen).split(".") as [string, string];
  return `"${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}"`;
};

function treasuryFile(rows: readonly Row[]): string {
  const header = [
    "票号",
    "纳税人识别号",
    "预算科目",
    "入库日期",
    "金额",
    "中央级",
    "自治区级",
    "州级",
    "县级",
    "所属期",
    "原票号",
    "收入类型",
  ];
  return csvFile(
    [
      header,
      ...rows.map((r) => [
        r.no,
        r.uscc,
        CODES[r.tax][0],
        r.on.replace(/-0?(\d+)-0?(\d+)$/, "/$1/$2"),
        grouped(r.amount),
        ...(r.levels === null ? ["", "", "", ""] : r.levels.map(grouped)),
        r.period,
        r.refund_of,
        r.kind === "receipt" && r.refund_of !== "" ? "退库" : KIND_ZH[r.kind]!,
      ]),
    ],
    { encoding: "gb18030" },
  );
}

function plainFile(rows: readonly Row[]): string {
  const header = [
    "receipt_no",
    "uscc",
    "tax_code",
    "collected_on",
    "amount",
    "central",
    "region",
    "prefecture",
    "county",
    "tax_period",
    "refund_of",
    "kind",
  ];
  return csvFile([
    header,
    ...rows.map((r) => [
      r.no,
      r.uscc,
      r.tax,
      r.on,
      yuan(r.amount),
      ...(r.levels === null ? ["", "", "", ""] : r.levels.map(yuan)),
      r.period,
      r.refund_of,
      r.kind,
    ]),
  ]);
}

interface Statement {
  by_tax: {
    tax_code: string;
    central_excluded: string;
    local_revenue: string;
    operator_share: string;
    host_share: string;
  }[];
  totals: Record<string, string>;
  refunds_and_adjustments: { kind: string }[];
}

async function statement(db: TestDatabase, operator: string): Promise<Statement> {
  const r = await cli(db, "report", "settlement", "--year", "2025", "--operator", operator, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json() as Statement;
}

const ROWS = year();
let treasury: TestDatabase;
let plain: TestDatabase;

beforeAll(async () => {
  treasury = await testDatabase();
  plain = await testDatabase();
  for (const db of [treasury, plain]) expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => {
  await treasury?.drop();
  await plain?.drop();
});

describe(`a year as the treasury exports it (${dialectLabel})`, () => {
  it("imports whole, every kind included, and keeps the books intact", async () => {
    const r = await cli(treasury, "import", "receipts", treasuryFile(ROWS), "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ encoding: "GB18030", new_rows: ROWS.length, suspense: 0, central_differs: 0 });
    expect((await cli(treasury, "verify")).code).toBe(0);
  });

  it("settles each operator to the independently computed figures, to the fen", async () => {
    const want = expected(ROWS);
    for (const [operator, park] of [
      ["bingtuan", "BZ"],
      ["urumqi", "WZ"],
    ] as const) {
      const s = await statement(treasury, operator);
      const taxes = want.get(park)!;
      for (const [tax, f] of taxes) {
        expect(
          s.by_tax.find((t) => t.tax_code === tax),
          `${park} ${tax}`,
        ).toMatchObject({
          central_excluded: yuan(f.central),
          local_revenue: yuan(f.local),
          operator_share: yuan(f.operator),
          host_share: yuan(f.host),
        });
      }
      const total = (k: keyof Split) => yuan([...taxes.values()].reduce((a, f) => a + f[k], 0n));
      expect(s.totals).toMatchObject({
        central_excluded: total("central"),
        local_revenue: total("local"),
        operator_share: total("operator"),
        host_share: total("host"),
      });
    }
    // each kind on its own lines, in one park or the other
    const kinds = new Set<string>();
    for (const operator of ["bingtuan", "urumqi"])
      for (const f of (await statement(treasury, operator)).refunds_and_adjustments) kinds.add(f.kind);
    expect([...kinds].sort()).toEqual([
      "credit_refund",
      "export_offset",
      "immediate_refund",
      "refund",
      "settlement_refund",
      "treasury_adjustment",
    ]);
  });

  it("settles the same from the plain layout", async () => {
    const r = await cli(plain, "import", "receipts", plainFile(ROWS), "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    for (const operator of ["bingtuan", "urumqi"]) {
      const [a, b] = [await statement(treasury, operator), await statement(plain, operator)];
      expect(b.by_tax).toEqual(a.by_tax);
      expect(b.totals).toEqual(a.totals);
    }
  });
});
