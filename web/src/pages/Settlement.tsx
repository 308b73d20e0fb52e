// 分成核算表: the annual settlement statement as the API gives it, each figure tracing to its entries,
// with its downloads and a page to print.
import { Button, Descriptions, Space, Table, Typography } from "antd";
import { api, unwrap, type Settlement } from "../api/client";
import { Bi, Downloads, FigureLink, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useOperatorChoice } from "../components/OperatorPicker";
import { useWorkspace } from "../workspace";

export default function SettlementPage() {
  const { year, t, navigate } = useWorkspace();
  const { operator, picker } = useOperatorChoice();
  const state = useLoad(
    async () =>
      unwrap(await api.GET("/reports/settlement", { params: { query: { year, operator: operator! } } })) as Settlement,
    [year, operator],
  );
  const print = `/settlement/print?year=${year}&operator=${operator ?? ""}`;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("分成核算表", "Settlement statement")} · {year}
      </Typography.Title>
      <Space wrap>
        {picker}
        {operator !== undefined && <Downloads path="/reports/settlement" query={{ year, operator }} />}
        <Button
          href={print}
          onClick={(e) => {
            e.preventDefault();
            navigate(print);
          }}
        >
          {t("打印版", "Print version")}
        </Button>
      </Space>
      <Loading state={state}>{(s) => <Statement s={s} operator={operator!} />}</Loading>
    </Space>
  );
}

function Statement({ s, operator }: { s: Settlement; operator: string }) {
  const { year, t } = useWorkspace();
  const trace = (figure: string, tax?: string) => (v: string) => (
    <FigureLink value={v} kind="settlement" query={{ year, operator, figure, tax }} />
  );
  return (
    <>
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t("运营方", "Operator")}>{s.operator}</Descriptions.Item>
        <Descriptions.Item label={t("东道方", "Host")}>{s.host ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("园区", "Park")}>{s.park ?? (s.parks ?? []).join(", ")}</Descriptions.Item>
        <Descriptions.Item label={t("地方级收入", "Local revenue")}>
          {trace("local_revenue")(s.totals.local_revenue)}
        </Descriptions.Item>
        <Descriptions.Item label={t("运营方分成", "Operator share")}>
          {trace("operator_share")(s.totals.operator_share)}
        </Descriptions.Item>
        <Descriptions.Item label={t("东道方分成", "Host share")}>
          {trace("host_share")(s.totals.host_share)}
        </Descriptions.Item>
        <Descriptions.Item label={t("已拨付（净）", "Transferred (net)")}>
          <Money value={s.totals.transferred} />
        </Descriptions.Item>
        <Descriptions.Item label={t("应补拨（退）", "Balance due")}>
          <Money value={s.totals.balance_due} />
        </Descriptions.Item>
        <Descriptions.Item label={t("状态", "Status")}>
          {s.status === "closed" ? t("已结算", "closed") : t("未结算", "open")}
        </Descriptions.Item>
      </Descriptions>
      <Table
        size="small"
        rowKey="tax_code"
        pagination={false}
        dataSource={s.by_tax}
        caption={t("按税种", "By tax type")}
        columns={[
          { title: <Bi zh="税种" en="Tax" />, key: "tax", render: (_: unknown, r) => `${r.tax_name_zh} ${r.tax_code}` },
          { title: <Bi zh="笔数" en="Receipts" />, dataIndex: "receipts", key: "receipts", align: "right" },
          moneyColumn(<Bi zh="上划中央" en="Central" />, "central_excluded"),
          moneyColumn(
            <Bi zh="地方级收入" en="Local revenue" />,
            "local_revenue",
            (v, r: Settlement["by_tax"][number]) => trace("local_revenue", r.tax_code)(v),
          ),
          moneyColumn(
            <Bi zh="运营方分成" en="Operator share" />,
            "operator_share",
            (v, r: Settlement["by_tax"][number]) => trace("operator_share", r.tax_code)(v),
          ),
          moneyColumn(<Bi zh="东道方分成" en="Host share" />, "host_share", (v, r: Settlement["by_tax"][number]) =>
            trace("host_share", r.tax_code)(v),
          ),
          moneyColumn(<Bi zh="不分成" en="Not shared" />, "not_shared"),
        ]}
        summary={() => (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0}>{t("合计", "Total")}</Table.Summary.Cell>
            <Table.Summary.Cell index={1} />
            {(["central_excluded", "local_revenue", "operator_share", "host_share", "not_shared"] as const).map(
              (k, i) => (
                <Table.Summary.Cell index={2 + i} key={k} align="right">
                  <Money value={s.totals[k]} />
                </Table.Summary.Cell>
              ),
            )}
          </Table.Summary.Row>
        )}
      />
      {s.prior_year_adjustments.length > 0 && (
        <Table
          size="small"
          pagination={false}
          rowKey={(r) => `${r.origin_year}-${r.tax_code}`}
          dataSource={s.prior_year_adjustments}
          caption={t("以前年度调整", "Prior-year adjustments")}
          columns={[
            { title: <Bi zh="所属年度" en="Origin year" />, dataIndex: "origin_year", key: "y" },
            {
              title: <Bi zh="税种" en="Tax" />,
              key: "tax",
              render: (_: unknown, r) => `${r.tax_name_zh} ${r.tax_code}`,
            },
            moneyColumn(<Bi zh="地方级收入" en="Local revenue" />, "local_revenue"),
            moneyColumn(<Bi zh="运营方分成" en="Operator share" />, "operator_share"),
            moneyColumn(<Bi zh="东道方分成" en="Host share" />, "host_share"),
          ]}
        />
      )}
      <Table
        size="small"
        pagination={false}
        rowKey={(r) => `${r.kind}-${r.tax_code}`}
        dataSource={s.refunds_and_adjustments}
        caption={t("退库及调整", "Refunds and adjustments")}
        columns={[
          { title: <Bi zh="类别" en="Kind" />, key: "kind", render: (_: unknown, r) => `${r.kind_name_zh} ${r.kind}` },
          { title: <Bi zh="税种" en="Tax" />, dataIndex: "tax_code", key: "tax" },
          { title: <Bi zh="笔数" en="Count" />, dataIndex: "count", key: "count", align: "right" },
          moneyColumn(<Bi zh="地方级收入" en="Local revenue" />, "local_revenue"),
          moneyColumn(<Bi zh="运营方分成" en="Operator share" />, "operator_share"),
        ]}
      />
      <Table
        size="small"
        pagination={false}
        rowKey={(r) => `${r.park ?? ""}-${r.effective_from}`}
        dataSource={s.agreements}
        caption={t("分成协议", "Agreements")}
        columns={[
          { title: <Bi zh="园区" en="Park" />, dataIndex: "park", key: "park", render: (v?: string) => v ?? s.park },
          { title: <Bi zh="生效日期" en="Effective from" />, dataIndex: "effective_from", key: "from" },
          {
            title: <Bi zh="运营方比例" en="Operator %" />,
            dataIndex: "operator_share_pct",
            key: "pct",
            align: "right",
          },
          { title: <Bi zh="说明" en="Note" />, dataIndex: "note", key: "note" },
        ]}
      />
      <Table
        size="small"
        pagination={false}
        rowKey="ref"
        dataSource={s.transfers}
        caption={t("拨付", "Transfers")}
        columns={[
          { title: <Bi zh="编号" en="Ref" />, dataIndex: "ref", key: "ref" },
          { title: <Bi zh="类别" en="Kind" />, dataIndex: "kind", key: "kind" },
          { title: <Bi zh="日期" en="Date" />, dataIndex: "transferred_on", key: "on" },
          moneyColumn(<Bi zh="金额" en="Amount" />, "amount"),
        ]}
      />
    </>
  );
}
