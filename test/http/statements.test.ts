// Settlement statements over HTTP, with the party rules: the prefecture issues and resolves, only the
// operator confirms, disputes and withdraws, and only its own (the prefecture may not confirm for it);
// the auditors read and write nothing; an operator is told of another's statement exactly what it is
// told of none, and its answers carry nothing of another operator, field by field.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";
import { CALLERS, testApp, type Caller, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;

const BT = "ZD-2025-bingtuan-BZ-01";
const UR = "ZD-2025-urumqi-WZ-01";

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["H-BZ-1", uscc(1), "VAT", "2025-02-10", "1111.11", "gross", "", ""],
    ["H-WZ-1", uscc(11), "CIT", "2025-03-10", "7777.77", "local", "", ""],
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  // a transfer to urumqi with a ref found nowhere else: bingtuan's answers never carry it
  const tr = await cli(
    db,
    "transfer",
    "--operator",
    "urumqi",
    "--amount",
    "123.45",
    "--on",
    "2025-04-01",
    "--ref",
    "URQ-SECRET-TR",
  );
  expect(tr.code, tr.stderr).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

const post = (caller: Caller, path: string, body: object) =>
  request(t.app).post(`/v1${path}`).set(t.auth(caller)).send(body);
const get = (caller: Caller, path: string) => request(t.app).get(`/v1${path}`).set(t.auth(caller));

describe(`settlement statements over HTTP (${dialectLabel})`, () => {
  it("only the prefecture issues; issuing again unchanged answers 200 with the same statement", async () => {
    for (const caller of ["bingtuan", "urumqi", "statistics", "auditor"] as const) {
      const res = await post(caller, "/statements/issue", { operator: "bingtuan", year: 2025 });
      expect(res.status, caller).toBe(403);
      expect(res.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    }
    const bt = await post("prefecture", "/statements/issue", { operator: "bingtuan", year: 2025 });
    expect(bt.status, JSON.stringify(bt.body)).toBe(201);
    expect(bt.body).toMatchObject({ number: BT, state: "issued", issued_by: { party: "prefecture" } });
    expect(bt.body.issued_by.token_id).toMatch(/^\d+$/);
    const again = await post("prefecture", "/statements/issue", { operator: "bingtuan", year: 2025 });
    expect([again.status, again.body.number]).toEqual([200, BT]);
    const ur = await post("prefecture", "/statements/issue", { operator: "乌鲁木齐", year: 2025 });
    expect([ur.status, ur.body.number]).toEqual([201, UR]);
    const bad = await post("prefecture", "/statements/issue", { operator: "bingtuan", year: 2025.5 });
    expect(bad.status).toBe(400);
  });

  it("the prefecture and the auditors may not confirm; an operator may not confirm another's, which reads as none", async () => {
    for (const caller of ["prefecture", "auditor", "statistics"] as const) {
      const res = await post(caller, "/statements/confirm", { number: BT });
      expect(res.status, caller).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const other = await post("urumqi", "/statements/confirm", { number: BT });
    const none = await post("urumqi", "/statements/confirm", { number: "ZD-2025-bingtuan-BZ-07" });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("statement_unknown");
    // alike but for the number the caller itself sent
    expect(JSON.stringify(other.body).replaceAll(BT, "N")).toBe(
      JSON.stringify(none.body).replaceAll("ZD-2025-bingtuan-BZ-07", "N"),
    );
    const read = await get("urumqi", `/reports/statement?number=${BT}`);
    const readNone = await get("urumqi", "/reports/statement?number=ZD-2025-bingtuan-BZ-07");
    expect([read.status, readNone.status]).toEqual([404, 404]);
    expect(JSON.stringify(read.body).replaceAll(BT, "N")).toBe(
      JSON.stringify(readNone.body).replaceAll("ZD-2025-bingtuan-BZ-07", "N"),
    );
    const d = await post("urumqi", "/statements/dispute", { number: BT, line: ["VAT"], reason: "x" });
    expect([d.status, d.body.error.code]).toEqual([404, "statement_unknown"]);
    const w = await post("urumqi", "/statements/withdraw", { number: BT, dispute: 1 });
    expect(w.status).toBe(404);
  });

  it("dispute by the operator, resolved by the prefecture with a transfer, then re-issued and confirmed", async () => {
    const unknownLine = await post("bingtuan", "/statements/dispute", { number: BT, line: ["XYZ"], reason: "x" });
    expect(unknownLine.status).toBe(422);
    expect(unknownLine.body.error).toMatchObject({ code: "statement_line_unknown", details: { field: "line" } });
    const blank = await post("bingtuan", "/statements/dispute", { number: BT, line: ["VAT"], reason: "  " });
    expect(blank.status).toBe(400);
    const d = await post("bingtuan", "/statements/dispute", {
      number: BT,
      line: ["transferred", "balance_due"],
      reason: "the interim transfer of April is missing",
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body).toMatchObject({ state: "disputed", open_disputes: [1] });
    // the operator's view: no token ids, no journal entry ids
    expect(d.body.events[0].recorded_by).not.toHaveProperty("token_id");
    expect(d.body.issued_by).not.toHaveProperty("token_id");

    // the operator does not resolve; the prefecture does, naming the transfer
    const self = await post("bingtuan", "/statements/resolve", { number: BT, dispute: 1, note: "x" });
    expect(self.status).toBe(403);
    const paid = await cli(
      db,
      "transfer",
      "--operator",
      "bingtuan",
      "--amount",
      "100.00",
      "--on",
      "2025-04-15",
      "--ref",
      "BT-APR",
    );
    expect(paid.code, paid.stderr).toBe(0);
    const wrong = await post("prefecture", "/statements/resolve", {
      number: BT,
      dispute: 1,
      note: "paid",
      transfer: "URQ-SECRET-TR",
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe("statement_resolution_unknown");
    const r = await post("prefecture", "/statements/resolve", {
      number: BT,
      dispute: 1,
      note: "transferred on 2025-04-15",
      transfer: "BT-APR",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.events[1]).toMatchObject({
      kind: "resolve",
      dispute: 1,
      resolved_by: { transfer_ref: "BT-APR" },
      recorded_by: { party: "prefecture" },
    });
    expect(r.body).toMatchObject({ state: "issued", matches_books: false });
    expect(r.body.differing_lines).toEqual(expect.arrayContaining(["transfers", "transferred", "balance_due"]));

    const stale = await post("bingtuan", "/statements/confirm", { number: BT });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "statement_stale" });
    expect(stale.body.error.details.differing_lines).toContain("balance_due");

    const second = await post("prefecture", "/statements/issue", { operator: "bingtuan", year: 2025 });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ number: "ZD-2025-bingtuan-BZ-02", supersedes: BT });
    const superseded = await post("bingtuan", "/statements/confirm", { number: BT });
    expect([superseded.status, superseded.body.error.code]).toEqual([409, "statement_superseded"]);
    const ok = await post("bingtuan", "/statements/confirm", { number: "ZD-2025-bingtuan-BZ-02" });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ state: "confirmed", matches_books: true });
    const again = await post("bingtuan", "/statements/confirm", { number: "ZD-2025-bingtuan-BZ-02" });
    expect(again.status).toBe(200);
  });

  it("settle over HTTP: refused for a statement not confirmed, with the override reason kept", async () => {
    const refused = await post("prefecture", "/settlements", { year: 2025, operator: "urumqi" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "statement_unconfirmed" });
    expect(refused.body.error.details.parks[0]).toMatchObject({ park: "WZ", number: UR, state: "issued" });
    const over = await post("prefecture", "/settlements", {
      year: 2025,
      operator: "urumqi",
      override_reason: "confirmed on paper, letter 乌财函〔2026〕3号",
    });
    expect(over.status, JSON.stringify(over.body)).toBe(201);
    expect(over.body).toMatchObject({
      override_reason: "confirmed on paper, letter 乌财函〔2026〕3号",
      statement_number: null,
    });
    const bt = await post("prefecture", "/settlements", { year: 2025, operator: "bingtuan" });
    expect(bt.status, JSON.stringify(bt.body)).toBe(201);
    expect(bt.body).toMatchObject({ statement_number: "ZD-2025-bingtuan-BZ-02", override_reason: null });
  });

  it("lists and reads statements by the party rules, an operator's own only, field by field", async () => {
    for (const caller of CALLERS) {
      const res = await get(caller, "/reports/statements?year=2025");
      expect(res.status, caller).toBe(caller === "statistics" || caller.endsWith("_statistics") ? 403 : 200);
    }
    const all = await get("auditor", "/reports/statements?year=2025");
    expect(all.body.statements.map((s: { number: string }) => s.number).sort()).toEqual(
      ["ZD-2025-bingtuan-BZ-01", "ZD-2025-bingtuan-BZ-02", UR].sort(),
    );
    const auditorWrite = await post("auditor", "/statements/resolve", { number: BT, dispute: 1, note: "x" });
    expect(auditorWrite.status).toBe(403);
    expect((await get("bingtuan", "/reports/statements?operator=urumqi")).status).toBe(403);

    // bingtuan's answers, in every format: nothing of urumqi's park, its receipts, amounts or transfers
    const MARKERS = [/urumqi/i, /\bWZ\b/, /7777\.77|7,777\.77/, /URQ-SECRET-TR/, /123\.45/, /H-WZ-1/];
    const answers: string[] = [];
    for (const format of ["json", "csv", "table"]) {
      answers.push((await get("bingtuan", `/reports/statements?format=${format}`)).text);
      answers.push((await get("bingtuan", `/reports/statement?number=ZD-2025-bingtuan-BZ-02&format=${format}`)).text);
      answers.push((await get("bingtuan", `/reports/statement?number=${BT}&format=${format}`)).text);
    }
    for (const text of answers) for (const m of MARKERS) expect(text).not.toMatch(m);
    const own = await get("bingtuan", "/reports/statements");
    expect(own.body.statements.every((s: { operator: string }) => s.operator === "bingtuan")).toBe(true);
    expect(own.body.statements.length).toBe(2);
    const detail = await get("bingtuan", `/reports/statement?number=${BT}`);
    // journal entry ids and token ids are serials shared with every party: not in an operator's view
    expect(JSON.stringify(detail.body)).not.toMatch(/"(entry_id|token_id)":\s*"/);
    const full = await get("prefecture", `/reports/statement?number=${BT}`);
    expect(full.body.events.find((e: { kind: string }) => e.kind === "dispute").recorded_by.token_id).toMatch(/^\d+$/);
  });
});
