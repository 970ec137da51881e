/**
 * A browser app on another origin (a public client, RFC 8252 §8 / OAuth for browser-based apps):
 * in Chromium, the person signs in on tollgate's pages, and the app's page itself reads the
 * metadata and redeems the code with fetch, which only CORS (config `cors.origins`) allows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { startCli } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/app-browser.js';
import { admin } from '../helpers/fixtures.js';

const browser: Browser | undefined = await launchChromium();

/** The app's own origin: a page at /cb that the authorization server redirects back to. */
const app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title><p>app'));

describe('a browser app on another origin (Chromium)', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let appOrigin: string;
  before(async () => {
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    cli = await startCli({
      store: 'memory',
      users: [admin],
      clients: [{ client_id: 'browser-app', client_name: 'Browser App', redirect_uris: [`${appOrigin}/cb`], grant_types: ['authorization_code', 'refresh_token'], scope: 'read' }],
      cors: { origins: [appOrigin] },
    });
  });
  after(async () => {
    await browser?.close();
    await cli?.stop();
    await new Promise((resolve) => app.close(resolve));
  });

  test('completes discovery and the token request for a public client from its own origin', async () => {
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code', client_id: 'browser-app', redirect_uri: `${appOrigin}/cb`, scope: 'read', state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    await page.goto(`${cli.url}/authorize?${query}`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${appOrigin}/cb?**`);
    const code = new URL(page.url()).searchParams.get('code') ?? '';

    // Now the app's page, on its own origin, talks to the authorization server.
    const result = await page.evaluate(
      async ({ issuer, code, verifier, redirectUri }) => {
        const metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string };
        const response = await fetch(metadata.token_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'browser-app', code_verifier: verifier }),
        });
        return { origin: (globalThis as unknown as { location: { origin: string } }).location.origin, status: response.status, body: (await response.json()) as Record<string, unknown> };
      },
      { issuer: cli.url, code, verifier, redirectUri: `${appOrigin}/cb` },
    );
    assert.equal(result.origin, appOrigin);
    assert.notEqual(result.origin, cli.url);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(typeof result.body.access_token, 'string');
    assert.equal(typeof result.body.refresh_token, 'string');
    await context.close();
  });
});
