// Payments of settled balances and the ageing of arrears: a settled year's balance is a debt one way
// or the other; it is paid in parts until the ageing shows nothing outstanding; what would pay more
// than is owed, pay a year not settled, or pay before the settlement is refused; every payment is a
// balanced entry in the books of both parties, traceable, and verify still finds the books intact.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beijingDate, daysBetween } from "../../ledger/payments.js";
import { recordPayment } from "../../src/services/payments.js";
import { ageingReport } from "../../reports/ageing.js";
import { ReferenceData } from "../../src/repositories/reference.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { csvFile, ENTERPRISE_HEADER, RECEIPT_HEADER, standardRegistry, uscc } from "../support/files.js";

let db: TestDatabase;
/** The day 2025 was settled (Beijing time): when its balances became due. */
let due: string;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  const receipts = csvFile([
    RECEIPT_HEADER,
    ["Y-1", uscc(1), "VAT", "2025-02-10", "10000.00", "gross", "", ""], // Bingtuan's share 4000.00
    ["Y-2", uscc(11), "VAT", "2025-03-10", "8000.00", "gross", "", ""], // Urumqi's share 3200.00
  ]);
  const r = await cli(db, "import", "receipts", receipts);
  expect(r.code, r.stderr).toBe(0);
  // Bingtuan is owed 4000.00 − 1000.00; Urumqi was over-transferred: it owes 5000.00 − 3200.00
  for (const [operator, amount, ref] of [
    ["bingtuan", "1000.00", "YB-B"],
    ["urumqi", "5000.00", "YB-U"],
  ] as const) {
    const t = await cli(db, "transfer", "--operator", operator, "--amount", amount, "--on", "2025-06-30", "--ref", ref);
    expect(t.code, t.stderr).toBe(0);
  }
});
afterAll(async () => db?.drop());

async function json(...args: string[]) {
  const r = await cli(db, ...args, "--format", "json");
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

const pay = (operator: string, amount: string, on: string, ref: string, method = "direct") =>
  cli(
    db,
    "payment",
    "record",
    "--operator",
    operator,
    "--year",
    "2025",
    "--amount",
    amount,
    "--on",
    on,
    "--ref",
    ref,
    "--method",
    method,
    "--format",
    "json",
  );

const dayAfter = (date: string, days: number) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10) + days)).toISOString().slice(0, 10);

describe(`payments of settled balances and the ageing of arrears (${dialectLabel})`, () => {
  it("refuses a payment for a year that is not settled", async () => {
    const r = await pay("bingtuan", "100.00", beijingDate(new Date()), "FK-EARLY");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/payment_year_not_settled/);
    expect(r.stderr).toMatch(/--year/);
    const none = await db.knex("payments").count("* as n");
    expect(Number(none[0]!.n)).toBe(0);
  });

  it("settles 2025: a debt of the host to Bingtuan and of Urumqi to the host, due from the day of settlement", async () => {
    const b = await json(
      "settle",
      "--year",
      "2025",
      "--operator",
      "bingtuan",
      "--override-reason",
      "settled without a statement in this test",
    );
    expect(b.balance_due).toBe("3000.00");
    const u = await json(
      "settle",
      "--year",
      "2025",
      "--operator",
      "urumqi",
      "--override-reason",
      "settled without a statement in this test",
    );
    expect(u.balance_due).toBe("-1800.00");
    due = beijingDate(new Date(b.closed_at));
    const ageing = await json("report", "ageing", "--as-of", due);
    expect(ageing.rows).toEqual([
      expect.objectContaining({
        direction: "host_to_operator",
        debtor: "prefecture",
        creditor: "bingtuan",
        park: "BZ",
        year: 2025,
        due_on: due,
        settled: "3000.00",
        paid: "0.00",
        outstanding: "3000.00",
        days_outstanding: 0,
        bucket: "d0_30",
      }),
      expect.objectContaining({
        direction: "operator_to_host",
        debtor: "urumqi",
        creditor: "prefecture",
        park: "WZ",
        settled: "1800.00",
        outstanding: "1800.00",
      }),
    ]);
    // the day before it was settled, nothing was due yet
    const before = await json("report", "ageing", "--as-of", dayAfter(due, -1));
    expect(before.rows).toEqual([]);
    expect(before.outstanding).toBe("0.00");
  });

  it("refuses zero, negative, an unknown method, a date before the settlement or in the future, and overpayment", async () => {
    const cases: [string[], RegExp][] = [
      [["bingtuan", "0.00", due, "FK-Z"], /amount_zero/],
      [["bingtuan", "-5.00", due, "FK-N"], /payment_not_positive/],
      [["bingtuan", "5.00", due, "FK-M", "cheque"], /method/],
      [["bingtuan", "5.00", dayAfter(due, -1), "FK-B"], /payment_before_settlement/],
      [["bingtuan", "5.00", dayAfter(beijingDate(new Date()), 2), "FK-F"], /payment_in_future/],
      [["bingtuan", "3000.01", due, "FK-O"], /overpayment/],
      [["urumqi", "1800.01", due, "FK-OU"], /overpayment/],
    ];
    for (const [[operator, amount, on, ref, method], code] of cases) {
      const r = await pay(operator!, amount!, on!, ref!, method);
      expect(r.code, `${ref}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(code);
    }
    const none = await db.knex("payments").count("* as n");
    expect(Number(none[0]!.n)).toBe(0);
  });

  it("pays Bingtuan in two parts, the direction derived; the same ref again is a no-op, with other content refused", async () => {
    const first = await pay("bingtuan", "1200.00", due, "FK-1");
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({
      ref: "FK-1",
      operator: "bingtuan",
      host: "prefecture",
      park: "BZ",
      year: 2025,
      direction: "host_to_operator",
      debtor: "prefecture",
      creditor: "bingtuan",
      method: "direct",
      method_zh: "直接划拨",
      amount: "1200.00",
      paid_on: due,
      fiscal_year: Number(due.slice(0, 4)),
      settled: "3000.00",
      outstanding_after: "1800.00",
      replayed: false,
    });
    const again = await pay("bingtuan", "1200.00", due, "FK-1");
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ replayed: true, outstanding_after: "1800.00" });
    const reused = await pay("bingtuan", "1300.00", due, "FK-1");
    expect(reused.code).toBe(2);
    expect(reused.stderr).toMatch(/payment_ref_reused/);

    const over = await pay("bingtuan", "1800.01", due, "FK-2");
    expect(over.stderr).toMatch(/overpayment/);
    expect(over.stderr).toMatch(/1800\.00/);
    const second = await pay("bingtuan", "1800.00", due, "FK-2", "subsidy");
    expect(second.code, second.stderr).toBe(0);
    expect(second.json()).toMatchObject({ outstanding_after: "0.00", method_zh: "年终结算补助" });
    const nothingLeft = await pay("bingtuan", "0.01", due, "FK-3");
    expect(nothingLeft.stderr).toMatch(/overpayment/);

    const ageing = await json("report", "ageing", "--as-of", due, "--operator", "bingtuan");
    expect(ageing.rows).toHaveLength(1);
    expect(ageing.rows[0]).toMatchObject({
      settled: "3000.00",
      paid: "3000.00",
      outstanding: "0.00",
      payments: 2,
      days_outstanding: null,
      bucket: null,
    });
    expect(ageing.outstanding).toBe("0.00");
    expect(ageing.totals).toEqual([
      expect.objectContaining({
        debtor: "prefecture",
        creditor: "bingtuan",
        outstanding: "0.00",
        buckets: { d0_30: "0.00", d31_90: "0.00", d91_180: "0.00", d181_365: "0.00", over_365: "0.00" },
      }),
    ]);
  });

  it("records Urumqi paying the host back, through its remittance (上解)", async () => {
    const r = await pay("urumqi", "800.00", due, "FK-U1", "remittance");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      direction: "operator_to_host",
      debtor: "urumqi",
      creditor: "prefecture",
      method_zh: "年终结算上解",
      outstanding_after: "1000.00",
    });
    const list = await json("report", "payments", "--year", "2025");
    expect(list.payments.map((p: { ref: string }) => p.ref)).toEqual(["FK-1", "FK-2", "FK-U1"]);
    const table = await cli(db, "report", "payments");
    expect(table.stdout).toContain("年终结算上解");
    expect(table.stdout).toContain("付款编号");
  });

  it("ages what is outstanding into its bucket as of a date, and totals per debtor and creditor", async () => {
    const buckets: [number, string][] = [
      [0, "d0_30"],
      [30, "d0_30"],
      [31, "d31_90"],
      [90, "d31_90"],
      [91, "d91_180"],
      [181, "d181_365"],
      [365, "d181_365"],
      [366, "over_365"],
      [1000, "over_365"],
    ];
    for (const [days, bucket] of buckets) {
      const a = await json("report", "ageing", "--as-of", dayAfter(due, days));
      const u = a.rows.find((r: { operator: string }) => r.operator === "urumqi");
      expect(u, `${days}`).toMatchObject({ outstanding: "1000.00", days_outstanding: days, bucket });
      const t = a.totals.find((x: { debtor: string }) => x.debtor === "urumqi");
      expect(t.buckets[bucket]).toBe("1000.00");
      expect(a.outstanding).toBe("1000.00");
    }
    for (const [format, column] of [
      ["csv", "d31_90"],
      ["table", "31-90天"],
    ] as const) {
      const r = await cli(db, "report", "ageing", "--as-of", dayAfter(due, 45), "--format", format);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(column);
      expect(r.stdout).toContain("1000.00");
    }
    const xlsx = await cli(db, "report", "ageing", "--format", "xlsx");
    expect(xlsx.code, xlsx.stderr).toBe(0);
  });

  it("books each payment balanced in both parties' books, traceable, and verify still finds the books intact", async () => {
    const year = due.slice(0, 4);
    const books: Record<string, { accounts: { account: string; [k: string]: string }[] }> = {};
    for (const jurisdiction of ["prefecture", "bingtuan", "urumqi"]) {
      const tb = await json("report", "trial-balance", "--year", year, "--jurisdiction", jurisdiction);
      expect(tb.balanced, jurisdiction).toBe(true);
      books[jurisdiction] = tb;
    }
    const account = (j: string, code: string) => books[j]!.accounts.find((a) => a.account === code)!;
    // Bingtuan's balance, paid in full, leaves the settlement accounts at zero in both books
    expect(account("prefecture", "settlement_payable:bingtuan")).toMatchObject({
      opening_credit: "3000.00",
      debit: "3000.00",
      closing_debit: "0.00",
      closing_credit: "0.00",
    });
    expect(account("bingtuan", "settlement_receivable:prefecture")).toMatchObject({
      opening_debit: "3000.00",
      credit: "3000.00",
      closing_debit: "0.00",
      closing_credit: "0.00",
    });
    // Urumqi's repayment of 800.00 leaves 1000.00 of the 1800.00 it owes in both books
    expect(account("prefecture", "settlement_payable:urumqi")).toMatchObject({ closing_debit: "1000.00" });
    expect(account("urumqi", "settlement_receivable:prefecture")).toMatchObject({ closing_credit: "1000.00" });
    const traced = await json(
      "trace",
      "account",
      "--year",
      year,
      "--jurisdiction",
      "prefecture",
      "--account",
      "settlement_payable:bingtuan",
      "--figure",
      "debit",
    );
    expect(traced.total).toBe("3000.00");
    expect(traced.entries.map((e: { idempotency_key: string }) => e.idempotency_key)).toEqual([
      "payment:FK-1",
      "payment:FK-2",
    ]);
    // what was transferred in the payment's year is not a payment of an earlier settled balance
    const transferred = await json(
      "trace",
      "settlement",
      "--year",
      year,
      "--operator",
      "bingtuan",
      "--figure",
      "transferred",
    );
    expect(transferred.total).toBe("0.00");
    const v = await cli(db, "verify");
    expect(v.code, v.stdout + v.stderr).toBe(0);
    // the payments are append-only
    await expect(db.knex.raw("update payments set amount_fen = 1")).rejects.toThrow();
    await expect(db.knex.raw("delete from payments")).rejects.toThrow();
  });

  it("ages payments made on different days only from the day each was made", async () => {
    // the service takes today as given, so later days can be paid in a test
    const later = dayAfter(due, 40);
    const r = await recordPayment(
      db,
      { operator: "urumqi", year: 2025, amount: "600.00", on: later, ref: "FK-U2", method: "direct" },
      { today: later },
    );
    expect(r.outstanding_after).toBe("400.00");
    const ref = await ReferenceData.load(db.knex);
    const before = await ageingReport(db.knex, ref, FULL_VIEW, { as_of: dayAfter(due, 39) });
    const after = await ageingReport(db.knex, ref, FULL_VIEW, { as_of: later });
    const u = (a: typeof before) => a.rows.find((x) => x.operator === "urumqi")!;
    expect(u(before)).toMatchObject({ paid: "800.00", outstanding: "1000.00", bucket: "d31_90" });
    expect(u(after)).toMatchObject({
      paid: "1400.00",
      outstanding: "400.00",
      last_paid_on: later,
      days_outstanding: daysBetween(due, later),
    });
  });
  it("keeps the debts of an operator's two parks apart, each the way it runs, and the totals per direction", async () => {
    const added = await cli(
      db,
      "park",
      "add",
      "--park",
      "UX",
      "--name",
      "乌准二园",
      "--operator",
      "urumqi",
      "--host",
      "prefecture",
      "--operator-share",
      "80",
      "--from",
      "2025-01-01",
    );
    expect(added.code, added.stderr).toBe(0);
    const registry = csvFile([
      ENTERPRISE_HEADER,
      [uscc(61), "乌准二园一号有限公司", "UX", "2025-01-01", "", "new", "urumqi", "false"],
    ]);
    expect((await cli(db, "import", "enterprises", registry)).code).toBe(0);
    const receipts = csvFile([RECEIPT_HEADER, ["UX-1", uscc(61), "RES", "2025-05-01", "500.00", "local", "", ""]]);
    const imported = await cli(db, "import", "receipts", receipts);
    expect(imported.code, imported.stderr).toBe(0);
    const settled = await json(
      "settle",
      "--year",
      "2025",
      "--operator",
      "urumqi",
      "--park",
      "UX",
      "--override-reason",
      "settled without a statement in this test",
    );
    expect(settled.balance_due).toBe("400.00");
    const ux = beijingDate(new Date(settled.closed_at));

    const unnamed = await pay("urumqi", "100.00", ux, "FK-UX0");
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/park_required/);
    const paid = await cli(
      db,
      "payment",
      "record",
      "--operator",
      "urumqi",
      "--park",
      "UX",
      "--year",
      "2025",
      "--amount",
      "400.00",
      "--on",
      ux,
      "--ref",
      "FK-UX1",
      "--method",
      "direct",
      "--format",
      "json",
    );
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.json()).toMatchObject({
      park: "UX",
      direction: "host_to_operator",
      debtor: "prefecture",
      outstanding_after: "0.00",
    });
    // the other park's debt runs the other way and is untouched
    const a = await json("report", "ageing", "--as-of", dayAfter(due, 50), "--operator", "urumqi");
    expect(
      a.rows.map((r: { park: string; direction: string; outstanding: string }) => [r.park, r.direction, r.outstanding]),
    ).toEqual([
      ["UX", "host_to_operator", "0.00"],
      ["WZ", "operator_to_host", "400.00"],
    ]);
    expect(
      a.totals.map((t: { debtor: string; creditor: string; settled: string }) => [t.debtor, t.creditor, t.settled]),
    ).toEqual([
      ["prefecture", "urumqi", "400.00"],
      ["urumqi", "prefecture", "1800.00"],
    ]);
    expect(a.outstanding).toBe("400.00");
    const v = await cli(db, "verify");
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
  it("names a payment whose record no longer matches its entry, and payments beyond the settled balance", async () => {
    // someone with database access switches the triggers off to change a record (the last test: it breaks the books)
    await db.knex.transaction(async (trx) => {
      await trx.raw(`alter table payments disable trigger user`);
      await trx.raw(`update payments set amount_fen = amount_fen + 100 where ref = 'FK-1'`);
      await trx.raw(`alter table payments enable trigger user`);
    });
    const v = await cli(db, "verify", "--format", "json");
    expect(v.code).toBe(3);
    expect(v.json().findings).toEqual(
      expect.arrayContaining([
        {
          check: "payment_booked",
          detail: "payment FK-1 is 120100 fen but its entry moves 120000 fen through the host's settlement payable",
        },
        { check: "payments_within_settled", detail: "the payments of bingtuan BZ 2025 exceed its settled balance" },
      ]),
    );
  });
});
