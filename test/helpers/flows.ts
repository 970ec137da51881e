/** Whole protocol steps for the grant, endpoint and security suites: get a code, get tokens, check a token. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthResponse, User } from '../../src/index.js';
import type { Harness } from './hosts.js';
import { authorizeRequest, bearerRequest, json, tokenRequest } from './http.js';
import { REDIRECT_URI, admin } from './fixtures.js';

/** The resource owner as the host's login step hands it to `authorize`. */
export const resourceOwner: User = { id: 'user-admin', username: admin.username };

export const SKYVAULT = ['SkyVaultapp', 'secret'] as const;
export const POSTER = ['poster', 'poster-secret'] as const;
export const SERVICE = ['service', 'service-secret'] as const;

/** A fresh RFC 7636 §4.1 verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A header of a response by its lower-case name. */
export function header(response: OAuthResponse, name: string): string | undefined {
  return response.headers[name];
}

/** The parameters of a redirect's Location, from the query or the fragment. */
export function locationParams(response: OAuthResponse, part: 'query' | 'fragment' = 'query'): URLSearchParams {
  const location = new URL(header(response, 'location') ?? 'missing:');
  return new URLSearchParams(part === 'query' ? location.search : location.hash.slice(1));
}

/** Asserts a §5.2 error response: the status, the code, a description, and no-store. */
export function assertError(response: OAuthResponse, status: number, error: string): Record<string, unknown> {
  assert.equal(response.status, status, response.body);
  const body = json(response);
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
  assert.equal(header(response, 'cache-control'), 'no-store');
  return body;
}

/** Asserts a §5.1 success response and returns its body. */
export function assertTokens(response: OAuthResponse): Record<string, unknown> & { access_token: string } {
  assert.equal(response.status, 200, response.body);
  const body = json(response);
  assert.equal(typeof body.access_token, 'string');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(header(response, 'cache-control'), 'no-store');
  assert.equal(header(response, 'pragma'), 'no-cache');
  return body as Record<string, unknown> & { access_token: string };
}

export interface CodeOptions {
  clientId?: string;
  /** The redirect_uri to send; `null` sends none. */
  redirectUri?: string | null;
  scope?: string;
  state?: string;
  challenge?: string;
  challengeMethod?: string;
}

/** Runs the authorization request with consent given and returns the code from the redirect. */
export async function getCode(h: Harness, options: CodeOptions = {}): Promise<string> {
  const { clientId = 'SkyVaultapp', redirectUri = REDIRECT_URI, scope, state = 'xyz', challenge, challengeMethod = 'S256' } = options;
  const params: Record<string, string> = { response_type: 'code', client_id: clientId, state };
  if (redirectUri !== null) params.redirect_uri = redirectUri;
  if (scope !== undefined) params.scope = scope;
  if (challenge !== undefined) Object.assign(params, { code_challenge: challenge, code_challenge_method: challengeMethod });
  const { type, response } = await h.authorize(authorizeRequest(params), { user: resourceOwner, allow: true });
  assert.equal(type, 'redirect', response.body);
  const code = locationParams(response).get('code');
  assert.ok(code, `no code in ${header(response, 'location')}`);
  return code;
}

/** Redeems a code as SkyVaultapp (Basic), with these extra parameters. */
export function redeem(h: Harness, code: string, extra: Record<string, string> = {}, auth: readonly [string, string] | undefined = SKYVAULT): Promise<OAuthResponse> {
  return h.token(tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra }, auth));
}

/** Tokens for SkyVaultapp through the authorization code grant. */
export async function codeTokens(h: Harness, scope?: string): Promise<Record<string, unknown> & { access_token: string; refresh_token: string }> {
  const body = assertTokens(await redeem(h, await getCode(h, scope === undefined ? {} : { scope })));
  assert.equal(typeof body.refresh_token, 'string');
  return body as typeof body & { refresh_token: string };
}

/** Refreshes as SkyVaultapp. */
export function refresh(h: Harness, refreshToken: string, extra: Record<string, string> = {}, auth: readonly [string, string] = SKYVAULT): Promise<OAuthResponse> {
  return h.token(tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, auth));
}

/** Whether the protected resource accepts this access token. */
export async function accepted(h: Harness, accessToken: string): Promise<boolean> {
  const response = await h.authenticate(bearerRequest(accessToken));
  if (response.status === 200) return true;
  assert.equal(response.status, 401, response.body);
  return false;
}
