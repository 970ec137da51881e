import { it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { tokenRequest } from '../helpers/http.js';
import { POSTER, accepted, assertError, assertTokens, codeTokens, refresh } from '../helpers/flows.js';

describeHosts('refresh_token grant (RFC 6749 §6, RFC 9700 §4.14)', (setup) => {
  it('rotates: a new access and refresh token, and the old refresh token is refused after (RFC 9700 §4.14.2)', async () => {
    const h = await setup();
    const first = await codeTokens(h);
    const second = assertTokens(await refresh(h, first.refresh_token));
    assert.equal(typeof second.refresh_token, 'string');
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.ok(await accepted(h, second.access_token));
    assertError(await refresh(h, first.refresh_token), 400, 'invalid_grant');
  });

  it('reuse of a rotated refresh token revokes the whole grant (RFC 9700 §4.14.2)', async () => {
    const h = await setup();
    const first = await codeTokens(h);
    const second = assertTokens(await refresh(h, first.refresh_token));
    assertError(await refresh(h, first.refresh_token), 400, 'invalid_grant');
    assert.equal(await accepted(h, second.access_token), false);
    assert.equal(await accepted(h, first.access_token), false);
    assertError(await refresh(h, String(second.refresh_token)), 400, 'invalid_grant');
  });

  it('refreshTokenReuseInterval spares the grant when the old token comes back within it (RFC 9700 §4.14.2)', async (t) => {
    const h = await setup({ refreshTokenReuseInterval: 30 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    const first = await codeTokens(h);
    const second = assertTokens(await refresh(h, first.refresh_token));
    mock.timers.tick(29_000);
    assertError(await refresh(h, first.refresh_token), 400, 'invalid_grant');
    assert.ok(await accepted(h, second.access_token), 'the grant survives a reuse within the interval');
    const third = assertTokens(await refresh(h, String(second.refresh_token)));
    mock.timers.tick(30_000);
    // Past the interval a reuse revokes everything.
    assertError(await refresh(h, String(second.refresh_token)), 400, 'invalid_grant');
    assert.equal(await accepted(h, third.access_token), false);
  });

  it('scope may only narrow: a broader one is invalid_scope (RFC 6749 §6)', async () => {
    const h = await setup();
    const tokens = await codeTokens(h, 'read');
    assertError(await refresh(h, tokens.refresh_token, { scope: 'read write' }), 400, 'invalid_scope');
    const narrowed = await codeTokens(h, 'read write');
    const body = assertTokens(await refresh(h, narrowed.refresh_token, { scope: 'read' }));
    const scoped = await h.authenticate({ method: 'GET', url: '/secure', headers: { authorization: `Bearer ${body.access_token}` } }, ['write']);
    assert.equal(scoped.status, 403);
  });

  it(
    'a narrowed refresh keeps the refresh token\'s original scope (RFC 6749 §6)',
    async () => {
      const h = await setup();
      const tokens = await codeTokens(h, 'read write');
      const narrowed = assertTokens(await refresh(h, tokens.refresh_token, { scope: 'read' }));
      assertTokens(await refresh(h, String(narrowed.refresh_token), { scope: 'write' }));
    },
  );

  it('a refresh token is bound to its client (RFC 9700 §4.14.2)', async () => {
    const h = await setup();
    const tokens = await codeTokens(h);
    assertError(
      await h.token(tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: POSTER[0], client_secret: POSTER[1] })),
      400,
      'invalid_grant',
    );
    assertTokens(await refresh(h, tokens.refresh_token));
  });

  it('rotateRefreshTokens: false keeps the refresh token valid and issues no new one (RFC 6749 §6)', async () => {
    const h = await setup({ rotateRefreshTokens: false });
    const tokens = await codeTokens(h);
    const once = assertTokens(await refresh(h, tokens.refresh_token));
    assert.equal(once.refresh_token, undefined);
    assertTokens(await refresh(h, tokens.refresh_token));
  });

  it('an unknown refresh token is invalid_grant, a missing one invalid_request (RFC 6749 §5.2)', async () => {
    const h = await setup();
    assertError(await refresh(h, 'no-such-token'), 400, 'invalid_grant');
    assertError(await h.token(tokenRequest({ grant_type: 'refresh_token' }, ['SkyVaultapp', 'secret'])), 400, 'invalid_request');
  });

  it('an expired refresh token is invalid_grant (RFC 6749 §5.2)', async (t) => {
    const h = await setup({ refreshTokenTtl: 60 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    const tokens = await codeTokens(h);
    mock.timers.tick(60_000);
    assertError(await refresh(h, tokens.refresh_token), 400, 'invalid_grant');
  });
});
