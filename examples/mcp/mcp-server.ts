/**
 * An MCP server (Streamable HTTP, the official SDK) protected by tollgate running as a separate
 * process. It serves its protected-resource metadata (RFC 9728), answers 401 with a challenge that
 * points there, and accepts only tokens issued for it (RFC 8707 audience): checked by RFC 7662
 * introspection for opaque tokens, or by the JWKS for JWTs (RFC 9068).
 *
 *   AUTH_SERVER=http://127.0.0.1:9191 PORT=3001 node --import tsx examples/mcp/mcp-server.ts
 *
 * Env: AUTH_SERVER (tollgate's issuer), PORT (default 3001), TOKENS (`opaque`, the default, or `jwt`),
 * INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET (a tollgate client with introspection_allowed).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProtectedResource } from '../../src/resource.js';
import { createJwtVerifier } from '../../src/jwt.js';
import { InvalidTokenError, InsufficientScopeError } from '../../src/errors.js';
import type { OAuthResponse } from '../../src/index.js';
import type { Caller } from './whoami.js';
import { SCOPE, serveMcp } from './whoami.js';

const AUTH_SERVER = process.env.AUTH_SERVER ?? 'http://127.0.0.1:9191';
const PORT = Number(process.env.PORT ?? 3001);

function send(res: ServerResponse, response: OAuthResponse): void {
  res.writeHead(response.status, response.headers).end(response.body);
}

const http = createServer();
await new Promise<void>((resolve) => http.listen(PORT, '127.0.0.1', resolve));
const { port } = http.address() as AddressInfo;
// The resource identifier is the MCP endpoint's URL: what the client sends as `resource` (RFC 8707).
const MCP_URL = `http://127.0.0.1:${port}/mcp`;
const resource = createProtectedResource({ resource: MCP_URL, authorizationServers: [AUTH_SERVER], scopesSupported: SCOPE, resourceName: 'tollgate MCP example' });

/** Opaque tokens: RFC 7662 introspection at tollgate, as a client allowed to introspect. */
async function introspect(token: string): Promise<Caller> {
  const credentials = `${process.env.INTROSPECTION_CLIENT_ID ?? 'mcp-server'}:${process.env.INTROSPECTION_CLIENT_SECRET ?? ''}`;
  const response = await fetch(`${AUTH_SERVER}/oauth/introspect`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  const info = (await response.json()) as { active?: boolean; aud?: string | string[]; client_id?: string; sub?: string; scope?: string };
  if (!info.active) throw new InvalidTokenError('The access token is not active');
  const audience = typeof info.aud === 'string' ? [info.aud] : (info.aud ?? []);
  return { clientId: info.client_id ?? '', subject: info.sub, audience, scope: info.scope?.split(' ') ?? [] };
}

/** JWTs: verified with tollgate's JWKS; `aud` must name this server (RFC 9068 §4). */
const jwt = createJwtVerifier({ issuer: AUTH_SERVER, audience: MCP_URL, jwks: new URL(`${AUTH_SERVER}/.well-known/jwks.json`) });
async function verifyJwt(token: string): Promise<Caller> {
  const claims = await jwt.verify(token);
  return { clientId: claims.client_id, subject: claims.sub, audience: typeof claims.aud === 'string' ? [claims.aud] : claims.aud, scope: claims.scope?.split(' ') ?? [] };
}

/** The caller, or the RFC 6750 challenge to answer with (carrying resource_metadata, RFC 9728 §5.1). */
async function authenticate(req: IncomingMessage): Promise<Caller | OAuthResponse> {
  const token = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined) return resource.challenge(undefined, SCOPE);
  try {
    const caller = process.env.TOKENS === 'jwt' ? await verifyJwt(token) : await introspect(token);
    // RFC 8707, MCP authorization: a token for another resource must never be accepted here.
    if (!caller.audience.includes(MCP_URL)) throw new InvalidTokenError('The access token was not issued for this MCP server');
    if (!SCOPE.every((s) => caller.scope.includes(s))) return resource.challenge(new InsufficientScopeError('The token lacks mcp:tools'), SCOPE);
    return caller;
  } catch (err) {
    return resource.challenge(err instanceof InvalidTokenError ? err : new InvalidTokenError('The access token is invalid'), SCOPE);
  }
}

http.on('request', async (req: IncomingMessage, res: ServerResponse) => {
  const path = (req.url ?? '/').split('?')[0];
  const metadata = resource.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
  if (metadata) return send(res, metadata);
  if (path !== '/mcp') return res.writeHead(404).end();
  const caller = await authenticate(req);
  if ('status' in caller) return send(res, caller);
  await serveMcp(req, res, caller);
});

console.log(`MCP server listening on ${MCP_URL} (tokens from ${AUTH_SERVER})`);
