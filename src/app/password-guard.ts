/**
 * The one limiter every check of a resource owner's password goes through: the sign-in form, the
 * `password` grant, `external_token` and the SkyVault compat Basic at `/authorize`
 * (SECURITY-CHECKLIST "Added after the first outside attack"; RFC 6749 §10.10 asks the server to
 * protect credentials against guessing, and RFC 9700 §2.4 explains why the password grant is
 * the weak spot).
 *
 * The scheme follows OWASP's Authentication and Credential Stuffing cheat sheets, which warn that a
 * plain per-account lockout hands anyone who can name an account a way to lock its owner out:
 * 1. Per IP address, every attempt counts, checked first. When it refuses, the username is not
 *    looked at or stored, so a flood of invented usernames costs one counter, not one per name.
 * 2. Per (username, IP) pair: guessing one account from one address stops there, while the real
 *    user, from their own address, is untouched.
 * 3. Per username across all addresses, a slower ceiling: once a spread attack passes it, an
 *    address with a recent failure (or an attempt in flight) for this account is refused, and any
 *    other address keeps one try at a time. So a correct password from an IP with no recent
 *    failures still goes through, and a botnet is slowed to one guess per address per window.
 * Attempts count up front, in `check`, so parallel requests cannot all pass before the first
 * failure is known; `record` takes the count back for a correct password or a password never
 * checked. Usernames are cut to MAX_USERNAME_LENGTH before anything else, and the limiters hold
 * only fixed-size hashes of their keys.
 */
import type { RateLimitRule } from './config.js';
import type { RateLimitVerdict } from './rate-limit.js';
import { createRateLimiter } from './rate-limit.js';

export interface PasswordGuardRules {
  /** Password attempts per IP address, whatever their outcome. */
  perIp: RateLimitRule;
  /** Failed attempts per (username, IP address) pair. */
  perUsernameAndIp: RateLimitRule;
  /** Failed attempts per username across every address: the ceiling for a spread attack. */
  perUsername: RateLimitRule;
}

export interface PasswordAttempt {
  username: string;
  ip: string;
}

/** What came of an allowed attempt: `unchecked` when the request failed before the password was compared. */
export type PasswordOutcome = 'success' | 'failure' | 'unchecked';

export interface PasswordGuard {
  /** Whether this attempt may check a password now; an allowed attempt counts as a failure until `record`. */
  check(attempt: PasswordAttempt): RateLimitVerdict;
  /** The outcome of an attempt `check` allowed. */
  record(attempt: PasswordAttempt & { outcome: PasswordOutcome }): void;
  /** The keys the guard holds (for tests: bounded whatever usernames are sent). */
  readonly size: number;
}

/** Longer usernames are cut to this before use; no real username comes near it. */
export const MAX_USERNAME_LENGTH = 256;

export function createPasswordGuard(rules: PasswordGuardRules, options: { now?: () => number } = {}): PasswordGuard {
  const perIp = createRateLimiter(rules.perIp, options);
  const perPair = createRateLimiter(rules.perUsernameAndIp, options);
  const perUsername = createRateLimiter(rules.perUsername, options);
  const keys = ({ username, ip }: PasswordAttempt) => {
    const name = username.slice(0, MAX_USERNAME_LENGTH);
    // A NUL never occurs in an IP address, so no two (username, IP) pairs share a key.
    return { name, pair: `${ip}\u0000${name}` };
  };

  return {
    check(attempt) {
      const byIp = perIp.hit(attempt.ip);
      if (!byIp.allowed) return byIp;
      const { name, pair } = keys(attempt);
      const byPair = perPair.check(pair);
      if (!byPair.allowed) return byPair;
      const byName = perUsername.check(name);
      if (!byName.allowed && perPair.count(pair) > 0) return byName;
      perPair.hit(pair);
      perUsername.hit(name);
      return { allowed: true };
    },
    record({ outcome, ...attempt }) {
      if (outcome === 'failure') return;
      const { name, pair } = keys(attempt);
      perPair.undo(pair);
      perUsername.undo(name);
    },
    get size() {
      return perIp.size + perPair.size + perUsername.size;
    },
  };
}
