/**
 * How the shared stores (PostgreSQL, Redis) keep a token's or code's client: by id alone for a client
 * they hold, its registration read with the row, and a copy only of a client they do not hold (one a
 * client ID metadata document describes); rows written by the release before, each with a copy, stay
 * readable, listable and revocable by their client. The memory and SQLite stores have their own tests
 * of the same (memory.test.ts, sqlite.test.ts).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/stores/store.js';
import type { Client } from '../../src/types.js';
import { randomToken } from '../../src/secrets.js';

export interface ClientRecordsBackend {
  /** A new store on the same database or key prefix: another process sharing it. */
  open(): Promise<Store>;
  /** The client ids of the copies the stored token and code rows hold, one per row that has one, sorted. */
  copiesOf(): Promise<string[]>;
  /** Rewrites every token and code row as the release before wrote it: a copy of its client in each, no id beside it. */
  asBefore(): Promise<void>;
}

const REGISTRATION = { client_id: 'records-client', client_secret: 'records-secret', redirect_uris: ['https://c.example/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'read write' };
/** A client the store does not hold, as a client ID metadata document describes one. */
const DESCRIBED: Client = { client_id: 'https://app.example/client.json', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none' };
const USER = { id: 'records-user' };

/** A token pair and a code of the registered client, and a token of the described one, saved at `store`. */
async function issue(store: Store) {
  await store.saveClient(REGISTRATION);
  // The client as `getClient` answers it, as the core issues to it.
  const client = await store.getClient(REGISTRATION.client_id, null);
  assert.ok(client);
  const hour = () => new Date(Date.now() + 3_600_000);
  const pair = { accessToken: randomToken(), accessTokenExpiresAt: hour(), refreshToken: randomToken(), refreshTokenExpiresAt: hour(), scope: ['read'], client, user: USER, grantId: randomToken(), extra: { acr: '1' } };
  const other = { accessToken: randomToken(), accessTokenExpiresAt: hour(), scope: ['openid'], client: DESCRIBED, user: USER, grantId: randomToken() };
  const code = { authorizationCode: randomToken(), expiresAt: hour(), redirectUri: 'https://c.example/cb', scope: ['read'], client, user: USER, grantId: randomToken(), codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'S256' as const };
  await store.saveToken(pair, client, USER);
  await store.saveToken(other, DESCRIBED, USER);
  await store.saveAuthorizationCode(code, client, USER);
  const { refreshToken: _r, refreshTokenExpiresAt: _re, ...access } = pair;
  const { accessToken: _a, accessTokenExpiresAt: _ae, ...refresh } = pair;
  return { client, pair, access, refresh, other, code };
}

/** Every token and code `issued` read back at `store` as it was saved. */
async function readsBack(store: Store, { pair, access, refresh, other, code }: Awaited<ReturnType<typeof issue>>): Promise<void> {
  assert.deepEqual(await store.getAccessToken(pair.accessToken), access);
  assert.deepEqual(await store.getRefreshToken(pair.refreshToken), refresh);
  assert.deepEqual(await store.getAuthorizationCode(code.authorizationCode), code);
  assert.deepEqual(await store.getAccessToken(other.accessToken), other);
  assert.deepEqual((await store.listGrants({ clientId: REGISTRATION.client_id })).map((g) => g.grantId), [pair.grantId]);
  assert.deepEqual((await store.listGrants({ clientId: DESCRIBED.client_id })).map((g) => g.grantId), [other.grantId]);
}

/** The tests, for a store whose backend (a fresh database or prefix per test) `backend()` gives. */
export function clientRecordsTests(backend: () => Promise<ClientRecordsBackend>): void {
  it("names a registered client by id alone, so an update or a deletion elsewhere reaches its tokens and codes at once; a client it does not hold keeps its copy", async () => {
    const { open, copiesOf } = await backend();
    const [here, elsewhere] = [await open(), await open()];
    try {
      const issued = await issue(here);
      assert.deepEqual(await copiesOf(), [DESCRIBED.client_id]);
      await readsBack(here, issued);

      const updated = await elsewhere.saveClient({ ...REGISTRATION, scope: 'read', client_name: 'Renamed' });
      for (const found of [await here.getAccessToken(issued.pair.accessToken), await here.getRefreshToken(issued.pair.refreshToken), await here.getAuthorizationCode(issued.code.authorizationCode)]) {
        assert.ok(found);
        assert.deepEqual(found.client, updated);
      }
      // RFC 7592 §2.3: the client's tokens and codes go with it.
      assert.equal(await elsewhere.deleteClient(REGISTRATION.client_id), true);
      assert.equal(await here.getAccessToken(issued.pair.accessToken), null);
      assert.equal(await here.getRefreshToken(issued.pair.refreshToken), null);
      assert.equal(await here.getAuthorizationCode(issued.code.authorizationCode), null);
      assert.deepEqual(await here.getAccessToken(issued.other.accessToken), issued.other);
    } finally {
      await Promise.all([here.close(), elsewhere.close()]);
    }
  });

  it('reads, lists and revokes by client the rows the release before wrote, each with a copy of its client', async () => {
    const { open, copiesOf, asBefore } = await backend();
    const store = await open();
    try {
      const issued = await issue(store);
      await asBefore();
      assert.deepEqual(await copiesOf(), [DESCRIBED.client_id, ...Array<string>(3).fill(REGISTRATION.client_id)].sort());
      await readsBack(store, issued);
      await store.revokeTokensOf({ clientId: REGISTRATION.client_id });
      assert.equal(await store.getAccessToken(issued.pair.accessToken), null);
      assert.ok(((await store.getRefreshToken(issued.pair.refreshToken)) || undefined)?.consumedAt);
      assert.ok(((await store.getAuthorizationCode(issued.code.authorizationCode)) || undefined)?.consumedAt);
      assert.deepEqual(await store.getAccessToken(issued.other.accessToken), issued.other);
    } finally {
      await store.close();
    }
  });
}
