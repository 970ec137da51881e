/**
 * ID tokens (OpenID Connect Core 1.0 §2, §3.1.3.6), signed by keys from the signing-key store, each
 * imported once (the compact signer access tokens use): RS256 by default (Core §15.1 requires it),
 * or the client's `id_token_signed_response_alg` (ES256, EdDSA). Each algorithm is its own key
 * chain in the store; every chain is published in the one JWKS (Core §10.1).
 */
import { createHash } from 'node:crypto';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { IdTokenInput } from '../openid.js';
import type { JsonWebKeySet } from '../tokens/format.js';
import type { IdTokenSigningAlgorithm, SigningKey, SigningKeyStore } from '../tokens/signing-keys.js';
import { ensureKeyFor, keyChain, publishedKeys } from '../tokens/signing-keys.js';
import { signingKeyAt } from '../tokens/jwt.js';
import { createCompactSigner } from '../tokens/compact-signer.js';
import type { CompactSigner } from '../tokens/compact-signer.js';
import { subjectOf } from './claims.js';
import { namedClaims } from './claims-request.js';

/** The algorithms a client may register as `id_token_signed_response_alg` (OpenID Connect Registration §2). */
export const ID_TOKEN_ALGORITHMS: readonly IdTokenSigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/** Core §15.1: RS256 unless the client registered another algorithm. */
export const DEFAULT_ID_TOKEN_ALGORITHM: IdTokenSigningAlgorithm = 'RS256';

export interface IdTokenSignerOptions {
  store: SigningKeyStore;
  /** Seconds an ID token is valid (`exp` - `iat`). */
  ttl: number;
  /** Seconds a process trusts its copy of the store's keys. */
  keyRefreshInterval: number;
  /** Seconds a rotated-in key is published before it signs (relying parties cache the JWKS). */
  keyActivationDelay: number;
}

/**
 * Core §3.1.3.6: `at_hash` is the base64url of the left half of the access token's hash, with
 * the hash of the ID token's `alg` (SHA-256 for RS256 and ES256; SHA-512 for EdDSA with Ed25519).
 */
export function accessTokenHash(accessToken: string, alg: IdTokenSigningAlgorithm): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface IdTokenSigner {
  sign(input: IdTokenInput): Promise<string>;
  jwks(): Promise<JsonWebKeySet>;
}

export function createIdTokenSigner(options: IdTokenSignerOptions): IdTokenSigner {
  const { store, ttl, keyRefreshInterval, keyActivationDelay } = options;
  let cached: { keys: SigningKey[]; loadedAt: number } | undefined;
  const imported = new Map<string, CompactSigner>();

  async function keys(): Promise<SigningKey[]> {
    if (cached && Date.now() - cached.loadedAt < keyRefreshInterval * 1000) return cached.keys;
    cached = { keys: await store.getSigningKeys(), loadedAt: Date.now() };
    return cached.keys;
  }

  /** The key that signs for this algorithm now: the chain's newest key published long enough, made on first use. */
  async function signer(alg: IdTokenSigningAlgorithm): Promise<SigningKey> {
    const chain = keyChain(await keys(), [alg]);
    if (chain.length === 0) {
      const made = await ensureKeyFor(store, alg);
      cached = undefined;
      return made;
    }
    return signingKeyAt(chain, keyActivationDelay, Date.now()) as SigningKey;
  }

  /** The key's signer, imported on its first token: signing is then one signature call per token. */
  function compactSigner(key: SigningKey): CompactSigner {
    let loaded = imported.get(key.kid);
    if (!loaded) {
      loaded = createCompactSigner(key, 'JWT');
      imported.set(key.kid, loaded);
    }
    return loaded;
  }

  return {
    async sign({ issuer, client, user, accessToken, nonce, authTime, amr, claims, userClaims }) {
      const alg = client.id_token_signed_response_alg ?? DEFAULT_ID_TOKEN_ALGORITHM;
      // A model may hand back any stored value: never `none` or a symmetric algorithm (RFC 8725 §3.1).
      if (!ID_TOKEN_ALGORITHMS.includes(alg)) throw new Error(`Client ${client.client_id} has an unsupported id_token_signed_response_alg`);
      const key = await signer(alg);
      const subject = subjectOf(user);
      // Core §2: sub is REQUIRED; a grant without an end-user (client credentials) has no ID token to give.
      if (subject === undefined) throw new Error('An ID token needs a user with an id');
      const now = Math.floor(Date.now() / 1000);
      // The claims in the order jose's SignJWT gave them, so the tokens stay the same.
      return compactSigner(key).sign({
        // Core §5.5: the user's claims the claims parameter asked for here (standard claims only, never iss, sub, aud, ...).
        ...namedClaims(claims, userClaims),
        ...(nonce !== undefined && { nonce }),
        ...(amr !== undefined && amr.length > 0 && { amr }),
        ...(authTime !== undefined && { auth_time: authTime }),
        at_hash: accessTokenHash(accessToken, alg),
        // Core §2: iss, sub, aud (the client), iat and exp are REQUIRED.
        iss: issuer,
        sub: subject,
        aud: client.client_id,
        iat: now,
        exp: now + ttl,
      });
    },

    async jwks() {
      const all = await keys();
      // Every ID token chain is published: the default RS256 one from the start, so relying parties find it before the first login.
      if (keyChain(all, [DEFAULT_ID_TOKEN_ALGORITHM]).length === 0) await signer(DEFAULT_ID_TOKEN_ALGORITHM);
      const stored = cached?.keys ?? (await keys());
      const window = ttl + keyRefreshInterval + keyActivationDelay;
      const published = ID_TOKEN_ALGORITHMS.flatMap((alg) => publishedKeys(keyChain(stored, [alg]), window, new Date()));
      return { keys: published.map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' })) };
    },
  };
}

/**
 * RP-Initiated Logout 1.0 §2: an `id_token_hint` must be an ID token this server issued: a signature
 * by one of its published ID token keys (jose, with the allowed algorithms only) and its `iss`. The
 * OP should accept it after `exp`, so expiry is not checked; it names a session, it grants nothing.
 */
export async function verifyIdTokenHint(idToken: string, issuer: string, signer: IdTokenSigner): Promise<{ subject: string; clientId: string } | undefined> {
  try {
    const keys = createLocalJWKSet(await signer.jwks());
    const { payload, protectedHeader } = await compactVerify(idToken, keys, { algorithms: [...ID_TOKEN_ALGORITHMS] });
    // An access token (typ at+jwt, RFC 9068 §2.1) signed by a shared key is not an ID token.
    if (protectedHeader.typ !== 'JWT') return undefined;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    const audience = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud;
    if (claims.iss !== issuer || typeof claims.sub !== 'string' || typeof audience !== 'string') return undefined;
    return { subject: claims.sub, clientId: audience };
  } catch {
    return undefined;
  }
}
