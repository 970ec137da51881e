/**
 * The core's audit events (option `events`): each flow emits what it did, naming the parties and
 * never a token, code or secret; a listener that throws or rejects never breaks a request.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../src/index.js';
import { coreHarness } from '../helpers/hosts.js';
import { createTestServer } from '../helpers/fixtures.js';
import { tokenRequest } from '../helpers/http.js';
import { SERVICE, SKYVAULT, accepted, assertError, assertTokens, codeTokens, getCode, redeem, refresh } from '../helpers/flows.js';

async function recorded(overrides: Parameters<typeof createTestServer>[0] = {}) {
  const events: AuditEvent[] = [];
  const { server, store } = await createTestServer({ events: (event) => void events.push(event), ...overrides });
  return { h: coreHarness(server, store), events };
}

const types = (events: readonly AuditEvent[]) => events.map((e) => e.type);

describe('audit events from the core (option events)', () => {
  it('token.issued names grant type, client, user, scope, format and grant id, and no token value', async () => {
    const { h, events } = await recorded();
    const tokens = await codeTokens(h, 'read');
    const issued = events.find((e) => e.type === 'token.issued');
    assert.deepEqual(issued && { ...issued, grantId: typeof issued.grantId }, {
      type: 'token.issued',
      grantType: 'authorization_code',
      clientId: 'SkyVaultapp',
      userId: 'user-admin',
      scope: ['read'],
      tokenFormat: 'opaque',
      grantId: 'string',
      refreshToken: true,
    });
    const text = JSON.stringify(events);
    assert.ok(!text.includes(tokens.access_token) && !text.includes(tokens.refresh_token), 'an event holds a token value');
  });

  it('a replayed code emits code.replayed, a reused refresh token refresh.reuse_detected, each with token.error', async () => {
    const { h, events } = await recorded();
    const code = await getCode(h);
    const first = assertTokens(await redeem(h, code));
    assertError(await redeem(h, code), 400, 'invalid_grant');
    const replay = events.find((e) => e.type === 'code.replayed');
    assert.deepEqual(replay, { type: 'code.replayed', clientId: 'SkyVaultapp', grantId: replay?.grantId });
    assert.ok(events.some((e) => e.type === 'token.error' && e.error === 'invalid_grant' && e.grantType === 'authorization_code'));

    const chain = await codeTokens(h);
    assertTokens(await refresh(h, chain.refresh_token));
    assertError(await refresh(h, chain.refresh_token), 400, 'invalid_grant');
    assert.ok(events.some((e) => e.type === 'refresh.reuse_detected' && e.clientId === 'SkyVaultapp' && e.grantRevoked));
    assert.ok(!JSON.stringify(events).includes(code) && !JSON.stringify(events).includes(String(first.access_token)));
  });

  it('client.authentication_failed names the claimed client, the method and the reason, never the secret', async () => {
    const { h, events } = await recorded();
    const wrong = 'a-wrong-client-secret-value-to-look-for';
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' }, ['service', wrong])), 401, 'invalid_client');
    const failed = events.find((e) => e.type === 'client.authentication_failed');
    assert.deepEqual(failed, { type: 'client.authentication_failed', clientId: 'service', method: 'client_secret_basic', reason: 'Client authentication failed' });
    assert.ok(events.some((e) => e.type === 'token.error' && e.error === 'invalid_client' && e.grantType === undefined));
    assert.ok(!JSON.stringify(events).includes(wrong));
  });

  it('bearer checks and revocation emit bearer.checked and token.revoked', async () => {
    const { h, events } = await recorded();
    const { access_token } = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
    assert.ok(await accepted(h, access_token));
    assert.equal(await accepted(h, 'not-a-token-at-all'), false);
    await h.authenticate({ method: 'GET', url: '/secure', headers: {} });
    assert.equal((await h.revoke(tokenRequest({ token: access_token }, SERVICE))).status, 200);
    const checks = events.flatMap((e) => (e.type === 'bearer.checked' ? [`${e.result}:${e.clientId ?? '-'}`] : []));
    assert.deepEqual(checks, ['valid:service', 'invalid_token:-', 'missing:-']);
    assert.ok(events.some((e) => e.type === 'token.revoked' && e.clientId === 'service' && e.tokenType === 'access_token'));
  });

  it('the implicit grant reports grant type implicit', async () => {
    const { h, events } = await recorded();
    const request = { method: 'GET', url: `/authorize?response_type=token&client_id=SkyVaultapp&redirect_uri=${encodeURIComponent('https://client.example.com/cb')}&state=s`, headers: {} };
    const answer = await h.authorize(request, { user: { id: 'user-admin' }, allow: true });
    assert.equal(answer.type, 'redirect', answer.response.body);
    assert.deepEqual(types(events), ['token.issued']);
    assert.equal((events[0] as { grantType: string }).grantType, 'implicit');
  });

  it('a listener that throws never breaks a request, and is reported to onError once', async () => {
    const reported: unknown[] = [];
    const { server, store } = await createTestServer({
      events: () => {
        throw new Error('listener bug');
      },
      onError: (err) => reported.push(err),
    });
    const h = coreHarness(server, store);
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)));
    assert.equal(reported.length, 1);
    assert.match(String((reported[0] as Error).cause), /listener bug/);
  });

  it('a listener whose promise rejects never breaks a request nor leaves an unhandled rejection', async () => {
    const reported: unknown[] = [];
    const { server, store } = await createTestServer({ events: async () => Promise.reject(new Error('async bug')), onError: (err) => reported.push(err) });
    const h = coreHarness(server, store);
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
    assert.ok(await accepted(h, assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE))).access_token));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reported.length, 1);
  });

  it('no listener: a request builds no event (the call sites are optional calls)', async () => {
    const { server, store } = await createTestServer();
    assert.equal(server.options.events, undefined);
    assertTokens(await coreHarness(server, store).token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
  });
});

