// People who sign in to the web workspace (migrations/020_users.ts): a name, a password kept as an
// argon2id hash, and a token of their own that records, throttles and revokes what they do as a token's
// is. A session is a random secret handed to the browser in an httpOnly cookie and kept here only as its
// sha256, with an expiry; signing out ends it.

import crypto from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Knex } from "knex";
import { fieldRejection } from "../../ledger/rejections.js";
import { createToken, hashToken, principalWhere, type Principal } from "./tokens.js";

/** How long a session lasts from sign-in: a working day. */
export const SESSION_HOURS = 10;
const PASSWORD_MIN = 10;
const PASSWORD_MAX = 200;
const NAME = /^[a-z][a-z0-9_.-]{1,31}$/;

export interface UserView {
  name: string;
  party: string;
  role: string;
  created_at: string;
}

function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `a password has at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `a password has at most ${PASSWORD_MAX} characters`;
  return null;
}

/** Adds a person of `party` with `role` (the roles a party may hold are a token's); the name is unique. */
export async function addUser(
  knex: Knex,
  input: { name: string; party: string; role: string; password: string },
): Promise<UserView> {
  const name = input.name.trim().toLowerCase();
  if (!NAME.test(name))
    throw fieldRejection(
      "name",
      "party_code_invalid",
      "a user name is 2 to 32 small letters, digits, _ . or -, starting with a letter",
    );
  const problem = passwordProblem(input.password);
  if (problem !== null) throw fieldRejection("password", "field_too_long", problem);
  return knex.transaction(async (trx) => {
    if ((await trx("users").where({ name }).first()) !== undefined)
      throw fieldRejection("name", "park_exists", `a user ${name} is already recorded`);
    const token = await createToken(trx, { party: input.party, role: input.role, label: `user:${name}` });
    const password_hash = await hash(input.password);
    const [row] = await trx("users")
      .insert({ name, token_id: token.row.id, password_hash })
      .returning(["name", "created_at"]);
    return {
      name: row.name,
      party: token.row.party,
      role: token.row.role,
      created_at: new Date(row.created_at).toISOString(),
    };
  });
}

/**
 * Signs a person in: a new session secret when the name and password match a user whose token is not
 * revoked; null otherwise (the caller throttles and says nothing of which was wrong).
 */
export async function signIn(
  knex: Knex,
  name: string,
  password: string,
): Promise<{ secret: string; expires_at: Date; user: UserView } | null> {
  const user = await knex("users as u")
    .join("api_tokens as t", "t.id", "u.token_id")
    .select("u.id", "u.name", "u.password_hash", "u.created_at", "t.party", "t.role")
    .where("u.name", name.trim().toLowerCase())
    .whereNull("u.disabled_at")
    .whereNull("t.revoked_at")
    .first();
  // a name unknown costs the same as a wrong password: the time of an answer tells nothing
  const matches = await verify(user?.password_hash ?? (await dummyHash()), password.slice(0, PASSWORD_MAX)).catch(
    () => false,
  );
  if (user === undefined || !matches) return null;
  const secret = crypto.randomBytes(32).toString("base64url");
  const expires_at = new Date(Date.now() + SESSION_HOURS * 3600_000);
  await knex("user_sessions").insert({ secret_sha256: hashToken(secret), user_id: user.id, expires_at });
  return {
    secret,
    expires_at,
    user: { name: user.name, party: user.party, role: user.role, created_at: new Date(user.created_at).toISOString() },
  };
}

/** The principal of a session that has not ended or expired, of a user not disabled; null otherwise. */
export async function sessionPrincipal(knex: Knex, secret: string): Promise<Principal | null> {
  if (secret.length === 0 || secret.length > 100) return null;
  return principalWhere(
    knex,
    `t.id = (select u.token_id from user_sessions s join users u on u.id = s.user_id
              where s.secret_sha256 = ? and s.ended_at is null and s.expires_at > now() and u.disabled_at is null)`,
    [hashToken(secret)],
  );
}

/** Ends a session (signing out); ending one that has ended is a no-op. */
export async function signOut(knex: Knex, secret: string): Promise<void> {
  await knex("user_sessions")
    .where({ secret_sha256: hashToken(secret) })
    .whereNull("ended_at")
    .update({ ended_at: knex.fn.now() });
}

/** Every user, without a password. */
export async function listUsers(knex: Knex): Promise<(UserView & { disabled_at: string | null })[]> {
  const rows = await knex("users as u")
    .join("api_tokens as t", "t.id", "u.token_id")
    .select("u.name", "t.party", "t.role", "u.created_at", "u.disabled_at")
    .orderBy("u.name");
  return rows.map((r: Record<string, unknown>) => ({
    name: r.name as string,
    party: r.party as string,
    role: r.role as string,
    created_at: new Date(r.created_at as string).toISOString(),
    disabled_at: r.disabled_at === null ? null : new Date(r.disabled_at as string).toISOString(),
  }));
}

/** The name of the person whose own token `token_id` is; null for a token of a machine. */
export async function userOfToken(knex: Knex, token_id: bigint): Promise<string | null> {
  const row = await knex("users").select("name").where({ token_id: token_id.toString() }).first();
  return (row?.name as string | undefined) ?? null;
}

/** A hash of a random secret, verified against when the name is unknown, made once. */
let dummy: Promise<string> | null = null;
const dummyHash = (): Promise<string> => (dummy ??= hash(crypto.randomBytes(32).toString("base64url")));
