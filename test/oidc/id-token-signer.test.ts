/**
 * The ID token signer on the compact signer (node:crypto, each key imported once) makes the same
 * tokens jose's SignJWT made: RS256 and EdDSA signatures are deterministic, so the tokens compare
 * byte for byte; an ES256 token (random k) is compared by header, claims and signature check.
 */
import { afterEach, describe, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK } from 'jose';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Client } from '../../src/types.js';
import type { IdTokenInput } from '../../src/openid.js';
import type { IdTokenSigningAlgorithm } from '../../src/tokens/signing-keys.js';
import { accessTokenHash, createIdTokenSigner } from '../../src/oidc/id-token.js';
import { createMemoryStore } from '../../src/stores/memory.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const TTL = 600;

afterEach(() => mock.timers.reset());

function inputFor(alg: IdTokenSigningAlgorithm): IdTokenInput {
  const client = { client_id: 'rp', id_token_signed_response_alg: alg } as Client;
  return {
    issuer: 'https://as.example',
    client,
    user: { id: 'u-alice', username: 'alice' },
    accessToken: 'an-access-token',
    nonce: 'n-0S6',
    authTime: NOW / 1000 - 30,
    amr: ['pwd'],
    claims: ['email', 'iss'],
    userClaims: { email: 'alice@example.com', name: 'Alice' },
  };
}

/** The token jose's SignJWT made for this input before the compact signer (the code it replaced). */
async function joseToken(input: IdTokenInput, alg: IdTokenSigningAlgorithm, kid: string, privateJwk: Record<string, unknown>): Promise<string> {
  const now = Math.floor(NOW / 1000);
  return new SignJWT({ email: 'alice@example.com', nonce: input.nonce, amr: input.amr as string[], auth_time: input.authTime, at_hash: accessTokenHash(input.accessToken, alg) })
    .setProtectedHeader({ alg, typ: 'JWT', kid })
    .setIssuer(input.issuer)
    .setSubject('u-alice')
    .setAudience('rp')
    .setIssuedAt(now)
    .setExpirationTime(now + TTL)
    .sign(await importJWK(privateJwk as JWK, alg));
}

async function signerAndToken(alg: IdTokenSigningAlgorithm) {
  mock.timers.enable({ apis: ['Date'], now: NOW });
  const store = await createMemoryStore();
  const signer = createIdTokenSigner({ store, ttl: TTL, keyRefreshInterval: 5, keyActivationDelay: 0 });
  const input = inputFor(alg);
  const token = await signer.sign(input);
  const [key] = await store.getSigningKeys();
  assert.ok(key);
  return { signer, input, token, key };
}

describe('ID tokens through the compact signer (OpenID Connect Core 1.0 §2)', () => {
  for (const alg of ['RS256', 'EdDSA'] as const) {
    test(`an ${alg} ID token is byte for byte the one jose's SignJWT made`, async () => {
      const { input, token, key } = await signerAndToken(alg);
      assert.equal(token, await joseToken(input, alg, key.kid, key.privateJwk));
    });
  }

  test('an ES256 ID token has the same header and claims, in the same order, and verifies with the published JWKS', async () => {
    const { signer, input, token, key } = await signerAndToken('ES256');
    const reference = await joseToken(input, 'ES256', key.kid, key.privateJwk);
    assert.equal(token.split('.')[0], reference.split('.')[0]);
    assert.equal(token.split('.')[1], reference.split('.')[1]);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'JWT', kid: key.kid });
    const { payload } = await compactVerify(token, createLocalJWKSet((await signer.jwks()) as JSONWebKeySet), { algorithms: ['ES256'] });
    // Core §5.5: a requested claim that is not a user claim (iss) is never taken from the user's claims.
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).iss, 'https://as.example');
    // RFC 7518 §3.4: R || S, 64 bytes, not DER.
    assert.equal(Buffer.from(token.split('.')[2] ?? '', 'base64url').length, 64);
  });
});
