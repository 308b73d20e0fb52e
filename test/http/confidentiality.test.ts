// Confidentiality (docs/domain.md#confidentiality, docs/contract.md#http-api): an operator sees its own
// park and nothing else. Each park's receipts, enterprises, amounts, projects, indicators and transfers
// carry markers found nowhere else; every answer a caller may get (every route it is allowed, as JSON,
// CSV and a table) is walked string by string for the markers of what it may not see. The prefecture
// and the auditors still see every cross-check, and a refusal reads the same for another park's thing
// as for none at all.

import fs from "node:fs";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, uscc } from "../support/files.js";
import { testApp, type Caller, type TestApp } from "./support.js";

const STATEMENT_HEADER = ["receipt_no", "uscc", "tax_code", "collected_on", "amount"];
const PROJECT_HEADER = ["project_no", "name", "park", "origin", "introduced_by", "start_on", "uscc", "co2_t"];

let db: TestDatabase;
let t: TestApp;
const statementFiles: Record<"bingtuan" | "urumqi", string> = { bingtuan: "", urumqi: "" };

const NAME = {
  b101: "兵准标记甲煤化有限公司",
  b102: "兵准标记乙硅业有限公司",
  b104: "兵准标记丙铝业有限公司",
  b111: "兵准旧户丁有限公司",
  w201: "乌准标记甲电冶有限公司",
  w202: "乌准标记乙光伏有限公司",
  w211: "乌准旧户戊有限公司",
  w212: "乌准旧户己有限公司",
  z301: "州直标记甲化工有限公司",
};

beforeAll(async () => {
  db = await testDatabase();
  const registry = csvFile([
    ENTERPRISE_HEADER,
    [uscc(101), NAME.b101, "BZ", "2024-01-01", "", "relocated", "bingtuan", "false"],
    [uscc(102), NAME.b102, "BZ", "2024-01-01", "", "new", "bingtuan", "true"],
    [uscc(104), NAME.b104, "BZ", "2024-01-01", "", "new", "bingtuan", "false"],
    [uscc(111), NAME.b111, "BZ", "2024-01-01", "2024-12-31", "new", "bingtuan", "false"], // in no park in 2025
    [uscc(201), NAME.w201, "WZ", "2024-01-01", "", "relocated", "urumqi", "false"],
    [uscc(202), NAME.w202, "WZ", "2024-01-01", "", "new", "urumqi", "false"],
    [uscc(211), NAME.w211, "WZ", "2024-01-01", "2024-12-31", "new", "urumqi", "false"],
    [uscc(212), NAME.w212, "WZ", "2024-01-01", "2024-12-31", "new", "urumqi", "false"],
    [uscc(301), NAME.z301, "ZD", "2024-01-01", "", "local", "prefecture", "false"],
  ]);
  expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["RB-1013", uscc(101), "VAT", "2025-03-01", "1013.17", "gross", "", ""],
    ["RB-1027", uscc(102), "CIT", "2025-04-01", "1027.29", "local", "", ""],
    ["RB-1039", uscc(101), "VAT", "2025-05-01", "1039.41", "local", "", ""],
    ["RB-1049", uscc(104), "VAT", "2025-05-02", "1049.53", "local", "", ""], // urumqi's statement names it
    ["RW-2053", uscc(201), "VAT", "2025-03-02", "2053.61", "gross", "", ""],
    ["RW-2067", uscc(202), "CIT", "2025-04-02", "2067.83", "local", "", ""],
    ["RZ-3071", uscc(301), "CIT", "2025-03-03", "3071.93", "local", "", ""],
    ["SB-4083", uscc(111), "VAT", "2025-06-01", "4083.07", "local", "", ""], // suspense: had a stay in BZ
    ["SW-5093", uscc(211), "VAT", "2025-06-02", "5093.19", "local", "", ""], // suspense: had a stay in WZ
    ["SW-5047", uscc(212), "VAT", "2025-06-05", "5047.59", "local", "", ""], // suspense: WZ stay; bingtuan names it
    ["SN-6017", uscc(901), "VAT", "2025-06-03", "6017.23", "local", "", ""], // suspense: linked to no park
    ["SS-6029", uscc(902), "VAT", "2025-06-04", "6029.37", "local", "", ""], // suspense: bingtuan's statement names it
  ]);
  const booked = await cli(db, "import", "receipts", receipts, "--format", "json");
  expect(booked.code, booked.stderr).toBe(0);
  expect(booked.json()).toMatchObject({ suspense: 5 });
  statementFiles.bingtuan = csvFile([
    STATEMENT_HEADER,
    ["RB-1013", uscc(101), "VAT", "2025-03-01", "1013.17"],
    ["RB-1039", uscc(101), "VAT", "2025-05-01", "1039.41"],
    ["SS-6029", uscc(902), "VAT", "2025-06-04", "6029.37"],
    ["SW-5047", uscc(212), "VAT", "2025-06-05", "5047.59"],
    ["DUP-77", uscc(150), "VAT", "2025-07-01", "1077.77"], // also in urumqi's statement
  ]);
  statementFiles.urumqi = csvFile([
    STATEMENT_HEADER,
    ["RW-2053", uscc(201), "VAT", "2025-03-02", "2053.61"],
    ["RB-1049", uscc(104), "VAT", "2025-05-02", "1049.53"], // booked in BZ
    ["DUP-77", uscc(150), "VAT", "2025-07-01", "2077.77"],
  ]);
  for (const party of ["bingtuan", "urumqi"] as const)
    expect((await cli(db, "import", "statements", "--party", party, statementFiles[party])).code).toBe(0);
  const indicators = csvFile([
    ["park", "indicator", "month", "value"],
    ["BZ", "GDP", "2025-02", "1101.2345"],
    ["WZ", "GDP", "2025-02", "2202.3456"],
    ["ZD", "GDP", "2025-02", "3303.4567"],
  ]);
  expect((await cli(db, "import", "indicators", indicators)).code).toBe(0);
  const projects = csvFile([
    PROJECT_HEADER,
    ["PB-01", "兵准项目标记甲", "BZ", "new", "bingtuan", "2025-01-01", uscc(101), "111.1"],
    ["PB-02", "兵准项目标记丁（乌市迁入）", "BZ", "relocated", "urumqi", "2025-01-01", uscc(104), "448.8"],
    ["PW-01", "乌准项目标记乙", "WZ", "new", "urumqi", "2025-01-01", uscc(201), "222.2"],
    ["PW-02", "乌准项目标记丙（兵团引进）", "WZ", "new", "bingtuan", "2025-01-01", uscc(202), "337.7"],
    ["PZ-01", "州直项目标记戊", "ZD", "local", "", "2025-01-01", uscc(301), "559.9"],
  ]);
  const p = await cli(db, "import", "projects", projects);
  expect(p.code, p.stderr).toBe(0);
  for (const [operator, amount, ref] of [
    ["bingtuan", "7101.11", "TRF-BT-71"],
    ["urumqi", "8202.22", "TRF-UQ-82"],
  ] as const) {
    const r = await cli(db, "transfer", "--operator", operator, "--amount", amount, "--on", "2025-06-30", "--ref", ref);
    expect(r.code, r.stderr).toBe(0);
  }
  t = await testApp(db);
  // a decision of each operator on its own reconciliation (a reject needs only that both rows exist)
  for (const [operator, receipt_no, counterpart_no] of [
    ["bingtuan", "RB-1027", "DUP-77"],
    ["urumqi", "RW-2067", "DUP-77"],
  ] as const) {
    const res = await request(t.app)
      .post("/v1/reconciliation/decisions")
      .set(t.auth(operator))
      .send({ operator, year: 2025, receipt_no, counterpart_no, decision: "reject", reason: "不是同一笔" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});
afterAll(async () => db?.drop());

// What each park's data looks like in an answer. An operator's own statement rows are its own: a
// number or code it wrote itself is no marker of the other park (urumqi's statement names RB-1049 and
// uscc(104), bingtuan's SW-5047 and uscc(212)), but the names the registry gives them are.
const BZ = [
  ["RB-1013", "RB-1027", "RB-1039", "1013.17", "1027.29", "1039.41", uscc(101), uscc(102)],
  [NAME.b101, NAME.b102, NAME.b104, "PB-01", "兵准项目标记甲", "PB-02", "兵准项目标记丁"],
  ["1101.2345", "880.9876", "220.2469", "TRF-BT-71", "7101.11", "1077.77"],
].flat();
const WZ = [
  ["RW-2053", "RW-2067", "2053.61", "2067.83", uscc(201), uscc(202)],
  [NAME.w201, NAME.w202, "PW-01", "乌准项目标记乙", "PW-02", "乌准项目标记丙"],
  ["2202.3456", "1761.8765", "440.4691", "TRF-UQ-82", "8202.22", "2077.77"],
].flat();
const ZD = ["RZ-3071", "3071.93", uscc(301), NAME.z301, "PZ-01", "州直项目标记戊", "3303.4567"];
const SUSPENSE_BZ = ["SB-4083", "4083.07", uscc(111), NAME.b111]; // linked to BZ by a stay
const SUSPENSE_WZ = ["SW-5093", "5093.19", uscc(211), NAME.w211]; // linked to WZ by a stay
const SUSPENSE_BOTH = ["SW-5047", "5047.59", uscc(212)]; // WZ by a stay, BZ by bingtuan's statement
const SUSPENSE_BINGTUAN_STATEMENT = ["SS-6029", "6029.37", uscc(902)];
const SUSPENSE_NONE = ["SN-6017", "6017.23", uscc(901)];

/** The other side's name, its park's code and its jurisdiction's Chinese name. */
const NAMES_OF = {
  bingtuan: [/bingtuan/i, /\bBZ\b/, /兵团/, /兵准园区/],
  urumqi: [/urumqi/i, /\bWZ\b/, /乌鲁木齐/, /乌准园区/],
};

const FORBIDDEN: Record<"bingtuan" | "urumqi", (string | RegExp)[]> = {
  bingtuan: [...WZ, ...ZD, ...SUSPENSE_WZ, ...SUSPENSE_NONE, NAME.w212, ...NAMES_OF.urumqi],
  urumqi: [...BZ, ...ZD, ...SUSPENSE_BZ, ...SUSPENSE_BINGTUAN_STATEMENT, ...SUSPENSE_NONE, ...NAMES_OF.bingtuan],
};
/** A sample of what each operator does see of its own. */
const OWN: Record<"bingtuan" | "urumqi", string[]> = {
  bingtuan: [
    "RB-1013",
    "1027.29",
    uscc(101),
    NAME.b102,
    NAME.b111,
    "SS-6029",
    "SW-5047",
    "1101.2345",
    "PB-01",
    "TRF-BT-71",
  ],
  urumqi: ["RW-2053", "2067.83", uscc(201), NAME.w211, NAME.w212, "SW-5047", "2202.3456", "PW-01", "TRF-UQ-82"],
};
const RECEIPT_DATA = [
  ...[...BZ, ...WZ, ...ZD].filter((m) => /^R[BWZ]-|^\d+\.\d{2}$/.test(m) && !m.startsWith("TRF")),
  ...SUSPENSE_BZ,
  ...SUSPENSE_WZ,
  ...SUSPENSE_BOTH,
  ...SUSPENSE_BINGTUAN_STATEMENT,
  ...SUSPENSE_NONE,
  "RB-1049",
  "1049.53",
  NAME.w212,
].filter((m) => !/^91652300/.test(m));

/** Every string in a JSON answer, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

/** The markers found in any of the texts (thousands separators taken out, as a table may print them). */
function found(texts: string[], markers: (string | RegExp)[]): string[] {
  const plain = texts.map((s) => s.replace(/(\d),(?=\d{3}\b)/g, "$1"));
  return markers
    .filter((m) => plain.some((s) => (typeof m === "string" ? s.includes(m) : m.test(s))))
    .map((m) => String(m));
}

interface Read {
  url: string;
  /** A report: answered as CSV and as a table too. */
  formats?: boolean;
  /** Markers this answer may hold although the caller's view would otherwise refuse them. */
  except?: (string | RegExp)[];
}

const SETTLEMENT_FIGURES = [
  "operator_share",
  "host_share",
  "local_revenue",
  "central_excluded",
  "not_shared",
  "transferred",
  "balance_due",
];
const INDICATOR_FIGURES = ["total", "statistical", "assessment_operator", "assessment_host"];

/** Every read an operator may make of its own, with the accounts its books keep this year. */
async function operatorReads(operator: "bingtuan" | "urumqi"): Promise<Read[]> {
  const park = operator === "bingtuan" ? "BZ" : "WZ";
  const y = "year=2025";
  const tb = await request(t.app).get(`/v1/reports/trial-balance?${y}&jurisdiction=${operator}`).set(t.auth(operator));
  expect(tb.status).toBe(200);
  const accounts: string[] = [
    ...tb.body.accounts.map((a: { account: string }) => a.account),
    ...tb.body.indicator_books.flatMap((b: { accounts: { account: string }[] }) => b.accounts.map((a) => a.account)),
  ];
  expect(accounts.length).toBeGreaterThan(4);
  const own =
    operator === "bingtuan"
      ? ["RB-1013", "RB-1027", "RB-1039", "RB-1049", "SB-4083", "SW-5047", "SS-6029"]
      : ["RW-2053", "RW-2067", "SW-5093", "SW-5047"];
  return [
    { url: "/v1/me" },
    { url: "/v1/agreements" },
    { url: "/v1/ratios" },
    { url: `/v1/reports/settlement?${y}&operator=${operator}`, formats: true },
    { url: `/v1/reports/reconciliation?${y}&operator=${operator}`, formats: true },
    { url: `/v1/reconciliation/decisions?${y}&operator=${operator}` },
    { url: `/v1/reports/indicators?${y}&park=${park}`, formats: true },
    // what the operator provides is its own obligation, wherever the project is: the figures name the
    // park they are for, but no project there (see reports/commitments.ts)
    { url: `/v1/reports/commitments?${y}&jurisdiction=${operator}`, formats: true, except: [/\bBZ\b/, /\bWZ\b/] },
    { url: `/v1/reports/commitments?${y}&jurisdiction=${operator}&park=${park}`, formats: true },
    { url: `/v1/reports/trial-balance?${y}&jurisdiction=${operator}`, formats: true },
    ...SETTLEMENT_FIGURES.map((f) => ({
      url: `/v1/trace/settlement?${y}&operator=${operator}&figure=${f}`,
      formats: true,
    })),
    { url: `/v1/trace/settlement?${y}&operator=${operator}&tax=VAT`, formats: true },
    ...INDICATOR_FIGURES.map((f) => ({
      url: `/v1/trace/indicators?${y}&park=${park}&indicator=GDP&figure=${f}`,
      formats: true,
    })),
    ...accounts.flatMap((a) =>
      ["debit", "credit"].map((f) => ({
        url: `/v1/trace/account?${y}&jurisdiction=${operator}&account=${encodeURIComponent(a)}&figure=${f}`,
        formats: true,
      })),
    ),
    ...own.map((no) => ({ url: `/v1/receipts/${no}` })),
  ];
}

/** The answers to a read: JSON's strings, and the CSV and table text of a report. */
async function answers(caller: Caller, read: Read): Promise<{ format: string; texts: string[] }[]> {
  const out = [];
  for (const format of read.formats === true ? ["json", "csv", "table"] : ["json"]) {
    const url = format === "json" ? read.url : `${read.url}${read.url.includes("?") ? "&" : "?"}format=${format}`;
    const res = await request(t.app).get(url).set(t.auth(caller));
    expect(res.status, `${caller} GET ${url}: ${res.text.slice(0, 300)}`).toBe(200);
    out.push({ format, texts: format === "json" ? strings(res.body) : [res.text] });
  }
  return out;
}

describe(`confidentiality: what an operator's answers hold (${dialectLabel})`, () => {
  it.each(["bingtuan", "urumqi"] as const)(
    "%s's every answer, in every format, holds nothing of another park and no unlinked suspense",
    async (operator) => {
      const reads = await operatorReads(operator);
      const leaks: string[] = [];
      const seen: string[] = [];
      for (const read of reads) {
        const markers = FORBIDDEN[operator].filter((m) => !(read.except ?? []).some((e) => String(e) === String(m)));
        for (const { format, texts } of await answers(operator, read)) {
          seen.push(...texts);
          const hits = found(texts, markers);
          if (hits.length > 0) leaks.push(`${read.url} (${format}): ${hits.join(", ")}`);
        }
      }
      expect(leaks).toEqual([]);
      // the walk saw the operator's own park: its receipts, enterprises, indicators, projects, transfers
      expect(found(seen, OWN[operator])).toEqual(OWN[operator]);
    },
  );

  it.each(["bingtuan", "urumqi"] as const)(
    "%s's answer to an import of its statement holds nothing of another park",
    async (operator) => {
      const res = await request(t.app)
        .post(`/v1/imports/statements?party=${operator}&name=own.csv`)
        .set(t.auth(operator))
        .set("Content-Type", "text/csv")
        .send(fs.readFileSync(statementFiles[operator], "utf8"));
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ party: operator, already_imported: true });
      expect(found(strings(res.body), FORBIDDEN[operator])).toEqual([]);
    },
  );

  it("the statistics bureau's answers hold no receipt, amount or suspense item of any park", async () => {
    const reads: Read[] = [
      ...["BZ", "WZ", "ZD"].flatMap((park) => [
        { url: `/v1/reports/indicators?year=2025&park=${park}`, formats: true },
        ...INDICATOR_FIGURES.filter((f) => park !== "ZD" || f !== "assessment_host").map((f) => ({
          url: `/v1/trace/indicators?year=2025&park=${park}&indicator=GDP&figure=${f}`,
          formats: true,
        })),
      ]),
      { url: "/v1/reports/commitments?year=2025", formats: true },
      { url: "/v1/me" },
    ];
    const leaks: string[] = [];
    for (const read of reads)
      for (const { format, texts } of await answers("statistics", read)) {
        const hits = found(texts, RECEIPT_DATA);
        if (hits.length > 0) leaks.push(`${read.url} (${format}): ${hits.join(", ")}`);
      }
    expect(leaks).toEqual([]);
  });
});

type Anomaly = { kind: string; uscc: string; receipt_no?: string; enterprise?: string | null; detail: string };
type Item = { receipt_no: string; status: string; prefecture_amount: string | null };

async function reconciliationOf(caller: Caller, operator: string) {
  const res = await request(t.app).get(`/v1/reports/reconciliation?year=2025&operator=${operator}`).set(t.auth(caller));
  expect(res.status).toBe(200);
  return res.body as { items: Item[]; anomalies: Anomaly[] };
}
const suspenseNos = (anomalies: Anomaly[]) =>
  anomalies
    .filter((a) => a.kind === "suspense")
    .map((a) => a.receipt_no)
    .sort();

describe(`confidentiality: what each operator sees of its own (${dialectLabel})`, () => {
  it("shows Bingtuan the suspense receipts linked to BZ (a stay there, or its statement), no enterprise of WZ", async () => {
    const r = await reconciliationOf("bingtuan", "bingtuan");
    expect(suspenseNos(r.anomalies)).toEqual(["SB-4083", "SS-6029", "SW-5047"]);
    const of = (no: string) => r.anomalies.find((a) => a.receipt_no === no)!;
    expect(of("SB-4083")).toMatchObject({ uscc: uscc(111), enterprise: NAME.b111, amount: "4083.07" });
    // WZ's registry knows uscc(212), nobody's knows uscc(902): Bingtuan is told the same of both
    expect(of("SW-5047").enterprise).toBeNull();
    expect(of("SW-5047").detail.replace(/\d{4}-\d{2}-\d{2}/, "D")).toBe(
      of("SS-6029").detail.replace(/\d{4}-\d{2}-\d{2}/, "D"),
    );
    expect(r.anomalies.map((a) => a.kind)).not.toContain("claimed_by_both_operators");
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: "bingtuan_flag_set", uscc: uscc(102) }));
    const status = Object.fromEntries(r.items.map((i) => [i.receipt_no, i.status]));
    expect(status).toMatchObject({ "DUP-77": "missing_in_prefecture", "SW-5047": "missing_in_prefecture" });
  });

  it("answers Urumqi's row naming a BZ receipt as simply missing_in_prefecture", async () => {
    const r = await reconciliationOf("urumqi", "urumqi");
    const item = r.items.find((i) => i.receipt_no === "RB-1049")!;
    expect(item).toMatchObject({ status: "missing_in_prefecture", prefecture_amount: null });
    expect(r.anomalies.filter((a) => a.receipt_no === "RB-1049" || a.kind === "claimed_by_both_operators")).toEqual([]);
    expect(suspenseNos(r.anomalies)).toEqual(["SW-5047", "SW-5093"]);
    expect(r.anomalies.find((a) => a.receipt_no === "SW-5047")!.enterprise).toBe(NAME.w212);
  });

  it("lets an operator look up a suspense receipt linked to its park, and no other", async () => {
    const status = async (caller: Caller, no: string) =>
      (await request(t.app).get(`/v1/receipts/${no}`).set(t.auth(caller))).status;
    expect(await status("bingtuan", "SB-4083")).toBe(200);
    expect(await status("bingtuan", "SS-6029")).toBe(200);
    expect(await status("bingtuan", "SW-5047")).toBe(200);
    expect(await status("bingtuan", "SW-5093")).toBe(404);
    expect(await status("urumqi", "SW-5093")).toBe(200);
    expect(await status("urumqi", "SB-4083")).toBe(404);
    for (const caller of ["bingtuan", "urumqi"] as const) expect(await status(caller, "SN-6017")).toBe(404);
  });

  it("shows an operator all it provides, but only its own park's projects", async () => {
    const res = await request(t.app)
      .get("/v1/reports/commitments?year=2025&jurisdiction=bingtuan")
      .set(t.auth("bingtuan"));
    expect(res.status).toBe(200);
    expect(res.body.projects.map((p: { project_no: string }) => p.project_no)).toEqual(["PB-01"]);
    expect(res.body.projects_not_listed).toBe(1);
    expect(res.body.totals).toEqual([
      expect.objectContaining({
        jurisdiction: "bingtuan",
        projects: 2,
        quotas: expect.objectContaining({ CO2: "448.8000" }),
      }),
    ]);
  });
});

describe(`confidentiality: the prefecture and the auditors see everything (${dialectLabel})`, () => {
  const ALL_SUSPENSE = ["SB-4083", "SN-6017", "SS-6029", "SW-5047", "SW-5093"];

  it.each(["prefecture", "auditor"] as const)(
    "%s sees every cross-check and every suspense receipt",
    async (caller) => {
      const urumqi = await reconciliationOf(caller, "urumqi");
      const claimed = urumqi.anomalies.filter((a) => a.kind === "claimed_by_both_operators");
      expect(claimed).toContainEqual(
        expect.objectContaining({
          receipt_no: "RB-1049",
          detail: expect.stringMatching(/prefecture's books put in BZ \(bingtuan\)/),
        }),
      );
      expect(claimed).toContainEqual(
        expect.objectContaining({
          receipt_no: "DUP-77",
          detail: expect.stringMatching(/statements of urumqi and bingtuan/),
        }),
      );
      expect(suspenseNos(urumqi.anomalies)).toEqual(ALL_SUSPENSE);
      const bingtuan = await reconciliationOf(caller, "bingtuan");
      expect(suspenseNos(bingtuan.anomalies)).toEqual(ALL_SUSPENSE);
      expect(bingtuan.anomalies.find((a) => a.receipt_no === "SW-5047")!.enterprise).toBe(NAME.w212);
      const overview = await request(t.app).get("/v1/reports/reconciliation?year=2025").set(t.auth(caller));
      expect(
        overview.body.anomalies.filter((a: Anomaly) => a.kind === "claimed_by_both_operators").length,
      ).toBeGreaterThanOrEqual(3);
      const suspense = await request(t.app).get("/v1/reports/suspense?year=2025").set(t.auth(caller));
      expect(suspense.body.items.map((i: { receipt_no: string }) => i.receipt_no).sort()).toEqual(ALL_SUSPENSE);
      const commitments = await request(t.app).get("/v1/reports/commitments?year=2025").set(t.auth(caller));
      expect(commitments.body.projects).toHaveLength(5);
      for (const no of [...ALL_SUSPENSE, "RB-1013", "RW-2053", "RZ-3071"])
        expect((await request(t.app).get(`/v1/receipts/${no}`).set(t.auth(caller))).status).toBe(200);
    },
  );
});

/** Asks twice and compares everything but the request id: status, type and body. */
async function sameAnswer(caller: Caller, send: (path: string) => request.Test, a: string, b: string) {
  const [x, y] = [await send(a).set(t.auth(caller)), await send(b).set(t.auth(caller))];
  const seen = (r: request.Response) => ({ status: r.status, type: r.headers["content-type"], body: r.text });
  expect(x.status, `${caller} ${a}: ${x.text}`).toBeGreaterThanOrEqual(400);
  expect(seen(x), `${caller}: ${a} and ${b} are answered alike`).toEqual(seen(y));
  expect(x.headers["x-request-id"]).not.toBe(y.headers["x-request-id"]);
}

describe(`confidentiality: a refusal tells nothing of what exists elsewhere (${dialectLabel})`, () => {
  const get = (path: string) => request(t.app).get(path);
  const CASES = {
    bingtuan: { park: "WZ", other: "urumqi", receipts: ["RW-2053", "RZ-3071", "SW-5093", "SN-6017"] },
    urumqi: { park: "BZ", other: "bingtuan", receipts: ["RB-1013", "RZ-3071", "SB-4083", "SS-6029", "SN-6017"] },
  } as const;

  it.each(["bingtuan", "urumqi"] as const)("answers %s alike for another park's and for nothing", async (caller) => {
    const c = CASES[caller];
    const y = "year=2025";
    for (const no of c.receipts) await sameAnswer(caller, get, `/v1/receipts/${no}`, "/v1/receipts/NO-SUCH-1");
    const pairs: [string, string][] = [
      [`/v1/reports/indicators?${y}&park=${c.park}`, `/v1/reports/indicators?${y}&park=QQ`],
      [`/v1/reports/indicators?${y}&park=ZD`, `/v1/reports/indicators?${y}&park=QQ`],
      [`/v1/trace/indicators?${y}&park=${c.park}&indicator=GDP`, `/v1/trace/indicators?${y}&park=QQ&indicator=GDP`],
      [
        `/v1/reports/commitments?${y}&jurisdiction=${caller}&park=${c.park}`,
        `/v1/reports/commitments?${y}&jurisdiction=${caller}&park=QQ`,
      ],
      [`/v1/reports/commitments?${y}&jurisdiction=${c.other}`, `/v1/reports/commitments?${y}&jurisdiction=nobody`],
      [`/v1/reports/settlement?${y}&operator=${c.other}`, `/v1/reports/settlement?${y}&operator=nobody`],
      [`/v1/reports/reconciliation?${y}&operator=${c.other}`, `/v1/reports/reconciliation?${y}&operator=nobody`],
      [`/v1/trace/settlement?${y}&operator=${c.other}`, `/v1/trace/settlement?${y}&operator=nobody`],
      [`/v1/reports/trial-balance?${y}&jurisdiction=${c.other}`, `/v1/reports/trial-balance?${y}&jurisdiction=nobody`],
      [
        `/v1/trace/account?${y}&jurisdiction=${c.other}&account=revenue_shared`,
        `/v1/trace/account?${y}&jurisdiction=nobody&account=revenue_shared`,
      ],
    ];
    for (const [real, none] of pairs) await sameAnswer(caller, get, real, none);
    const upload = (path: string) =>
      request(t.app)
        .post(path)
        .set("Content-Type", "text/csv")
        .send(`${STATEMENT_HEADER.join(",")}\n`) as request.Test;
    await sameAnswer(
      caller,
      upload,
      `/v1/imports/statements?party=${c.other}&name=s.csv`,
      "/v1/imports/statements?party=nobody&name=s.csv",
    );
  });
});

// The journal's entry ids and import ids are serials shared by every park, and the prefecture's files
// hold every park's rows: an id, a file name, its sha256 or a row number in an operator's answer counts
// and orders other parks' receipts. One prefecture file interleaves BZ and WZ rows (BZ, WZ, WZ, WZ, BZ);
// Bingtuan's traces and receipts must not show that three other receipts lie between its two.
describe(`confidentiality: an operator learns nothing from ids, files and rows (${dialectLabel})`, () => {
  const FILE = "全区入库明细-含乌准.csv";
  const OWN_NOS = ["RB-7101", "RB-7105"];
  /** Files and hashes the prefecture imported, as its own traces name them. */
  const prefectureFiles = new Set<string>();
  const prefectureHashes = new Set<string>();

  type Entry = {
    ordinal: number;
    entry_id: string | null;
    idempotency_key: string | null;
    entry_hash: string;
    source: Record<string, unknown> | null;
  };
  type TraceAnswer = { agrees: boolean; total: string; figure: string; entry_count: number; entries: Entry[] };

  const y = "year=2025";
  const TRACES = [
    `/v1/trace/settlement?${y}&operator=bingtuan&figure=operator_share`,
    `/v1/trace/settlement?${y}&operator=bingtuan&tax=VAT`,
    `/v1/trace/settlement?${y}&operator=bingtuan&figure=balance_due`,
    `/v1/trace/account?${y}&jurisdiction=bingtuan&account=revenue_shared&figure=credit`,
    `/v1/trace/indicators?${y}&park=BZ&indicator=GDP&figure=total`,
    `/v1/trace/indicators?${y}&park=BZ&indicator=GDP&month=2025-02&figure=assessment_operator`,
  ];

  beforeAll(async () => {
    const receipts = csvFile(
      [
        RECEIPT_HEADER,
        ["RB-7101", uscc(101), "VAT", "2025-08-01", "701.11", "local", "", ""], // row 2
        ["RW-7202", uscc(201), "VAT", "2025-08-02", "702.22", "local", "", ""],
        ["RW-7203", uscc(202), "CIT", "2025-08-03", "703.33", "local", "", ""],
        ["RW-7204", uscc(201), "VAT", "2025-08-04", "704.44", "local", "", ""],
        ["RB-7105", uscc(104), "VAT", "2025-08-05", "705.55", "local", "", ""], // row 6
      ],
      { name: FILE },
    );
    const booked = await cli(db, "import", "receipts", receipts);
    expect(booked.code, booked.stderr).toBe(0);
    // a transfer the prefecture records over HTTP: its request and token are the prefecture's
    const transfer = await request(t.app)
      .post("/v1/transfers")
      .set(t.auth("prefecture"))
      .send({ operator: "bingtuan", amount: "71.07", on: "2025-08-31", ref: "TRF-BT-HTTP" });
    expect(transfer.status, transfer.text).toBe(201);
    for (const url of TRACES) {
      const res = await request(t.app).get(url).set(t.auth("prefecture"));
      expect(res.status, res.text).toBe(200);
      for (const e of (res.body as TraceAnswer).entries)
        if (e.source !== null && typeof e.source.file === "string") {
          prefectureFiles.add(e.source.file);
          prefectureHashes.add(e.source.sha256 as string);
        }
    }
    expect(prefectureFiles).toContain(FILE);
    expect(prefectureFiles.size).toBeGreaterThanOrEqual(3); // the two receipts files and the indicators file
  });

  /** Every key ending in `id` that holds a value, with its path. */
  function ids(value: unknown, at = "$"): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => ids(v, `${at}[${i}]`));
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([k, v]) => [
      ...(/(^|_)id$/.test(k) && v !== null ? [`${at}.${k}=${String(v)}`] : []),
      ...ids(v, `${at}.${k}`),
    ]);
  }

  /** What of the prefecture's files, hashes and rows a text holds. */
  function fileTraces(text: string): string[] {
    return [
      ...[...prefectureFiles].filter((f) => text.includes(f)),
      ...[...prefectureHashes].filter((h) => text.includes(h.slice(0, 12))),
      ...(text.match(/\.csv:\d+/g) ?? []),
    ];
  }

  it("gives Bingtuan's traces no entry id, file, sha256, row, request or token of another party, in JSON and CSV", async () => {
    const keys: string[] = [];
    for (const url of TRACES) {
      const res = await request(t.app).get(url).set(t.auth("bingtuan"));
      expect(res.status, res.text).toBe(200);
      const body = res.body as TraceAnswer;
      expect(body.agrees, url).toBe(true);
      expect(body.total).toBe(body.figure);
      expect(body.entries.length, url).toBeGreaterThan(0);
      expect(ids(body), url).toEqual([]);
      expect(fileTraces(res.text), url).toEqual([]);
      for (const e of body.entries) {
        expect(e.entry_id).toBeNull();
        expect(e.entry_hash).toMatch(/^[0-9a-f]{64}$/);
        if (e.source !== null)
          expect(Object.values(e.source).filter((v) => v !== null && v !== "prefecture")).toEqual([]);
        expect(e.idempotency_key ?? "").not.toMatch(/(import|agreement):\d/);
      }
      expect(body.entries.map((e) => e.ordinal)).toEqual(body.entries.map((_, i) => i + 1));
      keys.push(...body.entries.map((e) => e.idempotency_key ?? ""));

      const csv = await request(t.app).get(`${url}&format=csv`).set(t.auth("bingtuan"));
      expect(csv.status).toBe(200);
      expect(fileTraces(csv.text), `${url} (csv)`).toEqual([]);
      const [header, ...lines] = csv.text
        .replace(/^\uFEFF/, "")
        .trim()
        .split(/\r?\n/);
      const columns = header!.split(",");
      expect(columns).not.toContain("entry_id");
      expect(columns[0]).toBe("ordinal");
      const rows = lines.filter((l) => /^\d+,/.test(l)).map((l) => l.split(","));
      expect(rows.map((r) => r[0])).toEqual(body.entries.map((e) => String(e.ordinal)));
      expect(rows.map((r) => r[columns.indexOf("entry_hash")])).toEqual(body.entries.map((e) => e.entry_hash));
      const table = await request(t.app).get(`${url}&format=table`).set(t.auth("bingtuan"));
      expect(fileTraces(table.text), `${url} (table)`).toEqual([]);
    }
    // what it identifies its own by: its receipt numbers and transfer refs, and indicator months
    expect(keys).toEqual(expect.arrayContaining([...OWN_NOS.map((no) => `receipt:${no}`), "transfer:TRF-BT-HTTP"]));
    expect(keys).toContain("indicator:import:BZ:GDP:2025-02");
  });

  it("gives Bingtuan its receipts without entry id, file or row", async () => {
    for (const no of [...OWN_NOS, "RB-1013"]) {
      const res = await request(t.app).get(`/v1/receipts/${no}`).set(t.auth("bingtuan"));
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ receipt_no: no, park: "BZ", entry_id: null, source: { file: null, row: null } });
      expect(res.body.entry_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(ids(res.body)).toEqual([]);
      expect(fileTraces(res.text)).toEqual([]);
    }
  });

  it.each(["prefecture", "auditor"] as const)(
    "still shows %s the entry ids, the file, its sha256 and rows",
    async (caller) => {
      const res = await request(t.app).get(TRACES[0]!).set(t.auth(caller));
      expect(res.status).toBe(200);
      const body = res.body as TraceAnswer;
      expect(body.agrees).toBe(true);
      const of = (no: string) => body.entries.find((e) => e.idempotency_key === `receipt:${no}`)!;
      const [first, last] = OWN_NOS.map(of);
      expect(first!.source).toMatchObject({ file: FILE, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), row: 2 });
      expect(last!.source).toMatchObject({ file: FILE, row: 6 });
      expect(Number(last!.entry_id) - Number(first!.entry_id)).toBe(4);
      const transfer = body.entries.find((e) => e.idempotency_key === "transfer:TRF-BT-HTTP");
      expect(transfer).toBeUndefined(); // operator_share has no transfers; balance_due does
      const due = await request(t.app).get(TRACES[2]!).set(t.auth(caller));
      const http = (due.body as TraceAnswer).entries.find((e) => e.idempotency_key === "transfer:TRF-BT-HTTP")!;
      expect(http.source).toMatchObject({
        party: "prefecture",
        request_id: expect.any(String),
        token_id: expect.any(String),
      });
      const csv = await request(t.app).get(`${TRACES[0]}&format=csv`).set(t.auth(caller));
      expect(csv.text.split(/\r?\n/)[0]).toMatch(/entry_id/);
      expect(csv.text).toContain(`${FILE}:2`);
      const receipt = await request(t.app).get("/v1/receipts/RB-7105").set(t.auth(caller));
      expect(receipt.body).toMatchObject({ entry_id: last!.entry_id, source: { file: FILE, row: 6 } });
    },
  );
});

// Each operator's own statistics bureau (seed 004 §6) counts its own park's indicators: it reads and
// writes them and what its jurisdiction provides, and nothing of another park, not even that it exists.
describe(`confidentiality: an operator's statistics bureau (${dialectLabel})`, () => {
  const BUREAU = { bingtuan: "bingtuan_statistics", urumqi: "urumqi_statistics" } as const;
  const PARK = { bingtuan: "BZ", urumqi: "WZ" } as const;
  const OTHER = { bingtuan: "urumqi", urumqi: "bingtuan" } as const;

  it.each(["bingtuan", "urumqi"] as const)(
    "%s's bureau: every answer, in every format, holds its own park's indicators and nothing of another park or of money",
    async (operator) => {
      const bureau = BUREAU[operator];
      const park = PARK[operator];
      const y = "year=2025";
      const reads: Read[] = [
        { url: "/v1/me" },
        { url: `/v1/reports/indicators?${y}&park=${park}`, formats: true },
        { url: `/v1/reports/indicators?${y}&park=${park}&period=2025-Q1&by=month`, formats: true },
        { url: `/v1/reports/indicators?${y}`, formats: true },
        { url: `/v1/reports/indicators?${y}&from=2025-01&to=2025-06`, formats: true },
        ...INDICATOR_FIGURES.map((f) => ({
          url: `/v1/trace/indicators?${y}&park=${park}&indicator=GDP&figure=${f}`,
          formats: true,
        })),
        { url: `/v1/reports/commitments?${y}&jurisdiction=${operator}`, formats: true, except: [/\bBZ\b/, /\bWZ\b/] },
        { url: `/v1/reports/commitments?${y}&jurisdiction=${operator}&park=${park}`, formats: true },
      ];
      const leaks: string[] = [];
      const seen: string[] = [];
      for (const read of reads) {
        const markers = [...FORBIDDEN[operator], ...RECEIPT_DATA].filter(
          (m) => !(read.except ?? []).some((e) => String(e) === String(m)),
        );
        for (const { format, texts } of await answers(bureau, read)) {
          seen.push(...texts);
          const hits = found(texts, markers);
          if (hits.length > 0) leaks.push(`${read.url} (${format}): ${hits.join(", ")}`);
        }
      }
      expect(leaks).toEqual([]);
      expect(found(seen, [operator === "bingtuan" ? "1101.2345" : "2202.3456"])).toHaveLength(1);
      // the bureau's view of its own is the operator's finance department's, figure for figure
      for (const url of [
        `/v1/reports/indicators?${y}&park=${park}`,
        `/v1/reports/commitments?${y}&jurisdiction=${operator}`,
      ]) {
        const [a, b] = [
          await request(t.app).get(url).set(t.auth(bureau)),
          await request(t.app).get(url).set(t.auth(operator)),
        ];
        expect(a.body, url).toEqual(b.body);
      }
      // every park it sees side by side: its own only, and the sums of its own only
      const all = await request(t.app).get(`/v1/reports/indicators?${y}`).set(t.auth(bureau));
      expect(all.body.parks).toEqual([park]);
      const gdp = all.body.indicators.find((i: { indicator: string }) => i.indicator === "GDP");
      expect(gdp.total).toBe(operator === "bingtuan" ? "1101.2345" : "2202.3456");
      expect(gdp.by_park.map((b: { park: string }) => b.park)).toEqual([park]);
      const zone = await request(t.app).get(`/v1/reports/indicators?${y}`).set(t.auth("statistics"));
      expect(zone.body.parks).toEqual(["BZ", "WZ", "ZD"]);
      expect(zone.body.indicators.find((i: { indicator: string }) => i.indicator === "GDP").total).toBe("6607.0368");
      const me = await request(t.app).get("/v1/me").set(t.auth(bureau));
      expect(me.body).toMatchObject({ party: operator, role: "statistics", operates: [park] });
      expect(me.body.parks.map((p: { park: string }) => p.park)).toEqual([park]);
    },
  );

  it.each(["bingtuan", "urumqi"] as const)(
    "%s's bureau is answered alike for another park's indicators and for none, and reaches no money",
    async (operator) => {
      const bureau = BUREAU[operator];
      const other = OTHER[operator];
      const get = (path: string) => request(t.app).get(path);
      const y = "year=2025";
      const pairs: [string, string][] = [
        [`/v1/reports/indicators?${y}&park=${PARK[other]}`, `/v1/reports/indicators?${y}&park=QQ`],
        [`/v1/reports/indicators?${y}&park=ZD&period=2025-H1`, `/v1/reports/indicators?${y}&park=QQ&period=2025-H1`],
        [
          `/v1/trace/indicators?${y}&park=${PARK[other]}&indicator=GDP`,
          `/v1/trace/indicators?${y}&park=QQ&indicator=GDP`,
        ],
        [`/v1/reports/commitments?${y}&jurisdiction=${other}`, `/v1/reports/commitments?${y}&jurisdiction=nobody`],
        [
          `/v1/reports/commitments?${y}&jurisdiction=${operator}&park=${PARK[other]}`,
          `/v1/reports/commitments?${y}&jurisdiction=${operator}&park=QQ`,
        ],
      ];
      for (const [real, none] of pairs) await sameAnswer(bureau, get, real, none);
      for (const url of [
        `/v1/reports/settlement?${y}&operator=${operator}`,
        `/v1/reports/trial-balance?${y}&jurisdiction=${operator}`,
        `/v1/reports/land?${y}`,
        "/v1/receipts/RB-1013",
        "/v1/agreements",
        "/v1/reports/commitments?year=2025",
      ]) {
        const res = await request(t.app).get(url).set(t.auth(bureau));
        expect(res.status, url).toBe(403);
        expect(res.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
      }
    },
  );

  it("refuses a bureau's upload naming another park as one naming no park, writing nothing", async () => {
    const before = await request(t.app).get("/v1/reports/indicators?year=2025&park=WZ").set(t.auth("statistics"));
    const upload = (park: string) =>
      request(t.app)
        .post("/v1/imports/indicators?name=ind.csv")
        .set(t.auth("bingtuan_statistics"))
        .set("Content-Type", "text/csv")
        .send(`park,indicator,month,value\nBZ,FAI,2025-05,1.5\n${park},FAI,2025-05,9.8765\n`);
    const [other, none, zone] = [await upload("WZ"), await upload("QQ"), await upload("ZD")];
    expect(other.status, other.text).toBe(422);
    expect(other.text.replaceAll("WZ", "##")).toBe(none.text.replaceAll("QQ", "##"));
    expect(zone.text.replaceAll("ZD", "##")).toBe(none.text.replaceAll("QQ", "##"));
    expect(
      found(strings(other.body), [/\bZD\b/, ...NAMES_OF.urumqi.filter((m) => String(m) !== String(/\bWZ\b/))]),
    ).toEqual([]);
    expect(JSON.stringify(other.body)).toContain("use one of BZ");
    const after = await request(t.app).get("/v1/reports/indicators?year=2025&park=WZ").set(t.auth("statistics"));
    expect(after.body).toEqual(before.body);
    // its own park's rows go in, and the import's number (a serial of every party's imports) is not told
    const own = await request(t.app)
      .post("/v1/imports/indicators?name=own.csv")
      .set(t.auth("bingtuan_statistics"))
      .set("Content-Type", "text/csv")
      .send("park,indicator,month,value\nBZ,FAI,2025-05,1.5\n");
    expect(own.status, own.text).toBe(201);
    expect(own.body).toMatchObject({ import_id: null, new_reports: 1 });
    const fai = await request(t.app).get("/v1/reports/indicators?year=2025&park=BZ").set(t.auth("statistics"));
    expect(fai.body.indicators.find((i: { indicator: string }) => i.indicator === "FAI").total).toBe("1.5000");
  });
});
