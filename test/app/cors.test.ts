/** CORS on `tollgate serve`: the endpoints a browser app calls, for the configured origins only. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent } from '../helpers/app-agent.js';
import { validateConfig } from '../../src/app/config.js';
import { ConfigError } from '../../src/errors.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.com';
const BASIC = `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}`;

describe('tollgate serve: CORS', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ cors: { origins: [APP] } }));
  });
  after(() => cli.stop());

  test('a preflight from an allowed origin is answered for the token endpoint; from another origin it is refused', async () => {
    const preflight = (origin: string) =>
      fetch(`${cli.url}/oauth/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const ok = await preflight(APP);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    const refused = await preflight(EVIL);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });

  test('metadata, JWKS and protected-resource metadata carry CORS headers for an allowed origin only', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json', '/.well-known/oauth-protected-resource/secure']) {
      const ok = await fetch(`${cli.url}${path}`, { headers: { origin: APP } });
      assert.equal(ok.status, 200, path);
      assert.equal(ok.headers.get('access-control-allow-origin'), APP, path);
      assert.match(ok.headers.get('vary') ?? '', /Origin/, path);
      const other = await fetch(`${cli.url}${path}`, { headers: { origin: EVIL } });
      assert.equal(other.headers.get('access-control-allow-origin'), null, path);
    }
  });

  test('never on the authorization endpoint\'s pages', async () => {
    const page = await fetch(`${cli.url}/authorize?response_type=code&client_id=SkyVaultapp&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { headers: { origin: APP } });
    assert.equal(page.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${cli.url}/authorize`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  test('a token request from a disallowed origin is refused before the code is redeemed: the code still works after', async () => {
    const redirect = await authorizeThroughPages(createAgent(cli.url), { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's' });
    const code = new URL(redirect.location ?? '').searchParams.get('code') ?? '';
    const redeem = (headers: Record<string, string>) =>
      fetch(`${cli.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
      });
    const refused = await redeem({ origin: EVIL });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as Record<string, unknown>).error, 'invalid_request');
    const ok = await redeem({ origin: APP });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
  });

  test('config: cors.origins must be origins', () => {
    assert.throws(() => validateConfig({ store: 'memory', cors: { origins: ['https://app.example.com/'] } }), (err: unknown) => err instanceof ConfigError && err.field === 'config.cors.origins[0]');
    assert.throws(() => validateConfig({ store: 'memory', cors: { origins: ['*'] } }), (err: unknown) => err instanceof ConfigError && err.field === 'config.cors.origins[0]');
  });
});
