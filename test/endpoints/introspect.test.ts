import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import type { Harness } from '../helpers/hosts.js';
import { ISSUER } from '../helpers/fixtures.js';
import { json, tokenRequest } from '../helpers/http.js';
import { POSTER, SERVICE, SKYVAULT, assertError, assertTokens, codeTokens, refresh, resourceOwner } from '../helpers/flows.js';

const introspection = (params: Record<string, string>, auth?: readonly [string, string]) => tokenRequest(params, auth, '/oauth/introspect');

async function introspect(h: Harness, token: string): Promise<Record<string, unknown>> {
  const response = await h.introspect(introspection({ token }, SKYVAULT));
  assert.equal(response.status, 200, response.body);
  assert.equal(response.headers['cache-control'], 'no-store');
  return json(response);
}

describeHosts('token introspection (RFC 7662)', (setup) => {
  it('requires an authenticated confidential client (RFC 7662 §2.1)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h);
    assertError(await h.introspect(introspection({ token: access_token })), 401, 'invalid_client');
    assertError(await h.introspect(introspection({ token: access_token, client_id: 'spa' })), 401, 'invalid_client');
    assertError(await h.introspect(introspection({ token: access_token }, [SKYVAULT[0], 'wrong'])), 401, 'invalid_client');
    // poster is registered with introspection_allowed, so it may describe SkyVaultapp's access token (RFC 7662 §4).
    const byPoster = await h.introspect(introspection({ token: access_token, client_id: POSTER[0], client_secret: POSTER[1] }));
    assert.equal(byPoster.status, 200);
    assert.equal(json(byPoster).active, true);
  });

  it('describes an active access token (RFC 7662 §2.2)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h, 'read');
    const body = await introspect(h, access_token);
    const now = Math.floor(Date.now() / 1000);
    assert.equal(body.active, true);
    assert.equal(body.scope, 'read');
    assert.equal(body.client_id, 'SkyVaultapp');
    assert.equal(body.username, resourceOwner.username);
    assert.equal(body.sub, resourceOwner.id);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.iss, ISSUER);
    assert.ok(typeof body.exp === 'number' && body.exp > now && body.exp <= now + 3600);
  });

  it('describes an active refresh token (RFC 7662 §2.2)', async () => {
    const h = await setup();
    const { refresh_token } = await codeTokens(h);
    const body = await introspect(h, refresh_token);
    assert.equal(body.active, true);
    assert.equal(body.client_id, 'SkyVaultapp');
  });

  it('an expired, revoked, rotated or unknown token is only { active: false } (RFC 7662 §2.2)', async (t) => {
    const h = await setup({ accessTokenTtl: 60 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    const revoked = await codeTokens(h);
    await h.revoke(tokenRequest({ token: revoked.access_token }, SKYVAULT, '/oauth/revoke'));
    const rotated = await codeTokens(h);
    assertTokens(await refresh(h, rotated.refresh_token));
    const expired = await codeTokens(h);
    mock.timers.tick(60_000);
    for (const token of [revoked.access_token, rotated.refresh_token, expired.access_token, 'never-issued']) {
      assert.deepEqual(await introspect(h, token), { active: false });
    }
  });

  it('a missing token is invalid_request (RFC 7662 §2.1)', async () => {
    const h = await setup();
    assertError(await h.introspect(introspection({}, SKYVAULT)), 400, 'invalid_request');
  });

  describe('who may introspect which token (RFC 7662 §4)', () => {
    const by = async (h: Harness, token: string, auth: readonly [string, string], hint?: string): Promise<Record<string, unknown>> => {
      const params: Record<string, string> = { token, ...(hint !== undefined && { token_type_hint: hint }) };
      const response = auth === POSTER
        ? await h.introspect(introspection({ ...params, client_id: auth[0], client_secret: auth[1] }))
        : await h.introspect(introspection(params, auth));
      assert.equal(response.status, 200, response.body);
      return json(response);
    };

    it('a client introspects its own access and refresh tokens without introspection_allowed', async () => {
      const h = await setup();
      const { access_token: serviceToken } = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
      assert.equal((await by(h, serviceToken, SERVICE)).client_id, 'service');
      const { access_token, refresh_token } = await codeTokens(h);
      assert.equal((await by(h, access_token, SKYVAULT)).active, true);
      assert.equal((await by(h, String(refresh_token), SKYVAULT)).active, true);
    });

    it("another client's access token is { active: false } to a client without introspection_allowed", async () => {
      const h = await setup();
      const { access_token } = await codeTokens(h);
      assert.deepEqual(await by(h, access_token, SERVICE), { active: false });
      assert.deepEqual(await by(h, access_token, SERVICE, 'access_token'), { active: false });
    });

    it("a client registered with introspection_allowed introspects another client's access token", async () => {
      const h = await setup();
      const { access_token } = await codeTokens(h, 'read');
      const body = await by(h, access_token, POSTER);
      assert.equal(body.active, true);
      assert.equal(body.client_id, 'SkyVaultapp');
      assert.equal(body.scope, 'read');
    });

    it("another client's refresh token is never introspectable, even with introspection_allowed (RFC 7662 §2.2)", async () => {
      const h = await setup();
      const { refresh_token } = await codeTokens(h);
      for (const hint of [undefined, 'refresh_token', 'access_token']) {
        assert.deepEqual(await by(h, String(refresh_token), POSTER, hint), { active: false });
        assert.deepEqual(await by(h, String(refresh_token), SERVICE, hint), { active: false });
      }
      // It is active: its own client still sees it.
      assert.equal((await by(h, String(refresh_token), SKYVAULT)).active, true);
    });
  });
});
