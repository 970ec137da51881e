/**
 * Client authentication with a signed JWT: `private_key_jwt` (RFC 7523 §2.2 and §3, OpenID Connect
 * Core §9). The client signs an assertion with a key whose public half it registered in `jwks`;
 * jose does every JOSE step (signature, algorithm, claims).
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import type { BaseModel } from './model.js';
import type { Client } from './types.js';
import { InvalidClientError } from './errors.js';

/** RFC 7523 §2.2: the only `client_assertion_type` this server knows. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Asymmetric algorithms only: an HS* assertion would be "signed" with a public key anyone can read
 * (RFC 8725 §2.1, §3.1), and `none` is no signature at all.
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** An assertion may expire at most this far ahead: its `jti` is remembered until then (RFC 7523 §3 item 4, 7). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** What an endpoint checks an assertion against. */
export interface ClientAssertionPolicy {
  /** RFC 7523 §3 item 3: `aud` may be the issuer identifier (RFC 8414)... */
  issuer: string;
  /** ...or the URL of the endpoint receiving the assertion (OpenID Connect Core §9 names the token endpoint). */
  endpointUrl: string;
  /** The algorithms this server accepts (a client's `token_endpoint_auth_signing_alg` narrows them to one). */
  algorithms: readonly string[];
}

/** Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4): a client registers public keys only. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** Enough for key rotation; bounded because every assertion tries them (RFC 7517 §5). */
const MAX_CLIENT_KEYS = 10;

/**
 * Why `jwks` cannot be a client's public key set, or undefined when it can: a JWK Set (RFC 7517 §5)
 * of at most 10 public RSA (2048 bits or more, RFC 7518 §3.3), EC or OKP signing keys. The problem
 * names the member at fault, e.g. `keys[1].d`.
 */
export function clientJwksProblem(jwks: unknown): { member: string; message: string } | undefined {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    return { member: 'keys', message: 'must be a JWK Set: { "keys": [ ... ] } (RFC 7517 §5)' };
  }
  const { keys } = jwks as { keys: unknown[] };
  if (keys.length === 0 || keys.length > MAX_CLIENT_KEYS) return { member: 'keys', message: `must hold 1 to ${MAX_CLIENT_KEYS} keys` };
  for (const [i, key] of keys.entries()) {
    const at = `keys[${i}]`;
    if (typeof key !== 'object' || key === null || Array.isArray(key)) return { member: at, message: 'must be a JWK object' };
    const jwk = key as Record<string, unknown>;
    const secret = SECRET_MEMBERS.find((m) => m in jwk);
    if (secret) return { member: `${at}.${secret}`, message: 'is private or symmetric key material: register public keys only' };
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) return { member: `${at}.kty`, message: 'must be RSA, EC or OKP' };
    if (jwk.use !== undefined && jwk.use !== 'sig') return { member: `${at}.use`, message: 'must be "sig" when present' };
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) return { member: `${at}.kid`, message: 'must be a non-empty string' };
    let details;
    try {
      details = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails;
    } catch {
      return { member: at, message: 'is not a valid public key' };
    }
    if (jwk.kty === 'RSA' && (details?.modulusLength ?? 0) < 2048) return { member: at, message: 'must be an RSA key of 2048 bits or more' };
  }
  return undefined;
}

/** The client an assertion names, read before verification only to find whose keys verify it. */
export function assertedClientId(assertion: string): string {
  let claims;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw new InvalidClientError('client_assertion is not a JWT');
  }
  // RFC 7523 §3 items 1-2: `iss` and `sub` are both the client_id.
  if (typeof claims.iss !== 'string' || claims.iss === '' || claims.sub !== claims.iss) {
    throw new InvalidClientError('client_assertion must have iss and sub both equal to the client_id (RFC 7523 §3)');
  }
  return claims.iss;
}

/** Why jose refused the assertion, as an `error_description` the client's developer can act on. */
function refusal(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `client_assertion: ${err.message}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'client_assertion is signed with an algorithm this client may not use';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed) {
    return 'client_assertion is not signed by a key this client registered';
  }
  return 'client_assertion is not a valid signed JWT';
}

/**
 * Verifies `client`'s assertion and spends its `jti`. Every failure is `invalid_client`
 * (RFC 7523 §3.2 maps assertion errors to RFC 6749 §5.2's `invalid_client`).
 */
export async function verifyClientAssertion(
  assertion: string,
  client: Client,
  model: BaseModel,
  policy: ClientAssertionPolicy,
): Promise<void> {
  if (!client.jwks) throw new InvalidClientError('This client registered no jwks to verify its client_assertion');
  const wanted = client.token_endpoint_auth_signing_alg;
  const algorithms = wanted === undefined ? [...policy.algorithms] : policy.algorithms.filter((alg) => alg === wanted);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: client.jwks.keys.map((key) => ({ ...key })) }), {
      algorithms,
      issuer: client.client_id,
      subject: client.client_id,
      audience: [policy.issuer, policy.endpointUrl],
      // RFC 7523 §3 items 4 and 7: exp is required, and jti makes single use checkable.
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (err) {
    if (err instanceof errors.JOSEError) throw new InvalidClientError(refusal(err), { cause: err });
    throw err;
  }
  const expiresAt = (payload.exp as number) * 1000;
  if (expiresAt - Date.now() > MAX_ASSERTION_LIFETIME_SECONDS * 1000) {
    throw new InvalidClientError(`client_assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  if (!model.useOnce) throw new InvalidClientError('This server has no replay cache for client assertions');
  // RFC 7523 §3 item 7: a jti is accepted once; kept until the assertion expires, after which exp refuses it anyway.
  if (!(await model.useOnce(`client_assertion:${client.client_id}:${String(payload.jti)}`, new Date(expiresAt)))) {
    throw new InvalidClientError('client_assertion has already been used (its jti was seen before)');
  }
}
