// 试算平衡表: debits and credits by account of one jurisdiction's books; each side traces to its entries.
import { Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { Bi, Downloads, FigureLink, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { isOperator, useWorkspace } from "../workspace";

interface Account {
  account: string;
  name_zh: string;
  name_en: string;
  opening_debit: string;
  opening_credit: string;
  debit: string;
  credit: string;
  closing_debit: string;
  closing_credit: string;
}
interface TB {
  accounts: Account[];
  totals: Omit<Account, "account" | "name_zh" | "name_en">;
  balanced: boolean;
  difference: string;
  indicator_books: { unit: string; accounts: Account[]; balanced: boolean }[];
}

export default function TrialBalancePage() {
  const { year, t, me } = useWorkspace();
  const choices = isOperator(me) ? [me.party] : [...new Set(me.parks.flatMap((p) => [p.host, p.operator]))].sort();
  const [jurisdiction, setJurisdiction] = useState<string | undefined>(choices[0]);
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/reports/trial-balance", { params: { query: { year, jurisdiction: jurisdiction! } } }),
      ) as unknown as TB,
    [year, jurisdiction],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("试算平衡表", "Trial balance")} · {year}
      </Typography.Title>
      <Space wrap>
        <label htmlFor="plk-jurisdiction">{t("账簿", "Books")}</label>
        <Select
          id="plk-jurisdiction"
          aria-label={t("账簿", "Books")}
          value={jurisdiction}
          onChange={setJurisdiction}
          style={{ width: 180 }}
          options={choices.map((j) => ({ value: j, label: j }))}
        />
        {jurisdiction !== undefined && <Downloads path="/reports/trial-balance" query={{ year, jurisdiction }} />}
      </Space>
      <Loading state={state}>
        {(tb) => (
          <>
            <Tag color={tb.balanced ? "#166534" : "#991b1b"}>
              {tb.balanced ? t("平衡", "Balanced") : t("不平衡", "Not balanced")} · {t("差额", "difference")}{" "}
              <Money value={tb.difference} />
            </Tag>
            <Table<Account>
              size="small"
              pagination={false}
              rowKey="account"
              dataSource={tb.accounts}
              caption={t("资金账户", "Money accounts")}
              columns={[
                {
                  title: <Bi zh="科目" en="Account" />,
                  key: "a",
                  render: (_: unknown, a) => `${t(a.name_zh, a.name_en)} (${a.account})`,
                },
                moneyColumn(<Bi zh="期初借方" en="Opening Dr" />, "opening_debit"),
                moneyColumn(<Bi zh="期初贷方" en="Opening Cr" />, "opening_credit"),
                moneyColumn(<Bi zh="本期借方" en="Debit" />, "debit", (v, a) => (
                  <FigureLink
                    value={v}
                    kind="account"
                    query={{ year, jurisdiction, account: a.account, figure: "debit" }}
                  />
                )),
                moneyColumn(<Bi zh="本期贷方" en="Credit" />, "credit", (v, a) => (
                  <FigureLink
                    value={v}
                    kind="account"
                    query={{ year, jurisdiction, account: a.account, figure: "credit" }}
                  />
                )),
                moneyColumn(<Bi zh="期末借方" en="Closing Dr" />, "closing_debit"),
                moneyColumn(<Bi zh="期末贷方" en="Closing Cr" />, "closing_credit"),
              ]}
              summary={() => (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0}>{t("合计", "Total")}</Table.Summary.Cell>
                  {(
                    ["opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"] as const
                  ).map((k, i) => (
                    <Table.Summary.Cell index={i + 1} key={k} align="right">
                      <Money value={tb.totals[k]} />
                    </Table.Summary.Cell>
                  ))}
                </Table.Summary.Row>
              )}
            />
            {tb.indicator_books.map((b) => (
              <Table<Account>
                key={b.unit}
                size="small"
                pagination={false}
                rowKey="account"
                dataSource={b.accounts}
                caption={`${t("指标账", "Indicator books")} · ${b.unit}`}
                columns={[
                  {
                    title: <Bi zh="科目" en="Account" />,
                    key: "a",
                    render: (_: unknown, a) => `${t(a.name_zh, a.name_en)}`,
                  },
                  moneyColumn(<Bi zh="本期借方" en="Debit" />, "debit"),
                  moneyColumn(<Bi zh="本期贷方" en="Credit" />, "credit"),
                  moneyColumn(<Bi zh="期末借方" en="Closing Dr" />, "closing_debit"),
                  moneyColumn(<Bi zh="期末贷方" en="Closing Cr" />, "closing_credit"),
                ]}
              />
            ))}
          </>
        )}
      </Loading>
    </Space>
  );
}
