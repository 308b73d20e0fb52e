// The web workspace as each party sees it, in Chromium (docs/web.md#tests): what a party sees and does
// not see down to the field (page text and downloaded files), a figure drilled down to its source row,
// a probable pair confirmed and the figures moving, the print page's layout, a download opened as a
// workbook, and no serious or critical accessibility violation (axe-core) on any page.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import ExcelJS from "exceljs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectLabel } from "../support/db.js";
import {
  apiJson,
  browserMissing,
  NO_SPINNER,
  open,
  type PageDocument,
  signIn,
  startWorkspace,
  YEAR,
  type Workspace,
} from "./support.js";

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** PLK_SCREENSHOTS=1 writes the pages' pictures to docs/screenshots (README); otherwise to a temporary folder. */
const SCREENSHOTS =
  process.env.PLK_SCREENSHOTS === "1"
    ? path.resolve("docs/screenshots")
    : fs.mkdtempSync(path.join(os.tmpdir(), "plk-screens-"));

interface Item {
  receipt_no: string;
  status: string;
  probable_counterpart: string | null;
  operator_share_effect: string;
}

/** Everything another operator has that an operator must never be shown. */
async function secretsOf(page: Page, operator: string, parks: string[]): Promise<string[]> {
  const r = await apiJson<{ items: Item[] }>(page, `/v1/reports/reconciliation?year=${YEAR}&operator=${operator}`);
  expect(r.status).toBe(200);
  return [...parks, ...r.body.items.slice(0, 300).map((i) => i.receipt_no)];
}

async function axeViolations(page: Page): Promise<string[]> {
  // evaluated by the browser's devtools protocol, as a page script the page's own CSP would refuse
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() => {
    const g = globalThis as unknown as { axe: { run: (c: unknown, o: object) => Promise<unknown> }; document: unknown };
    return g.axe.run(g.document, { resultTypes: ["violations"] });
  })) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")}`,
    );
}

async function download(page: Page, testid: string): Promise<Buffer> {
  const [d] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid=${testid}]`)]);
  return fs.readFileSync((await d.path())!);
}

describe.skipIf(browserMissing !== null)(`web workspace in Chromium (${dialectLabel}) ${browserMissing ?? ""}`, () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await startWorkspace();
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it("an operator sees its own park only: no other operator's parks, names or receipts on any page or file", async () => {
    const host = await signIn(w, "prefecture");
    const urumqiSecrets = await secretsOf(host.page, "urumqi", ["WZ", "乌准", "urumqi", "乌鲁木齐"]);
    const bingtuanSecrets = await secretsOf(host.page, "bingtuan", ["BZ", "兵准", "bingtuan"]);
    await host.context.close();

    for (const [name, secrets] of [
      ["bingtuan", urumqiSecrets],
      ["urumqi", bingtuanSecrets],
    ] as const) {
      const { context, page } = await signIn(w, name);
      const nav = await page.locator("nav").innerText();
      expect(nav).not.toContain("待查收入"); // suspense is not an operator's page
      for (const to of [
        "/",
        "/settlement",
        "/statements",
        "/reconciliation",
        "/indicators",
        "/commitments",
        "/trial-balance",
      ]) {
        await open(w, page, to);
        const text = await page.locator("body").innerText();
        // a jurisdiction's commitments name the parks its own projects are in, another's park too
        // (the API's view); the other operator's receipts are never there
        const hidden = to === "/commitments" ? secrets.filter((s) => s.startsWith("PZ")) : secrets;
        for (const s of hidden) expect(text.includes(s), `${name} ${to} shows ${s}`).toBe(false);
      }
      await open(w, page, "/reconciliation");
      const csv = (await download(page, "download-csv")).toString("utf8");
      const xlsx = await download(page, "download-xlsx");
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx as unknown as ArrayBuffer);
      const cells: string[] = [];
      book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((c) => cells.push(String(c.text)))));
      for (const s of secrets) {
        expect(csv.includes(s), `${name}'s CSV holds ${s}`).toBe(false);
        expect(
          cells.some((c) => c.includes(s)),
          `${name}'s workbook holds ${s}`,
        ).toBe(false);
      }
      // asked directly, the API refuses another's money: the page never asks
      const other = name === "bingtuan" ? "urumqi" : "bingtuan";
      expect((await apiJson(page, `/v1/reports/settlement?year=${YEAR}&operator=${other}`)).status).toBe(403);
      expect((await apiJson(page, `/v1/reports/suspense?year=${YEAR}`)).status).toBe(403);
      await context.close();
    }

    const stats = await signIn(w, "statistics");
    const nav = await stats.page.locator("nav").innerText();
    expect(nav).toContain("指标");
    expect(nav).not.toContain("分成核算表");
    await open(w, stats.page, "/indicators");
    expect(await stats.page.locator("main").innerText()).toMatch(/GDP[\s\S]*\d{1,3}(,\d{3})*\.\d{4}/);
    // English beside Chinese: the toggle switches the page and remembers it
    await stats.page.getByRole("button", { name: "English" }).click();
    expect(await stats.page.locator("main h1").innerText()).toMatch(/^Indicators/);
    expect(
      await stats.page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang,
      ),
    ).toBe("en");
    await stats.context.close();
    const prefecture = await signIn(w, "prefecture");
    expect(await prefecture.page.locator("nav").innerText()).toContain("待查收入");
    await prefecture.context.close();
  });

  it("drills from an operator-share figure down to source rows whose amounts add up to it", async () => {
    // an operator's trace lists its entries without the prefecture's files (the API's view): the
    // prefecture drills to the file, its sha256 and the row
    const operator = await signIn(w, "bingtuan");
    await open(w, operator.page, "/");
    await operator.page.waitForTimeout(600); // the charts' short animation
    await operator.page.screenshot({ path: path.join(SCREENSHOTS, "overview.png") });
    await operator.context.close();
    const { context, page } = await signIn(w, "prefecture");
    await open(w, page, "/?operator=bingtuan");
    const link = page.locator("[data-testid=figures] a.plk-figure").nth(1); // operator share
    const shown = (await link.innerText()).trim();
    await link.click();
    await page.waitForSelector("[data-testid=trace-figure]");
    await page.waitForFunction(NO_SPINNER);
    expect((await page.locator("[data-testid=trace-figure]").innerText()).trim()).toBe(shown);
    // the page of entries comes first; every entry is added up beside it
    await page.locator("[data-testid=trace-head]", { hasText: /相符|agrees/ }).waitFor({ timeout: 30_000 });
    const source = await page.locator("[data-testid=source]").first().innerText();
    expect(source).toMatch(/file: \S+\.csv/);
    expect(source).toMatch(/sha256: [0-9a-f]{64}/);
    expect(source).toMatch(/row: \d+/);
    // the first row's amount is on the page, and the API's entries add up to the figure shown
    const firstAmount = (
      await page.locator(".ant-table-tbody tr.ant-table-row").first().locator(".plk-money").first().innerText()
    ).trim();
    expect(firstAmount).toMatch(/^-?[\d,]+\.\d{2}$/);
    const trace = await apiJson<{ figure: string; total: string; agrees: boolean; entries: { amount: string }[] }>(
      page,
      `/v1/trace/settlement?year=${YEAR}&operator=bingtuan&figure=operator_share`,
    );
    let fen = 0n;
    for (const e of trace.body.entries) fen += BigInt(e.amount.replace(".", ""));
    expect((fen < 0n ? "-" : "") + (fen < 0n ? -fen : fen).toString().replace(/(\d{2})$/, ".$1")).toBe(
      trace.body.figure,
    );
    expect(shown.replace(/,/g, "")).toBe(trace.body.figure);
    await page.screenshot({ path: path.join(SCREENSHOTS, "trace.png") });
    await context.close();
  });

  it("confirms a probable pair and the figures move ", async () => {
    const { context, page } = await signIn(w, "prefecture");
    const before = await apiJson<{ summary: { probable_pairs: number }; items: Item[] }>(
      page,
      `/v1/reports/reconciliation?year=${YEAR}&operator=bingtuan`,
    );
    const pair = before.body.items.find((i) => i.probable_counterpart !== null && i.status === "missing_in_operator")!;
    await open(w, page, "/reconciliation");
    await page
      .locator("#plk-operator")
      .click()
      .catch(() => undefined);
    await page.keyboard.press("Escape");
    await page.getByRole("searchbox").fill(pair.receipt_no);
    await page.click(`[data-testid=confirm-${pair.receipt_no}]`);
    await page.locator(".ant-popconfirm .ant-btn-primary").click();
    await page.waitForFunction(
      (no) => {
        const d = (globalThis as unknown as { document: PageDocument }).document;
        return d.body.innerText.includes("确认一致") && d.querySelector(`[data-testid=confirm-${no}]`) === null;
      },
      pair.receipt_no,
      { timeout: 15_000 },
    );
    const after = await apiJson<{ summary: { probable_pairs: number }; items: Item[] }>(
      page,
      `/v1/reports/reconciliation?year=${YEAR}&operator=bingtuan`,
    );
    expect(after.body.summary.probable_pairs).toBe(before.body.summary.probable_pairs - 1);
    const decided = after.body.items.filter(
      (i) => i.receipt_no === pair.receipt_no || i.receipt_no === pair.probable_counterpart,
    );
    expect(decided.every((i) => i.status === "matched_by_decision" && i.operator_share_effect === "0.00")).toBe(true);
    await context.close();
  });

  it("takes a statement through its life: the operator disputes a line, the prefecture resolves it, the operator confirms", async () => {
    const number = `ZD-${YEAR}-bingtuan-BZ-01`;
    const operator = await signIn(w, "bingtuan");
    await open(w, operator.page, "/statements");
    const detail = operator.page.locator("[data-testid=statement-detail]");
    await detail.waitFor();
    expect(await detail.innerText()).toContain(number);
    expect(await operator.page.locator("[data-testid=statement-state]").innerText()).toBe("待确认");
    // the prefecture issues; an operator does not
    expect(await operator.page.locator("[data-testid=statement-issue]").count()).toBe(0);
    await operator.page.click("[data-testid=statement-dispute]");
    await operator.page.locator("[data-testid=dispute-lines]").click();
    await operator.page.keyboard.type("VAT");
    await operator.page.keyboard.press("Enter");
    await operator.page.keyboard.press("Escape");
    await operator.page.fill("[data-testid=dispute-reason]", "our treasury shows one VAT receipt more");
    await operator.page.click("[data-testid=dispute-send]");
    await operator.page.locator("[data-testid=statement-state]", { hasText: "有异议" }).waitFor();

    const host = await signIn(w, "prefecture");
    await open(w, host.page, "/statements?operator=bingtuan");
    const state = await apiJson<{ open_disputes: number[]; events: { kind: string; lines: string[] | null }[] }>(
      host.page,
      `/v1/reports/statement?number=${number}`,
    );
    expect(state.body.events).toMatchObject([{ kind: "dispute", lines: ["VAT"] }]);
    const seq = state.body.open_disputes[0]!;
    await host.page.click(`[data-testid=resolve-${seq}]`);
    await host.page.fill("[data-testid=resolve-note]", "checked with the treasury: the receipt is of 2026");
    await host.page.click("[data-testid=resolve-send]");
    await host.page.locator("[data-testid=statement-state]", { hasText: "待确认" }).waitFor();
    // the prefecture may not confirm for the operator: it is not offered
    expect(await host.page.locator("[data-testid=statement-confirm]").count()).toBe(0);
    await host.context.close();

    await open(w, operator.page, "/statements");
    await operator.page.click("[data-testid=statement-confirm]");
    await operator.page.locator("[data-testid=statement-state]", { hasText: "已确认" }).waitFor();
    const confirmed = await apiJson<{ state: string; events: { kind: string; recorded_by: { party: string } }[] }>(
      operator.page,
      `/v1/reports/statement?number=${number}`,
    );
    expect(confirmed.body.state).toBe("confirmed");
    expect(confirmed.body.events.map((e) => `${e.kind}:${e.recorded_by.party}`)).toEqual([
      "dispute:bingtuan",
      "resolve:prefecture",
      "confirm:bingtuan",
    ]);
    // the other operator's statement is not there for it
    const urumqi = await signIn(w, "urumqi");
    await open(w, urumqi.page, "/statements");
    expect(await urumqi.page.locator("main").innerText()).not.toContain("bingtuan");
    expect((await apiJson(urumqi.page, `/v1/reports/statement?number=${number}`)).status).toBe(404);
    await urumqi.context.close();
    await operator.context.close();
  });

  it("prints the settlement statement on A4 landscape: header row, signatures and all within the page", async () => {
    const { context, page } = await signIn(w, "prefecture");
    await page.setViewportSize({ width: 1123, height: 794 }); // A4 landscape at 96 dpi
    await open(w, page, "/settlement/print?operator=bingtuan");
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".plk-noprint").isVisible()).toBe(false);
    const thead = page.locator(".plk-print-table thead");
    expect(
      await page.evaluate(() => {
        const g = globalThis as unknown as {
          getComputedStyle: (e: unknown) => { display: string };
          document: PageDocument;
        };
        return g.getComputedStyle(g.document.querySelector(".plk-print-table thead")).display;
      }),
    ).toBe("table-header-group");
    expect(await thead.innerText()).toMatch(/税种[\s\S]*Tax[\s\S]*运营方分成[\s\S]*Operator share/);
    // the demo issued the statement, and the books still say what it says
    expect(await page.locator("[data-testid=statement-no]").innerText()).toBe(`ZD-${YEAR}-bingtuan-BZ-01`);
    const signatures = page.locator("[data-testid=signatures]");
    expect(await signatures.innerText()).toMatch(/编制[\s\S]*审核[\s\S]*负责人[\s\S]*盖章/);
    const box = (await signatures.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1123);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: PageDocument }).document.documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(1123);
    await page.screenshot({ path: path.join(SCREENSHOTS, "settlement-print.png"), fullPage: true });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await context.close();
  });

  it("downloads open as workbooks with every row the API lists", async () => {
    const { context, page } = await signIn(w, "prefecture");
    await open(w, page, "/suspense");
    const api = await apiJson<{ count: number; items: { receipt_no: string }[] }>(
      page,
      `/v1/reports/suspense?year=${YEAR}`,
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download(page, "download-xlsx")) as unknown as ArrayBuffer);
    const cells = new Set<string>();
    book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((c) => cells.add(String(c.text)))));
    expect(api.body.items.length).toBeGreaterThan(0);
    for (const i of api.body.items) expect(cells.has(i.receipt_no), i.receipt_no).toBe(true);
    const csv = (await download(page, "download-csv")).toString("utf8");
    for (const i of api.body.items) expect(csv).toContain(i.receipt_no);
    await context.close();
  });

  it("has no serious or critical accessibility violations on any page (axe-core)", async () => {
    const anonymous = await w.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const signInPage = await anonymous.newPage();
    await signInPage.goto(`${w.base}/`);
    await signInPage.waitForSelector("#signin_name");
    await signInPage.screenshot({ path: path.join(SCREENSHOTS, "sign-in.png") });
    expect(await axeViolations(signInPage), "sign-in").toEqual([]);
    await anonymous.close();

    const { context, page } = await signIn(w, "prefecture");
    const shots: Record<string, string> = {
      "/settlement": "settlement.png",
      "/reconciliation": "reconciliation.png",
      "/indicators": "indicators.png",
      "/statements?operator=bingtuan": "statements.png",
    };
    for (const to of [
      "/",
      "/settlement",
      "/settlement/print?operator=bingtuan",
      "/statements?operator=bingtuan",
      "/reconciliation",
      "/indicators",
      "/commitments",
      "/suspense",
      "/trial-balance",
      "/trace?kind=settlement&operator=bingtuan&figure=host_share",
    ]) {
      await open(w, page, to);
      if (shots[to] !== undefined) await page.waitForTimeout(600); // the charts' short animation
      if (shots[to] !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, shots[to]) });
      expect(await axeViolations(page), to).toEqual([]);
    }
    await context.close();
  });
});
