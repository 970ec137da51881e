/**
 * A sliding-window rate limiter, in memory: the count of the previous fixed window, weighted by
 * how much of it still overlaps the sliding one, plus the current window's count. Two numbers per
 * key, however high the limit.
 *
 * Keys come from clients (an IP address, a username, a client_id), so memory is bounded twice
 * (SECURITY-CHECKLIST "every limiter keyed on client input has bounded memory"): a key is cut to
 * MAX_KEY_LENGTH characters and then held only as a 128-bit SHA-256 prefix (a key no longer than that
 * is held as it is), whatever was sent; and the map holds at most `maxKeys` keys.
 */
import { hash } from 'node:crypto';
import type { RateLimitRule } from './config.js';

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfter: number };

export interface RateLimiter {
  /** Counts one request for `key`; refused requests count too, so hammering keeps the window full. */
  hit(key: string): RateLimitVerdict;
  /** Whether one more request for `key` would be allowed, without counting it. */
  check(key: string): RateLimitVerdict;
  /** The requests counted for `key` in the sliding window (the previous window's share included). */
  count(key: string): number;
  /** Takes back one counted request for `key`: for a request counted up front that turned out not to count. */
  undo(key: string): void;
  /** How many keys the limiter holds now (bounded by `maxKeys`). */
  readonly size: number;
}

export interface RateLimiterOptions {
  /** The most keys held at once. */
  maxKeys?: number;
  now?: () => number;
}

/** Longer keys are cut before hashing: hashing 64 KiB per request is work an attacker should not get for free. */
export const MAX_KEY_LENGTH = 1024;
/** About 100 bytes per key once hashed: a full limiter holds about 10 MB. */
export const DEFAULT_MAX_KEYS = 100_000;

interface Window {
  start: number;
  previous: number;
  current: number;
}

/** Keys up to this length (an IPv4 address, a short client_id) are held as they are: no longer than a digest. */
const SHORT_KEY_LENGTH = 21;

/**
 * A fixed-size stand-in for a key: 128 bits of its SHA-256, collisions out of reach. A short key is
 * its own stand-in, marked with "=", which base64url never holds, so it never equals a digest; it
 * takes no more memory than one, and costs no hash on every request.
 */
function digest(key: string): string {
  if (key.length <= SHORT_KEY_LENGTH) return `=${key}`;
  return hash('sha256', key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key, 'base64url').slice(0, 22);
}

export function createRateLimiter({ max, windowSeconds }: RateLimitRule, options: RateLimiterOptions = {}): RateLimiter {
  const { maxKeys = DEFAULT_MAX_KEYS, now = Date.now } = options;
  const size = windowSeconds * 1000;
  let windows = new Map<string, Window>();
  let sweptAt = now();

  /** Forgets keys idle for two windows: their count is zero whatever happens next. */
  function sweep(t: number, start: number): void {
    const live = new Map<string, Window>();
    for (const [k, w] of windows) if (w.start >= start - size) live.set(k, w);
    windows = live;
    sweptAt = t;
  }

  function weighted(w: Window | undefined, t: number, start: number): number {
    const previous = w === undefined ? 0 : w.start === start ? w.previous : w.start === start - size ? w.current : 0;
    const current = w?.start === start ? w.current : 0;
    return previous * (1 - (t - start) / size) + current;
  }

  function verdict(w: Window | undefined, t: number, start: number): RateLimitVerdict {
    if (weighted(w, t, start) < max) return { allowed: true };
    // Until the current window ends: by then at least its share of the count has begun to slide out.
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((start + size - t) / 1000)) };
  }

  return {
    hit(key) {
      const t = now();
      const start = t - (t % size);
      // Once per window, forget idle keys, so the map stays as small as the live traffic. Sweeping
      // again within the window could free nothing more, so a full map never costs a sweep per request.
      if (sweptAt < start) sweep(t, start);
      const id = digest(key);
      let w = windows.get(id);
      if (!w) {
        // Full of live keys: refuse the new key rather than evict an old one. Evicting (oldest out)
        // would let anyone who can mint fresh keys (IPv6 addresses, usernames) erase the counts of
        // the keys being throttled, their own included, for the price of `maxKeys` requests.
        // Refusing fails closed, only for keys not seen before, and only until the next sweep.
        if (windows.size >= maxKeys) return { allowed: false, retryAfter: Math.max(1, Math.ceil((start + size - t) / 1000)) };
        windows.set(id, (w = { start, previous: 0, current: 0 }));
      }
      const result = verdict(w, t, start);
      if (w.start !== start) {
        w.previous = w.start === start - size ? w.current : 0;
        w.current = 0;
        w.start = start;
      }
      w.current++;
      return result;
    },
    check(key) {
      const t = now();
      return verdict(windows.get(digest(key)), t, t - (t % size));
    },
    count(key) {
      const t = now();
      return weighted(windows.get(digest(key)), t, t - (t % size));
    },
    undo(key) {
      const w = windows.get(digest(key));
      if (w === undefined) return;
      if (w.current > 0) w.current--;
      else if (w.previous > 0) w.previous--;
    },
    get size() {
      return windows.size;
    },
  };
}
