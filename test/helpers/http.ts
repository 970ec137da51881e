/** Building OAuthRequests the way clients send them, and reading OAuthResponses. */
import type { OAuthRequest, OAuthResponse } from '../../src/index.js';

/** A form body, application/x-www-form-urlencoded. */
export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** HTTP Basic credentials with id and secret form-urlencoded first (RFC 6749 §2.3.1). */
export function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** A token request: a form POST, authenticated with Basic when `auth` is given. */
export function tokenRequest(
  params: Record<string, string>,
  auth?: readonly [clientId: string, clientSecret: string],
  path = '/oauth/token',
): OAuthRequest {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = basicAuth(auth[0], auth[1]);
  return { method: 'POST', url: path, headers, body: form(params) };
}

/** A GET to the authorization endpoint with these query parameters. */
export function authorizeRequest(params: Record<string, string>): OAuthRequest {
  return { method: 'GET', url: `/authorize?${form(params)}`, headers: {} };
}

/** A request to a protected resource carrying a bearer token. */
export function bearerRequest(token: string, url = '/secure'): OAuthRequest {
  return { method: 'GET', url, headers: { authorization: `Bearer ${token}` } };
}

/** The JSON body of a response. */
export function json(response: OAuthResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** The query (or fragment) parameters of a redirect response's Location. */
export function redirectParams(response: OAuthResponse, part: 'query' | 'fragment' = 'query'): URLSearchParams {
  const location = new URL(response.headers.Location ?? '');
  return new URLSearchParams(part === 'query' ? location.search : location.hash.slice(1));
}
