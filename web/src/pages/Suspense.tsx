// 待查收入: receipts held in suspense (the prefecture's and the auditors'; no operator asks for it).
import { Space, Table, Typography } from "antd";
import { api, unwrap } from "../api/client";
import { Bi, Downloads, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useWorkspace } from "../workspace";

interface Held {
  receipt_no: string;
  uscc: string;
  enterprise: string | null;
  tax_code: string;
  collected_on: string;
  amount: string;
  refunded: string;
  held: string;
  reason: string;
}

export default function SuspensePage() {
  const { year, t } = useWorkspace();
  const state = useLoad(
    async () =>
      unwrap(await api.GET("/reports/suspense", { params: { query: { year } } })) as unknown as {
        count: number;
        total_held: string;
        items: Held[];
      },
    [year],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("待查收入", "Held in suspense")} · {year}
      </Typography.Title>
      <Downloads path="/reports/suspense" query={{ year }} />
      <Loading state={state}>
        {(s) => (
          <>
            <Typography.Text>
              {s.count} {t("笔，合计", "receipts, total")} <Money value={s.total_held} />
            </Typography.Text>
            <Table<Held>
              size="small"
              rowKey="receipt_no"
              dataSource={s.items}
              pagination={{ defaultPageSize: 50 }}
              columns={[
                { title: <Bi zh="票号" en="Receipt no." />, dataIndex: "receipt_no", key: "no" },
                { title: <Bi zh="统一社会信用代码" en="USCC" />, dataIndex: "uscc", key: "uscc" },
                { title: <Bi zh="企业" en="Enterprise" />, dataIndex: "enterprise", key: "e", render: (v) => v ?? "—" },
                { title: <Bi zh="税种" en="Tax" />, dataIndex: "tax_code", key: "tax" },
                { title: <Bi zh="入库日期" en="Collected" />, dataIndex: "collected_on", key: "on" },
                moneyColumn(<Bi zh="金额" en="Amount" />, "amount"),
                moneyColumn(<Bi zh="已退" en="Refunded" />, "refunded"),
                moneyColumn(<Bi zh="待查" en="Held" />, "held"),
                { title: <Bi zh="原因" en="Reason" />, dataIndex: "reason", key: "r" },
              ]}
            />
          </>
        )}
      </Loading>
    </Space>
  );
}
