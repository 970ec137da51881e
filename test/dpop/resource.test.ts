/**
 * DPoP at a protected resource through the core's authenticate() (RFC 9449 §7): the DPoP scheme with
 * a proof bound to the token (ath) and to its key (cnf.jkt), no downgrade to Bearer, and the challenges.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OAuthResponse } from '../../src/index.js';
import { admin, createTestServer } from '../helpers/fixtures.js';
import { bearerRequest, json, tokenRequest } from '../helpers/http.js';
import { coreHarness } from '../helpers/hosts.js';
import type { Harness, ServerOverrides } from '../helpers/hosts.js';
import { SKYVAULT } from '../helpers/flows.js';
import { SECURE_URL, dpopKey, dpopResourceRequest, dpopTokenRequest, proof } from '../helpers/dpop.js';
import type { DpopKey } from '../helpers/dpop.js';

const PASSWORD = { grant_type: 'password', username: admin.username, password: admin.password, scope: 'read' };
const ALGS = 'algs="ES256 EdDSA RS256 PS256"';

async function setup(overrides?: ServerOverrides): Promise<Harness> {
  const { server, store } = await createTestServer(overrides);
  return coreHarness(server, store);
}

/** An access token bound to `key`. */
async function boundToken(h: Harness, key: DpopKey): Promise<string> {
  const response = await h.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT));
  assert.equal(json(response).token_type, 'DPoP', response.body);
  return String(json(response).access_token);
}

/** A proof for GET /secure with this token's ath. */
function resourceProof(key: DpopKey, accessToken: string, extra: Parameters<typeof proof>[1] = {}): Promise<string> {
  return proof(key, { htm: 'GET', htu: SECURE_URL, accessToken, ...extra });
}

/** Asserts a refusal and returns the WWW-Authenticate challenge. */
function refused(response: OAuthResponse, status: number, error: string): string {
  assert.equal(response.status, status, response.body);
  assert.equal(json(response).error, error);
  return response.headers['www-authenticate'] ?? '';
}

describe('DPoP at the protected resource (RFC 9449 §7)', () => {
  it('a bound token with the DPoP scheme and a valid proof is accepted (RFC 9449 §7.1)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const token = await boundToken(h, key);
    const response = await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token)));
    assert.equal(response.status, 200, response.body);
  });

  it('a bound token presented as Bearer is refused (RFC 9449 §7.2)', async () => {
    const h = await setup();
    const token = await boundToken(h, await dpopKey());
    const challenge = refused(await h.authenticate(bearerRequest(token)), 401, 'invalid_token');
    // §7.2: the error goes to the Bearer challenge, the scheme the request used.
    assert.match(challenge, /^Bearer realm="[^"]+", error="invalid_token"/);
    assert.match(challenge, new RegExp(`DPoP realm="[^"]+", ${ALGS}$`));
  });

  it('the DPoP scheme without a proof is refused, the error in the DPoP challenge (RFC 9449 §7.1)', async () => {
    const h = await setup();
    const token = await boundToken(h, await dpopKey());
    const challenge = refused(await h.authenticate(dpopResourceRequest(token)), 401, 'invalid_dpop_proof');
    assert.match(challenge, new RegExp(`^Bearer realm="[^"]+", DPoP realm="[^"]+", error="invalid_dpop_proof", error_description="[^"]+", ${ALGS}$`));
  });

  it('a proof for another access token (wrong ath) is refused (RFC 9449 §4.3 item 12)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const token = await boundToken(h, key);
    const other = await boundToken(h, key);
    refused(await h.authenticate(dpopResourceRequest(token, await resourceProof(key, other))), 401, 'invalid_dpop_proof');
    refused(await h.authenticate(dpopResourceRequest(token, await proof(key, { htm: 'GET', htu: SECURE_URL }))), 401, 'invalid_dpop_proof');
  });

  it('a proof by another key than the token is bound to is refused (RFC 9449 §6, §7.1)', async () => {
    const h = await setup();
    const token = await boundToken(h, await dpopKey());
    const thief = await dpopKey();
    const challenge = refused(await h.authenticate(dpopResourceRequest(token, await resourceProof(thief, token))), 401, 'invalid_token');
    assert.match(challenge, /DPoP realm="[^"]+", error="invalid_token"/);
  });

  it('a proof for another method or URL is refused at the resource (RFC 9449 §4.3 items 8-9)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const token = await boundToken(h, key);
    refused(await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token, { htm: 'POST' }))), 401, 'invalid_dpop_proof');
    refused(await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token, { htu: 'http://localhost:9191/other' }))), 401, 'invalid_dpop_proof');
  });

  it('a replayed proof is refused at the resource (RFC 9449 §11.1)', async () => {
    const h = await setup();
    const key = await dpopKey();
    const token = await boundToken(h, key);
    const dpop = await resourceProof(key, token);
    assert.equal((await h.authenticate(dpopResourceRequest(token, dpop))).status, 200);
    refused(await h.authenticate(dpopResourceRequest(token, dpop)), 401, 'invalid_dpop_proof');
  });

  it('an unbound (Bearer) token sent with the DPoP scheme is refused', async () => {
    const h = await setup();
    const key = await dpopKey();
    const token = String(json(await h.token(tokenRequest(PASSWORD, SKYVAULT))).access_token);
    refused(await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token))), 401, 'invalid_token');
  });

  it('unbound tokens keep working as Bearer beside DPoP (RFC 9449 §7.2)', async () => {
    const h = await setup();
    const token = String(json(await h.token(tokenRequest(PASSWORD, SKYVAULT))).access_token);
    assert.equal((await h.authenticate(bearerRequest(token))).status, 200);
  });

  it('with dpop: false a bound token is still never accepted as Bearer (RFC 9449 §7.2)', async () => {
    const { server, store } = await createTestServer();
    const token = await boundToken(coreHarness(server, store), await dpopKey());
    const off = coreHarness((await createTestServer({ dpop: false })).server, store);
    const response = await off.authenticate(bearerRequest(token));
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate']?.includes('DPoP'), false);
  });
});

describe('server-provided DPoP nonces (RFC 9449 §8, §9)', () => {
  const nonce = { secret: 'a-secret-of-at-least-thirty-two-characters' };

  it('the token endpoint answers use_dpop_nonce with a DPoP-Nonce, then accepts a proof carrying it (RFC 9449 §8)', async () => {
    const h = await setup({ dpop: { nonce } });
    const key = await dpopKey();
    const first = await h.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT));
    assert.equal(first.status, 400);
    assert.equal(json(first).error, 'use_dpop_nonce');
    const value = first.headers['dpop-nonce'];
    assert.ok(value);
    const forged = await h.token(dpopTokenRequest(await proof(key, { nonce: `${value}x` }), PASSWORD, SKYVAULT));
    assert.equal(json(forged).error, 'use_dpop_nonce');
    const second = await h.token(dpopTokenRequest(await proof(key, { nonce: value }), PASSWORD, SKYVAULT));
    assert.equal(json(second).token_type, 'DPoP', second.body);
  });

  it('a resource answers 401 use_dpop_nonce in the DPoP challenge with a DPoP-Nonce (RFC 9449 §9)', async () => {
    const h = await setup({ dpop: { nonce } });
    const key = await dpopKey();
    const first = await h.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT));
    const value = first.headers['dpop-nonce'] ?? '';
    const token = String(json(await h.token(dpopTokenRequest(await proof(key, { nonce: value }), PASSWORD, SKYVAULT))).access_token);
    const without = await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token)));
    const challenge = refused(without, 401, 'use_dpop_nonce');
    assert.match(challenge, /DPoP realm="[^"]+", error="use_dpop_nonce"/);
    assert.ok(without.headers['dpop-nonce']);
    const ok = await h.authenticate(dpopResourceRequest(token, await resourceProof(key, token, { nonce: without.headers['dpop-nonce'] })));
    assert.equal(ok.status, 200, ok.body);
  });
});
