import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeContract } from '../../src/testing/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { SLICE } from '../../src/stores/sliced-sweep.js';

storeContract('memory store', () => createMemoryStore());

describe('memory store sweep', () => {
  it('sweepExpired lets waiting requests run between slices instead of blocking until the end', async () => {
    const store = await createMemoryStore({ clients: [{ client_id: 'sweep-client', redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'] }] });
    const client = await store.getClient('sweep-client', null);
    assert.ok(client);
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 3_600_000);
    const count = SLICE * 4;
    for (let i = 0; i < count; i++) {
      const expired = i % 2 === 0;
      await store.saveToken(
        { accessToken: `sweep-${i}`, accessTokenExpiresAt: expired ? past : future, scope: [], client, user: { id: 'u' }, grantId: `g-${i}` },
        client,
        { id: 'u' },
      );
    }
    // A request arriving while the sweep runs: with a single pass it would run only after the sweep.
    let servedDuringSweep = false;
    let sweepDone = false;
    setImmediate(() => (servedDuringSweep = !sweepDone));
    const swept = await store.sweepExpired();
    sweepDone = true;
    assert.equal(servedDuringSweep, true);
    assert.equal(swept, count / 2);
    assert.equal(await store.getAccessToken('sweep-0'), null);
    assert.ok(await store.getAccessToken('sweep-1'));
    await store.close();
  });
});
