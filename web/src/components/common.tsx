// Pieces every page uses: a loading hook over the API, money shown exactly, links to a figure's
// trace, downloads in the API's other formats, and a calm answer to 403/404.
import { Alert, Button, Space, Spin } from "antd";
import { useEffect, useState, type ReactNode } from "react";
import { ApiError, downloadHref } from "../api/client";
import { prefetchTrace } from "../api/trace";
import { formatAmount, isNegative } from "../money";
import { useWorkspace } from "../workspace";

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when its keys change; keeps the error to show. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: Error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...keys, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** Loading, an error, or the page. */
export function Loading<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useWorkspace();
  if (state.error !== null) {
    const status = state.error instanceof ApiError ? state.error.status : 0;
    const message =
      status === 403 || status === 404
        ? t("您无权查看此内容，或它不存在。", "This is not yours to see, or it does not exist.")
        : status === 401
          ? t("登录已过期，请重新登录。", "Your session has ended: sign in again.")
          : state.error.message;
    return (
      <Alert
        type={status === 403 || status === 404 ? "info" : "error"}
        showIcon
        title={message}
        action={
          status === 401 ? (
            // the session ended (signed out elsewhere, expired, or the person's access taken away)
            <Button size="small" onClick={() => window.location.assign("/")}>
              {t("重新登录", "Sign in")}
            </Button>
          ) : undefined
        }
      />
    );
  }
  if (state.data === null)
    return (
      <div className="plk-center" aria-busy="true">
        <Spin />
      </div>
    );
  return <>{children(state.data)}</>;
}

/** A money figure, exactly as the API gave it, with thousands separators. */
export function Money({ value }: { value: string | null | undefined }) {
  return <span className={`plk-money${isNegative(value) ? " plk-negative" : ""}`}>{formatAmount(value)}</span>;
}

/** Where a figure's trace is: the trace page's query. */
export type TraceQuery = Record<string, string | number | undefined>;

export function traceHref(kind: "settlement" | "indicators" | "account", query: TraceQuery): string {
  const q = new URLSearchParams({ kind });
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  return `/trace?${q.toString()}`;
}

/** A money figure that opens its trace: the entries and source rows adding up to it. */
export function FigureLink({
  value,
  kind,
  query,
  label,
}: {
  value: string | null | undefined;
  kind: "settlement" | "indicators" | "account";
  query: TraceQuery;
  label?: string;
}) {
  const { navigate, t } = useWorkspace();
  const href = traceHref(kind, query);
  return (
    <a
      href={href}
      className="plk-figure"
      title={t("查看构成：分录与来源", "Trace: the entries and sources")}
      aria-label={label !== undefined ? `${label} ${formatAmount(value)}` : undefined}
      onClick={(e) => {
        e.preventDefault();
        prefetchTrace(href);
        navigate(href);
      }}
    >
      <Money value={value} />
    </a>
  );
}

/** The view's downloads: the whole result in the API's xlsx and CSV. */
export function Downloads({ path, query }: { path: string; query: Record<string, string | number | undefined> }) {
  const { t } = useWorkspace();
  return (
    <Space>
      <Button href={downloadHref(path, query, "xlsx")} download data-testid="download-xlsx">
        {t("下载 Excel", "Download xlsx")}
      </Button>
      <Button href={downloadHref(path, query, "csv")} download data-testid="download-csv">
        {t("下载 CSV", "Download CSV")}
      </Button>
    </Space>
  );
}

/** A right-aligned money column for an AntD table. */
export function moneyColumn<T = unknown>(title: ReactNode, key: string, render?: (value: string, row: T) => ReactNode) {
  return {
    title,
    dataIndex: key,
    key,
    align: "right" as const,
    render: (value: string, row: T) => (render ? render(value, row) : <Money value={value} />),
  };
}

/** A bilingual table header: Chinese with English below. */
export function Bi({ zh, en }: { zh: string; en: string }) {
  return (
    <span className="plk-bi">
      {zh}
      <br />
      <small lang="en">{en}</small>
    </span>
  );
}
