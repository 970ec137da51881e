import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeContract } from '../../src/testing/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { SLICE } from '../../src/stores/expiring-map.js';
import type { Store } from '../../src/stores/store.js';
import type { AuthorizationCode, Client, Token } from '../../src/types.js';

const CLIENT = { client_id: 'memory-client', client_secret: 'memory-client-secret', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'read write' };
const USER = { id: 'memory-user' };

async function registered(store: Store): Promise<Client> {
  const client = await store.getClient(CLIENT.client_id, null);
  assert.ok(client);
  return client;
}

/** An access token of `client` whose grant id is `grant-<value>`, live for an hour or expired a second ago. */
function token(client: Client, value: string, { expired = false } = {}): Token {
  const accessTokenExpiresAt = new Date(Date.now() + (expired ? -1000 : 3_600_000));
  return { accessToken: value, accessTokenExpiresAt, scope: ['read'], client, user: USER, grantId: `grant-${value}` };
}

function code(client: Client, value: string): AuthorizationCode {
  return { authorizationCode: value, expiresAt: new Date(Date.now() + 60_000), redirectUri: 'https://client.example/cb', scope: ['read'], client, user: USER, grantId: `grant-${value}` };
}

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

  it('two sweeps asked for at once are one sweep: the second joins the first', async () => {
    const store = await createMemoryStore({ clients: [CLIENT] });
    const client = await registered(store);
    const count = SLICE * 2;
    for (let i = 0; i < count; i++) await store.saveToken(token(client, `joined-${i}`, { expired: i % 2 === 0 }), client, USER);
    // Two sweeps side by side would split the expired tokens between them (or the second find none).
    const [first, second] = await Promise.all([store.sweepExpired(), store.sweepExpired()]);
    assert.equal(first, count / 2);
    assert.equal(second, count / 2);
    assert.equal(await store.sweepExpired(), 0);
    await store.close();
  });

  it('a swept access token leaves its grant revocable: the live refresh token of the grant is still revoked (RFC 9700 §4.14.2)', async () => {
    const store = await createMemoryStore({ clients: [CLIENT] });
    const client = await registered(store);
    await store.saveToken({ ...token(client, 'swept-access', { expired: true }), refreshToken: 'live-refresh', refreshTokenExpiresAt: new Date(Date.now() + 3_600_000) }, client, USER);
    assert.equal(await store.sweepExpired(), 1);
    assert.equal(await store.getAccessToken('swept-access'), null);
    await store.revokeGrant?.('grant-swept-access');
    const refresh = await store.getRefreshToken('live-refresh');
    assert.ok(refresh);
    assert.ok(refresh.consumedAt instanceof Date);
    await store.close();
  });
});

describe('memory store tokens and their client', () => {
  it('a client updated after issuance is what its stored tokens and codes carry from then on', async () => {
    const store = await createMemoryStore({ clients: [CLIENT] });
    const client = await registered(store);
    await store.saveToken({ ...token(client, 'before-update'), refreshToken: 'refresh-before-update', refreshTokenExpiresAt: new Date(Date.now() + 3_600_000) }, client, USER);
    await store.saveAuthorizationCode(code(client, 'code-before-update'), client, USER);
    await store.saveClient({ ...CLIENT, scope: 'read', client_name: 'Renamed' });
    for (const found of [
      await store.getAccessToken('before-update'),
      await store.getRefreshToken('refresh-before-update'),
      await store.getAuthorizationCode('code-before-update'),
    ]) {
      assert.ok(found);
      assert.equal(found.client.client_name, 'Renamed');
      assert.equal(found.client.scope, 'read');
    }
    await store.close();
  });

  it("a deleted client's tokens and codes are gone at once (RFC 7592 §2.3), and do not come back with a new client of the same id", async () => {
    const store = await createMemoryStore({ clients: [CLIENT] });
    const client = await registered(store);
    await store.saveToken({ ...token(client, 'of-deleted'), refreshToken: 'refresh-of-deleted', refreshTokenExpiresAt: new Date(Date.now() + 3_600_000) }, client, USER);
    await store.saveAuthorizationCode(code(client, 'code-of-deleted'), client, USER);
    assert.equal(await store.deleteClient(CLIENT.client_id), true);
    assert.equal(await store.getAccessToken('of-deleted'), null);
    assert.equal(await store.getRefreshToken('refresh-of-deleted'), null);
    assert.equal(await store.getAuthorizationCode('code-of-deleted'), null);
    await store.saveClient(CLIENT);
    assert.equal(await store.getAccessToken('of-deleted'), null);
    assert.deepEqual(await store.listGrants({ clientId: CLIENT.client_id }), []);
    await store.close();
  });

  it('a token of a client the store does not hold (a client ID metadata document) keeps the client it was issued with', async () => {
    const store = await createMemoryStore();
    const client: Client = { client_id: 'https://app.example/client.json', token_endpoint_auth_method: 'none', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'] };
    await store.saveToken(token(client, 'of-unregistered'), client, USER);
    const found = await store.getAccessToken('of-unregistered');
    assert.ok(found);
    assert.deepEqual(found.client, client);
    await store.close();
  });
});
