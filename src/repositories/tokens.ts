// API tokens: created once and shown once, stored as their sha256, listed without their secret, and
// revoked by id. A token names a party and a role; the HTTP layer decides what each may do.

import crypto from "node:crypto";
import type { Knex } from "knex";
import { fieldRejection, Rejection } from "../../ledger/rejections.js";

export const PARTIES = ["prefecture", "bingtuan", "urumqi", "statistics", "auditor"] as const;
export const ROLES = ["finance", "statistics", "auditor"] as const;
export type Party = (typeof PARTIES)[number];
export type Role = (typeof ROLES)[number];

/** Which roles a party may hold: the finance departments hold finance; the bureau and auditors their own. */
export const ROLE_OF_PARTY: Record<Party, readonly Role[]> = {
  prefecture: ["finance"],
  bingtuan: ["finance"],
  urumqi: ["finance"],
  statistics: ["statistics"],
  auditor: ["auditor"],
};

export interface TokenRow {
  id: string;
  party: Party;
  role: Role;
  label: string;
  hint: string;
  created_at: string;
  revoked_at: string | null;
}

export interface Principal {
  token_id: bigint;
  party: Party;
  role: Role;
}

const PREFIX = "plk_";

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export async function createToken(
  knex: Knex,
  input: { party: string; role: string; label?: string },
): Promise<{ token: string; row: TokenRow }> {
  const party = input.party.trim().toLowerCase() as Party;
  const role = input.role.trim().toLowerCase() as Role;
  if (!PARTIES.includes(party))
    throw fieldRejection("party", "party_unknown", `${input.party} is not one of ${PARTIES.join(", ")}`);
  if (!(ROLE_OF_PARTY[party] as readonly string[]).includes(role))
    throw fieldRejection(
      "role",
      "party_unknown",
      `${party} holds the role ${ROLE_OF_PARTY[party].join(" or ")}, not ${input.role}`,
    );
  const token = PREFIX + crypto.randomBytes(32).toString("base64url");
  const [row] = await knex("api_tokens")
    .insert({ party, role, label: input.label ?? "", token_sha256: hashToken(token), hint: token.slice(0, 10) })
    .returning(["id", "party", "role", "label", "hint", "created_at", "revoked_at"]);
  return { token, row: view(row) };
}

export async function listTokens(knex: Knex): Promise<TokenRow[]> {
  const rows = await knex("api_tokens")
    .select("id", "party", "role", "label", "hint", "created_at", "revoked_at")
    .orderBy("id");
  return rows.map(view);
}

export async function revokeToken(knex: Knex, id: string): Promise<TokenRow> {
  if (!/^\d+$/.test(id)) throw new Rejection("party_unknown", `token id ${id} is not a number`);
  const [row] = await knex("api_tokens")
    .where({ id })
    .update({ revoked_at: knex.raw("coalesce(revoked_at, now())") })
    .returning(["id", "party", "role", "label", "hint", "created_at", "revoked_at"]);
  if (row === undefined) throw new Rejection("party_unknown", `there is no token ${id}`);
  return view(row);
}

/** The principal a bearer token stands for; null for an unknown or revoked token. */
export async function authenticate(knex: Knex, token: string): Promise<Principal | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  // asked on every request: a plain statement, no query builder
  const { rows } = await knex.raw(
    "select id, party, role from api_tokens where token_sha256 = ? and revoked_at is null",
    [hashToken(token)],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { token_id: BigInt(row.id), party: row.party, role: row.role };
}

function view(row: Record<string, unknown>): TokenRow {
  return {
    id: String(row.id),
    party: row.party as Party,
    role: row.role as Role,
    label: row.label as string,
    hint: `${row.hint as string}…`,
    created_at: new Date(row.created_at as string).toISOString(),
    revoked_at: row.revoked_at === null ? null : new Date(row.revoked_at as string).toISOString(),
  };
}
