/**
 * Client authentication with a signed JWT: `private_key_jwt` (RFC 7523 §2.2 and §3, OpenID Connect
 * Core §9). The client signs an assertion with a key whose public half it registered in `jwks` or
 * published at `jwks_uri` (src/client-keys.ts);
 * jose does every JOSE step (signature, algorithm, claims).
 */
import { decodeJwt, errors, jwtVerify } from 'jose';
import type { BaseModel } from './model.js';
import type { Client } from './types.js';
import type { DocumentFetcher } from './document-fetcher.js';
import { InvalidClientError } from './errors.js';
import { verifyWithClientKeys } from './client-keys.js';

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
  const wanted = client.token_endpoint_auth_signing_alg;
  const algorithms = wanted === undefined ? [...policy.algorithms] : policy.algorithms.filter((alg) => alg === wanted);
  let payload;
  try {
    ({ payload } = await verifyWithClientKeys(client, policy.fetchDocument, (keys) =>
      jwtVerify(assertion, keys, {
        algorithms,
        issuer: client.client_id,
        subject: client.client_id,
        audience: [policy.issuer, policy.endpointUrl],
        // RFC 7523 §3 items 4 and 7: exp is required, and jti makes single use checkable.
        requiredClaims: ['exp', 'jti'],
      }),
    ));
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
