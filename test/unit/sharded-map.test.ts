import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { SHARDS, ShardedMap, shardOf } from '../../src/stores/sharded-map.js';
import { newGrantId } from '../../src/grant-id.js';

/** How many of `keys` each shard gets. */
function spread(keys: readonly string[]): number[] {
  const counts = new Array<number>(SHARDS).fill(0);
  for (const key of keys) counts[shardOf(key)]! += 1;
  return counts;
}

describe('sharded map (the memory store tables)', () => {
  it('behaves as one Map: set, get, replace, delete, and every entry once', () => {
    const map = new ShardedMap<string, number>();
    const keys = ['', 'a', 'ab', ...Array.from({ length: 5000 }, (_, i) => hash('sha256', String(i), 'base64url'))];
    keys.forEach((key, i) => map.set(key, i));
    map.set('a', -1);
    assert.equal([...map.entries()].length, keys.length);
    assert.equal(map.get('a'), -1);
    assert.equal(map.get(''), 0);
    assert.equal(map.get('no such key'), undefined);
    assert.equal(map.delete('ab'), true);
    assert.equal(map.delete('ab'), false);
    assert.equal([...map.values()].length, keys.length - 1);
    // Deleting the entry being visited, as the memory store's revocation does.
    let visited = 0;
    for (const [key] of map.entries()) {
      visited++;
      if (key.length > 2) map.delete(key);
    }
    assert.equal(visited, keys.length - 1);
    assert.deepEqual([...map.values()].sort(), [-1, 0]);
  });

  // The point of sharding: no shard grows to hold the whole table, so no single copy (V8 doubling a
  // Map) moves all of it. The keys are the two kinds the store files.
  for (const [kind, make] of [
    ['token hashes (base64url SHA-256)', (i: number) => hash('sha256', `token-${i}`, 'base64url')],
    ['grant ids (UUIDv7, time first)', () => newGrantId()],
  ] as const) {
    it(`spreads ${kind} over every shard, none with more than 1.5x its share`, () => {
      const n = SHARDS * 2000;
      const counts = spread(Array.from({ length: n }, (_, i) => make(i)));
      const share = n / SHARDS;
      assert.ok(Math.min(...counts) > share / 1.5, `fullest and emptiest shards: ${Math.max(...counts)} and ${Math.min(...counts)} of ${share}`);
      assert.ok(Math.max(...counts) < share * 1.5, `fullest and emptiest shards: ${Math.max(...counts)} and ${Math.min(...counts)} of ${share}`);
    });
  }
});
