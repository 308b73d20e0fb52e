// API tokens: created once and shown once, stored as their sha256, listed without their secret, and
// revoked by id. A token names a party and a role; the HTTP layer decides what each may do.

import crypto from "node:crypto";
import type { Knex } from "knex";
import { fieldRejection, Rejection } from "../../ledger/rejections.js";

export const ROLES = ["finance", "statistics", "auditor"] as const;
export type Role = (typeof ROLES)[number];
/** A local jurisdiction's code (its finance department), or `statistics` or `auditor`. */
export type Party = string;

/** The parties that are not jurisdictions, each holding the one role of the same name. */
const BUREAUS: readonly Role[] = ["statistics", "auditor"];

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
  /** The parks this party runs for another host (an operator's finance department, and its statistics bureau, see these). */
  operates: readonly string[];
  /** The parks this party hosts for an operator (the host's finance department books their receipts). */
  hosts: readonly string[];
}

const PREFIX = "plk_";

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export async function createToken(
  knex: Knex,
  input: { party: string; role: string; label?: string },
): Promise<{ token: string; row: TokenRow }> {
  const party = input.party.trim().toLowerCase();
  const role = input.role.trim().toLowerCase() as Role;
  const parties = await tokenParties(knex);
  if (!parties.includes(party))
    throw fieldRejection("party", "party_unknown", `${input.party} is not one of ${parties.join(", ")}`);
  const holds = await rolesOf(knex, party);
  if (!holds.includes(role))
    throw fieldRejection("role", "party_unknown", `${party} holds the role ${holds.join(" or ")}, not ${input.role}`);
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
  if (!/^\d{1,18}$/.test(id)) throw new Rejection("party_unknown", `token id ${id} is not a token number`);
  const [row] = await knex("api_tokens")
    .where({ id })
    .update({ revoked_at: knex.raw("coalesce(revoked_at, now())") })
    .returning(["id", "party", "role", "label", "hint", "created_at", "revoked_at"]);
  if (row === undefined) throw new Rejection("party_unknown", `there is no token ${id}`);
  return view(row);
}

/**
 * The roles a party's tokens may have: a bureau its own (the zone's statistics bureau, the auditors); a
 * jurisdiction its finance department, and one that runs a park for another host also its own
 * statistics bureau, which counts that park's indicators (seed 004 §6).
 */
export async function rolesOf(knex: Knex, party: string): Promise<Role[]> {
  if ((BUREAUS as readonly string[]).includes(party)) return [party as Role];
  const runs = await knex("parks").whereRaw("operator = ? and host <> operator", [party]).first("code");
  return runs === undefined ? ["finance"] : ["finance", "statistics"];
}

/** Who may hold a token: every local jurisdiction (its finance department), the bureau and the auditors. */
export async function tokenParties(knex: Knex): Promise<string[]> {
  const rows = (await knex("jurisdictions").select("code").where({ is_central: false }).orderBy("code")) as {
    code: string;
  }[];
  return [...rows.map((r) => r.code), ...BUREAUS];
}

/** The principal a bearer token stands for; null for an unknown or revoked token. */
export async function authenticate(knex: Knex, token: string): Promise<Principal | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  return principalWhere(knex, "t.token_sha256 = ?", [hashToken(token)]);
}

/**
 * The principal of the token `where` finds (not revoked), with the parks its party runs and hosts; a
 * plain statement, no query builder, the parks with it. Sessions of people find their own token.
 */
export async function principalWhere(knex: Knex, where: string, bindings: string[]): Promise<Principal | null> {
  const { rows } = await knex.raw(
    `select t.id, t.party, t.role,
            coalesce((select json_agg(p.code order by p.code) from parks p
                       where t.role in ('finance', 'statistics') and p.operator = t.party and p.host <> t.party), '[]')::text as operates,
            coalesce((select json_agg(p.code order by p.code) from parks p
                       where t.role = 'finance' and p.host = t.party and p.operator <> t.party), '[]')::text as hosts
       from api_tokens t where ${where} and t.revoked_at is null`,
    bindings,
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    token_id: BigInt(row.id),
    party: row.party,
    role: row.role,
    operates: JSON.parse(row.operates) as string[],
    hosts: JSON.parse(row.hosts) as string[],
  };
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
