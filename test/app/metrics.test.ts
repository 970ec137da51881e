/**
 * Prometheus metrics of `tollgate serve` (config `metrics`): a scripted run (tokens through
 * openid-client, an error, bearer checks, sign-ins through the pages, a refresh reuse, a rate-limit
 * refusal), then one scrape of `/metrics` checked value by value. Labels stay bounded: no user,
 * no token value, no raw URL. Off by default; `{ port }` serves it apart; `--workers` sums them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { join } from 'node:path';
import { demoConfig, REDIRECT_URI, startCli, tempDir } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, postToken } from '../helpers/app-agent.js';

const SKYVAULT = ['SkyVaultapp', 'secret'] as const;

/** The value of one sample of the text format, by name and exact labels; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] === undefined || match[2] === '' ? [] : match[2].split(/,(?=[a-z_]+=")/);
    if (have.length === wanted.length && wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

/** The URL the server printed for its own metrics port. */
function metricsUrl(cli: RunningCli): string {
  const url = /tollgate metrics on (http:\/\/[^\s"]+)/.exec(cli.output())?.[1];
  assert.ok(url, `no metrics URL in:\n${cli.output()}`);
  return url;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

async function clientCredentials(url: string): Promise<string> {
  const config = await client.discovery(new URL(url), SKYVAULT[0], SKYVAULT[1], client.ClientSecretBasic(SKYVAULT[1]), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(config, { scope: 'read' })).access_token;
}

describe('tollgate serve: /metrics on the main port after a scripted run', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(
      demoConfig({
        metrics: true,
        registration: { enabled: true },
        rateLimit: { registrationPerIp: { max: 1, windowSeconds: 3600 } },
        resources: [{ uri: 'https://api.example.com/', scope: 'read' }],
      }),
    );
  });
  after(() => cli.stop());

  test('every counter has the value the run gave it, and no label holds a user, a token or a URL', async () => {
    const first = await clientCredentials(cli.url);
    await clientCredentials(cli.url);
    assert.equal((await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'not-the-secret'])).status, 401);
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${first}` } })).status, 200);
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: 'Bearer not-a-token-value-of-ours' } })).status, 401);
    // A real token issued for another resource (RFC 8707): refused at /secure, and counted as refused.
    const forApi = (await postToken(cli.url, { grant_type: 'client_credentials', resource: 'https://api.example.com/' }, SKYVAULT)).json;
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${forApi.access_token as string}` } })).status, 401);

    // Sign-ins: a wrong password, then the right one, through the pages a person uses.
    const query = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'metrics' };
    assert.equal((await authorizeThroughPages(createAgent(cli.url), query, { password: 'wrong-password' })).status, 200);
    const allowed = await authorizeThroughPages(createAgent(cli.url), query);
    const code = new URL(allowed.location ?? '').searchParams.get('code') ?? '';
    const tokens = (await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, SKYVAULT)).json;
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string };
    assert.equal((await postToken(cli.url, refresh, SKYVAULT)).status, 200);
    assert.equal((await postToken(cli.url, refresh, SKYVAULT)).status, 400, 'the rotated refresh token, presented again');

    // A registered client gets a label of its own; the second registration is over the limit.
    const body = JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'read' });
    const registered = (await (await fetch(`${cli.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as Record<string, string>;
    assert.equal((await fetch(`${cli.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 429);
    const clientId = registered.client_id ?? '';
    assert.equal((await postToken(cli.url, { grant_type: 'client_credentials' }, [clientId, registered.client_secret ?? ''])).status, 200);

    const text = await scrape(`${cli.url}/metrics`);
    assert.equal(sample(text, 'tollgate_tokens_issued_total', { grant_type: 'client_credentials', client: 'SkyVaultapp' }), 3);
    assert.equal(sample(text, 'tollgate_tokens_issued_total', { grant_type: 'authorization_code', client: 'SkyVaultapp' }), 1);
    assert.equal(sample(text, 'tollgate_tokens_issued_total', { grant_type: 'refresh_token', client: 'SkyVaultapp' }), 1);
    assert.equal(sample(text, 'tollgate_tokens_issued_total', { grant_type: 'client_credentials', client: clientId }), 1);
    assert.equal(sample(text, 'tollgate_token_errors_total', { error: 'invalid_client' }), 1);
    assert.equal(sample(text, 'tollgate_token_errors_total', { error: 'invalid_grant' }), 1);
    assert.equal(sample(text, 'tollgate_bearer_checks_total', { result: 'valid' }), 1);
    assert.equal(sample(text, 'tollgate_bearer_checks_total', { result: 'invalid_token' }), 2);
    assert.equal(sample(text, 'tollgate_sign_ins_total', { result: 'failure' }), 1);
    assert.equal(sample(text, 'tollgate_sign_ins_total', { result: 'success' }), 1);
    assert.equal(sample(text, 'tollgate_refresh_reuse_detected_total'), 1);
    assert.equal(sample(text, 'tollgate_rate_limited_total', { limiter: 'registration_per_ip' }), 1);
    assert.ok((sample(text, 'tollgate_store_operation_duration_seconds_count', { operation: 'saveToken' }) ?? 0) >= 5);
    assert.equal(sample(text, 'tollgate_http_request_duration_seconds_count', { route: '/secure', method: 'GET', status: '200' }), 1);
    assert.ok((sample(text, 'tollgate_http_request_duration_seconds_count', { route: '/oauth/token', method: 'POST', status: '200' }) ?? 0) >= 5);

    // Bounded labels: a route pattern, never the query (the authorization request's state and code went through /authorize).
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1] ?? '');
    assert.ok(routes.includes('/authorize'));
    for (const route of routes) assert.ok(!route.includes('?'), `a raw URL as a label: ${route}`);
    for (const value of [first, code, tokens.access_token, tokens.refresh_token, 'admin', 'wrong-password', 'metrics']) {
      assert.ok(!text.includes(`"${String(value)}"`), `a label holds ${String(value).slice(0, 12)}`);
    }
  });
});

describe('tollgate serve: metrics off by default, or on a port of their own', () => {
  test('without metrics in the config, /metrics is 404', async () => {
    const cli = await startCli(demoConfig());
    try {
      assert.equal((await fetch(`${cli.url}/metrics`)).status, 404);
    } finally {
      await cli.stop();
    }
  });

  test('metrics: { port } serves /metrics there, not on the main port, and stops with the server', async () => {
    const cli = await startCli(demoConfig({ metrics: { port: 0 } }));
    let url: string;
    try {
      url = metricsUrl(cli);
      assert.equal(new URL(url).hostname, new URL(cli.url).hostname, 'bound to the same host as the main port');
      await clientCredentials(cli.url);
      assert.equal((await fetch(`${cli.url}/metrics`)).status, 404, 'not on the main port');
      assert.equal(sample(await scrape(url), 'tollgate_tokens_issued_total', { grant_type: 'client_credentials', client: 'SkyVaultapp' }), 1);
      assert.equal((await fetch(new URL('/', url))).status, 404, 'the metrics port serves /metrics only');
    } finally {
      assert.equal(await cli.stop(), 0);
    }
    await assert.rejects(fetch(url), 'the metrics port is closed on SIGTERM');
  });

  test('--workers 2: the primary serves the sum over the workers on metrics.port, with the worker count', async () => {
    const store = `sqlite:${join(tempDir(), 'workers.db')}`;
    const cli = await startCli(demoConfig({ store, metrics: { port: 0 } }), { args: ['--workers', '2'] });
    try {
      // Fresh connections, so the kernel spreads them over both workers.
      for (let i = 0; i < 6; i++) {
        const response = await postToken(cli.url, { grant_type: 'client_credentials' }, SKYVAULT);
        assert.equal(response.status, 200);
      }
      const text = await scrape(metricsUrl(cli));
      assert.equal(sample(text, 'tollgate_tokens_issued_total', { grant_type: 'client_credentials', client: 'SkyVaultapp' }), 6);
      assert.equal(sample(text, 'tollgate_workers'), 2);
    } finally {
      assert.equal(await cli.stop(), 0);
    }
  });

  test('--workers with metrics: true is refused at start, naming the field', async () => {
    const cli = startCli(demoConfig({ store: `sqlite:${join(tempDir(), 'refused.db')}`, metrics: true }), { args: ['--workers', '2'] });
    await assert.rejects(cli, /config\.metrics/);
  });
});
