// 指标: each indicator of a park month by month, in its statistical view (100 % the operator's) and its
// assessment view (split by the agreement in force), with revisions shown, and charts.
import { Card, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap, type Indicators } from "../api/client";
import { Chart } from "../components/Chart";
import { Bi, Downloads, FigureLink, Loading, useLoad } from "../components/common";
import { chartQuantity, formatAmount } from "../money";
import { useWorkspace } from "../workspace";

type Line = Indicators["indicators"][number];
type Month = Line["months"][number];

export default function IndicatorsPage() {
  const { year, t, me, lang } = useWorkspace();
  const parks = me.parks;
  const [park, setPark] = useState<string | undefined>(parks[0]?.park);
  const state = useLoad(
    async () =>
      unwrap(await api.GET("/reports/indicators", { params: { query: { year, park: park! } } })) as Indicators,
    [year, park],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("指标", "Indicators")} · {year}
      </Typography.Title>
      <Space wrap>
        <label htmlFor="plk-park">{t("园区", "Park")}</label>
        <Select
          id="plk-park"
          aria-label={t("园区", "Park")}
          value={park}
          onChange={setPark}
          style={{ width: 240 }}
          options={parks.map((p) => ({ value: p.park, label: `${p.park} ${lang === "zh" ? p.name_zh : p.name_en}` }))}
        />
        {park !== undefined && <Downloads path="/reports/indicators" query={{ year, park }} />}
      </Space>
      {park !== undefined && (
        <Loading state={state}>
          {(r) => (
            <>
              {r.indicators.map((line) => (
                <IndicatorCard key={line.indicator} r={r} line={line} />
              ))}
            </>
          )}
        </Loading>
      )}
    </Space>
  );
}

function IndicatorCard({ r, line }: { r: Indicators; line: Line }) {
  const { t, year } = useWorkspace();
  const parties = [...new Set([r.operator, r.host])];
  const q = { year, park: r.park, indicator: line.indicator };
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t(line.name_zh, line.name_en)} {line.indicator} · {t(line.unit_zh, line.unit)}
        </Typography.Title>
      }
      size="small"
    >
      <Space wrap size="large">
        <span>
          {t("全年", "Year")}: <FigureLink value={line.total} kind="indicators" query={{ ...q, figure: "total" }} />
        </span>
        {parties.map((p) => (
          <span key={p}>
            {t("考核口径", "Assessed")} {p}: {formatAmount(line.assessment[p] ?? null)}
          </span>
        ))}
        <span>
          {t("截至", "Through")} {line.through ?? "—"}
        </span>
      </Space>
      <Chart
        height={220}
        label={`${line.name_zh} ${line.indicator}`}
        option={{
          tooltip: { trigger: "axis" },
          legend: {},
          grid: { left: 80, right: 16 },
          xAxis: { type: "category", data: line.months.map((m) => m.month.slice(5)) },
          yAxis: { type: "value" },
          series: [
            { name: t("当月值", "Month"), type: "bar", data: line.months.map((m) => chartQuantity(m.value)) },
            ...parties.map((p) => ({
              name: `${t("考核", "Assessed")} ${p}`,
              type: "line",
              data: line.months.map((m) => chartQuantity(m.assessment[p] ?? "0")),
            })),
          ],
        }}
      />
      <Table<Month>
        size="small"
        pagination={false}
        rowKey="month"
        dataSource={line.months}
        columns={[
          { title: <Bi zh="月份" en="Month" />, dataIndex: "month", key: "m" },
          { title: <Bi zh="口径" en="Basis" />, dataIndex: "basis", key: "b", render: (v) => v ?? "—" },
          {
            title: <Bi zh="报送数" en="Reported" />,
            dataIndex: "reported",
            key: "r",
            align: "right",
            render: (v) => formatAmount(v),
          },
          {
            title: <Bi zh="累计" en="YTD" />,
            dataIndex: "ytd",
            key: "y",
            align: "right",
            render: (v) => formatAmount(v),
          },
          {
            title: <Bi zh="当月" en="Month" />,
            dataIndex: "value",
            key: "v",
            align: "right",
            render: (v: string, m) => (
              <FigureLink value={v} kind="indicators" query={{ ...q, month: m.month, figure: "total" }} />
            ),
          },
          {
            title: <Bi zh="运营方比例" en="Operator %" />,
            dataIndex: "operator_share_pct",
            key: "p",
            align: "right",
            render: (v) => v ?? "—",
          },
          ...parties.map((p) => ({
            title: <Bi zh={`统计 ${p}`} en={`Statistical ${p}`} />,
            key: `s-${p}`,
            align: "right" as const,
            render: (_: unknown, m: Month) => formatAmount(m.statistical[p] ?? null),
          })),
          ...parties.map((p) => ({
            title: <Bi zh={`考核 ${p}`} en={`Assessed ${p}`} />,
            key: `a-${p}`,
            align: "right" as const,
            render: (_: unknown, m: Month) => formatAmount(m.assessment[p] ?? null),
          })),
          {
            title: <Bi zh="修订" en="Revision" />,
            key: "rev",
            render: (_: unknown, m: Month) =>
              m.revision !== null && m.revision > 0 ? (
                <Tag color="#9a3412">
                  {t("第", "rev. ")}
                  {m.revision}
                  {t("次修订", "")} ({m.reports_on_record})
                </Tag>
              ) : (
                (m.revision ?? "—")
              ),
          },
        ]}
      />
    </Card>
  );
}
