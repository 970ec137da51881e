/**
 * An in-memory map whose entries expire, swept without visiting the live ones. A sweep that walks
 * every entry costs time in proportion to everything stored: at a million live tokens, a pass per
 * sweep, most of it spent looking at tokens with an hour to live. Here each key is also filed under
 * the second it expires in, and the seconds wait in a min-heap, so a sweep touches only the seconds
 * that have passed and the keys filed there: its work follows what expired, not what is stored.
 * It still yields to the event loop every `SLICE` keys, so a large batch of expiries never stalls
 * the requests waiting meanwhile.
 */

import { ShardedMap } from './sharded-map.js';

/** Keys a sweep handles between two yields to the event loop: about a millisecond of work. */
export const SLICE = 4096;

/** The width of one expiry bucket: keys expiring within the same second are filed together. */
const BUCKET_MS = 1000;

/** Resolves after the event loop has had one turn for I/O (`setImmediate` runs after pending I/O). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A binary min-heap of bucket numbers: the earliest expiring bucket first. */
class BucketHeap {
  readonly #items: number[] = [];

  peek(): number | undefined {
    return this.#items[0];
  }

  push(bucket: number): void {
    const items = this.#items;
    let i = items.push(bucket) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as number) <= bucket) break;
      items[i] = items[parent] as number;
      i = parent;
    }
    items[i] = bucket;
  }

  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[i] = items[child] as number;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

/**
 * A `Map` from key to value where each value carries its expiry (epoch milliseconds, read once by
 * `expiresAt` when the value is set). `sweep` deletes the expired entries, visiting only keys filed
 * under seconds that have passed. An expired entry stays readable until swept: callers that must
 * not see one check its expiry themselves.
 */
export class ExpiringMap<K extends string, V> {
  // Sharded: a million tokens in one Map stall the event loop each time V8 doubles it (sharded-map.ts).
  readonly #entries = new ShardedMap<K, V>();
  /** Bucket number -> the keys set with an expiry in it; a key may be filed again when set again. */
  readonly #buckets = new Map<number, K[]>();
  readonly #heap = new BucketHeap();
  readonly #expiresAt: (value: V) => number;

  constructor(expiresAt: (value: V) => number) {
    this.#expiresAt = expiresAt;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    this.#entries.set(key, value);
    const bucket = Math.floor(this.#expiresAt(value) / BUCKET_MS);
    const keys = this.#buckets.get(bucket);
    if (keys) keys.push(key);
    else {
      this.#buckets.set(bucket, [key]);
      this.#heap.push(bucket);
    }
  }

  delete(key: K): boolean {
    // The key stays filed in its bucket: the sweep finds it gone and moves on.
    return this.#entries.delete(key);
  }

  entries(): Generator<[K, V]> {
    return this.#entries.entries();
  }

  values(): Generator<V> {
    return this.#entries.values();
  }

  /**
   * Deletes every entry expired at `now`, calling `onDelete` for each; returns how many went. Only
   * buckets wholly in the past are opened, so an entry expiring in the current second waits for the
   * next sweep. Entries set, replaced or deleted between two slices are judged as they are at their
   * visit: a key set again with a later expiry is kept (it is filed again under its new second).
   */
  async sweep(now: number, onDelete?: (key: K, value: V) => void): Promise<number> {
    let swept = 0;
    let visited = 0;
    for (let bucket = this.#heap.peek(); bucket !== undefined && (bucket + 1) * BUCKET_MS <= now; bucket = this.#heap.peek()) {
      this.#heap.pop();
      const keys = this.#buckets.get(bucket) ?? [];
      // Out of the map before the first yield: a key set into this second meanwhile starts a new bucket.
      this.#buckets.delete(bucket);
      for (const key of keys) {
        const value = this.#entries.get(key);
        if (value !== undefined && this.#expiresAt(value) <= now && this.#entries.delete(key)) {
          swept++;
          onDelete?.(key, value);
        }
        if (++visited % SLICE === 0) await yieldToEventLoop();
      }
    }
    return swept;
  }
}
