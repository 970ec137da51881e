/**
 * A store that cannot be reached or cannot write (SECURITY-CHECKLIST "Added after the first outside
 * attack"): the endpoints answer 503 `temporarily_unavailable` with `Retry-After` (RFC 6749
 * §4.1.2.1, §5.2; RFC 9110 §10.2.3), and `/health` and `/ready` tell the truth (503 while
 * `Store.ping` fails, 200 once it succeeds). The stores' own side (each turns a lost connection,
 * a deleted file, a full disk into `TemporarilyUnavailableError`) is tested in test/stores/.
 * The app is built in process over a memory store switched down on purpose.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/stores/store.js';
import { TemporarilyUnavailableError } from '../../src/errors.js';
import { buildApp } from '../../src/app/app.js';
import { validateConfig } from '../../src/app/config.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { demoConfig } from '../helpers/app-server.js';
import { basicAuth } from '../helpers/http.js';

/** The store, and a switch: while down, every call fails as a store's unreachable backend does. */
function switchableStore(store: Store): { store: Store; down(value: boolean): void } {
  let isDown = false;
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isDown) return Promise.reject(new TemporarilyUnavailableError('The store cannot be reached', { retryAfter: 2 }));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, down: (value) => void (isDown = value) };
}

describe('a store that cannot serve', () => {
  let app: FastifyInstance;
  let down: (value: boolean) => void;
  before(async () => {
    const config = validateConfig(demoConfig({ logLevel: 'silent' }));
    const { clients, users } = demoConfig() as { clients: never[]; users: never[] };
    const switchable = switchableStore(await createMemoryStore({ clients, users }));
    down = switchable.down;
    app = await buildApp({ ...config, issuer: 'http://localhost:9191' }, { store: switchable.store, sessionSecret: 'a session secret of at least thirty-two characters' });
    await app.ready();
  });
  after(() => app.close());

  const tokenRequest = () =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('SkyVaultapp', 'secret') },
      payload: 'grant_type=client_credentials',
    });

  test('/health and /ready answer 503 with Retry-After while the store cannot serve, 200 once it can', async () => {
    for (const path of ['/health', '/ready']) {
      down(false);
      assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, path);
      down(true);
      const response = await app.inject({ method: 'GET', url: path });
      assert.equal(response.statusCode, 503, path);
      assert.ok(Number(response.headers['retry-after']) > 0, path);
      assert.deepEqual(JSON.parse(response.body), { status: 'unavailable', reason: 'store' }, path);
      down(false);
      assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `${path} after recovery`);
    }
  });

  test('the token endpoint answers 503 temporarily_unavailable with Retry-After while the store cannot serve, never 500', async () => {
    down(true);
    try {
      const response = await tokenRequest();
      assert.equal(response.statusCode, 503, response.body);
      assert.ok(Number(response.headers['retry-after']) > 0);
      assert.equal((JSON.parse(response.body) as { error?: string }).error, 'temporarily_unavailable');
    } finally {
      down(false);
    }
    assert.equal((await tokenRequest()).statusCode, 200, 'served again once the store is back');
  });

  test('the authorization endpoint shows a 503 page with Retry-After while the store cannot serve, never a 400 or 500', async () => {
    down(true);
    try {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: 'https://client.example.com/cb' });
      const response = await app.inject({ method: 'GET', url: `/authorize?${query}` });
      assert.equal(response.statusCode, 503, response.body);
      assert.ok(Number(response.headers['retry-after']) > 0);
      assert.match(String(response.headers['content-type']), /^text\/html/, 'the person sees a page, never a redirect (RFC 6749 §4.1.2.1)');
      assert.equal(response.headers.location, undefined);
    } finally {
      down(false);
    }
  });
});

describe('/ready with JWT access tokens', () => {
  test('answers 503 with reason signing_keys while the signing keys cannot be loaded, though the store answers ping (/health 200)', async () => {
    const config = validateConfig(demoConfig({ logLevel: 'silent', accessTokenFormat: 'jwt' }));
    const { clients, users } = demoConfig() as { clients: never[]; users: never[] };
    const memory = await createMemoryStore({ clients, users });
    let keysReadable = false;
    const store: Store = {
      ...memory,
      getSigningKeys: () => (keysReadable ? memory.getSigningKeys() : Promise.reject(new Error('the signing key table cannot be read'))),
    };
    const app = await buildApp({ ...config, issuer: 'http://localhost:9191' }, { store, sessionSecret: 'a session secret of at least thirty-two characters' });
    try {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.ok(Number(ready.headers['retry-after']) > 0);
      assert.deepEqual(JSON.parse(ready.body), { status: 'unavailable', reason: 'signing_keys' });
      assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, '/health checks the store only');
      keysReadable = true;
      assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
