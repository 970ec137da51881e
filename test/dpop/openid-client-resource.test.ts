/**
 * openid-client's DPoP handle against resource servers built with `tollgate/jwt` (a JWT access token
 * checked locally) and `tollgate/resource` (an opaque token checked by RFC 7662 introspection): the
 * bound token works with openid-client's proofs, and not as Bearer (RFC 9449 §7).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer, OAuthRequest, OAuthResponse } from '../../src/index.js';
import { createRequestListener } from '../../src/adapters/node.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createJwtAccessTokenFormat, createJwtVerifier } from '../../src/jwt.js';
import { createProtectedResource } from '../../src/resource.js';
import type { TokenClaims } from '../../src/resource.js';
import { OAuthError } from '../../src/errors.js';
import { skyvault } from '../helpers/fixtures.js';
import { json, tokenRequest } from '../helpers/http.js';
import { SKYVAULT } from '../helpers/flows.js';

/** What a resource route answers: 200 with the caller's client_id, or the response it was given. */
type Route = (request: OAuthRequest, url: string) => Promise<OAuthResponse>;

const ok = (clientId: unknown, headers: Record<string, string> = {}): OAuthResponse => ({ status: 200, headers: { 'Content-Type': 'text/plain', ...headers }, body: String(clientId) });

/** An authorization server on a loopback port (its issuer is that URL) with `routes` beside it. */
async function start(jwt: boolean, routes: (issuer: string, server: AuthorizationServer) => Promise<Record<string, Route>>): Promise<{ http: Server; issuer: string }> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const store = await createMemoryStore({ clients: [skyvault] });
  const server = createAuthorizationServer({
    issuer,
    grantTypes: ['client_credentials'],
    model: store,
    accessTokenTtl: 3600,
    resources: [{ uri: `${issuer}/api`, scope: ['read'] }],
    onError: () => {},
    ...(jwt && { accessTokenFormat: createJwtAccessTokenFormat({ issuer, store, accessTokenTtl: 3600, keyActivationDelay: 0 }) }),
  });
  const table = await routes(issuer, server);
  const core = createRequestListener(server);
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const route = table[(req.url ?? '/').split('?')[0] ?? ''];
    if (route === undefined) return core(req, res);
    const url = `${issuer}${req.url ?? '/'}`;
    void route({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, url).then((r) => res.writeHead(r.status, r.headers).end(r.body));
  });
  return { http, issuer };
}

/** openid-client for SkyVaultapp, a DPoP handle, and a DPoP-bound token for `${issuer}/api`. */
async function dpopClient(issuer: string): Promise<{ config: client.Configuration; DPoP: client.DPoPHandle; token: string }> {
  const config = await client.discovery(new URL(issuer), 'SkyVaultapp', undefined, client.ClientSecretBasic('secret'), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
  const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const tokens = await client.clientCredentialsGrant(config, { scope: 'read', resource: `${issuer}/api` }, { DPoP });
  assert.equal(tokens.token_type, 'dpop');
  return { config, DPoP, token: tokens.access_token };
}

/** openid-client's call of the resource with its proof, and the same token as a plain Bearer. */
async function assertWorksOnlyWithDpop(issuer: string): Promise<void> {
  const { config, DPoP, token } = await dpopClient(issuer);
  const api = new URL(`${issuer}/api`);
  const response = await client.fetchProtectedResource(config, token, api, 'GET', undefined, undefined, { DPoP });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(await response.text(), 'SkyVaultapp');
  // A second call: a fresh proof from openid-client, accepted again.
  assert.equal((await client.fetchProtectedResource(config, token, api, 'GET', undefined, undefined, { DPoP })).status, 200);
  const bearer = await fetch(api, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(bearer.status, 401);
  assert.match(bearer.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/);
}

describe("openid-client's DPoP handle at resource servers outside the core (RFC 9449 §7)", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('tollgate/jwt: a DPoP-bound JWT access token works with the handle, not as Bearer', async () => {
    const { http, issuer } = await start(true, async (iss) => {
      const verifier = createJwtVerifier({ issuer: iss, audience: `${iss}/api`, jwks: new URL(`${iss}/.well-known/jwks.json`) });
      const resource = createProtectedResource({ resource: `${iss}/api`, authorizationServers: [iss], dpop: {} });
      return {
        '/api': async (request, url) => {
          try {
            const checked = await verifier.verifyRequest(request, { url });
            return checked ? ok(checked.claims.client_id, checked.headers) : resource.challenge(undefined, undefined, request);
          } catch (err) {
            if (err instanceof OAuthError) return resource.challenge(err, undefined, request);
            throw err;
          }
        },
      };
    });
    servers.push(http);
    await assertWorksOnlyWithDpop(issuer);
  });

  it('tollgate/resource: a DPoP-bound opaque token, introspected, works with the handle, not as Bearer', async () => {
    const { http, issuer } = await start(false, async (iss, server) => {
      const resource = createProtectedResource({ resource: `${iss}/api`, authorizationServers: [iss], dpop: {} });
      // RFC 7662 at the authorization server, as a client allowed to introspect (here the token's own).
      const introspect = async (token: string): Promise<TokenClaims> => json(await server.introspect(tokenRequest({ token }, SKYVAULT, '/oauth/introspect'))) as TokenClaims;
      return {
        '/api': async (request) => {
          const result = await resource.authenticate(request, { verify: introspect, scope: ['read'] });
          return result.type === 'authenticated' ? ok(result.claims.client_id, result.headers) : result.response;
        },
      };
    });
    servers.push(http);
    await assertWorksOnlyWithDpop(issuer);
  });
});
