/**
 * DPoP at resource servers outside the core (RFC 9449 §7): `tollgate/jwt`'s `verifyRequest` (JWT
 * access tokens checked locally) and `tollgate/resource`'s `authenticate` (opaque tokens through RFC
 * 7662 introspection). The scheme, the proof (htm, htu, iat, jti, ath), `cnf.jkt`, the challenges.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationServer, OAuthRequest } from '../../src/index.js';
import { ConfigError, InvalidDpopProofError, InvalidTokenError, OAuthError, TemporarilyUnavailableError, UseDpopNonceError } from '../../src/errors.js';
import { createJwtVerifier } from '../../src/jwt.js';
import type { JwtVerifier } from '../../src/jwt.js';
import { createProtectedResource } from '../../src/resource.js';
import type { TokenClaims } from '../../src/resource.js';
import { createMemoryReplayCache } from '../../src/dpop/replay-cache.js';
import { ISSUER, admin, createTestServer } from '../helpers/fixtures.js';
import { bearerRequest, json, tokenRequest } from '../helpers/http.js';
import { SKYVAULT } from '../helpers/flows.js';
import { SECURE_URL, dpopKey, dpopResourceRequest, dpopTokenRequest, proof } from '../helpers/dpop.js';
import type { DpopKey } from '../helpers/dpop.js';
import { createJwtTestServer, publishedJwks } from '../tokens/jwt-fixtures.js';

const PASSWORD = { grant_type: 'password', username: admin.username, password: admin.password, scope: 'read' };
const NONCE = { secret: 'a-secret-of-at-least-thirty-two-characters' };
const ALGS = 'algs="ES256 EdDSA RS256 PS256"';

/** A token from `server`, bound to `key` when given. */
async function accessToken(server: AuthorizationServer, key?: DpopKey, params: Record<string, string> = PASSWORD): Promise<string> {
  const response = await server.token(key ? dpopTokenRequest(await proof(key), params, SKYVAULT) : tokenRequest(params, SKYVAULT));
  assert.equal(response.status, 200, response.body);
  assert.equal(json(response).token_type, key ? 'DPoP' : 'Bearer');
  return String(json(response).access_token);
}

/** A GET of /secure with the DPoP scheme and a proof by `key` for it, overridable. */
async function dpopGet(key: DpopKey, token: string, extra: Parameters<typeof proof>[1] = {}): Promise<OAuthRequest> {
  return dpopResourceRequest(token, await proof(key, { htm: 'GET', htu: SECURE_URL, accessToken: token, ...extra }), SECURE_URL);
}

async function assertRejects(promise: Promise<unknown>, type: new (...args: never[]) => OAuthError): Promise<OAuthError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => ((caught = err), err instanceof type));
  return caught as OAuthError;
}

describe("tollgate/jwt: verifyRequest checks DPoP-bound JWT access tokens (RFC 9449 §7)", () => {
  let server: AuthorizationServer;
  let verifier: JwtVerifier;
  let key: DpopKey;
  let bound: string;

  before(async () => {
    ({ server } = await createJwtTestServer());
    verifier = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: await publishedJwks(server) });
    key = await dpopKey();
    bound = await accessToken(server, key);
  });

  it('a bound token with the DPoP scheme and a proof by its key is accepted; cnf.jkt is the key (RFC 9449 §7.1)', async () => {
    const checked = await verifier.verifyRequest(await dpopGet(key, bound));
    assert.equal(checked?.scheme, 'DPoP');
    assert.deepEqual(checked?.claims.cnf, { jkt: key.jkt });
  });

  it('a DPoP-bound token presented as Bearer is refused, by verifyRequest and by verify (RFC 9449 §7.2)', async () => {
    await assertRejects(verifier.verifyRequest(bearerRequest(bound, SECURE_URL)), InvalidTokenError);
    await assertRejects(verifier.verify(bound), InvalidTokenError);
  });

  it('a proof by another key than cnf.jkt is refused (RFC 9449 §6.1, §7.1)', async () => {
    const err = await assertRejects(verifier.verifyRequest(await dpopGet(await dpopKey(), bound)), InvalidTokenError);
    assert.match(err.description, /another DPoP key/);
  });

  it('the DPoP scheme without a proof is refused (RFC 9449 §7.1)', async () => {
    await assertRejects(verifier.verifyRequest(dpopResourceRequest(bound, undefined, SECURE_URL)), InvalidDpopProofError);
  });

  it('a proof with a wrong ath, htm, htu or a stale iat is refused (RFC 9449 §4.3 items 8, 9, 11, 12)', async () => {
    const other = await accessToken(server, key);
    for (const extra of [{ accessToken: other }, { htm: 'POST' }, { htu: `${ISSUER}/other` }, { iat: Math.floor(Date.now() / 1000) - 600 }]) {
      await assertRejects(verifier.verifyRequest(await dpopGet(key, bound, extra)), InvalidDpopProofError);
    }
  });

  it('a replayed proof is refused by the default in-memory replay cache (RFC 9449 §11.1)', async () => {
    const request = await dpopGet(key, bound);
    await verifier.verifyRequest(request);
    const err = await assertRejects(verifier.verifyRequest(request), InvalidDpopProofError);
    assert.match(err.description, /already been used/);
  });

  it("the host's replay cache is the one used, keyed by the proof's key and jti", async () => {
    const used: string[] = [];
    const shared = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: await publishedJwks(server), dpop: { replayCache: (value) => (used.push(value), used.length === 1) } });
    const request = await dpopGet(key, bound);
    await shared.verifyRequest(request);
    await assertRejects(shared.verifyRequest(await dpopGet(key, bound)), InvalidDpopProofError);
    assert.equal(used.length, 2);
    assert.ok(used[0]?.startsWith(`dpop:${key.jkt}:`));
  });

  it('a proof by another key is refused before its jti reaches the replay cache', async () => {
    const used: string[] = [];
    const watched = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: await publishedJwks(server), dpop: { replayCache: (value) => (used.push(value), true) } });
    await assertRejects(watched.verifyRequest(await dpopGet(await dpopKey(), bound)), InvalidTokenError);
    assert.deepEqual(used, []);
  });

  it('an unbound token with the DPoP scheme is refused, and keeps working as Bearer (RFC 9449 §7.2)', async () => {
    const unbound = await accessToken(server);
    await assertRejects(verifier.verifyRequest(await dpopGet(key, unbound)), InvalidTokenError);
    assert.equal((await verifier.verifyRequest(bearerRequest(unbound, SECURE_URL)))?.scheme, 'Bearer');
  });

  it('no Authorization header: undefined, for a challenge without an error (RFC 6750 §3.1)', async () => {
    assert.equal(await verifier.verifyRequest({ method: 'GET', url: SECURE_URL, headers: {} }), undefined);
  });

  it('htu is the url option when given; a path without one is a ConfigError, never the Host header', async () => {
    const request = { ...(await dpopGet(key, bound)), url: '/secure', headers: { ...(await dpopGet(key, bound)).headers, host: 'localhost:9191' } };
    await assert.rejects(verifier.verifyRequest(request), ConfigError);
    assert.equal((await verifier.verifyRequest(await dpopGet(key, bound).then((r) => ({ ...r, url: '/secure' })), { url: SECURE_URL }))?.scheme, 'DPoP');
  });

  it('dpop: false: the DPoP scheme is not taken (no credential), and a bound token is still never Bearer', async () => {
    const off = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: await publishedJwks(server), dpop: false });
    assert.equal(await off.verifyRequest(await dpopGet(key, bound)), undefined);
    await assertRejects(off.verifyRequest(bearerRequest(bound, SECURE_URL)), InvalidTokenError);
    assert.deepEqual(off.dpopAlgorithms, []);
  });

  it('nonces: use_dpop_nonce with a DPoP-Nonce, then accepted with a fresh DPoP-Nonce to send (RFC 9449 §8.2, §9)', async () => {
    const withNonces = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: await publishedJwks(server), dpop: { nonce: NONCE } });
    const err = await assertRejects(withNonces.verifyRequest(await dpopGet(key, bound)), UseDpopNonceError);
    const nonce = err.headers?.['DPoP-Nonce'];
    assert.ok(nonce);
    const checked = await withNonces.verifyRequest(await dpopGet(key, bound, { nonce }));
    assert.equal(checked?.headers['DPoP-Nonce'], nonce);
  });
});

describe('tollgate/resource: authenticate checks opaque DPoP-bound tokens through introspection (RFC 9449 §7, RFC 7662)', () => {
  let server: AuthorizationServer;
  let key: DpopKey;
  let bound: string;
  const resource = createProtectedResource({ resource: ISSUER, authorizationServers: [ISSUER], dpop: {} });
  /** RFC 7662 introspection at the core, as the token's own client. */
  const introspect = async (token: string): Promise<TokenClaims> => json(await server.introspect(tokenRequest({ token }, SKYVAULT, '/oauth/introspect'))) as TokenClaims;

  before(async () => {
    ({ server } = await createTestServer({ resources: [{ uri: ISSUER, scope: ['read'] }] }));
    key = await dpopKey();
    // RFC 8707: a token issued for this resource, so its introspection answer names it in aud.
    bound = await accessToken(server, key, { ...PASSWORD, resource: ISSUER });
  });

  it('a bound token with the DPoP scheme and a proof by its key is accepted (RFC 9449 §7.1)', async () => {
    const result = await resource.authenticate(await dpopGet(key, bound, { htu: `${ISSUER}/secure` }), { verify: introspect, scope: ['read'] });
    assert.equal(result.type, 'authenticated', result.type === 'error' ? result.response.body : '');
  });

  it('htu defaults to the request path on the resource origin', async () => {
    const request = { ...(await dpopGet(key, bound)), url: '/secure' };
    assert.equal((await resource.authenticate(request, { verify: introspect })).type, 'authenticated');
  });

  it('a bound token presented as Bearer is refused, the error in the Bearer challenge (RFC 9449 §7.2)', async () => {
    const result = await resource.authenticate(bearerRequest(bound, SECURE_URL), { verify: introspect });
    assert.equal(result.type, 'error');
    const challenge = result.type === 'error' ? result.response.headers['WWW-Authenticate'] : '';
    assert.match(challenge ?? '', /^Bearer realm="[^"]+", error="invalid_token"/);
    assert.match(challenge ?? '', new RegExp(`DPoP realm="[^"]+", resource_metadata="[^"]+", ${ALGS}$`));
  });

  it('a proof by another key is refused, the error in the DPoP challenge (RFC 9449 §7.1)', async () => {
    const result = await resource.authenticate(await dpopGet(await dpopKey(), bound), { verify: introspect });
    assert.equal(result.type === 'error' && result.error?.error, 'invalid_token');
    assert.match(result.type === 'error' ? (result.response.headers['WWW-Authenticate'] ?? '') : '', /DPoP realm="[^"]+", error="invalid_token"/);
  });

  it('a replayed proof is refused (RFC 9449 §11.1)', async () => {
    const request = await dpopGet(key, bound);
    assert.equal((await resource.authenticate(request, { verify: introspect })).type, 'authenticated');
    const again = await resource.authenticate(request, { verify: introspect });
    assert.equal(again.type === 'error' && again.error?.error, 'invalid_dpop_proof');
  });

  it('without a token: 401 challenging both schemes with algs, no error (RFC 9449 §7.1, RFC 6750 §3.1)', async () => {
    const result = await resource.authenticate({ method: 'GET', url: '/secure', headers: {} }, { verify: introspect });
    assert.equal(result.type === 'error' && result.response.status, 401);
    assert.doesNotMatch(result.type === 'error' ? (result.response.headers['WWW-Authenticate'] ?? '') : '', /error=/);
    assert.match(result.type === 'error' ? (result.response.headers['WWW-Authenticate'] ?? '') : '', new RegExp(`, DPoP realm="[^"]+", resource_metadata="[^"]+", ${ALGS}$`));
  });

  it('an inactive token, one for another resource, or without the scope is refused (RFC 7662 §2.2, RFC 8707)', async () => {
    const inactive = await resource.authenticate(await dpopGet(key, bound), { verify: async () => ({ active: false }) });
    assert.equal(inactive.type === 'error' && inactive.error?.error, 'invalid_token');
    const elsewhere = await resource.authenticate(await dpopGet(key, bound), { verify: async (t) => ({ ...(await introspect(t)), aud: 'https://other.example.com' }) });
    assert.equal(elsewhere.type === 'error' && elsewhere.error?.error, 'invalid_token');
    const scope = await resource.authenticate(await dpopGet(key, bound), { verify: introspect, scope: ['admin'] });
    assert.equal(scope.type === 'error' && scope.response.status, 403);
  });

  it("a token the resource refuses (inactive, another resource's) never records its proof's jti", async () => {
    const used: string[] = [];
    const watched = createProtectedResource({ resource: ISSUER, authorizationServers: [ISSUER], dpop: { replayCache: (value) => (used.push(value), true) } });
    await watched.authenticate(await dpopGet(key, bound), { verify: async () => ({ active: false }) });
    await watched.authenticate(await dpopGet(key, bound), { verify: async (t) => ({ ...(await introspect(t)), aud: 'https://other.example.com' }) });
    assert.deepEqual(used, []);
    assert.equal((await watched.authenticate(await dpopGet(key, bound), { verify: introspect })).type, 'authenticated');
    assert.equal(used.length, 1);
  });

  it('the metadata advertises the proof algorithms only when DPoP is on (RFC 9728 §2)', () => {
    const document = json(resource.handle({ method: 'GET', url: resource.metadataPath, headers: {} })!);
    assert.deepEqual(document.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256']);
    const plain = createProtectedResource({ resource: ISSUER, authorizationServers: [ISSUER] });
    assert.equal('dpop_signing_alg_values_supported' in json(plain.handle({ method: 'GET', url: plain.metadataPath, headers: {} })!), false);
    assert.doesNotMatch(plain.challenge().headers['WWW-Authenticate'] ?? '', /DPoP/);
  });
});

describe('the default replay cache (RFC 9449 §11.1)', () => {
  it('a value is single use until it expires', async () => {
    const cache = createMemoryReplayCache(10);
    const until = new Date(Date.now() + 60_000);
    assert.equal(await cache('a', until), true);
    assert.equal(await cache('a', until), false);
  });

  it('when full of live proofs it fails closed (503) rather than forget one, and takes new ones once they expire', async () => {
    const cache = createMemoryReplayCache(2);
    await cache('a', new Date(Date.now() + 60_000));
    await cache('b', new Date(Date.now() - 1));
    // 'b' has expired: the sweep frees its place.
    assert.equal(await cache('c', new Date(Date.now() + 60_000)), true);
    assert.throws(() => cache('d', new Date(Date.now() + 60_000)), TemporarilyUnavailableError);
    assert.equal(await cache('a', new Date(Date.now() + 60_000)), false);
  });
});

describe('fresh DPoP nonces on successful answers (RFC 9449 §8.2)', () => {
  it('the token endpoint and the core authenticate hand out the current nonce with a DPoP success', async () => {
    const { server } = await createTestServer({ dpop: { nonce: NONCE } });
    const key = await dpopKey();
    const first = await server.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT));
    const nonce = first.headers['DPoP-Nonce'];
    assert.ok(nonce);
    const issued = await server.token(dpopTokenRequest(await proof(key, { nonce }), PASSWORD, SKYVAULT));
    assert.equal(issued.status, 200, issued.body);
    assert.equal(issued.headers['DPoP-Nonce'], nonce);
    const token = String(json(issued).access_token);
    const result = await server.authenticate(dpopResourceRequest(token, await proof(key, { htm: 'GET', htu: SECURE_URL, accessToken: token, nonce })));
    assert.equal(result.type, 'authenticated');
    assert.equal(result.type === 'authenticated' && result.headers?.['DPoP-Nonce'], nonce);
  });

  it('without nonces, no DPoP-Nonce header on success', async () => {
    const { server } = await createTestServer();
    const issued = await server.token(dpopTokenRequest(await proof(await dpopKey()), PASSWORD, SKYVAULT));
    assert.equal(issued.status, 200);
    assert.equal(issued.headers['DPoP-Nonce'], undefined);
  });
});
