// Payments through the database as a property: whatever amounts are tried against a settled balance,
// the payments recorded never add up to more than it, and the ageing's outstanding is the balance less
// what was recorded, to the fen; the books stay balanced and verify finds them intact.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../../ledger/money.js";
import { beijingDate } from "../../ledger/payments.js";
import { Rejection } from "../../ledger/rejections.js";
import { ageingReport } from "../../reports/ageing.js";
import { FULL_VIEW } from "../../reports/viewer.js";
import { ReferenceData } from "../../src/repositories/reference.js";
import { recordPayment } from "../../src/services/payments.js";
import { settleYear } from "../../src/services/settle.js";
import { recordTransfer } from "../../src/services/transfers.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry } from "../support/files.js";

let db: TestDatabase;
let year = 2000;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

describe(`payments recorded against a settled balance (${dialectLabel})`, () => {
  it("never exceed it, and leave outstanding the balance less what was paid, to the fen", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 100_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 60_000_000n }), { minLength: 1, maxLength: 6 }),
        async (over, tries) => {
          year += 1;
          // an over-transfer of a year with nothing booked: the operator owes it back once settled
          await recordTransfer(db, {
            operator: "urumqi",
            amount: formatYuan(over),
            on: `${year}-06-30`,
            ref: `PT-${year}`,
          });
          const settled = await settleYear(db, year, "urumqi", {
            override_reason: "payments property test: no statement",
          });
          expect(settled.balance_due).toBe(formatYuan(-over));
          const today = beijingDate(new Date(settled.closed_at));
          let paid = 0n;
          for (const [i, amount] of tries.entries()) {
            try {
              const r = await recordPayment(
                db,
                {
                  operator: "urumqi",
                  year,
                  amount: formatYuan(amount),
                  on: today,
                  ref: `PP-${year}-${i}`,
                  method: "remittance",
                },
                { today },
              );
              paid += amount;
              expect(r.direction).toBe("operator_to_host");
              expect(r.outstanding_after).toBe(formatYuan(over - paid));
            } catch (e) {
              expect(e).toBeInstanceOf(Rejection);
              expect((e as Rejection).code).toBe("overpayment");
              expect(paid + amount > over).toBe(true);
            }
          }
          expect(paid <= over).toBe(true);
          const ageing = await ageingReport(db.knex, await ReferenceData.load(db.knex), FULL_VIEW, {
            year,
            as_of: today,
          });
          expect(ageing.rows).toHaveLength(1);
          expect(ageing.rows[0]).toMatchObject({
            settled: formatYuan(over),
            paid: formatYuan(paid),
            outstanding: formatYuan(over - paid),
          });
        },
      ),
      { numRuns: 8 },
    );
    const v = await cli(db, "verify");
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const tb = await cli(
      db,
      "report",
      "trial-balance",
      "--year",
      beijingDate(new Date()).slice(0, 4),
      "--jurisdiction",
      "urumqi",
      "--format",
      "json",
    );
    expect(tb.json().balanced).toBe(true);
  });
});
