/**
 * Building an OAuthResponse: JSON with no-store (RFC 6749 §5.1), error bodies (§5.2),
 * authorization redirects (§4.1.2, §4.2.2, RFC 9207) and bearer challenges (RFC 6750 §3).
 * Every OAuth error is rendered here and nowhere else.
 */
import type { OAuthResponse } from './types.js';
import { OAuthError, ServerError } from './errors.js';
import { formPostResponse } from './response-mode.js';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** A JSON response that no cache keeps (RFC 6749 §5.1). */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): OAuthResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

/** Public JSON that caches may keep for a few minutes: metadata (RFC 8414 §3) and key sets. */
export function publicJsonResponse(body: unknown): OAuthResponse {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'public, max-age=300' },
    body: JSON.stringify(body),
  };
}

const DESCRIPTION_MAX = 200;

/**
 * RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. Descriptions may
 * quote what the client sent, so `"` becomes `'`, anything else outside the set becomes `?`, and
 * a long echo is cut short.
 */
function describeError(err: OAuthError): string {
  const text = err.description.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
  return text.length > DESCRIPTION_MAX ? `${text.slice(0, DESCRIPTION_MAX)}...` : text || err.error;
}

/** The §5.2 error body: `error` and `error_description`, nothing internal. */
export function errorBody(err: OAuthError): { error: string; error_description: string } {
  return { error: err.error, error_description: describeError(err) };
}

/** An error as §5.2 JSON with its status and headers (e.g. `WWW-Authenticate`, `Retry-After`). */
export function errorResponse(err: OAuthError): OAuthResponse {
  return jsonResponse(err.status, errorBody(err), err.headers);
}

/**
 * The error to answer with: an OAuthError as it is; anything else is a generic `server_error`,
 * and the original goes to `onError` only, never to the client.
 */
export function oauthErrorOf(err: unknown, onError: (error: unknown) => void): OAuthError {
  if (err instanceof OAuthError) return err;
  onError(err);
  return new ServerError('The authorization server encountered an unexpected condition', { cause: err });
}

/**
 * Where the authorization response parameters go: the query for `code`, the fragment for `token`
 * (§4.2.2), or a form posted to the redirect URI (OAuth 2.0 Form Post Response Mode).
 */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

/**
 * A redirect to the client's redirect URI carrying `params` in the query or the fragment, or
 * with `form_post` the page that posts them there.
 * 303 after a POST so the browser never re-posts the form to the client (RFC 9700 §4.12), 302 otherwise.
 */
export function redirectResponse(
  redirectUri: string,
  params: Record<string, string | undefined>,
  mode: ResponseMode,
  method: string,
): OAuthResponse {
  const pairs = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) pairs.set(name, value);
  if (mode === 'form_post') return formPostResponse(redirectUri, pairs);
  let location: string;
  if (mode === 'fragment') {
    location = `${redirectUri}#${pairs}`;
  } else {
    // §3.1.2: the redirect URI may carry a query of its own, which must be kept.
    const url = new URL(redirectUri);
    for (const [name, value] of pairs) url.searchParams.append(name, value);
    location = url.href;
  }
  return {
    status: method.toUpperCase() === 'POST' ? 303 : 302,
    headers: { Location: location, ...NO_STORE, 'Referrer-Policy': 'no-referrer' },
    body: '',
  };
}

/** An error sent back to the client through the redirect URI (§4.1.2.1, §4.2.2.1), with `iss` (RFC 9207). */
export function errorRedirect(
  err: OAuthError,
  redirectUri: string,
  state: string | undefined,
  issuer: string,
  mode: ResponseMode,
  method: string,
): OAuthResponse {
  return redirectResponse(redirectUri, { ...errorBody(err), state, iss: issuer }, mode, method);
}

/** Quotes a value for an auth-param (RFC 9110 §11.2 quoted-string). */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The DPoP challenge beside the Bearer one (RFC 9449 §7.1-7.2): the algorithms accepted for proofs,
 * and whether the request used the DPoP scheme, whose challenge then carries the error.
 */
export interface DpopChallenge {
  algs: readonly string[];
  /** True when the request sent its token with the DPoP scheme. */
  usedDpop: boolean;
}

/**
 * The RFC 6750 §3 challenge for a failed bearer check. A request with no token at all gets no
 * error code (§3.1); every other failure names its code. `scope` names the scope the resource
 * needs (§3; for insufficient_scope, §3.1), and `resourceMetadata` where the resource's metadata
 * is (RFC 9728 §5.1), so a client can find its authorization server. With `dpop`, a DPoP challenge
 * follows (RFC 9449 §7.1) and the error goes to the scheme the request used (§7.2).
 */
export function bearerChallenge(realm: string, err?: OAuthError, scope?: readonly string[], resourceMetadata?: string, dpop?: DpopChallenge): OAuthResponse {
  const common = [`realm=${quote(realm)}`];
  const errorParts = err ? [`error=${quote(err.error)}`, `error_description=${quote(describeError(err))}`] : [];
  const rest: string[] = [];
  if (scope && scope.length > 0) rest.push(`scope=${quote(scope.join(' '))}`);
  if (resourceMetadata !== undefined) rest.push(`resource_metadata=${quote(resourceMetadata)}`);
  const bearer = `Bearer ${[...common, ...(dpop?.usedDpop ? [] : errorParts), ...rest].join(', ')}`;
  const challenge = dpop ? `${bearer}, DPoP ${[...common, ...(dpop.usedDpop ? errorParts : []), ...rest, `algs=${quote(dpop.algs.join(' '))}`].join(', ')}` : bearer;
  // The error's own headers (`DPoP-Nonce` for use_dpop_nonce, RFC 9449 §9) go out with the challenge.
  const headers = { ...err?.headers, 'WWW-Authenticate': challenge };
  return err ? jsonResponse(err.status, errorBody(err), headers) : { status: 401, headers: { ...headers, ...NO_STORE }, body: '' };
}
