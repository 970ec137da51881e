import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { AuthorizationServer, OAuthRequest } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createJwtAccessTokenFormat } from '../../src/tokens/jwt.js';
import { ISSUER, REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { basicAuth, bearerRequest, json, tokenRequest } from '../helpers/http.js';
import type { OAuthResponse } from '../../src/index.js';
import * as flows from '../helpers/flows.js';
import { SKYVAULT, resourceOwner } from '../helpers/flows.js';

/** The flows' assertions read header names in lower case, as hosts write them. */
function lower(response: OAuthResponse): OAuthResponse {
  return { ...response, headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])) };
}
const assertError = (response: OAuthResponse, status: number, error: string) => flows.assertError(lower(response), status, error);
const assertTokens = (response: OAuthResponse) => flows.assertTokens(lower(response));
const locationParams = (response: OAuthResponse) => flows.locationParams(lower(response));

const MCP = 'https://mcp.example.com/mcp';
const FILES = 'https://files.example.com/';
const RESOURCES = [
  { uri: MCP, scope: ['read'] },
  { uri: FILES, scope: ['read', 'write'], accessTokenTtl: 600 },
];

/** A form POST whose body may repeat a parameter (RFC 8707 §2 lets `resource` repeat). */
function rawTokenRequest(pairs: Array<[string, string]>, auth: readonly [string, string] = SKYVAULT): OAuthRequest {
  return {
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(auth[0], auth[1]) },
    body: new URLSearchParams(pairs).toString(),
  };
}

function introspect(server: AuthorizationServer, token: string): Promise<Record<string, unknown>> {
  return server.introspect(tokenRequest({ token }, SKYVAULT, '/oauth/introspect')).then(json);
}

/** A code for SkyVaultapp asked with these `resource` values (and scope). */
async function codeFor(server: AuthorizationServer, resources: string[], scope?: string) {
  const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's' });
  for (const resource of resources) query.append('resource', resource);
  if (scope !== undefined) query.set('scope', scope);
  const result = await server.authorize({ method: 'GET', url: `/authorize?${query}`, headers: {} }, { user: resourceOwner, allow: true });
  assert.equal(result.type, 'redirect');
  return locationParams(result.response);
}

describe('resource indicators (RFC 8707)', () => {
  it('invalid_target for an unlisted resource, at the token endpoint (RFC 8707 §2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    assertError(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', 'https://evil.example.com/']])), 400, 'invalid_target');
  });

  it('invalid_target for a malformed resource: relative, with a fragment, or holding whitespace (RFC 8707 §2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    for (const bad of ['/mcp', 'mcp.example.com', `${MCP}#frag`, `${MCP} ${FILES}`]) {
      assertError(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', bad]])), 400, 'invalid_target');
    }
  });

  it('invalid_target at the authorization endpoint goes back to the client with iss (RFC 8707 §2, RFC 9207)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's', resource: 'https://evil.example.com/' });
    const result = await server.authorize({ method: 'GET', url: `/authorize?${query}`, headers: {} });
    assert.equal(result.type, 'redirect');
    const params = locationParams(result.response);
    assert.equal(params.get('error'), 'invalid_target');
    assert.equal(params.get('iss'), ISSUER);
  });

  it('a whitespace-only or whitespace-holding resource at the authorization endpoint is invalid_target sent to the client, never two resources (RFC 8707 §2, RFC 6749 §4.1.2.1)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    for (const resources of [[' '], ['\t'], [`${MCP} ${FILES}`], [MCP, ' '], [' ', MCP]]) {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's' });
      for (const resource of resources) query.append('resource', resource);
      const result = await server.authorize({ method: 'GET', url: `/authorize?${query}`, headers: {} });
      assert.equal(result.type, 'redirect', JSON.stringify(resources));
      const params = locationParams(result.response);
      assert.equal(params.get('error'), 'invalid_target', JSON.stringify(resources));
      assert.equal(params.get('state'), 's');
    }
  });

  it('a malformed resource with an unregistered redirect URI is shown, not redirected (RFC 6749 §4.1.2.1)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: 'https://attacker.example.com/cb', resource: ' ' });
    const result = await server.authorize({ method: 'GET', url: `/authorize?${query}`, headers: {} });
    assert.equal(result.type, 'error');
    assert.equal(result.response.headers.Location, undefined);
  });

  it('a repeated resource is not a duplicate-parameter error, other repeated parameters still are (RFC 8707 §2, RFC 6749 §3.2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const both = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', MCP], ['resource', FILES]])));
    assert.deepEqual(json(await server.introspect(tokenRequest({ token: both.access_token }, SKYVAULT, '/oauth/introspect'))).aud, [MCP, FILES]);
    assertError(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['scope', 'read'], ['scope', 'write']])), 400, 'invalid_request');
  });

  it('the code remembers its resources; the token is bound to them, narrowing to one on the token request (RFC 8707 §2.2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const code = (await codeFor(server, [MCP, FILES])).get('code') ?? '';
    const tokens = assertTokens(await server.token(rawTokenRequest([['grant_type', 'authorization_code'], ['code', code], ['redirect_uri', REDIRECT_URI], ['resource', MCP]])));
    const described = await introspect(server, tokens.access_token);
    assert.deepEqual(described.aud, [MCP]);
    // Only what the MCP resource serves.
    assert.equal(described.scope, 'read');
    // A refresh may come back to the other resource of the grant (with the scope it serves)...
    const files = assertTokens(await server.token(rawTokenRequest([['grant_type', 'refresh_token'], ['refresh_token', String(tokens.refresh_token)], ['resource', FILES]])));
    const filesDescribed = await introspect(server, files.access_token);
    assert.deepEqual(filesDescribed.aud, [FILES]);
    assert.equal(filesDescribed.scope, 'read write');
    // ...but never to one outside it.
    assertError(
      await server.token(rawTokenRequest([['grant_type', 'refresh_token'], ['refresh_token', String(files.refresh_token)], ['resource', 'https://other.example.com/']])),
      400,
      'invalid_target',
    );
  });

  it('a token request for a resource the code was not issued for is invalid_target (RFC 8707 §2.2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const code = (await codeFor(server, [MCP])).get('code') ?? '';
    assertError(
      await server.token(rawTokenRequest([['grant_type', 'authorization_code'], ['code', code], ['redirect_uri', REDIRECT_URI], ['resource', FILES]])),
      400,
      'invalid_target',
    );
  });

  it('the granted scope stays within the union of the resources\' scopes; none of it served is invalid_scope', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const body = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['scope', 'read write'], ['resource', MCP]])));
    assert.equal(body.scope, 'read');
    assertError(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['scope', 'write'], ['resource', MCP]])), 400, 'invalid_scope');
  });

  it('the shortest of the resources\' lifetimes applies', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const body = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', MCP], ['resource', FILES]])));
    assert.equal(body.expires_in, 600);
  });

  it('authenticate({ resource }) refuses a token issued for another resource, or for none (audience binding, RFC 8707)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const mcp = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', MCP]])));
    const plain = assertTokens(await server.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)));
    assert.equal((await server.authenticate(bearerRequest(mcp.access_token), { resource: MCP })).type, 'authenticated');
    const other = await server.authenticate(bearerRequest(mcp.access_token), { resource: FILES });
    assert.equal(other.type, 'error');
    assert.equal(other.response.status, 401);
    assert.match(other.response.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
    assert.equal((await server.authenticate(bearerRequest(plain.access_token), { resource: MCP })).type, 'error');
  });

  it('authenticate({ resource, allowNoAudience }) takes a token issued for no resource, still refuses one for another (RFC 8707 §2)', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const mcp = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', MCP]])));
    const plain = assertTokens(await server.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)));
    const required = { resource: FILES, allowNoAudience: true };
    assert.equal((await server.authenticate(bearerRequest(plain.access_token), required)).type, 'authenticated');
    const other = await server.authenticate(bearerRequest(mcp.access_token), required);
    assert.equal(other.type, 'error');
    assert.match(other.response.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
    assert.equal((await server.authenticate(bearerRequest(mcp.access_token), { resource: MCP, allowNoAudience: true })).type, 'authenticated');
  });

  it('without resource, today\'s behaviour: no aud in introspection', async () => {
    const { server } = await createTestServer({ resources: RESOURCES });
    const plain = assertTokens(await server.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)));
    const described = await introspect(server, plain.access_token);
    assert.equal(described.active, true);
    assert.equal(described.aud, undefined);
    assert.equal(described.scope, 'read write');
  });

  it('two resources give a JWT with both in aud, verifiable by each resource server (RFC 8707, RFC 9068 §3)', async () => {
    const store = await createMemoryStore({ clients: [{ client_id: 'svc', client_secret: 'svc-secret-svc-secret', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read write' }] });
    const format = createJwtAccessTokenFormat({ issuer: ISSUER, accessTokenTtl: 3600, keyActivationDelay: 0, store });
    const { createAuthorizationServer } = await import('../../src/index.js');
    const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model: store, accessTokenFormat: format, resources: RESOURCES, onError: () => {} });
    const body = assertTokens(await server.token(rawTokenRequest([['grant_type', 'client_credentials'], ['resource', MCP], ['resource', FILES]], ['svc', 'svc-secret-svc-secret'])));
    assert.deepEqual(decodeJwt(body.access_token).aud, [MCP, FILES]);
    const jwks = createLocalJWKSet(json(await server.jwks()) as unknown as JSONWebKeySet);
    await jwtVerify(body.access_token, jwks, { issuer: ISSUER, audience: MCP, typ: 'at+jwt' });
    await assert.rejects(jwtVerify(body.access_token, jwks, { issuer: ISSUER, audience: 'https://other.example.com/', typ: 'at+jwt' }));
  });

  it('a resources option that is not an absolute URI without fragment is refused at start', async () => {
    for (const uri of ['relative/path', `${MCP}#x`]) {
      await assert.rejects(createTestServer({ resources: [{ uri, scope: ['read'] }] }), (err: unknown) => err instanceof ConfigError && err.field === 'resources[0].uri');
    }
  });
});
