/**
 * Signed request objects (JAR, RFC 9101) at /authorize and the PAR endpoint (RFC 9126 §3), and a
 * DPoP proof at the PAR endpoint binding the code (RFC 9449 §10.1), through the core.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import type { AuthorizationServer, AuthorizeResult, OAuthResponse } from '../../src/index.js';
import type { AuthorizeAnswer } from '../../src/endpoints/authorize.js';
import type { Store } from '../../src/stores/store.js';
import { ISSUER, REDIRECT_URI, createTestServer, skyvault } from '../helpers/fixtures.js';
import { lowerCased } from '../helpers/hosts.js';
import { authorizeRequest, json, redirectParams, tokenRequest } from '../helpers/http.js';
import { SKYVAULT, assertError, assertTokens, pkcePair, resourceOwner } from '../helpers/flows.js';
import { dpopKey, dpopTokenRequest, proof } from '../helpers/dpop.js';
import { ConfigError, InvalidClientMetadataError } from '../../src/errors.js';
import { validateConfig } from '../../src/app/config.js';
import { validateClientMetadata } from '../../src/client-metadata.js';
import type { DpopKey } from '../helpers/dpop.js';

const PAR = '/oauth/par';
const PAR_URL = `${ISSUER}${PAR}`;
const allow = { user: resourceOwner, allow: true };

interface Setup {
  server: AuthorizationServer;
  store: Store;
  key: CryptoKey;
}

/** SkyVaultapp with an ES256 key registered in `jwks` (RFC 7591 §2), and more client metadata when given. */
async function setup(client: Record<string, unknown> = {}, options: Parameters<typeof createTestServer>[0] = {}): Promise<Setup> {
  const { server, store } = await createTestServer(options);
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  await store.saveClient({ ...skyvault, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }, ...client });
  return { server, store, key: privateKey };
}

const now = (): number => Math.floor(Date.now() / 1000);

/** The authorization request's parameters as the client signs them (RFC 9101 §4), with PKCE. */
function requestClaims(challenge: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'SkyVaultapp',
    aud: ISSUER,
    exp: now() + 60,
    nbf: now(),
    iat: now(),
    jti: randomUUID(),
    client_id: 'SkyVaultapp',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'read',
    state: 'signed-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

/** A request object signed by `key`; a claim set to undefined is left out. */
function sign(key: CryptoKey, claims: Record<string, unknown>, header: { typ?: string; alg?: string } = {}): Promise<string> {
  const payload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return new SignJWT(payload).setProtectedHeader({ alg: header.alg ?? 'ES256', typ: header.typ ?? 'oauth-authz-req+jwt', kid: 'k1' }).sign(key);
}

/** An unsigned JWT (`alg: none`, RFC 7519 §6). */
function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'oauth-authz-req+jwt' })}.${part(claims)}.`;
}

/** Asserts a page-only error (never a redirect) with this code. */
function assertPage(result: AuthorizeResult, error: string): void {
  assert.equal(result.type, 'error', JSON.stringify(result));
  if (result.type !== 'error') return;
  assert.equal(result.response.headers.Location, undefined);
  assert.equal(json(result.response).error, error);
}

/** /authorize with `request` by value, and the person's Allow. */
function byValue(server: AuthorizationServer, requestObject: string, outer: Record<string, string> = {}): Promise<AuthorizeAnswer> {
  return server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request: requestObject, ...outer }), allow);
}

async function redeem(server: AuthorizationServer, response: OAuthResponse, verifier: string): Promise<OAuthResponse> {
  const code = redirectParams(response).get('code') ?? '';
  return lowerCased(await server.token(tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, SKYVAULT)));
}

/** A form POST to the PAR endpoint, Basic-authenticated as SkyVaultapp, with a DPoP header when given. */
async function push(server: AuthorizationServer, params: Record<string, string>, dpop?: string): Promise<OAuthResponse> {
  const request = tokenRequest(params, SKYVAULT, PAR);
  const response = await server.handle(dpop === undefined ? request : { ...request, headers: { ...request.headers, dpop } });
  assert.ok(response, 'the router serves the PAR endpoint');
  return lowerCased(response);
}

describe('signed request objects at the authorization endpoint (RFC 9101)', () => {
  it('metadata: request_parameter_supported, the accepted algorithms (never none), request_uri only from PAR (RFC 9101 §10.5)', async () => {
    const { server } = await setup();
    const metadata = json(server.metadata());
    assert.equal(metadata.request_parameter_supported, true);
    assert.equal(metadata.request_uri_parameter_supported, false);
    const algorithms = metadata.request_object_signing_alg_values_supported as string[];
    assert.ok(algorithms.includes('ES256'));
    assert.equal(algorithms.includes('none'), false);
    assert.equal(algorithms.some((alg) => alg.startsWith('HS')), false);
  });

  it('a signed request object completes the code flow; only its parameters count, the outer ones are ignored (RFC 9101 §6.3)', async () => {
    const { server, key } = await setup();
    const { verifier, challenge } = pkcePair();
    const outer = { redirect_uri: 'https://attacker.example/cb', state: 'evil', scope: 'read write', response_type: 'token', code_challenge: 'x'.repeat(43) };
    const answer = await byValue(server, await sign(key, requestClaims(challenge)), outer);
    assert.equal(answer.type, 'redirect', JSON.stringify(answer));
    assert.ok(answer.type === 'redirect' && answer.response.headers.Location?.startsWith(`${REDIRECT_URI}?code=`), JSON.stringify(answer));
    assert.equal(redirectParams(answer.response).get('state'), 'signed-state');
    assert.deepEqual(answer.type === 'redirect' && answer.scope, ['read']);
    assertTokens(await redeem(server, answer.response, verifier));
  });

  it('a verified request object is kept and continued by request_uri: one decision answers it (RFC 9101 §6.3, RFC 9126 §4)', async () => {
    const { server, key } = await setup();
    const { verifier, challenge } = pkcePair();
    const started = await server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request: await sign(key, requestClaims(challenge)) }));
    assert.equal(started.type, 'interaction');
    const requestUri = started.type === 'interaction' ? started.request.requestUri : undefined;
    assert.match(requestUri ?? '', /^urn:ietf:params:oauth:request_uri:/);
    const continued = { client_id: 'SkyVaultapp', request_uri: requestUri ?? '' };
    const answer = await server.authorize(authorizeRequest(continued), allow);
    assert.equal(answer.type, 'redirect');
    assertTokens(await redeem(server, answer.response, verifier));
    assertPage(await server.authorize(authorizeRequest(continued), allow), 'invalid_request_uri');
  });

  it('an object whose jti was seen before is refused: single use (RFC 9101 §10.1)', async () => {
    const { server, key } = await setup();
    const object = await sign(key, requestClaims(pkcePair().challenge));
    assert.equal((await byValue(server, object)).type, 'redirect');
    assertPage(await byValue(server, object), 'invalid_request_object');
  });

  it('of parallel uses of one request object, exactly one gets a code (jti single use, atomic)', async () => {
    const { server, key } = await setup();
    const object = await sign(key, requestClaims(pkcePair().challenge));
    const answers = await Promise.all(Array.from({ length: 20 }, () => byValue(server, object)));
    assert.equal(answers.filter((a) => a.type === 'redirect' && redirectParams(a.response).has('code')).length, 1);
    assert.equal(answers.filter((a) => a.type === 'error' && json(a.response).error === 'invalid_request_object').length, 19);
  });

  it('an unsigned request object (alg none) is refused (RFC 9101 §6.1, RFC 8725 §3.1)', async () => {
    const { server } = await setup();
    assertPage(await byValue(server, unsigned(requestClaims(pkcePair().challenge))), 'invalid_request_object');
  });

  it('an object signed by a key the client did not register is refused (RFC 9101 §6.2)', async () => {
    const { server } = await setup();
    const { privateKey } = await generateKeyPair('ES256');
    assertPage(await byValue(server, await sign(privateKey, requestClaims(pkcePair().challenge))), 'invalid_request_object');
  });

  it('a client without registered keys cannot send request objects', async () => {
    const { server, store, key } = await setup();
    await store.saveClient(skyvault);
    assertPage(await byValue(server, await sign(key, requestClaims(pkcePair().challenge))), 'invalid_request_object');
  });

  it("an algorithm other than the client's request_object_signing_alg is refused (RFC 9101 §10.5)", async () => {
    const { server, key } = await setup({ request_object_signing_alg: 'PS256' });
    assertPage(await byValue(server, await sign(key, requestClaims(pkcePair().challenge))), 'invalid_request_object');
  });

  it('a wrong aud or iss is refused: the object is for this issuer, from this client (RFC 9101 §6.3)', async () => {
    const { server, key } = await setup();
    const { challenge } = pkcePair();
    assertPage(await byValue(server, await sign(key, requestClaims(challenge, { aud: 'https://other-as.example' }))), 'invalid_request_object');
    assertPage(await byValue(server, await sign(key, requestClaims(challenge, { aud: undefined }))), 'invalid_request_object');
    assertPage(await byValue(server, await sign(key, requestClaims(challenge, { iss: 'poster' }))), 'invalid_request_object');
    assertPage(await byValue(server, await sign(key, requestClaims(challenge, { iss: undefined }))), 'invalid_request_object');
  });

  it('a client_id inside that differs from the outer client_id is refused (RFC 9101 §5)', async () => {
    const { server, key } = await setup();
    assertPage(await byValue(server, await sign(key, requestClaims(pkcePair().challenge, { client_id: 'poster' }))), 'invalid_request_object');
  });

  it('an expired object, one without exp, one living over an hour, or with nbf over an hour old is refused (FAPI 2.0 Message Signing §5.3.1)', async () => {
    const { server, key } = await setup();
    const { challenge } = pkcePair();
    for (const claims of [{ exp: now() - 120 }, { exp: undefined }, { exp: now() + 7200 }, { nbf: now() - 7200, exp: now() + 60 }]) {
      assertPage(await byValue(server, await sign(key, requestClaims(challenge, claims))), 'invalid_request_object');
    }
  });

  it('an object with another explicit typ, an encrypted object, or one naming request_uri is refused (RFC 9101 §4, §10.8)', async () => {
    const { server, key } = await setup();
    const { challenge } = pkcePair();
    assertPage(await byValue(server, await sign(key, requestClaims(challenge), { typ: 'dpop+jwt' })), 'invalid_request_object');
    assertPage(await byValue(server, 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d'), 'invalid_request_object');
    assertPage(await byValue(server, await sign(key, requestClaims(challenge, { request_uri: 'https://rp.example/r' }))), 'invalid_request_object');
  });

  it('request without client_id, or with request_uri beside it, is refused on a page (RFC 9101 §5)', async () => {
    const { server, key } = await setup();
    const object = await sign(key, requestClaims(pkcePair().challenge));
    assertPage(await server.authorize(authorizeRequest({ request: object }), allow), 'invalid_request');
    assertPage(await byValue(server, object, { request_uri: 'urn:ietf:params:oauth:request_uri:x' }), 'invalid_request');
  });

  it('a request_uri to fetch is request_uri_not_supported, for OAuth requests too (RFC 9101 §5.2)', async () => {
    const { server } = await setup();
    const { challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', request_uri: 'https://client.example.com/request.jwt' };
    const answer = await server.authorize(authorizeRequest(params), allow);
    assert.equal(redirectParams(answer.response).get('error'), 'request_uri_not_supported');
    assert.equal(redirectParams(answer.response).has('code'), false);
  });

  it('require_signed_request_object: a plain request is refused, a signed one completes (RFC 9101 §10.5)', async () => {
    const { server, key } = await setup({ require_signed_request_object: true });
    const { verifier, challenge } = pkcePair();
    const plain = await server.authorize(
      authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }),
      allow,
    );
    assert.equal(redirectParams(plain.response).get('error'), 'invalid_request');
    assert.equal(redirectParams(plain.response).has('code'), false);
    const signed = await byValue(server, await sign(key, requestClaims(challenge)));
    assertTokens(await redeem(server, signed.response, verifier));
  });

  it('with request objects off (no PAR), request is request_not_supported', async () => {
    const { server, key } = await setup({}, { pushedAuthorizationRequests: false });
    assert.equal(json(server.metadata()).request_parameter_supported, false);
    const answer = await byValue(server, await sign(key, requestClaims(pkcePair().challenge)), { response_type: 'code', redirect_uri: REDIRECT_URI });
    assert.equal(redirectParams(answer.response).get('error'), 'request_not_supported');
  });
});

describe('signed request objects at the PAR endpoint (RFC 9126 §3)', () => {
  it("a pushed request object's parameters alone are kept; the form's others are ignored", async () => {
    const { server, key } = await setup();
    const { verifier, challenge } = pkcePair();
    const response = await push(server, { client_id: 'SkyVaultapp', request: await sign(key, requestClaims(challenge)), state: 'form-state', scope: 'write' });
    assert.equal(response.status, 201, response.body);
    const answer = await server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request_uri: String(json(response).request_uri) }), allow);
    assert.equal(redirectParams(answer.response).get('state'), 'signed-state');
    assert.deepEqual(answer.type === 'redirect' && answer.scope, ['read']);
    assertTokens(await redeem(server, answer.response, verifier));
  });

  it('a bad request object at PAR is 400 invalid_request_object as JSON (RFC 9126 §2.3)', async () => {
    const { server, key } = await setup();
    const { challenge } = pkcePair();
    assertError(await push(server, { client_id: 'SkyVaultapp', request: unsigned(requestClaims(challenge)) }), 400, 'invalid_request_object');
    assertError(await push(server, { client_id: 'SkyVaultapp', request: await sign(key, requestClaims(challenge, { aud: PAR_URL.replace(ISSUER, 'https://x') })) }), 400, 'invalid_request_object');
  });

  it('require_signed_request_object: a pushed request without an object is refused, with one accepted (RFC 9101 §10.5)', async () => {
    const { server, key } = await setup({ require_signed_request_object: true });
    const { challenge } = pkcePair();
    const plain = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
    assertError(await push(server, plain), 400, 'invalid_request');
    assert.equal((await push(server, { client_id: 'SkyVaultapp', request: await sign(key, requestClaims(challenge)) })).status, 201);
  });
});

describe('DPoP at the PAR endpoint (RFC 9449 §10.1)', () => {
  /** A pushed code request with a DPoP proof for the PAR endpoint, then the person's Allow: the code and verifier. */
  async function pushedCode(server: AuthorizationServer, key: DpopKey, extra: Record<string, string> = {}): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', ...extra };
    const response = await push(server, params, await proof(key, { htu: PAR_URL }));
    assert.equal(response.status, 201, response.body);
    const answer = await server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request_uri: String(json(response).request_uri) }), allow);
    return { code: redirectParams(answer.response).get('code') ?? '', verifier };
  }

  const exchange = (code: string, verifier: string) => ({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });

  it('a DPoP proof at PAR binds the code: exchanged without a proof it is refused', async () => {
    const { server } = await setup();
    const { code, verifier } = await pushedCode(server, await dpopKey());
    assertError(lowerCased(await server.token(tokenRequest(exchange(code, verifier), SKYVAULT))), 400, 'invalid_grant');
  });

  it('a DPoP proof at PAR binds the code: exchanged with a proof by another key it is refused', async () => {
    const { server } = await setup();
    const { code, verifier } = await pushedCode(server, await dpopKey());
    const other = await dpopKey();
    assertError(lowerCased(await server.token(dpopTokenRequest(await proof(other), exchange(code, verifier), SKYVAULT))), 400, 'invalid_grant');
  });

  it('a DPoP proof at PAR binds the code: with a proof by that key the tokens are DPoP-bound', async () => {
    const { server } = await setup();
    const key = await dpopKey();
    const { code, verifier } = await pushedCode(server, key);
    const response = lowerCased(await server.token(dpopTokenRequest(await proof(key), exchange(code, verifier), SKYVAULT)));
    assert.equal(response.status, 200, response.body);
    assert.equal(json(response).token_type, 'DPoP');
  });

  it('a dpop_jkt that is not the proof key is invalid_dpop_proof; the same one is accepted', async () => {
    const { server } = await setup();
    const key = await dpopKey();
    const { challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
    assertError(await push(server, { ...params, dpop_jkt: (await dpopKey()).jkt }, await proof(key, { htu: PAR_URL })), 400, 'invalid_dpop_proof');
    assert.equal((await push(server, { ...params, dpop_jkt: key.jkt }, await proof(key, { htu: PAR_URL }))).status, 201);
  });

  it('a DPoP proof at PAR is checked as at the token endpoint: one for another URL is invalid_dpop_proof (RFC 9449 §4.3)', async () => {
    const { server } = await setup();
    const { challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
    assertError(await push(server, params, await proof(await dpopKey())), 400, 'invalid_dpop_proof');
  });
});

describe('request object client metadata (RFC 9101 §10.5), in the config file and at registration', () => {
  const configClient = (extra: Record<string, unknown>) =>
    validateConfig({ clients: [{ client_id: 'rp', client_secret: 'x'.repeat(32), redirect_uris: [REDIRECT_URI], ...extra }] }).clients[0];
  const policy = { grantTypes: ['authorization_code'], scope: ['read'], authMethods: ['client_secret_basic' as const] };
  const register = (extra: Record<string, unknown>) => validateClientMetadata({ redirect_uris: [REDIRECT_URI], ...extra }, policy);

  it('request_object_signing_alg and require_signed_request_object are kept', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [await exportJWK(publicKey)] };
    const fromConfig = configClient({ jwks, request_object_signing_alg: 'ES256', require_signed_request_object: true });
    assert.equal(fromConfig?.request_object_signing_alg, 'ES256');
    assert.equal(fromConfig?.require_signed_request_object, true);
    const registered = register({ jwks, request_object_signing_alg: 'ES256', require_signed_request_object: true });
    assert.equal(registered.request_object_signing_alg, 'ES256');
    assert.equal(registered.require_signed_request_object, true);
  });

  it('an algorithm that is none, symmetric or unknown is refused, naming the field', () => {
    for (const alg of ['none', 'HS256', 'XX']) {
      assert.throws(() => configClient({ request_object_signing_alg: alg }), (err: unknown) => err instanceof ConfigError && /request_object_signing_alg/.test(err.field));
      assert.throws(() => register({ request_object_signing_alg: alg }), (err: unknown) => err instanceof InvalidClientMetadataError && /request_object_signing_alg/.test(err.description));
    }
  });

  it('require_signed_request_object without jwks or jwks_uri is refused: nothing could verify the objects', () => {
    assert.throws(() => configClient({ require_signed_request_object: true }), (err: unknown) => err instanceof ConfigError && /require_signed_request_object/.test(err.field));
    assert.throws(() => register({ require_signed_request_object: true }), (err: unknown) => err instanceof InvalidClientMetadataError && /require_signed_request_object/.test(err.description));
  });
});
