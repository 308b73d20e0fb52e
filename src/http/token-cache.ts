// Who a bearer token is, asked of the database as seldom as is safe: a token found valid is trusted for
// a short while, one found unknown is refused from memory for a few seconds, and many requests with
// one token wait for a single lookup.

import type { Database } from "../db/database.js";
import { authenticate, hashToken, type Principal } from "../repositories/tokens.js";
import { LIMITS } from "./guard.js";

/**
 * Tokens found valid, and tokens found unknown, by the sha256 of the token, with when they were
 * checked; and the lookups under way, so that many requests with one token ask the database once.
 * A token becomes valid only when it is created and printed, so remembering an unknown one for a few
 * seconds refuses nobody who holds a real token; a revoked one is forgotten as valid after ttl_ms.
 */
export class TokenCache {
  private readonly valid = new Map<string, { principal: Principal; checked: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly asking = new Map<string, Promise<Principal | null>>();
  /** Tokens found valid at some time: they are looked up even from an address being throttled. */
  private readonly once_valid = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly ttl_ms: number,
    private readonly unknown_ttl_ms: number,
  ) {}

  /** Whether this token was found valid before (it may have been revoked since: principal() tells). */
  wasValid(token: string): boolean {
    return this.once_valid.has(hashToken(token));
  }

  async principal(token: string): Promise<Principal | null> {
    const key = hashToken(token);
    if (this.ttl_ms <= 0) {
      const principal = await authenticate(this.db.knex, token);
      if (principal !== null) this.rememberValid(key);
      return principal;
    }
    const now = Date.now();
    const hit = this.valid.get(key);
    if (hit !== undefined && now - hit.checked < this.ttl_ms) return hit.principal;
    const miss = this.unknown.get(key);
    if (miss !== undefined && now - miss < this.unknown_ttl_ms) return null;
    const under_way = this.asking.get(key);
    if (under_way !== undefined) return under_way;
    const lookup = authenticate(this.db.knex, token)
      .then((principal) => {
        this.remember(key, principal, now);
        return principal;
      })
      .finally(() => this.asking.delete(key));
    this.asking.set(key, lookup);
    return lookup;
  }

  private remember(key: string, principal: Principal | null, now: number): void {
    if (principal === null) {
      this.valid.delete(key);
      if (this.unknown_ttl_ms <= 0) return;
      this.unknown.delete(key); // kept in the order checked: the oldest and the expired are at the front
      for (const [old, checked] of this.unknown) {
        if (this.unknown.size < LIMITS.unknown_tokens_max && now - checked < this.unknown_ttl_ms) break;
        this.unknown.delete(old);
      }
      this.unknown.set(key, now);
    } else {
      this.rememberValid(key);
      this.unknown.delete(key);
      if (this.valid.size >= LIMITS.valid_tokens_max) this.valid.clear();
      this.valid.set(key, { principal, checked: now });
    }
  }

  private rememberValid(key: string): void {
    if (this.once_valid.size >= LIMITS.valid_tokens_max) this.once_valid.clear();
    this.once_valid.add(key);
  }
}
