import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { createCompactSigner } from '../../src/tokens/compact-signer.js';
import { generateSigningKey } from '../../src/tokens/signing-keys.js';

describe('compact access token signer (RFC 7515 §7.1)', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    test(`an ${alg} key's tokens verify with jose against its public JWK, header { alg, typ at+jwt, kid }`, async () => {
      const key = await generateSigningKey(alg);
      const signer = createCompactSigner(key);
      const claims = { client_id: 'c', scope: 'read', iss: 'https://as.example', sub: 'c', aud: 'https://as.example', iat: 1, exp: 2, jti: 'j' };
      const token = await signer.sign(claims);

      assert.deepEqual(decodeProtectedHeader(token), { alg, typ: 'at+jwt', kid: key.kid });
      const { payload } = await compactVerify(token, await importJWK(key.publicJwk, alg), { algorithms: [alg] });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), claims);
      // RFC 7518 §3.4 / RFC 8032 §5.1.6: a raw 64-byte signature (R || S for ECDSA, never DER).
      assert.equal(Buffer.from(token.split('.')[2] ?? '', 'base64url').length, 64);
    });
  }

  test('a token signed by another key of the same algorithm does not verify', async () => {
    const [a, b] = await Promise.all([generateSigningKey('ES256'), generateSigningKey('ES256')]);
    const token = await createCompactSigner(a).sign({ sub: 'x' });
    await assert.rejects(compactVerify(token, await importJWK(b.publicJwk, 'ES256'), { algorithms: ['ES256'] }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  test('an RS256 key (ID tokens only) is refused: access tokens are ES256 or EdDSA', async () => {
    const key = await generateSigningKey('RS256');
    assert.throws(() => createCompactSigner(key), /no access token signer for alg RS256/);
  });
});
