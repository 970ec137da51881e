/**
 * A bounded cache of verified JWT access tokens, for `createJwtVerifier`. A resource server sees
 * the same token many times in its lifetime; checking its signature each time (an ES256 verify is
 * about a hundred times the cost of a Map look-up) is work already done. An entry lives until the
 * token's own `exp` and no longer, so a cached token is refused exactly when a fresh check would
 * refuse it for expiry; the least recently used entry goes first when the cache is full.
 */

/** Tokens longer than this are verified every time: they would make the cache's memory unbounded. */
const MAX_CACHED_TOKEN_LENGTH = 8192;

export interface VerifiedCache<C> {
  get(token: string): C | undefined;
  set(token: string, claims: C, expiresAtMs: number): void;
}

export function createVerifiedCache<C>(maxEntries: number): VerifiedCache<C> {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, { claims: C; until: number }>();
  return {
    get(token) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      entries.delete(token);
      if (entry.until <= Date.now()) return undefined;
      entries.set(token, entry);
      // A copy: a caller changing its claims must not change what the next caller gets.
      return structuredClone(entry.claims);
    },
    set(token, claims, until) {
      if (maxEntries <= 0 || token.length > MAX_CACHED_TOKEN_LENGTH || until <= Date.now()) return;
      entries.delete(token);
      entries.set(token, { claims: structuredClone(claims), until });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
