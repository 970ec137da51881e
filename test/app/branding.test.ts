/**
 * Branded pages in Chromium (config `ui`): the product name and logo instead of "tollgate", the primary colour
 * actually applied (the CSP hash covers the changed stylesheet, or Chromium would drop it), images
 * allowed from the logo's origin only, and scope descriptions beside the raw scopes on consent, in
 * English and in German (the browser's Accept-Language); and a page replaced by a template, under the same CSP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/app-browser.js';

const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');
const REDIRECT = 'http://127.0.0.1:9/cb';
const browser: Browser | undefined = await launchChromium();

const ui = {
  productName: 'Acme Files <Beta>',
  logoUrl: 'https://cdn.acme.example/logo.svg',
  primaryColor: '#0f766e',
  scopes: { read: { en: 'Read your files', de: 'Ihre Dateien lesen' }, write: { en: 'Change and delete your files', de: 'Ihre Dateien ändern und löschen' } },
};
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#0f766e"/></svg>';

/** A browser context that answers the logo's host as a CDN would (it does not exist here) and collects CSP violations. */
async function brandedContext(browser: Browser, cspViolations: string[], locale = 'en-US'): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 800, height: 640 }, locale });
  await context.route('https://cdn.acme.example/**', (route) => route.fulfill({ contentType: 'image/svg+xml', body: LOGO }));
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return context;
}

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
    cli = await startCli(demoConfig({ clients, ui }));
    context = await brandedContext(browser as Browser, cspViolations);
  });
  after(async () => {
    await context?.close();
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
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-branded.png') });
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

describe('branded pages in German in Chromium', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let context: BrowserContext;
  const cspViolations: string[] = [];

  before(async () => {
    const clients = (demoConfig().clients as Array<Record<string, unknown>>).map((c) => ({ ...c, redirect_uris: [REDIRECT] }));
    cli = await startCli(demoConfig({ clients, ui }));
    // Chromium's locale is its Accept-Language: de-DE,de.
    context = await brandedContext(browser as Browser, cspViolations, 'de-DE');
  });
  after(async () => {
    await context?.close();
    await cli?.stop();
  });

  test('sign-in, consent (German scope descriptions) and the error page in German, branded, without a CSP violation', async () => {
    const page = await context.newPage();
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const response = await page.goto(`${cli.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT, scope: 'read write', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    assert.equal(response?.headers()['content-language'], 'de');
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.title(), 'Anmelden · Acme Files <Beta>');
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-branded-de.png') });
    await page.getByLabel('Benutzername').fill('admin');
    await page.getByLabel('Passwort').fill('tiger');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('button', { name: 'Erlauben' }).waitFor();
    assert.deepEqual(await page.locator('.scopes .description').allTextContents(), ['Ihre Dateien lesen', 'Ihre Dateien ändern und löschen']);
    assert.equal(await page.getByRole('button', { name: 'Abmelden' }).count(), 1, '"Nicht Sie? Abmelden"');
    await page.screenshot({ path: join(SCREENSHOTS, 'consent-branded-de.png') });
    await page.goto(`${cli.url}/authorize?client_id=nobody`);
    assert.equal(await page.locator('.brand').textContent(), 'Acme Files <Beta>');
    assert.equal(await page.locator('h1').textContent(), 'Diese Anfrage kann nicht abgeschlossen werden');
    await page.screenshot({ path: join(SCREENSHOTS, 'error-branded-de.png') });
    assert.deepEqual(cspViolations, []);
    await page.close();
  });
});

describe('a sign-in page replaced by a template, in Chromium', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  let context: BrowserContext;
  const cspViolations: string[] = [];
  const TEMPLATE = `<!doctype html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><title>{{title}} · {{productName}}</title>{{style}}
<style>.hero{color:rgb(190, 18, 60)}</style></head>
<body><main>{{brand}}
<h1 class="hero">{{t.signInHeading}}: {{clientName}}</h1>
{{error}}
<form method="post" action="{{action}}">
<input type="hidden" name="csrf_token" value="{{csrf}}">
<label for="username">{{t.username}}</label><input id="username" name="username" value="{{username}}" required>
<label for="password">{{t.password}}</label><input id="password" name="password" type="password" required>
<div class="actions"><button type="submit">{{t.signInButton}}</button></div>
</form></main></body></html>
`;

  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sign-in.html'), TEMPLATE);
    const clients = (demoConfig().clients as Array<Record<string, unknown>>).map((c) => ({ ...c, redirect_uris: [REDIRECT] }));
    const file = writeConfig(demoConfig({ clients, ui: { ...ui, templates: { 'sign-in': './sign-in.html' } } }), dir);
    cli = await startCli(undefined, { configFile: file });
    context = await brandedContext(browser as Browser, cspViolations);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await cli?.stop();
  });

  test('the template is served, its own <style> applies (hashed in the CSP), and signing in through it works', async () => {
    const page = await context.newPage();
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const response = await page.goto(`${cli.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT, scope: 'read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    assert.doesNotMatch(response?.headers()['content-security-policy'] ?? '', /unsafe-inline|script-src/);
    assert.equal(await page.locator('h1.hero').textContent(), 'Sign in: SkyVault');
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('h1.hero')).color"), 'rgb(190, 18, 60)', "the template's style block is allowed by its hash");
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor"), 'rgb(15, 118, 110)', "tollgate's stylesheet via {{style}}");
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.deepEqual(cspViolations, []);
    await page.close();
  });
});
