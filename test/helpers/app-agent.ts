/** A small browser stand-in over fetch: a cookie jar, forms read from the pages, redirects not followed. */
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { basicAuth } from './http.js';

export interface PageResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | undefined;
}

export interface Agent {
  get(path: string): Promise<PageResponse>;
  /** Posts a form; `fields` are sent in this order. */
  post(path: string, fields: Record<string, string>): Promise<PageResponse>;
  /** Posts `body` exactly as given (raw CR/LF, any character), with this content type. */
  postRaw(path: string, body: string, contentType?: string): Promise<PageResponse>;
  /** The Cookie header it sends now: a copy of its session, to replay from elsewhere. */
  cookieHeader(): string;
}

/** The value of a hidden input on a page. */
export function hiddenField(page: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  if (!match?.[1]) throw new Error(`no field ${name} on the page:\n${page}`);
  return match[1];
}

export function createAgent(baseUrl: string): Agent {
  const cookies = new Map<string, string>();
  const cookieHeader = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  async function request(path: string, init: RequestInit): Promise<PageResponse> {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', cookieHeader());
    const response = await fetch(new URL(path, baseUrl), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, headers: response.headers, body: await response.text(), location: response.headers.get('location') ?? undefined };
  }

  return {
    get: (path) => request(path, { method: 'GET' }),
    post: (path, fields) =>
      request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }),
    postRaw: (path, body, contentType = 'application/x-www-form-urlencoded') =>
      request(path, { method: 'POST', headers: { 'content-type': contentType }, body }),
    cookieHeader,
  };
}

/**
 * Walks the pages for an authorization request: sign in (when asked), then Allow or Deny (when
 * asked). Resolves with the last response: the redirect to the client, or a page.
 */
export async function authorizeThroughPages(
  agent: Agent,
  query: Record<string, string>,
  { username = 'admin', password = 'tiger', decision = 'allow' }: { username?: string; password?: string; decision?: 'allow' | 'deny' } = {},
): Promise<PageResponse> {
  let page = await agent.get(`/authorize?${new URLSearchParams(query)}`);
  if (page.status === 200 && page.body.includes('action="/authorize/login"')) {
    page = await agent.post('/authorize/login', { csrf_token: hiddenField(page.body, 'csrf_token'), username, password });
    if (page.status !== 303 || page.location === undefined) return page;
    page = await agent.get(page.location);
  }
  if (page.status === 200 && page.body.includes('name="decision"')) {
    page = await agent.post('/authorize', {
      csrf_token: hiddenField(page.body, 'csrf_token'),
      request: hiddenField(page.body, 'request'),
      decision,
    });
  }
  return page;
}

/**
 * The code flow as an openid-client relying party runs it against `baseUrl`: an authorization URL
 * with PKCE (S256) and state, the pages walked as admin / tiger with Allow, then the code exchange.
 */
export async function openIdClientCodeFlow(
  config: client.Configuration,
  baseUrl: string,
  redirectUri: string,
  scope = 'read',
): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const redirect = await authorizeThroughPages(createAgent(baseUrl), Object.fromEntries(url.searchParams));
  assert.ok(redirect.location?.startsWith(redirectUri), redirect.body);
  return client.authorizationCodeGrant(config, new URL(redirect.location ?? ''), { pkceCodeVerifier: verifier, expectedState: state });
}

/** A token request to the running server: a form POST, Basic-authenticated when `auth` is given. */
export async function postToken(
  baseUrl: string,
  params: Record<string, string>,
  auth?: readonly [string, string],
  path = '/oauth/token',
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = basicAuth(auth[0], auth[1]);
  const response = await fetch(new URL(path, baseUrl), { method: 'POST', headers, body: new URLSearchParams(params) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/**
 * Sends a client-authentication form openid-client already sent once (its `client_assertion` used) to
 * the token endpoint again: the assertion's `jti` is single use (RFC 7523 §3 item 7), so `invalid_client`.
 */
export async function assertReplayedAssertionRefused(baseUrl: string, sentBefore: URLSearchParams | undefined): Promise<void> {
  assert.ok(sentBefore !== undefined && sentBefore.has('client_assertion'), 'openid-client sent a client_assertion');
  const response = await fetch(new URL('/oauth/token', baseUrl), { method: 'POST', body: sentBefore });
  assert.equal(response.status, 401);
  const body = (await response.json()) as Record<string, string>;
  assert.equal(body.error, 'invalid_client');
  assert.match(body.error_description ?? '', /already been used/);
}
