/** Verifying JWT access tokens at a resource server, without calling the authorization server's store. RFC 9068 §4; RFC 8725 §3.1-3.2. */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { JsonWebKeySet } from './format.js';
import type { OAuthError } from '../errors.js';
import type { OAuthRequest } from '../types.js';
import type { CheckedToken, ResourceDpopOptions } from '../dpop/presentation.js';
import { ConfigError, InvalidTokenError, TemporarilyUnavailableError } from '../errors.js';
import { createVerifiedCache } from './verified-cache.js';
import { checkPresentedToken, resolveResourceDpop } from '../dpop/presentation.js';
import { boundJkt } from '../dpop/binding.js';
import { checkScheme } from '../dpop/resource-request.js';

/** Options of `createJwtVerifier`: whose tokens (issuer), for whom (audience), checked with which keys. */
export interface JwtVerifierOptions {
  /** The authorization server's issuer identifier; `iss` must equal it (RFC 9068 §4). */
  issuer: string;
  /** This resource server's identifier(s); `aud` must contain one (RFC 9068 §4). */
  audience: string | string[];
  /** The JWKS URL (fetched and cached, refetched for an unknown `kid`) or the key set itself. */
  jwks: URL | JsonWebKeySet;
  /** Allowed clock skew for `exp`, in seconds or a duration string such as "30s". Default 0. */
  clockTolerance?: number | string;
  /**
   * How many verified tokens to remember (least recently used first out), each until its `exp`, so
   * a token seen again is not verified again. Default 10000; 0 turns the cache off. A key removed
   * from the JWKS stops new tokens at once, but a token already cached is accepted until its `exp`.
   */
  cacheSize?: number;
  /**
   * DPoP (RFC 9449 §7) for `verifyRequest`: proof algorithms, time window, server nonces and the
   * replay cache of proof `jti`s (default: bounded, in this process's memory). On unless `false`.
   */
  dpop?: ResourceDpopOptions | false;
}

/** The claims of a verified access token, by their RFC 9068 §2.2 names. */
export interface JwtAccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  /** The client the token was issued to (RFC 8693 §4.3). */
  client_id: string;
  /** Space-separated scopes; absent when none were granted. */
  scope?: string;
}

/** A resource server's check of RFC 9068 JWT access tokens, made by `createJwtVerifier`. */
export interface JwtVerifier {
  /**
   * The claims of a valid access token. Throws `InvalidTokenError` for any token that is not
   * one, `TemporarilyUnavailableError` when the JWKS cannot be fetched.
   */
  verify(token: string): Promise<JwtAccessTokenClaims>;
  /**
   * The request's access token checked with its scheme (RFC 9449 §7): `Authorization: Bearer` for an
   * unbound token, `Authorization: DPoP` with a `DPoP` proof for a bound one (`cnf.jkt`). Resolves to
   * undefined when the request has no token (answer with a challenge without an error). Throws
   * `InvalidTokenError`, `InvalidDpopProofError`, `UseDpopNonceError` (its `headers` carry the
   * `DPoP-Nonce`) or `InvalidRequestError`; send the result's `headers` with the answer.
   */
  verifyRequest(request: OAuthRequest, options?: VerifyRequestOptions): Promise<CheckedToken<JwtAccessTokenClaims> | undefined>;
  /** The proof algorithms accepted, for the `DPoP` challenge's `algs` (RFC 9449 §7.1); empty when DPoP is off. */
  readonly dpopAlgorithms: readonly string[];
}

/** Options of one `verifyRequest`. */
export interface VerifyRequestOptions {
  /**
   * The absolute URL the client addressed, which a DPoP proof's `htu` must name (RFC 9449 §4.3).
   * Default: the request's URL when absolute; required when it is a path and DPoP is used.
   */
  url?: string;
}

// RFC 8725 §3.1: an allow-list of asymmetric algorithms; `none` and HS* never verify (§3.2).
const ALGORITHMS = ['ES256', 'EdDSA', 'RS256', 'PS256'];
// RFC 9068 §2.2: every one of these is REQUIRED (iss and aud are required by the issuer and audience options).
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'jti', 'client_id'];

function keySet(jwks: URL | JsonWebKeySet): JWTVerifyGetKey {
  if (jwks instanceof URL) return createRemoteJWKSet(jwks);
  try {
    return createLocalJWKSet(jwks as JSONWebKeySet);
  } catch {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'jwks', 'must be a URL or a JSON Web Key Set ({ keys: [...] })');
  }
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * RFC 9068 §4: the resource server MUST check `iss` and `aud`. jose skips a check whose option is
 * absent or empty, so a verifier created without them (possible from JavaScript) would accept
 * tokens from any issuer, for any audience: refuse to create it.
 */
function assertIssuerAndAudience(options: JwtVerifierOptions): void {
  const { issuer, audience } = options as Partial<JwtVerifierOptions>;
  if (!isNonEmptyString(issuer)) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'issuer', "is required: the authorization server's issuer identifier, which every token's iss must equal (RFC 9068 §4)");
  }
  const audiences: unknown[] = Array.isArray(audience) ? audience : [audience];
  if (audiences.length === 0 || !audiences.every(isNonEmptyString)) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'audience', "is required: this resource server's identifier (or a non-empty list of them), which every token's aud must contain (RFC 9068 §4)");
  }
}

function hasClaimTypes(payload: JWTPayload): payload is JwtAccessTokenClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.client_id === 'string' &&
    (payload.scope === undefined || typeof payload.scope === 'string')
  );
}

/** jose's error, as an OAuth error with a short description; jose's own message stays in `cause`. */
function asOAuthError(cause: unknown): OAuthError {
  const code = cause instanceof errors.JOSEError ? cause.code : undefined;
  const invalid = (description: string): OAuthError => new InvalidTokenError(description, { cause });
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return invalid('The access token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (cause as errors.JWTClaimValidationFailed).claim;
      return invalid(claim === 'typ' ? 'The token is not a JWT access token (typ must be at+jwt)' : `The access token's ${claim} claim is not valid`);
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalid('The access token is not signed with an accepted algorithm');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalid('The access token signature is not valid');
    // Fetching the key set failed: the token may be fine, so the answer is not invalid_token.
    case undefined:
    case 'ERR_JOSE_GENERIC':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new TemporarilyUnavailableError('The signing keys could not be fetched', { cause });
    default:
      return invalid('The access token is malformed');
  }
}

/**
 * A verifier for JWT access tokens, for resource servers. Throws `ConfigError`
 * (`ERR_TOLLGATE_INVALID_OPTION`) when `issuer` or `audience` is missing or empty.
 * @example
 * const { verify } = createJwtVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', jwks: new URL('https://auth.example.com/.well-known/jwks.json') })
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  assertIssuerAndAudience(options);
  const keys = keySet(options.jwks);
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    // RFC 9068 §4: the typ header must be at+jwt (jose also accepts application/at+jwt, as §4 allows).
    typ: 'at+jwt',
    algorithms: ALGORITHMS,
    requiredClaims: REQUIRED_CLAIMS,
    ...(options.clockTolerance !== undefined && { clockTolerance: options.clockTolerance }),
  };
  const cache = createVerifiedCache<JwtAccessTokenClaims>(options.cacheSize ?? 10_000);
  const dpop = resolveResourceDpop(options.dpop);
  /** The token's claims, bound or not: how it was presented is checked by the caller. */
  async function claimsOf(token: string): Promise<JwtAccessTokenClaims> {
    const cached = cache.get(token);
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, verifyOptions));
    } catch (err) {
      throw asOAuthError(err);
    }
    if (!hasClaimTypes(payload)) throw new InvalidTokenError('The access token claims are malformed');
    // Until exp itself, not exp plus the clock tolerance: a cached answer is never more lenient.
    cache.set(token, payload, payload.exp * 1000);
    return payload;
  }
  return {
    async verify(token) {
      const claims = await claimsOf(token);
      // RFC 9449 §7.2: a token given alone is a bearer token, and a DPoP-bound one never is.
      checkScheme(boundJkt(claims), false);
      return claims;
    },
    verifyRequest: (request, required) => checkPresentedToken(request, { verify: claimsOf, dpop, url: required?.url }),
    dpopAlgorithms: dpop?.settings.algorithms ?? [],
  };
}
