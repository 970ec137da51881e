/** `tollgate serve` over HTTP: every endpoint and grant, against a server started by the CLI. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, postToken } from '../helpers/app-agent.js';

const SKYVAULT = ['SkyVaultapp', 'secret'] as const;

describe('tollgate serve: endpoints and grants', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  const secure = (token: string) => fetch(new URL('/secure', cli.url), { headers: { authorization: `Bearer ${token}` } });

  test('metadata names every endpoint under the printed URL (RFC 8414 §3)', async () => {
    const response = await fetch(new URL('/.well-known/oauth-authorization-server', cli.url));
    assert.equal(response.status, 200);
    const metadata = (await response.json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, cli.url);
    assert.equal(metadata.authorization_endpoint, `${cli.url}/authorize`);
    assert.equal(metadata.token_endpoint, `${cli.url}/oauth/token`);
    assert.equal(metadata.revocation_endpoint, `${cli.url}/oauth/revoke`);
    assert.equal(metadata.introspection_endpoint, `${cli.url}/oauth/introspect`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok((metadata.grant_types_supported as string[]).includes('external_token'));
  });

  test('the JWKS is an empty key set with opaque tokens', async () => {
    const response = await fetch(new URL('/.well-known/jwks.json', cli.url));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { keys: [] });
  });

  test('/health answers ok after a store round trip', async () => {
    const response = await fetch(new URL('/health', cli.url));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('password grant issues a bearer token that opens /secure (RFC 6749 §4.3, RFC 6750)', async () => {
    const { status, headers, json } = await postToken(cli.url, { grant_type: 'password', username: 'admin', password: 'tiger' }, SKYVAULT);
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.equal(json.token_type, 'Bearer');
    const response = await secure(json.access_token as string);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'Secure Hello!');
  });

  test('a wrong password is invalid_grant (RFC 6749 §5.2)', async () => {
    const { status, json } = await postToken(cli.url, { grant_type: 'password', username: 'admin', password: 'nope' }, SKYVAULT);
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_grant');
  });

  test('a wrong client secret is invalid_client with a Basic challenge (RFC 6749 §5.2)', async () => {
    const { status, headers, json } = await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'wrong']);
    assert.equal(status, 401);
    assert.equal(json.error, 'invalid_client');
    assert.match(headers.get('www-authenticate') ?? '', /^Basic /);
  });

  test('client credentials grant (RFC 6749 §4.4)', async () => {
    const { status, json } = await postToken(cli.url, { grant_type: 'client_credentials', scope: 'read' }, SKYVAULT);
    assert.equal(status, 200);
    assert.equal(json.refresh_token, undefined);
    assert.equal((await secure(json.access_token as string)).status, 200);
  });

  test('refresh rotates the refresh token; the old one is then refused (RFC 6749 §6, RFC 9700 §4.14.2)', async () => {
    const first = await postToken(cli.url, { grant_type: 'password', username: 'admin', password: 'tiger' }, SKYVAULT);
    const refreshed = await postToken(cli.url, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string }, SKYVAULT);
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.json.refresh_token, first.json.refresh_token);
    const reused = await postToken(cli.url, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string }, SKYVAULT);
    assert.equal(reused.status, 400);
    assert.equal(reused.json.error, 'invalid_grant');
  });

  test('revocation ends the token and introspection reports it inactive (RFC 7009 §2, RFC 7662 §2.2)', async () => {
    const { json } = await postToken(cli.url, { grant_type: 'client_credentials' }, SKYVAULT);
    const token = json.access_token as string;
    const active = await postToken(cli.url, { token }, SKYVAULT, '/oauth/introspect');
    assert.equal(active.status, 200);
    assert.equal(active.json.active, true);
    assert.equal(active.json.client_id, 'SkyVaultapp');
    const revoked = await postToken(cli.url, { token }, SKYVAULT, '/oauth/revoke');
    assert.equal(revoked.status, 200);
    assert.deepEqual((await postToken(cli.url, { token }, SKYVAULT, '/oauth/introspect')).json, { active: false });
    const response = await secure(token);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('/secure without a token answers the bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const response = await fetch(new URL('/secure', cli.url));
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    assert.doesNotMatch(response.headers.get('www-authenticate') ?? '', /error=/);
  });

  test('authorization code with PKCE through the pages, then the token request (RFC 6749 §4.1, RFC 7636)', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const agent = createAgent(cli.url);
    const redirect = await authorizeThroughPages(agent, {
      response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example.com/cb', state: 'st-1', scope: 'read',
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    assert.equal(redirect.status, 303);
    const location = new URL(redirect.location ?? '');
    assert.equal(location.origin + location.pathname, 'https://spa.example.com/cb');
    assert.equal(location.searchParams.get('state'), 'st-1');
    assert.equal(location.searchParams.get('iss'), cli.url);
    const code = location.searchParams.get('code') ?? '';
    const token = await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: 'https://spa.example.com/cb', client_id: 'spa', code_verifier: verifier });
    assert.equal(token.status, 200);
    assert.equal((await secure(token.json.access_token as string)).status, 200);
    const replay = await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: 'https://spa.example.com/cb', client_id: 'spa', code_verifier: verifier });
    assert.equal(replay.json.error, 'invalid_grant');
  });

  test('implicit grant returns the token in the fragment (RFC 6749 §4.2.2)', async () => {
    const redirect = await authorizeThroughPages(createAgent(cli.url), { response_type: 'token', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'imp' });
    assert.equal(redirect.status, 303);
    const location = new URL(redirect.location ?? '');
    assert.equal(location.search, '');
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.equal(fragment.get('state'), 'imp');
    assert.equal(fragment.get('token_type'), 'Bearer');
    assert.equal((await secure(fragment.get('access_token') ?? '')).status, 200);
  });

  test('external_token without an upstream imports the token once the resource owner checks out (seed 002)', async () => {
    const imported = `ext-${randomBytes(16).toString('base64url')}`;
    const bad = await postToken(cli.url, { grant_type: 'external_token', username: 'admin', password: 'wrong', access_token: imported }, SKYVAULT);
    assert.equal(bad.json.error, 'invalid_grant');
    const { status, json } = await postToken(cli.url, { grant_type: 'external_token', username: 'admin', password: 'tiger', access_token: imported, refresh_token: `${imported}-r` }, SKYVAULT);
    assert.equal(status, 200);
    assert.equal(json.access_token, imported);
    assert.equal((await secure(imported)).status, 200);
  });

  test('a GET to the token endpoint is refused with 405 (RFC 6749 §3.2)', async () => {
    const response = await fetch(new URL('/oauth/token', cli.url));
    assert.equal(response.status, 405);
    assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_request');
  });

  test('a JSON body to the token endpoint is invalid_request, not parsed (RFC 6749 §3.2)', async () => {
    const response = await fetch(new URL('/oauth/token', cli.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}` },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_request');
  });

  test('a repeated parameter in the form body is refused (RFC 6749 §3.2)', async () => {
    const response = await fetch(new URL('/oauth/token', cli.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}` },
      body: 'grant_type=client_credentials&scope=read&scope=write',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_request');
  });

  test('a body over the limit is refused with 413 and an RFC 6749 §5.2 body', async () => {
    const response = await fetch(new URL('/oauth/token', cli.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'x'.repeat(200 * 1024)}`,
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_request');
  });
});
