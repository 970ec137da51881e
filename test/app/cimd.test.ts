/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document) on `tollgate serve`:
 * openid-client uses a URL as its client_id, served by a local document server (allowed with the
 * test-only `allowPrivateNetworks`), and completes the code flow; bad documents are refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, hiddenField, postToken } from '../helpers/app-agent.js';
import type { DocumentServer } from '../helpers/document-server.js';
import { startDocumentServer } from '../helpers/document-server.js';

/** A public client's metadata document, served at `path` of the document server. */
function document(docs: DocumentServer, path: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: `${docs.url}${path}`,
    client_name: 'Totally Legit Bank',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...fields,
  };
}

/** An authorization request of `clientId` with PKCE, as query parameters. */
async function authorizationQuery(clientId: string): Promise<{ query: Record<string, string>; verifier: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const query = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'read',
    state: 'st',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  return { query, verifier };
}

/** A post-logout redirect URI a metadata document lists (RP-Initiated Logout 1.0 §3.1). */
const SIGNED_OUT = 'https://client.example.com/signed-out';

describe('client ID metadata documents on tollgate serve (allowPrivateNetworks, a local document server)', () => {
  let cli: RunningCli;
  let docs: DocumentServer;

  before(async () => {
    docs = await startDocumentServer();
    docs.route('/client.json', { json: document(docs, '/client.json') });
    docs.route('/impostor.json', { json: document(docs, '/impostor.json', { client_id: `${docs.url}/client.json` }) });
    docs.route('/secret.json', { json: document(docs, '/secret.json', { token_endpoint_auth_method: 'client_secret_basic' }) });
    docs.route('/bad-redirect.json', { json: document(docs, '/bad-redirect.json', { redirect_uris: ['http://evil.example/cb'] }) });
    docs.route('/logout-client.json', { json: document(docs, '/logout-client.json', { post_logout_redirect_uris: [SIGNED_OUT] }) });
    docs.route('/managed.json', { json: document(docs, '/managed.json') });
    cli = await startCli(demoConfig({ clientIdMetadataDocuments: { enabled: true, allowPrivateNetworks: true }, registration: { enabled: true } }));
  });
  after(async () => {
    await cli.stop();
    await docs.close();
  });

  test('metadata advertises client_id_metadata_document_supported', async () => {
    const metadata = (await (await fetch(`${cli.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.client_id_metadata_document_supported, true);
  });

  test('openid-client with a URL client_id completes the code flow and refreshes; the consent page shows the redirect host', async () => {
    const clientId = `${docs.url}/client.json`;
    const config = await client.discovery(new URL(cli.url), clientId, {}, client.None(), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'read',
      state: 'st',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const agent = createAgent(cli.url);
    const login = await agent.get(`/authorize?${url.searchParams}`);
    const signedIn = await agent.post('/authorize/login', { csrf_token: hiddenField(login.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.equal(signedIn.status, 303);
    const consent = await agent.get(signedIn.location ?? '');
    // The name is the document's own claim; the host the person goes back to is what it cannot fake.
    assert.match(consent.body, /Totally Legit Bank/);
    assert.match(consent.body, /You will be sent to <strong>client\.example\.com<\/strong>/);
    const redirect = await agent.post('/authorize', { csrf_token: hiddenField(consent.body, 'csrf_token'), request: hiddenField(consent.body, 'request'), decision: 'allow' });
    assert.ok(redirect.location?.startsWith(REDIRECT_URI), redirect.body);
    const tokens = await client.authorizationCodeGrant(config, new URL(redirect.location ?? ''), { pkceCodeVerifier: verifier, expectedState: 'st' });
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    assert.notEqual(refreshed.access_token, tokens.access_token);
  });

  test("a document whose client_id is not its own URL is refused: an error page at /authorize, invalid_client at the token endpoint", async () => {
    const clientId = `${docs.url}/impostor.json`;
    const { query } = await authorizationQuery(clientId);
    const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams(query)}`);
    assert.equal(page.location, undefined);
    assert.ok(page.status >= 400 && page.status < 500, String(page.status));
    assert.match(page.body, /client_id that is not its own URL/);
    const token = await postToken(cli.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: 'v'.repeat(43) });
    assert.equal(token.status, 401);
    assert.equal(token.json.error, 'invalid_client');
  });

  test('a document asking for a symmetric secret (client_secret_basic) is refused', async () => {
    const { query } = await authorizationQuery(`${docs.url}/secret.json`);
    const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams(query)}`);
    assert.equal(page.location, undefined);
    assert.match(page.body, /token_endpoint_auth_method must be one of none, private_key_jwt/);
  });

  test('a document\'s redirect URIs are checked as registration checks them', async () => {
    const { query } = await authorizationQuery(`${docs.url}/bad-redirect.json`);
    const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams({ ...query, redirect_uri: 'http://evil.example/cb' })}`);
    assert.equal(page.location, undefined);
    assert.match(page.body, /uses http/);
  });

  test('a document that cannot be fetched is an error page and invalid_client, never a 5xx', async () => {
    const clientId = `${docs.url}/missing.json`;
    const { query } = await authorizationQuery(clientId);
    const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams(query)}`);
    assert.equal(page.location, undefined);
    assert.ok(page.status < 500);
    assert.match(page.body, /could not be fetched: .*HTTP 404/);
    const token = await postToken(cli.url, { grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId });
    assert.equal(token.status, 401);
    assert.equal(token.json.error, 'invalid_client');
    assert.match(String(token.json.error_description), /HTTP 404/);
  });

  test('a client_id URL with dot segments, a fragment or no path is refused before any fetch', async () => {
    const before = docs.hits('/client.json');
    for (const clientId of [`${docs.url}/x/../client.json`, `${docs.url}/client.json#f`, `${docs.url}/`]) {
      const { query } = await authorizationQuery(clientId);
      const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams(query)}`);
      assert.equal(page.location, undefined);
      assert.match(page.body, /client_id URL must/);
    }
    assert.equal(docs.hits('/client.json'), before);
  });

  test('RP-initiated logout: a metadata document client is sent back to a post_logout_redirect_uri its document lists (RP-Initiated Logout 1.0 §2, §3)', async () => {
    const clientId = `${docs.url}/logout-client.json`;
    const logout = (target: string) =>
      fetch(`${cli.url}/logout?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: target, state: 'bye' })}`, { redirect: 'manual' });
    const back = await logout(SIGNED_OUT);
    assert.equal(back.status, 303, await back.text());
    assert.equal(back.headers.get('location'), `${SIGNED_OUT}?state=bye`);
    // Never an open redirector: a URI the document does not list is refused on a page.
    const elsewhere = await logout('https://evil.example.com/signed-out');
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.headers.get('location'), null);
  });

  test('RP-initiated logout naming a metadata document that cannot be fetched is a 400 page, never a redirect or a 5xx', async () => {
    const query = new URLSearchParams({ client_id: `${docs.url}/missing.json`, post_logout_redirect_uri: SIGNED_OUT });
    const page = await fetch(`${cli.url}/logout?${query}`, { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.equal(page.headers.get('location'), null);
  });

  test('RFC 7592 management of a URL client_id answers 401 without fetching its metadata document', async () => {
    const uri = `${cli.url}/oauth/register?client_id=${encodeURIComponent(`${docs.url}/managed.json`)}`;
    const bearer = { authorization: `Bearer ${'a'.repeat(43)}` };
    const calls: Array<[string, RequestInit]> = [
      ['GET', {}],
      ['GET', { headers: bearer }],
      ['DELETE', { headers: bearer }],
      ['PUT', { headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ client_id: `${docs.url}/managed.json`, redirect_uris: [REDIRECT_URI] }) }],
    ];
    for (const [method, init] of calls) {
      const response = await fetch(uri, { method, ...init });
      assert.equal(response.status, 401, `${method}: ${await response.text()}`);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
    // The management endpoint reads its own registrations only: no request may make the server fetch (SSRF).
    assert.equal(docs.hits('/managed.json'), 0);
  });
});

describe('client ID metadata documents without allowPrivateNetworks', () => {
  let cli: RunningCli;
  let docs: DocumentServer;

  before(async () => {
    docs = await startDocumentServer();
    docs.route('/client.json', { json: document(docs, '/client.json') });
    cli = await startCli(demoConfig({ clientIdMetadataDocuments: true }));
  });
  after(async () => {
    await cli.stop();
    await docs.close();
  });

  test('no SSRF: a client_id on a loopback address is refused and the document server is never called', async () => {
    const port = new URL(docs.url).port;
    for (const clientId of [`https://127.0.0.1:${port}/client.json`, `https://localhost:${port}/client.json`, `${docs.url}/client.json`]) {
      const { query } = await authorizationQuery(clientId);
      const page = await authorizeThroughPages(createAgent(cli.url), query);
      assert.equal(page.location, undefined);
      assert.match(page.body, /could not be fetched: .*(non-public address|does not use https)/);
    }
    assert.equal(docs.hits('/client.json'), 0);
  });
});

describe('client ID metadata documents off (the default)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  test('a URL client_id is an unknown client and metadata does not advertise the feature', async () => {
    const metadata = (await (await fetch(`${cli.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.client_id_metadata_document_supported, undefined);
    const { query } = await authorizationQuery('https://app.example/client.json');
    const page = await createAgent(cli.url).get(`/authorize?${new URLSearchParams(query)}`);
    assert.match(page.body, /Unknown client_id/);
  });
});
