// A year through the settlement cycle between the prefecture and the Bingtuan, as a finance officer
// follows it (README, "The settlement cycle"): the figures month by month; two interim transfers
// proposed from them and executed; a receipt held in suspense cleared by a late registry row; the
// statement issued, a line disputed by the operator and resolved by a receipt booked late, the
// statement issued again and confirmed; the year settled on it; the balance paid in two parts and the
// ageing at zero. After every step each jurisdiction's trial balance balances and verify finds the
// books intact.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan, parseYuan } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
const fen = (yuan: string) => parseYuan(yuan)!;
let bingtuan = "";

async function json(...args: string[]) {
  const r = await cli(db, ...args, "--format", "json");
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.json();
}

/** Every jurisdiction's books balance and the journal, its hash chain and its balances are intact. */
async function booksSound(step: string) {
  for (const jurisdiction of ["prefecture", "bingtuan", "urumqi"]) {
    for (const year of ["2025", "2026"]) {
      const tb = await json("report", "trial-balance", "--year", year, "--jurisdiction", jurisdiction);
      expect(tb.balanced, `${step}: ${jurisdiction} ${year}`).toBe(true);
    }
  }
  const v = await cli(db, "verify", "--format", "json");
  expect(v.code, `${step}: ${v.stdout}`).toBe(0);
  expect(v.json().intact, step).toBe(true);
}

const settlement = (...more: string[]) =>
  json("report", "settlement", "--year", "2025", "--operator", "bingtuan", ...more);

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
    "细则: interim transfers of 90 % of the share to date",
  );
  expect(rule.code, rule.stderr).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    // BZ (the Bingtuan's park): VAT is half local, CIT 40 % local; the operator has 80 % of local
    ["C-1", uscc(1), "VAT", "2025-01-15", "10000.00", "gross", "", ""],
    ["C-2", uscc(2), "CIT", "2025-02-20", "5000.00", "gross", "", ""],
    ["C-3", uscc(3), "VAT", "2025-04-10", "6000.00", "gross", "", ""],
    ["C-4", uscc(1), "VAT", "2025-08-01", "3333.33", "gross", "", ""],
    // an enterprise the registry does not know yet: held in suspense
    ["C-6", uscc(7), "VAT", "2025-09-15", "2000.00", "gross", "", ""],
    // WZ (Urumqi's): never in the Bingtuan's figures
    ["C-9", uscc(11), "VAT", "2025-03-01", "4000.00", "gross", "", ""],
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
  const t = await json("token", "create", "--party", "bingtuan", "--role", "finance");
  bingtuan = t.token;
});
afterAll(async () => db?.drop());

describe(`a year through the settlement cycle (${dialectLabel})`, () => {
  it("gives the figures month by month, adding up to the year to the fen", async () => {
    const year = await settlement();
    const byMonth = await settlement("--by", "month");
    const months = byMonth.months as { month: string | null; operator_share: string }[];
    const sum = months.reduce((s, m) => s + fen(m.operator_share), 0n);
    expect(formatYuan(sum)).toBe(year.totals.operator_share);
    // 4000.00 + 1600.00 + 2400.00 + 1333.33 (3333.33 gross: local 1666.66 or 1666.67, 80 % of it)
    expect(months.find((m) => m.month === "2025-01")!.operator_share).toBe("4000.00");
    const q1 = await settlement("--period", "2025-Q1");
    expect(q1.totals.operator_share).toBe("5600.00");
    await booksSound("monthly figures");
  });

  it("proposes two interim transfers from the figures and executes them", async () => {
    const first = await json("transfer", "propose", "--operator", "bingtuan", "--through", "2025-03");
    expect(first).toMatchObject({ operator_share_to_date: "5600.00", transferred_before: "0.00", amount: "5040.00" });
    await json("transfer", "--proposal", String(first.id), "--on", "2025-04-08", "--ref", "YB-Q1");
    await booksSound("first transfer");
    const second = await json("transfer", "propose", "--operator", "bingtuan", "--through", "2025-06");
    // 90 % of 8000.00 is 7200.00, less the 5040.00 transferred
    expect(second).toMatchObject({
      operator_share_to_date: "8000.00",
      transferred_before: "5040.00",
      amount: "2160.00",
    });
    await json("transfer", "--proposal", String(second.id), "--on", "2025-07-08", "--ref", "YB-Q2");
    const s = await settlement();
    expect(s.totals.transferred).toBe("7200.00");
    expect(s.transfers.map((x: { ref: string }) => x.ref)).toEqual(["YB-Q1", "YB-Q2"]);
    await booksSound("second transfer");
  });

  it("clears the receipt held in suspense when a late registry row places its enterprise in the park", async () => {
    const held = await json("report", "suspense", "--year", "2025");
    expect(JSON.stringify(held)).toContain("C-6");
    const before = await settlement();
    const late = csvFile([
      ENTERPRISE_HEADER,
      [uscc(7), "准东七号化工有限公司", "BZ", "2025-01-01", "", "new", "bingtuan", "false"],
    ]);
    const imported = await json("import", "enterprises", late);
    expect(imported).toMatchObject({ suspense_rebooked: 1 });
    expect(JSON.stringify(await json("report", "suspense", "--year", "2025"))).not.toContain("C-6");
    const after = await settlement();
    // 2000.00 gross VAT: local 1000.00, the operator's 80 % of it
    expect(fen(after.totals.operator_share) - fen(before.totals.operator_share)).toBe(80000n);
    const traced = await json("trace", "settlement", "--year", "2025", "--operator", "bingtuan", "--limit", "0");
    expect(traced.agrees).toBe(true);
    await booksSound("suspense cleared");
  });

  let balanceDue = "";
  it("issues the statement; the operator disputes a line; a late receipt resolves it; issued again, it is confirmed", async () => {
    const issued = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    expect(issued).toMatchObject({ number: "ZD-2025-bingtuan-BZ-01", state: "issued" });
    const disputed = await json(
      "statement",
      "dispute",
      "--number",
      issued.number,
      "--line",
      "VAT",
      "--reason",
      "our treasury shows a VAT receipt of 2025-11-20 for 准东一号 not on the statement",
      "--token",
      bingtuan,
    );
    expect(disputed.state).toBe("disputed");
    const dispute = disputed.events.find((e: { kind: string }) => e.kind === "dispute").seq;

    const late = csvFile([RECEIPT_HEADER, ["C-5", uscc(1), "VAT", "2025-11-20", "1000.00", "gross", "", ""]]);
    expect((await cli(db, "import", "receipts", late)).code).toBe(0);
    const resolved = await json(
      "statement",
      "resolve",
      "--number",
      issued.number,
      "--dispute",
      String(dispute),
      "--receipt",
      "C-5",
      "--note",
      "the receipt had not reached the prefecture; booked",
    );
    expect(resolved).toMatchObject({ state: "issued", matches_books: false, open_disputes: [] });
    const stale = await cli(db, "statement", "confirm", "--number", issued.number, "--token", bingtuan);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain("statement_stale");

    const again = await json("statement", "issue", "--operator", "bingtuan", "--year", "2025");
    expect(again).toMatchObject({ number: "ZD-2025-bingtuan-BZ-02", supersedes: issued.number });
    const confirmed = await json("statement", "confirm", "--number", again.number, "--token", bingtuan);
    expect(confirmed).toMatchObject({ state: "confirmed", matches_books: true });
    balanceDue = confirmed.balance_due;
    expect(balanceDue).toBe((await settlement()).totals.balance_due);
    await booksSound("statement confirmed");
  });

  it("settles the year on the confirmed statement", async () => {
    const settled = await json("settle", "--year", "2025", "--operator", "bingtuan");
    expect(settled).toMatchObject({
      balance_due: balanceDue,
      statement_number: "ZD-2025-bingtuan-BZ-02",
      override_reason: null,
    });
    await booksSound("settled");
  });

  it("records the balance paid in two parts, and the ageing comes to zero", async () => {
    const due = fen(balanceDue);
    expect(due > 0n).toBe(true);
    const part = due / 3n;
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // Beijing time
    const pay = (amount: bigint, ref: string) =>
      json(
        "payment",
        "record",
        "--operator",
        "bingtuan",
        "--year",
        "2025",
        "--amount",
        formatYuan(amount),
        "--on",
        today,
        "--ref",
        ref,
        "--method",
        "remittance",
      );
    await pay(part, "JS-1");
    const between = await json("report", "ageing");
    const row = between.rows.find((r: { operator: string }) => r.operator === "bingtuan");
    expect(row).toMatchObject({ outstanding: formatYuan(due - part), paid: formatYuan(part) });
    const over = await cli(
      db,
      "payment",
      "record",
      "--operator",
      "bingtuan",
      "--year",
      "2025",
      "--amount",
      formatYuan(due),
      "--on",
      today,
      "--ref",
      "JS-X",
      "--method",
      "direct",
    );
    expect(over.code).toBe(2);
    expect(over.stderr).toContain("overpayment");
    await pay(due - part, "JS-2");
    const after = await json("report", "ageing");
    const paid = after.rows.filter((r: { operator: string }) => r.operator === "bingtuan");
    for (const r of paid) expect(r.outstanding).toBe("0.00");
    await booksSound("paid");
  });
});
