/** SECURITY-CHECKLIST "Clients" and "Tokens": the lines the core implements. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { authorizeRequest, tokenRequest } from '../helpers/http.js';
import { POSTER, SERVICE, SKYVAULT, accepted, assertError, assertTokens, codeTokens, header, refresh } from '../helpers/flows.js';

describeHosts('security: clients and tokens', (setup) => {
  it('a client authenticates with one method per request, and a confidential client on every token request (RFC 6749 §2.3, §3.2.1)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_secret: 'secret' }, SKYVAULT)), 400, 'invalid_request');
    const { refresh_token } = await codeTokens(h);
    assertError(await h.token(tokenRequest({ grant_type: 'refresh_token', refresh_token, client_id: SKYVAULT[0] })), 401, 'invalid_client');
  });

  it('public clients never receive client_credentials tokens nor use a confidential client\'s grants (RFC 6749 §4.4, RFC 9700 §2.4)', async () => {
    const h = await setup();
    await h.store.saveClient({ client_id: 'greedy', redirect_uris: [], grant_types: ['client_credentials', 'external_token'] });
    for (const grant_type of ['client_credentials', 'external_token']) {
      assertError(await h.token(tokenRequest({ grant_type, client_id: 'greedy', username: 'admin', password: 'tiger', access_token: 'abc' })), 400, 'unauthorized_client');
    }
    assertError(await h.token(tokenRequest({ grant_type: 'password', client_id: 'spa', username: 'admin', password: 'tiger' })), 400, 'unauthorized_client');
  });

  it('opaque access and refresh tokens carry at least 128 random bits (RFC 6749 §10.10)', async () => {
    const h = await setup();
    const issued = await Promise.all(Array.from({ length: 10 }, () => codeTokens(h)));
    const values = issued.flatMap((t) => [t.access_token, t.refresh_token]);
    assert.equal(new Set(values).size, values.length);
    for (const value of values) assert.ok(Buffer.from(value, 'base64url').length >= 16, value);
  });

  it('refresh tokens rotate, reuse of a rotated one revokes the grant, and they are bound to their client (RFC 9700 §4.14.2)', async () => {
    const h = await setup();
    const first = await codeTokens(h);
    assertError(await h.token(tokenRequest({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: POSTER[0], client_secret: POSTER[1] })), 400, 'invalid_grant');
    const second = assertTokens(await refresh(h, first.refresh_token));
    assertError(await refresh(h, first.refresh_token), 400, 'invalid_grant');
    assert.equal(await accepted(h, second.access_token), false);
  });

  it('scope on refresh may only narrow (RFC 6749 §6)', async () => {
    const h = await setup();
    assertError(await refresh(h, (await codeTokens(h, 'read')).refresh_token, { scope: 'read write' }), 400, 'invalid_scope');
  });

  it('token responses, success and error, carry Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)', async () => {
    const h = await setup();
    for (const auth of [SERVICE, [SERVICE[0], 'bad'] as const]) {
      const response = await h.token(tokenRequest({ grant_type: 'client_credentials' }, auth));
      assert.equal(header(response, 'cache-control'), 'no-store');
      assert.equal(header(response, 'pragma'), 'no-cache');
    }
  });

  it('the password and implicit grants are off unless a client is registered for them (RFC 9700 §2.4, §2.1.2)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'tiger', client_id: POSTER[0], client_secret: POSTER[1] })), 400, 'unauthorized_client');
    const implicit = await h.authorize(authorizeRequest({ response_type: 'token', client_id: 'poster', state: 's' }));
    assert.match(implicit.response.headers.location ?? '', /#.*error=unauthorized_client/);
  });
});
