import { it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { ISSUER } from '../helpers/fixtures.js';
import { bearerRequest, form, json, tokenRequest } from '../helpers/http.js';
import type { Harness } from '../helpers/hosts.js';
import { SKYVAULT, assertTokens, header } from '../helpers/flows.js';

async function accessToken(h: Harness, scope = 'read'): Promise<string> {
  return assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', scope }, SKYVAULT))).access_token;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Asserts a failed bearer check: status, the error in body and challenge, the realm. */
function assertChallenge(response: Awaited<ReturnType<Harness['authenticate']>>, status: number, error: string): string {
  assert.equal(response.status, status, response.body);
  assert.equal(json(response).error, error);
  const challenge = header(response, 'www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="[^"]+"/);
  assert.match(challenge, new RegExp(`error="${error}"`));
  return challenge;
}

describeHosts('bearer authentication (RFC 6750)', (setup) => {
  it('accepts the token in the Authorization header (RFC 6750 §2.1)', async () => {
    const h = await setup();
    const response = await h.authenticate(bearerRequest(await accessToken(h)));
    assert.equal(response.status, 200);
    assert.equal(response.body, 'Secure Hello!');
  });

  it('ignores a token in the query string by default, accepts it when enabled (RFC 6750 §2.3)', async () => {
    const off = await setup();
    const refused = await off.authenticate({ method: 'GET', url: `/secure?access_token=${await accessToken(off)}`, headers: {} });
    assert.equal(refused.status, 401);
    const on = await setup({ allowBearerTokensInQueryString: true });
    const ok = await on.authenticate({ method: 'GET', url: `/secure?access_token=${await accessToken(on)}`, headers: {} });
    assert.equal(ok.status, 200);
  });

  it('ignores a token in a form body by default, accepts it when enabled (RFC 6750 §2.2)', async () => {
    const off = await setup();
    const refused = await off.authenticate({ method: 'POST', url: '/secure', headers: FORM, body: form({ access_token: await accessToken(off) }) });
    assert.equal(refused.status, 401);
    const on = await setup({ allowBearerTokensInBody: true });
    const ok = await on.authenticate({ method: 'POST', url: '/secure', headers: FORM, body: form({ access_token: await accessToken(on) }) });
    assert.equal(ok.status, 200);
  });

  it('the resource\'s own query parameters, repeated or not, do not disturb a query token (RFC 6750 §2.3)', async () => {
    const h = await setup({ allowBearerTokensInQueryString: true });
    const token = await accessToken(h);
    const ok = await h.authenticate({ method: 'GET', url: `/secure?page=1&page=2&access_token=${token}`, headers: {} });
    assert.equal(ok.status, 200);
    assertChallenge(await h.authenticate({ method: 'GET', url: `/secure?access_token=${token}&access_token=${token}`, headers: {} }), 400, 'invalid_request');
  });

  it('a token sent in two places is 400 invalid_request (RFC 6750 §2)', async () => {
    const h = await setup({ allowBearerTokensInQueryString: true, allowBearerTokensInBody: true });
    const token = await accessToken(h);
    assertChallenge(await h.authenticate({ method: 'GET', url: `/secure?access_token=${token}`, headers: { authorization: `Bearer ${token}` } }), 400, 'invalid_request');
    assertChallenge(await h.authenticate({ method: 'POST', url: '/secure', headers: { ...FORM, authorization: `Bearer ${token}` }, body: form({ access_token: token }) }), 400, 'invalid_request');
  });

  it('no token is 401 with a Bearer challenge naming the realm and no error, and a DPoP one with its algs (RFC 6750 §3.1, RFC 9449 §7.2)', async () => {
    const h = await setup();
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const response = await h.authenticate({ method: 'GET', url: '/secure', headers });
      assert.equal(response.status, 401);
      assert.equal(header(response, 'www-authenticate'), `Bearer realm="${ISSUER}", DPoP realm="${ISSUER}", algs="ES256 EdDSA RS256 PS256"`);
    }
  });

  it('an unknown token is 401 invalid_token (RFC 6750 §3.1)', async () => {
    const h = await setup();
    assertChallenge(await h.authenticate(bearerRequest('bm90LWEtdG9rZW4')), 401, 'invalid_token');
  });

  it('an expired token is 401 invalid_token (RFC 6750 §3.1)', async (t) => {
    const h = await setup({ accessTokenTtl: 60 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    const token = await accessToken(h);
    mock.timers.tick(59_000);
    assert.equal((await h.authenticate(bearerRequest(token))).status, 200);
    mock.timers.tick(1_000);
    assertChallenge(await h.authenticate(bearerRequest(token)), 401, 'invalid_token');
  });

  it('a revoked token is 401 invalid_token (RFC 6750 §3.1, RFC 7009 §2.1)', async () => {
    const h = await setup();
    const token = await accessToken(h);
    assert.equal((await h.revoke(tokenRequest({ token }, SKYVAULT, '/oauth/revoke'))).status, 200);
    assertChallenge(await h.authenticate(bearerRequest(token)), 401, 'invalid_token');
  });

  it('a token without the required scope is 403 insufficient_scope naming the scope (RFC 6750 §3.1)', async () => {
    const h = await setup();
    const token = await accessToken(h, 'read');
    const challenge = assertChallenge(await h.authenticate(bearerRequest(token), ['read', 'write']), 403, 'insufficient_scope');
    assert.match(challenge, /scope="read write"/);
    assert.equal((await h.authenticate(bearerRequest(token), ['read'])).status, 200);
  });

  it('a malformed Authorization header is 400 invalid_request (RFC 6750 §3.1)', async () => {
    const h = await setup();
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer two words', 'Bearer tok"en']) {
      assertChallenge(await h.authenticate({ method: 'GET', url: '/secure', headers: { authorization } }), 400, 'invalid_request');
    }
  });
});
