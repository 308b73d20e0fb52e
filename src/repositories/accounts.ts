// Account ids by (jurisdiction, code). Accounts are made from the chart's templates the first time a
// posting needs one, so a new park or operator gets its books without a migration.

import type { Knex } from "knex";
import { accountTemplate } from "../../ledger/chart.js";

export const MONEY_UNIT = "CNY";

export interface AccountRow {
  id: number;
  jurisdiction: string;
  code: string;
  normal_balance: "debit" | "credit";
  name_zh: string;
  name_en: string;
  /** `CNY` (amounts in fen, scale 2) or an indicator's unit such as `10k CNY` (1/10000, scale 4) */
  unit: string;
  scale: number;
}

export class AccountBook {
  /** jurisdiction → code → account: two lookups, no key string built per line */
  private readonly byKey = new Map<string, Map<string, AccountRow>>();
  private readonly byId = new Map<number, AccountRow>();

  /** indicator code → its unit, for the indicator accounts made on demand */
  private readonly indicatorUnits = new Map<string, string>();

  static async load(knex: Knex | Knex.Transaction): Promise<AccountBook> {
    const book = new AccountBook();
    for (const row of (await knex("accounts").select("*")) as AccountRow[]) book.remember(row);
    for (const row of await knex("indicators").select("code", "unit")) book.indicatorUnits.set(row.code, row.unit);
    return book;
  }

  private remember(row: AccountRow): void {
    let codes = this.byKey.get(row.jurisdiction);
    if (codes === undefined) {
      codes = new Map();
      this.byKey.set(row.jurisdiction, codes);
    }
    codes.set(row.code, row);
    this.byId.set(row.id, row);
  }

  /** Makes sure every (jurisdiction, code) pair has an account row. */
  async ensure(trx: Knex | Knex.Transaction, keys: Iterable<{ jurisdiction: string; code: string }>): Promise<void> {
    const missing = new Map<string, { jurisdiction: string; code: string }>();
    for (const k of keys) {
      const key = `${k.jurisdiction}|${k.code}`;
      if (!this.has(k.jurisdiction, k.code)) missing.set(key, { jurisdiction: k.jurisdiction, code: k.code });
    }
    if (missing.size === 0) return;
    const rows = [...missing.values()].map(({ jurisdiction, code }) => {
      const t = accountTemplate(code);
      const unit = t.measure === "money" ? MONEY_UNIT : this.indicatorUnits.get(code.split(":")[1]!);
      if (unit === undefined) throw new Error(`account ${code} names an indicator that does not exist`);
      const scale = t.measure === "money" ? 2 : 4;
      return {
        jurisdiction,
        code,
        normal_balance: t.normal_balance,
        name_zh: t.name_zh,
        name_en: t.name_en,
        unit,
        scale,
      };
    });
    await trx("accounts").insert(rows).onConflict(["jurisdiction", "code"]).ignore();
    const stored = (await trx("accounts")
      .select("*")
      .whereIn(
        "code",
        rows.map((r) => r.code),
      )) as AccountRow[];
    for (const row of stored) this.remember(row);
  }

  has(jurisdiction: string, code: string): boolean {
    return this.byKey.get(jurisdiction)?.has(code) ?? false;
  }

  id(jurisdiction: string, code: string): number {
    const row = this.byKey.get(jurisdiction)?.get(code);
    if (row === undefined) throw new Error(`account ${jurisdiction}/${code} was not ensured before use`);
    return row.id;
  }

  get(id: number): AccountRow {
    const row = this.byId.get(id);
    if (row === undefined) throw new Error(`no account ${id}`);
    return row;
  }

  all(): AccountRow[] {
    return [...this.byId.values()];
  }
}
