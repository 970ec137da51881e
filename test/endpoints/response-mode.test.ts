/**
 * `response_mode` (OAuth 2.0 Multiple Response Type Encoding Practices §2.1) and OAuth 2.0 Form
 * Post Response Mode: the page that posts the response to the redirect URI, escaped, with a CSP
 * that lets only its own submit script run and its form post only to the client.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { ISSUER, REDIRECT_URI } from '../helpers/fixtures.js';
import { authorizeRequest, json } from '../helpers/http.js';
import { locationParams, resourceOwner } from '../helpers/flows.js';

const request = (extra: Record<string, string> = {}) =>
  authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz', ...extra });

/** The hidden fields of a form_post page, as a browser would post them. */
function postedFields(body: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const [, name, value] of body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    const decode = (s: string | undefined) => (s ?? '').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    fields.append(decode(name), decode(value));
  }
  return fields;
}

describeHosts('response_mode and form_post (Form Post Response Mode §2)', (setup) => {
  it('response_mode=form_post answers a page whose form posts code, state and iss to the redirect URI, and no redirect', async () => {
    const h = await setup();
    const { response } = await h.authorize(request({ response_mode: 'form_post' }), { user: resourceOwner, allow: true });
    assert.equal(response.status, 200);
    assert.equal(response.headers.location, undefined);
    assert.match(response.headers['content-type'] ?? '', /^text\/html/);
    assert.match(response.body, new RegExp(`<form method="post" action="${REDIRECT_URI}">`));
    const fields = postedFields(response.body);
    assert.ok(fields.get('code'));
    assert.equal(fields.get('state'), 'xyz');
    assert.equal(fields.get('iss'), ISSUER);
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  it('form_post: a state with markup is escaped in the page, never markup (no script injection)', async () => {
    const h = await setup();
    const state = '"><script>alert(1)</script><input name="x';
    const { response } = await h.authorize(request({ response_mode: 'form_post', state }), { user: resourceOwner, allow: true });
    assert.equal(response.body.includes('<script>alert(1)'), false);
    assert.equal(postedFields(response.body).get('state'), state);
  });

  it('form_post: the CSP runs only the hashed submit script, posts only to the client, and forbids framing', async () => {
    const h = await setup();
    const { response } = await h.authorize(request({ response_mode: 'form_post' }), { user: resourceOwner, allow: true });
    const csp = response.headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, new RegExp(`form-action ${new URL(REDIRECT_URI).origin}(;|$)`));
    assert.match(csp, /frame-ancestors 'none'/);
  });

  it('form_post: an error after the redirect URI is trusted is posted too (access_denied)', async () => {
    const h = await setup();
    const { response } = await h.authorize(request({ response_mode: 'form_post' }), { user: resourceOwner, allow: false });
    assert.equal(response.status, 200);
    assert.equal(postedFields(response.body).get('error'), 'access_denied');
  });

  it('an unknown response_mode is invalid_request at the redirect URI in the default mode', async () => {
    const h = await setup();
    const { type, response } = await h.authorize(request({ response_mode: 'web_message' }));
    assert.equal(type, 'redirect');
    assert.equal(locationParams(response).get('error'), 'invalid_request');
  });

  it('response_mode=query is refused for response_type=token: a token never goes in the query (§2.1)', async () => {
    const h = await setup();
    const { response } = await h.authorize(authorizeRequest({ response_type: 'token', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz', response_mode: 'query' }));
    assert.equal(locationParams(response, 'fragment').get('error'), 'invalid_request');
    assert.equal(locationParams(response).has('access_token'), false);
  });

  it('response_mode=fragment puts the code in the fragment', async () => {
    const h = await setup();
    const { response } = await h.authorize(request({ response_mode: 'fragment' }), { user: resourceOwner, allow: true });
    assert.ok(locationParams(response, 'fragment').get('code'));
  });

  it('the metadata advertises form_post (RFC 8414 §2 response_modes_supported)', async () => {
    const h = await setup();
    assert.ok((json(await h.metadata()).response_modes_supported as string[]).includes('form_post'));
  });
});
