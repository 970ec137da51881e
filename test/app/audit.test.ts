/**
 * The audit trail of `tollgate serve` (config `audit`): every flow a person or a client runs leaves
 * its event as a JSON line in the 0600 file, naming who and what, never a password, secret, code
 * or token. (test/app/logs.test.ts runs the same check over `audit: true`, into the log.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli, tempDir } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, hiddenField, postToken } from '../helpers/app-agent.js';

const secret = (name: string) => `${name}-${randomBytes(18).toString('base64url')}`;
const CLIENT_SECRET = secret('clientsecret');
const PASSWORD = secret('password');
const WRONG_PASSWORD = secret('wrongpassword');
const REDIRECT = 'https://app.example.com/cb';

type Line = Record<string, unknown> & { event: string; time: string };

describe('tollgate serve: the audit file', () => {
  let cli: RunningCli;
  const file = join(tempDir(), 'audit.jsonl');
  const seen = new Set<string>([CLIENT_SECRET, PASSWORD, WRONG_PASSWORD]);
  const auth = ['app', CLIENT_SECRET] as const;
  const keep = (json: Record<string, unknown>) => {
    for (const key of ['access_token', 'refresh_token', 'client_secret', 'registration_access_token']) if (typeof json[key] === 'string') seen.add(json[key]);
    return json;
  };

  before(async () => {
    cli = await startCli(
      demoConfig({
        audit: { file },
        registration: { enabled: true },
        rateLimit: { tokenPerClient: { max: 12, windowSeconds: 3600 } },
        clients: [{ client_id: 'app', client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'read write' }],
        users: [{ username: 'alice', password: PASSWORD }],
      }),
    );
  });
  after(() => cli.stop());

  test('every flow leaves its events, with the parties named, and no secret value; the file is 0600', async () => {
    const query = { response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, state: 'audit-state' };
    // A failed sign-in, a consent denied, then a sign-in with consent given, the refresh token reused, the code replayed.
    await authorizeThroughPages(createAgent(cli.url), query, { username: 'alice', password: WRONG_PASSWORD });
    const denied = await authorizeThroughPages(createAgent(cli.url), query, { username: 'alice', password: PASSWORD, decision: 'deny' });
    assert.match(denied.location ?? '', /error=access_denied/);
    const agent = createAgent(cli.url);
    const code = new URL((await authorizeThroughPages(agent, query, { username: 'alice', password: PASSWORD })).location ?? '').searchParams.get('code') ?? '';
    seen.add(code);
    const tokens = keep((await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, auth)).json);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string };
    keep((await postToken(cli.url, refresh, auth)).json);
    assert.equal((await postToken(cli.url, refresh, auth)).status, 400);
    assert.equal((await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, auth)).status, 400);
    // Signing out.
    const signOut = await agent.get('/logout');
    assert.equal((await agent.post('/logout', { csrf_token: hiddenField(signOut.body, 'csrf_token') })).status, 200);
    // Client authentication failures, a revocation, a registration and its deletion.
    const wrongSecret = secret('wrongsecret');
    seen.add(wrongSecret);
    assert.equal((await postToken(cli.url, { grant_type: 'client_credentials' }, ['app', wrongSecret])).status, 401);
    const service = keep((await postToken(cli.url, { grant_type: 'client_credentials' }, auth)).json);
    assert.equal((await postToken(cli.url, { token: service.access_token as string }, auth, '/oauth/revoke')).status, 200);
    const registered = keep((await (await fetch(`${cli.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT], scope: 'read' }) })).json()) as Record<string, unknown>);
    const deleted = await fetch(registered.registration_client_uri as string, { method: 'DELETE', headers: { authorization: `Bearer ${registered.registration_access_token as string}` } });
    assert.equal(deleted.status, 204);
    // Over the per-client token limit.
    let limited = 0;
    for (let i = 0; i < 12 && limited === 0; i++) if ((await postToken(cli.url, { grant_type: 'client_credentials' }, auth)).status === 429) limited++;
    assert.equal(limited, 1);

    assert.equal(await cli.stop(), 0);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the server\'s user may read the audit file');
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Line);
    for (const line of lines) assert.ok(!Number.isNaN(Date.parse(line.time)), 'each line has its time');
    const find = (event: string, match: Record<string, unknown> = {}) =>
      lines.find((line) => line.event === event && Object.entries(match).every(([k, v]) => JSON.stringify(line[k]) === JSON.stringify(v)));

    assert.ok(find('login.failed', { username: 'alice', clientId: 'app', reason: 'invalid_credentials' }));
    assert.ok(find('login.succeeded', { username: 'alice', clientId: 'app' }));
    assert.ok(find('consent.granted', { clientId: 'app' }));
    assert.ok(find('consent.denied', { clientId: 'app' }));
    assert.ok(find('logout'));
    assert.ok(find('token.issued', { grantType: 'authorization_code', clientId: 'app', scope: ['read', 'write'], tokenFormat: 'opaque', refreshToken: true }));
    assert.ok(find('token.issued', { grantType: 'refresh_token', clientId: 'app' }));
    assert.ok(find('code.replayed', { clientId: 'app' }));
    assert.ok(find('refresh.reuse_detected', { clientId: 'app', grantRevoked: true }));
    assert.ok(find('token.error', { error: 'invalid_grant', grantType: 'authorization_code' }));
    assert.ok(find('client.authentication_failed', { clientId: 'app', method: 'client_secret_basic' }));
    assert.ok(find('token.revoked', { clientId: 'app', tokenType: 'access_token' }));
    assert.ok(find('client.registered', { clientId: registered.client_id }));
    assert.ok(find('client.deleted', { clientId: registered.client_id }));
    assert.ok(find('request.rate_limited', { limiter: 'token_per_client' }));
    const userId = find('login.succeeded')?.userId;
    assert.ok(find('token.issued', { grantType: 'authorization_code', userId }), 'the token names the user who signed in');

    for (const value of seen) {
      assert.ok(value.length >= 16, `a value worth looking for: ${value}`);
      assert.ok(!text.includes(value), `the audit file holds a secret value: ${value.slice(0, 12)}…`);
    }
  });
});
