/** Hand-made DPoP proofs (RFC 9449 §4.2), good and bad, for the core's DPoP tests. */
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { OAuthRequest } from '../../src/index.js';
import { accessTokenHash } from '../../src/dpop/proof.js';
import { ISSUER } from './fixtures.js';
import { tokenRequest } from './http.js';

export const TOKEN_URL = `${ISSUER}/oauth/token`;
export const SECURE_URL = `${ISSUER}/secure`;

/** A client's DPoP key pair, its public JWK and thumbprint (RFC 7638). */
export interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** What a proof says; anything may be overridden, or removed with `undefined`. */
export interface ProofClaims {
  htm?: string | undefined;
  htu?: string | undefined;
  iat?: number | undefined;
  jti?: string | undefined;
  /** The access token whose hash goes in `ath`. */
  accessToken?: string | undefined;
  nonce?: string | undefined;
  typ?: string;
  alg?: string;
  /** The jwk header, default the key's public JWK. */
  jwk?: JWK;
}

/** A DPoP proof signed by `key`: by default for POST to the token endpoint, now, with a fresh jti. */
export async function proof(key: DpopKey, claims: ProofClaims = {}): Promise<string> {
  const defaults = { htm: 'POST', htu: TOKEN_URL, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
  const merged = { ...defaults, ...claims };
  const payload: Record<string, unknown> = {};
  for (const name of ['htm', 'htu', 'iat', 'jti', 'nonce'] as const) if (merged[name] !== undefined) payload[name] = merged[name];
  if (claims.accessToken !== undefined) payload.ath = accessTokenHash(claims.accessToken);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: claims.alg ?? (key.jwk.kty === 'OKP' ? 'EdDSA' : 'ES256'), typ: claims.typ ?? 'dpop+jwt', jwk: claims.jwk ?? key.jwk })
    .sign(key.privateKey);
}

/** A token request with a DPoP header (and Basic client authentication when `auth` is given). */
export function dpopTokenRequest(dpop: string, params: Record<string, string>, auth?: readonly [string, string]): OAuthRequest {
  const request = tokenRequest(params, auth);
  return { ...request, headers: { ...request.headers, dpop } };
}

/** A GET of /secure with `Authorization: DPoP <token>` and the proof. */
export function dpopResourceRequest(accessToken: string, dpop?: string, url = '/secure'): OAuthRequest {
  return { method: 'GET', url, headers: { authorization: `DPoP ${accessToken}`, ...(dpop !== undefined && { dpop }) } };
}
