/**
 * The bounded cache of fetched documents: lifetimes from `Cache-Control` (RFC 9111 §5.2.2.1
 * `max-age`, §5.2.2.5 `no-store`) clamped between a floor and a ceiling, and at most `maxEntries`
 * documents, the oldest dropped first, so client-chosen URLs cannot grow memory without bound.
 */

export interface CachePolicy {
  /** Documents kept at most; the oldest goes first. Default 1000. */
  maxEntries: number;
  /** A shorter `max-age` is raised to this, so a document cannot make the server fetch it on every request. Default 60. */
  minTtlSeconds: number;
  /** A longer `max-age` is cut to this, so a changed document is seen in time. Default 3600. */
  maxTtlSeconds: number;
  /** Lifetime when the answer has no `max-age`. Default 300. */
  defaultTtlSeconds: number;
}

export const DEFAULT_CACHE_POLICY: CachePolicy = { maxEntries: 1000, minTtlSeconds: 60, maxTtlSeconds: 3600, defaultTtlSeconds: 300 };

/** How long an answer with this `Cache-Control` may be reused, in seconds; 0 for `no-store` (never kept). */
export function cacheLifetime(cacheControl: string | undefined, policy: CachePolicy): number {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length);
  const seconds = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : policy.defaultTtlSeconds;
  return Math.min(policy.maxTtlSeconds, Math.max(policy.minTtlSeconds, seconds));
}

interface Entry {
  value: unknown;
  expiresAt: number;
  /** When a refresh (a fetch past the cache) last replaced it. */
  refreshedAt: number | undefined;
}

export interface DocumentCache {
  /** The document while it is fresh, with when a refresh last fetched it. */
  get(key: string, now: number): { value: unknown; refreshedAt: number | undefined } | undefined;
  /** Keeps a document for `ttlSeconds` (nothing when 0); `refreshed` when a refresh fetched it. */
  set(key: string, value: unknown, ttlSeconds: number, now: number, refreshed: boolean): void;
}

export function createDocumentCache(policy: CachePolicy): DocumentCache {
  const entries = new Map<string, Entry>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return { value: entry.value, refreshedAt: entry.refreshedAt };
    },
    set(key, value, ttlSeconds, now, refreshed) {
      entries.delete(key);
      if (ttlSeconds <= 0) return;
      // A Map iterates in insertion order: the first key is the oldest document.
      while (entries.size >= policy.maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, expiresAt: now + ttlSeconds * 1000, refreshedAt: refreshed ? now : undefined });
    },
  };
}
