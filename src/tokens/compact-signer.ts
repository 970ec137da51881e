/**
 * One signing key as a JWS Compact Serialization signer (RFC 7515 §7.1), for access tokens and ID
 * tokens: the private key imported once as a node:crypto `KeyObject` and the protected header
 * encoded once, so a token costs one JSON encoding of its claims and one signature. jose's
 * `SignJWT` rebuilt the header and went through WebCrypto for every token, about twice the CPU.
 *
 * The signature runs in libuv's thread pool (node:crypto `sign` with a callback), not on the event
 * loop. In `tollgate serve` (in-process, 32 requests in flight) a synchronous ES256 signature cost
 * far more than its own ~30 µs: about 60 µs inside the server, and the rest of each request got
 * slower too, likely because P-256 signing walks a large precomputed table that pushes the
 * server's code and data out of the core's caches. Off the event loop, the serving thread's CPU
 * per issued JWT fell by about 40% and the process's total (pool threads included) by about 30%;
 * a bare core server, whose working set is small, pays about 10 µs more in total for the hand-off.
 * An RS256 ID token signature (about 300 µs) no longer holds up the event loop either.
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject, SignKeyObjectInput } from 'node:crypto';
import type { SigningKey } from './signing-keys.js';
import { ACCESS_TOKEN_ALGORITHMS } from './signing-keys.js';

/** Signs the claims of one token with a key imported once. */
export interface CompactSigner {
  /** The key's `kid`, the protected header's. */
  readonly kid: string;
  /** The JWT of these claims: `header.payload.signature`, each base64url (RFC 7515 §7.1). */
  sign(claims: Record<string, unknown>): Promise<string>;
}

/**
 * What the tokens are, and so their header's `typ`: `at+jwt` for access tokens (RFC 9068 §2.1), so
 * no other kind of JWT can pass for one; `JWT` for ID tokens (RFC 7519 §5.1), which an
 * `id_token_hint` check requires.
 */
export type CompactTokenType = 'at+jwt' | 'JWT';

const base64url = (json: unknown): string => Buffer.from(JSON.stringify(json)).toString('base64url');

type Signature = (input: Buffer) => Promise<Buffer>;

/** node:crypto's `sign` in the thread pool: the callback form never blocks the event loop. */
function signInPool(digest: string | null, key: KeyObject | SignKeyObjectInput): Signature {
  return (data) =>
    new Promise((resolve, reject) => {
      sign(digest, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
}

/** The node:crypto arguments of one JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1). */
function signatureOf(alg: string, key: KeyObject): Signature {
  switch (alg) {
    // RFC 7518 §3.4: ECDSA P-256 SHA-256, the signature as R || S (32 bytes each), not DER.
    case 'ES256':
      return signInPool('sha256', { key, dsaEncoding: 'ieee-p1363' });
    // RFC 8037 §3.1: Ed25519 hashes internally, so no digest is named.
    case 'EdDSA':
      return signInPool(null, key);
    // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256, node:crypto's default padding for an RSA key.
    case 'RS256':
      return signInPool('sha256', key);
    default:
      throw new Error(`no signer for alg ${alg}`);
  }
}

/**
 * A signer of this key's tokens: header `{ alg, typ, kid }`, the key's own algorithm. Throws for
 * an algorithm these tokens are not signed with: access tokens are ES256 or EdDSA only (an RS256
 * key in the same store signs ID tokens only).
 */
export function createCompactSigner(key: SigningKey, typ: CompactTokenType = 'at+jwt'): CompactSigner {
  if (typ === 'at+jwt' && !ACCESS_TOKEN_ALGORITHMS.includes(key.alg)) throw new Error(`no access token signer for alg ${key.alg}`);
  const signature = signatureOf(key.alg, createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' }));
  const header = base64url({ alg: key.alg, typ, kid: key.kid });
  return {
    kid: key.kid,
    async sign(claims) {
      const input = `${header}.${base64url(claims)}`;
      return `${input}.${(await signature(Buffer.from(input))).toString('base64url')}`;
    },
  };
}
