import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { tokenRequest } from '../helpers/http.js';
import { POSTER, SERVICE, accepted, assertError, assertTokens } from '../helpers/flows.js';

describeHosts('client_credentials grant (RFC 6749 §4.4)', (setup) => {
  it('issues an access token and no refresh token (RFC 6749 §4.4.3)', async () => {
    const h = await setup();
    // SkyVaultapp is registered for refresh_token too: still none here.
    for (const auth of [SERVICE, ['SkyVaultapp', 'secret'] as const]) {
      const body = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, auth)));
      assert.equal(body.refresh_token, undefined);
      assert.ok(await accepted(h, body.access_token));
    }
  });

  it('works with client_secret_post (RFC 6749 §2.3.1)', async () => {
    const h = await setup();
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: POSTER[0], client_secret: POSTER[1] })));
  });

  it('public clients never receive client_credentials tokens (RFC 6749 §4.4)', async () => {
    const h = await setup();
    await h.store.saveClient({ client_id: 'public-cc', redirect_uris: [], grant_types: ['client_credentials'] });
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: 'public-cc' })), 400, 'unauthorized_client');
  });

  it('a scope beyond the client\'s registered scope is invalid_scope (RFC 6749 §3.3)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', scope: 'write' }, SERVICE)), 400, 'invalid_scope');
  });

  it('names the granted scope when the client asked for none (RFC 6749 §5.1)', async () => {
    const h = await setup();
    const body = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)));
    assert.equal(body.scope, 'read');
  });
});
