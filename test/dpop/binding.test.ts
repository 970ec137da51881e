/**
 * What a DPoP proof binds at the token endpoint (RFC 9449 §5, §6, §10): token_type DPoP, cnf.jkt in
 * JWT access tokens and introspection, public clients' refresh tokens, dpop_jkt codes, and clients
 * registered with dpop_bound_access_tokens.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { OAuthResponse } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createAuthorizationServer } from '../../src/index.js';
import { ISSUER, admin, createTestServer, skyvault } from '../helpers/fixtures.js';
import { authorizeRequest, json, tokenRequest } from '../helpers/http.js';
import { coreHarness } from '../helpers/hosts.js';
import type { Harness, ServerOverrides } from '../helpers/hosts.js';
import { POSTER, SKYVAULT, assertError, assertTokens, locationParams, pkcePair, resourceOwner } from '../helpers/flows.js';
import { createJwtTestServer } from '../tokens/jwt-fixtures.js';
import { dpopKey, dpopTokenRequest, proof } from '../helpers/dpop.js';
import type { DpopKey } from '../helpers/dpop.js';

const SPA_REDIRECT = 'https://spa.example.com/cb';
const PASSWORD = { grant_type: 'password', username: admin.username, password: admin.password, scope: 'read' };

async function setup(overrides?: ServerOverrides): Promise<Harness> {
  const { server, store } = await createTestServer(overrides);
  return coreHarness(server, store);
}

/** Asserts a DPoP token response (RFC 9449 §5) and returns its body. */
function assertDpopTokens(response: OAuthResponse): Record<string, unknown> & { access_token: string; refresh_token?: string } {
  assert.equal(response.status, 200, response.body);
  const body = json(response);
  assert.equal(body.token_type, 'DPoP');
  return body as Record<string, unknown> & { access_token: string };
}

async function introspect(h: Harness, token: string): Promise<Record<string, unknown>> {
  // `poster` may introspect every client's access tokens (RFC 7662 §4).
  const [client_id, client_secret] = POSTER;
  return json(await h.introspect(tokenRequest({ token, client_id, client_secret }, undefined, '/oauth/introspect')));
}

/** A code for the public client `spa` with PKCE (and dpop_jkt when given), and its verifier. */
async function spaCode(h: Harness, dpopJkt?: string): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const params: Record<string, string> = { response_type: 'code', client_id: 'spa', redirect_uri: SPA_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'read' };
  if (dpopJkt !== undefined) params.dpop_jkt = dpopJkt;
  const { response } = await h.authorize(authorizeRequest(params), { user: resourceOwner, allow: true });
  const code = locationParams(response).get('code');
  assert.ok(code, response.headers.location);
  return { code, verifier };
}

async function redeemSpa(h: Harness, key: DpopKey | undefined, code: string, verifier: string): Promise<OAuthResponse> {
  const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: SPA_REDIRECT, client_id: 'spa' };
  return h.token(key ? dpopTokenRequest(await proof(key), params) : tokenRequest(params));
}

describe('DPoP-bound tokens at the token endpoint (RFC 9449 §5, §6)', () => {
  it('introspection answers token_type DPoP and cnf.jkt for a bound token, Bearer without (RFC 9449 §6.2)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const bound = assertDpopTokens(await h.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT)));
    const described = await introspect(h, bound.access_token);
    assert.equal(described.token_type, 'DPoP');
    assert.deepEqual(described.cnf, { jkt: key.jkt });
    const bearer = assertTokens(await h.token(tokenRequest(PASSWORD, SKYVAULT)));
    const plain = await introspect(h, bearer.access_token);
    assert.equal(plain.token_type, 'Bearer');
    assert.equal(plain.cnf, undefined);
  });

  it('JWT access tokens carry cnf.jkt (RFC 9449 §6.1)', async () => {
    const { server } = await createJwtTestServer();
    const key = await dpopKey();
    const response = await server.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT));
    assert.equal(json(response).token_type, 'DPoP', response.body);
    assert.deepEqual(decodeJwt(String(json(response).access_token)).cnf, { jkt: key.jkt });
  });

  it("a public client's refresh token is bound to its key: another key or none is invalid_grant (RFC 9449 §5)", async () => {
    const h = await setup();
    const key = await dpopKey();
    const { code, verifier } = await spaCode(h);
    const first = assertDpopTokens(await redeemSpa(h, key, code, verifier));
    const refresh = (token: string) => ({ grant_type: 'refresh_token', refresh_token: token, client_id: 'spa' });
    assertError(await h.token(dpopTokenRequest(await proof(await dpopKey()), refresh(String(first.refresh_token)))), 400, 'invalid_grant');
    assertError(await h.token(tokenRequest(refresh(String(first.refresh_token)))), 400, 'invalid_grant');
    // The refused attempts did not burn it: the key holder still refreshes, and the binding carries on.
    const second = assertDpopTokens(await h.token(dpopTokenRequest(await proof(key), refresh(String(first.refresh_token)))));
    assert.deepEqual((await introspect(h, second.access_token)).cnf, { jkt: key.jkt });
    assertError(await h.token(tokenRequest(refresh(String(second.refresh_token)))), 400, 'invalid_grant');
  });

  it("a confidential client's refresh token is not bound; the new access token is bound to the proof presented (RFC 9449 §5)", async () => {
    const h = await setup();
    const first = assertDpopTokens(await h.token(dpopTokenRequest(await proof(await dpopKey()), PASSWORD, SKYVAULT)));
    const refresh = (token: unknown) => ({ grant_type: 'refresh_token', refresh_token: String(token) });
    const other = await dpopKey();
    const second = assertDpopTokens(await h.token(dpopTokenRequest(await proof(other), refresh(first.refresh_token), SKYVAULT)));
    assert.deepEqual((await introspect(h, second.access_token)).cnf, { jkt: other.jkt });
    // Without a proof the refreshed token is a plain bearer token: the old binding is not carried over.
    const third = assertTokens(await h.token(tokenRequest(refresh(second.refresh_token), SKYVAULT)));
    assert.equal((await introspect(h, third.access_token)).cnf, undefined);
  });

  it('a code bound with dpop_jkt needs a proof by that key (RFC 9449 §10)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const wrong = await spaCode(h, key.jkt);
    assertError(await redeemSpa(h, await dpopKey(), wrong.code, wrong.verifier), 400, 'invalid_grant');
    const none = await spaCode(h, key.jkt);
    assertError(await redeemSpa(h, undefined, none.code, none.verifier), 400, 'invalid_grant');
    const right = await spaCode(h, key.jkt);
    assertDpopTokens(await redeemSpa(h, key, right.code, right.verifier));
  });

  it('a malformed dpop_jkt is refused at the authorization endpoint (RFC 9449 §10)', async () => {
    const h = await setup();
    const { challenge } = pkcePair();
    const params = { response_type: 'code', client_id: 'spa', redirect_uri: SPA_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', dpop_jkt: 'short' };
    const { response } = await h.authorize(authorizeRequest(params), { user: resourceOwner, allow: true });
    assert.equal(locationParams(response).get('error'), 'invalid_request');
  });

  it('a client registered with dpop_bound_access_tokens must send a proof (RFC 9449 §5.2)', async () => {
    const store = await createMemoryStore({ clients: [{ ...skyvault, dpop_bound_access_tokens: true }], users: [admin] });
    const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model: store, onError: () => {} });
    const h = coreHarness(server, store);
    const body = assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)), 400, 'invalid_request');
    assert.match(String(body.error_description), /DPoP/);
    assertDpopTokens(await h.token(dpopTokenRequest(await proof(await dpopKey()), { grant_type: 'client_credentials' }, SKYVAULT)));
  });

  it('metadata lists dpop_signing_alg_values_supported (RFC 9449 §5.1); dpop: false turns DPoP off (header ignored, Bearer)', async () => {
    const on = await setup({ dpop: { algorithms: ['ES256', 'EdDSA'] } });
    assert.deepEqual(json(await on.metadata()).dpop_signing_alg_values_supported, ['ES256', 'EdDSA']);
    const off = await setup({ dpop: false });
    assert.equal(json(await off.metadata()).dpop_signing_alg_values_supported, undefined);
    assertTokens(await off.token(dpopTokenRequest(await proof(await dpopKey()), PASSWORD, SKYVAULT)));
  });

  it('bad dpop options are refused at start, naming the field', async () => {
    await assert.rejects(setup({ dpop: { algorithms: ['HS256'] } }), (err: unknown) => err instanceof ConfigError && err.field === 'dpop.algorithms');
    await assert.rejects(setup({ dpop: { algorithms: ['none'] } }), (err: unknown) => err instanceof ConfigError && err.field === 'dpop.algorithms');
    await assert.rejects(setup({ dpop: { nonce: { secret: 'short' } } }), (err: unknown) => err instanceof ConfigError && err.field === 'dpop.nonce.secret');
    await assert.rejects(setup({ dpop: { window: 0 } }), (err: unknown) => err instanceof ConfigError && err.field === 'dpop.window');
  });
});
