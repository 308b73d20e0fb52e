// What a careful attacker with a token sends, and what the service must answer: text the books cannot
// keep exactly is refused naming the field (never stored altered, never a 500); amounts and balances
// past the books' limits are refused before anything is written; transfers move positive amounts;
// party and park names are matched one way for everyone; errors name the JSON field, not an option.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan, AMOUNT_FEN_LIMIT } from "../../ledger/money.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, uscc } from "../support/files.js";
import { testApp, type Caller, type TestApp } from "./support.js";

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
  t = await testApp(db);
});
afterAll(async () => db?.drop());

const receipt = (no: string, amount = "100.00") => ({
  receipt_no: no,
  uscc: uscc(1),
  tax_code: "VAT",
  collected_on: "2025-04-01",
  amount,
  scope: "gross",
});

let keys = 0;
const post = (path: string, caller: Caller = "prefecture") =>
  request(t.app)
    .post(path)
    .set(t.auth(caller))
    .set("Idempotency-Key", `hostile-${(keys += 1)}`);
const get = (path: string, caller: Caller = "prefecture") => request(t.app).get(path).set(t.auth(caller));

async function journalSize(): Promise<number> {
  const { rows } = await db.knex.raw("select count(*) as n from journal_entries");
  return Number(rows[0].n);
}

async function intact(): Promise<boolean> {
  const res = await get("/v1/verify");
  expect(res.status).toBe(200);
  return res.body.intact as boolean;
}

describe(`text the books cannot keep as sent (${dialectLabel})`, () => {
  it.each<[string, () => request.Test, string]>([
    ["a receipt number with a lone surrogate", () => post("/v1/receipts").send(receipt("LS-\ud800")), "receipt_no"],
    [
      "a refund_of with a lone surrogate",
      () => post("/v1/receipts").send({ ...receipt("LS-2", "-1.00"), refund_of: "X\udc00" }),
      "refund_of",
    ],
    [
      "a tax period with NUL",
      () => post("/v1/receipts").send({ ...receipt("LS-3"), tax_period: "2025\u000003" }),
      "tax_period",
    ],
    [
      "a receipt number with a right-to-left override",
      () => post("/v1/receipts").send(receipt("PZ-\u202e1")),
      "receipt_no",
    ],
    [
      "a transfer ref with a lone surrogate",
      () => post("/v1/transfers").send({ operator: "bingtuan", amount: "1.00", on: "2025-05-01", ref: "T-\ud800" }),
      "ref",
    ],
    [
      "a transfer ref with NUL",
      () => post("/v1/transfers").send({ operator: "bingtuan", amount: "1.00", on: "2025-05-01", ref: "T-\u0000" }),
      "ref",
    ],
    [
      "an agreement note with NUL",
      () => post("/v1/agreements").send({ park: "BZ", operator_share: "80", from: "2030-01-01", note: "a\u0000b" }),
      "note",
    ],
    [
      "a batch whose 2nd receipt has a lone surrogate",
      () => post("/v1/receipts/batch").send({ receipts: [receipt("LS-B1"), receipt("LS-B2\ud83d")] }),
      "receipts.1.receipt_no",
    ],
  ])("%s is a 400 naming the field, and nothing is booked", async (_what, send, field) => {
    const before = await journalSize();
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await journalSize()).toBe(before);
  });

  it("a receipt number that passes is stored, read back and chained exactly as sent", async () => {
    const no = "PZ-票号-𠀀-\u00e9-=1+1";
    const res = await post("/v1/receipts").send(receipt(no));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const back = await get(`/v1/receipts/${encodeURIComponent(no)}`);
    expect(back.status).toBe(200);
    expect(back.body.receipt_no).toBe(no);
    expect(await intact()).toBe(true);
  });
});

describe(`bad input is a 4xx, never a 500 (${dialectLabel})`, () => {
  it.each<[string, string, number]>([
    ["a month that does not exist", "/v1/trace/indicators?year=2025&park=BZ&indicator=GDP&month=2025-13", 400],
    ["a month outside the year", "/v1/trace/indicators?year=2025&park=BZ&indicator=GDP&month=2024-05", 422],
    ["an account with NUL", "/v1/trace/account?year=2025&jurisdiction=prefecture&account=cash%00", 400],
    ["a receipt number with NUL in the path", "/v1/receipts/PZ-1%00", 400],
    ["malformed percent-encoding in the path", "/v1/receipts/%E0%A4%A", 400],
    ["a query value that is not UTF-8", "/v1/reports/settlement?year=2025&operator=%FF%FE", 400],
  ])("%s", async (_what, url, status) => {
    const res = await get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toMatch(/^[a-z_]+$/);
    expect(res.body.error.message).not.toMatch(/internal/);
  });

  it.each(["..", ".", "a/..", "...."])(
    "an import named %s is a 422 naming `name`, and nothing is imported",
    async (name) => {
      const res = await request(t.app)
        .post(`/v1/imports/receipts?name=${encodeURIComponent(name)}`)
        .set(t.auth("prefecture"))
        .set("Content-Type", "text/csv")
        .send(`receipt_no,uscc,tax_code,collected_on,amount,scope\nNM-1,${uscc(1)},VAT,2025-04-01,1.00,gross\n`);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe("file_name_invalid");
      expect(res.body.error.message).toMatch(/^name: /);
      const { rows } = await db.knex.raw("select count(*) as n from receipts where receipt_no = 'NM-1'");
      expect(Number(rows[0].n)).toBe(0);
    },
  );
});

describe(`an upload's lines are counted as the CSV reader counts them (${dialectLabel})`, () => {
  it("a file whose lines end in CR alone is held to upload_lines_max too", async () => {
    const small = await testApp(db, { upload_lines_max: 5 });
    const rows = Array.from({ length: 50 }, (_, i) => `CR-${i},${uscc(2)},VAT,2025-04-03,1.00,gross`);
    const res = await request(small.app)
      .post("/v1/imports/receipts?name=cr.csv")
      .set(small.auth("prefecture"))
      .set("Content-Type", "text/csv")
      .send(["receipt_no,uscc,tax_code,collected_on,amount,scope", ...rows].join("\r"));
    expect(res.status, JSON.stringify(res.body)).toBe(413);
    const { rows: booked } = await db.knex.raw("select count(*) as n from receipts where receipt_no like 'CR-%'");
    expect(Number(booked[0].n)).toBe(0);
  });
});

describe(`the books' limits (${dialectLabel})`, () => {
  it("one fen over the largest amount a receipt may carry is refused as amount_too_large", async () => {
    const over = formatYuan(AMOUNT_FEN_LIMIT + 1n);
    const res = await post("/v1/receipts").send(receipt("BIG-1", over));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ field: "amount", code: "amount_too_large" });
    const at = await post("/v1/receipts").send(receipt("BIG-2", formatYuan(AMOUNT_FEN_LIMIT)));
    expect(at.status, JSON.stringify(at.body)).toBe(201);
  });

  it("a batch of 10,000 receipts of 10,000,000,000,000.00 is a 422, not an overflow", async () => {
    const before = await journalSize();
    const receipts = Array.from({ length: 10_000 }, (_, i) => receipt(`HUGE-${i}`, "10000000000000.00"));
    const res = await post("/v1/receipts/batch").send({ receipts });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ index: 0, field: "amount", code: "amount_too_large" });
    expect(await journalSize()).toBe(before);
  });

  it("a batch that would take a running total past the balance limit is refused whole, and the books stay intact", async () => {
    const before = await journalSize();
    // 10,000 receipts at the largest amount: 10^17 fen of VAT; their local half meets the limit with what is booked
    const max = formatYuan(AMOUNT_FEN_LIMIT);
    const receipts = Array.from({ length: 10_000 }, (_, i) => ({ ...receipt(`TOP-${i}`, max), scope: "local" }));
    const res = await post("/v1/receipts/batch").send({ receipts });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(422);
    expect(res.body.error.code).toBe("balance_limit_exceeded");
    expect(await journalSize()).toBe(before);
    expect(await intact()).toBe(true);
  }, 120_000);
});

describe(`transfers move positive amounts (${dialectLabel})`, () => {
  it("a negative transfer is refused naming amount; a zero one too", async () => {
    for (const amount of ["-1000.00", "0.00"]) {
      const res = await post("/v1/transfers").send({
        operator: "bingtuan",
        amount,
        on: "2025-05-01",
        ref: `NEG-${amount}`,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.message).toMatch(/^amount: /);
      expect(res.body.error.message).not.toMatch(/--/);
    }
    const { rows } = await db.knex.raw("select count(*) as n from transfers where ref like 'NEG-%'");
    expect(Number(rows[0].n)).toBe(0);
  });

  it("money the operator returns is a recovery, shown as such in the settlement statement", async () => {
    const interim = await post("/v1/transfers").send({
      operator: "urumqi",
      amount: "500.00",
      on: "2025-05-01",
      ref: "YB-U-1",
    });
    expect(interim.status, JSON.stringify(interim.body)).toBe(201);
    expect(interim.body.kind).toBe("interim");
    const back = await post("/v1/transfers").send({
      operator: "urumqi",
      amount: "120.00",
      on: "2025-08-01",
      ref: "SH-U-1",
      kind: "recovery",
    });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body).toMatchObject({ kind: "recovery", amount: "120.00" });
    const s = await get("/v1/reports/settlement?year=2025&operator=urumqi");
    expect(s.status).toBe(200);
    expect(s.body.totals).toMatchObject({ transferred_interim: "500.00", recovered: "120.00", transferred: "380.00" });
    expect(s.body.transfers).toEqual([
      { ref: "YB-U-1", kind: "interim", transferred_on: "2025-05-01", amount: "500.00" },
      { ref: "SH-U-1", kind: "recovery", transferred_on: "2025-08-01", amount: "120.00" },
    ]);
    const due = BigInt(s.body.totals.operator_share.replace(".", "")) - 38000n;
    expect(s.body.totals.balance_due).toBe(formatYuan(due));
    const tr = await get("/v1/trace/settlement?year=2025&operator=urumqi&figure=transferred");
    expect(tr.body).toMatchObject({ total: "380.00", agrees: true });
    const table = await get("/v1/reports/settlement?year=2025&operator=urumqi&format=table");
    expect(table.text).toMatch(/收回/);
    const tb = await get("/v1/reports/trial-balance?year=2025&jurisdiction=urumqi");
    expect(tb.status).toBe(200);
    expect(await intact()).toBe(true);
  });

  it("a recovery never returns more than was transferred that year, net of earlier returns", async () => {
    const first = await post("/v1/transfers").send({
      operator: "bingtuan",
      amount: "300.00",
      on: "2026-02-01",
      ref: "YB-B-26",
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const back = { operator: "bingtuan", on: "2026-03-01", kind: "recovery" };
    const over = await post("/v1/transfers").send({ ...back, amount: "300.01", ref: "SH-B-26-1" });
    expect(over.status).toBe(422);
    expect(over.body.error).toMatchObject({ code: "recovery_exceeds_transferred", details: { field: "amount" } });
    expect((await post("/v1/transfers").send({ ...back, amount: "200.00", ref: "SH-B-26-2" })).status).toBe(201);
    const again = await post("/v1/transfers").send({ ...back, amount: "100.01", ref: "SH-B-26-3" });
    expect(again.body.error?.code).toBe("recovery_exceeds_transferred");
    const none = await post("/v1/transfers").send({
      operator: "urumqi",
      amount: "1.00",
      on: "2027-01-05",
      ref: "SH-U-27",
      kind: "recovery",
    });
    expect(none.status).toBe(422);
  });

  it("a reference with white space at either end is refused, so a retry cannot book a second transfer", async () => {
    const sent = { operator: "bingtuan", amount: "100.00", on: "2026-04-01" };
    expect((await post("/v1/transfers").send({ ...sent, ref: "T-PAD" })).status).toBe(201);
    for (const ref of ["T-PAD ", " T-PAD"]) {
      const res = await post("/v1/transfers").send({ ...sent, ref });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^ref: .*identifier_padded/);
    }
    const { rows } = await db.knex.raw("select count(*) as n from transfers where ref like '%T-PAD%'");
    expect(Number(rows[0].n)).toBe(1);
  });

  it("a kind that is neither is a 400", async () => {
    const res = await post("/v1/transfers").send({
      operator: "urumqi",
      amount: "1.00",
      on: "2025-05-01",
      ref: "K-1",
      kind: "gift",
    });
    expect(res.status).toBe(400);
  });
});

describe(`party, park and jurisdiction names are matched one way for everyone (${dialectLabel})`, () => {
  it.each<[string, Caller, string]>([
    [
      "Urumqi's own trial balance by a capitalised code",
      "urumqi",
      "/v1/reports/trial-balance?year=2025&jurisdiction=Urumqi",
    ],
    [
      "by its Chinese name",
      "urumqi",
      `/v1/reports/trial-balance?year=2025&jurisdiction=${encodeURIComponent("乌鲁木齐")}`,
    ],
    ["the prefecture asking the same", "prefecture", "/v1/reports/trial-balance?year=2025&jurisdiction=URUMQI"],
    [
      "Bingtuan's settlement by 兵团",
      "bingtuan",
      `/v1/reports/settlement?year=2025&operator=${encodeURIComponent("兵团")}`,
    ],
    ["a park in lower case", "bingtuan", "/v1/reports/indicators?year=2025&park=bz"],
  ])("%s answers 200 with the canonical code", async (_what, caller, url) => {
    const res = await get(url, caller);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const named = res.body.jurisdiction ?? res.body.operator ?? res.body.park;
    expect(["urumqi", "bingtuan", "BZ"]).toContain(named);
  });

  it("another party's books stay closed however they are spelled", async () => {
    for (const spelled of ["Bingtuan", "BINGTUAN", encodeURIComponent("新疆生产建设兵团")]) {
      const res = await get(`/v1/reports/trial-balance?year=2025&jurisdiction=${spelled}`, "urumqi");
      expect(res.status).toBe(403);
    }
  });

  it("a part of a name is no name: 木齐 closes nobody's year", async () => {
    const res = await post("/v1/settlements").send({ year: 2024, operator: "木齐" });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("jurisdiction_unknown");
    const { rows } = await db.knex.raw("select count(*) as n from closures");
    expect(Number(rows[0].n)).toBe(0);
  });

  it("an unknown name is a 422 naming the field and the valid values", async () => {
    const res = await get("/v1/reports/trial-balance?year=2025&jurisdiction=Atlantis");
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("jurisdiction_unknown");
    expect(res.body.error.message).toMatch(/^jurisdiction: Atlantis is not a party; use one of .*bingtuan.*urumqi/);
  });
});

describe(`errors name the JSON field, never a command-line option (${dialectLabel})`, () => {
  it.each<[string, () => request.Test, string]>([
    [
      "an agreement share over 100",
      () => post("/v1/agreements").send({ park: "BZ", operator_share: "180", from: "2031-01-01" }),
      "operator_share",
    ],
    [
      "a ratio for an unknown tax",
      () => post("/v1/ratios").send({ tax: "NOPE", central_share: "50", from: "2031-01-01" }),
      "tax",
    ],
    [
      "a transfer to a party that runs no park",
      () => post("/v1/transfers").send({ operator: "central", amount: "1.00", on: "2025-05-01", ref: "C-1" }),
      "operator",
    ],
    [
      "a statement for a party that runs no park",
      () =>
        request(t.app)
          .post("/v1/imports/statements?party=central")
          .set(t.auth("prefecture"))
          .set("Content-Type", "text/csv")
          .send("receipt_no\n"),
      "party",
    ],
    ["a trace of an unknown tax", () => get("/v1/trace/settlement?year=2025&operator=bingtuan&tax=NOPE"), "tax"],
    [
      "a trace of an unknown indicator",
      () => get("/v1/trace/indicators?year=2025&park=BZ&indicator=NOPE"),
      "indicator",
    ],
  ])("%s", async (_what, send, field) => {
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).not.toMatch(/--[a-z]/);
    expect(res.body.error.message.startsWith(`${field}: `), res.body.error.message).toBe(true);
  });

  it("the command line still names its options", async () => {
    const run = await cli(db, "agreement", "set", "--park", "BZ", "--operator-share", "180", "--from", "2031-01-01");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--operator-share: /);
  });
});
