/** private_key_jwt (RFC 7523 §2.2, §3; OpenID Connect Core §9): each rule an assertion must pass, on the core and over HTTP. */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { describeHosts } from '../helpers/hosts.js';
import type { Harness } from '../helpers/hosts.js';
import { ISSUER } from '../helpers/fixtures.js';
import { basicAuth, json, tokenRequest } from '../helpers/http.js';
import { assertError, assertTokens } from '../helpers/flows.js';
import { createAuthorizationServer } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_URL = `${ISSUER}/oauth/token`;

interface Keys {
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

let es: Keys;
let rsa: Keys;
let other: Keys;

async function keys(alg: string, kid: string): Promise<Keys> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } };
}

before(async () => {
  es = await keys('ES256', 'es-1');
  rsa = await keys('RS256', 'rsa-1');
  other = await keys('ES256', 'other-1');
});

/** Claims of a valid assertion from `clientId` to the issuer, expiring in a minute; `overrides` change or (undefined) drop claims. */
function claims(clientId: string, overrides: Partial<Record<keyof JWTPayload, unknown>> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, unknown> = { iss: clientId, sub: clientId, aud: ISSUER, jti: randomUUID(), iat: now, exp: now + 60, ...overrides };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as JWTPayload;
}

function sign(payload: JWTPayload, key: Keys = es, alg = 'ES256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.publicJwk.kid as string }).sign(key.privateKey);
}

/** A token request (client_credentials) authenticated with this assertion. */
function withAssertion(assertion: string, extra: Record<string, string> = {}, path = '/oauth/token') {
  return tokenRequest({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra }, undefined, path);
}

async function withJwtClients(setup: () => Promise<Harness>): Promise<Harness> {
  const h = await setup();
  const base = { redirect_uris: [], grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'private_key_jwt' } as const;
  await h.store.saveClient({ ...base, client_id: 'signer', jwks: { keys: [es.publicJwk] } });
  await h.store.saveClient({ ...base, client_id: 'rsa-signer', jwks: { keys: [rsa.publicJwk] } });
  await h.store.saveClient({ ...base, client_id: 'ps-only', jwks: { keys: [rsa.publicJwk] }, token_endpoint_auth_signing_alg: 'PS256' });
  await h.store.saveClient({ ...base, client_id: 'other', jwks: { keys: [other.publicJwk] } });
  return h;
}

/** The assertion is refused with invalid_client, and no token is issued. */
async function refused(h: Harness, assertion: string, extra: Record<string, string> = {}): Promise<string> {
  const body = assertError(await h.token(withAssertion(assertion, extra)), 401, 'invalid_client');
  return body.error_description as string;
}

describeHosts('security: private_key_jwt client assertions (RFC 7523)', (setup) => {
  it('a valid assertion authenticates the client at the token endpoint, aud the issuer or the token endpoint URL (RFC 7523 §3, OIDC Core §9)', async () => {
    const h = await withJwtClients(() => setup());
    assertTokens(await h.token(withAssertion(await sign(claims('signer')))));
    assertTokens(await h.token(withAssertion(await sign(claims('signer', { aud: TOKEN_URL })), { client_id: 'signer' })));
    assertTokens(await h.token(withAssertion(await sign(claims('rsa-signer'), rsa, 'RS256'))));
  });

  it('a replayed assertion (same jti) is invalid_client (RFC 7523 §3 item 7)', async () => {
    const h = await withJwtClients(() => setup());
    const assertion = await sign(claims('signer'));
    assertTokens(await h.token(withAssertion(assertion)));
    assert.match(await refused(h, assertion), /already been used/);
    // A fresh assertion with the same jti is a replay too.
    const jti = randomUUID();
    assertTokens(await h.token(withAssertion(await sign(claims('signer', { jti })))));
    await refused(h, await sign(claims('signer', { jti })));
  });

  it('of 20 parallel uses of one assertion exactly one gets a token (atomic replay cache)', async () => {
    const h = await withJwtClients(() => setup());
    const assertion = await sign(claims('signer'));
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.token(withAssertion(assertion))));
    assert.equal(responses.filter((r) => r.status === 200).length, 1);
    assert.equal(responses.filter((r) => r.status === 401 && json(r).error === 'invalid_client').length, 19);
  });

  it('a wrong aud is invalid_client: another server, or another endpoint of this one', async () => {
    const h = await withJwtClients(() => setup());
    assert.match(await refused(h, await sign(claims('signer', { aud: 'https://other.example.com' }))), /\baud\b/);
    await refused(h, await sign(claims('signer', { aud: `${ISSUER}/oauth/introspect` })));
    await refused(h, await sign(claims('signer', { aud: undefined })));
  });

  it('an expired assertion is invalid_client', async () => {
    const h = await withJwtClients(() => setup());
    const now = Math.floor(Date.now() / 1000);
    assert.match(await refused(h, await sign(claims('signer', { iat: now - 600, exp: now - 300 }))), /expired/);
  });

  it('an assertion without exp or jti, or expiring more than 5 minutes ahead, is invalid_client (RFC 7523 §3 items 4, 7)', async () => {
    const h = await withJwtClients(() => setup());
    await refused(h, await sign(claims('signer', { exp: undefined })));
    await refused(h, await sign(claims('signer', { jti: undefined })));
    const now = Math.floor(Date.now() / 1000);
    assert.match(await refused(h, await sign(claims('signer', { exp: now + 301 + 60 }))), /within 300 seconds/);
    assert.match(await refused(h, await sign(claims('signer', { exp: now + 86_400 }))), /within 300 seconds/);
  });

  it('an unsigned assertion (alg none) is invalid_client (RFC 8725 §3.1)', async () => {
    const h = await withJwtClients(() => setup());
    const unsigned = new UnsecuredJWT(claims('signer')).encode();
    await refused(h, unsigned);
    // The same with a kid naming the client's key: still no signature to check.
    const [, payload] = unsigned.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'es-1' })).toString('base64url');
    await refused(h, `${header}.${payload}.`);
  });

  it("an assertion signed with a key of another client is invalid_client, even naming this client's kid", async () => {
    const h = await withJwtClients(() => setup());
    assert.match(await refused(h, await sign(claims('signer'), other)), /not signed by a key this client registered/);
    const forged = await new SignJWT(claims('signer')).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).sign(other.privateKey);
    await refused(h, forged);
  });

  it("an HS256 assertion keyed with the client's public key is invalid_client (RFC 8725 §2.1, algorithm confusion)", async () => {
    const h = await withJwtClients(() => setup());
    const { createPublicKey } = await import('node:crypto');
    const pem = await exportSPKI(createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }) as never);
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(rsa.publicJwk))]) {
      const hs = await new SignJWT(claims('rsa-signer')).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(secret);
      assert.match(await refused(h, hs), /algorithm/);
    }
  });

  it("a client's token_endpoint_auth_signing_alg is the only algorithm accepted for it", async () => {
    const h = await withJwtClients(() => setup());
    await refused(h, await new SignJWT(claims('ps-only')).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey));
    const ps = await generateKeyPair('PS256', { extractable: true });
    await h.store.saveClient({
      client_id: 'ps-only', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'PS256', jwks: { keys: [{ ...(await exportJWK(ps.publicKey)), kid: 'ps-1' }] },
    });
    assertTokens(await h.token(withAssertion(await new SignJWT(claims('ps-only')).setProtectedHeader({ alg: 'PS256', kid: 'ps-1' }).sign(ps.privateKey))));
  });

  it('iss and sub must both be the client_id, and a client_id beside the assertion must match it (RFC 7523 §3)', async () => {
    const h = await withJwtClients(() => setup());
    await refused(h, await sign(claims('signer', { sub: 'someone' })));
    await refused(h, await sign(claims('signer', { sub: undefined })));
    // Signed by other's key but naming signer as issuer and other as subject: never the other client either.
    await refused(h, await sign(claims('signer', { iss: 'other' }), other));
    await refused(h, await sign(claims('signer')), { client_id: 'other' });
  });

  it('an assertion with a secret or Basic credentials is invalid_request (one method per request, RFC 6749 §2.3)', async () => {
    const h = await withJwtClients(() => setup());
    assertError(await h.token(withAssertion(await sign(claims('signer')), { client_secret: 'x' })), 400, 'invalid_request');
    const request = withAssertion(await sign(claims('signer')));
    request.headers = { ...request.headers, authorization: basicAuth('service', 'service-secret') };
    assertError(await h.token(request), 400, 'invalid_request');
    const alone = tokenRequest({ grant_type: 'client_credentials', client_assertion: await sign(claims('signer')) });
    assertError(await h.token(alone), 400, 'invalid_request');
  });

  it('a wrong client_assertion_type, a malformed assertion, or an unknown client is invalid_client, never a 5xx', async () => {
    const h = await withJwtClients(() => setup());
    const assertion = await sign(claims('signer'));
    const wrongType = tokenRequest({ grant_type: 'client_credentials', client_assertion_type: 'urn:x', client_assertion: assertion });
    assertError(await h.token(wrongType), 401, 'invalid_client');
    for (const garbage of ['a.b.c', 'not a jwt', `${assertion}x`, '\u0000.\u00ff.']) await refused(h, garbage);
    // RFC 6749 §3.1: an empty parameter counts as omitted, so the assertion is missing.
    assertError(await h.token(withAssertion('')), 400, 'invalid_request');
    await refused(h, await sign(claims('nobody')));
  });

  it('a client registered for a secret cannot authenticate with an assertion, nor a private_key_jwt client with a secret', async () => {
    const h = await withJwtClients(() => setup());
    assert.match(await refused(h, await sign(claims('service'))), /must authenticate with client_secret_basic/);
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' }, ['signer', 'anything'])), 401, 'invalid_client');
  });

  it('revocation and introspection accept private_key_jwt, aud the issuer or their own URL (RFC 7009 §2.1, RFC 7662 §2.1)', async () => {
    const h = await withJwtClients(() => setup());
    const { access_token: token } = assertTokens(await h.token(withAssertion(await sign(claims('signer')))));
    const introspected = await h.introspect(withAssertion(await sign(claims('signer', { aud: `${ISSUER}/oauth/introspect` })), { token }, '/oauth/introspect'));
    assert.equal(introspected.status, 200, introspected.body);
    assert.equal(json(introspected).active, true);
    const revoked = await h.revoke(withAssertion(await sign(claims('signer')), { token }, '/oauth/revoke'));
    assert.equal(revoked.status, 200, revoked.body);
    assert.equal(json(await h.introspect(withAssertion(await sign(claims('signer')), { token }, '/oauth/introspect'))).active, false);
    // The token endpoint's URL is not the revocation endpoint's audience.
    assertError(await h.revoke(withAssertion(await sign(claims('signer', { aud: TOKEN_URL })), { token }, '/oauth/revoke')), 401, 'invalid_client');
  });

  it('a server configured without private_key_jwt refuses assertions', async () => {
    const h = await withJwtClients(() => setup({ tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'] }));
    assert.match(await refused(h, await sign(claims('signer'))), /does not accept private_key_jwt/);
  });
});

it('private_key_jwt needs the model replay cache (useOnce): refused at start without it, and not offered by default', async () => {
  const store = await createMemoryStore({});
  const { useOnce: _omitted, ...withoutReplayCache } = store;
  const model = withoutReplayCache as typeof store;
  assert.throws(
    () => createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model, tokenEndpointAuthMethods: ['private_key_jwt'] }),
    { field: 'model.useOnce' },
  );
  const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model });
  assert.deepEqual(json(server.metadata()).token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
  assert.throws(
    () => createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model: store, tokenEndpointAuthMethods: ['private_key_jwt'], tokenEndpointAuthSigningAlgs: ['HS256'] }),
    { field: 'tokenEndpointAuthSigningAlgs' },
  );
});
