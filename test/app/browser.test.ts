/** The pages in real headless Chromium: sign in, consent, the redirect, Deny, a wrong password, the error page, remembered consent. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';
import { launchChromium } from '../helpers/app-browser.js';

const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');
const browser: Browser | undefined = await launchChromium();

/** The client's side: a redirect URI on a local server that records every URL the browser was sent to. */
const callbacks: string[] = [];
const client = createServer((req, res) => {
  callbacks.push(`http://127.0.0.1:${(client.address() as AddressInfo).port}${req.url ?? ''}`);
  res.writeHead(200, { 'content-type': 'text/plain' }).end('client callback');
});

describe('pages in Chromium', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let context: BrowserContext;
  let redirectUri: string;
  // The browser also asks the client's server for a favicon: only the redirect URI counts.
  const lastCallback = () => new URL(callbacks.filter((url) => url.startsWith(`${redirectUri}?`)).at(-1) ?? '');
  const verifier = randomBytes(32).toString('base64url');
  const authorizeUrl = (params: Record<string, string> = {}) =>
    `${cli.url}/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: redirectUri, scope: 'read write', state: 'browser-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...params,
    })}`;

  before(async () => {
    await new Promise<void>((resolve) => client.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(client.address() as AddressInfo).port}/cb`;
    const clients = (demoConfig().clients as Array<Record<string, unknown>>).map((c) => ({ ...c, redirect_uris: [redirectUri] }));
    cli = await startCli(demoConfig({ clients }));
    context = await (browser as Browser).newContext({ viewport: { width: 800, height: 640 } });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await cli?.stop();
    await new Promise((resolve) => client.close(resolve));
  });

  test('authorization code with PKCE, page by page: sign in, consent, Allow, redirect, token, /secure', async () => {
    const page = await context.newPage();
    await page.goto(authorizeUrl());
    await page.screenshot({ path: join(SCREENSHOTS, 'login.png') });
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.match(await page.textContent('h1') ?? '', /SkyVault wants to access your account/);
    assert.deepEqual(await page.locator('.scopes code').allTextContents(), ['read', 'write']);
    await page.screenshot({ path: join(SCREENSHOTS, 'consent.png') });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}**`);

    const location = lastCallback();
    assert.equal(location.searchParams.get('state'), 'browser-state');
    assert.equal(location.searchParams.get('iss'), cli.url);
    const token = await postToken(
      cli.url,
      { grant_type: 'authorization_code', code: location.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier },
      ['SkyVaultapp', 'secret'],
    );
    assert.equal(token.status, 200);
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token.json.access_token as string}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    await page.close();
  });

  test('a returning user who already granted these scopes goes straight back to the client', async () => {
    const page = await context.newPage();
    await page.goto(authorizeUrl({ scope: 'read', state: 'returning' }));
    await page.waitForURL(`${redirectUri}**`);
    const location = lastCallback();
    assert.equal(location.searchParams.get('state'), 'returning');
    assert.ok(location.searchParams.get('code'));
    await page.close();
  });

  test('Deny sends the person back with error=access_denied (RFC 6749 §4.1.2.1)', async () => {
    const fresh = await (browser as Browser).newContext();
    const page = await fresh.newPage();
    // Another client: admin's consent to SkyVault is remembered by now.
    await page.goto(authorizeUrl({ client_id: 'spa', state: 'denied' }));
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${redirectUri}**`);
    const location = lastCallback();
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'denied');
    await fresh.close();
  });

  test('a wrong password keeps the person on the sign-in page with a message', async () => {
    const fresh = await (browser as Browser).newContext();
    const page = await fresh.newPage();
    await page.goto(authorizeUrl());
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal((await page.getByRole('alert').textContent())?.trim(), 'Incorrect username or password.');
    assert.equal(await page.getByLabel('Username').inputValue(), 'admin');
    assert.equal(await page.getByLabel('Password').inputValue(), '');
    await fresh.close();
  });

  test('an unregistered redirect URI gets an error page, and the browser goes nowhere else (RFC 6749 §4.1.2.1)', async () => {
    const page = await context.newPage();
    let leaked = false;
    await page.route('https://evil.example/**', (route) => ((leaked = true), route.abort()));
    const response = await page.goto(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
    assert.equal(response?.status(), 400);
    assert.equal(new URL(page.url()).origin, cli.url);
    assert.match(await page.textContent('h1') ?? '', /This request cannot be completed/);
    assert.match(await page.getByRole('alert').textContent() ?? '', /redirect_uri is not registered/);
    assert.equal(leaked, false);
    await page.screenshot({ path: join(SCREENSHOTS, 'error.png') });
    await page.close();
  });
});
