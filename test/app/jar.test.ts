/**
 * Signed request objects (JAR, RFC 9101) on `tollgate serve`, driven by openid-client's
 * `buildAuthorizationUrlWithJAR`, by value and pushed (RFC 9126 §3), in Chromium on SQLite; and a
 * DPoP proof at the PAR endpoint binding the code (RFC 9449 §10.1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import type { Browser } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { startCli, tempDir } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent } from '../helpers/app-agent.js';
import { launchChromium } from '../helpers/app-browser.js';
import { admin } from '../helpers/fixtures.js';

const browser: Browser | undefined = await launchChromium();

describe('JAR: openid-client request objects, by value and through PAR, in Chromium, on SQLite', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let config: client.Configuration;
  let signingKey: { key: CryptoKey; kid: string };
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
    signingKey = { key: privateKey, kid: 'rp-1' };
    const rp = {
      client_id: 'signed-rp',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'rp-1', alg: 'ES256', use: 'sig' }] },
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read',
      request_object_signing_alg: 'ES256',
      require_signed_request_object: true,
    };
    cli = await startCli({ store: `sqlite:${join(tempDir(), 'jar.db')}`, clients: [rp], users: [admin] });
    config = await client.discovery(new URL(cli.url), 'signed-rp', {}, client.PrivateKeyJwt(signingKey), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
  });
  after(async () => {
    await browser?.close();
    await cli?.stop();
    await new Promise((resolve) => callbackServer.close(resolve));
  });

  /** The code request's parameters with PKCE and state; the verifier to redeem the code. */
  async function codeRequest(state: string): Promise<{ parameters: Record<string, string>; verifier: string }> {
    const verifier = client.randomPKCECodeVerifier();
    const parameters = { redirect_uri: redirectUri, scope: 'read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
    return { parameters, verifier };
  }

  /** Signs in and allows in Chromium; the callback URL the client received. */
  async function throughChromium(url: URL): Promise<URL> {
    const page = await (browser as Browser).newPage();
    await page.goto(url.href);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.href.startsWith(redirectUri) || u.pathname === '/authorize');
    // A consent the person gave before for this client and scope is remembered: no page then.
    if (!page.url().startsWith(redirectUri)) {
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${redirectUri}**`);
    }
    await page.close();
    return new URL(callbacks.filter((u) => u.startsWith(`${redirectUri}?`)).at(-1) ?? '');
  }

  test('metadata: request objects by value, the signing algorithms, request_uri only from PAR (RFC 9101 §10.5)', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.request_parameter_supported, true);
    assert.equal(metadata.request_uri_parameter_supported, false);
    assert.ok((metadata.request_object_signing_alg_values_supported as string[]).includes('ES256'));
  });

  test('buildAuthorizationUrlWithJAR: sign in and consent in Chromium, the code redeems; the same request object again is refused (RFC 9101 §10.1)', async () => {
    const { parameters, verifier } = await codeRequest('jar-state');
    const url = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey);
    // RFC 9101 §5: by value, the browser carries only client_id and the signed request.
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request']);
    const callback = await throughChromium(url);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'jar-state' });
    assert.ok(tokens.access_token);

    const again = await createAgent(cli.url).get(`${url.pathname}${url.search}`);
    assert.equal(again.status, 400);
    assert.equal(again.location, undefined);
    assert.match(again.body, /invalid_request_object|already been used/);
  });

  test('JAR through PAR with a DPoP proof: Chromium, then the code redeems only with that DPoP key (RFC 9126 §3, RFC 9449 §10.1)', async () => {
    const { parameters, verifier } = await codeRequest('par-jar-state');
    const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey);
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const url = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const callback = await throughChromium(url);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'par-jar-state' }, undefined, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
  });

  test('a code pushed with a DPoP proof is refused when exchanged without one (RFC 9449 §10.1)', async () => {
    const { parameters, verifier } = await codeRequest('bound');
    const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey);
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const url = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP });
    const redirect = await authorizeThroughPages(createAgent(cli.url), Object.fromEntries(url.searchParams));
    assert.ok(redirect.location?.startsWith(`${redirectUri}?code=`), redirect.body);
    await assert.rejects(client.authorizationCodeGrant(config, new URL(redirect.location ?? ''), { pkceCodeVerifier: verifier, expectedState: 'bound' }), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
  });

  test('require_signed_request_object: a plain authorization request is refused (RFC 9101 §10.5)', async () => {
    const { parameters } = await codeRequest('plain');
    const url = client.buildAuthorizationUrl(config, parameters);
    const answer = await createAgent(cli.url).get(`${url.pathname}${url.search}`);
    const location = new URL(answer.location ?? 'http://none');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.has('code'), false);
  });
});
