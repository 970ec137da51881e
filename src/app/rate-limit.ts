/**
 * A sliding-window rate limiter, in memory: the count of the previous fixed window, weighted by
 * how much of it still overlaps the sliding one, plus the current window's count. Two numbers per
 * key, however high the limit.
 */
import type { RateLimitRule } from './config.js';

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfter: number };

export interface RateLimiter {
  /** Counts one request for `key`; refused requests count too, so hammering keeps the window full. */
  hit(key: string): RateLimitVerdict;
}

interface Window {
  start: number;
  previous: number;
  current: number;
}

export function createRateLimiter({ max, windowSeconds }: RateLimitRule, now: () => number = Date.now): RateLimiter {
  const size = windowSeconds * 1000;
  let windows = new Map<string, Window>();
  let sweptAt = now();

  return {
    hit(key) {
      const t = now();
      const start = t - (t % size);
      // Once per window, forget keys idle for two windows, so the map stays as small as the live traffic.
      if (t - sweptAt >= size) {
        const live = new Map<string, Window>();
        for (const [k, w] of windows) if (w.start >= start - size) live.set(k, w);
        windows = live;
        sweptAt = t;
      }
      let w = windows.get(key);
      if (!w) windows.set(key, (w = { start, previous: 0, current: 0 }));
      if (w.start !== start) {
        w.previous = w.start === start - size ? w.current : 0;
        w.current = 0;
        w.start = start;
      }
      const overlap = 1 - (t - start) / size;
      const count = w.previous * overlap + w.current;
      w.current++;
      if (count < max) return { allowed: true };
      // Until the current window ends: by then at least its share of the count has begun to slide out.
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((start + size - t) / 1000)) };
    },
  };
}
