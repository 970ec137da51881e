/**
 * Every 5xx from the server is the core's `server_error` JSON (RFC 6749 §5.2) with a generic
 * description, never Fastify's default error body, which shows the exception's message (issue 16:
 * a raw CR/LF in a POSTed authorization request once answered `{"statusCode":500,
 * "code":"ERR_INVALID_CHAR",...,"message":"Invalid character in header content [\"location\"]"}`).
 * The app is built in process (`buildApp`) over a memory store that fails on purpose.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/stores/store.js';
import { buildApp } from '../../src/app/app.js';
import { validateConfig } from '../../src/app/config.js';
import { createSessions } from '../../src/app/session.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { demoConfig } from '../helpers/app-server.js';
import { INTERNAL_DETAIL } from '../helpers/raw-http.js';

const SECRET = 'a session secret of at least thirty-two characters';
const INTERNAL = 'connection to db-internal.example:5432 refused';

/** The store with `getUserById` failing as a lost database connection would. */
function failingStore(store: Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'getUserById') return async () => Promise.reject(new Error(INTERNAL));
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}

function assertServerError(response: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  assert.equal(response.statusCode, 500, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.doesNotMatch(response.body, /db-internal|statusCode|Internal Server Error/);
  assert.doesNotMatch(response.body, INTERNAL_DETAIL);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
  assert.equal(body.error, 'server_error');
}

describe('every 5xx from tollgate serve is the core\'s server_error', () => {
  let app: FastifyInstance;
  let store: Store;
  before(async () => {
    const config = validateConfig(demoConfig({ logLevel: 'silent' }));
    const { clients, users } = demoConfig() as { clients: never[]; users: never[] };
    store = failingStore(await createMemoryStore({ clients, users }));
    app = await buildApp({ ...config, issuer: 'http://localhost:9191' }, { store, sessionSecret: SECRET });
    // A route of the app's own whose reply cannot be written (a header with a raw CR/LF), as the
    // authorization endpoint's once could not: the error handler must still answer server_error.
    app.get('/test-unwritable-header', async (_request, reply) => reply.header('x-test', 'a\r\nb').send('never sent'));
    await app.ready();
  });
  after(() => app.close());

  test('an exception in a page route (the store failing) answers server_error JSON, nothing internal', async () => {
    // A live session record: reading it looks its user up, which fails.
    const sessions = createSessions({ store, secret: SECRET, secure: false, ttlSeconds: 60 });
    const cookie = sessions.cookie(await sessions.signIn(undefined, 'someone', ['pwd'])).split(';')[0] ?? '';
    assertServerError(await app.inject({ method: 'GET', url: '/logout', headers: { cookie } }));
  });

  test('a reply that cannot be written (invalid header value) answers server_error JSON, not Fastify\'s default body', async () => {
    assertServerError(await app.inject({ method: 'GET', url: '/test-unwritable-header' }));
  });
});
