// The migrations in order. They are imported here rather than found on disk, so the same list runs
// from the TypeScript sources (tests) and from the compiled build (the `parkledger` command).

import type { Knex } from "knex";
import * as m001 from "./001_reference_tables.js";
import * as m002 from "./002_reference_seed.js";
import * as m003 from "./003_enterprises_and_imports.js";
import * as m004 from "./004_journal.js";
import * as m005 from "./005_receipts_transfers_closures.js";
import * as m006 from "./006_operator_statements.js";
import * as m007 from "./007_indicators.js";
import * as m008 from "./008_projects_and_quotas.js";
import * as m009 from "./009_audit_trail.js";
import * as m010 from "./010_api_tokens.js";
import * as m011 from "./011_accounts_append_only.js";
import * as m012 from "./012_transfer_kinds.js";
import * as m013 from "./013_balance_limit.js";
import * as m014 from "./014_parties_as_data.js";
import * as m015 from "./015_short_names.js";
import * as m016 from "./016_park_of_transfers_and_closures.js";
import * as m017 from "./017_treasury_data.js";
import * as m018 from "./018_resplits.js";
import * as m019 from "./019_land_revenue.js";
import * as m020 from "./020_users.js";
import * as m021 from "./021_reconciliation_decisions.js";
import * as m022 from "./022_monthly_balances.js";
import * as m023 from "./023_transfer_proposals.js";
import * as m024 from "./024_settlement_statements.js";
import * as m025 from "./025_payments.js";
import * as m026 from "./026_registry_versions.js";
import * as m027 from "./027_reclassifications.js";
import * as m028 from "./028_operator_statistics_bureaus.js";
import * as m029 from "./029_cheaper_entry_checks.js";
import * as m030 from "./030_data_version.js";
import * as m032 from "./032_suspense_index.js";
import * as m033 from "./033_budget_item_sums.js";

interface Migration {
  name: string;
  module: Knex.Migration;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "001_reference_tables", module: m001 },
  { name: "002_reference_seed", module: m002 },
  { name: "003_enterprises_and_imports", module: m003 },
  { name: "004_journal", module: m004 },
  { name: "005_receipts_transfers_closures", module: m005 },
  { name: "006_operator_statements", module: m006 },
  { name: "007_indicators", module: m007 },
  { name: "008_projects_and_quotas", module: m008 },
  { name: "009_audit_trail", module: m009 },
  { name: "010_api_tokens", module: m010 },
  { name: "011_accounts_append_only", module: m011 },
  { name: "012_transfer_kinds", module: m012 },
  { name: "013_balance_limit", module: m013 },
  { name: "014_parties_as_data", module: m014 },
  { name: "015_short_names", module: m015 },
  { name: "016_park_of_transfers_and_closures", module: m016 },
  { name: "017_treasury_data", module: m017 },
  { name: "018_resplits", module: m018 },
  { name: "019_land_revenue", module: m019 },
  { name: "020_users", module: m020 },
  { name: "021_reconciliation_decisions", module: m021 },
  { name: "022_monthly_balances", module: m022 },
  { name: "023_transfer_proposals", module: m023 },
  { name: "024_settlement_statements", module: m024 },
  { name: "025_payments", module: m025 },
  { name: "026_registry_versions", module: m026 },
  { name: "027_reclassifications", module: m027 },
  { name: "028_operator_statistics_bureaus", module: m028 },
  { name: "029_cheaper_entry_checks", module: m029 },
  { name: "030_data_version", module: m030 },
  { name: "032_suspense_index", module: m032 },
  { name: "033_budget_item_sums", module: m033 },
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration.module,
};
