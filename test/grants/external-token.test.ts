import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describeHosts } from '../helpers/hosts.js';
import { tokenRequest } from '../helpers/http.js';
import { externalTokenGrant } from '../../src/app/external-token.js';
import { SERVICE, SKYVAULT, accepted, assertError, assertTokens, codeTokens, refresh } from '../helpers/flows.js';

const imported = () => randomBytes(16).toString('hex');
const externalRequest = (params: Record<string, string>, auth: readonly [string, string] = SKYVAULT) =>
  tokenRequest({ grant_type: 'external_token', ...params }, auth);

describeHosts('external_token grant (seed 002, RFC 6749 §4.5)', (setup) => {
  it('an imported access token then authenticates at the protected resource (RFC 6750 §2.1)', async () => {
    const h = await setup();
    const accessToken = imported();
    const refreshToken = imported();
    const body = assertTokens(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: accessToken, refresh_token: refreshToken })));
    assert.equal(body.access_token, accessToken);
    assert.equal(body.refresh_token, refreshToken);
    assert.ok(await accepted(h, accessToken));
    assertTokens(await refresh(h, refreshToken));
  });

  it('bad resource owner credentials are invalid_grant, and nothing is imported (RFC 6749 §5.2)', async () => {
    const h = await setup();
    const accessToken = imported();
    assertError(await h.token(externalRequest({ username: 'admin', password: 'admin', access_token: accessToken })), 400, 'invalid_grant');
    assert.equal(await accepted(h, accessToken), false);
  });

  it('missing username, password or access_token is invalid_request (RFC 6749 §5.2)', async () => {
    const h = await setup();
    const all = { username: 'admin', password: 'tiger', access_token: imported() };
    for (const missing of Object.keys(all) as Array<keyof typeof all>) {
      const { [missing]: _dropped, ...rest } = all;
      assertError(await h.token(externalRequest(rest)), 400, 'invalid_request');
    }
  });

  it('a token that is not a valid bearer string is invalid_request (RFC 6750 §2.1)', async () => {
    const h = await setup();
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: 'two words' })), 400, 'invalid_request');
  });

  it('an already known access token is never overwritten (invalid_grant)', async () => {
    const h = await setup();
    const accessToken = imported();
    assertTokens(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: accessToken })));
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: accessToken })), 400, 'invalid_grant');
  });

  it('an already known refresh token is never overwritten by an import (invalid_grant), and keeps working for its owner', async () => {
    const h = await setup();
    const refreshToken = imported();
    assertTokens(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: imported(), refresh_token: refreshToken })));
    const second = imported();
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: second, refresh_token: refreshToken })), 400, 'invalid_grant');
    assert.equal(await accepted(h, second), false);
    assertTokens(await refresh(h, refreshToken));
  });

  it('a rotated refresh token cannot be revived by an import (RFC 9700 §4.14.2)', async () => {
    const h = await setup();
    const { refresh_token: rotated } = await codeTokens(h);
    assertTokens(await refresh(h, rotated));
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: imported(), refresh_token: rotated })), 400, 'invalid_grant');
    // Still recognised as reused, not as a fresh token.
    assertError(await refresh(h, rotated), 400, 'invalid_grant');
  });

  it('only clients registered for it may use it (unauthorized_client)', async () => {
    const h = await setup();
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: imported() }, SERVICE)), 400, 'unauthorized_client');
  });

  it('verifyUpstream refusing the token is invalid_grant', async () => {
    const h = await setup({ grants: [externalTokenGrant({ verifyUpstream: async () => false })] });
    assertError(await h.token(externalRequest({ username: 'admin', password: 'tiger', access_token: imported() })), 400, 'invalid_grant');
  });
});
