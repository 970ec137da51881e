/**
 * Pushed authorization requests (RFC 9126) and `profile: "fapi2"` on `tollgate serve`, driven by
 * openid-client's `buildAuthorizationUrlWithPAR`: in Chromium on SQLite with private_key_jwt, and
 * through the pages with a client secret.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import type { Browser } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent } from '../helpers/app-agent.js';
import { launchChromium } from '../helpers/app-browser.js';
import { admin, skyvault } from '../helpers/fixtures.js';

const browser: Browser | undefined = await launchChromium();

/** openid-client for a server at `url`. */
function discover(url: string, clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(url), clientId, {}, auth, { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
}

/** A code request with PKCE, pushed by openid-client (RFC 9126 §2); the verifier to redeem it. */
async function pushedUrl(config: client.Configuration, redirectUri: string, state: string): Promise<{ url: URL; verifier: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: 'read',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier };
}

describe('profile "fapi2": openid-client PAR + PKCE + private_key_jwt in Chromium, on SQLite', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let config: client.Configuration;
  let redirectUri: string;
  const callbacks: string[] = [];
  const callbackServer = createServer((req, res) => {
    callbacks.push(`${redirectUri.replace(/\/cb$/, '')}${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('client callback');
  });

  before(async () => {
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/cb`;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bank-1', alg: 'ES256', use: 'sig' };
    const bank = {
      client_id: 'bank',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read',
    };
    cli = await startCli({ store: `sqlite:${join(tempDir(), 'par.db')}`, profile: 'fapi2', clients: [bank], users: [admin] });
    config = await discover(cli.url, 'bank', client.PrivateKeyJwt({ key: privateKey, kid: 'bank-1' }));
  });
  after(async () => {
    await browser?.close();
    await cli?.stop();
    await new Promise((resolve) => callbackServer.close(resolve));
  });

  test('metadata: PAR endpoint, PAR required, S256 only, private_key_jwt only (RFC 9126 §5, FAPI 2.0)', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.pushed_authorization_request_endpoint, `${cli.url}/oauth/par`);
    assert.equal(metadata.require_pushed_authorization_requests, true);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  });

  test('buildAuthorizationUrlWithPAR: sign in and consent in Chromium, the code redeems, /secure answers; the request_uri works once', async () => {
    const { url, verifier } = await pushedUrl(config, redirectUri, 'fapi-state');
    // RFC 9126 §4: the browser carries only client_id and request_uri.
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const page = await (browser as Browser).newPage();
    await page.goto(url.href);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}**`);
    const callback = new URL(callbacks.filter((u) => u.startsWith(`${redirectUri}?`)).at(-1) ?? '');
    // FAPI 2.0 §5.3.2.1: sender-constrained tokens only. Without a proof the code is refused...
    await assert.rejects(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'fapi-state' }),
      (err: unknown) => err instanceof client.ResponseBodyError && err.error === 'invalid_request' && /DPoP proof/.test(err.error_description ?? ''),
    );
    // ...and with one the token is DPoP-bound: it answers at /secure with a proof and not as a bearer token.
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'fapi-state' }, undefined, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const secure = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${cli.url}/secure`), 'GET', undefined, undefined, { DPoP });
    assert.equal(await secure.text(), 'Secure Hello!');
    const asBearer = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401);

    // The same request_uri again: refused on a page, nothing sent to the client.
    const before = callbacks.length;
    const again = await page.goto(url.href);
    assert.equal(again?.status(), 400);
    assert.match((await page.textContent('body')) ?? '', /request_uri/);
    assert.equal(callbacks.length, before);
    await page.close();
  });

  test('an authorization request that was not pushed is refused (RFC 9126 §5, FAPI 2.0 §5.3.2.2)', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'read',
      state: 'plain',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const answer = await createAgent(cli.url).get(`${url.pathname}${url.search}`);
    const location = new URL(answer.location ?? 'http://none');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.has('code'), false);
  });

  test('a pushed request without PKCE is refused at the PAR endpoint (FAPI 2.0: PKCE S256 required)', async () => {
    await assert.rejects(client.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'read' }), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_request');
      assert.equal(err.status, 400);
      return true;
    });
  });
});

describe('require_pushed_authorization_requests on a client (RFC 9126 §6), client_secret_basic', () => {
  let cli: RunningCli;
  let config: client.Configuration;

  before(async () => {
    cli = await startCli(demoConfig({ clients: [{ ...skyvault, require_pushed_authorization_requests: true }] }));
    config = await discover(cli.url, 'SkyVaultapp', client.ClientSecretBasic('secret'));
  });
  after(() => cli.stop());

  test('refused at /authorize without PAR; with buildAuthorizationUrlWithPAR the code flow completes', async () => {
    const plain = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'read', state: 's' });
    const refused = await authorizeThroughPages(createAgent(cli.url), Object.fromEntries(plain.searchParams));
    assert.equal(new URL(refused.location ?? 'http://none').searchParams.get('error'), 'invalid_request');

    const { url, verifier } = await pushedUrl(config, REDIRECT_URI, 'pushed');
    const agent = createAgent(cli.url);
    const redirect = await authorizeThroughPages(agent, Object.fromEntries(url.searchParams));
    assert.ok(redirect.location?.startsWith(`${REDIRECT_URI}?code=`), redirect.body);
    const tokens = await client.authorizationCodeGrant(config, new URL(redirect.location ?? ''), { pkceCodeVerifier: verifier, expectedState: 'pushed' });
    assert.ok(tokens.access_token);
    // RFC 9126 §4: used once.
    const again = await agent.get(`/authorize?${url.searchParams}`);
    assert.equal(again.status, 400);
    assert.equal(again.location, undefined);
  });
});

describe('profile "fapi2" refuses at start what the profile forbids, naming the field', () => {
  for (const [name, config, message] of [
    ['a client_secret client', demoConfig({ profile: 'fapi2', clients: [{ ...skyvault, grant_types: ['authorization_code'] }] }), /config\.clients\[0\]\.token_endpoint_auth_method: must be "private_key_jwt"/],
    ['a code lifetime over 60 s', demoConfig({ profile: 'fapi2', clients: [], authorizationCodeTtl: 600 }), /config\.authorizationCodeTtl/],
    ['an unknown profile', demoConfig({ profile: 'fapi1' }), /config\.profile/],
  ] as const) {
    test(name, async () => {
      const result = await runCli(['serve', '--config', writeConfig(config), '--port', '0']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
    });
  }
});
