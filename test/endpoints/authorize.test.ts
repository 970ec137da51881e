import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import type { Harness } from '../helpers/hosts.js';
import { ISSUER, REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { authorizeRequest, form, json } from '../helpers/http.js';
import { locationParams, pkcePair, resourceOwner } from '../helpers/flows.js';

const codeRequest = (extra: Record<string, string> = {}) =>
  authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz', ...extra });

/** Asserts the person sees an error (never a redirect) with this code. */
async function assertErrorPage(h: Harness, params: Record<string, string>, error: string): Promise<void> {
  const { type, response } = await h.authorize(authorizeRequest(params));
  assert.equal(type, 'error', response.headers.location);
  assert.equal(response.headers.location, undefined);
  assert.ok(response.status >= 400 && response.status < 500);
  assert.equal(json(response).error, error);
}

/** Asserts a redirect to the client carrying this error, the state and iss (RFC 6749 §4.1.2.1, RFC 9207). */
function assertErrorRedirect(outcome: Awaited<ReturnType<Harness['authorize']>>, error: string, redirectUri = REDIRECT_URI): void {
  assert.equal(outcome.type, 'redirect', outcome.response.body);
  assert.ok((outcome.response.headers.location ?? '').startsWith(`${redirectUri}?`));
  const params = locationParams(outcome.response);
  assert.equal(params.get('error'), error);
  assert.equal(typeof params.get('error_description'), 'string');
  assert.equal(params.get('state'), 'xyz');
  assert.equal(params.get('iss'), ISSUER);
  assert.equal(params.has('code'), false);
}

describeHosts('authorization endpoint (RFC 6749 §3.1, §4.1.1)', (setup) => {
  it('an unknown client is shown an error, never redirected (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    await assertErrorPage(h, { response_type: 'code', client_id: 'nobody', redirect_uri: REDIRECT_URI, state: 'xyz' }, 'invalid_client');
    await assertErrorPage(h, { response_type: 'code', redirect_uri: REDIRECT_URI }, 'invalid_request');
  });

  it('an unregistered redirect_uri is shown an error, never redirected (RFC 9700 §4.11)', async () => {
    const h = await setup();
    for (const redirectUri of ['https://attacker.example/cb', `${REDIRECT_URI}/`, 'https://CLIENT.example.com/cb', `${REDIRECT_URI}?x=1`, `${REDIRECT_URI}#f`, 'https://client.example.com:443/cb']) {
      await assertErrorPage(h, { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: redirectUri, state: 'xyz' }, 'invalid_request');
    }
  });

  it('redirect_uri may be omitted only when exactly one is registered (RFC 6749 §3.1.2.3)', async () => {
    const h = await setup();
    const one = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp' }), { user: resourceOwner, allow: true });
    assert.ok((one.response.headers.location ?? '').startsWith(`${REDIRECT_URI}?code=`));
    const { challenge } = pkcePair();
    await assertErrorPage(h, { response_type: 'code', client_id: 'spa', code_challenge: challenge, code_challenge_method: 'S256' }, 'invalid_request');
  });

  it('a loopback redirect URI may use any port, and only the port may differ (RFC 8252 §7.3)', async () => {
    const h = await setup();
    const { challenge } = pkcePair();
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256', response_type: 'code', client_id: 'spa' };
    const ok = await h.authorize(authorizeRequest({ ...pkce, redirect_uri: 'http://127.0.0.1:51234/callback' }), { user: resourceOwner, allow: true });
    assert.ok((ok.response.headers.location ?? '').startsWith('http://127.0.0.1:51234/callback?code='));
    for (const redirectUri of ['http://127.0.0.1:51234/other', 'http://localhost:51234/callback', 'http://127.0.0.1:51234/x/../callback', 'https://127.0.0.1:51234/callback']) {
      await assertErrorPage(h, { ...pkce, redirect_uri: redirectUri }, 'invalid_request');
    }
    // Not loopback: the port is part of the exact match.
    await assertErrorPage(h, { ...pkce, redirect_uri: 'https://spa.example.com:8443/cb' }, 'invalid_request');
  });

  it('a valid request asks the host to log in and ask consent', async () => {
    const h = await setup();
    const { type } = await h.authorize(codeRequest());
    assert.equal(type, 'interaction');
  });

  it('an unsupported or missing response_type is redirected with error, state and iss (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    assertErrorRedirect(await h.authorize(codeRequest({ response_type: 'code token' })), 'unsupported_response_type');
    assertErrorRedirect(await h.authorize(authorizeRequest({ client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz' })), 'invalid_request');
  });

  it('a client not registered for the response type is redirected with unauthorized_client (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    const outcome = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'service', redirect_uri: REDIRECT_URI, state: 'xyz' }));
    assert.equal(outcome.type, 'error', 'service registered no redirect URI');
    await h.store.saveClient({ client_id: 'cc-only', client_secret: 's', redirect_uris: [REDIRECT_URI], grant_types: ['client_credentials'] });
    assertErrorRedirect(await h.authorize(codeRequest({ client_id: 'cc-only' })), 'unauthorized_client');
  });

  it('an invalid scope is redirected with invalid_scope (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    assertErrorRedirect(await h.authorize(codeRequest({ scope: 'read  "write"' })), 'invalid_scope');
    assertErrorRedirect(await h.authorize(codeRequest({ scope: 'read admin' }), { user: resourceOwner, allow: true }), 'invalid_scope');
  });

  it('a scope beyond the client\'s is refused before the person signs in (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    // No decision yet: the default policy already knows the answer, so no login page is shown for it.
    assertErrorRedirect(await h.authorize(codeRequest({ scope: 'read admin' })), 'invalid_scope');
  });

  it('a POST that is not a form is refused on a page, never redirected (RFC 6749 §3.1)', async () => {
    const h = await setup();
    const outcome = await h.authorize({
      method: 'POST',
      url: '/authorize',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI }),
    });
    assert.equal(outcome.type, 'error');
    assert.equal(json(outcome.response).error, 'invalid_request');
  });

  it('a denial is redirected with access_denied (RFC 6749 §4.1.2.1)', async () => {
    const h = await setup();
    assertErrorRedirect(await h.authorize(codeRequest(), { user: resourceOwner, allow: false }), 'access_denied');
  });

  it('consent redirects with the code in the query, state and iss (RFC 6749 §4.1.2, RFC 9207 §2)', async () => {
    const h = await setup();
    const { type, response } = await h.authorize(codeRequest({ state: 'a b&c=d/é' }), { user: resourceOwner, allow: true });
    assert.equal(type, 'redirect');
    const location = new URL(response.headers.location ?? '');
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.hash, '');
    assert.ok(location.searchParams.get('code'));
    assert.equal(location.searchParams.get('state'), 'a b&c=d/é');
    assert.equal(location.searchParams.get('iss'), ISSUER);
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
  });

  it('keeps the query of a registered redirect URI (RFC 6749 §3.1.2)', async () => {
    const h = await setup();
    await h.store.saveClient({ client_id: 'q', client_secret: 's', redirect_uris: ['https://q.example/cb?tenant=7'], grant_types: ['authorization_code'] });
    const { response } = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'q', redirect_uri: 'https://q.example/cb?tenant=7' }), { user: resourceOwner, allow: true });
    const params = locationParams(response);
    assert.equal(params.get('tenant'), '7');
    assert.ok(params.get('code'));
  });

  it('answers GET with 302 and POST with 303 (RFC 9700 §4.12)', async () => {
    const h = await setup();
    const get = await h.authorize(codeRequest(), { user: resourceOwner, allow: true });
    assert.equal(get.response.status, 302);
    const post = await h.authorize(
      { method: 'POST', url: '/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz' }) },
      { user: resourceOwner, allow: true },
    );
    assert.equal(post.response.status, 303);
    assert.ok(locationParams(post.response).get('code'));
    const postError = await h.authorize(
      { method: 'POST', url: '/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz' }) },
      { user: resourceOwner, allow: false },
    );
    assert.equal(postError.response.status, 303);
  });

  it('a repeated parameter is shown as an error, never redirected (RFC 6749 §3.1)', async () => {
    const h = await setup();
    const { type, response } = await h.authorize({ method: 'GET', url: `/authorize?${form({ response_type: 'code', client_id: 'SkyVaultapp', state: 'xyz' })}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&redirect_uri=https%3A%2F%2Fevil.example%2F`, headers: {} });
    assert.equal(type, 'error');
    assert.equal(json(response).error, 'invalid_request');
  });
});

it('a valid request hands the host what the consent page needs (RFC 6749 §4.1.1)', async () => {
  const { server } = await createTestServer();
  const { challenge } = pkcePair();
  const result = await server.authorize(codeRequest({ scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' }));
  assert.equal(result.type, 'interaction');
  if (result.type !== 'interaction') return;
  const { client, responseType, redirectUri, redirectUriSent, scope, state, codeChallenge, codeChallengeMethod, responseMode } = result.request;
  assert.equal(client.client_id, 'SkyVaultapp');
  assert.deepEqual(
    { responseType, redirectUri, redirectUriSent, scope, state, codeChallenge, codeChallengeMethod, responseMode },
    { responseType: 'code', redirectUri: REDIRECT_URI, redirectUriSent: true, scope: ['read'], state: 'xyz', codeChallenge: challenge, codeChallengeMethod: 'S256', responseMode: 'query' },
  );
});
