/**
 * One signing key as a JWS Compact Serialization signer (RFC 7515 §7.1) for access tokens: the
 * private key imported once as a node:crypto `KeyObject` and the protected header encoded once, so
 * a token costs one JSON encoding of its claims and one synchronous signature. jose's `SignJWT`
 * rebuilt the header and went through WebCrypto for every token, about twice the CPU per token.
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject, SignKeyObjectInput } from 'node:crypto';
import type { SigningKey } from './signing-keys.js';

/** Signs the claims of one token with a key imported once. */
export interface CompactSigner {
  /** The key's `kid`, the protected header's. */
  readonly kid: string;
  /** The JWT of these claims: `header.payload.signature`, each base64url (RFC 7515 §7.1). */
  sign(claims: Record<string, unknown>): string;
}

const base64url = (json: unknown): string => Buffer.from(JSON.stringify(json)).toString('base64url');

/** The node:crypto arguments of one JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1). */
function signatureOf(alg: string, key: KeyObject): (input: Buffer) => Buffer {
  switch (alg) {
    // RFC 7518 §3.4: ECDSA P-256 SHA-256, the signature as R || S (32 bytes each), not DER.
    case 'ES256': {
      const input: SignKeyObjectInput = { key, dsaEncoding: 'ieee-p1363' };
      return (data) => sign('sha256', data, input);
    }
    // RFC 8037 §3.1: Ed25519 hashes internally, so no digest is named.
    case 'EdDSA':
      return (data) => sign(null, data, key);
    default:
      throw new Error(`no access token signer for alg ${alg}`);
  }
}

/**
 * A signer for access tokens of this key: header `{ alg, typ: 'at+jwt', kid }` (RFC 9068 §2.1),
 * the key's own algorithm. Throws for an algorithm access tokens are not signed with.
 */
export function createCompactSigner(key: SigningKey): CompactSigner {
  const signature = signatureOf(key.alg, createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' }));
  // RFC 9068 §2.1: typ at+jwt, so no other kind of JWT can pass for an access token.
  const header = base64url({ alg: key.alg, typ: 'at+jwt', kid: key.kid });
  return {
    kid: key.kid,
    sign(claims) {
      const input = `${header}.${base64url(claims)}`;
      return `${input}.${signature(Buffer.from(input)).toString('base64url')}`;
    },
  };
}
