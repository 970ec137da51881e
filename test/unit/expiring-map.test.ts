import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiringMap, SLICE } from '../../src/stores/expiring-map.js';
import { GrantIndex } from '../../src/stores/grant-index.js';

describe('expiring map (the memory store sweep)', () => {
  it('a sweep looks only at keys that expired, however many live ones are stored', async () => {
    let reads = 0;
    const map = new ExpiringMap<string, number>((until) => (reads++, until));
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) map.set(`live-${i}`, now + 3_600_000);
    for (let i = 0; i < 10; i++) map.set(`expired-${i}`, now - 5_000);
    reads = 0;
    assert.equal(await map.sweep(now), 10);
    // One expiry read per expired key: the ten thousand live ones were never visited.
    assert.equal(reads, 10);
    assert.equal(map.get('expired-0'), undefined);
    assert.equal(map.get('live-0'), now + 3_600_000);
  });

  it('keeps a key set again with a later expiry, and skips one deleted before the sweep', async () => {
    const map = new ExpiringMap<string, number>((until) => until);
    const now = Date.now();
    map.set('renewed', now - 5_000);
    map.set('renewed', now + 60_000);
    map.set('deleted', now - 5_000);
    map.delete('deleted');
    map.set('gone', now - 5_000);
    const deleted: string[] = [];
    assert.equal(await map.sweep(now, (key) => deleted.push(key)), 1);
    assert.deepEqual(deleted, ['gone']);
    assert.equal(map.get('renewed'), now + 60_000);
  });

  it('sweeps the earliest expiries first and leaves the current second for the next sweep', async () => {
    const map = new ExpiringMap<string, number>((until) => until);
    const now = 1_700_000_000_500; // half way through a second
    map.set('this-second', now - 100);
    map.set('later', now + 10_000);
    for (const ago of [9_000, 1_000, 30_000, 4_000]) map.set(`ago-${ago}`, now - ago);
    const order: string[] = [];
    assert.equal(await map.sweep(now, (key) => order.push(key)), 4);
    assert.deepEqual(order, ['ago-30000', 'ago-9000', 'ago-4000', 'ago-1000']);
    assert.equal(await map.sweep(now + 1_000), 1);
    assert.equal(map.get('later'), now + 10_000);
  });

  it('lets the event loop run between slices of a large sweep', async () => {
    const map = new ExpiringMap<string, number>((until) => until);
    const past = Date.now() - 5_000;
    for (let i = 0; i < SLICE * 3; i++) map.set(`k${i}`, past);
    let ranDuringSweep = false;
    let done = false;
    setImmediate(() => (ranDuringSweep = !done));
    assert.equal(await map.sweep(Date.now()), SLICE * 3);
    done = true;
    assert.equal(ranDuringSweep, true);
  });
});

describe('grant index', () => {
  it('lists what was filed under a grant, and forgets a grant once its last token is removed', () => {
    const index = new GrantIndex();
    index.add('g1', 'access');
    assert.deepEqual(index.hashesOf('g1'), ['access']);
    index.add('g1', 'refresh');
    index.add('g2', 'other');
    assert.deepEqual(index.hashesOf('g1'), ['access', 'refresh']);
    index.remove('g1', 'access');
    assert.deepEqual(index.hashesOf('g1'), ['refresh']);
    index.remove('g1', 'refresh');
    index.remove('g1', 'refresh');
    assert.deepEqual(index.hashesOf('g1'), []);
    index.remove('g2', 'not-filed');
    assert.deepEqual(index.hashesOf('g2'), ['other']);
    index.remove('g2', 'other');
    assert.deepEqual(index.hashesOf('g2'), []);
  });

  it('hands out a copy, so a caller may remove hashes while walking the list', () => {
    const index = new GrantIndex();
    for (const hash of ['a', 'b', 'c']) index.add('g', hash);
    for (const hash of index.hashesOf('g')) index.remove('g', hash);
    assert.deepEqual(index.hashesOf('g'), []);
  });
});
