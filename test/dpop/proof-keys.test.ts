/**
 * The proof key cache and thumbprints (RFC 7638, RFC 9449 §4.3 items 6-7): a cached key is only ever
 * the key jose would import for the same proof, so caching changes no answer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { InvalidDpopProofError } from '../../src/errors.js';
import { checkDpopProof } from '../../src/dpop/proof.js';
import type { DpopSettings } from '../../src/dpop/proof.js';
import { jwkThumbprint } from '../../src/dpop/proof-keys.js';

const URL_ = 'https://auth.example.com/secure';
const SETTINGS: DpopSettings = { algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'], window: 60, nonces: undefined };
const TARGET = { method: 'GET', url: URL_, status: 401 as const };
const useOnce = (): boolean => true;

async function keyPair(alg: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

/** A proof whose header says `alg` and `jwk`, signed as `signAlg` (default the same) by `privateKey`. */
async function signed(privateKey: CryptoKey, alg: string, jwk: JWK, signAlg = alg): Promise<string> {
  const token = await new SignJWT({ htm: 'GET', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })
    .setProtectedHeader({ alg: signAlg, typ: 'dpop+jwt', jwk })
    .sign(privateKey);
  if (signAlg === alg) return token;
  // Rewrite the header's alg after signing: the signature then is by `signAlg`, the header claims `alg`.
  const header = Buffer.from(JSON.stringify({ alg, typ: 'dpop+jwt', jwk })).toString('base64url');
  return [header, ...token.split('.').slice(1)].join('.');
}

const check = (dpop: string): ReturnType<typeof checkDpopProof> => checkDpopProof({ method: 'GET', url: '/secure', headers: { dpop } }, TARGET, SETTINGS, useOnce);

async function assertInvalid(dpop: string): Promise<void> {
  await assert.rejects(check(dpop), (err: unknown) => err instanceof InvalidDpopProofError && err.status === 401);
}

describe('proof key thumbprints (RFC 7638)', () => {
  for (const alg of ['ES256', 'EdDSA', 'RS256']) {
    it(`the thumbprint of a ${alg} key is jose's (RFC 7638 §3)`, async () => {
      const { jwk } = await keyPair(alg);
      assert.equal(jwkThumbprint(jwk as Record<string, unknown>), await calculateJwkThumbprint(jwk, 'sha256'));
    });
  }

  it('a key without its required members, or of a symmetric type, has no thumbprint', () => {
    assert.equal(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'abc' }), undefined);
    assert.equal(jwkThumbprint({ kty: 'oct', k: 'abc' }), undefined);
    assert.equal(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'abc', y: 7 }), undefined);
  });
});

describe('the cache of imported proof keys', () => {
  it('the same key proves again and again, and its thumbprint is the binding (RFC 9449 §6.1)', async () => {
    const { privateKey, jwk } = await keyPair('ES256');
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    for (let i = 0; i < 3; i++) assert.deepEqual(await check(await signed(privateKey, 'ES256', jwk)), { jkt });
  });

  it('a cached key never verifies a signature by another key with the same jwk header (RFC 9449 §4.3 item 6)', async () => {
    const { privateKey, jwk } = await keyPair('ES256');
    const thief = await keyPair('ES256');
    await check(await signed(privateKey, 'ES256', jwk));
    await assertInvalid(await signed(thief.privateKey, 'ES256', jwk));
  });

  it('a cached key does not skip the checks of the jwk members outside the thumbprint (use, alg)', async () => {
    const { privateKey, jwk } = await keyPair('ES256');
    await check(await signed(privateKey, 'ES256', jwk));
    // Same thumbprint, but a jwk jose refuses: the cache must not answer for it.
    await assertInvalid(await signed(privateKey, 'ES256', { ...jwk, use: 'enc' }));
    await assertInvalid(await signed(privateKey, 'ES256', { ...jwk, alg: 'ES384' }));
  });

  it('an RSA key cached for RS256 does not verify a proof whose header says PS256 but is signed RS256', async () => {
    const { privateKey, jwk } = await keyPair('RS256');
    await check(await signed(privateKey, 'RS256', jwk));
    await assertInvalid(await signed(privateKey, 'PS256', jwk, 'RS256'));
  });
});
