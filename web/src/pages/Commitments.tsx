// 约束性指标: the carbon and pollutant quotas each jurisdiction provides, per park, and the projects.
import { Space, Table, Typography } from "antd";
import { api, unwrap } from "../api/client";
import { Bi, Downloads, Loading, useLoad } from "../components/common";
import { formatAmount } from "../money";
import { isOperator, isOperatorBureau, useWorkspace } from "../workspace";

interface Kind {
  code: string;
  name_zh: string;
  name_en: string;
  unit: string;
  unit_zh: string;
}
interface Commitments {
  quota_kinds: Kind[];
  commitments: { jurisdiction: string; park: string; projects: number; quotas: Record<string, string> }[];
  totals: { jurisdiction: string; projects: number; quotas: Record<string, string> }[];
  projects: {
    project_no: string;
    version: number;
    name: string;
    park: string;
    origin: string;
    charged_to: string;
    start_on: string;
    quotas: Record<string, string>;
  }[];
}

export default function CommitmentsPage() {
  const { year, t, me } = useWorkspace();
  // an operator reads the quotas it provides
  const jurisdiction = isOperator(me) || isOperatorBureau(me) ? me.party : undefined;
  const query = { year, ...(jurisdiction !== undefined ? { jurisdiction } : {}) };
  const state = useLoad(
    async () => unwrap(await api.GET("/reports/commitments", { params: { query } })) as unknown as Commitments,
    [year, jurisdiction],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("约束性指标", "Commitments")} · {year}
      </Typography.Title>
      <Downloads path="/reports/commitments" query={query} />
      <Loading state={state}>
        {(c) => {
          const quotaColumns = c.quota_kinds.map((k) => ({
            title: <Bi zh={`${k.name_zh}（${k.unit_zh}）`} en={`${k.name_en} (${k.unit})`} />,
            key: k.code,
            align: "right" as const,
            render: (_: unknown, r: { quotas: Record<string, string> }) => formatAmount(r.quotas[k.code] ?? null),
          }));
          return (
            <>
              <Table
                size="small"
                pagination={false}
                caption={t("按承担方与园区", "By jurisdiction and park")}
                rowKey={(r) => `${r.jurisdiction}-${r.park}`}
                dataSource={c.commitments}
                columns={[
                  { title: <Bi zh="承担方" en="Jurisdiction" />, dataIndex: "jurisdiction", key: "j" },
                  { title: <Bi zh="园区" en="Park" />, dataIndex: "park", key: "p" },
                  { title: <Bi zh="项目数" en="Projects" />, dataIndex: "projects", key: "n", align: "right" },
                  ...quotaColumns,
                ]}
              />
              <Table
                size="small"
                pagination={false}
                caption={t("按承担方合计", "Totals by jurisdiction")}
                rowKey="jurisdiction"
                dataSource={c.totals}
                columns={[
                  { title: <Bi zh="承担方" en="Jurisdiction" />, dataIndex: "jurisdiction", key: "j" },
                  { title: <Bi zh="项目数" en="Projects" />, dataIndex: "projects", key: "n", align: "right" },
                  ...quotaColumns,
                ]}
              />
              <Table
                size="small"
                pagination={false}
                caption={t("项目", "Projects")}
                rowKey={(r) => `${r.project_no}-${r.version}`}
                dataSource={c.projects}
                columns={[
                  { title: <Bi zh="项目编号" en="Project" />, dataIndex: "project_no", key: "no" },
                  { title: <Bi zh="名称" en="Name" />, dataIndex: "name", key: "name" },
                  { title: <Bi zh="园区" en="Park" />, dataIndex: "park", key: "park" },
                  { title: <Bi zh="承担方" en="Charged to" />, dataIndex: "charged_to", key: "c" },
                  { title: <Bi zh="开始" en="Start" />, dataIndex: "start_on", key: "s" },
                  ...quotaColumns,
                ]}
              />
            </>
          );
        }}
      </Loading>
    </Space>
  );
}
