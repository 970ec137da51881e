/**
 * private_key_jwt assertions for the bench (RFC 7523 §2.2, §3): one client key, a fresh single-use
 * assertion (its own `jti`) per request, made ahead of the load like the DPoP proofs (./dpop.mjs).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** RFC 7523 §2.2: the client_assertion_type of a JWT. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client key pair: the public JWK Set the server registers, and a maker of assertions signed by it. */
export async function createAssertionSigner(clientId) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' }] };
  /** An assertion for the server whose issuer is `audience`; tollgate accepts an `exp` at most 300 s ahead. */
  const sign = (audience) =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('280s')
      .sign(privateKey);
  return { jwks, sign };
}

/** `n` assertions for `audience`, made 256 at a time. */
export async function assertions(signer, n, audience) {
  const out = [];
  for (let i = 0; i < n; i += 256) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(256, n - i) }, () => signer.sign(audience)))));
  }
  return out;
}
