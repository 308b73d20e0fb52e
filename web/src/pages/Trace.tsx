// Drill-down: the entries behind a figure, each with where it came from (the source file, its sha256
// and row, or the request, party and token), adding up to the figure (the API says whether they agree).
import { Alert, Descriptions, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { TraceAnswer } from "../api/client";
import { TOTALS_ONLY, TRACE_PAGE_SIZE, TRACE_PATHS, traceAnswer, traceTarget } from "../api/trace";
import { Bi, Downloads, Loading, Money, moneyColumn, useLoad } from "../components/common";
import { useWorkspace } from "../workspace";

type Entry = TraceAnswer["entries"][number];

export default function TracePage() {
  const { t } = useWorkspace();
  const params = new URL(window.location.href).searchParams;
  const { kind, query } = traceTarget(params);
  const path = TRACE_PATHS[kind];
  const [page, setPage] = useState({ current: 1, size: TRACE_PAGE_SIZE });
  const key = `${params.toString()}|${page.current}|${page.size}`;
  // a page of the entries at once, and apart from it every entry added up (a figure may stand on a
  // million: that reads all of its lines, and the page does not wait for it); the figure link asked
  // for the first page as it was clicked (api/trace.ts)
  const state = useLoad(
    () => traceAnswer(params, { limit: page.size, offset: (page.current - 1) * page.size, totals: "no" }),
    [key],
  );
  // the sum is asked for once the first page is in: adding a million entries up takes a core of the
  // database for a second, which the first page should not have to share
  const ready = state.data !== null;
  const summary = useLoad(
    () => (ready ? traceAnswer(params, TOTALS_ONLY) : new Promise<TraceAnswer>(() => undefined)),
    [params.toString(), ready],
  );
  const sum = summary.data;
  const quantity = kind === "indicators";
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1}>{t("构成明细", "Trace")}</Typography.Title>
      <Descriptions size="small" bordered column={{ xs: 1, md: 4 }}>
        {Object.entries(query).map(([k, v]) => (
          <Descriptions.Item key={k} label={k}>
            {v}
          </Descriptions.Item>
        ))}
      </Descriptions>
      <Downloads path={path} query={query} />
      <Loading state={state}>
        {(tr) => (
          <>
            <Space wrap size="large" data-testid="trace-head">
              <span>
                {t("数字", "Figure")}:{" "}
                <strong data-testid="trace-figure">{quantity ? tr.figure : <Money value={tr.figure} />}</strong>
              </span>
              {sum === null ? (
                <span data-testid="trace-adding">
                  {summary.error !== null ? summary.error.message : t("正在合计全部分录…", "Adding up every entry…")}
                </span>
              ) : (
                <>
                  <span>
                    {t("分录合计", "Entries add up to")}: <Money value={sum.total} />
                  </span>
                  <Tag color={sum.agrees ? "#166534" : "#991b1b"}>
                    {sum.agrees ? t("相符", "agrees") : t("不符", "does not agree")}
                  </Tag>
                  <span>
                    {sum.entry_count} {t("笔分录", "entries")}
                  </span>
                </>
              )}
            </Space>
            {sum !== null && sum.entry_count !== null && tr.entries.length < sum.entry_count && (
              <Alert
                type="info"
                title={t(
                  `第 ${tr.offset + 1}–${tr.offset + tr.entries.length} 笔，共 ${sum.entry_count} 笔；合计覆盖全部分录，下载可得全部。`,
                  `Entries ${tr.offset + 1}–${tr.offset + tr.entries.length} of ${sum.entry_count}; the total covers them all, and the downloads list them all.`,
                )}
              />
            )}
            <Table<Entry>
              size="small"
              rowKey="ordinal"
              dataSource={tr.entries}
              pagination={{
                current: page.current,
                pageSize: page.size,
                // until every entry is added up, as many as are known to be there
                total: sum?.entry_count ?? tr.offset + tr.entries.length + (tr.entries.length === page.size ? 1 : 0),
                showSizeChanger: true,
                pageSizeOptions: [50, 100, 500],
                onChange: (current, size) => setPage({ current: size === page.size ? current : 1, size }),
              }}
              columns={[
                { title: "#", dataIndex: "ordinal", key: "o", align: "right" },
                { title: <Bi zh="分录" en="Entry" />, dataIndex: "entry_id", key: "id" },
                { title: <Bi zh="类别" en="Kind" />, dataIndex: "kind", key: "k" },
                { title: <Bi zh="日期" en="Date" />, dataIndex: "effective_on", key: "d" },
                { title: <Bi zh="园区" en="Park" />, dataIndex: "park", key: "p" },
                { title: <Bi zh="税种" en="Tax" />, dataIndex: "tax_code", key: "t" },
                { title: <Bi zh="业务键" en="Key" />, dataIndex: "idempotency_key", key: "ik" },
                moneyColumn(<Bi zh="金额" en="Amount" />, "amount", (v) => (quantity ? v : <Money value={v} />)),
                {
                  title: <Bi zh="来源" en="Source" />,
                  key: "src",
                  render: (_: unknown, e) => <Source e={e} />,
                },
              ]}
            />
          </>
        )}
      </Loading>
    </Space>
  );
}

function Source({ e }: { e: Entry }) {
  const s = e.source ?? {};
  const parts = Object.entries(s).filter(([, v]) => v !== null && v !== undefined);
  return (
    <span className="plk-source" data-testid="source">
      {parts.map(([k, v]) => (
        <span key={k}>
          {k}: <code>{String(v)}</code>{" "}
        </span>
      ))}
      {e.posted_by ? (
        <span>
          posted_by: <code>{e.posted_by}</code>
        </span>
      ) : null}
    </span>
  );
}
