// Interim transfers proposed from the figures: the agreement states the rule (a share of the operator's
// share to date), a proposal through a month records what it was computed from, and a transfer
// executes it once, for exactly what it says. The settlement statement then shows the transfers and
// the balance due after them.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../http/support.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const rule = await cli(
    db,
    "agreement",
    "set",
    "--park",
    "BZ",
    "--operator-share",
    "80",
    "--from",
    "2025-01-01",
    "--interim-transfer",
    "90",
    "--note",
    "细则 interim transfers",
  );
  expect(rule.code, rule.stderr).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
    ["P-2", uscc(2), "CIT", "2025-05-10", "5000.00", "gross", "", ""],
    ["P-3", uscc(3), "RES", "2025-08-10", "2000.00", "local", "", ""],
    ["P-4", uscc(1), "STAMP", "2025-12-01", "0.05", "local", "", ""],
    ["P-5", uscc(11), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => db?.drop());

async function json(...args: string[]) {
  const r = await cli(db, ...args, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe(`interim transfers proposed from the figures (${dialectLabel})`, () => {
  it("proposes the rule's share of the share to date, less what was transferred, and executes it once", async () => {
    const none = await cli(db, "transfer", "propose", "--operator", "bingtuan", "--through", "2025-01");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/proposal_nothing_due/);

    // through March: the operator's share is 4000.00 (VAT 10000 gross), 90 % of it is 3600.00
    const first = await json("transfer", "propose", "--operator", "bingtuan", "--through", "2025-03");
    expect(first).toMatchObject({
      operator: "bingtuan",
      park: "BZ",
      fiscal_year: 2025,
      through: "2025-03",
      interim_transfer_pct: "90.00",
      operator_share_to_date: "4000.00",
      transferred_before: "0.00",
      amount: "3600.00",
      executed_by_transfer: null,
    });
    const table = await cli(db, "report", "transfer-proposals", "--year", "2025");
    expect(table.stdout).toContain(`transfer --proposal ${first.id}`);

    const paid = await json("transfer", "--proposal", first.id, "--on", "2025-04-10", "--ref", "YB-1");
    expect(paid).toMatchObject({ amount: "3600.00", operator: "bingtuan", park: "BZ", proposal: first.id });
    const again = await json("transfer", "--proposal", first.id, "--on", "2025-04-10", "--ref", "YB-1");
    expect(again).toMatchObject({ replayed: true, proposal: first.id });
    const twice = await cli(db, "transfer", "--proposal", first.id, "--on", "2025-04-11", "--ref", "YB-1B");
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/executed by transfer YB-1 \[proposal_executed\]/);

    // through June: 90 % of 5600.00 is 5040.00, of which 3600.00 is transferred
    const second = await json("transfer", "propose", "--operator", "bingtuan", "--through", "2025-06");
    expect(second).toMatchObject({
      operator_share_to_date: "5600.00",
      transferred_before: "3600.00",
      amount: "1440.00",
    });
    const other = await cli(
      db,
      "transfer",
      "--proposal",
      second.id,
      "--amount",
      "1000.00",
      "--on",
      "2025-07-10",
      "--ref",
      "YB-2",
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/proposal_differs/);
    expect((await json("transfer", "--proposal", second.id, "--on", "2025-07-10", "--ref", "YB-2")).amount).toBe(
      "1440.00",
    );

    // through December, rounded down to the fen: 90 % of 7200.04 is 6480.036
    const third = await json("transfer", "propose", "--operator", "bingtuan", "--through", "2025-12");
    expect(third).toMatchObject({
      operator_share_to_date: "7200.04",
      transferred_before: "5040.00",
      amount: "1440.03",
    });

    const { proposals: list } = await json("report", "transfer-proposals", "--year", "2025", "--operator", "bingtuan");
    expect(
      list.map((p: { id: string; executed_by_transfer: string | null }) => [p.id, p.executed_by_transfer]),
    ).toEqual([
      [third.id, null],
      [second.id, "YB-2"],
      [first.id, "YB-1"],
    ]);
    const statement = await json("report", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(statement.transfers.map((t: { ref: string }) => t.ref)).toEqual(["YB-1", "YB-2"]);
    expect(statement.totals).toMatchObject({
      operator_share: "7200.04",
      transferred: "5040.00",
      balance_due: "2160.04",
    });
  });

  it("refuses without a rule in the agreement, an unknown proposal, and a month that is none", async () => {
    const urumqi = await cli(db, "transfer", "propose", "--operator", "urumqi", "--through", "2025-06");
    expect(urumqi.code).toBe(2);
    expect(urumqi.stderr).toMatch(/agreement set --interim-transfer PERCENT \[interim_rule_missing\]/);
    const unknown = await cli(db, "transfer", "--proposal", "999999", "--on", "2025-07-10", "--ref", "X-1");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/proposal_unknown/);
    const month = await cli(db, "transfer", "propose", "--operator", "bingtuan", "--through", "2025-13");
    expect(month.code).toBe(2);
    const plain = await cli(db, "transfer", "--operator", "bingtuan", "--on", "2025-07-10", "--ref", "X-2");
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/amount/);
  });

  it("keeps proposals as they were made: the database refuses to change one", async () => {
    expect(Number((await db.knex.raw("select count(*) as n from transfer_proposals")).rows[0].n)).toBe(3);
    await expect(db.knex.raw("update transfer_proposals set amount_fen = 1")).rejects.toThrow();
    await expect(db.knex.raw("delete from transfer_proposals")).rejects.toThrow();
  });

  it("over HTTP: the prefecture proposes, each operator reads its own proposals and nothing of the other's", async () => {
    const t = await testApp(db);
    const url = "/v1/transfer-proposals";
    const body = { operator: "bingtuan", through: "2025-12" };
    for (const caller of ["bingtuan", "urumqi", "statistics", "auditor"] as const) {
      const refused = await request(t.app).post(url).set(t.auth(caller)).send(body);
      expect(refused.status, caller).toBe(403);
      expect(refused.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    }
    const made = await request(t.app).post(url).set(t.auth("prefecture")).send(body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ operator: "bingtuan", amount: "1440.03", party: "prefecture" });
    const nothing = await request(t.app)
      .post(url)
      .set(t.auth("prefecture"))
      .send({ operator: "urumqi", through: "2025-12" });
    expect(nothing.status).toBe(422);
    expect(nothing.body.error.code).toBe("interim_rule_missing");

    const list = (caller: "bingtuan" | "urumqi" | "auditor", operator?: string) =>
      request(t.app)
        .get(`/v1/reports/transfer-proposals?year=2025${operator !== undefined ? `&operator=${operator}` : ""}`)
        .set(t.auth(caller));
    const own = await list("bingtuan", "bingtuan");
    expect(own.status).toBe(200);
    expect(own.body.proposals.length).toBe(4);
    // the numbers are a serial shared with the other operator's proposals: an operator is not told them
    expect(own.body.proposals.every((p: { id: string | null }) => p.id === null)).toBe(true);
    expect(JSON.stringify(own.body)).not.toMatch(/urumqi|WZ/);
    expect((await list("bingtuan", "urumqi")).status).toBe(403);
    expect((await list("bingtuan")).status).toBe(403);
    const theirs = await list("urumqi", "urumqi");
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ year: 2025, operator: "urumqi", proposals: [] });
    expect((await list("auditor")).body.proposals.length).toBe(4);
    const xlsx = await list("auditor").query({ format: "xlsx" });
    expect(xlsx.headers["content-disposition"]).toBe("attachment; filename=parkledger-transfer-proposals-2025.xlsx");
  });

  it("pays a proposal only into its year and only on the transfers it was computed from", async () => {
    const { proposals } = await json("report", "transfer-proposals", "--year", "2025", "--operator", "bingtuan");
    const open = proposals.filter((p: { executed_by_transfer: string | null }) => p.executed_by_transfer === null);
    expect(open.map((p: { amount: string }) => p.amount)).toEqual(["1440.03", "1440.03"]);
    const [later, earlier] = open as { id: string }[];
    const nextYear = await cli(db, "transfer", "--proposal", earlier!.id, "--on", "2026-01-10", "--ref", "YB-3");
    expect(nextYear.code).toBe(2);
    expect(nextYear.stderr).toMatch(/is for 2025 \[proposal_differs\]/);
    const paid = await json("transfer", "--proposal", earlier!.id, "--on", "2025-12-20", "--ref", "YB-3");
    expect(paid).toMatchObject({ amount: "1440.03", replayed: false });
    // the same proposal again, its number written with a leading zero: the same transfer
    expect(
      await json("transfer", "--proposal", `0${earlier!.id}`, "--on", "2025-12-20", "--ref", "YB-3"),
    ).toMatchObject({
      replayed: true,
    });
    // the other open one was computed before YB-3: paying it too would pass the rule
    const stale = await cli(db, "transfer", "--proposal", later!.id, "--on", "2025-12-21", "--ref", "YB-4");
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/6480\.03 now: propose again.*\[proposal_stale\]/);
    const statement = await json("report", "settlement", "--year", "2025", "--operator", "bingtuan");
    expect(statement.totals).toMatchObject({
      operator_share: "7200.04",
      transferred: "6480.03",
      balance_due: "720.01",
    });
  });

  it("proposes nothing into a year already settled and closed", async () => {
    const settled = await cli(
      db,
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "test: settled without a statement",
    );
    expect(settled.code, settled.stderr).toBe(0);
    const closed = await cli(db, "transfer", "propose", "--operator", "bingtuan", "--through", "2025-12");
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/year_closed/);
  });
});
