/**
 * The SkyVault guide's curl examples (seed 002, typos fixed), run with fetch: accepted with
 * `skyvaultCompat: true`, refused with an RFC error without it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';

/** `curl -XPOST -u user:password '<url>'`: a POST with everything in the URL and no body. */
async function curlPost(url: string, user: string, password: string): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
}

const AUTHORIZE = `/authorize?response_type=code&client_id=SkyVaultapp&state=xyz&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;

describe('skyvaultCompat: true', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ skyvaultCompat: true }));
  });
  after(() => cli.stop());

  const json = async (response: Response) => (await response.json()) as Record<string, string>;

  test('authorization code: Basic resource owner credentials at /authorize give a 302 with the code, then the token (seed 002)', async () => {
    const response = await curlPost(`${cli.url}${AUTHORIZE}`, 'admin', 'tiger');
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('state'), 'xyz');
    const code = location.searchParams.get('code') ?? '';
    assert.ok(code.length >= 22);
    const token = await curlPost(
      `${cli.url}/oauth/token?grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      'SkyVaultapp',
      'secret',
    );
    assert.equal(token.status, 200);
    assert.equal((await json(token)).token_type, 'Bearer');
  });

  test('a wrong resource owner password at /authorize is 401 access_denied with a Basic challenge, never a code', async () => {
    const response = await curlPost(`${cli.url}${AUTHORIZE}`, 'admin', 'wrong');
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await json(response)).error, 'access_denied');
  });

  test('implicit: Basic at /authorize gives the token in the fragment (seed 002)', async () => {
    const response = await curlPost(`${cli.url}/authorize?response_type=token&client_id=SkyVaultapp&state=xyz&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, 'admin', 'tiger');
    assert.equal(response.status, 302);
    const fragment = new URLSearchParams(new URL(response.headers.get('location') ?? '').hash.slice(1));
    assert.equal(fragment.get('state'), 'xyz');
    assert.ok(fragment.get('access_token'));
  });

  test('password, refresh, /secure and external_token with parameters in the URL (seed 002)', async () => {
    const issued = await json(await curlPost(`${cli.url}/oauth/token?username=admin&password=tiger&grant_type=password`, 'SkyVaultapp', 'secret'));
    assert.equal(issued.token_type, 'Bearer');
    const refreshed = await curlPost(`${cli.url}/oauth/token?grant_type=refresh_token&refresh_token=${issued.refresh_token}`, 'SkyVaultapp', 'secret');
    assert.equal(refreshed.status, 200);
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${(await json(refreshed)).access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    const custom = `custom-${randomBytes(12).toString('hex')}`;
    const external = await curlPost(
      `${cli.url}/oauth/token?username=admin&password=tiger&access_token=${custom}&refresh_token=${custom}-r&grant_type=external_token`,
      'SkyVaultapp',
      'secret',
    );
    assert.equal(external.status, 200);
    assert.equal((await json(external)).access_token, custom);
  });
});

describe('skyvaultCompat: false (the default)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  test('token parameters in the URL of a POST are refused with invalid_request (RFC 6749 §3.2)', async () => {
    const response = await curlPost(`${cli.url}/oauth/token?username=admin&password=tiger&grant_type=password`, 'SkyVaultapp', 'secret');
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, string>).error, 'invalid_request');
  });

  test('resource owner credentials in HTTP Basic at /authorize are refused with invalid_request, never a code', async () => {
    const response = await curlPost(`${cli.url}${AUTHORIZE}`, 'admin', 'tiger');
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.equal(((await response.json()) as Record<string, string>).error, 'invalid_request');
  });
});
