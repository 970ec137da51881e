import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { createProtectedResource } from '../../src/resource.js';
import { ISSUER, createTestServer } from '../helpers/fixtures.js';
import { basicAuth, bearerRequest, json } from '../helpers/http.js';

const MCP = 'https://mcp.example.com/mcp';

describe('protected resource metadata and challenges (RFC 9728)', () => {
  const mcp = createProtectedResource({ resource: MCP, authorizationServers: [ISSUER], scopesSupported: ['read'] });

  it('serves the metadata at the well-known path with the resource\'s path after it (RFC 9728 §3.1)', () => {
    assert.equal(mcp.metadataPath, '/.well-known/oauth-protected-resource/mcp');
    assert.equal(mcp.metadataUrl, 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    const response = mcp.handle({ method: 'GET', url: mcp.metadataPath, headers: {} });
    assert.equal(response?.status, 200);
    assert.deepEqual(json(response!), {
      resource: MCP,
      authorization_servers: [ISSUER],
      scopes_supported: ['read'],
      bearer_methods_supported: ['header'],
    });
    assert.equal(mcp.handle({ method: 'GET', url: '/.well-known/oauth-protected-resource', headers: {} }), undefined);
    assert.equal(mcp.handle({ method: 'POST', url: mcp.metadataPath, headers: {} }), undefined);
    const root = createProtectedResource({ resource: 'https://api.example.com/', authorizationServers: [ISSUER] });
    assert.equal(root.metadataPath, '/.well-known/oauth-protected-resource');
  });

  it('challenges carry resource_metadata and scope, with and without a token (RFC 9728 §5.1, RFC 6750 §3)', async () => {
    const { server } = await createTestServer({ resources: [{ uri: MCP, scope: ['read'] }] });
    const none = await server.authenticate({ method: 'GET', url: '/mcp', headers: {} }, mcp.authenticateOptions(['read']));
    assert.equal(none.type, 'error');
    assert.equal(none.response.status, 401);
    const params = `realm="${ISSUER}", scope="read", resource_metadata="${mcp.metadataUrl}"`;
    assert.equal(none.response.headers['WWW-Authenticate'], `Bearer ${params}, DPoP ${params}, algs="ES256 EdDSA RS256 PS256"`);
    const bad = await server.authenticate(bearerRequest('not-a-token'), mcp.authenticateOptions(['read']));
    assert.equal(bad.type, 'error');
    assert.match(bad.type === 'error' ? (bad.response.headers['WWW-Authenticate'] ?? '') : '', /error="invalid_token".*scope="read", resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('authenticateOptions binds the check to the resource: a token for it passes, one without that audience does not (RFC 8707)', async () => {
    const { server } = await createTestServer({ resources: [{ uri: MCP, scope: ['read'] }] });
    const token = async (body: string) =>
      json(await server.token({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('SkyVaultapp', 'secret') }, body }))
        .access_token as string;
    const bound = await token(`grant_type=client_credentials&resource=${encodeURIComponent(MCP)}`);
    const unbound = await token('grant_type=client_credentials');
    assert.equal((await server.authenticate(bearerRequest(bound), mcp.authenticateOptions(['read']))).type, 'authenticated');
    const refused = await server.authenticate(bearerRequest(unbound), mcp.authenticateOptions(['read']));
    assert.equal(refused.type, 'error');
    assert.equal(refused.response.status, 401);
  });

  it('refuses a resource that is not an https URL without query or fragment, and an empty server list', () => {
    for (const resource of ['http://mcp.example.com/', 'https://mcp.example.com/?a=1', 'https://mcp.example.com/#x', 'mcp']) {
      assert.throws(() => createProtectedResource({ resource, authorizationServers: [ISSUER] }), ConfigError);
    }
    assert.throws(() => createProtectedResource({ resource: MCP, authorizationServers: [] }), ConfigError);
  });
});
