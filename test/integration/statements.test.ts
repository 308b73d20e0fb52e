// The settlement statement's life on the command line: the prefecture issues a numbered statement with
// its figures and their sha256 frozen; the operator (with its own token) disputes a line; a receipt
// booked late resolves it; the stale statement cannot be confirmed and is issued again, superseding the
// first; the operator confirms; a transfer after the confirmation makes it stale again; settle takes
// only a confirmed statement that matches the books, or the prefecture's written reason, kept on record.

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
const token: Record<string, string> = {};

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["S-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""],
    ["S-2", uscc(2), "CIT", "2025-05-10", "5000.00", "gross", "", ""],
    ["S-3", uscc(11), "VAT", "2025-03-10", "20000.00", "gross", "", ""],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
  for (const party of ["bingtuan", "urumqi", "prefecture"]) {
    const t = await cli(db, "token", "create", "--party", party, "--role", "finance", "--format", "json");
    expect(t.code, t.stderr).toBe(0);
    token[party] = t.json().token;
  }
});
afterAll(async () => db?.drop());

async function json(...args: string[]) {
  const r = await cli(db, ...args, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

async function refused(code: string, ...args: string[]) {
  const r = await cli(db, ...args);
  expect(r.code, r.stdout).toBe(2);
  expect(r.stderr).toContain(code);
  return r.stderr;
}

const N1 = "ZD-2025-bingtuan-BZ-01";
const N2 = "ZD-2025-bingtuan-BZ-02";
const N3 = "ZD-2025-bingtuan-BZ-03";
let lateEntry = "";

describe(`settlement statements: issue, dispute, resolve, re-issue, confirm, settle (${dialectLabel})`, () => {
  it("refuses to settle a park without a confirmed statement, naming what is missing", async () => {
    const why = await refused("statement_unconfirmed", "settle", "--year", "2025", "--operator", "bingtuan");
    expect(why).toContain("BZ: no statement of 2025 is issued");
  });

  it("issues a numbered statement with its figures frozen and hashed; issuing again unchanged is the same one", async () => {
    const issued = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    expect(issued).toMatchObject({
      number: N1,
      operator: "bingtuan",
      park: "BZ",
      fiscal_year: 2025,
      issue_no: 1,
      state: "issued",
      supersedes: null,
      // VAT 10000 gross: local 5000, operator 80 % = 4000; CIT 5000 gross: local 2000, operator 1600
      operator_share: "5600.00",
      balance_due: "5600.00",
      issued_by: { party: "prefecture" },
    });
    const again = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    expect(again.number).toBe(N1);
    const detail = await json("report", "statement", "--number", N1);
    expect(createHash("sha256").update(detail.content, "utf8").digest("hex")).toBe(detail.content_sha256);
    expect(detail).toMatchObject({ hash_intact: true, matches_books: true, differing_lines: [], events: [] });
    expect(JSON.parse(detail.content).statement.totals.balance_due).toBe("5600.00");
  });

  it("the operator confirms and disputes only with its own token; the prefecture may not do it for it", async () => {
    await refused("statement_operator_only", "statement", "confirm", "--number", N1);
    await refused("statement_unknown", "statement", "confirm", "--number", N1, "--token", token.urumqi!);
    const forbidden = await cli(db, "statement", "confirm", "--number", N1, "--token", token.prefecture!);
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toMatch(/prefecture .* may not statement confirm/);
    const unknown = await cli(
      db,
      "statement",
      "confirm",
      "--number",
      "ZD-2025-bingtuan-BZ-09",
      "--token",
      token.bingtuan!,
    );
    expect(unknown.stderr).toContain("statement_unknown");
    await refused("--number", "statement", "confirm", "--number", "nonsense", "--token", token.bingtuan!);
  });

  it("a dispute names lines as the statement names them, with a reason; an unknown line is refused", async () => {
    const why = await refused(
      "statement_line_unknown",
      ...["statement", "dispute", "--number", N1, "--line", "VAT,NOPE", "--reason", "x", "--token", token.bingtuan!],
    );
    expect(why).toContain("NOPE");
    expect(why).toContain("balance_due");
    const disputed = await json(
      ...["statement", "dispute", "--number", N1, "--line", "VAT,balance_due"],
      ...["--reason", "receipt S-9 of 2025-11 is missing", "--token", token.bingtuan!],
    );
    expect(disputed).toMatchObject({ state: "disputed", open_disputes: [1] });
    expect(disputed.events[0]).toMatchObject({
      seq: 1,
      kind: "dispute",
      lines: ["VAT", "balance_due"],
      reason: "receipt S-9 of 2025-11 is missing",
      recorded_by: { party: "bingtuan" },
    });
    expect(disputed.events[0].recorded_by.posted_by).toMatch(/^cli:.* as bingtuan$/);
    await refused("statement_disputed", "statement", "confirm", "--number", N1, "--token", token.bingtuan!);
  });

  it("the prefecture resolves it by the receipt booked late; the statement is then stale and cannot be confirmed", async () => {
    const late = csvFile([RECEIPT_HEADER, ["S-9", uscc(1), "VAT", "2025-11-20", "1000.00", "gross", "", ""]]);
    expect((await cli(db, "import", "receipts", late)).code).toBe(0);
    await refused(
      "statement_resolution_unknown",
      "statement",
      "resolve",
      "--number",
      N1,
      "--dispute",
      "1",
      "--note",
      "booked",
      "--receipt",
      "S-3",
    );
    await refused(
      "statement_dispute_unknown",
      "statement",
      "resolve",
      "--number",
      N1,
      "--dispute",
      "7",
      "--note",
      "booked",
    );
    const resolved = await json(
      ...["statement", "resolve", "--number", N1, "--dispute", "1"],
      ...["--note", "S-9 booked on 2025-11-20", "--receipt", "S-9"],
    );
    expect(resolved).toMatchObject({ state: "issued", open_disputes: [], matches_books: false });
    expect(resolved.differing_lines).toEqual(
      expect.arrayContaining(["VAT", "operator_share", "balance_due", "2025-11"]),
    );
    expect(resolved.events[1]).toMatchObject({
      seq: 2,
      kind: "resolve",
      dispute: 1,
      reason: "S-9 booked on 2025-11-20",
      resolved_by: { receipt_no: "S-9", transfer_ref: null },
      recorded_by: { party: "prefecture" },
    });
    expect(resolved.events[1].resolved_by.entry_id).toMatch(/^\d+$/);
    lateEntry = resolved.events[1].resolved_by.entry_id;
    expect(resolved.events[1].resolved_by.entry_hash).toMatch(/^[0-9a-f]{64}$/);
    await refused(
      "statement_dispute_closed",
      "statement",
      "withdraw",
      "--number",
      N1,
      "--dispute",
      "1",
      "--token",
      token.bingtuan!,
    );
    const stale = await refused("statement_stale", "statement", "confirm", "--number", N1, "--token", token.bingtuan!);
    expect(stale).toContain("VAT");
  });

  it("issuing again supersedes the stale statement; the superseded one takes no confirmation", async () => {
    const second = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    // S-9: VAT 1000 gross, local 500, operator 400
    expect(second).toMatchObject({ number: N2, issue_no: 2, supersedes: N1, state: "issued", balance_due: "6000.00" });
    const first = await json("report", "statement", "--number", N1);
    expect(first).toMatchObject({ state: "superseded", superseded_by: N2 });
    expect(first.events.at(-1)).toMatchObject({ kind: "supersede", superseded_by: N2 });
    await refused("statement_superseded", "statement", "confirm", "--number", N1, "--token", token.bingtuan!);
    const list = await json("report", "statements", "--year", "2025");
    expect(list.statements.map((s: { number: string; state: string }) => [s.number, s.state])).toEqual([
      [N2, "issued"],
      [N1, "superseded"],
    ]);
  });

  it("a dispute may be withdrawn by the operator; then it confirms, once", async () => {
    const d = await json(
      ...["statement", "dispute", "--number", N2, "--line", "transfers", "--reason", "no transfer yet?"],
      ...["--token", token.bingtuan!],
    );
    expect(d.state).toBe("disputed");
    const w = await json("statement", "withdraw", "--number", N2, "--dispute", "1", "--token", token.bingtuan!);
    expect(w).toMatchObject({ state: "issued", open_disputes: [] });
    expect(w.events[1]).toMatchObject({ kind: "withdraw", dispute: 1, recorded_by: { party: "bingtuan" } });
    // a dispute resolved by naming the adjusting entry itself; an entry of another park is refused
    await json(
      ...["statement", "dispute", "--number", N2, "--line", "VAT", "--reason", "S-9 in it?"],
      ...["--token", token.bingtuan!],
    );
    const wz = (await db.knex("receipts").select("entry_id").where({ receipt_no: "S-3" }).first()).entry_id;
    await refused(
      "statement_resolution_unknown",
      ...["statement", "resolve", "--number", N2, "--dispute", "3", "--note", "x", "--entry", String(wz)],
    );
    const byEntry = await json(
      ...["statement", "resolve", "--number", N2, "--dispute", "3", "--note", "S-9 is in", "--entry", lateEntry],
    );
    expect(byEntry.events[3]).toMatchObject({ kind: "resolve", dispute: 3, resolved_by: { entry_id: lateEntry } });
    const c = await json("statement", "confirm", "--number", N2, "--token", token.bingtuan!);
    expect(c).toMatchObject({ state: "confirmed", matches_books: true });
    expect(c.events.at(-1)).toMatchObject({ kind: "confirm", content_sha256: c.content_sha256 });
    const again = await json("statement", "confirm", "--number", N2, "--token", token.bingtuan!);
    expect(again.events.filter((e: { kind: string }) => e.kind === "confirm")).toHaveLength(1);
    await refused(
      "statement_confirmed",
      "statement",
      "dispute",
      "--number",
      N2,
      "--line",
      "VAT",
      "--reason",
      "x",
      "--token",
      token.bingtuan!,
    );
  });

  it("settle refuses a confirmed statement the books no longer match, and settles on the one confirmed again", async () => {
    expect(
      (
        await cli(
          db,
          "transfer",
          "--operator",
          "bingtuan",
          "--amount",
          "1000.00",
          "--on",
          "2025-12-01",
          "--ref",
          "ST-T1",
        )
      ).code,
    ).toBe(0);
    const why = await refused("statement_unconfirmed", "settle", "--year", "2025", "--operator", "bingtuan");
    expect(why).toContain(`${N2} was confirmed, but the books have changed since`);
    const third = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    expect(third).toMatchObject({ number: N3, supersedes: N2, balance_due: "5000.00" });
    await json("statement", "confirm", "--number", N3, "--token", token.bingtuan!);
    const settled = await json("settle", "--year", "2025", "--operator", "bingtuan");
    expect(settled).toMatchObject({
      park: "BZ",
      balance_due: "5000.00",
      statement_number: N3,
      override_reason: null,
      already_settled: false,
    });
    const again = await json("settle", "--year", "2025", "--operator", "bingtuan");
    expect(again).toMatchObject({ already_settled: true, statement_number: N3 });
    // a closed year is the closure's: no statement is issued for it
    await refused("year_closed", "statement", "issue", "--operator", "bingtuan", "--year", "2025");
  });

  it("the prefecture may settle without a confirmed statement on a written reason, kept on record", async () => {
    await refused("--override-reason", "settle", "--year", "2025", "--operator", "urumqi", "--override-reason", "   ");
    const settled = await json(
      ...["settle", "--year", "2025", "--operator", "urumqi"],
      ...["--override-reason", "乌鲁木齐市财政局未在期限内确认，经州政府批准 2026-01-20"],
    );
    expect(settled).toMatchObject({
      park: "WZ",
      statement_number: null,
      override_reason: "乌鲁木齐市财政局未在期限内确认，经州政府批准 2026-01-20",
    });
    const again = await json("settle", "--year", "2025", "--operator", "urumqi");
    expect(again).toMatchObject({
      already_settled: true,
      override_reason: "乌鲁木齐市财政局未在期限内确认，经州政府批准 2026-01-20",
    });
    const table = await cli(db, "settle", "--year", "2025", "--operator", "urumqi");
    expect(table.stdout).toMatch(/override_reason +乌鲁木齐市财政局/);
  });

  it("statements and their events are append-only", async () => {
    await expect(db.knex.raw("update settlement_statements set content = '{}'")).rejects.toThrow(/append-only/);
    await expect(db.knex.raw("delete from settlement_statement_events")).rejects.toThrow(/append-only/);
    await expect(db.knex.raw("truncate settlement_statements cascade")).rejects.toThrow(/append-only/);
  });
});
