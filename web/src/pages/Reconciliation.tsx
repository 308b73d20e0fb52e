// 对账: every item of the prefecture ↔ operator reconciliation with its status, filtered and searched,
// probable counterparts to confirm or reject, the share effect, and the current view to download.
import { App, Button, Input, Popconfirm, Popover, Select, Space, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { ApiError, api, postDecision, unwrap, type Reconciliation } from "../api/client";
import { Bi, Downloads, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useOperatorChoice } from "../components/OperatorPicker";
import { formatAmount, sumMoney } from "../money";
import { localTime, useWorkspace } from "../workspace";

type Item = Reconciliation["items"][number] & {
  /** From the decisions branch (issue 13): a person's decision on this item's probable pair. */
  decision?: {
    decision: string;
    party: string;
    user?: string | null;
    decided_at: string;
    reason?: string | null;
  } | null;
};

const STATUS: Record<string, [string, string, string]> = {
  matched: ["一致", "matched", "#166534"],
  matched_by_decision: ["确认一致", "matched by decision", "#155e75"],
  amount_mismatch: ["金额不符", "amount mismatch", "#9a3412"],
  missing_in_operator: ["运营方未记", "missing at operator", "#991b1b"],
  missing_in_prefecture: ["州未记", "missing at prefecture", "#9f1239"],
};

/** Reject asks why: a rejection is recorded with its reason. */
function RejectButton({ item, onReject }: { item: Item; onReject: (reason: string) => void }) {
  const { t } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  return (
    <Popover
      open={open}
      onOpenChange={setOpen}
      trigger="click"
      title={t("驳回理由", "Reason for rejecting")}
      content={
        <Space direction="vertical">
          <Input.TextArea
            aria-label={t("驳回理由", "Reason for rejecting")}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            maxLength={500}
          />
          <Button
            size="small"
            danger
            disabled={reason.trim() === ""}
            onClick={() => {
              setOpen(false);
              onReject(reason.trim());
            }}
          >
            {t("驳回", "Reject")}
          </Button>
        </Space>
      }
    >
      <Button size="small" danger data-testid={`reject-${item.receipt_no}`}>
        {t("驳回", "Reject")}
      </Button>
    </Popover>
  );
}

export default function ReconciliationPage() {
  const { year, t } = useWorkspace();
  const { operator, picker } = useOperatorChoice();
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/reports/reconciliation", { params: { query: { year, operator: operator! } } }),
      ) as Reconciliation,
    [year, operator],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>
        {t("对账", "Reconciliation")} · {year}
      </Typography.Title>
      <Space wrap>
        {picker}
        {operator !== undefined && <Downloads path="/reports/reconciliation" query={{ year, operator }} />}
      </Space>
      <Loading state={state}>{(r) => <Worklist r={r} operator={operator!} reload={state.reload} />}</Loading>
    </Space>
  );
}

function Worklist({ r, operator, reload }: { r: Reconciliation; operator: string; reload: () => void }) {
  const { t, year, lang } = useWorkspace();
  const { message } = App.useApp();
  const [status, setStatus] = useState<string>("all");
  const [search, setSearch] = useState("");
  const items = r.items as Item[];
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase().replace(/,/g, "");
    return items.filter(
      (i) =>
        (status === "all" || (status === "probable" ? i.probable_counterpart !== null : i.status === status)) &&
        (q === "" ||
          [
            i.receipt_no,
            i.uscc,
            i.collected_on,
            i.prefecture_amount ?? "",
            i.operator_amount ?? "",
            i.probable_counterpart ?? "",
          ].some((f) => f.toLowerCase().includes(q))),
    );
  }, [items, status, search]);

  const decide = async (item: Item, decision: "confirm" | "reject", reason?: string) => {
    // the pair is the prefecture's receipt (missing at the operator) and the operator's statement row
    const own = item.status === "missing_in_prefecture";
    try {
      await postDecision({
        operator,
        ...(r.park !== null ? { park: r.park } : {}),
        year,
        receipt_no: own ? item.probable_counterpart! : item.receipt_no,
        counterpart_no: own ? item.receipt_no : item.probable_counterpart!,
        decision,
        ...(reason !== undefined ? { reason } : {}),
      });
      void message.success(decision === "confirm" ? t("已确认", "Confirmed") : t("已驳回", "Rejected"));
      reload();
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 0;
      void message.error(
        status === 404
          ? t("此服务尚不支持对账决定。", "This server does not record decisions yet.")
          : (e as Error).message,
      );
    }
  };

  const exportCsv = () => {
    // the current view, as shown: text fields quoted, money as the API gave it
    const head = [
      "receipt_no",
      "status",
      "prefecture_amount",
      "operator_amount",
      "uscc",
      "tax_code",
      "collected_on",
      "operator_share_effect",
      "probable_counterpart",
    ];
    // text a spreadsheet would run as a formula gets a leading quote; an amount (-12.34) stays a number
    const cell = (v: string | null) =>
      v === null ? "" : /^-?\d+(\.\d+)?$/.test(v) ? v : `"${v.replace(/"/g, '""').replace(/^([=+\-@\t\r])/, "'$1")}"`;
    const lines = [
      head.join(","),
      ...shown.map((i) =>
        [
          i.receipt_no,
          i.status,
          i.prefecture_amount,
          i.operator_amount,
          i.uscc,
          i.tax_code,
          i.collected_on,
          i.operator_share_effect,
          i.probable_counterpart,
        ]
          .map((v) => cell(v))
          .join(","),
      ),
    ];
    const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `reconciliation-${operator}-${year}-view.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const s = r.summary;
  return (
    <>
      <Space wrap size="large" data-testid="recon-summary">
        {Object.entries(STATUS).map(([k, [zh, en, color]]) => (
          <Tag key={k} color={color}>
            {t(zh, en)}:{" "}
            {(s as Record<string, unknown>)[k] === undefined
              ? items.filter((i) => i.status === k).length
              : String((s as Record<string, unknown>)[k])}
          </Tag>
        ))}
        <span>
          {t("疑似对应", "Probable pairs")}: {s.probable_pairs}
        </span>
        <span>
          {t("差额", "Difference")}: <Money value={s.difference} />
        </span>
        <span>
          {t("运营方分成影响", "Operator share effect")}: <Money value={s.operator_share_difference} />
        </span>
      </Space>
      <Space wrap>
        <label htmlFor="plk-status">{t("状态", "Status")}</label>
        <Select
          id="plk-status"
          aria-label={t("状态", "Status")}
          value={status}
          onChange={setStatus}
          style={{ width: 200 }}
          options={[
            { value: "all", label: t("全部", "All") },
            { value: "probable", label: t("有疑似对应", "With a probable pair") },
            ...Object.entries(STATUS).map(([k, [zh, en]]) => ({ value: k, label: t(zh, en) })),
          ]}
        />
        <Input.Search
          aria-label={t("搜索", "Search")}
          placeholder={t("统一社会信用代码、票号、金额、日期", "USCC, receipt number, amount, date")}
          allowClear
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 320 }}
        />
        <Button onClick={exportCsv} data-testid="export-view">
          {t("导出当前视图 CSV", "Export this view (CSV)")}
        </Button>
        <span data-testid="shown-count">
          {shown.length} / {items.length} · {t("影响合计", "effect")}{" "}
          {formatAmount(sumMoney(shown.map((i) => i.operator_share_effect)))}
        </span>
      </Space>
      <Table<Item>
        size="small"
        rowKey={(i) => `${i.receipt_no}|${i.status}`}
        dataSource={shown}
        pagination={{ defaultPageSize: 50, showSizeChanger: true }}
        columns={[
          { title: <Bi zh="票号" en="Receipt no." />, dataIndex: "receipt_no", key: "no" },
          {
            title: <Bi zh="状态" en="Status" />,
            dataIndex: "status",
            key: "status",
            render: (v: string, i) => (
              <>
                <Tag color={STATUS[v]?.[2]}>{STATUS[v] ? t(STATUS[v][0], STATUS[v][1]) : v}</Tag>
                {i.decision && (
                  <small>
                    {i.decision.decision === "confirm" ? t("已确认", "confirmed") : t("已驳回", "rejected")} ·{" "}
                    {i.decision.party}
                    {i.decision.user ? `/${i.decision.user}` : ""} · {localTime(i.decision.decided_at, lang)}
                  </small>
                )}
              </>
            ),
          },
          moneyColumn(<Bi zh="州金额" en="Prefecture" />, "prefecture_amount"),
          moneyColumn(<Bi zh="运营方金额" en="Operator" />, "operator_amount"),
          { title: <Bi zh="统一社会信用代码" en="USCC" />, dataIndex: "uscc", key: "uscc" },
          { title: <Bi zh="税种" en="Tax" />, dataIndex: "tax_code", key: "tax" },
          { title: <Bi zh="入库日期" en="Collected" />, dataIndex: "collected_on", key: "on" },
          moneyColumn(<Bi zh="分成影响" en="Share effect" />, "operator_share_effect"),
          {
            title: <Bi zh="疑似对应" en="Probable counterpart" />,
            key: "pair",
            render: (_: unknown, i) =>
              i.probable_counterpart === null ? null : (
                <Space size="small" wrap>
                  <span>{i.probable_counterpart}</span>
                  <Popconfirm
                    title={t(
                      `确认 ${i.receipt_no} 与 ${i.probable_counterpart} 为同一笔？`,
                      `Confirm ${i.receipt_no} and ${i.probable_counterpart} are one receipt?`,
                    )}
                    onConfirm={() => void decide(i, "confirm")}
                  >
                    <Button size="small" type="primary" data-testid={`confirm-${i.receipt_no}`}>
                      {t("确认", "Confirm")}
                    </Button>
                  </Popconfirm>
                  <RejectButton item={i} onReject={(reason) => void decide(i, "reject", reason)} />
                </Space>
              ),
          },
        ]}
      />
    </>
  );
}
