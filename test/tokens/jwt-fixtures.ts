/** A server issuing JWT access tokens over a memory store, and ways to sign tokens of any shape with its key. */
import { createHmac } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import type { JWK, JWTPayload, JWTHeaderParameters } from 'jose';
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer } from '../../src/index.js';
import type { Store } from '../../src/stores/store.js';
import type { JsonWebKeySet } from '../../src/jwt.js';
import type { SigningKey } from '../../src/jwt.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createJwtAccessTokenFormat } from '../../src/tokens/jwt.js';
import type { JwtAccessTokenFormat, JwtAccessTokenOptions } from '../../src/tokens/jwt.js';
import { ISSUER, admin, service, skyvault } from '../helpers/fixtures.js';
import { json, tokenRequest } from '../helpers/http.js';

export const TTL = 3600;

export interface JwtTestServer {
  server: AuthorizationServer;
  store: Store;
  format: JwtAccessTokenFormat;
}

/**
 * A server with the password and client_credentials grants, issuing JWTs (ES256 unless told).
 * New keys sign at once unless a test asks for an activation delay.
 */
export async function createJwtTestServer(options: Partial<Omit<JwtAccessTokenOptions, 'store'>> = {}): Promise<JwtTestServer> {
  const store = await createMemoryStore({ clients: [skyvault, service], users: [admin] });
  const format = createJwtAccessTokenFormat({ issuer: ISSUER, accessTokenTtl: TTL, keyActivationDelay: 0, ...options, store });
  const server = createAuthorizationServer({
    issuer: ISSUER,
    grantTypes: ['password', 'client_credentials', 'refresh_token'],
    model: store,
    accessTokenTtl: TTL,
    accessTokenFormat: format,
    onError: () => {},
  });
  return { server, store, format };
}

/** An access token for admin through the password grant, with its token response. */
export async function passwordToken(server: AuthorizationServer, scope = 'read write'): Promise<{ token: string; body: Record<string, unknown> }> {
  const response = await server.token(tokenRequest({ grant_type: 'password', username: admin.username, password: admin.password, scope }, ['SkyVaultapp', 'secret']));
  const body = json(response);
  if (response.status !== 200 || typeof body.access_token !== 'string') throw new Error(`token request failed: ${response.body}`);
  return { token: body.access_token, body };
}

/** The JWKS the server publishes, as its endpoint answers it. */
export async function publishedJwks(server: AuthorizationServer): Promise<JsonWebKeySet> {
  return json(await server.jwks()) as unknown as JsonWebKeySet;
}

/** Claims a valid access token from this server would carry. */
export function validClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, sub: 'someone', aud: ISSUER, client_id: 'SkyVaultapp', scope: 'read', iat: now, exp: now + 600, jti: 'jti-1', ...overrides };
}

/** Header members to set, or to leave out with `undefined`. */
type HeaderOverrides = { [K in keyof JWTHeaderParameters]?: JWTHeaderParameters[K] | undefined };

/** A JWT signed with `key` (normally the server's own), with whatever header and claims a test needs. */
export async function signWith(key: SigningKey, claims: JWTPayload, header: HeaderOverrides = {}): Promise<string> {
  const privateKey = await importJWK(key.privateJwk as JWK, key.alg);
  const protectedHeader = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header } as JWTHeaderParameters;
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(privateKey);
}

const segment = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
export function unsecuredJwt(claims: JWTPayload, kid: string): string {
  return `${segment({ alg: 'none', typ: 'at+jwt', kid })}.${segment(claims)}.`;
}

/** An HS256 JWT MACed with `secret`, made by hand so no library stands between the attacker and the bytes. */
export function hs256Jwt(claims: JWTPayload, kid: string, secret: Uint8Array | string): string {
  const input = `${segment({ alg: 'HS256', typ: 'at+jwt', kid })}.${segment(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
