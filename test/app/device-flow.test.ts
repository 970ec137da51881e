/**
 * The device authorization grant (RFC 8628) on `tollgate serve`, as a TV and a person meet it:
 * openid-client's initiateDeviceAuthorization and pollDeviceAuthorizationGrant on the device,
 * headless Chromium at verification_uri_complete for the person (confirm the code, sign in, allow).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/app-browser.js';
import { DEVICE_CODE, tv } from '../helpers/device.js';

const browser: Browser | undefined = await launchChromium();
const insecure: client.DiscoveryRequestOptions = { execute: [client.allowInsecureRequests], algorithm: 'oauth2' };

/** The device's error, as openid-client reports what the token endpoint answered. */
async function rejected(promise: Promise<unknown>, error: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof client.ResponseBodyError, String(err));
    assert.equal(err.error, error);
    return true;
  });
}

describe('device authorization in Chromium (RFC 8628)', { skip: browser === undefined }, () => {
  let cli: RunningCli;
  /** The same server with codes that live one second. */
  let shortLived: RunningCli;
  let device: client.Configuration;
  let context: BrowserContext;

  const discover = async (url: string) => client.discovery(new URL(url), tv.client_id, undefined, client.None(), insecure);

  before(async () => {
    const clients = [...(demoConfig().clients as unknown[]), tv];
    // Three code entries per session, so the limit is reached within one test.
    [cli, shortLived] = await Promise.all([
      startCli(demoConfig({ clients, rateLimit: { userCodePerSession: { max: 3, windowSeconds: 300 } } })),
      startCli(demoConfig({ clients, deviceCodeTtl: 1 })),
    ]);
    device = await discover(cli.url);
    context = await (browser as Browser).newContext();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await Promise.all([cli?.stop(), shortLived?.stop()]);
  });

  /** The person at verification_uri_complete: the code is prefilled but not yet sent (§5.4); they confirm it. */
  async function confirmCode(page: Page, started: client.DeviceAuthorizationResponse): Promise<void> {
    await page.goto(started.verification_uri_complete ?? '');
    assert.equal(await page.getByLabel('Code').inputValue(), started.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  test('metadata names the device authorization endpoint and the grant type', () => {
    const metadata = device.serverMetadata();
    assert.equal(metadata.device_authorization_endpoint, `${cli.url}/oauth/device_authorization`);
    assert.ok(metadata.grant_types_supported?.includes(DEVICE_CODE));
  });

  test('the device polls while the person confirms the code, signs in and allows: tokens that work at /secure', async () => {
    const started = await client.initiateDeviceAuthorization(device, { scope: 'read' });
    assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    const polling = client.pollDeviceAuthorizationGrant(device, started);
    polling.catch(() => {});
    const page = await context.newPage();
    await confirmCode(page, started);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.textContent('h1') ?? '', /Living-room TV wants to access your account/);
    assert.deepEqual(await page.locator('.scopes code').allTextContents(), ['read']);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText('You can return to your device').waitFor();
    const tokens = await polling;
    assert.equal(tokens.scope ?? 'read', 'read');
    assert.equal(typeof tokens.refresh_token, 'string');
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    await page.close();
  });

  test('Deny: the device is told access_denied', async () => {
    const started = await client.initiateDeviceAuthorization(device, {});
    const polling = client.pollDeviceAuthorizationGrant(device, started);
    polling.catch(() => {});
    const page = await context.newPage();
    // Still signed in from the test before: straight from the code to the consent page.
    await confirmCode(page, started);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Access denied').waitFor();
    await rejected(polling, 'access_denied');
    await page.close();
  });

  test('a wrong code is told so on the page; entering codes past the per-session limit is refused with 429', async () => {
    const fresh = await (browser as Browser).newContext();
    const page = await fresh.newPage();
    await page.goto(`${cli.url}/device`);
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('Code').fill('BCDF-GHJK');
      await page.getByRole('button', { name: 'Continue' }).click();
      assert.match(await page.getByRole('alert').textContent() ?? '', /not valid, or it has expired/);
    }
    await page.getByLabel('Code').fill('bcdf ghjk');
    const [answer] = await Promise.all([page.waitForResponse(`${cli.url}/device`), page.getByRole('button', { name: 'Continue' }).click()]);
    assert.equal(answer.status(), 429);
    assert.match(await page.getByRole('alert').textContent() ?? '', /Too many codes entered/);
    await fresh.close();
  });

  test('CSRF: a form posted to the device page without the page\'s token is refused, whatever it carries', async () => {
    const started = await client.initiateDeviceAuthorization(device, {});
    for (const fields of [{ user_code: started.user_code }, { decision: 'allow', request: 'x' }, { username: 'admin', password: 'tiger' }]) {
      const response = await fetch(`${cli.url}/device`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
      assert.equal(response.status, 403);
    }
    await rejected(client.genericGrantRequest(device, DEVICE_CODE, { device_code: started.device_code }), 'authorization_pending');
  });

  test('a code left alone: the device is told expired_token', async () => {
    const late = await discover(shortLived.url);
    const started = await client.initiateDeviceAuthorization(late, {});
    assert.equal(started.expires_in, 1);
    // openid-client would stop polling at expires_in on its own; a longer signal lets it hear the server say so.
    await rejected(client.pollDeviceAuthorizationGrant(late, started, undefined, { signal: AbortSignal.timeout(30_000) }), 'expired_token');
  });

  test('polling faster than the interval: slow_down', async () => {
    const started = await client.initiateDeviceAuthorization(device, {});
    const poll = () => client.genericGrantRequest(device, DEVICE_CODE, { device_code: started.device_code });
    await rejected(poll(), 'authorization_pending');
    await rejected(poll(), 'slow_down');
  });
});
