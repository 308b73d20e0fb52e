// The indicator report (指标归属表) of one park and year: for each indicator, the year's figure, the
// statistical view (100 % to the park's operator) and the assessment view (each month's value split by
// the agreement in force on the first day of that month, summed over the months), with the months
// behind them. Figures come from the journal's indicator books; the reports on record say which
// report each month rests on, how it was reported and how often it was revised.
// `indicatorFigures` gives one indicator's figures as integer units (ten-thousandths), for whoever
// compares or sums them (trace); the report formats the same sums.

import type { Knex } from "knex";
import type { z } from "zod";
import type { IndicatorsReportShape } from "./shapes.js";
import { formatQuantity, parseQuantity, type Units } from "../ledger/indicators.js";
import { formatBpAsPercent } from "../ledger/ratio.js";
import { fieldRejection } from "../ledger/rejections.js";
import type { IndicatorAmounts } from "../ledger/posting.js";
import { bookedAttribution, recordedReports, reportsInForce } from "../src/repositories/indicators.js";
import type { Park, ReferenceData } from "../src/repositories/reference.js";
import type { Column, Section, Tabular } from "./render.js";
import { formatPeriod, isWholeYear, type Period } from "../ledger/periods.js";
import { inPeriod, monthColumnLabel, monthsShown } from "./period.js";

/** The indicator report's JSON (reports/shapes.ts declares it, once). */
export type IndicatorsReport = z.infer<typeof IndicatorsReportShape>;
export type IndicatorLine = IndicatorsReport["indicators"][number];
export type IndicatorMonth = IndicatorLine["months"][number];
/** Party → value, `{ "<operator>": "…", "<host>": "…" }`; one key for a park its host runs. */
export type ByParty = IndicatorLine["statistical"];

export async function indicatorsReport(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  parkCode: string,
  /** Part of the year: its months, and the figures summed over them (year to date stays the year's). */
  period?: Period,
): Promise<IndicatorsReport> {
  const part = period === undefined || isWholeYear(period) ? undefined : period;
  const park = ref.park(parkCode);
  if (park === undefined)
    throw fieldRejection(
      "park",
      "park_unknown",
      `${parkCode} is not a park; use one of ${ref.parks.map((p) => p.code).join(", ")}`,
    );
  const booked = await bookedAttribution(knex, park, year);
  const recorded = await recordedReports(knex, park.code, year);
  const indicators = ref.indicators.map((indicator): IndicatorLine => {
    const reports = recorded.filter((r) => r.indicator === indicator.code);
    const inForce = reportsInForce(reports);
    const bookedMonths = booked.get(indicator.code) ?? new Map<string, IndicatorAmounts>();
    // a reported month whose value is zero books nothing, yet it is a month reported
    const months = [...new Set([...inForce.keys(), ...bookedMonths.keys()])]
      .sort()
      .map((month) => [month, bookedMonths.get(month) ?? { value: 0n, operator: 0n, host: 0n }] as const);
    const sum = { value: 0n, operator: 0n, host: 0n };
    const ytd = { value: 0n };
    let previous = 0;
    const rows = months.map(([month, m]): IndicatorMonth => {
      ytd.value += m.value;
      if (inPeriod(part, Number(month.slice(5, 7)))) {
        sum.value += m.value;
        sum.operator += m.operator;
        sum.host += m.host;
      }
      const report = inForce.get(month);
      const number = Number(month.slice(5, 7));
      const first = report?.basis === "month" ? number : previous + 1;
      previous = number;
      const share = ref.indicatorShareOn(park, month);
      return {
        month,
        first_month: `${year}-${String(first).padStart(2, "0")}`,
        basis: report?.basis ?? null,
        reported: report !== undefined ? formatQuantity(report.value) : null,
        ytd: formatQuantity(ytd.value),
        value: formatQuantity(m.value),
        operator_share_pct: share === null || share === undefined ? null : formatBpAsPercent(share),
        statistical: views(park, m.value, 0n),
        assessment: views(park, m.operator, m.host),
        revision: report?.revision ?? null,
        reports_on_record: reports.filter((r) => r.month === month).length,
      };
    });
    const shown = rows.filter((row) => inPeriod(part, Number(row.month.slice(5, 7))));
    return {
      indicator: indicator.code,
      name_zh: indicator.name_zh,
      name_en: indicator.name_en,
      unit: indicator.unit,
      unit_zh: indicator.unit_zh,
      total: formatQuantity(sum.value),
      through: shown.at(-1)?.month ?? null,
      statistical: views(park, sum.value, 0n),
      assessment: views(park, sum.operator, sum.host),
      months: shown,
    };
  });
  return {
    year,
    ...(part !== undefined ? { period: formatPeriod(part) } : {}),
    park: park.code,
    operator: park.operator,
    host: park.host,
    indicators,
  };
}

/** An indicator's figures in ten-thousandths of its unit, for the year or one month. */
export interface IndicatorFigures {
  value: Units;
  /** Party → units: all of it to the operator (one key, the host's, in a park its host runs). */
  statistical: Record<string, Units>;
  /** Party → units: the agreement's split (one key, the host's, in a park its host runs). */
  assessment: Record<string, Units>;
}

/** The statistical and assessment views of booked amounts, by party. Pure. */
export function indicatorFiguresOf(park: Park, amounts: IndicatorAmounts): IndicatorFigures {
  return {
    value: amounts.value,
    statistical: byParty(park, amounts.value, 0n),
    assessment: byParty(park, amounts.operator, amounts.host),
  };
}

/** One indicator's figures in the park for the year, or for `month` (YYYY-MM), from the journal's books. */
export async function indicatorFigures(
  knex: Knex | Knex.Transaction,
  park: Park,
  year: number,
  indicator: string,
  month?: string,
): Promise<IndicatorFigures> {
  const booked = (await bookedAttribution(knex, park, year, indicator)).get(indicator);
  const sum: IndicatorAmounts = { value: 0n, operator: 0n, host: 0n };
  for (const [m, amounts] of booked ?? []) {
    if (month !== undefined && m !== month) continue;
    sum.value += amounts.value;
    sum.operator += amounts.operator;
    sum.host += amounts.host;
  }
  return indicatorFiguresOf(park, sum);
}

function byParty(park: Park, operator: Units, host: Units): Record<string, Units> {
  if (park.operator === park.host) return { [park.host]: operator + host };
  return { [park.operator]: operator, [park.host]: host };
}

function views(park: Park, operator: Units, host: Units): ByParty {
  return Object.fromEntries(Object.entries(byParty(park, operator, host)).map(([p, u]) => [p, formatQuantity(u)]));
}

type View = "statistical" | "assessment";

/** The parties a park's views split between (one for a park its host runs), with their names in Chinese. */
interface Parties {
  codes: string[];
  name(code: string): string;
}

export function indicatorsTabular(r: IndicatorsReport, ref: ReferenceData, flat = false, byMonth = false): Tabular {
  const parties: Parties = {
    codes: r.operator === r.host ? [r.host] : [r.operator, r.host],
    name: (code) => ref.jurisdiction(code)?.name_zh ?? code,
  };
  const park = ref.park(r.park);
  const title_zh = `${r.period ?? `${r.year}年度`}${park?.name_zh ?? r.park}指标统计与考核归属`;
  const title_en = `Indicators ${r.period ?? r.year}, ${r.park}: statistical and assessment views`;
  const subtitle = `统计口径 100% ${parties.name(r.operator)}; 考核口径按每月1日有效的分成比例 (assessment: split by the agreement in force on the 1st of each month)`;
  if (flat) return { title_zh, title_en, subtitle, sections: [flatSection(r, parties)] };
  return {
    title_zh,
    title_en,
    subtitle,
    sections: [yearSection(r, parties, byMonth), monthSection(r, parties)],
    notes: [
      "考核口径 = Σ 各月当月数 × 当月1日有效的运营方比例 (round half up at 4 decimals); 未报送月份并入下一报送月 (1–2月合报).",
    ],
  };
}

function figure(key: string, label_zh: string, label_en: string): Column {
  return { key, label_zh, label_en, kind: "indicator" };
}

/** One column per party, so a park its host runs has one column per view, not an empty second one. */
function viewColumns(parties: Parties, view: View, zh: string): Column[] {
  return parties.codes.map((p) => figure(`${view}_${p}`, `${zh}·${parties.name(p)}`, `${view} ${p}`));
}

function flatten(parties: Parties, view: View, byParty: ByParty): Record<string, string | null> {
  return Object.fromEntries(parties.codes.map((p) => [`${view}_${p}`, byParty[p] ?? null]));
}

/** The year's figure and both views of each indicator, for reading. */
function yearSection(r: IndicatorsReport, parties: Parties, byMonth: boolean): Section {
  // by month: each month's value after the year's (the months add up to the figure)
  const shown = byMonth ? monthsShown(r.period === undefined ? undefined : monthsOfLabel(r), false) : [];
  const monthColumns = shown.map((m) => {
    const c = monthColumnLabel(r.year, m);
    return figure(c.key, c.label_zh, c.label_en);
  });
  return {
    title_zh: r.period === undefined ? "全年" : r.period,
    title_en: r.period === undefined ? "The year" : `Months ${r.period}`,
    columns: [
      { key: "indicator", label_zh: "指标", label_en: "Indicator" },
      { key: "name_zh", label_zh: "名称", label_en: "Name" },
      { key: "unit", label_zh: "单位", label_en: "Unit" },
      figure("total", "全年数", "Year"),
      ...viewColumns(parties, "statistical", "统计口径"),
      ...viewColumns(parties, "assessment", "考核口径"),
      { key: "through", label_zh: "截至", label_en: "Through" },
      ...monthColumns,
    ],
    rows: r.indicators.map((line) => ({
      indicator: line.indicator,
      name_zh: line.name_zh,
      unit: line.unit_zh,
      total: line.total,
      ...flatten(parties, "statistical", line.statistical),
      ...flatten(parties, "assessment", line.assessment),
      through: line.through,
      ...Object.fromEntries(
        shown.map((m) => [
          monthColumnLabel(r.year, m).key,
          line.months.find((x) => Number(x.month.slice(5, 7)) === m)?.value ?? formatQuantity(0n),
        ]),
      ),
    })),
  };
}

/** The period a report covers, from its months as the JSON names them (`2025-01..2025-03`). */
function monthsOfLabel(r: IndicatorsReport): Period {
  const [first, last] = (r.period ?? "").split("..");
  const from = Number(first!.slice(5, 7));
  return { year: r.year, from, to: last === undefined ? from : Number(last.slice(5, 7)) };
}

/** The months behind the assessment view, and the report each rests on. */
function monthSection(r: IndicatorsReport, parties: Parties): Section {
  const columns: Column[] = [
    { key: "indicator", label_zh: "指标", label_en: "Indicator" },
    { key: "unit", label_zh: "单位", label_en: "Unit" },
    { key: "month", label_zh: "月份", label_en: "Month" },
    { key: "covers", label_zh: "涵盖", label_en: "Covers" },
    { key: "basis", label_zh: "报送口径", label_en: "Basis" },
    figure("reported", "报送数", "Reported"),
    figure("ytd", "累计", "Year to date"),
    figure("value", "当月", "Month value"),
    { key: "operator_share_pct", label_zh: "运营方比例%", label_en: "Operator %", kind: "percent" },
    ...viewColumns(parties, "assessment", "考核口径"),
    { key: "revision", label_zh: "修订次", label_en: "Revision", kind: "count" },
  ];
  const rows = r.indicators.flatMap((line) =>
    line.months.map((m) => ({
      indicator: line.indicator,
      unit: line.unit_zh,
      month: m.month,
      // a month reported with earlier ones (1–2月) says which it covers; a month on its own says nothing
      covers: m.first_month === m.month ? "" : `${Number(m.first_month.slice(5))}–${Number(m.month.slice(5))}月`,
      basis: m.basis === null ? null : m.basis === "ytd" ? "累计 ytd" : "当月 month",
      reported: m.reported,
      ytd: m.ytd,
      value: m.value,
      operator_share_pct: m.operator_share_pct,
      ...flatten(parties, "assessment", m.assessment),
      revision: m.revision,
    })),
  );
  return { title_zh: "逐月", title_en: "By month", columns, rows };
}

/** One table for csv: each indicator's months, then its year as a row; units and bases as codes for scripts. */
function flatSection(r: IndicatorsReport, parties: Parties): Section {
  const columns: Column[] = [
    { key: "indicator", label_zh: "指标", label_en: "Indicator" },
    { key: "unit", label_zh: "单位", label_en: "Unit" },
    { key: "month", label_zh: "月份", label_en: "Month" },
    { key: "first_month", label_zh: "起始月", label_en: "First month" },
    { key: "basis", label_zh: "报送口径", label_en: "Basis" },
    figure("reported", "报送数", "Reported"),
    figure("ytd", "累计", "Year to date"),
    figure("value", "当月", "Value"),
    { key: "operator_share_pct", label_zh: "运营方比例%", label_en: "Operator %", kind: "percent" },
    ...viewColumns(parties, "statistical", "统计口径"),
    ...viewColumns(parties, "assessment", "考核口径"),
    { key: "revision", label_zh: "修订次", label_en: "Revision", kind: "count" },
  ];
  const rows = r.indicators.flatMap((line) => [
    ...line.months.map((m) => ({
      indicator: line.indicator,
      unit: line.unit,
      month: m.month,
      first_month: m.first_month,
      basis: m.basis,
      reported: m.reported,
      ytd: m.ytd,
      value: m.value,
      operator_share_pct: m.operator_share_pct,
      ...flatten(parties, "statistical", m.statistical),
      ...flatten(parties, "assessment", m.assessment),
      revision: m.revision,
    })),
    {
      indicator: line.indicator,
      unit: line.unit,
      month: String(r.year),
      first_month: `${r.year}-01`,
      basis: null,
      reported: null,
      ytd: line.total,
      value: line.total,
      operator_share_pct: null,
      ...flatten(parties, "statistical", line.statistical),
      ...flatten(parties, "assessment", line.assessment),
      revision: null,
    },
  ]);
  return { columns, rows };
}

/** Every park's indicators the caller counts or reads, side by side, and their sums (the report without a park). */
export interface IndicatorsOverview {
  year: number;
  period?: string;
  parks: string[];
  indicators: {
    indicator: string;
    name_zh: string;
    name_en: string;
    unit: string;
    unit_zh: string;
    /** The parks' figures summed; the views by party summed over the parks. */
    total: string;
    statistical: ByParty;
    assessment: ByParty;
    by_park: { park: string; total: string; through: string | null; statistical: ByParty; assessment: ByParty }[];
  }[];
}

/**
 * The indicators of `parks` (those the caller may see: an operator's or its bureau's own, everyone
 * else's every park), each park's figures and their sums; nothing of a park not listed enters a sum.
 */
export async function indicatorsOverview(
  knex: Knex | Knex.Transaction,
  ref: ReferenceData,
  year: number,
  parks: readonly string[],
  period?: Period,
): Promise<IndicatorsOverview> {
  const reports: IndicatorsReport[] = [];
  for (const park of parks) reports.push(await indicatorsReport(knex, ref, year, park, period));
  const add = (into: Record<string, Units>, view: ByParty) => {
    for (const [party, value] of Object.entries(view)) into[party] = (into[party] ?? 0n) + parseUnits(value);
  };
  const format = (view: Record<string, Units>): ByParty =>
    Object.fromEntries(Object.entries(view).map(([p, u]) => [p, formatQuantity(u)]));
  return {
    year,
    ...(reports[0]?.period !== undefined ? { period: reports[0].period } : {}),
    parks: [...parks],
    indicators: ref.indicators.map((indicator) => {
      let total = 0n;
      const statistical: Record<string, Units> = {};
      const assessment: Record<string, Units> = {};
      const by_park = reports.map((r) => {
        const line = r.indicators.find((l) => l.indicator === indicator.code)!;
        total += parseUnits(line.total);
        add(statistical, line.statistical);
        add(assessment, line.assessment);
        return {
          park: r.park,
          total: line.total,
          through: line.through,
          statistical: line.statistical,
          assessment: line.assessment,
        };
      });
      return {
        indicator: indicator.code,
        name_zh: indicator.name_zh,
        name_en: indicator.name_en,
        unit: indicator.unit,
        unit_zh: indicator.unit_zh,
        total: formatQuantity(total),
        statistical: format(statistical),
        assessment: format(assessment),
        by_park,
      };
    }),
  };
}

function parseUnits(text: string): Units {
  const units = parseQuantity(text);
  if (units === null) throw new Error(`not a quantity: ${text}`);
  return units;
}

export function indicatorsOverviewTabular(o: IndicatorsOverview, ref: ReferenceData): Tabular {
  const parties = [
    ...new Set(o.indicators.flatMap((i) => [...Object.keys(i.statistical), ...Object.keys(i.assessment)])),
  ];
  const name = (code: string) => ref.jurisdiction(code)?.name_zh ?? code;
  const cells = (view: "statistical" | "assessment", byParty: ByParty) =>
    Object.fromEntries(parties.map((p) => [`${view}_${p}`, byParty[p] ?? null]));
  return {
    title_zh: `${o.period ?? `${o.year}年度`}各园区指标统计与考核归属`,
    title_en: `Indicators ${o.period ?? o.year}, every park: statistical and assessment views`,
    subtitle: `园区 parks: ${o.parks.join(", ") || "-"}`,
    sections: [
      {
        columns: [
          { key: "indicator", label_zh: "指标", label_en: "Indicator" },
          { key: "unit", label_zh: "单位", label_en: "Unit" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          figure("total", "数值", "Figure"),
          ...parties.map((p) => figure(`statistical_${p}`, `统计口径·${name(p)}`, `statistical ${p}`)),
          ...parties.map((p) => figure(`assessment_${p}`, `考核口径·${name(p)}`, `assessment ${p}`)),
        ],
        rows: o.indicators.flatMap((i) => [
          ...i.by_park.map((b) => ({
            indicator: i.indicator,
            unit: i.unit_zh,
            park: b.park,
            total: b.total,
            ...cells("statistical", b.statistical),
            ...cells("assessment", b.assessment),
          })),
          {
            indicator: i.indicator,
            unit: i.unit_zh,
            park: "合计 Total",
            total: i.total,
            ...cells("statistical", i.statistical),
            ...cells("assessment", i.assessment),
          },
        ]),
      },
    ],
  };
}
