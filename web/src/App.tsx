// The web workspace: sign-in, then the pages of the signed-in party, each from the /v1 API under the
// same access rules as any token (docs/web.md). Pages are loaded on demand.
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Select, Space, Spin, Tag, Typography } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { api, type Me } from "./api/client";
import { SignIn } from "./pages/SignIn";
import {
  isHost,
  readsAllMoney,
  readsMoney,
  useLocation,
  WorkspaceContext,
  type Lang,
  type Workspace,
} from "./workspace";

const load = {
  overview: () => import("./pages/Overview"),
  settlement: () => import("./pages/Settlement"),
  settlementPrint: () => import("./pages/SettlementPrint"),
  reconciliation: () => import("./pages/Reconciliation"),
  indicators: () => import("./pages/Indicators"),
  commitments: () => import("./pages/Commitments"),
  suspense: () => import("./pages/Suspense"),
  trialBalance: () => import("./pages/TrialBalance"),
  trace: () => import("./pages/Trace"),
  statements: () => import("./pages/Statements"),
};
const Overview = lazy(load.overview);
const Settlement = lazy(load.settlement);
const SettlementPrint = lazy(load.settlementPrint);
const Reconciliation = lazy(load.reconciliation);
const Indicators = lazy(load.indicators);
const Commitments = lazy(load.commitments);
const SuspensePage = lazy(load.suspense);
const TrialBalance = lazy(load.trialBalance);
const Trace = lazy(load.trace);
const Statements = lazy(load.statements);

/**
 * Once the first page is up and the browser is idle, the code of the other pages is fetched, so a
 * click on a menu item or a figure does not wait for it (the first download stays small), and the
 * styles of the components only later pages draw are written (components/Warmup.tsx).
 */
function whenIdle(then: () => void): void {
  if ("requestIdleCallback" in window) window.requestIdleCallback(then, { timeout: 3000 });
  else setTimeout(then, 1000);
}
function loadPages(): void {
  for (const page of Object.values(load)) void page().catch(() => undefined);
}
const Warmup = lazy(() => import("./components/Warmup"));

interface PageDef {
  path: string;
  zh: string;
  en: string;
  may: (me: Me) => boolean;
}

const PAGES: PageDef[] = [
  { path: "/", zh: "概览", en: "Overview", may: readsMoney },
  { path: "/settlement", zh: "分成核算表", en: "Settlement", may: readsMoney },
  { path: "/reconciliation", zh: "对账", en: "Reconciliation", may: readsMoney },
  { path: "/statements", zh: "结算单", en: "Statements", may: readsMoney },
  { path: "/indicators", zh: "指标", en: "Indicators", may: () => true },
  { path: "/commitments", zh: "约束性指标", en: "Commitments", may: () => true },
  // held in suspense belongs to no park: the prefecture's and the auditors' (an operator is not asked)
  { path: "/suspense", zh: "待查收入", en: "Suspense", may: readsAllMoney },
  { path: "/trial-balance", zh: "试算平衡表", en: "Trial balance", may: readsMoney },
];

/** Ant Design's defaults, darker where their contrast is below WCAG AA (4.5:1) on white. */
const THEME = {
  token: {
    colorPrimary: "#1d4ed8",
    colorLink: "#1d4ed8",
    colorError: "#b91c1c",
    colorTextSecondary: "rgba(0, 0, 0, 0.68)",
    colorTextTertiary: "rgba(0, 0, 0, 0.62)",
    colorTextDescription: "rgba(0, 0, 0, 0.62)",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.58)",
  },
};

const thisYear = new Date().getFullYear();
/** The settlement is annual: the year just ended is the one worked on, and the years before it. */
const YEARS = Array.from({ length: 6 }, (_, i) => thisYear - i);

function yearOf(url: URL): number {
  const y = Number(url.searchParams.get("year"));
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : thisYear - 1;
}

export function App() {
  const [url, navigate] = useLocation();
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem("plk_lang") === "en" ? "en" : "zh"));
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [year, setYearState] = useState(() => yearOf(url));
  const t = useCallback((zh: string, en: string) => (lang === "zh" ? zh : en), [lang]);

  const loadMe = useCallback(async () => {
    const r = await api.GET("/me");
    setMe(r.response.ok && r.data !== undefined ? r.data : null);
  }, []);
  useEffect(() => {
    void loadMe();
  }, [loadMe]);
  const [warm, setWarm] = useState(false);
  useEffect(() => {
    if (me)
      whenIdle(() => {
        loadPages();
        setWarm(true);
      });
  }, [me]);
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    localStorage.setItem("plk_lang", lang);
  }, [lang]);

  const setYear = useCallback(
    (y: number) => {
      setYearState(y);
      const next = new URL(window.location.href);
      next.searchParams.set("year", String(y));
      window.history.replaceState(null, "", next.pathname + next.search);
    },
    [setYearState],
  );

  const workspace = useMemo<Workspace | null>(
    () => (me ? { me, year, setYear, lang, t, navigate } : null),
    [me, year, setYear, lang, t, navigate],
  );

  const signOut = async () => {
    await api.DELETE("/session");
    setMe(null);
    navigate("/");
  };

  let body;
  if (me === undefined)
    body = (
      <div className="plk-center">
        <Spin />
      </div>
    );
  else if (me === null || workspace === null)
    body = <SignIn lang={lang} setLang={setLang} onSignedIn={() => void loadMe()} />;
  else if (url.pathname === "/settlement/print")
    body = (
      <WorkspaceContext.Provider value={workspace}>
        <Suspense fallback={<Spin />}>
          <SettlementPrint />
        </Suspense>
      </WorkspaceContext.Provider>
    );
  else {
    const allowed = PAGES.filter((p) => p.may(me));
    const home = allowed[0]?.path ?? "/indicators";
    const path = url.pathname === "/" && !readsMoney(me) ? home : url.pathname;
    const page = pageFor(path, me);
    body = (
      <WorkspaceContext.Provider value={workspace}>
        <Layout className="plk-layout">
          <Layout.Header className="plk-header">
            <Typography.Text strong className="plk-brand">
              {t("准东园中园分成台账", "Zhundong park ledger")}
            </Typography.Text>
            <Space wrap>
              <label htmlFor="plk-year" className="plk-label">
                {t("年度", "Year")}
              </label>
              <Select
                id="plk-year"
                value={year}
                onChange={setYear}
                options={YEARS.map((y) => ({ value: y, label: String(y) }))}
                style={{ width: 96 }}
                aria-label={t("年度", "Year")}
              />
              <Tag color="#1e40af" data-testid="party">
                {partyLabel(me, t)}
              </Tag>
              <Button
                size="small"
                onClick={() => setLang(lang === "zh" ? "en" : "zh")}
                lang={lang === "zh" ? "en" : "zh-CN"}
              >
                {lang === "zh" ? "English" : "中文"}
              </Button>
              <Button size="small" onClick={() => void signOut()}>
                {t("退出", "Sign out")}
              </Button>
            </Space>
          </Layout.Header>
          <Layout>
            <Layout.Sider width={180} className="plk-sider" breakpoint="md" collapsedWidth={0}>
              <nav aria-label={t("页面", "Pages")}>
                <Menu
                  mode="inline"
                  selectedKeys={[path]}
                  items={allowed.map((p) => ({
                    key: p.path,
                    label: (
                      <a
                        href={`${p.path}?year=${year}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`${p.path}?year=${year}`);
                        }}
                      >
                        {t(p.zh, p.en)}
                      </a>
                    ),
                  }))}
                />
              </nav>
            </Layout.Sider>
            <Layout.Content className="plk-content">
              {/* Layout.Content is the page's <main> */}
              <Suspense fallback={<Spin />}>{page}</Suspense>
            </Layout.Content>
          </Layout>
        </Layout>
      </WorkspaceContext.Provider>
    );
  }

  return (
    <ConfigProvider locale={lang === "zh" ? zhCN : enUS} theme={THEME}>
      <AntApp>
        {body}
        {warm && (
          <Suspense fallback={null}>
            <Warmup />
          </Suspense>
        )}
      </AntApp>
    </ConfigProvider>
  );
}

function pageFor(path: string, me: Me) {
  const def = PAGES.find((p) => p.path === path);
  if (def !== undefined && !def.may(me)) return <NotHere />;
  switch (path) {
    case "/":
      return <Overview />;
    case "/settlement":
      return <Settlement />;
    case "/reconciliation":
      return <Reconciliation />;
    case "/indicators":
      return <Indicators />;
    case "/commitments":
      return <Commitments />;
    case "/suspense":
      return <SuspensePage />;
    case "/trial-balance":
      return <TrialBalance />;
    case "/trace":
      return <Trace />;
    case "/statements":
      return <Statements />;
    default:
      return <NotHere />;
  }
}

function NotHere() {
  return (
    <Typography.Paragraph>
      <Typography.Title level={1}>404</Typography.Title>
      这里没有页面 · There is no such page here.
    </Typography.Paragraph>
  );
}

function partyLabel(me: Me, t: (zh: string, en: string) => string): string {
  const names: Record<string, [string, string]> = {
    prefecture: ["昌吉州财政局", "Changji prefecture finance"],
    bingtuan: ["兵团财政局", "Bingtuan finance"],
    urumqi: ["乌鲁木齐市财政局", "Urumqi finance"],
    statistics: ["统计局", "Statistics bureau"],
    auditor: ["审计", "Auditor"],
  };
  const n = names[me.party];
  // an operator's own statistics bureau (兵团统计局): its party's name is its finance department's
  if (me.role === "statistics" && me.party !== "statistics" && n !== undefined)
    return t(`${n[0].replace(/财政局$/, "")}统计局`, `${n[1].replace(/ finance$/, "")} statistics bureau`);
  const role = isHost(me) ? t("（东道方）", " (host)") : "";
  return n === undefined ? `${me.party} · ${me.role}` : `${t(n[0], n[1])}${role}`;
}
