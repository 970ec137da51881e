/** SECURITY-CHECKLIST "Redirects and the authorization endpoint": the lines the core implements. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { ISSUER, REDIRECT_URI } from '../helpers/fixtures.js';
import { authorizeRequest, form, json, tokenRequest } from '../helpers/http.js';
import { SKYVAULT, locationParams, pkcePair, resourceOwner } from '../helpers/flows.js';

const code = (extra: Record<string, string>) => authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', state: 'xyz', ...extra });

describeHosts('security: redirects and the authorization endpoint', (setup) => {
  it('redirect_uri is compared by exact string; only a registered loopback URI may change its port (RFC 9700 §4.1.3, RFC 8252 §7.3)', async () => {
    const h = await setup();
    for (const redirectUri of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?a=1`, REDIRECT_URI.toUpperCase(), 'https://client.example.com:8443/cb']) {
      assert.equal((await h.authorize(code({ redirect_uri: redirectUri }))).type, 'error', redirectUri);
    }
    const pkce = { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const loopback = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'spa', redirect_uri: 'http://127.0.0.1:6000/callback', ...pkce }));
    assert.equal(loopback.type, 'interaction');
  });

  it('an unknown client or a missing or unregistered redirect_uri is never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11)', async () => {
    const h = await setup();
    for (const request of [
      authorizeRequest({ response_type: 'code', client_id: 'nobody', redirect_uri: REDIRECT_URI }),
      authorizeRequest({ response_type: 'code', client_id: 'spa' }),
      code({ redirect_uri: 'https://evil.example/cb' }),
    ]) {
      const { type, response } = await h.authorize(request, { user: resourceOwner, allow: true });
      assert.equal(type, 'error');
      assert.equal(response.headers.location, undefined);
    }
  });

  it('after a POST the redirect is 303, never 307 (RFC 9700 §4.12)', async () => {
    const h = await setup();
    const post = { method: 'POST', url: '/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ response_type: 'code', client_id: 'SkyVaultapp', state: 's' }) };
    for (const allow of [true, false]) assert.equal((await h.authorize(post, { user: resourceOwner, allow })).response.status, 303);
  });

  it('iss is in every authorization response, success and error, and advertised in metadata (RFC 9207)', async () => {
    const h = await setup();
    const responses = [
      (await h.authorize(code({}), { user: resourceOwner, allow: true })).response,
      (await h.authorize(code({}), { user: resourceOwner, allow: false })).response,
      (await h.authorize(code({ response_type: 'id_token' }))).response,
    ];
    for (const response of responses) assert.equal(locationParams(response).get('iss'), ISSUER);
    const implicit = await h.authorize(code({ response_type: 'token' }), { user: resourceOwner, allow: true });
    assert.equal(locationParams(implicit.response, 'fragment').get('iss'), ISSUER);
    assert.equal(json(await h.metadata()).authorization_response_iss_parameter_supported, true);
  });

  it('state is echoed unchanged (RFC 6749 §4.1.2, RFC 9700 §4.7)', async () => {
    const h = await setup();
    const state = 'ä +%20&=#/?"<>\'';
    for (const allow of [true, false]) {
      const { response } = await h.authorize(code({ state }), { user: resourceOwner, allow });
      assert.equal(locationParams(response).get('state'), state);
    }
  });

  it('authorization redirects carry Referrer-Policy: no-referrer (RFC 9700 §4.2.4)', async () => {
    const h = await setup();
    for (const allow of [true, false]) {
      assert.equal((await h.authorize(code({}), { user: resourceOwner, allow })).response.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('a wrong password and an unknown user look the same (no user enumeration)', async () => {
    const h = await setup();
    const answer = async (username: string, password: string) => {
      const { status, body } = await h.token(tokenRequest({ grant_type: 'password', username, password }, SKYVAULT));
      return { status, body };
    };
    assert.deepEqual(await answer('admin', 'wrong'), await answer('nobody', 'wrong'));
  });
});
