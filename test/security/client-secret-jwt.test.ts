/** client_secret_jwt (RFC 7523 §2.2, §3; OpenID Connect Core §9): each rule an HMAC assertion must pass, on the core and over HTTP. */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { describeHosts } from '../helpers/hosts.js';
import type { Harness } from '../helpers/hosts.js';
import { ISSUER } from '../helpers/fixtures.js';
import { json, tokenRequest } from '../helpers/http.js';
import { assertError, assertTokens } from '../helpers/flows.js';
import { createAuthorizationServer } from '../../src/index.js';
import type { OAuthRequest, OAuthResponse } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { randomToken } from '../../src/secrets.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
/** 512 bits: long enough for HS512 (RFC 7518 §3.2). */
const SECRET = randomToken(64);
/** 256 bits as 43 base64url characters: enough for HS256, too short for HS384 and HS512. */
const SHORT_SECRET = randomToken(32);

let signer: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signer = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' } };
});

/** Claims of a valid assertion from `clientId` to the issuer, expiring in a minute; `overrides` change or (undefined) drop claims. */
function claims(clientId: string, overrides: Partial<Record<keyof JWTPayload, unknown>> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, unknown> = { iss: clientId, sub: clientId, aud: ISSUER, jti: randomUUID(), iat: now, exp: now + 60, ...overrides };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as JWTPayload;
}

/** An HMAC assertion keyed with `secret` (the UTF-8 bytes of the client secret, OpenID Connect Core §16.19). */
function hmac(payload: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

function withAssertion(assertion: string, extra: Record<string, string> = {}, path = '/oauth/token') {
  return tokenRequest({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra }, undefined, path);
}

/** `hs` (client_secret_jwt), `hs-short` (a 256-bit secret), `hs256-only` (pinned), and `signer` (private_key_jwt). */
async function withHmacClients(setup: () => Promise<Harness>): Promise<Harness> {
  const h = await setup();
  const base = { redirect_uris: [], grant_types: ['client_credentials', DEVICE_CODE], scope: 'read' } as const;
  await h.store.saveClient({ ...base, client_id: 'hs', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt' });
  await h.store.saveClient({ ...base, client_id: 'hs-short', client_secret: SHORT_SECRET, token_endpoint_auth_method: 'client_secret_jwt' });
  await h.store.saveClient({ ...base, client_id: 'hs256-only', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' });
  await h.store.saveClient({ ...base, client_id: 'signer', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [signer.publicJwk] } });
  return h;
}

/** An endpoint the harness has no shortcut for (device authorization), through the core's router. */
function handled(h: Harness, request: OAuthRequest): Promise<OAuthResponse> {
  return handledBy(h.server, request);
}

async function refused(h: Harness, assertion: string, extra: Record<string, string> = {}): Promise<string> {
  const body = assertError(await h.token(withAssertion(assertion, extra)), 401, 'invalid_client');
  return body.error_description as string;
}

describeHosts('security: client_secret_jwt client assertions (RFC 7523)', (setup) => {
  const hosts = () => setup({ grantTypes: ['client_credentials', 'authorization_code', DEVICE_CODE] });

  it('an HS256 assertion keyed with the client secret authenticates, aud the issuer or the token endpoint URL (RFC 7523 §3, OIDC Core §9)', async () => {
    const h = await withHmacClients(hosts);
    assertTokens(await h.token(withAssertion(await hmac(claims('hs')))));
    assertTokens(await h.token(withAssertion(await hmac(claims('hs', { aud: `${ISSUER}/oauth/token` })), { client_id: 'hs' })));
    assertTokens(await h.token(withAssertion(await hmac(claims('hs'), SECRET, 'HS384'))));
    assertTokens(await h.token(withAssertion(await hmac(claims('hs'), SECRET, 'HS512'))));
  });

  it('a replayed assertion (same jti) is invalid_client (RFC 7523 §3 item 7)', async () => {
    const h = await withHmacClients(hosts);
    const assertion = await hmac(claims('hs'));
    assertTokens(await h.token(withAssertion(assertion)));
    assert.match(await refused(h, assertion), /already been used/);
  });

  it('wrong aud, expired, no exp, no jti, or an exp too far ahead is invalid_client (RFC 7523 §3)', async () => {
    const h = await withHmacClients(hosts);
    const now = Math.floor(Date.now() / 1000);
    assert.match(await refused(h, await hmac(claims('hs', { aud: 'https://elsewhere.example' }))), /aud/);
    assert.match(await refused(h, await hmac(claims('hs', { aud: `${ISSUER}/oauth/revoke` }))), /aud/);
    assert.match(await refused(h, await hmac(claims('hs', { iat: now - 600, exp: now - 300 }))), /expired/);
    await refused(h, await hmac(claims('hs', { exp: undefined })));
    await refused(h, await hmac(claims('hs', { jti: undefined })));
    assert.match(await refused(h, await hmac(claims('hs', { exp: now + 86_400 }))), /within 300 seconds/);
  });

  it('an unsigned assertion (alg none) is invalid_client (RFC 8725 §3.1)', async () => {
    const h = await withHmacClients(hosts);
    await refused(h, new UnsecuredJWT(claims('hs')).encode());
  });

  it('an assertion signed with a wrong secret, or another client\'s, is invalid_client', async () => {
    const h = await withHmacClients(hosts);
    assert.match(await refused(h, await hmac(claims('hs'), randomToken(64))), /signature does not verify/);
    await refused(h, await hmac(claims('hs'), SHORT_SECRET));
    // Keyed with hs's secret but naming hs-short: never hs-short either.
    await refused(h, await hmac(claims('hs-short'), SECRET));
  });

  it('algorithm confusion: an HS assertion never authenticates a private_key_jwt client, nor a signed one a client_secret_jwt client (RFC 8725 §2.1)', async () => {
    const h = await withHmacClients(hosts);
    // HMAC keyed with the private_key_jwt client's public JWK, which anyone can read.
    const confused = await new SignJWT(claims('signer')).setProtectedHeader({ alg: 'HS256', kid: 'es-1' }).sign(new TextEncoder().encode(JSON.stringify(signer.publicJwk)));
    assert.match(await refused(h, confused), /this client must authenticate with private_key_jwt/);
    // And a private key's signature for a client registered for client_secret_jwt.
    const signed = await new SignJWT(claims('hs')).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).sign(signer.privateKey);
    assert.match(await refused(h, signed), /this client must authenticate with client_secret_jwt/);
    // A client secret never passes for a private_key_jwt client's key, nor the reverse, through Basic either.
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' }, ['hs', SECRET])), 401, 'invalid_client');
  });

  it('HS384 and HS512 need a secret at least as long as their hash output (RFC 7518 §3.2); token_endpoint_auth_signing_alg pins one', async () => {
    const h = await withHmacClients(hosts);
    assertTokens(await h.token(withAssertion(await hmac(claims('hs-short'), SHORT_SECRET))));
    await refused(h, await hmac(claims('hs-short'), SHORT_SECRET, 'HS384'));
    await refused(h, await hmac(claims('hs-short'), SHORT_SECRET, 'HS512'));
    assertTokens(await h.token(withAssertion(await hmac(claims('hs256-only')))));
    assert.match(await refused(h, await hmac(claims('hs256-only'), SECRET, 'HS512')), /algorithm/);
  });

  it('revocation, introspection, PAR and device authorization accept client_secret_jwt, aud their own URL or the issuer', async () => {
    const h = await withHmacClients(hosts);
    const { access_token: token } = assertTokens(await h.token(withAssertion(await hmac(claims('hs')))));
    const introspected = await h.introspect(withAssertion(await hmac(claims('hs', { aud: `${ISSUER}/oauth/introspect` })), { token }, '/oauth/introspect'));
    assert.equal(introspected.status, 200, introspected.body);
    assert.equal(json(introspected).active, true);
    assert.equal(json(introspected).client_id, 'hs');
    const revoked = await h.revoke(withAssertion(await hmac(claims('hs')), { token }, '/oauth/revoke'));
    assert.equal(revoked.status, 200, revoked.body);
    const device = await handled(h, withAssertion(await hmac(claims('hs', { aud: `${ISSUER}/oauth/device_authorization` })), { scope: 'read' }, '/oauth/device_authorization'));
    assert.equal(device.status, 200, device.body);
    assert.ok(json(device).device_code);
    const replayedAt = await hmac(claims('hs'));
    assert.equal((await handled(h, withAssertion(replayedAt, { scope: 'read' }, '/oauth/device_authorization'))).status, 200);
    const replayed = await handled(h, withAssertion(replayedAt, { scope: 'read' }, '/oauth/device_authorization'));
    assert.equal(replayed.status, 401);
    assert.equal(json(replayed).error, 'invalid_client');
  });

  it('a server configured without client_secret_jwt refuses HMAC assertions, and its metadata lists only what it accepts', async () => {
    const h = await withHmacClients(() => setup({ tokenEndpointAuthMethods: ['client_secret_basic', 'private_key_jwt'] }));
    assert.match(await refused(h, await hmac(claims('hs'))), /does not accept client_secret_jwt/);
    const metadata = json(await h.metadata());
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt']);
    assert.ok(!(metadata.token_endpoint_auth_signing_alg_values_supported as string[]).includes('HS256'));
  });

  it('metadata lists client_secret_jwt and its HMAC algorithms by default (RFC 8414 §2)', async () => {
    const metadata = json(await (await hosts()).metadata());
    assert.ok((metadata.token_endpoint_auth_methods_supported as string[]).includes('client_secret_jwt'));
    for (const alg of ['HS256', 'HS384', 'HS512', 'ES256']) assert.ok((metadata.token_endpoint_auth_signing_alg_values_supported as string[]).includes(alg), alg);
  });
});

async function handledBy(server: ReturnType<typeof createAuthorizationServer>, request: OAuthRequest): Promise<OAuthResponse> {
  const response = await server.handle(request);
  assert.ok(response, `nothing serves ${request.url}`);
  return response;
}

it('a PAR request authenticates with client_secret_jwt (RFC 9126 §2.1)', async () => {
  const store = await createMemoryStore({
    clients: [{ client_id: 'hs', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code'], scope: 'read' }],
  });
  const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['authorization_code'], model: store, onError: () => {} });
  const push = async (assertion: string): Promise<OAuthResponse> =>
    handledBy(server, 
      tokenRequest(
        { client_id: 'hs', client_assertion_type: JWT_BEARER, client_assertion: assertion, response_type: 'code', redirect_uri: 'https://client.example/cb', scope: 'read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' },
        undefined,
        '/oauth/par',
      ),
    );
  const pushed = await push(await hmac(claims('hs', { aud: `${ISSUER}/oauth/par` })));
  assert.equal(pushed.status, 201, pushed.body);
  assert.match(String(json(pushed).request_uri), /^urn:ietf:params:oauth:request_uri:/);
  const forged = await push(await hmac(claims('hs'), randomToken(64)));
  assert.equal(forged.status, 401);
  assert.equal(json(forged).error, 'invalid_client');
});

it('client_secret_jwt needs the model to hand over the secret (getClientSecret): refused at start without it, and not offered by default', async () => {
  const store = await createMemoryStore({});
  const { getClientSecret: _omitted, ...withoutSecrets } = store;
  const model = withoutSecrets as typeof store;
  assert.throws(
    () => createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model, tokenEndpointAuthMethods: ['client_secret_jwt'] }),
    { field: 'model.getClientSecret' },
  );
  const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model });
  const metadata = json(server.metadata());
  assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
  assert.deepEqual(metadata.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'PS256', 'ES256', 'EdDSA']);
});
