import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OAuthRequest, OAuthResponse } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { createTestServer } from '../helpers/fixtures.js';
import { basicAuth, json } from '../helpers/http.js';
import { resourceOwner } from '../helpers/flows.js';

const INITIAL = 'initial-access-token-of-32-chars-or-more';

function register(body: unknown, headers: Record<string, string> = {}): OAuthRequest {
  return { method: 'POST', url: '/oauth/register', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function manage(method: string, uri: string, token: string, body?: unknown): OAuthRequest {
  const url = new URL(uri);
  return {
    method,
    url: `${url.pathname}${url.search}`,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  };
}

async function setup(registration: { initialAccessToken?: string } = {}) {
  const { server, store } = await createTestServer({ registration: { scope: ['read', 'write'], ...registration } });
  const handle = async (request: OAuthRequest): Promise<OAuthResponse> => {
    const response = await server.handle(request);
    assert.ok(response, 'the router serves the registration endpoint');
    return response;
  };
  return { server, store, handle };
}

function assertRegistrationError(response: OAuthResponse, error: string): void {
  assert.equal(response.status, 400, response.body);
  assert.equal(json(response).error, error);
}

const WEB = { redirect_uris: ['https://app.example.com/cb'], grant_types: ['authorization_code', 'refresh_token'], client_name: 'App' };

describe('dynamic client registration (RFC 7591) and management (RFC 7592)', () => {
  it('registration_endpoint is in the metadata only when registration is on (RFC 8414 §2)', async () => {
    const off = await createTestServer();
    assert.equal(json(off.server.metadata()).registration_endpoint, undefined);
    assert.equal(await off.server.handle(register(WEB)), undefined);
    const { server } = await setup();
    assert.equal(json(server.metadata()).registration_endpoint, 'http://localhost:9191/oauth/register');
  });

  it('the server chooses the client_id; the secret and registration token are returned once and stored hashed (RFC 7591 §3.2.1, RFC 9700 §4.15)', async () => {
    const { handle, store } = await setup();
    const response = await handle(register({ ...WEB, client_id: 'admin', client_secret: 'chosen-by-client' }));
    assert.equal(response.status, 201, response.body);
    assert.equal(response.headers['Cache-Control'], 'no-store');
    const body = json(response);
    assert.notEqual(body.client_id, 'admin');
    assert.ok(typeof body.client_id === 'string' && body.client_id.length >= 20);
    assert.notEqual(body.client_secret, 'chosen-by-client');
    assert.equal(body.client_secret_expires_at, 0);
    assert.equal(typeof body.client_id_issued_at, 'number');
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(body.scope, 'read write');
    assert.equal(body.registration_access_token_hash, undefined);
    const id = body.client_id as string;
    const stored = await store.getClient(id, null);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(body.client_secret as string), 'the secret is not stored in clear');
    assert.ok(!JSON.stringify(stored).includes(body.registration_access_token as string), 'the registration access token is not stored in clear');
    assert.ok(await store.getClient(id, body.client_secret as string), 'the returned secret authenticates the client');
    // RFC 7592 §2.1: reading the registration never shows the secret again.
    const read = json(await handle(manage('GET', body.registration_client_uri as string, body.registration_access_token as string)));
    assert.equal(read.client_id, id);
    assert.equal(read.client_secret, undefined);
    assert.equal(read.registration_access_token_hash, undefined);
  });

  it('a registered confidential client gets tokens with its secret', async () => {
    const { handle, server } = await setup();
    const body = json(await handle(register({ grant_types: ['client_credentials'], scope: 'read' })));
    const token = await server.token({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(body.client_id as string, body.client_secret as string) },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200, token.body);
    assert.equal(json(token).scope, 'read');
  });

  it('invalid_redirect_uri for http on a public host, a fragment, a private-use scheme for a web client, javascript: (RFC 7591 §3.2.2, RFC 8252 §7)', async () => {
    const { handle } = await setup();
    for (const uri of ['http://app.example.com/cb', 'https://app.example.com/cb#x', 'com.example.app:/cb', 'javascript:alert(1)', 'not a uri']) {
      assertRegistrationError(await handle(register({ ...WEB, redirect_uris: [uri] })), 'invalid_redirect_uri');
    }
    assertRegistrationError(await handle(register({ ...WEB, redirect_uris: [] })), 'invalid_redirect_uri');
    // A native app may not use a scheme that is not a reverse domain name, nor http on a public host.
    for (const uri of ['myapp:/cb', 'http://app.example.com/cb']) {
      assertRegistrationError(await handle(register({ ...WEB, application_type: 'native', redirect_uris: [uri] })), 'invalid_redirect_uri');
    }
  });

  it('invalid_client_metadata for grants the server does not offer or a public client may not use, unknown auth methods, scopes not offered (RFC 7591 §3.2.2)', async () => {
    const { handle } = await setup();
    const cases: unknown[] = [
      { ...WEB, grant_types: ['urn:example:unknown'] },
      { ...WEB, grant_types: ['password'] },
      { ...WEB, grant_types: ['implicit'], response_types: ['token'] },
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
      { ...WEB, scope: 'read admin' },
      { ...WEB, response_types: ['token'] },
      { ...WEB, jwks_uri: 'not a url' },
      { ...WEB, jwks_uri: 'https://app.example.com/jwks', jwks: { keys: [] } },
      { ...WEB, application_type: 'desktop' },
      ['not', 'an', 'object'],
    ];
    for (const metadata of cases) assertRegistrationError(await handle(register(metadata)), 'invalid_client_metadata');
    const notJson = await handle({ method: 'POST', url: '/oauth/register', headers: { 'content-type': 'application/json' }, body: '{' });
    assertRegistrationError(notJson, 'invalid_client_metadata');
  });

  it('the OpenID Connect fields are registered and read back: application_type, id_token_signed_response_alg, post_logout_redirect_uris, subject_type public (Dynamic Registration 1.0 §2)', async () => {
    const { handle, store } = await setup();
    const fields = { application_type: 'web', id_token_signed_response_alg: 'ES256', post_logout_redirect_uris: ['https://app.example.com/bye'], subject_type: 'public' };
    const response = await handle(register({ ...WEB, ...fields }));
    assert.equal(response.status, 201, response.body);
    const body = json(response);
    assert.equal(body.id_token_signed_response_alg, 'ES256');
    assert.deepEqual(body.post_logout_redirect_uris, ['https://app.example.com/bye']);
    const stored = await store.getClient(body.client_id as string, null);
    assert.equal(stored && stored.id_token_signed_response_alg, 'ES256');
    assert.deepEqual(stored && stored.post_logout_redirect_uris, ['https://app.example.com/bye']);
  });

  it('invalid OpenID Connect fields are invalid_client_metadata: pairwise subject_type, none or HS256 for ID tokens, an http or fragment logout URI', async () => {
    const { handle } = await setup();
    const cases: unknown[] = [
      { ...WEB, subject_type: 'pairwise' },
      { ...WEB, id_token_signed_response_alg: 'none' },
      { ...WEB, id_token_signed_response_alg: 'HS256' },
      { ...WEB, post_logout_redirect_uris: ['http://app.example.com/bye'] },
      { ...WEB, post_logout_redirect_uris: ['https://app.example.com/bye#x'] },
      { ...WEB, post_logout_redirect_uris: 'https://app.example.com/bye' },
    ];
    for (const metadata of cases) assertRegistrationError(await handle(register(metadata)), 'invalid_client_metadata');
  });

  it('a software statement is refused (RFC 7591 §3.2.2 unapproved_software_statement)', async () => {
    const { handle } = await setup();
    assertRegistrationError(await handle(register({ ...WEB, software_statement: 'eyJ...' })), 'unapproved_software_statement');
  });

  it('with an initial access token configured, registering without it is 401 invalid_token (RFC 7591 §3)', async () => {
    const { handle } = await setup({ initialAccessToken: INITIAL });
    const refused = await handle(register(WEB));
    assert.equal(refused.status, 401);
    assert.match(refused.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
    assert.equal((await handle(register(WEB, { authorization: 'Bearer wrong-token' }))).status, 401);
    assert.equal((await handle(register(WEB, { authorization: `Bearer ${INITIAL}` }))).status, 201);
  });

  it('RFC 7592: read, update and delete need the registration access token; a wrong one or another client\'s is 401', async () => {
    const { handle, store } = await setup();
    const a = json(await handle(register(WEB)));
    const b = json(await handle(register(WEB)));
    const uri = a.registration_client_uri as string;
    const token = a.registration_access_token as string;
    assert.equal((await handle(manage('GET', uri, 'wrong'))).status, 401);
    assert.equal((await handle(manage('GET', uri, b.registration_access_token as string))).status, 401);
    assert.equal((await handle({ method: 'GET', url: new URL(uri).pathname + new URL(uri).search, headers: {} })).status, 401);

    // Update: the full metadata again, with a new redirect URI; the secret sent back stays the secret.
    const updated = await handle(manage('PUT', uri, token, { ...WEB, client_id: a.client_id, client_secret: a.client_secret, redirect_uris: ['https://app.example.com/other'] }));
    assert.equal(updated.status, 200, updated.body);
    assert.deepEqual(json(updated).redirect_uris, ['https://app.example.com/other']);
    assert.equal(json(updated).client_secret, undefined);
    assert.ok(await store.getClient(a.client_id as string, a.client_secret as string));
    // Another client's id in the body, or a secret the client chose, is refused.
    assertRegistrationError(await handle(manage('PUT', uri, token, { ...WEB, client_id: b.client_id })), 'invalid_client_metadata');
    assertRegistrationError(await handle(manage('PUT', uri, token, { ...WEB, client_id: a.client_id, client_secret: 'my-own' })), 'invalid_client_metadata');
    assertRegistrationError(await handle(manage('PUT', uri, token, { ...WEB, client_id: a.client_id, redirect_uris: ['http://evil.example.com/'] })), 'invalid_redirect_uri');

    const deleted = await handle(manage('DELETE', uri, token));
    assert.equal(deleted.status, 204);
    assert.equal(await store.getClient(a.client_id as string, null), null);
    assert.equal((await handle(manage('GET', uri, token))).status, 401);
  });

  it('a native app registers a private-use scheme and http://localhost, and may then use any port on localhost (RFC 8252 §7.1, §7.3)', async () => {
    const { handle, server } = await setup();
    const body = json(
      await handle(register({ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['com.example.app:/cb', 'http://localhost/cb'], grant_types: ['authorization_code'] })),
    );
    assert.equal(body.client_secret, undefined);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: body.client_id as string,
      redirect_uri: 'http://localhost:53117/cb',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const result = await server.authorize({ method: 'GET', url: `/authorize?${query}`, headers: {} }, { user: resourceOwner, allow: true });
    assert.equal(result.type, 'redirect');
    assert.match(result.response.headers.Location ?? '', /^http:\/\/localhost:53117\/cb\?code=/);
    // A web client registered with a loopback IP keeps the IP-only rule: localhost on another port is not its URI.
    const web = json(await handle(register({ ...WEB, redirect_uris: ['http://127.0.0.1/cb', 'http://localhost/cb'] })));
    assert.equal(web.error, 'invalid_redirect_uri');
  });

  it('turning registration on needs a model that saves and deletes clients, and scopes to give', async () => {
    await assert.rejects(createTestServer({ registration: {}, resources: [] }), (err: unknown) => err instanceof ConfigError && err.field === 'registration.scope');
  });
});
