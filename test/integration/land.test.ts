// Land and mineral revenue (seed 004 item 7): 土地出让收入 (wholly local), 新增建设用地土地有偿使用费
// (30 % central) and 矿业权出让收益 (40 % central) booked per park, kept by the host unless the park's
// agreement names the item, and the exemptions granted under 新财综〔2022〕48号 kept as a register of
// revenue forgone. The figures are checked against amounts worked out here to the fen, independently
// of the ledger's code; an operator's report holds nothing of another park in any field.

import fc from "fast-check";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitInOrder } from "../../ledger/allocate.js";
import { landRevenueBooking, type LandTerms } from "../../ledger/land.js";
import { AMOUNT_FEN_LIMIT, formatYuan, parseYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { badUscc, csvFile, standardRegistry, uscc } from "../support/files.js";
import { testApp, type Caller, type TestApp } from "../http/support.js";

const HEADER = [
  "kind",
  "ref",
  "park",
  "item",
  "collected_on",
  "amount",
  "uscc",
  "project",
  "basis",
  "approved_on",
  "forgone_by",
];
const BASIS = "新财综〔2022〕48号";
const revenue = (ref: string, park: string, item: string, on: string, amount: string, project = "", who = "") => [
  "revenue",
  ref,
  park,
  item,
  on,
  amount,
  who,
  project,
  "",
  "",
  "",
];
const exemption = (ref: string, project: string, who: string, item: string, amount: string, on: string, by: string) => [
  "exemption",
  ref,
  "",
  item,
  "",
  amount,
  who,
  project,
  BASIS,
  on,
  by,
];

let db: TestDatabase;
let t: TestApp;
let firstFile = "";

async function json(...argv: string[]) {
  const r = await cli(db, ...argv, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function counts(): Promise<Record<string, string>> {
  const { rows } = await db.knex.raw(
    `select (select count(*) from land_revenue) as revenue, (select count(*) from land_exemptions) as exemptions,
            (select count(*) from journal_entries) as entries, (select count(*) from imports) as imports`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, String(v)]));
}

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const projects = csvFile([
    ["project_no", "name", "park", "origin", "introduced_by", "start_on", "uscc"],
    ["PB-LAND-1", "兵准供地项目甲", "BZ", "new", "bingtuan", "2025-01-01", uscc(1)],
    ["PW-LAND-1", "乌准供地项目乙", "WZ", "new", "urumqi", "2025-01-01", uscc(11)],
    ["PZ-LAND-1", "准东供地项目丙", "ZD", "local", "", "2025-01-01", uscc(21)],
  ]);
  expect((await cli(db, "import", "projects", projects)).code).toBe(0);
  // Urumqi's park shares land-transfer revenue from 2025 on (its agreement names LAND); Bingtuan's does not
  const agreed = await cli(
    db,
    "agreement",
    "set",
    "--park",
    "WZ",
    "--operator-share",
    "80",
    "--from",
    "2025-01-01",
    "--share-non-tax",
    "LAND",
  );
  expect(agreed.code, agreed.stderr).toBe(0);
  const file = (firstFile = csvFile([
    HEADER,
    revenue("TD-BZ-1", "BZ", "LAND", "2025-03-01", '"1,234,567.89"', "PB-LAND-1", uscc(1)),
    revenue("TD-BZ-2", "BZ", "NCLF", "2025-03-02", "0.05"),
    revenue("TD-BZ-3", "BZ", "MRR", "2025-03-03", "0.03"),
    revenue("TD-BZ-4", "BZ", "1030148", "2025-04-01", "100.00"),
    revenue("TD-WZ-1", "WZ", "LAND", "2025-03-04", "100.01", "PW-LAND-1"),
    revenue("TD-WZ-2", "WZ", "NCLF", "2025-03-05", "200.00"),
    revenue("TD-ZD-1", "ZD", "MRR", "2025-03-06", "0.05"),
    exemption("JM-BZ-1", "PB-LAND-1", uscc(1), "LAND", "1000.01", "2025-02-01", "shared"),
    exemption("JM-BZ-2", "PB-LAND-1", uscc(1), "NCLF", "10.00", "2025-02-02", "bingtuan"),
    exemption("JM-WZ-1", "PW-LAND-1", uscc(11), "NCLF", "300.00", "2025-02-03", "central"),
    exemption("JM-ZD-1", "PZ-LAND-1", uscc(21), "LAND", "77.77", "2025-02-04", "prefecture"),
  ]));
  const r = await json("import", "land", file);
  expect(r).toMatchObject({ rows: 11, new_revenue: 7, new_exemptions: 4, unchanged_rows: 0 });
  t = await testApp(db);
});
afterAll(async () => db?.drop());

describe(`land and mineral revenue (${dialectLabel})`, () => {
  it("takes the central share out first, half up to the fen, and leaves the rest local (worked by hand)", async () => {
    const r = await json("report", "land", "--year", "2025");
    const rec = Object.fromEntries(r.revenue_records.map((x: { ref: string }) => [x.ref, x]));
    // NCLF 0.05 × 30 % = 0.015 → 0.02 central, 0.03 local; MRR 0.03 × 40 % = 0.012 → 0.01, 0.02;
    // MRR 0.05 × 40 % = 0.020 → 0.02, 0.03; LAND is wholly local
    expect(rec["TD-BZ-2"]).toMatchObject({
      amount: "0.05",
      central: "0.02",
      not_shared: "0.03",
      operator_share: "0.00",
    });
    expect(rec["TD-BZ-3"]).toMatchObject({ amount: "0.03", central: "0.01", not_shared: "0.02" });
    expect(rec["TD-ZD-1"]).toMatchObject({ amount: "0.05", central: "0.02", not_shared: "0.03" });
    expect(rec["TD-BZ-1"]).toMatchObject({ amount: "1234567.89", central: "0.00", not_shared: "1234567.89" });
    // a budget code is read as its item and kept as given
    expect(rec["TD-BZ-4"]).toMatchObject({ item: "LAND", item_as_given: "1030148", not_shared: "100.00" });
    // WZ's agreement names LAND: 100.01 → operator round_half_up(80.008) = 80.01, host 20.00; NCLF it does not name
    expect(rec["TD-WZ-1"]).toMatchObject({
      central: "0.00",
      operator_share: "80.01",
      host_share: "20.00",
      not_shared: "0.00",
    });
    expect(rec["TD-WZ-2"]).toMatchObject({
      central: "60.00",
      operator_share: "0.00",
      host_share: "0.00",
      not_shared: "140.00",
    });
  });

  it("sums revenue per park and item, and per party what it received and what it forwent", async () => {
    const r = await json("report", "land", "--year", "2025");
    const bz = r.by_park.find((p: { park: string }) => p.park === "BZ");
    expect(bz.revenue).toEqual([
      {
        item: "LAND",
        records: 2,
        gross: "1234667.89",
        central: "0.00",
        local: "1234667.89",
        operator_share: "0.00",
        host_share: "0.00",
        not_shared: "1234667.89",
      },
      {
        item: "NCLF",
        records: 1,
        gross: "0.05",
        central: "0.02",
        local: "0.03",
        operator_share: "0.00",
        host_share: "0.00",
        not_shared: "0.03",
      },
      {
        item: "MRR",
        records: 1,
        gross: "0.03",
        central: "0.01",
        local: "0.02",
        operator_share: "0.00",
        host_share: "0.00",
        not_shared: "0.02",
      },
    ]);
    // JM-BZ-1 shared by BZ's agreement (80 %): 1000.01 → bingtuan round_half_up(800.008) = 800.01, prefecture 200.00
    expect(bz.exemptions).toEqual([
      { item: "LAND", party: "bingtuan", count: 1, amount: "800.01" },
      { item: "LAND", party: "prefecture", count: 1, amount: "200.00" },
      { item: "NCLF", party: "bingtuan", count: 1, amount: "10.00" },
    ]);
    expect(bz.exemption_totals).toEqual({ count: 2, amount: "1010.01" });
    expect(bz.by_party).toEqual([
      { party: "central", role: "central", revenue: "0.03", exempted: "0.00", exemptions: 0 },
      { party: "bingtuan", role: "operator", revenue: "0.00", exempted: "810.01", exemptions: 2 },
      { party: "prefecture", role: "host", revenue: "1234667.94", exempted: "200.00", exemptions: 1 },
    ]);
    const wz = r.by_park.find((p: { park: string }) => p.park === "WZ");
    expect(wz.by_party).toEqual([
      { party: "central", role: "central", revenue: "60.00", exempted: "300.00", exemptions: 1 },
      { party: "urumqi", role: "operator", revenue: "80.01", exempted: "0.00", exemptions: 0 },
      { party: "prefecture", role: "host", revenue: "160.00", exempted: "0.00", exemptions: 0 },
    ]);
    expect(r.totals).toEqual({
      records: 7,
      gross: "1234968.03",
      central: "60.05",
      local: "1234907.98",
      operator_share: "80.01",
      host_share: "20.00",
      not_shared: "1234807.97",
      exemptions: 4,
      exempted: "1387.78",
    });
    expect(r.by_party).toEqual([
      { party: "central", revenue: "60.05", exempted: "300.00", exemptions: 1 },
      { party: "bingtuan", revenue: "0.00", exempted: "810.01", exemptions: 2 },
      { party: "prefecture", revenue: "1234827.97", exempted: "277.77", exemptions: 2 },
      { party: "urumqi", revenue: "80.01", exempted: "0.00", exemptions: 0 },
    ]);
  });

  it("gives the year month by month, adding up to it to the fen, and a period as the year restricted to it", async () => {
    const year = await json("report", "land", "--year", "2025", "--by", "month");
    expect(year.months).toHaveLength(12);
    const fields = ["gross", "central", "local", "operator_share", "host_share", "not_shared", "exempted"];
    for (const f of fields)
      expect(
        formatYuan(year.months.reduce((n: bigint, m: Record<string, string>) => n + parseYuan(m[f]!)!, 0n)),
        f,
      ).toBe(year.totals[f]);
    expect(year.months.reduce((n: number, m: { records: number }) => n + m.records, 0)).toBe(year.totals.records);
    expect(year.months.reduce((n: number, m: { exemptions: number }) => n + m.exemptions, 0)).toBe(
      year.totals.exemptions,
    );
    // the exemptions were approved in February, the revenue collected in March and April
    const q1 = await json("report", "land", "--year", "2025", "--period", "2025-Q1");
    expect(q1.period).toBe("2025-01..2025-03");
    const [february, march] = [year.months[1], year.months[2]];
    expect(q1.totals).toMatchObject({ records: march.records, gross: march.gross, exemptions: february.exemptions });
    expect(q1.revenue_records.every((r: { collected_on: string }) => r.collected_on < "2025-04-01")).toBe(true);
    const rest = await json("report", "land", "--year", "2025", "--from", "2025-04-01", "--to", "2025-12-31");
    for (const f of fields)
      expect(formatYuan(parseYuan(q1.totals[f])! + parseYuan(rest.totals[f])!), f).toBe(year.totals[f]);
  });

  it("books revenue in the journal and the exemptions nowhere in it; verify stays intact", async () => {
    const { rows } = await db.knex.raw(
      `select kind, count(*) as n from journal_entries where kind = 'land' group by kind`,
    );
    expect(Number(rows[0].n)).toBe(7);
    const tb = await json("report", "trial-balance", "--year", "2025", "--jurisdiction", "prefecture");
    const account = (code: string) => tb.accounts.find((a: { account: string }) => a.account === code);
    // LAND and NCLF are fund revenue, MRR non-tax revenue of the general budget
    expect(account("fund_revenue")).toMatchObject({ credit: "1234807.92" });
    expect(account("nontax_revenue")).toMatchObject({ credit: "0.05" });
    expect(tb.balanced).toBe(true);
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("puts a shared item's operator share into the settlement and an unshared one under not shared", async () => {
    const wz = await json("report", "settlement", "--year", "2025", "--operator", "urumqi");
    expect(wz.by_tax.find((x: { tax_code: string }) => x.tax_code === "LAND")).toMatchObject({
      tax_name_zh: "土地出让收入",
      operator_share: "80.01",
      host_share: "20.00",
      not_shared: "0.00",
    });
    expect(wz.totals.balance_due).toBe("80.01");
    const bz = await json("report", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(bz.by_tax.find((x: { tax_code: string }) => x.tax_code === "NCLF")).toMatchObject({
      central_excluded: "0.02",
      not_shared: "0.03",
    });
    expect(bz.totals.operator_share).toBe("0.00");
    const traced = await json(
      "trace",
      "settlement",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--figure",
      "not_shared",
    );
    expect(traced).toMatchObject({ agrees: true, figure: "1234667.94" });
  });

  it("imports the same file again as nothing new, the same rows in another layout as unchanged", async () => {
    const before = await counts();
    const treasury = csvFile(
      [
        ["类型", "编号", "园区", "收入项目", "入库日期", "金额", "统一社会信用代码", "项目编号"],
        ["收入", "TD-BZ-1", "BZ", "103014801", "2025/3/1", '"1,234,567.89"', uscc(1), "PB-LAND-1"],
        ["收入", "TD-WZ-2", "WZ", "新增建设用地土地有偿使用费", "2025-03-05", "200.00", "", ""],
      ],
      { encoding: "gb18030" },
    );
    const first = await json("import", "land", treasury);
    expect(first).toMatchObject({ encoding: "GB18030", new_revenue: 0, unchanged_rows: 2 });
    const again = await json("import", "land", firstFile);
    expect(again).toMatchObject({ already_imported: true, rows: 11, unchanged_rows: 11, new_revenue: 0 });
    expect(await counts()).toEqual(before);
  });

  it("books rows sent in two imports at once only once", async () => {
    const before = await counts();
    const rows = [HEADER, revenue("TD-ZD-TWICE", "ZD", "NCLF", "2025-07-01", "33.33")];
    const [a, b] = await Promise.all([
      cli(db, "import", "land", csvFile(rows), "--format", "json"),
      cli(db, "import", "land", csvFile(rows), "--format", "json"),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.json().new_revenue + b.json().new_revenue).toBe(1);
    const after = await counts();
    expect(Number(after.revenue) - Number(before.revenue)).toBe(1);
    expect(Number(after.entries) - Number(before.entries)).toBe(1);
  });

  it("refuses a reference recorded with other content, naming it, and books nothing", async () => {
    const before = await counts();
    const changed = csvFile([HEADER, revenue("TD-BZ-2", "BZ", "NCLF", "2025-03-02", "0.06")]);
    const r = await cli(db, "import", "land", changed);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /:2: column ref: .*revenue TD-BZ-2 is already recorded with other content.*\[land_ref_reused\]/,
    );
    expect(await counts()).toEqual(before);
  });

  it("refuses a file with any problem, naming file, row, column and reason, and imports nothing of it", async () => {
    const before = await counts();
    const bad = csvFile(
      [
        HEADER,
        revenue("OK-1", "BZ", "LAND", "2025-05-01", "10.00"),
        revenue("BAD-2", "BZ", "ROYALTY", "2025-05-01", "10.00"),
        revenue("BAD-3", "BZ", "LAND", "2025-05-01", "10.001"),
        revenue("BAD-4", "BZ", "LAND", "2025-05-01", "-10.00"),
        revenue("BAD-5", "", "LAND", "2025-02-30", "10.00"),
        revenue("BAD-6", "BZ", "MRR", "2016-05-01", "10.00"),
        revenue("BAD-7", "WZ", "LAND", "2025-05-01", "10.00", "PB-LAND-1"),
        exemption("BAD-8", "NO-SUCH", uscc(1), "LAND", "1.00", "2025-05-01", "shared"),
        exemption("BAD-9", "PB-LAND-1", badUscc(1), "LAND", "1.00", "2025-05-01", "shared"),
        exemption("BAD-10", "PB-LAND-1", uscc(1), "LAND", "1.00", "2025-05-01", "central"),
        exemption("BAD-11", "PB-LAND-1", uscc(1), "LAND", "1.00", "2025-05-01", "urumqi"),
        ["grant", "BAD-12", "BZ", "LAND", "", "1.00", "", "", "", "", ""],
        ["revenue", "BAD-13", "BZ", "LAND", "2025-05-01", "1.00", "", "", BASIS, "", ""],
        revenue("OK-1", "BZ", "LAND", "2025-05-01", "11.00"),
      ],
      { name: "land-bad.csv" },
    );
    const r = await cli(db, "import", "land", bad);
    expect(r.code).toBe(2);
    const expected: [number, string, string][] = [
      [3, "item", "land_item_unknown"],
      [4, "amount", "amount_invalid"],
      [5, "amount", "amount_not_positive"],
      [6, "park", "field_required"],
      [6, "collected_on", "date_invalid"],
      [9, "project", "project_unknown"],
      [10, "uscc", "uscc_check_character"],
      [13, "kind", "land_kind_invalid"],
      [14, "basis", "land_field_not_for_kind"],
      [15, "ref", "land_row_repeated"],
    ];
    for (const [row, column, code] of expected)
      expect(r.stderr, `${row} ${column}`).toMatch(
        new RegExp(`land-bad\\.csv:${row}: column ${column}: .*\\[${code}\\]`),
      );
    // the project of another park is found once the rows are read, before anything is booked
    expect(r.stderr).toMatch(
      /land-bad\.csv:8: column project: .*project PB-LAND-1 is in BZ, not WZ .*\[project_park_differs\]/,
    );
    expect(await counts()).toEqual(before);
    // what only the terms in force show is refused the same way, once every row is well formed
    const terms = csvFile(
      [
        HEADER,
        revenue("BAD-6", "BZ", "MRR", "2016-05-01", "10.00"),
        exemption("BAD-10", "PB-LAND-1", uscc(1), "LAND", "1.00", "2025-05-01", "central"),
        exemption("BAD-11", "PB-LAND-1", uscc(1), "LAND", "1.00", "2025-05-01", "urumqi"),
      ],
      { name: "land-terms.csv" },
    );
    const t2 = await cli(db, "import", "land", terms);
    expect(t2.code).toBe(2);
    expect(t2.stderr).toMatch(
      /land-terms\.csv:2: column collected_on: .*no central share of MRR is in force on 2016-05-01 \[no_central_ratio\]/,
    );
    expect(t2.stderr).toMatch(
      /land-terms\.csv:3: column forgone_by: .*LAND has no central share .*\[forgone_by_invalid\]/,
    );
    expect(t2.stderr).toMatch(
      /land-terms\.csv:4: column forgone_by: .*urumqi neither runs nor hosts BZ.*\[forgone_by_invalid\]/,
    );
    expect(await counts()).toEqual(before);
  });

  it("books revenue of a year closed with the operator in the next open year; the closed statement stays", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2024",
      "--operator",
      "bingtuan",
      "--empty-year",
      "--override-reason",
      "test: settled without a statement",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const closed = await json("report", "settlement", "--year", "2024", "--operator", "bingtuan");
    await json("import", "land", csvFile([HEADER, revenue("TD-BZ-LATE", "BZ", "NCLF", "2024-12-30", "10.00")]));
    expect(await json("report", "settlement", "--year", "2024", "--operator", "bingtuan")).toEqual(closed);
    const r = await json("report", "land", "--year", "2025", "--park", "BZ");
    expect(r.revenue_records.find((x: { ref: string }) => x.ref === "TD-BZ-LATE")).toMatchObject({
      collected_on: "2024-12-30",
      central: "3.00",
      not_shared: "7.00",
    });
  });

  it("refuses an agreement that would re-split land revenue already booked, and allows one that would not", async () => {
    const stop = await cli(db, "agreement", "set", "--park", "WZ", "--operator-share", "80", "--from", "2025-03-01");
    expect(stop.code).toBe(2);
    expect(stop.stderr).toMatch(/land revenue records of WZ .*TD-WZ-1.*\[agreement_conflicts_with_posted_receipts\]/);
    const same = await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "75", "--from", "2025-03-01");
    expect(same.code, same.stderr).toBe(0);
  });
});

describe(`what each party may see of the land report (${dialectLabel})`, () => {
  // what is each park's own in the answer: references, enterprises, projects and amounts
  const MARKERS: Record<string, string[]> = {
    BZ: ["TD-BZ-1", "JM-BZ-1", uscc(1), "PB-LAND-1", "1234567.89", "1000.01", "810.01"],
    WZ: ["TD-WZ-1", "JM-WZ-1", uscc(11), "PW-LAND-1", "100.01", "300.00", "80.01"],
    ZD: ["TD-ZD-1", "JM-ZD-1", uscc(21), "PZ-LAND-1", "77.77"],
  };
  const strings = (value: unknown): string[] =>
    typeof value === "string"
      ? [value]
      : value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
        : [String(value)];
  const found = (texts: string[], markers: string[]) => markers.filter((m) => texts.some((x) => x.includes(m)));

  async function answer(caller: Caller, query: string): Promise<string[]> {
    const texts: string[] = [];
    for (const format of ["json", "csv", "table"]) {
      const res = await request(t.app).get(`/v1/reports/land?${query}&format=${format}`).set(t.auth(caller));
      expect(res.status, `${caller} ${format}: ${res.text.slice(0, 300)}`).toBe(200);
      texts.push(...(format === "json" ? strings(res.body) : [res.text]));
    }
    return texts;
  }

  it.each([
    ["bingtuan", "BZ"],
    ["urumqi", "WZ"],
  ] as const)("%s sees its own park's rows and nothing of another park in any field or format", async (caller, own) => {
    for (const query of ["year=2025", `year=2025&park=${own}`]) {
      const texts = await answer(caller, query);
      expect(found(texts, MARKERS[own]!)).toEqual(MARKERS[own]);
      const others = Object.entries(MARKERS).flatMap(([park, m]) => (park === own ? [] : m));
      expect(found(texts, others)).toEqual([]);
    }
  });

  it("answers an operator asking for another park exactly as for a park that does not exist", async () => {
    const other = await request(t.app).get("/v1/reports/land?year=2025&park=WZ").set(t.auth("bingtuan"));
    const none = await request(t.app).get("/v1/reports/land?year=2025&park=QQ").set(t.auth("bingtuan"));
    expect(other.status).toBe(422);
    expect([other.status, other.body]).toEqual([none.status, none.body]);
    expect(JSON.stringify(other.body)).not.toMatch(/TD-WZ|urumqi/);
  });

  it("shows the prefecture and the auditors every park; the statistics bureau nothing", async () => {
    for (const caller of ["prefecture", "auditor"] as const) {
      const texts = await answer(caller, "year=2025");
      expect(found(texts, Object.values(MARKERS).flat())).toEqual(Object.values(MARKERS).flat());
    }
    const bureau = await request(t.app).get("/v1/reports/land?year=2025").set(t.auth("statistics"));
    expect(bureau.status).toBe(403);
  });

  it("lets only the prefecture's finance import land files over HTTP", async () => {
    const csv = `kind,ref,park,item,collected_on,amount\nrevenue,TD-HTTP-1,ZD,LAND,2025-06-01,5.00\n`;
    const refused = await request(t.app)
      .post("/v1/imports/land?name=l.csv")
      .set(t.auth("bingtuan"))
      .set("Content-Type", "text/csv")
      .send(csv);
    expect(refused.status).toBe(403);
    const done = await request(t.app)
      .post("/v1/imports/land?name=l.csv")
      .set(t.auth("prefecture"))
      .set("Content-Type", "text/csv")
      .send(csv);
    expect(done.status, done.text).toBe(201);
    expect(done.body).toMatchObject({ new_revenue: 1 });
  });
});

describe(`the register and the books as an auditor checks them (${dialectLabel})`, () => {
  it("refuses any change to a recorded exemption or land revenue record", async () => {
    await expect(db.knex.raw(`update land_exemptions set amount_fen = 1 where ref = 'JM-BZ-1'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.knex.raw(`delete from land_revenue where ref = 'TD-BZ-2'`)).rejects.toThrow(/append-only/);
  });

  it("names land revenue whose recorded amount no longer matches what its entry booked", async () => {
    // someone with database access switches the triggers off to change a record (the last test: it breaks the books)
    await db.knex.transaction(async (trx) => {
      await trx.raw(`alter table land_revenue disable trigger user`);
      await trx.raw(
        `update land_revenue set amount_fen = amount_fen + 100, local_fen = local_fen + 100, host_fen = host_fen + 100 where ref = 'TD-BZ-4'`,
      );
      await trx.raw(`alter table land_revenue enable trigger user`);
    });
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code).toBe(3);
    expect(v.json().findings).toContainEqual({
      check: "land_revenue_booked",
      detail: "land revenue TD-BZ-4 is 10100 fen but its entry books 10000 fen into the treasury",
    });
  });
});

describe("the split of land revenue, for any amount", () => {
  const terms = (central_share_bp: number, shares: boolean): LandTerms => ({
    central: "central",
    park: () => ({ code: "WZ", operator: "urumqi", host: "prefecture" }),
    landItem: (code) => ({ code, budget: "fund" }),
    landRatioOn: () => ({ id: 1, central_share_bp }),
    agreementOn: () => ({ id: 1, operator_share_bp: 8000, shared_non_tax: shares ? ["LAND"] : [] }),
  });

  it("central + local = gross, operator + host = local, and central is the item's share half up", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: AMOUNT_FEN_LIMIT })),
        fc.constantFrom(0, 3000, 4000),
        fc.boolean(),
        (amount_fen, bp, shares) => {
          const d = landRevenueBooking(
            { park: "WZ", item: "LAND", collected_on: "2025-06-01", amount_fen },
            terms(bp, shares),
            new Map(),
          );
          const s = d.value!.split;
          expect(s.central_fen + s.local_fen).toBe(amount_fen);
          expect(s.operator_fen + s.host_fen).toBe(s.local_fen);
          // independently: |a| × bp / 10000, half up, in integers
          const product = amount_fen * BigInt(bp);
          expect(s.central_fen).toBe(product / 10000n + (product % 10000n >= 5000n ? 1n : 0n));
          expect(s.operator_fen).toBe(shares ? splitInOrder(s.local_fen, [8000], "half_up")[0] : 0n);
        },
      ),
    );
  });
});
