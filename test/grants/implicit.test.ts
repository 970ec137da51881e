import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { ISSUER, REDIRECT_URI } from '../helpers/fixtures.js';
import { authorizeRequest } from '../helpers/http.js';
import { accepted, locationParams, resourceOwner } from '../helpers/flows.js';

const implicitRequest = (clientId: string, redirectUri: string) =>
  authorizeRequest({ response_type: 'token', client_id: clientId, redirect_uri: redirectUri, state: 'st/8 =?' });

describeHosts('implicit grant (RFC 6749 §4.2)', (setup) => {
  it('answers with the access token in the fragment, with token_type, expires_in, state and iss (RFC 6749 §4.2.2, RFC 9207)', async () => {
    const h = await setup();
    const { type, response } = await h.authorize(implicitRequest('SkyVaultapp', REDIRECT_URI), { user: resourceOwner, allow: true });
    assert.equal(type, 'redirect');
    assert.equal(response.status, 302);
    const location = new URL(response.headers.location ?? '');
    assert.equal(location.search, '', 'nothing in the query');
    const params = locationParams(response, 'fragment');
    assert.equal(params.get('token_type'), 'Bearer');
    assert.equal(params.get('expires_in'), '3600');
    assert.equal(params.get('state'), 'st/8 =?');
    assert.equal(params.get('iss'), ISSUER);
    assert.ok(await accepted(h, params.get('access_token') ?? ''));
  });

  it('never issues a refresh token (RFC 6749 §4.2.2)', async () => {
    const h = await setup();
    const { response } = await h.authorize(implicitRequest('SkyVaultapp', REDIRECT_URI), { user: resourceOwner, allow: true });
    assert.equal(locationParams(response, 'fragment').has('refresh_token'), false);
  });

  it('only clients registered for it may use it: unauthorized_client in the fragment (RFC 9700 §2.1.2)', async () => {
    const h = await setup();
    const { type, response } = await h.authorize(implicitRequest('poster', 'https://poster.example.com/cb'));
    assert.equal(type, 'redirect');
    const params = locationParams(response, 'fragment');
    assert.equal(params.get('error'), 'unauthorized_client');
    assert.equal(params.get('iss'), ISSUER);
  });

  it('is off unless enabled on the server: unsupported_response_type (RFC 9700 §2.1.2)', async () => {
    const h = await setup({ grantTypes: ['authorization_code', 'refresh_token'] });
    const { response } = await h.authorize(implicitRequest('SkyVaultapp', REDIRECT_URI));
    assert.equal(locationParams(response, 'fragment').get('error'), 'unsupported_response_type');
  });

  it('a denial is access_denied in the fragment (RFC 6749 §4.2.2.1)', async () => {
    const h = await setup();
    const { response } = await h.authorize(implicitRequest('SkyVaultapp', REDIRECT_URI), { user: resourceOwner, allow: false });
    const params = locationParams(response, 'fragment');
    assert.equal(params.get('error'), 'access_denied');
    assert.equal(params.get('state'), 'st/8 =?');
    assert.equal(params.has('access_token'), false);
  });
});
