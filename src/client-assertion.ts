/**
 * Client authentication with a signed JWT (RFC 7523 §2.2 and §3, OpenID Connect Core §9):
 * `private_key_jwt`, signed with a key whose public half the client registered in `jwks` or
 * published at `jwks_uri` (src/client-keys.ts), and `client_secret_jwt`, an HMAC keyed with the
 * client's secret (which the model hands over through `getClientSecret`).
 * jose does every JOSE step (signature, algorithm, claims).
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { BaseModel } from './model.js';
import type { Client, TokenEndpointAuthMethod } from './types.js';
import type { DocumentFetcher } from './document-fetcher.js';
import { InvalidClientError } from './errors.js';
import { verifyWithClientKeys } from './client-keys.js';

/** RFC 7523 §2.2: the only `client_assertion_type` this server knows. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The `private_key_jwt` algorithms: asymmetric only. An HS* assertion checked against such a client
 * would be "signed" with a public key anyone can read (RFC 8725 §2.1, §3.1), and `none` is no signature at all.
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** The `client_secret_jwt` algorithms (OpenID Connect Core §9): HMAC with the client secret as key, and nothing else. */
export const SECRET_ASSERTION_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output, so HS256 needs a secret of 32 bytes or more. */
export const MIN_SECRET_BYTES = 32;

/** The assertion algorithms a client registered for `method` may use: never one of the other family (algorithm confusion, RFC 8725 §2.1). */
export function assertionAlgorithmsFor(method: TokenEndpointAuthMethod): readonly string[] {
  return method === 'client_secret_jwt' ? SECRET_ASSERTION_ALGORITHMS : ASSERTION_ALGORITHMS;
}

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
  /** Fetches a client's `jwks_uri`; without it only inline `jwks` verify. */
  fetchDocument?: DocumentFetcher | undefined;
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

/**
 * The method an assertion claims by its header's `alg`: an HMAC is `client_secret_jwt`, anything else
 * `private_key_jwt` (whose verification then refuses what is not an asymmetric signature). The client
 * must have registered that very method: an HS assertion never authenticates a private_key_jwt client
 * and a signed one never a client_secret_jwt client (RFC 8725 §2.1, §3.1).
 */
export function assertionMethod(assertion: string): 'private_key_jwt' | 'client_secret_jwt' {
  let alg: unknown;
  try {
    ({ alg } = decodeProtectedHeader(assertion));
  } catch {
    throw new InvalidClientError('client_assertion is not a JWT');
  }
  return (SECRET_ASSERTION_ALGORITHMS as readonly unknown[]).includes(alg) ? 'client_secret_jwt' : 'private_key_jwt';
}

/** Why jose refused the assertion, as an `error_description` the client's developer can act on. */
function refusal(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `client_assertion: ${err.message}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'client_assertion is signed with an algorithm this client may not use';
  if (err instanceof errors.JWKSNoMatchingKey) return 'client_assertion is not signed by a key this client registered';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature does not verify with this client\'s key or secret';
  return 'client_assertion is not a valid signed JWT';
}

/** The HMAC key of a `client_secret_jwt` client: its secret's UTF-8 bytes (OpenID Connect Core §16.19), as the model keeps it. */
async function clientSecretKey(client: Client, model: BaseModel): Promise<Uint8Array> {
  if (!model.getClientSecret) throw new InvalidClientError('This server cannot read client secrets, which client_secret_jwt needs');
  const secret = await model.getClientSecret(client);
  if (!secret) throw new InvalidClientError('This client has no secret to verify a client_secret_jwt assertion with');
  return new TextEncoder().encode(secret);
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
  const wanted = client.token_endpoint_auth_signing_alg;
  // RFC 8725 §2.1: only the family of the client's registered method, whatever the server accepts besides.
  const family = assertionAlgorithmsFor(client.token_endpoint_auth_method);
  const algorithms = policy.algorithms.filter((alg) => family.includes(alg) && (wanted === undefined || alg === wanted));
  const options = {
    algorithms,
    issuer: client.client_id,
    subject: client.client_id,
    audience: [policy.issuer, policy.endpointUrl],
    // RFC 7523 §3 items 4 and 7: exp is required, and jti makes single use checkable.
    requiredClaims: ['exp', 'jti'],
  };
  let payload;
  try {
    if (client.token_endpoint_auth_method === 'client_secret_jwt') {
      const secret = await clientSecretKey(client, model);
      // RFC 7518 §3.2: a key shorter than the hash output is refused, so HS384 and HS512 need longer secrets.
      options.algorithms = algorithms.filter((alg) => secret.length >= Number(alg.slice(2)) / 8);
      ({ payload } = await jwtVerify(assertion, secret, options));
    } else {
      ({ payload } = await verifyWithClientKeys(client, policy.fetchDocument, (keys) => jwtVerify(assertion, keys, options)));
    }
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
