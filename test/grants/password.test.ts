import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { json, tokenRequest } from '../helpers/http.js';
import { POSTER, SKYVAULT, accepted, assertError, assertTokens } from '../helpers/flows.js';

const passwordRequest = (username: string, password: string, extra: Record<string, string> = {}, auth: readonly [string, string] = SKYVAULT) =>
  tokenRequest({ grant_type: 'password', username, password, ...extra }, auth);

describeHosts('password grant (RFC 6749 §4.3)', (setup) => {
  it('issues an access and a refresh token for the right credentials (RFC 6749 §4.3.3)', async () => {
    const h = await setup();
    const body = assertTokens(await h.token(passwordRequest('admin', 'tiger')));
    assert.equal(typeof body.refresh_token, 'string');
    assert.ok(await accepted(h, body.access_token));
  });

  it('a wrong password and an unknown user get the same answer (no user enumeration)', async () => {
    const h = await setup();
    const wrong = await h.token(passwordRequest('admin', 'lion'));
    const unknown = await h.token(passwordRequest('nobody', 'tiger'));
    assertError(wrong, 400, 'invalid_grant');
    assert.equal(unknown.status, wrong.status);
    assert.deepEqual(json(unknown), json(wrong));
  });

  it('only clients registered for it may use it (RFC 9700 §2.4)', async () => {
    const h = await setup();
    assertError(
      await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'tiger', client_id: POSTER[0], client_secret: POSTER[1] })),
      400,
      'unauthorized_client',
    );
  });

  it('is off unless enabled on the server (RFC 9700 §2.4)', async () => {
    const h = await setup({ grantTypes: ['authorization_code', 'refresh_token'] });
    assertError(await h.token(passwordRequest('admin', 'tiger')), 400, 'unsupported_grant_type');
  });

  it('missing username or password is invalid_request (RFC 6749 §4.3.2)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'password', password: 'tiger' }, SKYVAULT)), 400, 'invalid_request');
    assertError(await h.token(tokenRequest({ grant_type: 'password', username: 'admin' }, SKYVAULT)), 400, 'invalid_request');
  });

  it('a scope beyond the client\'s is invalid_scope; a narrower one is granted (RFC 6749 §3.3)', async () => {
    const h = await setup();
    assertError(await h.token(passwordRequest('admin', 'tiger', { scope: 'read admin' })), 400, 'invalid_scope');
    const body = assertTokens(await h.token(passwordRequest('admin', 'tiger', { scope: 'read' })));
    assert.ok(body.scope === undefined || body.scope === 'read');
  });
});
