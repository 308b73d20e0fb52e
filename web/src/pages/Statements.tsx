// 结算单: the settlement statement's life in the browser. The prefecture issues an operator's annual
// statement (its figures frozen with their sha256) and resolves disputes; the operator confirms it or
// disputes named lines with a reason, and withdraws a dispute; everyone who may read it sees its
// events, who and when, and whether the books still say what it says (src/services/statements.ts).
import { App, Button, Descriptions, Input, Popover, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap, type StatementDetail, type StatementView } from "../api/client";
import { Bi, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useOperatorChoice } from "../components/OperatorPicker";
import { isHost, isOperator, localTime, useWorkspace } from "../workspace";

const STATE: Record<StatementView["state"], [string, string, string]> = {
  issued: ["待确认", "issued", "#1e40af"],
  disputed: ["有异议", "disputed", "#9a3412"],
  confirmed: ["已确认", "confirmed", "#166534"],
  superseded: ["已作废", "superseded", "#4b5563"],
};

const EVENT: Record<StatementDetail["events"][number]["kind"], [string, string]> = {
  confirm: ["确认", "confirmed"],
  dispute: ["异议", "disputed"],
  resolve: ["异议已处理", "dispute resolved"],
  withdraw: ["异议已撤回", "dispute withdrawn"],
  supersede: ["被新结算单取代", "superseded"],
};

/** A write's answer, or the API's refusal in its own words (it names the line, the dispute or what is stale). */
async function done(r: { data?: unknown; error?: unknown; response: Response }): Promise<void> {
  unwrap(r);
}

export default function StatementsPage() {
  const { me, year, t } = useWorkspace();
  const { message } = App.useApp();
  const { operator, picker } = useOperatorChoice();
  const parks = me.parks.filter((p) => p.operator === operator && p.operator !== p.host).map((p) => p.park);
  const [park, setPark] = useState<string | undefined>(undefined);
  const chosenPark = park !== undefined && parks.includes(park) ? park : parks[0];
  const [selected, setSelected] = useState<string | null>(null);
  const list = useLoad(
    async () =>
      (
        unwrap(await api.GET("/reports/statements", { params: { query: { year, operator: operator! } } })) as {
          statements: StatementView[];
        }
      ).statements,
    [year, operator],
  );
  const current = (list.data ?? []).find((s) => s.park === chosenPark && s.state !== "superseded");
  const shown = selected ?? current?.number ?? null;

  const issue = async () => {
    try {
      await done(await api.POST("/statements/issue", { body: { operator: operator!, park: chosenPark, year } }));
      void message.success(t("已出具结算单", "Statement issued"));
      setSelected(null);
      list.reload();
    } catch (e) {
      void message.error((e as Error).message);
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("结算单", "Settlement statements")} · {year}
      </Typography.Title>
      <Space wrap>
        {picker}
        {parks.length > 1 && (
          <Select
            aria-label={t("园区", "Park")}
            value={chosenPark}
            onChange={setPark}
            options={parks.map((p) => ({ value: p, label: p }))}
            style={{ width: 120 }}
          />
        )}
        {isHost(me) && chosenPark !== undefined && (
          <Button type="primary" onClick={() => void issue()} data-testid="statement-issue">
            {current === undefined ? t("出具结算单", "Issue the statement") : t("重新出具", "Issue again")}
          </Button>
        )}
      </Space>
      <Loading state={list}>
        {(statements) => (
          <Table<StatementView>
            size="small"
            rowKey="number"
            dataSource={statements}
            pagination={false}
            locale={{ emptyText: t("本年度尚未出具结算单", "No statement issued for this year") }}
            columns={[
              {
                title: <Bi zh="编号" en="Number" />,
                dataIndex: "number",
                key: "n",
                render: (n: string) => (
                  <Button type="link" size="small" onClick={() => setSelected(n)} data-testid={`statement-${n}`}>
                    {n}
                  </Button>
                ),
              },
              { title: <Bi zh="园区" en="Park" />, dataIndex: "park", key: "p" },
              {
                title: <Bi zh="状态" en="State" />,
                dataIndex: "state",
                key: "s",
                render: (s: StatementView["state"]) => <Tag color={STATE[s][2]}>{t(STATE[s][0], STATE[s][1])}</Tag>,
              },
              moneyColumn(<Bi zh="运营方分成" en="Operator share" />, "operator_share"),
              moneyColumn(<Bi zh="已划转" en="Transferred" />, "transferred"),
              moneyColumn(<Bi zh="应结余额" en="Balance due" />, "balance_due"),
              {
                title: <Bi zh="出具" en="Issued" />,
                key: "i",
                render: (_: unknown, s) => `${localTime(s.issued_at, "zh")} · ${s.issued_by.user ?? s.issued_by.party}`,
              },
            ]}
          />
        )}
      </Loading>
      {shown !== null && <Statement number={shown} onChange={list.reload} />}
    </Space>
  );
}

function Statement({ number, onChange }: { number: string; onChange: () => void }) {
  const { me, t, lang } = useWorkspace();
  const { message } = App.useApp();
  const state = useLoad(
    async () =>
      unwrap(await api.GET("/reports/statement", { params: { query: { number } } })) as unknown as StatementDetail,
    [number],
  );
  const run = async (write: () => Promise<void>, said: string) => {
    try {
      await write();
      void message.success(said);
      state.reload();
      onChange();
    } catch (e) {
      void message.error((e as Error).message);
    }
  };
  const own = isOperator(me);
  const prefecture = isHost(me);
  return (
    <Loading state={state}>
      {(s) => {
        const live = s.state !== "superseded";
        const lines = [
          ...s.statement.by_tax.map((r) => r.tax_code),
          ...Object.keys(s.statement.totals),
          "transfers",
          ...(s.statement.months ?? []).map((m) => m.month ?? "outside_year"),
          "prior_year_adjustments",
        ];
        return (
          <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="statement-detail">
            <Typography.Title level={2}>
              {t("结算单", "Statement")} {s.number}{" "}
              <Tag color={STATE[s.state][2]} data-testid="statement-state">
                {t(STATE[s.state][0], STATE[s.state][1])}
              </Tag>
            </Typography.Title>
            <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t("运营方分成", "Operator share")}>
                <Money value={s.operator_share} />
              </Descriptions.Item>
              <Descriptions.Item label={t("已划转", "Transferred")}>
                <Money value={s.transferred} />
              </Descriptions.Item>
              <Descriptions.Item label={t("应结余额", "Balance due")}>
                <Money value={s.balance_due} />
              </Descriptions.Item>
              <Descriptions.Item label={t("与账簿一致", "Agrees with the books")}>
                {s.matches_books ? (
                  <Tag color="#166534">{t("一致", "yes")}</Tag>
                ) : (
                  <Tag color="#991b1b" data-testid="statement-stale">
                    {t("账簿已变：", "The books changed: ")}
                    {s.differing_lines.join(", ")}
                  </Tag>
                )}
              </Descriptions.Item>
              <Descriptions.Item label="sha256">
                <code>{s.content_sha256}</code> {s.hash_intact ? "" : t("（内容与哈希不符）", "(does not hash)")}
              </Descriptions.Item>
              <Descriptions.Item label={t("出具", "Issued")}>
                {localTime(s.issued_at, lang)} · {s.issued_by.user ?? s.issued_by.party}
                {s.supersedes !== null ? ` · ${t("取代", "supersedes")} ${s.supersedes}` : ""}
              </Descriptions.Item>
            </Descriptions>
            {live && own && (
              <Space wrap>
                <Button
                  type="primary"
                  disabled={s.open_disputes.length > 0 || s.state === "confirmed"}
                  onClick={() =>
                    void run(
                      async () => done(await api.POST("/statements/confirm", { body: { number } })),
                      t("已确认", "Confirmed"),
                    )
                  }
                  data-testid="statement-confirm"
                >
                  {t("确认结算单", "Confirm the statement")}
                </Button>
                {s.state !== "confirmed" && (
                  <DisputeButton
                    lines={lines}
                    onDispute={(line, reason) =>
                      void run(
                        async () => done(await api.POST("/statements/dispute", { body: { number, line, reason } })),
                        t("已提出异议", "Disputed"),
                      )
                    }
                  />
                )}
              </Space>
            )}
            <Table
              size="small"
              rowKey="seq"
              pagination={false}
              dataSource={s.events}
              locale={{ emptyText: t("尚无确认或异议", "Neither confirmed nor disputed yet") }}
              columns={[
                { title: "#", dataIndex: "seq", key: "seq", align: "right" },
                {
                  title: <Bi zh="事项" en="Event" />,
                  key: "k",
                  render: (_: unknown, e) =>
                    `${t(EVENT[e.kind][0], EVENT[e.kind][1])}${e.dispute !== null ? ` #${e.dispute}` : ""}`,
                },
                {
                  title: <Bi zh="行" en="Lines" />,
                  key: "l",
                  render: (_: unknown, e) => (e.lines ?? []).join(", "),
                },
                { title: <Bi zh="理由/说明" en="Reason / note" />, dataIndex: "reason", key: "r" },
                {
                  title: <Bi zh="经办" en="By" />,
                  key: "b",
                  render: (_: unknown, e) =>
                    `${e.recorded_by.user ?? e.recorded_by.party} · ${localTime(e.recorded_at, lang)}`,
                },
                {
                  title: <Bi zh="操作" en="Action" />,
                  key: "a",
                  render: (_: unknown, e) =>
                    live && e.kind === "dispute" && s.open_disputes.includes(e.seq) ? (
                      own ? (
                        <Button
                          size="small"
                          onClick={() =>
                            void run(
                              async () =>
                                done(await api.POST("/statements/withdraw", { body: { number, dispute: e.seq } })),
                              t("已撤回", "Withdrawn"),
                            )
                          }
                        >
                          {t("撤回异议", "Withdraw")}
                        </Button>
                      ) : prefecture ? (
                        <ResolveButton
                          seq={e.seq}
                          onResolve={(note, transfer) =>
                            void run(
                              async () =>
                                done(
                                  await api.POST("/statements/resolve", {
                                    body: { number, dispute: e.seq, note, ...(transfer !== "" ? { transfer } : {}) },
                                  }),
                                ),
                              t("已处理", "Resolved"),
                            )
                          }
                        />
                      ) : null
                    ) : null,
                },
              ]}
            />
          </Space>
        );
      }}
    </Loading>
  );
}

function DisputeButton({
  lines,
  onDispute,
}: {
  lines: string[];
  onDispute: (lines: string[], reason: string) => void;
}) {
  const { t } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [reason, setReason] = useState("");
  return (
    <Popover
      open={open}
      onOpenChange={setOpen}
      trigger="click"
      title={t("对哪些行有异议，为什么", "Which lines, and why")}
      content={
        <Space direction="vertical" style={{ width: 320 }}>
          <Select
            mode="multiple"
            aria-label={t("有异议的行", "Lines disputed")}
            value={chosen}
            onChange={setChosen}
            options={lines.map((l) => ({ value: l, label: l }))}
            style={{ width: "100%" }}
            data-testid="dispute-lines"
          />
          <Input.TextArea
            aria-label={t("理由", "Reason")}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={3}
            maxLength={2000}
            data-testid="dispute-reason"
          />
          <Button
            danger
            disabled={chosen.length === 0 || reason.trim() === ""}
            onClick={() => {
              setOpen(false);
              onDispute(chosen, reason.trim());
            }}
            data-testid="dispute-send"
          >
            {t("提出异议", "Dispute")}
          </Button>
        </Space>
      }
    >
      <Button danger data-testid="statement-dispute">
        {t("提出异议", "Dispute lines")}
      </Button>
    </Popover>
  );
}

function ResolveButton({ seq, onResolve }: { seq: number; onResolve: (note: string, transfer: string) => void }) {
  const { t } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const [transfer, setTransfer] = useState("");
  return (
    <Popover
      open={open}
      onOpenChange={setOpen}
      trigger="click"
      title={t(`处理异议 #${seq}`, `Resolve dispute #${seq}`)}
      content={
        <Space direction="vertical" style={{ width: 320 }}>
          <Input.TextArea
            aria-label={t("处理说明", "How it was resolved")}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            rows={3}
            maxLength={2000}
            data-testid="resolve-note"
          />
          <Input
            aria-label={t("所依据的划转编号（可选）", "The transfer that resolved it (optional)")}
            placeholder={t("划转编号（可选）", "transfer ref (optional)")}
            value={transfer}
            onChange={(e) => setTransfer(e.target.value)}
          />
          <Button
            type="primary"
            disabled={note.trim() === ""}
            onClick={() => {
              setOpen(false);
              onResolve(note.trim(), transfer.trim());
            }}
            data-testid="resolve-send"
          >
            {t("处理", "Resolve")}
          </Button>
        </Space>
      }
    >
      <Button size="small" data-testid={`resolve-${seq}`}>
        {t("处理", "Resolve")}
      </Button>
    </Popover>
  );
}
