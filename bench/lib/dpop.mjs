/**
 * DPoP proofs for the bench (RFC 9449 §4.2): one client key, a fresh single-use proof per request,
 * made ahead of the load like the other single-use items.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** A DPoP key and a maker of proofs signed by it. */
export async function createProver() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  /** A proof for `htm` `htu`, bound to `accessToken` by `ath` when given. */
  return (htm, htu, accessToken) =>
    new SignJWT({ htm, htu, jti: randomUUID(), ...(accessToken && { ath: createHash('sha256').update(accessToken).digest('base64url') }) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setIssuedAt()
      .sign(privateKey);
}

/** `n` proofs, made 256 at a time. */
export async function proofs(prove, n, htm, htu, accessToken) {
  const out = [];
  for (let i = 0; i < n; i += 256) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(256, n - i) }, () => prove(htm, htu, accessToken)))));
  }
  return out;
}
