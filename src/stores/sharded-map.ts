/**
 * A string-keyed map kept as 64 smaller `Map`s, for the memory store's largest tables. V8 grows a
 * `Map` by copying it whole into a table twice the size, in one step: the memory store's token
 * save that took its tokens past 2^20 blocked the event loop for 390-445 ms (issue 17's growth curve
 * met it as the 1M row's worst latency). Split 64 ways, each copy moves a 64th of the entries, and
 * the copies fall on different requests.
 */

/** 64 shards: the top six bits of the key's hash. */
const SHARD_BITS = 6;
export const SHARDS = 1 << SHARD_BITS;

/**
 * The shard of a key, from its last three characters (the random end of every key the store files:
 * a base64url SHA-256, or a UUIDv7 grant id whose first characters are a timestamp), spread by a
 * multiplicative (Fibonacci) hash whose top bits pick the shard.
 */
export function shardOf(key: string): number {
  const n = key.length;
  const tail = key.charCodeAt(n - 1) ^ (key.charCodeAt(n - 2) << 8) ^ (key.charCodeAt(n - 3) << 16);
  return Math.imul(tail, 0x9e3779b1) >>> (32 - SHARD_BITS);
}

export class ShardedMap<K extends string, V> {
  readonly #shards: Map<K, V>[] = Array.from({ length: SHARDS }, () => new Map<K, V>());

  #shard(key: K): Map<K, V> {
    return this.#shards[shardOf(key)]!;
  }

  get(key: K): V | undefined {
    return this.#shard(key).get(key);
  }

  set(key: K, value: V): void {
    this.#shard(key).set(key, value);
  }

  delete(key: K): boolean {
    return this.#shard(key).delete(key);
  }

  /** Every entry, shard by shard; deleting the entry being visited is safe, as with a `Map`. */
  *entries(): Generator<[K, V]> {
    for (const shard of this.#shards) yield* shard.entries();
  }

  *values(): Generator<V> {
    for (const shard of this.#shards) yield* shard.values();
  }
}
