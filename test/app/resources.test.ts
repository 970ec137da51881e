/** `tollgate serve` with `resources` (RFC 8707) and its protected-resource metadata (RFC 9728). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { createAgent, hiddenField } from '../helpers/app-agent.js';
import { validateConfig } from '../../src/app/config.js';
import { ConfigError } from '../../src/errors.js';

const MCP = 'https://mcp.example.com/mcp';
const REPORTS = 'https://reports.example.com/';
const BASIC = `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}`;

describe('tollgate serve: resources (RFC 8707) and protected-resource metadata (RFC 9728)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(
      demoConfig({
        resources: [
          { uri: MCP, scope: 'read' },
          { uri: REPORTS, scope: 'read write', accessTokenFormat: 'jwt', accessTokenTtl: 300 },
        ],
      }),
    );
  });
  after(() => cli.stop());

  const token = (body: string) =>
    fetch(new URL('/oauth/token', cli.url), { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body });

  test('serves /secure\'s metadata, and /secure\'s challenge points at it (RFC 9728 §3.1, §5.1)', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/secure', cli.url));
    assert.equal(response.status, 200);
    const metadata = (await response.json()) as Record<string, unknown>;
    assert.equal(metadata.resource, `${cli.url}/secure`);
    assert.deepEqual(metadata.authorization_servers, [cli.url]);
    assert.deepEqual(metadata.bearer_methods_supported, ['header']);
    // /secure accepts DPoP-bound tokens (on by default): its metadata says with which proof algorithms.
    assert.deepEqual(metadata.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256']);
    const secure = await fetch(new URL('/secure', cli.url));
    assert.equal(secure.status, 401);
    assert.match(secure.headers.get('www-authenticate') ?? '', new RegExp(`resource_metadata="${cli.url}/\\.well-known/oauth-protected-resource/secure"`));
  });

  test('the consent page names the resources asked for, and the code\'s token is bound to them (RFC 8707 §2)', async () => {
    const agent = createAgent(cli.url);
    const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's', resource: MCP });
    let page = await agent.get(`/authorize?${query}`);
    page = await agent.post('/authorize/login', { csrf_token: hiddenField(page.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    page = await agent.get(page.location ?? '');
    assert.match(page.body, new RegExp(`<code>${MCP}</code>`));
    page = await agent.post('/authorize', { csrf_token: hiddenField(page.body, 'csrf_token'), request: hiddenField(page.body, 'request'), decision: 'allow' });
    const code = new URL(page.location ?? '').searchParams.get('code') ?? '';
    const issued = (await (await token(`grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`)).json()) as Record<string, unknown>;
    const introspected = await fetch(new URL('/oauth/introspect', cli.url), {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${issued.access_token as string}`,
    });
    const described = (await introspected.json()) as Record<string, unknown>;
    assert.deepEqual(described.aud, [MCP]);
    // SkyVaultapp may have read and write; the MCP resource serves only read.
    assert.equal(described.scope, 'read');
  });

  test('metadata lists scopes_supported from the clients and resources (RFC 8414 §2)', async () => {
    const metadata = (await (await fetch(new URL('/.well-known/oauth-authorization-server', cli.url))).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.scopes_supported, ['read', 'write']);
  });

  test('a token for a configured resource has it as audience in introspection; an unlisted one is invalid_target', async () => {
    const issued = (await (await token(`grant_type=client_credentials&resource=${encodeURIComponent(MCP)}`)).json()) as Record<string, unknown>;
    assert.equal(issued.scope, 'read');
    const introspected = await fetch(new URL('/oauth/introspect', cli.url), {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${issued.access_token as string}`,
    });
    assert.deepEqual(((await introspected.json()) as Record<string, unknown>).aud, [MCP]);
    const refused = await token('grant_type=client_credentials&resource=https%3A%2F%2Fevil.example.com%2F');
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as Record<string, unknown>).error, 'invalid_target');
  });

  test('a resource configured for JWTs gets a JWT with its aud and its lifetime, while the server\'s tokens stay opaque', async () => {
    const jwt = (await (await token(`grant_type=client_credentials&resource=${encodeURIComponent(REPORTS)}`)).json()) as Record<string, unknown>;
    assert.equal(decodeJwt(jwt.access_token as string).aud, REPORTS);
    assert.equal(jwt.expires_in, 300);
    const keys = (await (await fetch(new URL('/.well-known/jwks.json', cli.url))).json()) as { keys: unknown[] };
    assert.ok(keys.keys.length > 0, 'the JWKS publishes the key that signs the resource\'s tokens');
    const opaque = (await (await token('grant_type=client_credentials')).json()) as Record<string, unknown>;
    assert.equal((opaque.access_token as string).split('.').length, 1);
  });

  test('/secure refuses an opaque token whose audience names other resources only, and takes an unbound one or one bound to it (RFC 8707 §2, RFC 6750 §3.1)', async () => {
    const secure = `${cli.url}/secure`;
    const cases: Array<[string, number]> = [
      ['', 200],
      [`&resource=${encodeURIComponent(secure)}`, 200],
      [`&resource=${encodeURIComponent(MCP)}&resource=${encodeURIComponent(secure)}`, 200],
      [`&resource=${encodeURIComponent(MCP)}`, 401],
    ];
    for (const [resource, status] of cases) {
      const issued = (await (await token(`grant_type=client_credentials${resource}`)).json()) as Record<string, unknown>;
      assert.equal((issued.access_token as string).split('.').length, 1, 'an opaque token');
      const response = await fetch(secure, { headers: { authorization: `Bearer ${issued.access_token as string}` } });
      assert.equal(response.status, status, `resource${resource}: ${await response.text()}`);
      if (status === 401) {
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
        assert.match(response.headers.get('www-authenticate') ?? '', /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/secure"/);
      }
    }
  });

  test('/secure refuses a DPoP-bound token issued for another resource with the error in the DPoP challenge (RFC 8707 §2, RFC 9449 §7.1)', async () => {
    const config = await client.discovery(new URL(cli.url), 'SkyVaultapp', undefined, client.ClientSecretBasic('secret'), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const secure = new URL(`${cli.url}/secure`);
    const forMcp = await client.clientCredentialsGrant(config, { scope: 'read', resource: MCP }, { DPoP });
    // openid-client rejects a 401 with a challenge: its error carries the response.
    const refused = await client.fetchProtectedResource(config, forMcp.access_token, secure, 'GET', undefined, undefined, { DPoP }).then(
      () => assert.fail('/secure accepted a token for the MCP server'),
      (err: unknown) => err as { status: number; response: Response },
    );
    assert.equal(refused.status, 401);
    const challenge = refused.response.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /DPoP realm="[^"]+", error="invalid_token"/);
    assert.doesNotMatch(challenge, /^Bearer [^,]*, error=/);
    // The same key's token for /secure itself works.
    const forSecure = await client.clientCredentialsGrant(config, { scope: 'read', resource: secure.href }, { DPoP });
    assert.equal((await client.fetchProtectedResource(config, forSecure.access_token, secure, 'GET', undefined, undefined, { DPoP })).status, 200);
  });

  test('/secure refuses a JWT issued for another resource (RFC 9068 §4)', async () => {
    const issued = (await (await token(`grant_type=client_credentials&resource=${encodeURIComponent(REPORTS)}`)).json()) as Record<string, unknown>;
    assert.equal(decodeJwt(issued.access_token as string).aud, REPORTS);
    const response = await fetch(new URL('/secure', cli.url), { headers: { authorization: `Bearer ${issued.access_token as string}` } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('a whitespace-only or whitespace-holding resource at /authorize is invalid_target sent to the client, not an error page (RFC 8707 §2, RFC 6749 §4.1.2.1)', async () => {
    for (const resource of [' ', `${MCP} ${REPORTS}`]) {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's', resource });
      const response = await fetch(new URL(`/authorize?${query}`, cli.url), { redirect: 'manual' });
      assert.equal(response.status, 302, await response.text());
      const location = new URL(response.headers.get('location') ?? '');
      assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
      assert.equal(location.searchParams.get('error'), 'invalid_target');
      assert.equal(location.searchParams.get('state'), 's');
    }
    // Until the redirect URI is trusted, nothing goes to it (RFC 6749 §4.1.2.1).
    const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: 'https://attacker.example.com/cb', resource: ' ' });
    const page = await fetch(new URL(`/authorize?${query}`, cli.url), { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.equal(page.headers.get('location'), null);
  });

  test('config: a resource that is not an absolute URI without fragment, or listed twice, is refused naming the field', () => {
    const bad = (resources: unknown) => () => validateConfig({ store: 'memory', resources });
    assert.throws(bad([{ uri: '/mcp', scope: 'read' }]), (err: unknown) => err instanceof ConfigError && err.field === 'config.resources[0].uri');
    assert.throws(bad([{ uri: `${MCP}#x`, scope: 'read' }]), (err: unknown) => err instanceof ConfigError && err.field === 'config.resources[0].uri');
    assert.throws(bad([{ uri: MCP, scope: 'read' }, { uri: MCP, scope: 'write' }]), (err: unknown) => err instanceof ConfigError && err.field === 'config.resources[1].uri');
    assert.throws(bad([{ uri: MCP, scope: 'read', accessTokenFormat: 'paseto' }]), (err: unknown) => err instanceof ConfigError && err.field === 'config.resources[0].accessTokenFormat');
  });
});

describe('tollgate serve with JWT access tokens: /secure checks the audience (RFC 9068 §4, RFC 8707 §2)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ accessTokenFormat: 'jwt', resources: [{ uri: MCP, scope: 'read' }] }));
  });
  after(() => cli.stop());

  test('a JWT for the MCP server only is refused at /secure; an unbound one, or one whose aud includes /secure, is accepted', async () => {
    const secure = `${cli.url}/secure`;
    const cases: Array<[string, number]> = [
      ['', 200],
      [`&resource=${encodeURIComponent(secure)}`, 200],
      [`&resource=${encodeURIComponent(MCP)}&resource=${encodeURIComponent(secure)}`, 200],
      [`&resource=${encodeURIComponent(MCP)}`, 401],
    ];
    for (const [resource, status] of cases) {
      const issued = await fetch(new URL('/oauth/token', cli.url), {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials${resource}`,
      });
      const { access_token: accessToken } = (await issued.json()) as { access_token: string };
      decodeJwt(accessToken);
      const response = await fetch(secure, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(response.status, status, `resource${resource}: ${await response.text()}`);
      if (status === 401) assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });
});
