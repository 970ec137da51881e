/**
 * Logs never hold a secret, a password, a code or a token (SECURITY-CHECKLIST "Input and operations"): a full run, grepped.
 * The audit trail is on (`audit: true`, into the log): its events are there, and hold none either.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, postToken } from '../helpers/app-agent.js';

const secret = (name: string) => `${name}-${randomBytes(18).toString('base64url')}`;
const CLIENT_SECRET = secret('clientsecret');
const PASSWORD = secret('password');
const REDIRECT = 'https://app.example.com/cb';

describe('the log of a full run', () => {
  let cli: RunningCli;
  /** Every secret value the run used or received. */
  const seen = new Set<string>([CLIENT_SECRET, PASSWORD]);
  before(async () => {
    cli = await startCli(
      demoConfig({
        logLevel: 'trace',
        audit: true,
        skyvaultCompat: true,
        clients: [
          {
            client_id: 'app',
            client_secret: CLIENT_SECRET,
            redirect_uris: [REDIRECT],
            grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit', 'external_token'],
            scope: 'read write',
          },
        ],
        users: [{ username: 'alice', password: PASSWORD }],
      }),
    );
  });
  after(() => cli.stop());

  const auth = ['app', CLIENT_SECRET] as const;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const keep = (json: Record<string, unknown>) => {
    for (const key of ['access_token', 'refresh_token']) if (typeof json[key] === 'string') seen.add(json[key]);
    return json;
  };

  test('every flow runs, and none of its secrets, passwords, codes or tokens reach stdout or stderr', async () => {
    const password = keep((await postToken(cli.url, { grant_type: 'password', username: 'alice', password: PASSWORD }, auth)).json);
    keep((await postToken(cli.url, { grant_type: 'refresh_token', refresh_token: password.refresh_token as string }, auth)).json);
    keep((await postToken(cli.url, { grant_type: 'client_credentials' }, auth)).json);
    await postToken(cli.url, { grant_type: 'password', username: 'alice', password: 'wrong-password-value' }, auth);
    seen.add('wrong-password-value');

    const state = secret('state');
    const code = new URL((await authorizeThroughPages(createAgent(cli.url), { response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, state }, { username: 'alice', password: PASSWORD })).location ?? '').searchParams.get('code') ?? '';
    assert.ok(code);
    seen.add(code);
    const exchanged = keep((await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, auth)).json);
    await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, auth);

    const implicit = await authorizeThroughPages(createAgent(cli.url), { response_type: 'token', client_id: 'app', redirect_uri: REDIRECT, state }, { username: 'alice', password: PASSWORD });
    const fragment = new URLSearchParams(new URL(implicit.location ?? '').hash.slice(1));
    seen.add(fragment.get('access_token') ?? '');

    const compat = await fetch(`${cli.url}/authorize?response_type=code&client_id=app&state=${state}&redirect_uri=${encodeURIComponent(REDIRECT)}`, {
      method: 'POST', redirect: 'manual', headers: { authorization: basic('alice', PASSWORD) },
    });
    const compatCode = new URL(compat.headers.get('location') ?? '').searchParams.get('code') ?? '';
    seen.add(compatCode);
    const inUrl = await fetch(`${cli.url}/oauth/token?grant_type=authorization_code&code=${compatCode}&redirect_uri=${encodeURIComponent(REDIRECT)}`, {
      method: 'POST', headers: { authorization: basic('app', CLIENT_SECRET) },
    });
    keep((await inUrl.json()) as Record<string, unknown>);
    const queryPassword = await fetch(`${cli.url}/oauth/token?username=alice&password=${PASSWORD}&grant_type=password`, { method: 'POST', headers: { authorization: basic('app', CLIENT_SECRET) } });
    keep((await queryPassword.json()) as Record<string, unknown>);

    const imported = secret('imported');
    seen.add(imported);
    await postToken(cli.url, { grant_type: 'external_token', username: 'alice', password: PASSWORD, access_token: imported }, auth);

    await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${exchanged.access_token as string}` } });
    await fetch(`${cli.url}/secure`, { headers: { authorization: 'Bearer not-a-real-token-value' } });
    seen.add('not-a-real-token-value');
    await postToken(cli.url, { token: exchanged.access_token as string }, auth, '/oauth/introspect');
    await postToken(cli.url, { token: exchanged.refresh_token as string }, auth, '/oauth/revoke');

    assert.equal(await cli.stop(), 0);
    const log = cli.output();
    assert.match(log, /incoming request/, 'the run was logged at all');
    for (const value of seen) {
      assert.ok(value.length >= 16, `a value worth looking for: ${value}`);
      assert.ok(!log.includes(value), `the log holds a secret value: ${value.slice(0, 12)}…`);
      assert.ok(!log.includes(encodeURIComponent(value)), `the log holds a secret value, URL-encoded: ${value.slice(0, 12)}…`);
    }
    assert.ok(!log.includes(state), 'the log holds an authorization request\'s state (its query string was logged)');

    const events = log.split('\n').flatMap((line) => {
      const parsed = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined;
      return typeof parsed?.event === 'string' ? [parsed] : [];
    });
    const named = new Set(events.map((e) => `${String(e.event)}${e.grantType === undefined ? '' : `:${String(e.grantType)}`}`));
    for (const expected of [
      'token.issued:password', 'token.issued:refresh_token', 'token.issued:client_credentials', 'token.issued:authorization_code',
      'token.issued:implicit', 'token.issued:external_token', 'token.error:password', 'token.error:authorization_code',
      'login.succeeded', 'consent.granted', 'code.replayed', 'bearer.checked', 'token.revoked',
    ]) {
      assert.ok(named.has(expected), `no ${expected} audit event in the log; got ${[...named].join(', ')}`);
    }
    assert.ok(events.every((e) => e.level === 30 && e.msg === 'audit'), 'audit events are info lines');
  });
});

describe('the request log at the default level', () => {
  test('one line per request, when it is answered: method, path without its query, address, status, time, request id; no header, no query', async () => {
    const cli = await startCli(demoConfig());
    const query = secret('query');
    const answered = await fetch(`${cli.url}/secure?probe=${query}`, { headers: { authorization: 'Bearer not-a-real-token-value' } });
    assert.equal(answered.status, 401);
    assert.equal(await cli.stop(), 0);

    const lines = cli.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(!lines.some((l) => l.msg === 'incoming request'), 'the arrival line is written from debug only');
    const secure = lines.filter((l) => l.msg === 'request completed' && (l.req as { path?: string } | undefined)?.path === '/secure');
    assert.equal(secure.length, 1, `one line for the request; the log:\n${cli.output()}`);
    const { time, pid, hostname, reqId, responseTime, ...fields } = secure[0] ?? {};
    assert.deepEqual(fields, { level: 30, req: { method: 'GET', path: '/secure', remoteAddress: '127.0.0.1' }, res: { statusCode: 401 }, msg: 'request completed' });
    assert.equal(typeof time, 'number');
    assert.equal(pid, cli.process.pid);
    assert.equal(typeof hostname, 'string');
    assert.match(String(reqId), /^req-/);
    assert.ok(typeof responseTime === 'number' && responseTime >= 0, `responseTime ${String(responseTime)}`);
    assert.ok(!cli.output().includes(query), 'the query string was logged');
  });
});
