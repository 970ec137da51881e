/**
 * The public keys of DPoP proofs (RFC 9449 §4.2 `jwk`), their thumbprints (RFC 7638) and a bounded
 * cache of them once imported. A client signs every request with the same key, and importing the
 * embedded JWK costs more than checking the signature: an imported key is kept, by thumbprint and
 * algorithm, and reused while it is among the most recently used.
 */
import { createHash } from 'node:crypto';
import { EmbeddedJWK } from 'jose';
import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters } from 'jose';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order, are the thumbprint's input.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/** How many imported keys are kept: one a client, and a client keeps its key for as long as its tokens. */
const MAX_KEYS = 1000;

/**
 * The JWK SHA-256 thumbprint of a public key (RFC 7638 §3), what `cnf.jkt` names (RFC 9449 §6.1);
 * undefined for a key type proofs cannot use or a required member that is not a string.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = typeof jwk.kty === 'string' && Object.hasOwn(REQUIRED_MEMBERS, jwk.kty) ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (members === undefined || !members.every((name) => typeof jwk[name] === 'string' && jwk[name] !== '')) return undefined;
  // §3.3: JSON of the required members only, in order, without whitespace: JSON.stringify of an object built in that order.
  const input = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(input).digest('base64url');
}

/** Whether the JWK has its thumbprint's members and nothing else: then equal thumbprints are equal JWKs. */
function onlyRequiredMembers(jwk: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(jwk).length === REQUIRED_MEMBERS[jwk.kty as string]?.length;
}

/** Resolves a proof's key for jose's `jwtVerify`, as jose's `EmbeddedJWK` does, from cache when it can. */
export type ProofKeyResolver = (jkt: string, jwk: Readonly<Record<string, unknown>>) => (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/**
 * A bounded (least recently used first out) cache of imported proof keys. A key is cached only when
 * its JWK is exactly the thumbprint's members: its thumbprint then names the whole JWK, so a hit is
 * the key jose would import. Any other JWK (with `alg`, `use`, `key_ops`…) is imported every time,
 * so jose's checks of those members always run. The algorithm is part of the cache key: an RSA key
 * imported for RS256 is not the key for PS256.
 */
export function createProofKeyCache(maxKeys = MAX_KEYS): ProofKeyResolver {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const keys = new Map<string, CryptoKey>();
  return (jkt, jwk) => async (header, token) => {
    if (!onlyRequiredMembers(jwk)) return EmbeddedJWK(header, token);
    const id = `${String(header.alg)}:${jkt}`;
    const cached = keys.get(id);
    if (cached !== undefined) {
      keys.delete(id);
      keys.set(id, cached);
      return cached;
    }
    const key = await EmbeddedJWK(header, token);
    keys.set(id, key);
    if (keys.size > maxKeys) keys.delete(keys.keys().next().value as string);
    return key;
  };
}
