/**
 * tollgate's core on bare node:http, through its own node adapter (dist/adapters/node.js): the
 * library as a user embeds it, without the CLI's Fastify app. `/secure` calls `authenticate`.
 *   node tollgate-core.mjs --store memory|sqlite:<path>|postgres://…|redis://… --format opaque|jwt [--alg ES256|EdDSA]
 *                          [--host node|fastify] [--tokens N] [--sweep-seconds S] [--client-jwks <JWK Set JSON>]
 * `--host fastify` mounts the core on Fastify through tollgate's Fastify plugin (dist/adapters/fastify.js)
 * and nothing else: no logger, no rate limits, no hooks. Beside `tollgate serve` (a Fastify app with
 * them), it shows what Fastify itself costs a request, and what serve's own hooks cost on top.
 * `--tokens N` saves N tokens before listening (the growth curve): half live for an hour, half
 * expiring over the next 30 s; `--sweep-seconds S` sweeps expired rows every S seconds as
 * `tollgate serve` does every minute, so the run shows what a sweep costs the requests it meets.
 * `--client-jwks` registers a second client, `bench-jwt`, authenticating with private_key_jwt (RFC 7523 §2.2).
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createAuthorizationServer } from '../../dist/index.js';
import { newGrantId } from '../../dist/grant-id.js';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../dist/adapters/node.js';
import { createJwtAccessTokenFormat } from '../../dist/tokens/jwt.js';
import { writeAtTurnEnd } from '../../dist/adapters/turn-end-writes.js';
import { CLIENT_ID, CLIENT_SECRET, JWT_CLIENT_ID, MINT_PATH, REDIRECT_URI, SCOPE, USER, announce, answer, deleteRedisPrefix, flag, readBody, stopOnSignal } from './fixture.mjs';

const storeSpec = flag('store', 'memory');
const format = flag('format', 'opaque');
const host = flag('host', 'node');
/** The JWT signing key's algorithm (`createJwtAccessTokenFormat`'s `alg`), for comparing ES256 with EdDSA. */
const alg = flag('alg', 'ES256');

/** Removes what a run left in a shared database: its own schema or key prefix. */
let cleanup = async () => {};

async function openStore(spec) {
  if (spec === 'memory') return (await import('../../dist/stores/memory.js')).createMemoryStore();
  if (spec.startsWith('sqlite:')) return (await import('../../dist/stores/sqlite.js')).createSqliteStore({ filename: spec.slice(7) });
  if (spec.startsWith('postgres')) {
    const { createPostgresStore } = await import('../../dist/stores/postgres.js');
    // A schema of its own, so a run never meets another run's (or the test suite's) rows.
    const schema = `bench_${process.pid}`;
    cleanup = async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: spec });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    };
    return createPostgresStore({ connectionString: spec, schema });
  }
  if (spec.startsWith('redis')) {
    const prefix = `bench:${process.pid}:`;
    cleanup = () => deleteRedisPrefix(spec, prefix);
    return (await import('../../dist/stores/redis.js')).createRedisStore({ url: spec, prefix });
  }
  throw new Error(`unknown --store ${spec}`);
}

const store = await openStore(storeSpec);
await store.saveClient({
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  redirect_uris: [REDIRECT_URI],
  grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
  scope: SCOPE,
  token_endpoint_auth_method: 'client_secret_basic',
});
const clientJwks = flag('client-jwks', undefined);
if (clientJwks !== undefined) {
  await store.saveClient({
    client_id: JWT_CLIENT_ID,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: JSON.parse(clientJwks),
    redirect_uris: [],
    grant_types: ['client_credentials'],
    scope: SCOPE,
  });
}
const user = await store.saveUser({ id: USER.id, username: USER.username, password: USER.password });

/**
 * Saves `n` tokens of the bench client, many per transaction (a persistent store commits once per event-loop turn).
 * Grant ids come from the core's own `newGrantId`, as issued tokens' do: `randomUUID()` returns a rope of small
 * strings that takes about 480 bytes of heap where the core's flat id takes 56, which at a million tokens is
 * 0.4 GB the server would not hold in use.
 */
async function prefill(n) {
  const client = await store.getClient(CLIENT_ID, null);
  const now = Date.now();
  for (let i = 0; i < n; i += 2000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 2000); j++) {
      const expiresAt = new Date(j % 2 === 0 ? now + 3_600_000 : now + Math.floor((j / n) * 30_000));
      const token = { accessToken: randomBytes(32).toString('base64url'), accessTokenExpiresAt: expiresAt, scope: [SCOPE], client, user: { id: CLIENT_ID }, grantId: newGrantId() };
      batch.push(store.saveToken(token, client, token.user));
    }
    await Promise.all(batch);
  }
}
await prefill(Number(flag('tokens', '0')));
const sweepSeconds = Number(flag('sweep-seconds', '0'));
if (sweepSeconds > 0) setInterval(() => store.sweepExpired().catch((err) => console.error(err)), sweepSeconds * 1000).unref();

const httpServer = createServer();
// As `tollgate serve` writes (src/adapters/turn-end-writes.ts), so this row and the references differ in their work only.
writeAtTurnEnd(httpServer);
await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${httpServer.address().port}`;

const server = createAuthorizationServer({
  issuer,
  grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
  model: store,
  ...(format === 'jwt' ? { accessTokenFormat: createJwtAccessTokenFormat({ issuer, store, accessTokenTtl: 3600, alg }) } : {}),
});

const AUTHORIZE = `/authorize?response_type=code&client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=${SCOPE}&state=bench`;

/** A code through the core's own authorization endpoint, as if the person had allowed it. */
async function mintCode() {
  const authorized = await server.authorize({ method: 'GET', url: AUTHORIZE, headers: {} }, { user, allow: true });
  return new URL(authorized.response.headers.Location).searchParams.get('code');
}

async function mintRefreshToken() {
  const code = await mintCode();
  const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;
  const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` };
  const response = await server.token({ method: 'POST', url: '/oauth/token', headers, body });
  return JSON.parse(response.body).refresh_token;
}

async function secure(req, res) {
  const result = await server.authenticate(await toOAuthRequest(req));
  if (result.type !== 'authenticated') return sendOAuthResponse(res, result.response);
  answer(res, 200, { 'Content-Type': 'text/plain' }, 'Secure Hello!');
}

/** The bench's pre-minting: `n` codes or refresh tokens. */
async function mintMany({ kind, n }) {
  const values = [];
  // Sixteen at a time: a database store answers far sooner with its pool busy.
  for (let i = 0; i < n; i += 16) {
    const batch = Array.from({ length: Math.min(16, n - i) }, () => (kind === 'code' ? mintCode() : mintRefreshToken()));
    values.push(...(await Promise.all(batch)));
  }
  return values;
}

async function mint(req, res) {
  const values = await mintMany(JSON.parse(await readBody(req)));
  answer(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(values));
}

if (host === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const { tollgate } = await import('../../dist/adapters/fastify.js');
  const app = Fastify({ serverFactory: (handler) => httpServer.on('request', handler) });
  await app.register(tollgate, { server });
  app.get('/secure', { preHandler: app.authenticate() }, async (_request, reply) => reply.type('text/plain').send('Secure Hello!'));
  app.post(MINT_PATH, async (request) => mintMany(request.body));
  await app.ready();
} else {
  const listener = createRequestListener(server, {
    fallback(req, res) {
      const path = req.url.split('?', 1)[0];
      const handler = path === '/secure' ? secure : path === MINT_PATH ? mint : undefined;
      if (!handler) return void answer(res, 404);
      handler(req, res).catch((err) => {
        console.error(err);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    },
  });
  httpServer.on('request', listener);
}
announce(httpServer, `tollgate core (${storeSpec}, ${format}, ${host})`);
stopOnSignal(httpServer, async () => {
  await store.close();
  await cleanup();
});
