// Land and mineral revenue and the exemptions granted (土地和矿业权收入及减免表): per park, the revenue of
// each item booked in the year (gross, the central share, the local part and who has it), the exemptions
// approved in the year by item and by the party that forgoes them, and per party what it received and
// what it forwent. Three steps as reports/settlement.ts: the rows (src/repositories/land.ts), pure sums
// in fen (`computeLandFigures`), the contract's strings (`formatLand`). An operator sees its own parks
// and nothing of another's: a park it does not run is answered as one that does not exist.

import type { z } from "zod";
import { formatYuan, type Fen } from "../ledger/money.js";
import { formatBpAsPercent } from "../ledger/ratio.js";
import { fieldRejection } from "../ledger/rejections.js";
import {
  landExemptionsOfYear,
  landRevenueOfYear,
  type LandExemptionRow,
  type LandRevenueRow,
} from "../src/repositories/land.js";
import type { Park, ReferenceData } from "../src/repositories/reference.js";
import type { Knex } from "knex";
import { moneyColumn, type Section, type Tabular } from "./render.js";
import { formatPeriod, isWholeYear, yearOf, type Period } from "../ledger/periods.js";
import { inPeriod, monthColumnLabel, monthLabel, monthsShown } from "./period.js";
import type { LandReportShape } from "./shapes.js";
import { parksOf, type Viewer } from "./viewer.js";

export type LandReport = z.infer<typeof LandReportShape>;
type Role = "central" | "operator" | "host";

/** Revenue figures in fen; local = operator + host + not_shared. */
export interface RevenueFen {
  records: number;
  gross: Fen;
  central: Fen;
  operator: Fen;
  host: Fen;
  not_shared: Fen;
}

/** What one party received and forwent in a park (or over all parks). */
export interface PartyFen {
  party: string;
  role: Role;
  revenue: Fen;
  exempted: Fen;
  exemptions: number;
}

export interface ParkLandFigures {
  park: Park;
  /** item → figures, in the items' order */
  revenue: Map<string, RevenueFen>;
  /** `item|party` → count and amount forgone */
  exemptions: Map<string, { item: string; party: string; count: number; amount: Fen }>;
  parties: PartyFen[];
  revenue_totals: RevenueFen;
  exemption_totals: { count: number; amount: Fen };
}

const noRevenue = (): RevenueFen => ({ records: 0, gross: 0n, central: 0n, operator: 0n, host: 0n, not_shared: 0n });

function addRevenue(into: RevenueFen, r: RevenueFen): void {
  into.records += r.records;
  into.gross += r.gross;
  into.central += r.central;
  into.operator += r.operator;
  into.host += r.host;
  into.not_shared += r.not_shared;
}

/** One record's figures: the host's part is a share where an agreement shared the item, else not shared. */
function revenueOf(r: LandRevenueRow): RevenueFen {
  return {
    records: 1,
    gross: r.amount_fen,
    central: r.central_fen,
    operator: r.operator_fen,
    host: r.shared ? r.host_fen : 0n,
    not_shared: r.shared ? 0n : r.host_fen,
  };
}

/** The parts of an exemption each party forgoes, zero parts left out. */
export function forgoneParts(e: LandExemptionRow, park: Park, central: string): [string, Role, Fen][] {
  const parts: [string, Role, Fen][] = [
    [central, "central", e.central_fen],
    [park.operator, "operator", e.operator_fen],
    [park.host, "host", e.host_fen],
  ];
  return parts.filter(([, , amount]) => amount !== 0n);
}

/** One park's figures from its rows (pure): revenue by item, exemptions by item and party, each party's. */
export function computeParkLand(
  park: Park,
  central: string,
  itemOrder: readonly string[],
  revenue: readonly LandRevenueRow[],
  exemptions: readonly LandExemptionRow[],
): ParkLandFigures {
  const order = (item: string) => itemOrder.indexOf(item);
  const byItem = new Map<string, RevenueFen>();
  const revenue_totals = noRevenue();
  for (const r of [...revenue].sort((a, b) => order(a.item) - order(b.item))) {
    const into = byItem.get(r.item) ?? noRevenue();
    addRevenue(into, revenueOf(r));
    addRevenue(revenue_totals, revenueOf(r));
    byItem.set(r.item, into);
  }
  // a park its host runs has no operator apart from the host: the host's entry is the one kept
  const parties = new Map<string, PartyFen>(
    (
      [
        [central, "central"],
        [park.operator, "operator"],
        [park.host, "host"],
      ] as const
    ).map(([party, role]) => [party, { party, role, revenue: 0n, exempted: 0n, exemptions: 0 }]),
  );
  parties.get(central)!.revenue += revenue_totals.central;
  parties.get(park.operator)!.revenue += revenue_totals.operator;
  parties.get(park.host)!.revenue += revenue_totals.host + revenue_totals.not_shared;
  const forgone = new Map<string, { item: string; party: string; count: number; amount: Fen }>();
  for (const e of [...exemptions].sort((a, b) => order(a.item) - order(b.item)))
    for (const [party, , amount] of forgoneParts(e, park, central)) {
      const f = forgone.get(`${e.item}|${party}`) ?? { item: e.item, party, count: 0, amount: 0n };
      f.count += 1;
      f.amount += amount;
      forgone.set(`${e.item}|${party}`, f);
      parties.get(party)!.exempted += amount;
      parties.get(party)!.exemptions += 1;
    }
  return {
    park,
    revenue: byItem,
    exemptions: forgone,
    parties: [...parties.values()],
    revenue_totals,
    exemption_totals: { count: exemptions.length, amount: exemptions.reduce((sum, e) => sum + e.amount_fen, 0n) },
  };
}

/** The parks the viewer asks about: the one named (if the viewer may see it), else all it may see. */
export function landParks(ref: ReferenceData, viewer: Viewer, park: string | undefined): Park[] {
  const visible =
    viewer.kind === "full" ? ref.parks : ref.parks.filter((p) => parksOf(ref, viewer.operator).includes(p.code));
  if (park === undefined) return [...visible];
  const one = visible.find((p) => p.code === park.trim().toUpperCase());
  // another operator's park and no park at all are answered alike
  if (one === undefined)
    throw fieldRejection(
      "park",
      "park_unknown",
      `not a park${viewer.kind === "full" ? "" : ` of ${viewer.operator}`}; use one of ${visible.map((p) => p.code).join(", ")}`,
    );
  return [one];
}

export async function landReport(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  viewer: Viewer,
  park?: string,
  options: { period?: Period; byMonth?: boolean } = {},
): Promise<LandReport> {
  const period = options.period === undefined || isWholeYear(options.period) ? undefined : options.period;
  const parks = landParks(ref, viewer, park);
  const codes = parks.map((p) => p.code);
  // revenue by the month it was collected in its fiscal year (0: outside it), exemptions by the month approved
  const revenueMonth = (r: LandRevenueRow) =>
    yearOf(r.collected_on) === year ? Number(r.collected_on.slice(5, 7)) : 0;
  const exemptionMonth = (e: LandExemptionRow) => Number(e.approved_on.slice(5, 7));
  const allRevenue = await landRevenueOfYear(knex, year, codes);
  const allExemptions = await landExemptionsOfYear(knex, year, codes);
  const itemOrder = ref.landItems.map((l) => l.code);
  const land = (revenue: LandRevenueRow[], exemptions: LandExemptionRow[]) =>
    formatLand(
      ref,
      year,
      park === undefined ? null : parks[0]!.code,
      parks.map((p) =>
        computeParkLand(
          p,
          ref.central,
          itemOrder,
          revenue.filter((r) => r.park === p.code),
          exemptions.filter((e) => e.park === p.code),
        ),
      ),
      revenue,
      exemptions,
    );
  const report = land(
    allRevenue.filter((r) => inPeriod(period, revenueMonth(r))),
    allExemptions.filter((e) => inPeriod(period, exemptionMonth(e))),
  );
  const months =
    options.byMonth === true
      ? monthsShown(
          period,
          allRevenue.some((r) => revenueMonth(r) === 0),
        ).map((m) => ({
          month: monthLabel(year, m),
          ...land(
            allRevenue.filter((r) => revenueMonth(r) === m),
            allExemptions.filter((e) => exemptionMonth(e) === m),
          ).totals,
        }))
      : undefined;
  return {
    ...report,
    ...(period !== undefined ? { period: formatPeriod(period) } : {}),
    ...(months !== undefined ? { months } : {}),
  };
}

const revenueJson = (f: RevenueFen) => ({
  records: f.records,
  gross: formatYuan(f.gross),
  central: formatYuan(f.central),
  local: formatYuan(f.gross - f.central),
  operator_share: formatYuan(f.operator),
  host_share: formatYuan(f.host),
  not_shared: formatYuan(f.not_shared),
});

const partyJson = (p: Omit<PartyFen, "role">) => ({
  party: p.party,
  revenue: formatYuan(p.revenue),
  exempted: formatYuan(p.exempted),
  exemptions: p.exemptions,
});

/** The contract's JSON: the fen figures as two-decimal strings, with the records behind them. */
export function formatLand(
  ref: ReferenceData,
  year: number,
  park: string | null,
  figures: readonly ParkLandFigures[],
  revenue: readonly LandRevenueRow[],
  exemptions: readonly LandExemptionRow[],
): LandReport {
  const all = noRevenue();
  const parties = new Map<string, Omit<PartyFen, "role">>();
  let exempted = 0n;
  for (const f of figures) {
    addRevenue(all, f.revenue_totals);
    exempted += f.exemption_totals.amount;
    for (const p of f.parties) {
      const into = parties.get(p.party) ?? { party: p.party, revenue: 0n, exempted: 0n, exemptions: 0 };
      into.revenue += p.revenue;
      into.exempted += p.exempted;
      into.exemptions += p.exemptions;
      parties.set(p.party, into);
    }
  }
  const parkOf = new Map(figures.map((f) => [f.park.code, f.park]));
  return {
    year,
    park,
    parks: figures.map((f) => f.park.code),
    items: itemsJson(ref, year),
    by_park: figures.map(parkJson),
    by_party: [...parties.values()].map(partyJson),
    totals: { ...revenueJson(all), exemptions: exemptions.length, exempted: formatYuan(exempted) },
    revenue_records: revenue.map(revenueRecordJson),
    exemption_records: exemptions.map((e) => exemptionRecordJson(e, parkOf.get(e.park)!, ref.central)),
  };
}

function itemsJson(ref: ReferenceData, year: number): LandReport["items"] {
  return ref.landItems.map((l) => {
    const ratio = ref.landRatioOn(l.code, `${year}-12-31`);
    return {
      code: l.code,
      budget_code: l.budget_code,
      name_zh: l.name_zh,
      name_en: l.name_en,
      central_share_pct: ratio === undefined ? null : formatBpAsPercent(ratio.central_share_bp),
    };
  });
}

function parkJson(f: ParkLandFigures): LandReport["by_park"][number] {
  return {
    park: f.park.code,
    operator: f.park.operator,
    host: f.park.host,
    revenue: [...f.revenue].map(([item, r]) => ({ item, ...revenueJson(r) })),
    revenue_totals: revenueJson(f.revenue_totals),
    exemptions: [...f.exemptions.values()].map((e) => ({
      item: e.item,
      party: e.party,
      count: e.count,
      amount: formatYuan(e.amount),
    })),
    exemption_totals: { count: f.exemption_totals.count, amount: formatYuan(f.exemption_totals.amount) },
    by_party: f.parties.map((p) => ({ ...partyJson(p), role: p.role })),
  };
}

function revenueRecordJson(r: LandRevenueRow): LandReport["revenue_records"][number] {
  return {
    ref: r.ref,
    park: r.park,
    item: r.item,
    item_as_given: r.item_as_given,
    collected_on: r.collected_on,
    uscc: r.uscc,
    project: r.project_no,
    amount: formatYuan(r.amount_fen),
    central: formatYuan(r.central_fen),
    operator_share: formatYuan(r.operator_fen),
    host_share: formatYuan(r.shared ? r.host_fen : 0n),
    not_shared: formatYuan(r.shared ? 0n : r.host_fen),
  };
}

function exemptionRecordJson(
  e: LandExemptionRow,
  park: Park,
  central: string,
): LandReport["exemption_records"][number] {
  return {
    ref: e.ref,
    park: e.park,
    project: e.project_no,
    uscc: e.uscc,
    item: e.item,
    amount: formatYuan(e.amount_fen),
    basis: e.basis,
    approved_on: e.approved_on,
    forgone_by: e.forgone_by,
    forgone: Object.fromEntries(forgoneParts(e, park, central).map(([party, , amount]) => [party, formatYuan(amount)])),
  };
}

const MONEY = { align: "right", kind: "money" } as const;
const COUNT = { align: "right", kind: "count" } as const;
const REVENUE_COLUMNS = [
  { key: "records", label_zh: "笔数", label_en: "Records", ...COUNT },
  { key: "gross", label_zh: "收入合计", label_en: "Gross", ...MONEY },
  { key: "central", label_zh: "中央分享", label_en: "Central share", ...MONEY },
  { key: "local", label_zh: "地方收入", label_en: "Local", ...MONEY },
  { key: "operator_share", label_zh: "运营方分成", label_en: "Operator share", ...MONEY },
  { key: "host_share", label_zh: "东道方分成", label_en: "Host share", ...MONEY },
  { key: "not_shared", label_zh: "未纳入分成", label_en: "Not shared", ...MONEY },
];

/** How the tables name an item and a party: the Chinese name with the code. */
interface Names {
  item: (code: string) => string;
  party: (code: string) => string;
}

const ROLE_ZH = { central: "中央", operator: "运营方", host: "东道方" } as const;

/** The report as tables (table, CSV, xlsx): revenue, parties, exemptions, and the records behind them. */
export function landTabular(r: LandReport, ref: ReferenceData): Tabular {
  const names: Names = {
    item: (code) => `${ref.revenueItem(code)?.name_zh ?? code} (${code})`,
    party: (code) => `${ref.jurisdiction(code)?.name_zh ?? code} (${code})`,
  };
  return {
    title_zh: `${r.period ?? `${r.year}年度`}土地和矿业权收入及减免表`,
    title_en: `Land and mineral revenue and exemptions ${r.period ?? r.year}`,
    subtitle: `${r.parks.join(", ") || "-"} · 减免依据 exemptions under 新财综〔2022〕48号 and others, as recorded`,
    sections: [
      revenueSection(r, names),
      ...(r.months === undefined ? [] : [monthsSection(r)]),
      partiesSection(r, names),
      exemptionsSection(r, names),
      recordsSection(r),
      exemptionRecordsSection(r),
    ],
    notes: [
      "未纳入分成：园区分成协议未列明的项目，地方部分由东道方留存 Not shared: local revenue of an item no agreement names, kept by the host.",
      `中央分享比例 central shares: ${r.items.map((i) => `${i.code} ${i.central_share_pct ?? "-"}%`).join(", ")}`,
    ],
  };
}

/** By month: each month's revenue, its split and the exemptions approved in it; the months add up to the totals. */
function monthsSection(r: LandReport): Section {
  return {
    title_zh: "按月",
    title_en: "By month",
    columns: [
      { key: "month", label_zh: "月份", label_en: "Month" },
      { key: "records", label_zh: "笔数", label_en: "Records", kind: "count" },
      moneyColumn("gross", "入库金额", "Gross"),
      moneyColumn("central", "中央", "Central"),
      moneyColumn("local", "地方", "Local"),
      moneyColumn("operator_share", "运营方", "Operator"),
      moneyColumn("host_share", "东道方", "Host"),
      moneyColumn("not_shared", "未纳入分成", "Not shared"),
      { key: "exemptions", label_zh: "减免笔数", label_en: "Exemptions", kind: "count" },
      moneyColumn("exempted", "减免金额", "Exempted"),
    ],
    rows: (r.months ?? []).map((m) => ({
      ...m,
      month: monthColumnLabel(r.year, m.month === null ? 0 : Number(m.month.slice(5))).label_en,
    })),
    totals: { month: "", ...r.totals },
  };
}

function revenueSection(r: LandReport, names: Names): Section {
  return {
    title_zh: "收入按园区和项目",
    title_en: "Revenue by park and item",
    columns: [
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "item", label_zh: "收入项目", label_en: "Item" },
      ...REVENUE_COLUMNS,
    ],
    rows: r.by_park.flatMap((p) => p.revenue.map((x) => ({ ...x, park: p.park, item: names.item(x.item) }))),
    totals: { park: "合计 Total", ...r.totals },
  };
}

function partiesSection(r: LandReport, names: Names): Section {
  return {
    title_zh: "各方收入与减免",
    title_en: "Revenue received and forgone by party",
    columns: [
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "party", label_zh: "单位", label_en: "Party" },
      { key: "role", label_zh: "身份", label_en: "Role" },
      { key: "revenue", label_zh: "所得收入", label_en: "Revenue received", ...MONEY },
      { key: "exempted", label_zh: "减免金额", label_en: "Forgone", ...MONEY },
      { key: "exemptions", label_zh: "减免笔数", label_en: "Exemptions", ...COUNT },
    ],
    rows: [
      ...r.by_park.flatMap((p) =>
        p.by_party.map((x) => ({ ...x, park: p.park, party: names.party(x.party), role: ROLE_ZH[x.role] })),
      ),
      ...r.by_party.map((x) => ({ ...x, park: "合计 Total", party: names.party(x.party), role: "" })),
    ],
  };
}

function exemptionsSection(r: LandReport, names: Names): Section {
  return {
    title_zh: "减免按项目和承担方",
    title_en: "Exemptions by item and the party forgoing",
    columns: [
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "item", label_zh: "收入项目", label_en: "Item" },
      { key: "party", label_zh: "承担方", label_en: "Forgone by" },
      { key: "count", label_zh: "笔数", label_en: "Count", ...COUNT },
      { key: "amount", label_zh: "减免金额", label_en: "Amount", ...MONEY },
    ],
    rows: r.by_park.flatMap((p) =>
      p.exemptions.map((x) => ({ ...x, park: p.park, item: names.item(x.item), party: names.party(x.party) })),
    ),
    totals: { park: "合计 Total", count: r.totals.exemptions, amount: r.totals.exempted },
  };
}

function recordsSection(r: LandReport): Section {
  return {
    title_zh: "收入明细",
    title_en: "Revenue records",
    columns: [
      { key: "ref", label_zh: "编号", label_en: "Reference" },
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "item_as_given", label_zh: "收入项目", label_en: "Item as given" },
      { key: "collected_on", label_zh: "入库日期", label_en: "Collected on" },
      { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
      { key: "project", label_zh: "项目编号", label_en: "Project" },
      { key: "amount", label_zh: "金额", label_en: "Amount", ...MONEY },
      { key: "central", label_zh: "中央分享", label_en: "Central", ...MONEY },
      { key: "operator_share", label_zh: "运营方分成", label_en: "Operator", ...MONEY },
      { key: "host_share", label_zh: "东道方分成", label_en: "Host", ...MONEY },
      { key: "not_shared", label_zh: "未纳入分成", label_en: "Not shared", ...MONEY },
    ],
    rows: r.revenue_records.map((x) => ({ ...x })),
  };
}

function exemptionRecordsSection(r: LandReport): Section {
  return {
    title_zh: "减免明细",
    title_en: "Exemption register",
    columns: [
      { key: "ref", label_zh: "编号", label_en: "Reference" },
      { key: "park", label_zh: "园区", label_en: "Park" },
      { key: "project", label_zh: "项目编号", label_en: "Project" },
      { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
      { key: "item", label_zh: "收入项目", label_en: "Item" },
      { key: "amount", label_zh: "减免金额", label_en: "Amount", ...MONEY },
      { key: "basis", label_zh: "减免依据", label_en: "Basis" },
      { key: "approved_on", label_zh: "批准日期", label_en: "Approved on" },
      { key: "forgone_by", label_zh: "承担方", label_en: "Forgone by" },
      { key: "forgone", label_zh: "各方承担", label_en: "Parts" },
    ],
    rows: r.exemption_records.map((x) => ({
      ...x,
      forgone: Object.entries(x.forgone)
        .map(([party, amount]) => `${party} ${amount}`)
        .join("; "),
    })),
  };
}
