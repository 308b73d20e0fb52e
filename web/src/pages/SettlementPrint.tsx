// The settlement statement to print: A4 landscape, bilingual headers repeated on every page, page
// numbers in the page margin, the statement's number and date, and the signature block.
import { Alert, Button, Space } from "antd";
import { api, unwrap, type Settlement, type StatementDetail, type StatementView } from "../api/client";
import { Loading, useLoad } from "../components/common";
import { formatAmount } from "../money";
import { localTime, useWorkspace } from "../workspace";
import "./print.css";

export default function SettlementPrint() {
  const { year, t, navigate, lang } = useWorkspace();
  const params = new URL(window.location.href).searchParams;
  const operator = params.get("operator") ?? "";
  const park = params.get("park") ?? undefined;
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/reports/settlement", {
          params: { query: { year, operator, ...(park !== undefined ? { park } : {}) } },
        }),
      ) as Settlement,
    [year, operator, park],
  );
  // the number is the issued statement's (结算单) when one says what the books say; else a draft's
  const issued = useLoad(async () => {
    const list = unwrap(await api.GET("/reports/statements", { params: { query: { year, operator } } })) as {
      statements: StatementView[];
    };
    const live = list.statements.find((x) => x.state !== "superseded" && (park === undefined || x.park === park));
    if (live === undefined) return null;
    return unwrap(
      await api.GET("/reports/statement", { params: { query: { number: live.number } } }),
    ) as unknown as StatementDetail;
  }, [year, operator, park]);
  const printedAt = localTime(new Date().toISOString(), lang);
  return (
    <main className="plk-print">
      <Space className="plk-noprint" style={{ marginBottom: 16 }}>
        <Button onClick={() => navigate(`/settlement?year=${year}&operator=${operator}`)}>{t("返回", "Back")}</Button>
        <Button type="primary" onClick={() => window.print()}>
          {t("打印", "Print")}
        </Button>
      </Space>
      {operator === "" ? (
        <Alert type="info" title={t("请选择运营方。", "Choose an operator.")} />
      ) : (
        <Loading state={state}>
          {(s) => {
            const statement = issued.data;
            const number =
              statement !== null && statement.matches_books
                ? statement.number
                : `草稿 draft${statement !== null ? ` (${statement.number} 后账簿已变 the books changed since)` : ""}`;
            const rows = s.by_tax;
            const money = (v: string) => <td className="num">{formatAmount(v)}</td>;
            return (
              <article>
                <header className="plk-print-head">
                  <h1>
                    {s.year}年度园中园税收分成核算表
                    <br />
                    <small lang="en">Revenue-sharing settlement statement {s.year}</small>
                  </h1>
                  <dl>
                    <dt>编号 No.</dt>
                    <dd data-testid="statement-no">{number}</dd>
                    {statement !== null && statement.matches_books && (
                      <>
                        <dt>确认 Confirmed</dt>
                        <dd data-testid="statement-state">
                          {statement.state === "confirmed" ? "已确认 confirmed" : "待确认 awaiting the operator"}
                        </dd>
                      </>
                    )}
                    <dt>日期 Date</dt>
                    <dd>{printedAt}</dd>
                    <dt>运营方 Operator</dt>
                    <dd>{s.operator}</dd>
                    <dt>东道方 Host</dt>
                    <dd>{s.host ?? "—"}</dd>
                    <dt>园区 Park</dt>
                    <dd>{s.park ?? (s.parks ?? []).join(", ")}</dd>
                    <dt>状态 Status</dt>
                    <dd>{s.status === "closed" ? `已结算 closed ${localTime(s.closed_at, lang)}` : "未结算 open"}</dd>
                  </dl>
                </header>
                <table className="plk-print-table">
                  <thead>
                    <tr>
                      <th scope="col">
                        税种
                        <br />
                        <span lang="en">Tax</span>
                      </th>
                      <th scope="col">
                        笔数
                        <br />
                        <span lang="en">Receipts</span>
                      </th>
                      <th scope="col">
                        上划中央
                        <br />
                        <span lang="en">Central</span>
                      </th>
                      <th scope="col">
                        地方级收入
                        <br />
                        <span lang="en">Local revenue</span>
                      </th>
                      <th scope="col">
                        运营方分成
                        <br />
                        <span lang="en">Operator share</span>
                      </th>
                      <th scope="col">
                        东道方分成
                        <br />
                        <span lang="en">Host share</span>
                      </th>
                      <th scope="col">
                        不分成
                        <br />
                        <span lang="en">Not shared</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.tax_code}>
                        <td>
                          {r.tax_name_zh} <span lang="en">{r.tax_name_en}</span>
                        </td>
                        <td className="num">{r.receipts}</td>
                        {money(r.central_excluded)}
                        {money(r.local_revenue)}
                        {money(r.operator_share)}
                        {money(r.host_share)}
                        {money(r.not_shared)}
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">合计 Total</th>
                      <td />
                      {money(s.totals.central_excluded)}
                      {money(s.totals.local_revenue)}
                      {money(s.totals.operator_share)}
                      {money(s.totals.host_share)}
                      {money(s.totals.not_shared)}
                    </tr>
                  </tfoot>
                </table>
                {s.prior_year_adjustments.length > 0 && (
                  <table className="plk-print-table plk-print-prior">
                    <caption>
                      其中：以前年度调整（已含在上表） Of which: prior-year adjustments (included above)
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">所属年度 税种 Year, tax</th>
                        <th scope="col" className="num">
                          笔数 Rows
                        </th>
                        <th scope="col" className="num">
                          中央 Central
                        </th>
                        <th scope="col" className="num">
                          地方 Local
                        </th>
                        <th scope="col" className="num">
                          运营方 Operator
                        </th>
                        <th scope="col" className="num">
                          东道方 Host
                        </th>
                        <th scope="col" className="num">
                          未分成 Not shared
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.prior_year_adjustments.map((r) => (
                        <tr key={`p-${r.origin_year}-${r.tax_code}`}>
                          <td>
                            {r.origin_year} {r.tax_name_zh}
                          </td>
                          <td className="num">{r.receipts}</td>
                          {money(r.central_excluded)}
                          {money(r.local_revenue)}
                          {money(r.operator_share)}
                          {money(r.host_share)}
                          {money(r.not_shared)}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                <table className="plk-print-summary">
                  <tbody>
                    <tr>
                      <th scope="row">已拨付（预拨−收回） Transferred</th>
                      {money(s.totals.transferred)}
                      <th scope="row">应补拨（退） Balance due</th>
                      {money(s.totals.balance_due)}
                    </tr>
                  </tbody>
                </table>
                <footer className="plk-signatures" data-testid="signatures">
                  <div>编制 Prepared by：</div>
                  <div>审核 Reviewed by：</div>
                  <div>负责人 Head：</div>
                  <div>盖章 Seal：</div>
                </footer>
              </article>
            );
          }}
        </Loading>
      )}
    </main>
  );
}
