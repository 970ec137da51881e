/** DPoP proof checks at the token endpoint (RFC 9449 §4.3, §5, §11.1): each check refuses what it must. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { OAuthRequest, OAuthResponse } from '../../src/index.js';
import { createTestServer } from '../helpers/fixtures.js';
import { coreHarness } from '../helpers/hosts.js';
import type { Harness, ServerOverrides } from '../helpers/hosts.js';
import { json } from '../helpers/http.js';
import { SKYVAULT, assertError } from '../helpers/flows.js';
import { TOKEN_URL, dpopKey, dpopTokenRequest, proof } from '../helpers/dpop.js';

const CC = { grant_type: 'client_credentials', scope: 'read' };

async function setup(overrides?: ServerOverrides): Promise<Harness> {
  const { server, store } = await createTestServer(overrides);
  return coreHarness(server, store);
}

async function tokenWith(dpop: string | string[]): Promise<OAuthResponse> {
  const request = dpopTokenRequest('', CC, SKYVAULT);
  return (await setup()).token({ ...request, headers: { ...request.headers, dpop } } as OAuthRequest);
}

function refusedProof(response: OAuthResponse, pattern: RegExp): void {
  const body = assertError(response, 400, 'invalid_dpop_proof');
  assert.match(String(body.error_description), pattern);
}

describe('DPoP proofs at the token endpoint (RFC 9449 §4.3)', () => {
  it('a valid proof is accepted and binds the token: token_type DPoP (RFC 9449 §5)', async () => {
    const response = await tokenWith(await proof(await dpopKey()));
    assert.equal(response.status, 200, response.body);
    assert.equal(json(response).token_type, 'DPoP');
  });

  it('an EdDSA proof is accepted too', async () => {
    const response = await tokenWith(await proof(await dpopKey('Ed25519')));
    assert.equal(json(response).token_type, 'DPoP', response.body);
  });

  it('htu is compared after normalisation and without the query (RFC 9449 §4.3 item 9)', async () => {
    const response = await tokenWith(await proof(await dpopKey(), { htu: 'HTTP://LOCALHOST:9191/oauth/token?x=1#f' }));
    assert.equal(response.status, 200, response.body);
  });

  it('wrong htm is refused (RFC 9449 §4.3 item 8)', async () => {
    refusedProof(await tokenWith(await proof(await dpopKey(), { htm: 'GET' })), /htm/);
  });

  it('wrong htu is refused (RFC 9449 §4.3 item 9)', async () => {
    refusedProof(await tokenWith(await proof(await dpopKey(), { htu: 'http://localhost:9191/oauth/revoke' })), /htu/);
    refusedProof(await tokenWith(await proof(await dpopKey(), { htu: 'https://evil.example/oauth/token' })), /htu/);
  });

  it('a stale iat, or one too far ahead, is refused (RFC 9449 §4.3 item 11, §11.1)', async () => {
    const now = Math.floor(Date.now() / 1000);
    refusedProof(await tokenWith(await proof(await dpopKey(), { iat: now - 120 })), /iat/);
    refusedProof(await tokenWith(await proof(await dpopKey(), { iat: now + 120 })), /iat/);
  });

  it('a replayed jti is refused: a proof is single use (RFC 9449 §11.1)', async () => {
    const server = await setup();
    const dpop = await proof(await dpopKey());
    assert.equal((await server.token(dpopTokenRequest(dpop, CC, SKYVAULT))).status, 200);
    refusedProof(await server.token(dpopTokenRequest(dpop, CC, SKYVAULT)), /already been used/);
  });

  it('parallel uses of one proof: exactly one succeeds (RFC 9449 §11.1)', async () => {
    const server = await setup();
    const dpop = await proof(await dpopKey());
    const responses = await Promise.all(Array.from({ length: 50 }, () => server.token(dpopTokenRequest(dpop, CC, SKYVAULT))));
    assert.equal(responses.filter((r) => r.status === 200).length, 1);
  });

  it('alg none and HS256 are refused (RFC 9449 §4.3 item 5)', async () => {
    const key = await dpopKey();
    const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${part({ htm: 'POST', htu: TOKEN_URL, iat: Math.floor(Date.now() / 1000), jti: 'x' })}.`;
    refusedProof(await tokenWith(unsigned), /not a JWT/);
    const secret = new Uint8Array(32).fill(7);
    const hs256 = await new SignJWT({ htm: 'POST', htu: TOKEN_URL, jti: 'y' })
      .setIssuedAt()
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(secret);
    refusedProof(await tokenWith(hs256), /algorithm/);
  });

  it('an algorithm outside dpop.algorithms is refused', async () => {
    const server = await setup({ dpop: { algorithms: ['EdDSA'] } });
    refusedProof(await server.token(dpopTokenRequest(await proof(await dpopKey()), CC, SKYVAULT)), /algorithm/);
  });

  it('a private key in the jwk header is refused (RFC 9449 §4.3 item 7)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const key = await dpopKey();
    refusedProof(await tokenWith(await proof(key, { jwk: await exportJWK(privateKey) })), /public key/);
  });

  it('a signature by another key than the jwk header is refused (RFC 9449 §4.3 item 6)', async () => {
    const other = await dpopKey();
    refusedProof(await tokenWith(await proof(await dpopKey(), { jwk: other.jwk })), /signature/);
  });

  it('typ other than dpop+jwt is refused (RFC 9449 §4.3 item 4)', async () => {
    refusedProof(await tokenWith(await proof(await dpopKey(), { typ: 'JWT' })), /typ/);
  });

  it('a proof without jti, htm, htu or iat is refused (RFC 9449 §4.3 item 3)', async () => {
    for (const missing of ['jti', 'htm', 'htu', 'iat'] as const) {
      refusedProof(await tokenWith(await proof(await dpopKey(), { [missing]: undefined })), new RegExp(missing));
    }
  });

  it('two DPoP headers, or one that is not a JWT, are refused (RFC 9449 §4.3 items 1-2)', async () => {
    const key = await dpopKey();
    refusedProof(await tokenWith([await proof(key), await proof(key)]), /exactly one/);
    refusedProof(await tokenWith(`${await proof(key)}, ${await proof(key)}`), /exactly one/);
    refusedProof(await tokenWith('not-a-jwt'), /not a JWT/);
  });
});
