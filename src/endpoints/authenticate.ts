/**
 * Bearer token authentication for protected resources. RFC 6750 §2 (sending the token), §3 (the
 * challenge); the DPoP scheme and proof for DPoP-bound tokens (RFC 9449 §7).
 */
import type { AuthenticateModel, BaseModel } from '../model.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, OAuthError } from '../errors.js';
import { bodyOf, getHeader, isFormRequest, queryString } from '../request.js';
import { bearerChallenge, oauthErrorOf } from '../response.js';
import { isSubset } from '../scope.js';
import { audienceOf } from '../resource-indicators.js';
import { checkTokenBinding, resourceRequestProof } from '../dpop/resource-request.js';
import { BEARER_CREDENTIAL as BEARER, DPOP_CREDENTIAL as DPOP } from '../dpop/presentation.js';
import { freshNonceHeaders } from '../dpop/nonce.js';

/**
 * What `authenticate` answers for a request to a protected resource (RFC 6750): the token, or the
 * challenge to send.
 */
export type AuthenticateResult =
  | {
      /** The token is valid and covers what the resource requires. */
      type: 'authenticated';
      /** The access token, with its client, user and scope. */
      token: AccessToken;
      /** Headers to send with the resource's answer: a fresh `DPoP-Nonce` when nonces are on (RFC 9449 §8.2). */
      headers?: Record<string, string>;
    }
  /** Send `response` as it is: it carries the `WWW-Authenticate` challenge. */
  | {
      /** Refused. */
      type: 'error';
      /** Why; undefined when the request had no token at all (RFC 6750 §3.1: a bare challenge). */
      error: OAuthError | undefined;
      /** The 400, 401 or 403 to send, with its challenge. */
      response: OAuthResponse;
    };

/** What a protected resource requires of the bearer token. */
export interface AuthenticateOptions {
  /** Scope the resource requires; every token must cover all of it. */
  scope?: readonly string[];
  /**
   * This resource server's identifier (RFC 8707), or its identifiers: a token whose audience names
   * none of them was issued for another resource and is refused (`invalid_token`), as is one with no
   * audience.
   */
  resource?: string | readonly string[];
  /**
   * With `resource`: accept a token that has no audience at all (issued without any RFC 8707 `resource`,
   * so restricted to none), as a server's own resources do for the tokens its clients get without asking
   * for one. A token whose audience names other resources only is still refused. Default false.
   */
  allowNoAudience?: boolean;
  /**
   * The URL of this resource's metadata (RFC 9728 §3): every challenge then carries it as
   * `resource_metadata`, and the required `scope` too (RFC 9728 §5.1), so a client that meets the
   * resource first can find its authorization server and what to ask for.
   */
  resourceMetadata?: string;
  /**
   * The absolute URL the client addressed, which a DPoP proof's `htu` must name (RFC 9449 §4.3).
   * Default: the request's URL when absolute, else its path on the issuer's origin.
   */
  url?: string;
}


/** The `access_token` values a form-encoded source carries; the resource's own parameters are its business. */
function accessTokensIn(source: string | Readonly<Record<string, unknown>>): string[] {
  if (typeof source === 'string') return new URLSearchParams(source).getAll('access_token');
  const value = source.access_token;
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The token of an `Authorization: DPoP` header (RFC 9449 §7.1), or undefined for any other scheme. */
function dpopToken(header: string | undefined, options: ResolvedOptions): string | undefined {
  if (options.dpop === undefined || header === undefined || !/^dpop(\s|$)/i.test(header)) return undefined;
  const token = DPOP.exec(header)?.[1];
  if (token === undefined) throw new InvalidRequestError('The Authorization header is not a valid DPoP credential');
  return token;
}

/** The token from whichever single place it was sent; more than one is `invalid_request` (§2). */
function extractToken(request: OAuthRequest, options: ResolvedOptions, header: string | undefined): string | undefined {
  let token: string | undefined;
  if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
    token = BEARER.exec(header)?.[1];
    if (token === undefined) throw new InvalidRequestError('The Authorization header is not a valid Bearer credential');
  }
  // The common case (a header, nothing else allowed) returns here without allocating anything more.
  if (!options.allowBearerTokensInQueryString && !options.allowBearerTokensInBody) return token;
  const found = token === undefined ? [] : [token];
  // §2.3: the query string only when explicitly enabled (RFC 9700 §2.4: URLs leak).
  if (options.allowBearerTokensInQueryString) found.push(...accessTokensIn(queryString(request.url)));
  // §2.2: the form body only when enabled, and only for a form-encoded non-GET request.
  if (options.allowBearerTokensInBody && request.method.toUpperCase() !== 'GET' && isFormRequest(request)) {
    found.push(...accessTokensIn(bodyOf(request)));
  }
  if (found.length > 1) throw new InvalidRequestError('Send the access token in exactly one place (RFC 6750 §2)');
  return found[0];
}

/**
 * Checks the bearer token of a request to a protected resource.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function authenticateEndpoint(
  context: { model: AuthenticateModel & Pick<BaseModel, 'useOnce'>; options: ResolvedOptions },
  request: OAuthRequest,
  required?: AuthenticateOptions,
): Promise<AuthenticateResult> {
  const { model, options } = context;
  const scope = required?.scope;
  const discovery = required?.resourceMetadata === undefined ? undefined : { url: required.resourceMetadata, scope };
  // RFC 9449 §7.1-7.2: with DPoP on, a DPoP challenge beside the Bearer one, carrying the error when the request used it.
  const { dpop } = options;
  const header = getHeader(request.headers, 'authorization');
  let dpopValue: string | undefined;
  try {
    dpopValue = dpopToken(header, options);
    const value = dpopValue ?? extractToken(request, options, header);
    // §3.1: a request without any authentication gets the challenge without an error code.
    if (value === undefined) {
      options.events?.({ type: 'bearer.checked', result: 'missing', clientId: undefined });
      return { type: 'error', error: undefined, response: bearerChallenge(options.realm, undefined, discovery?.scope, discovery?.url, dpop && { algs: dpop.algorithms, usedDpop: false }) };
    }
    // RFC 9449 §7.1: the proof first (§4.3 with ath), then the token and its binding.
    // The replay cache is bound only here: a bearer request (the hot path) allocates nothing for DPoP.
    const proof = dpopValue === undefined ? undefined : await resourceRequestProof(request, dpopValue, required?.url, options.issuer, dpop, model.useOnce?.bind(model));
    const token = await model.getAccessToken(value);
    // One answer for unknown, revoked and expired: nothing that helps a guesser.
    if (!token || token.accessTokenExpiresAt.getTime() <= Date.now()) {
      throw new InvalidTokenError('The access token is invalid, expired or revoked');
    }
    checkTokenBinding(token, proof);
    // RFC 8707 §2, RFC 9700 §2.3: a token meant for another resource must not be accepted here.
    if (required?.resource !== undefined) {
      const { resource, allowNoAudience } = required;
      const audience = audienceOf(token.extra);
      const unrestricted = audience === undefined && allowNoAudience === true;
      const named = typeof resource === 'string' ? audience?.includes(resource) : audience?.some((a) => resource.includes(a));
      if (!unrestricted && !named) throw new InvalidTokenError('The access token was not issued for this resource');
    }
    if (scope && scope.length > 0) {
      const covered = model.verifyScope ? await model.verifyScope(token, [...scope]) : isSubset(scope, token.scope);
      if (!covered) throw new InsufficientScopeError('The access token does not cover the required scope');
    }
    options.events?.({ type: 'bearer.checked', result: 'valid', clientId: token.client.client_id });
    const headers = proof && freshNonceHeaders(dpop?.nonces);
    return headers ? { type: 'authenticated', token, headers } : { type: 'authenticated', token };
  } catch (err) {
    const error = oauthErrorOf(err, options.onError);
    options.events?.({ type: 'bearer.checked', result: error.error, clientId: undefined });
    const challengeScope = error instanceof InsufficientScopeError ? scope : discovery?.scope;
    const challenge = dpop && { algs: dpop.algorithms, usedDpop: dpopValue !== undefined };
    return { type: 'error', error, response: bearerChallenge(options.realm, error, challengeScope, discovery?.url, challenge) };
  }
}
