/**
 * Branded pages in Chromium: the product name and logo instead of "tollgate", the primary colour
 * actually applied (the CSP hash covers the changed stylesheet, or Chromium would drop it), images
 * allowed from the logo's origin only, and scope descriptions beside the raw scopes on consent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/app-browser.js';

const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');
const REDIRECT = 'http://127.0.0.1:9/cb';
const browser: Browser | undefined = await launchChromium();

const branding = { productName: 'Acme Files <Beta>', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#0f766e' };
const scopeDescriptions = { read: 'Read your files', write: 'Change and delete your files' };

describe('branded pages in Chromium', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let context: BrowserContext;
  const cspViolations: string[] = [];
  const authorizeUrl = () =>
    `${cli.url}/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT, scope: 'read write', state: 's',
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'), code_challenge_method: 'S256',
    })}`;

  before(async () => {
    const clients = (demoConfig().clients as Array<Record<string, unknown>>).map((c) => ({ ...c, redirect_uris: [REDIRECT] }));
    cli = await startCli(demoConfig({ clients, branding, scopeDescriptions }));
    context = await (browser as Browser).newContext({ viewport: { width: 800, height: 640 } });
    // The logo's host does not exist here: answer it as a CDN would, so the page is whole.
    await context.route('https://cdn.acme.example/**', (route) =>
      route.fulfill({ contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#0f766e"/></svg>' }),
    );
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await cli?.stop();
  });

  test('sign-in: the product name (escaped) and logo replace "tollgate", the colour applies, the CSP allows only the logo origin', async () => {
    const page = await context.newPage();
    const response = await page.goto(authorizeUrl());
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /img-src https:\/\/cdn\.acme\.example;/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|script-src/);
    assert.equal(await page.locator('.brand').textContent(), 'Acme Files <Beta>');
    assert.equal(await page.title(), 'Sign in · Acme Files <Beta>');
    assert.doesNotMatch(await page.content(), /tollgate/i);
    assert.equal(await page.evaluate("document.querySelector('.brand img').naturalWidth"), 32, 'the logo loaded under the CSP');
    const background = await page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor");
    assert.equal(background, 'rgb(15, 118, 110)', 'the stylesheet with #0f766e was applied, so its hash is in the CSP');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.deepEqual(cspViolations, []);
    await page.close();
  });

  // Signed in by the test above (same browser context).
  test('consent: each scope shows its description beside the raw scope name', async () => {
    const page = await context.newPage();
    await page.goto(authorizeUrl());
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.deepEqual(await page.locator('.scopes .description').allTextContents(), ['Read your files', 'Change and delete your files']);
    assert.deepEqual(await page.locator('.scopes code').allTextContents(), ['read', 'write']);
    const background = await page.evaluate("getComputedStyle(document.querySelector('button[value=allow]')).backgroundColor");
    assert.equal(background, 'rgb(15, 118, 110)');
    await page.screenshot({ path: join(SCREENSHOTS, 'consent-branded.png') });
    assert.deepEqual(cspViolations, []);
    await page.close();
  });
});
