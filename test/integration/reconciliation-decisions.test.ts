// A person's decisions on the reconciliation's probable counterparts (reconcile decide / decisions):
// a confirmed pair is matched_by_decision on both sides and moves the counts, the share effects and
// the summary to the fen; a rejected pair is never suggested again; a later decision supersedes an
// earlier one and the history stays; invalid pairs are refused naming the option and the reason; the
// database refuses to change or remove a decision.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

const STATEMENT_HEADER = ["receipt_no", "uscc", "tax_code", "collected_on", "amount"];
let db: TestDatabase;

interface Item {
  receipt_no: string;
  status: string;
  operator_share_effect: string;
  probable_counterpart: string | null;
  decision: null | {
    receipt_no: string;
    counterpart_no: string;
    decision: string;
    reason: string | null;
    party: string;
    user: string | null;
    decided_at: string;
  };
}

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-03-01", "100.00", "local", "", ""], // matched
    ["P-3", uscc(1), "CIT", "2025-03-03", "300.00", "local", "", ""], // missing in operator, no counterpart
    ["P-4", uscc(2), "RES", "2025-04-10", "400.00", "local", "", ""], // probable counterpart of O-9
    ["P-12", uscc(1), "VAT", "2025-06-01", "1000.00", "gross", "", ""], // probable counterpart of O-13
    ["P-14", uscc(2), "VAT", "2025-08-01", "1000.00", "gross", "", ""], // O-15: amounts differ by 0.10
    ["P-16", uscc(2), "VAT", "2025-09-01", "50.00", "local", "", ""], // O-17 first, O-18 once O-17 is rejected
    ["P-5", uscc(11), "VAT", "2025-03-05", "500.00", "local", "", ""], // WZ, urumqi's
  ]);
  expect((await cli(db, "import", "receipts", receipts)).code).toBe(0);
  const bingtuan = csvFile([
    STATEMENT_HEADER,
    ["P-1", uscc(1), "VAT", "2025-03-01", "100.00"],
    ["O-9", uscc(2), "RES", "2025-04-12", "400.00"],
    ["O-13", uscc(1), "VAT", "2025-06-02", "1000.00"],
    ["O-15", uscc(2), "VAT", "2025-08-02", "1000.10"],
    ["O-17", uscc(2), "VAT", "2025-09-02", "50.00"],
    ["O-18", uscc(2), "VAT", "2025-09-03", "50.00"],
    ["O-19", uscc(1), "CIT", "2025-06-01", "1000.00"], // P-12's enterprise, another tax
    ["O-20", uscc(3), "CIT", "2025-03-03", "300.00"], // P-3's tax and amount, another enterprise
  ]);
  expect((await cli(db, "import", "statements", "--party", "bingtuan", bingtuan)).code).toBe(0);
  const urumqi = csvFile([STATEMENT_HEADER, ["U-1", uscc(11), "VAT", "2025-03-06", "500.00"]]);
  expect((await cli(db, "import", "statements", "--party", "urumqi", urumqi)).code).toBe(0);
});
afterAll(async () => db?.drop());

async function report(operator = "bingtuan") {
  const r = await cli(db, "report", "reconciliation", "--year", "2025", "--operator", operator, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  const json = r.json();
  const item = (no: string): Item => json.items.find((i: Item) => i.receipt_no === no);
  return { json, item };
}

function decide(receipt: string, counterpart: string, how: "--confirm" | "--reject", ...extra: string[]) {
  return cli(
    db,
    "reconcile",
    "decide",
    "--operator",
    "bingtuan",
    "--year",
    "2025",
    "--receipt",
    receipt,
    "--counterpart",
    counterpart,
    how,
    ...extra,
    "--format",
    "json",
  );
}

describe(`decisions on probable counterparts (${dialectLabel})`, () => {
  it("before any decision: probable pairs suggested, every item without a decision", async () => {
    const { json, item } = await report();
    expect(item("P-4")).toMatchObject({ status: "missing_in_operator", probable_counterpart: "O-9", decision: null });
    expect(item("P-12")).toMatchObject({ status: "missing_in_operator", probable_counterpart: "O-13" });
    expect(item("P-16")).toMatchObject({ probable_counterpart: "O-17" });
    expect(item("P-12").operator_share_effect).toBe("-400.00"); // 80 % of the local half of a gross 1000.00
    expect(item("O-13").operator_share_effect).toBe("800.00"); // a statement row is valued as local
    expect(json.summary).toMatchObject({
      matched: 1,
      amount_mismatch: 0,
      missing_in_operator: 5,
      missing_in_prefecture: 7,
      matched_by_decision: 0,
      probable_pairs: 3,
      operator_share_difference: "1640.08",
    });
    expect(json.items.every((i: Item) => i.decision === null)).toBe(true);
  });

  it("confirms a probable pair: both sides matched_by_decision, effects and summary moved to the fen", async () => {
    const r = await decide("P-12", "O-13", "--confirm", "--reason", "同一笔，运营方重新编号");
    expect(r.code, r.stderr).toBe(0);
    const recorded = r.json();
    expect(recorded).toMatchObject({
      year: 2025,
      operator: "bingtuan",
      park: null,
      receipt_no: "P-12",
      counterpart_no: "O-13",
      decision: "confirm",
      reason: "同一笔，运营方重新编号",
      party: "prefecture", // the command line acts as the prefecture
      user: null,
      token_id: null,
      request_id: null,
    });
    expect(recorded.id).toMatch(/^\d+$/);
    expect(Date.parse(recorded.decided_at)).not.toBeNaN();

    const { json, item } = await report();
    for (const no of ["P-12", "O-13"]) {
      expect(item(no)).toMatchObject({
        status: "matched_by_decision",
        operator_share_effect: "0.00",
        probable_counterpart: null,
        decision: {
          receipt_no: "P-12",
          counterpart_no: "O-13",
          decision: "confirm",
          reason: "同一笔，运营方重新编号",
          party: "prefecture",
          user: null,
          decided_at: recorded.decided_at,
        },
      });
    }
    // −400.00 and +800.00 are gone: 1640.08 − 400.00
    expect(json.summary).toMatchObject({
      missing_in_operator: 4,
      missing_in_prefecture: 6,
      matched_by_decision: 2,
      probable_pairs: 2,
      operator_share_difference: "1240.08",
    });
    const counted =
      json.summary.matched +
      json.summary.amount_mismatch +
      json.summary.missing_in_operator +
      json.summary.missing_in_prefecture +
      json.summary.matched_by_decision;
    expect(counted).toBe(json.items.length);
    expect(item("P-4").decision).toBeNull();
  });

  it("values a confirmed pair whose amounts differ as an amount mismatch", async () => {
    const before = await report();
    expect(before.item("P-14").operator_share_effect).toBe("-400.00");
    expect(before.item("O-15").operator_share_effect).toBe("800.08");
    const r = await decide("P-14", "O-15", "--confirm");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().reason).toBeNull();
    const { json, item } = await report();
    // the operator's 1000.10 under P-14's terms (gross VAT, 50 % central, 80 %): 400.04 against 400.00 booked
    expect(item("P-14")).toMatchObject({ status: "matched_by_decision", operator_share_effect: "0.04" });
    expect(item("O-15")).toMatchObject({ status: "matched_by_decision", operator_share_effect: "0.00" });
    expect(json.summary).toMatchObject({ matched_by_decision: 4, operator_share_difference: "840.04" }); // 1240.08 − 400.08 + 0.04
  });

  it("rejects a probable pair: it is never suggested again, and the pairing takes another candidate", async () => {
    const r = await decide("P-16", "O-17", "--reject", "--reason", "O-17 是另一笔");
    expect(r.code, r.stderr).toBe(0);
    const { json, item } = await report();
    expect(item("P-16")).toMatchObject({ status: "missing_in_operator", probable_counterpart: "O-18" });
    expect(item("O-17")).toMatchObject({
      status: "missing_in_prefecture",
      probable_counterpart: null,
      decision: { receipt_no: "P-16", counterpart_no: "O-17", decision: "reject", reason: "O-17 是另一笔" },
    });
    expect(item("O-18").probable_counterpart).toBe("P-16");
    expect(json.summary.probable_pairs).toBe(2);
    // and with that one rejected too, P-16 has no counterpart to suggest
    expect((await decide("P-16", "O-18", "--reject", "--reason", "也不是")).code).toBe(0);
    const after = await report();
    expect(after.item("P-16").probable_counterpart).toBeNull();
    expect(after.json.summary.probable_pairs).toBe(1);
  });

  it("supersedes a confirmation with a later rejection, keeping the history newest first", async () => {
    expect((await decide("P-4", "O-9", "--confirm")).code).toBe(0);
    expect((await report()).item("P-4").status).toBe("matched_by_decision");
    const r = await decide("P-4", "O-9", "--reject", "--reason", "确认有误，撤回");
    expect(r.code, r.stderr).toBe(0);
    const { json, item } = await report();
    expect(item("P-4")).toMatchObject({
      status: "missing_in_operator",
      operator_share_effect: "-320.00",
      probable_counterpart: null,
      decision: { decision: "reject", reason: "确认有误，撤回" },
    });
    expect(item("O-9")).toMatchObject({ status: "missing_in_prefecture", operator_share_effect: "320.00" });
    expect(json.summary.matched_by_decision).toBe(4);
    const list = await cli(
      db,
      "reconcile",
      "decisions",
      "--operator",
      "bingtuan",
      "--year",
      "2025",
      "--format",
      "json",
    );
    expect(list.code, list.stderr).toBe(0);
    const history = list.json() as { receipt_no: string; counterpart_no: string; decision: string; id: string }[];
    expect(history.map((d) => `${d.receipt_no}/${d.counterpart_no}/${d.decision}`)).toEqual([
      "P-4/O-9/reject",
      "P-4/O-9/confirm",
      "P-16/O-18/reject",
      "P-16/O-17/reject",
      "P-14/O-15/confirm",
      "P-12/O-13/confirm",
    ]);
    const table = await cli(db, "reconcile", "decisions", "--operator", "bingtuan", "--year", "2025");
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("否定 reject");
    expect(table.stdout).toContain("确认有误，撤回");
  });

  it.each([
    [["P-3", "O-20", "--confirm"], "--counterpart", "reconciliation_pair_differs", `of enterprise ${uscc(3)}`],
    [["P-12", "O-19", "--confirm"], "--counterpart", "reconciliation_pair_differs", "of tax CIT"],
    [["P-1", "O-9", "--confirm"], "--receipt", "reconciliation_row_matched", "not missing_in_operator"],
    [["P-4", "P-1", "--confirm"], "--counterpart", "reconciliation_row_matched", "not missing_in_prefecture"],
    [["P-99", "O-9", "--confirm"], "--receipt", "reconciliation_row_unknown", "no receipt P-99"],
    [["P-4", "O-99", "--confirm"], "--counterpart", "reconciliation_row_unknown", "no row O-99"],
    [["P-5", "O-9", "--confirm"], "--receipt", "reconciliation_row_unknown", "no receipt P-5"], // urumqi's receipt
    [["P-16", "O-15", "--confirm"], "--counterpart", "reconciliation_pair_taken", "confirmed as receipt P-14"],
    [["P-14", "O-17", "--confirm"], "--receipt", "reconciliation_pair_taken", "confirmed as O-15"],
    [["P-4", "O-9", "--reject"], "--reason", "reason_required", "says why"],
  ])("refuses %j naming %s (%s)", async (args, option, code, reason) => {
    const r = await decide(...(args as [string, string, "--confirm" | "--reject"]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${option}:`);
    expect(r.stderr).toContain(`[${code}]`);
    expect(r.stderr).toContain(reason);
  });

  it("refuses a command that says neither or both of --confirm and --reject", async () => {
    const neither = await cli(
      db,
      "reconcile",
      "decide",
      "--operator",
      "bingtuan",
      "--year",
      "2025",
      "--receipt",
      "P-4",
      "--counterpart",
      "O-9",
    );
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("--confirm or --reject");
    const badYear = await decide("P-4", "O-9", "--confirm", "--year", "20x5");
    expect(badYear.code).toBe(2);
    expect(badYear.stderr).toContain("--year");
  });

  it("checks a pair in the park named", async () => {
    const r = await decide("P-4", "O-9", "--confirm", "--park", "WZ");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--park");
    const ok = await decide("P-4", "O-9", "--confirm", "--park", "bz");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json().park).toBe("BZ");
  });

  it("keeps each operator's decisions to its own reconciliation", async () => {
    const r = await cli(
      db,
      "reconcile",
      "decide",
      "--operator",
      "urumqi",
      "--year",
      "2025",
      "--receipt",
      "P-5",
      "--counterpart",
      "U-1",
      "--confirm",
      "--format",
      "json",
    );
    expect(r.code, r.stderr).toBe(0);
    const urumqi = await report("urumqi");
    expect(urumqi.item("P-5").status).toBe("matched_by_decision");
    expect(urumqi.json.summary.matched_by_decision).toBe(2);
    const list = await cli(db, "reconcile", "decisions", "--operator", "urumqi", "--year", "2025", "--format", "json");
    expect(list.json().map((d: { receipt_no: string }) => d.receipt_no)).toEqual(["P-5"]);
    const other = await cli(
      db,
      "reconcile",
      "decisions",
      "--operator",
      "bingtuan",
      "--year",
      "2024",
      "--format",
      "json",
    );
    expect(other.json()).toEqual([]);
  });

  it("shows the new status and the decision in the csv and the table", async () => {
    const csv = await cli(
      db,
      "report",
      "reconciliation",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--format",
      "csv",
    );
    expect(csv.code).toBe(0);
    expect(csv.stdout.split("\n")[0]).toMatch(/,decision\r?$/);
    const p12 = csv.stdout.split("\n").find((l) => l.startsWith("P-12,"))!;
    expect(p12).toContain("matched_by_decision");
    expect(p12).toContain("确认 confirm P-12 ↔ O-13 · prefecture");
    const table = await cli(db, "report", "reconciliation", "--year", "2025", "--operator", "bingtuan");
    expect(table.stdout).toContain("人工确认一致");
    expect(table.stdout).toContain("Matched by decision");
    expect(table.stdout).toContain("人工决定");
  });

  it("the database refuses to change or remove a decision", async () => {
    await expect(db.knex.raw("update reconciliation_decisions set decision = 'reject'")).rejects.toThrow(/append-only/);
    await expect(db.knex.raw("delete from reconciliation_decisions")).rejects.toThrow(/append-only/);
    await expect(db.knex.raw("truncate reconciliation_decisions")).rejects.toThrow(/append-only/);
    await expect(
      db.knex.raw(
        `insert into reconciliation_decisions (year, operator, receipt_no, counterpart_no, decision, party, posted_by)
         values (2025, 'bingtuan', 'P-4', 'O-9', 'maybe', 'prefecture', 'test')`,
      ),
    ).rejects.toThrow(/check/);
    await expect(
      db.knex.raw(
        `insert into reconciliation_decisions (year, operator, receipt_no, counterpart_no, decision, party, posted_by)
         values (2025, 'bingtuan', 'P-4', 'O-9', 'reject', 'prefecture', 'test')`,
      ),
    ).rejects.toThrow(/check/);
  });
});
