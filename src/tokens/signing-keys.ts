/** Signing keys for JWT access tokens: generation, first-start, rotation, and which keys to publish (RFC 7517, RFC 7638). */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

/** Asymmetric algorithms only: a resource server holds the public key and can never mint tokens (RFC 8725 §3.1). */
export type SigningAlgorithm = 'ES256' | 'EdDSA';

/** ID tokens may also be RS256, which every OpenID Provider must support (OpenID Connect Core 1.0 §15.1). */
export type IdTokenSigningAlgorithm = SigningAlgorithm | 'RS256';

/** The algorithms of access token keys: an RS256 key in the same store signs only ID tokens. */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA'] satisfies SigningAlgorithm[];

/** A signing key for JWT access tokens, as JWKs. `privateJwk` never leaves the server. */
export interface SigningKey {
  /** The key ID: the RFC 7638 thumbprint of the public key. */
  kid: string;
  /** The JWS algorithm it signs with, e.g. `ES256`. */
  alg: string;
  /** The private key as a JWK; never leaves the store. */
  privateJwk: Record<string, unknown>;
  /** The public key as a JWK, as the JWKS endpoint publishes it. */
  publicJwk: Record<string, unknown>;
  /** When the key was made. */
  createdAt: Date;
  /** Set when a newer key replaced it: it verifies, but no longer signs, until `retiredAt` + the token lifetime. */
  retiredAt?: Date | undefined;
  /**
   * Set by `tollgate keys retire` (`Store.withdrawSigningKey`): out of the JWKS at once, so nothing
   * it signed verifies any more, and it never signs again. Kept in the store so the keys around it
   * keep their timing.
   */
  withdrawnAt?: Date | undefined;
}

/**
 * The part of a store that keeps signing keys. Declared here, on the tokens floor, so that the core
 * never imports from the stores; every shipped `Store` is one.
 */
export interface SigningKeyStore {
  /** Every signing key, newest first. */
  getSigningKeys(): Promise<SigningKey[]>;
  /** Add a signing key and mark every older one retired (not deleted: it still verifies). */
  saveSigningKey(key: SigningKey): Promise<void>;
}

/**
 * A new key pair as JWKs; its `kid` is the RFC 7638 thumbprint of the public key, so every
 * process and every store names the same key the same way.
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export async function generateSigningKey(alg: IdTokenSigningAlgorithm = 'ES256'): Promise<SigningKey> {
  // RFC 7518 §3.3: an RSA key of 2048 bits or more.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' && { modulusLength: 2048 }) });
  const [privateJwk, publicJwk] = await Promise.all([exportJWK(privateKey), exportJWK(publicKey)]);
  return { kid: await calculateJwkThumbprint(publicJwk), alg, privateJwk: { ...privateJwk }, publicJwk: { ...publicJwk }, createdAt: new Date() };
}

/** The active signing key, generated and saved on first start when the store has none. */
export async function ensureSigningKey(store: SigningKeyStore, alg: SigningAlgorithm = 'ES256'): Promise<SigningKey> {
  const [active] = keyChain(await store.getSigningKeys(), ACCESS_TOKEN_ALGORITHMS);
  if (active) return active;
  const key = await generateSigningKey(alg);
  await store.saveSigningKey(key);
  return key;
}

/**
 * The keys of one chain (the access token keys, or one ID token algorithm's), newest first. Keys of
 * several chains share one store, and so one JWKS (OpenID Connect Core 1.0 §10.1).
 */
export function keyChain(keys: readonly SigningKey[], algorithms: readonly string[]): SigningKey[] {
  return keys.filter((key) => algorithms.includes(key.alg));
}

/** The newest key of this algorithm, generated and saved when the store has none. */
export async function ensureKeyFor(store: SigningKeyStore, alg: IdTokenSigningAlgorithm): Promise<SigningKey> {
  const [newest] = keyChain(await store.getSigningKeys(), [alg]);
  if (newest) return newest;
  const key = await generateSigningKey(alg);
  await store.saveSigningKey(key);
  return key;
}

/** Adds a new active key; the store retires the older ones, which keep verifying the tokens they signed. */
export async function rotateSigningKey(store: SigningKeyStore, alg: IdTokenSigningAlgorithm = 'ES256'): Promise<SigningKey> {
  const key = await generateSigningKey(alg);
  await store.saveSigningKey(key);
  return key;
}

/**
 * The keys a JWKS must still carry: the active one (the newest, `keys[0]`) and every retired key
 * that may have signed a token not yet expired, i.e. retired less than `accessTokenTtl` seconds
 * before `now`. A key without `retiredAt` stopped signing when the next newer key was created.
 * A withdrawn key (`withdrawnAt`) is never published.
 */
export function publishedKeys(keys: readonly SigningKey[], accessTokenTtl: number, now: Date = new Date()): SigningKey[] {
  const cutoff = now.getTime() - accessTokenTtl * 1000;
  return keys.filter((key, i) => {
    // Withdrawn: gone from the JWKS whatever its age. It still counts as its predecessor's successor
    // below, so an older key does not come back.
    if (key.withdrawnAt !== undefined) return false;
    const newer = keys[i - 1];
    if (newer === undefined) return true;
    // In a chain (keyChain) the store may have marked a key retired when another chain's key was
    // added: it signed on until its own successor was created.
    return Math.max(key.retiredAt?.getTime() ?? 0, newer.createdAt.getTime()) > cutoff;
  });
}
