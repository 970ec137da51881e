/**
 * Which stored tokens belong to which grant, so that a replayed code or a reused refresh token
 * revokes the whole grant without a scan (RFC 6749 §4.1.2, RFC 9700 §4.14.2). Most grants hold one
 * token (client credentials) or two (an access and a refresh token): a grant of one token is kept as
 * the bare hash, not an array, since this runs for every token issued and lives as long as it does.
 */
import { ShardedMap } from './sharded-map.js';

export class GrantIndex {
  // Sharded: one entry per live grant, as many as the tokens (sharded-map.ts).
  readonly #grants = new ShardedMap<string, string | string[]>();

  /** Files a token's hash under its grant. */
  add(grantId: string, hash: string): void {
    const held = this.#grants.get(grantId);
    if (held === undefined) this.#grants.set(grantId, hash);
    else if (typeof held === 'string') this.#grants.set(grantId, [held, hash]);
    else held.push(hash);
  }

  /** Takes a token's hash out of its grant (the token was deleted); a grant left empty goes. */
  remove(grantId: string, hash: string): void {
    const held = this.#grants.get(grantId);
    if (held === hash) {
      this.#grants.delete(grantId);
    } else if (Array.isArray(held)) {
      const at = held.indexOf(hash);
      if (at >= 0) held.splice(at, 1);
      if (held.length === 0) this.#grants.delete(grantId);
    }
  }

  /** The hashes filed under a grant: a copy, so the caller may remove them while it walks the list. */
  hashesOf(grantId: string): string[] {
    const held = this.#grants.get(grantId);
    return held === undefined ? [] : typeof held === 'string' ? [held] : [...held];
  }
}
