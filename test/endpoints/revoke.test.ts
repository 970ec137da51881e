import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { tokenRequest } from '../helpers/http.js';
import { POSTER, SKYVAULT, accepted, assertError, assertTokens, codeTokens, header, refresh } from '../helpers/flows.js';

const revocation = (params: Record<string, string>, auth?: readonly [string, string]) => tokenRequest(params, auth, '/oauth/revoke');

describeHosts('token revocation (RFC 7009)', (setup) => {
  it('requires client authentication (RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h);
    assertError(await h.revoke(revocation({ token: access_token })), 401, 'invalid_client');
    const wrong = await h.revoke(revocation({ token: access_token }, [SKYVAULT[0], 'wrong']));
    assertError(wrong, 401, 'invalid_client');
    assert.match(header(wrong, 'www-authenticate') ?? '', /^Basic /);
    assert.ok(await accepted(h, access_token));
  });

  it('revokes the client\'s own access token (RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { access_token, refresh_token } = await codeTokens(h);
    const response = await h.revoke(revocation({ token: access_token, token_type_hint: 'access_token' }, SKYVAULT));
    assert.equal(response.status, 200);
    assert.equal(await accepted(h, access_token), false);
    assertTokens(await refresh(h, refresh_token));
  });

  it('revoking a refresh token also ends the access tokens of its grant (RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { access_token, refresh_token } = await codeTokens(h);
    assert.equal((await h.revoke(revocation({ token: refresh_token, token_type_hint: 'refresh_token' }, SKYVAULT))).status, 200);
    assertError(await refresh(h, refresh_token), 400, 'invalid_grant');
    assert.equal(await accepted(h, access_token), false);
  });

  it('a wrong or unknown token_type_hint is ignored (RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { refresh_token } = await codeTokens(h);
    assert.equal((await h.revoke(revocation({ token: refresh_token, token_type_hint: 'access_token' }, SKYVAULT))).status, 200);
    assertError(await refresh(h, refresh_token), 400, 'invalid_grant');
    const other = await codeTokens(h);
    assert.equal((await h.revoke(revocation({ token: other.access_token, token_type_hint: 'id_token' }, SKYVAULT))).status, 200);
    assert.equal(await accepted(h, other.access_token), false);
  });

  it('another client\'s token is refused and stays valid (RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h);
    const response = await h.revoke(revocation({ token: access_token, client_id: POSTER[0], client_secret: POSTER[1] }));
    assertError(response, 400, 'unauthorized_client');
    assert.ok(await accepted(h, access_token));
  });

  it('an unknown token is answered 200 (RFC 7009 §2.2)', async () => {
    const h = await setup();
    const response = await h.revoke(revocation({ token: 'never-issued' }, SKYVAULT));
    assert.equal(response.status, 200);
    assert.equal(header(response, 'cache-control'), 'no-store');
  });

  it('a missing token is invalid_request; only POST (RFC 7009 §2.1)', async () => {
    const h = await setup();
    assertError(await h.revoke(revocation({}, SKYVAULT)), 400, 'invalid_request');
    assertError(await h.revoke({ method: 'GET', url: '/oauth/revoke?token=x', headers: {} }), 405, 'invalid_request');
  });
});
