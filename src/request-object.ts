/**
 * Signed authorization request objects: JWT-Secured Authorization Requests (JAR, RFC 9101 §4-6),
 * at the authorization endpoint and the PAR endpoint (RFC 9126 §3). The client signs its request's
 * parameters with a key it registered (`jwks` or `jwks_uri`, src/client-keys.ts); jose verifies.
 * The lifetimes follow FAPI 2.0 Message Signing §5.3.1: `exp` required, `nbf` at most an hour old.
 */
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { BaseModel } from './model.js';
import type { Client } from './types.js';
import type { Params } from './request.js';
import type { DocumentFetcher } from './document-fetcher.js';
import { InvalidRequestObjectError, OAuthError } from './errors.js';
import { verifyWithClientKeys } from './client-keys.js';
import { parseParams } from './request.js';

/** RFC 9101 §4, §10.8: the explicit type of a request object. */
export const REQUEST_OBJECT_TYPE = 'oauth-authz-req+jwt';

/** FAPI 2.0 Message Signing §5.3.1: `exp` at most 60 minutes after `nbf`; here, after now. Its `jti` is kept until then. */
export const MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600;

/** A request object travels in a URL; one larger than this is no authorization request. */
const MAX_REQUEST_OBJECT_LENGTH = 16_384;

/** Seconds a client's clock may be ahead of the server's for `nbf` and `iat` (RFC 7519 §4.1.5 allows "a few minutes"). */
const CLOCK_TOLERANCE_SECONDS = 10;

/** RFC 7519 §4.1 claims: they describe the JWT, and are no parameters of the authorization request. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub']);

/** A `jti` longer than this is refused; the replay cache keeps it (RFC 9101 §10.1 leaves its form to the client). */
const MAX_JTI_LENGTH = 256;

/** What a request object is checked against. */
export interface RequestObjectPolicy {
  /** RFC 9101 §4, §6.3: the `aud` must be the authorization server's issuer identifier. */
  issuer: string;
  /** The algorithms this server accepts (a client's `request_object_signing_alg` narrows them to one). */
  algorithms: readonly string[];
  /** Fetches a client's `jwks_uri`; without it only inline `jwks` verify. */
  fetchDocument?: DocumentFetcher | undefined;
}

/**
 * A refusal the person sees on a page at the authorization endpoint: the redirect URI is among
 * the parameters that could not be trusted (RFC 6749 §4.1.2.1). At PAR it is JSON either way.
 */
function refused(description: string, cause?: unknown): InvalidRequestObjectError {
  return new InvalidRequestObjectError(description, { redirectable: false, ...(cause !== undefined && { cause }) });
}

/** Why jose refused the object, as an `error_description` the client's developer can act on. */
function refusal(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return 'The request object has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `The request object's ${err.claim} claim is missing or not valid (RFC 9101 §6.3)`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The request object is signed with an algorithm this client may not use';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed) {
    return 'The request object is not signed by a key this client registered';
  }
  return 'The request object is not a valid signed JWT';
}

/**
 * The header's checks jose leaves to the caller: `alg: none` is never a signature (RFC 9101 §6.1
 * lets a server refuse unsigned objects; RFC 8725 §3.1), an encrypted object is not supported,
 * and a `typ` other than the request object's or plain `JWT` is a JWT minted for something else
 * (RFC 9101 §10.8, RFC 8725 §3.11).
 */
function checkHeader(jwt: string): void {
  if (jwt.split('.').length === 5) throw refused('Encrypted request objects are not supported: sign it (RFC 9101 §6.1)');
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch (cause) {
    throw refused('The request object is not a JWT', cause);
  }
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw refused('Unsigned request objects (alg "none") are not accepted: sign it (RFC 9101 §6.1)');
  const typ = header.typ?.toLowerCase().replace(/^application\//, '');
  if (typ !== undefined && typ !== REQUEST_OBJECT_TYPE && typ !== 'jwt') throw refused(`The request object's typ must be ${REQUEST_OBJECT_TYPE} (RFC 9101 §4)`);
}

/** The object's claims as authorization request parameters: JSON values (`max_age`, `claims`) as their form encoding would be. */
function toParams(payload: JWTPayload): Params {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name)) continue;
    // RFC 9101 §4: "The request and request_uri parameters MUST NOT be included in Request Objects."
    if (name === 'request' || name === 'request_uri') throw refused(`The request object must not contain ${name} (RFC 9101 §4)`);
    const list = Array.isArray(value) && value.every((one) => typeof one === 'string');
    if (typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
    // A repeatable parameter (resource) keeps its values; other arrays and objects are JSON (OpenID Connect Core §5.5 claims).
    else if (typeof value === 'object' && value !== null && !(list && name === 'resource')) fields[name] = JSON.stringify(value);
    else fields[name] = value;
  }
  try {
    return parseParams(fields);
  } catch (err) {
    throw err instanceof OAuthError ? refused(`The request object's parameters are malformed: ${err.description}`, err) : err;
  }
}

/**
 * Verifies `client`'s request object and spends its `jti`; answers the authorization request's
 * parameters, which alone count (RFC 9101 §6.3: the outer ones are ignored). Every refusal is
 * `invalid_request_object` (§6.2), shown as a page, never redirected.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6
 */
export async function verifyRequestObject(jwt: string, client: Client, model: BaseModel, policy: RequestObjectPolicy, now = Date.now()): Promise<Params> {
  if (jwt.length > MAX_REQUEST_OBJECT_LENGTH) throw refused(`The request object is longer than ${MAX_REQUEST_OBJECT_LENGTH} characters`);
  checkHeader(jwt);
  const wanted = client.request_object_signing_alg;
  const algorithms = wanted === undefined ? [...policy.algorithms] : policy.algorithms.filter((alg) => alg === wanted);
  let payload: JWTPayload;
  try {
    ({ payload } = await verifyWithClientKeys(client, policy.fetchDocument, (keys) =>
      jwtVerify(jwt, keys, {
        algorithms,
        // RFC 9101 §4, §6.3: issued by the client, for this server; FAPI 2.0 Message Signing §5.3.1: exp required.
        issuer: client.client_id,
        audience: policy.issuer,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(now),
      }),
    ));
  } catch (err) {
    if (err instanceof errors.JOSEError) throw refused(refusal(err), err);
    // No keys registered, or a jwks_uri that could not be fetched: the object cannot be verified.
    if (err instanceof OAuthError) throw refused(err.description, err);
    throw err;
  }
  const exp = payload.exp as number;
  if (exp - now / 1000 > MAX_REQUEST_OBJECT_LIFETIME_SECONDS) {
    throw refused(`The request object must expire within ${MAX_REQUEST_OBJECT_LIFETIME_SECONDS} seconds (exp)`);
  }
  // FAPI 2.0 Message Signing §5.3.1: nbf no longer than 60 minutes in the past (jose refuses one in the future).
  if (payload.nbf !== undefined && now / 1000 - payload.nbf > MAX_REQUEST_OBJECT_LIFETIME_SECONDS) {
    throw refused(`The request object's nbf is more than ${MAX_REQUEST_OBJECT_LIFETIME_SECONDS} seconds old`);
  }
  // RFC 9101 §5: a client_id inside must be the one the request names outside (the client whose keys verified it).
  if (payload.client_id !== undefined && payload.client_id !== client.client_id) throw refused('The request object\'s client_id is not the request\'s client_id (RFC 9101 §5)');
  const params = toParams(payload);
  const { jti } = payload;
  if (jti !== undefined) {
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw refused(`The request object's jti must be a string of at most ${MAX_JTI_LENGTH} characters`);
    if (!model.useOnce) throw refused('This server has no replay cache for request objects');
    // RFC 9101 §10.1 (replay): a jti is accepted once, per client, until the object expires and exp refuses it anyway.
    if (!(await model.useOnce(`request_object:${client.client_id}:${jti}`, new Date(exp * 1000)))) {
      throw refused('The request object has already been used (its jti was seen before)');
    }
  }
  return { ...params, client_id: client.client_id };
}
