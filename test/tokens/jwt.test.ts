import { afterEach, describe, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { AuthorizationServer } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createJwtAccessTokenFormat } from '../../src/tokens/jwt.js';
import { rotateSigningKey } from '../../src/tokens/signing-keys.js';
import { ISSUER } from '../helpers/fixtures.js';
import { basicAuth, bearerRequest, form, json, tokenRequest } from '../helpers/http.js';
import { TTL, createJwtTestServer, passwordToken, publishedJwks } from './jwt-fixtures.js';

async function verifyWithJwks(server: AuthorizationServer, token: string, audience = ISSUER) {
  const jwks = createLocalJWKSet((await publishedJwks(server)) as JSONWebKeySet);
  return jwtVerify(token, jwks, { issuer: ISSUER, audience, typ: 'at+jwt', algorithms: ['ES256', 'EdDSA'] });
}

afterEach(() => mock.timers.reset());

describe('JWT access tokens (RFC 9068)', () => {
  test('a token carries typ at+jwt, the active key\'s alg and kid, and every claim of RFC 9068 §2.2', async () => {
    const { server, store } = await createJwtTestServer();
    const { token, body } = await passwordToken(server, 'read write');
    const client = await store.getClient('SkyVaultapp', null);
    const user = client ? await store.getUser('admin', 'tiger', client) : null;
    const [key] = await store.getSigningKeys();

    const { protectedHeader, payload } = await verifyWithJwks(server, token);
    assert.deepEqual(protectedHeader, { alg: 'ES256', typ: 'at+jwt', kid: key?.kid });
    assert.equal(payload.iss, ISSUER);
    assert.ok(user && typeof user.id === 'string');
    assert.equal(payload.sub, user.id);
    assert.equal(payload.aud, ISSUER);
    assert.equal(payload.client_id, 'SkyVaultapp');
    assert.equal(payload.scope, 'read write');
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
    assert.equal(payload.exp, (payload.iat ?? 0) + TTL);
    assert.equal(body.expires_in, TTL);
    assert.equal(body.token_type, 'Bearer');
  });

  test('every token has its own jti (RFC 9068 §2.2)', async () => {
    const { server } = await createJwtTestServer();
    const a = await verifyWithJwks(server, (await passwordToken(server)).token);
    const b = await verifyWithJwks(server, (await passwordToken(server)).token);
    assert.notEqual(a.payload.jti, b.payload.jti);
  });

  test('a client credentials token has the client as its subject (RFC 9068 §2.2)', async () => {
    const { server } = await createJwtTestServer();
    const response = await server.token(tokenRequest({ grant_type: 'client_credentials', scope: 'read' }, ['service', 'service-secret']));
    assert.equal(response.status, 200);
    const { payload } = await verifyWithJwks(server, String(json(response).access_token));
    assert.equal(payload.sub, 'service');
    assert.equal(payload.client_id, 'service');
    assert.equal(payload.scope, 'read');
  });

  test('a configured audience is the aud claim (RFC 9068 §3)', async () => {
    const { server } = await createJwtTestServer({ audience: ['https://api.example.com', 'https://files.example.com'] });
    const { token } = await passwordToken(server);
    const { payload } = await verifyWithJwks(server, token, 'https://files.example.com');
    assert.deepEqual(payload.aud, ['https://api.example.com', 'https://files.example.com']);
  });

  test('an EdDSA key signs EdDSA tokens', async () => {
    const { server } = await createJwtTestServer({ alg: 'EdDSA' });
    const { token } = await passwordToken(server);
    assert.equal(decodeProtectedHeader(token).alg, 'EdDSA');
    await verifyWithJwks(server, token);
  });

  test('the JWKS publishes public keys only, each with kid, alg and use sig (RFC 7517 §4)', async () => {
    const { server, store } = await createJwtTestServer();
    await passwordToken(server);
    const response = await server.jwks();
    assert.equal(response.status, 200);
    const [key] = await store.getSigningKeys();
    const { keys } = json(response) as { keys: Array<Record<string, unknown>> };
    assert.equal(keys.length, 1);
    assert.deepEqual(keys[0], { ...key?.publicJwk, kid: key?.kid, alg: 'ES256', use: 'sig' });
    assert.equal('d' in (keys[0] ?? {}), false);
  });

  test('metadata advertises the JWKS (RFC 8414 §2)', async () => {
    const { server } = await createJwtTestServer();
    assert.equal(json(server.metadata()).jwks_uri, `${ISSUER}/.well-known/jwks.json`);
  });

  test('a JWT access token authenticates at the server, and no longer once revoked (RFC 7009 §2.1)', async () => {
    const { server } = await createJwtTestServer();
    const { token } = await passwordToken(server, 'read');
    const ok = await server.authenticate(bearerRequest(token), { scope: ['read'] });
    assert.equal(ok.type, 'authenticated');

    const revoked = await server.revoke({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('SkyVaultapp', 'secret') },
      body: form({ token, token_type_hint: 'access_token' }),
    });
    assert.equal(revoked.status, 200);
    const after = await server.authenticate(bearerRequest(token));
    assert.equal(after.type, 'error');
    assert.equal(after.response.status, 401);
    assert.match(after.response.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
  });

  test('a bad lifetime is a ConfigError naming the option', async () => {
    const store = await createMemoryStore();
    for (const accessTokenTtl of [Number.NaN, -1]) {
      assert.throws(
        () => createJwtAccessTokenFormat({ issuer: ISSUER, store, accessTokenTtl }),
        (err: unknown) => err instanceof ConfigError && err.field === 'accessTokenTtl',
      );
    }
  });

  test('the signing key is made on first use when the store has none', async () => {
    const { server, store } = await createJwtTestServer();
    assert.equal((await store.getSigningKeys()).length, 0);
    await Promise.all([passwordToken(server), passwordToken(server)]);
    assert.equal((await store.getSigningKeys()).length, 1, 'concurrent first tokens share one key');
  });
});

describe('signing key rotation', () => {
  test('after rotation new tokens use the new kid and a token of the old key still verifies (RFC 7517 §4.5)', async () => {
    const { server, store, format } = await createJwtTestServer();
    const before = await passwordToken(server);
    const oldKid = decodeProtectedHeader(before.token).kid;

    const fresh = await rotateSigningKey(store, 'ES256');
    await format.reload();
    const after = await passwordToken(server);

    assert.equal(decodeProtectedHeader(after.token).kid, fresh.kid);
    assert.notEqual(fresh.kid, oldKid);
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid, oldKid]);
    await verifyWithJwks(server, before.token);
    await verifyWithJwks(server, after.token);
    assert.equal((await server.authenticate(bearerRequest(before.token))).type, 'authenticated');
  });

  test('a rotation by another process is picked up within the key refresh interval', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { server, store } = await createJwtTestServer({ keyRefreshInterval: 5 });
    const oldKid = decodeProtectedHeader((await passwordToken(server)).token).kid;
    const fresh = await rotateSigningKey(store, 'ES256');

    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, oldKid, 'still the cached key');
    mock.timers.tick(5_000);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, fresh.kid);
  });

  test('the cached signing key: a key withdrawn by another process stops signing and leaves the JWKS within the refresh interval, at once on reload()', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { server, store, format } = await createJwtTestServer({ keyRefreshInterval: 5 });
    const first = decodeProtectedHeader((await passwordToken(server)).token).kid;
    const second = await rotateSigningKey(store, 'EdDSA');
    await format.reload();
    // The imported key follows the active one, algorithm included.
    const rotated = decodeProtectedHeader((await passwordToken(server)).token);
    assert.deepEqual([rotated.kid, rotated.alg], [second.kid, 'EdDSA']);

    // Another process (tollgate keys retire, or the store's API) withdraws the key that signs.
    await store.withdrawSigningKey(second.kid);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, second.kid, 'still the cached key');
    mock.timers.tick(5_000);
    const after = decodeProtectedHeader((await passwordToken(server)).token);
    assert.deepEqual([after.kid, after.alg], [first, 'ES256']);
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [first]);

    // In this process, reload() takes effect at once, with no wait.
    const third = await rotateSigningKey(store, 'ES256');
    await format.reload();
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, third.kid);
    await store.withdrawSigningKey(third.kid);
    await format.reload();
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, first);
  });

  test('a key rotated in by another process signs from the moment its activation delay has passed, not up to a refresh interval later', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { server, store } = await createJwtTestServer({ keyRefreshInterval: 5, keyActivationDelay: 300 });
    const oldKid = decodeProtectedHeader((await passwordToken(server)).token).kid;
    // Another process (tollgate keys rotate) adds the key; this one reads it at its next refresh.
    const fresh = await rotateSigningKey(store, 'ES256');
    mock.timers.tick(5_000);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, oldKid, 'published, not signing yet');

    // Read again one second before the activation: without the activation time in the cache, this
    // copy would sign with the old key until the next refresh, four seconds after the activation.
    mock.timers.tick(294_000);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, oldKid);
    mock.timers.tick(999);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, oldKid, 'one millisecond early');
    mock.timers.tick(1);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, fresh.kid);
  });

  test('a retired key leaves the JWKS once the tokens it signed have expired', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { server, store, format } = await createJwtTestServer({ keyRefreshInterval: 5 });
    const oldKid = decodeProtectedHeader((await passwordToken(server)).token).kid;
    const fresh = await rotateSigningKey(store, 'ES256');
    await format.reload();

    // Kept for a token lifetime plus one refresh interval (another process may sign with it that long).
    mock.timers.tick((TTL + 4) * 1000);
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid, oldKid]);
    mock.timers.tick(2_000);
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid]);
  });

  test('a new key is published before it signs, and its predecessor stays published until the tokens it signed expire', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { server, store, format } = await createJwtTestServer({ keyRefreshInterval: 5, keyActivationDelay: 300 });
    const oldKid = decodeProtectedHeader((await passwordToken(server)).token).kid;
    const fresh = await rotateSigningKey(store, 'ES256');
    await format.reload();

    // Published at once, so caches of the JWKS learn it; still the old key signing.
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid, oldKid]);
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, oldKid);
    mock.timers.tick(300_000);
    await format.reload();
    assert.equal(decodeProtectedHeader((await passwordToken(server)).token).kid, fresh.kid);
    // The old key signed until just now: published for a token lifetime (plus a refresh interval) more.
    mock.timers.tick((TTL + 4) * 1000);
    await format.reload();
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid, oldKid]);
    mock.timers.tick(2_000);
    await format.reload();
    assert.deepEqual((await publishedJwks(server)).keys.map((k) => k.kid), [fresh.kid]);
  });
});
