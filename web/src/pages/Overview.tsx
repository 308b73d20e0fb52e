// 概览: the party's year in figures (the settlement statement), month by month (the statement's own
// months, which add up to the year to the fen), by tax type, and what needs attention: prior-year adjustments and
// what is held in suspense.
import { Alert, Card, Col, Row, Space, Statistic, Table, Typography } from "antd";
import { api, unwrap, type Settlement } from "../api/client";
import { Chart } from "../components/Chart";
import { Bi, FigureLink, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useOperatorChoice } from "../components/OperatorPicker";
import { chartYuan, formatAmount, sumMoney } from "../money";
import { readsAllMoney, useWorkspace } from "../workspace";

export default function Overview() {
  const { year, t, me } = useWorkspace();
  const { operator, picker } = useOperatorChoice();
  const state = useLoad(
    async () =>
      unwrap(await api.GET("/reports/settlement", { params: { query: { year, operator: operator! } } })) as Settlement,
    [year, operator],
  );
  return (
    <Space direction="vertical" size="large" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={1}>
          {t("概览", "Overview")} · {year}
        </Typography.Title>
        {picker}
      </Space>
      {operator === undefined ? (
        <Alert type="info" title={t("没有可查看的园区。", "There is no park for you to see.")} />
      ) : (
        <Loading state={state}>{(s) => <Figures s={s} operator={operator} />}</Loading>
      )}
      {readsAllMoney(me) && <SuspenseCallout />}
    </Space>
  );
}

function Figures({ s, operator }: { s: Settlement; operator: string }) {
  const { year, t } = useWorkspace();
  const q = { year, operator };
  const card = (zh: string, en: string, value: string, figure?: string) => (
    <Col xs={24} sm={12} lg={8} xl={4}>
      <Card size="small">
        <Statistic
          title={<Bi zh={zh} en={en} />}
          styles={{ content: { fontSize: 18 } }}
          valueRender={() =>
            figure === undefined ? (
              <Money value={value} />
            ) : (
              <FigureLink value={value} kind="settlement" query={{ ...q, figure }} label={t(zh, en)} />
            )
          }
        />
      </Card>
    </Col>
  );
  const prior = s.prior_year_adjustments;
  return (
    <>
      <Row gutter={[12, 12]} data-testid="figures">
        {card("地方级收入", "Local revenue", s.totals.local_revenue, "local_revenue")}
        {card("运营方分成", "Operator share", s.totals.operator_share, "operator_share")}
        {card("东道方分成", "Host share", s.totals.host_share, "host_share")}
        {card("已拨付", "Transferred", s.totals.transferred)}
        {card("应补拨（退）", "Balance due", s.totals.balance_due)}
        {card("上划中央", "Central (excluded)", s.totals.central_excluded)}
      </Row>
      <Typography.Text type="secondary">
        {t("园区", "Park")}: {s.park ?? (s.parks ?? []).join(", ")} · {t("状态", "Status")}:{" "}
        {s.status === "closed" ? t("已结算", "closed") : t("未结算", "open")}
      </Typography.Text>
      {prior.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t("以前年度调整", "Prior-year adjustments")}
          description={`${prior.length} ${t("项，运营方分成合计", "rows, operator share")} ${formatAmount(sumMoney(prior.map((p) => p.operator_share)))}`}
        />
      )}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t("按月运营方分成", "Operator share by month")} size="small">
            <Monthly s={s} />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t("按税种", "By tax type")} size="small">
            <Chart
              label={t("按税种的地方级收入与分成", "Local revenue and shares by tax type")}
              option={{
                tooltip: { trigger: "axis" },
                legend: {},
                grid: { left: 90, right: 16 },
                xAxis: { type: "category", data: s.by_tax.map((r) => t(r.tax_name_zh, r.tax_code)) },
                yAxis: { type: "value" },
                series: [
                  {
                    name: t("运营方分成", "Operator share"),
                    type: "bar",
                    data: s.by_tax.map((r) => chartYuan(r.operator_share)),
                  },
                  {
                    name: t("东道方分成", "Host share"),
                    type: "bar",
                    data: s.by_tax.map((r) => chartYuan(r.host_share)),
                  },
                ],
              }}
            />
          </Card>
        </Col>
      </Row>
      <Table
        size="small"
        pagination={false}
        rowKey="tax_code"
        dataSource={s.by_tax}
        caption={t("按税种", "By tax type")}
        columns={[
          { title: <Bi zh="税种" en="Tax" />, key: "tax", render: (_: unknown, r) => `${r.tax_name_zh} ${r.tax_code}` },
          { title: <Bi zh="笔数" en="Receipts" />, dataIndex: "receipts", key: "receipts", align: "right" },
          moneyColumn(<Bi zh="地方级收入" en="Local revenue" />, "local_revenue"),
          moneyColumn(
            <Bi zh="运营方分成" en="Operator share" />,
            "operator_share",
            (v, r: Settlement["by_tax"][number]) => (
              <FigureLink
                value={v}
                kind="settlement"
                query={{ year, operator, tax: r.tax_code, figure: "operator_share" }}
              />
            ),
          ),
          moneyColumn(<Bi zh="东道方分成" en="Host share" />, "host_share"),
        ]}
      />
    </>
  );
}

/** The operator's and the host's shares month by month, as the statement gives them (its months add up to it). */
function Monthly({ s }: { s: Settlement }) {
  const { t } = useWorkspace();
  const all = s.months ?? [];
  const months = all.filter((m) => m.month !== null);
  const other = all.find((m) => m.month === null);
  // the tooltip shows each series' exact amount (the bars are drawn from whole yuan)
  const exact = (p: { dataIndex: number; seriesIndex: number; seriesName: string }[]) =>
    `${months[p[0]!.dataIndex]!.month}: ${p
      .map(
        (x) =>
          `${x.seriesName} ${formatAmount(months[x.dataIndex]![x.seriesIndex === 0 ? "operator_share" : "host_share"])}`,
      )
      .join(" / ")}`;
  return (
    <>
      <Chart
        label={t("按月运营方与东道方分成", "Operator and host shares by month")}
        option={{
          tooltip: { trigger: "axis", formatter: exact },
          legend: {},
          grid: { left: 90, right: 16 },
          xAxis: { type: "category", data: months.map((m) => m.month!.slice(5)) },
          yAxis: { type: "value" },
          series: [
            {
              name: t("运营方分成", "Operator share"),
              type: "bar",
              stack: "local",
              data: months.map((m) => chartYuan(m.operator_share)),
              itemStyle: { color: "#1d4ed8" },
            },
            {
              name: t("东道方分成", "Host share"),
              type: "bar",
              stack: "local",
              data: months.map((m) => chartYuan(m.host_share)),
              itemStyle: { color: "#0f766e" },
            },
          ],
        }}
      />
      <Table
        size="small"
        pagination={false}
        rowKey={(m) => m.month ?? "other"}
        dataSource={all}
        caption={t("按月（合计等于全年）", "By month (adding up to the year)")}
        columns={[
          {
            title: <Bi zh="月份" en="Month" />,
            key: "month",
            render: (_: unknown, m) => m.month ?? t("跨年度调整", "Dated in other years"),
          },
          { title: <Bi zh="笔数" en="Rows" />, dataIndex: "receipts", key: "receipts", align: "right" },
          moneyColumn(<Bi zh="运营方分成" en="Operator share" />, "operator_share"),
          moneyColumn(<Bi zh="东道方分成" en="Host share" />, "host_share"),
          moneyColumn(<Bi zh="拨付" en="Transferred" />, "transferred"),
        ]}
      />
      {other !== undefined && (
        <Typography.Text type="secondary">
          {t("其他年度日期的分录（以前年度调整）", "Entries dated outside the year (prior-year adjustments)")}:{" "}
          {formatAmount(other.operator_share)}
        </Typography.Text>
      )}
    </>
  );
}

function SuspenseCallout() {
  const { year, t, navigate } = useWorkspace();
  const state = useLoad(
    async () => unwrap(await api.GET("/reports/suspense", { params: { query: { year } } })),
    [year],
  );
  return (
    <Loading state={state}>
      {(s) => {
        const r = s as { count: number; total_held: string };
        return (
          <Alert
            type={r.count > 0 ? "warning" : "success"}
            showIcon
            title={t("待查收入", "Held in suspense")}
            description={
              <span>
                {r.count} {t("笔，合计", "receipts, total")} <Money value={r.total_held} />{" "}
                <a
                  href={`/suspense?year=${year}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/suspense?year=${year}`);
                  }}
                >
                  {t("查看", "Open")}
                </a>
              </span>
            }
          />
        );
      }}
    </Loading>
  );
}
