/** Dynamic client registration (RFC 7591, RFC 7592) on `tollgate serve`, driven by openid-client. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli, tempDir } from '../helpers/app-server.js';
import { openIdClientCodeFlow } from '../helpers/app-agent.js';

const INITIAL = 'an-initial-access-token-for-registration';
const CALLBACK = 'https://app.example.com/cb';

describe('tollgate serve: dynamic client registration', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ registration: { enabled: true, initialAccessToken: INITIAL }, rateLimit: { registrationPerIp: { max: 6, windowSeconds: 3600 } } }));
  });
  after(() => cli.stop());

  test('openid-client\'s dynamicClientRegistration registers a client that completes the code flow with PKCE and refresh', async () => {
    const config = await client.dynamicClientRegistration(
      new URL(cli.url),
      // openid-client sends the secret in the form unless told otherwise.
      { redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'], scope: 'read', token_endpoint_auth_method: 'client_secret_post' },
      undefined,
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests], initialAccessToken: INITIAL },
    );
    const metadata = config.clientMetadata();
    assert.equal(typeof metadata.client_id, 'string');
    assert.equal(typeof metadata.client_secret, 'string');
    assert.equal(config.serverMetadata().registration_endpoint, `${cli.url}/oauth/register`);

    const tokens = await openIdClientCodeFlow(config, cli.url, CALLBACK);
    assert.equal(tokens.scope ?? 'read', 'read');
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    assert.notEqual(refreshed.access_token, tokens.access_token);
  });

  test('RFC 7592 read, update and delete over HTTP; the deleted client can no longer get tokens', async () => {
    const { body, tokenRequest } = await registerClientCredentialsClient(cli.url);
    const auth = { authorization: `Bearer ${body.registration_access_token}` };
    const read = await fetch(body.registration_client_uri ?? '', { headers: auth });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as Record<string, unknown>).client_secret, undefined);
    const updated = await fetch(body.registration_client_uri ?? '', {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: body.client_id, client_secret: body.client_secret, grant_types: ['client_credentials'], scope: 'read write' }),
    });
    assert.equal(updated.status, 200);
    assert.equal(((await updated.json()) as Record<string, unknown>).scope, 'read write');
    const issued = await tokenRequest();
    assert.equal(issued.status, 200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    assert.equal((await fetch(body.registration_client_uri ?? '', { method: 'DELETE', headers: auth })).status, 204);
    assert.equal((await tokenRequest()).status, 401);
    await assertTokenRefused(cli.url, token);
  });

  test('invalid registrations get invalid_redirect_uri and invalid_client_metadata', async () => {
    const post = (metadata: unknown) =>
      fetch(`${cli.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` }, body: JSON.stringify(metadata) });
    const badUri = await post({ redirect_uris: ['http://app.example.com/cb'] });
    assert.equal(badUri.status, 400);
    assert.equal(((await badUri.json()) as Record<string, unknown>).error, 'invalid_redirect_uri');
    const badGrant = await post({ redirect_uris: [CALLBACK], grant_types: ['password'] });
    assert.equal(badGrant.status, 400);
    assert.equal(((await badGrant.json()) as Record<string, unknown>).error, 'invalid_client_metadata');
  });

  test('registration is rate limited per IP address (RFC 7591 §5)', async () => {
    let status = 0;
    for (let i = 0; i < 8 && status !== 429; i++) {
      status = (await fetch(`${cli.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` }, body: '{}' })).status;
    }
    assert.equal(status, 429);
  });
});

/** Registers a client_credentials client (RFC 7591 §3.1); its registration and a token request with its secret in Basic. */
async function registerClientCredentialsClient(url: string): Promise<{ body: Record<string, string>; tokenRequest: () => Promise<Response> }> {
  const registered = await fetch(`${url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
    body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'read' }),
  });
  assert.equal(registered.status, 201);
  const body = (await registered.json()) as Record<string, string>;
  const basic = `Basic ${Buffer.from(`${body.client_id}:${body.client_secret}`).toString('base64')}`;
  const tokenRequest = () =>
    fetch(`${url}/oauth/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  return { body, tokenRequest };
}

/** RFC 7592 §2.3: a deleted client's access token no longer passes the bearer check. */
async function assertTokenRefused(url: string, token: string): Promise<void> {
  const secure = await fetch(`${url}/secure`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(secure.status, 401, 'the deleted client\'s token is refused');
  assert.match(secure.headers.get('www-authenticate') ?? '', /invalid_token/);
}

describe('tollgate serve on SQLite: deleting a client through RFC 7592 revokes its tokens (§2.3)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ store: `sqlite:${join(tempDir(), 'registration.db')}`, registration: { enabled: true, initialAccessToken: INITIAL } }));
  });
  after(() => cli.stop());

  test("the deleted client's access token is refused at /secure, and it gets no new one", async () => {
    const { body, tokenRequest } = await registerClientCredentialsClient(cli.url);
    const { access_token: token } = (await (await tokenRequest()).json()) as { access_token: string };
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const deleted = await fetch(body.registration_client_uri ?? '', { method: 'DELETE', headers: { authorization: `Bearer ${body.registration_access_token}` } });
    assert.equal(deleted.status, 204);
    await assertTokenRefused(cli.url, token);
    assert.equal((await tokenRequest()).status, 401);
  });
});
