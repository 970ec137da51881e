/** SECURITY-CHECKLIST "Authorization codes and PKCE". */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { authorizeRequest, json, tokenRequest } from '../helpers/http.js';
import { POSTER, accepted, assertError, assertTokens, getCode, pkcePair, redeem, refresh } from '../helpers/flows.js';

describeHosts('security: authorization codes and PKCE', (setup) => {
  it('codes carry at least 128 random bits, live at most 10 minutes, and are bound to client, redirect URI, scope and PKCE challenge (RFC 6749 §4.1.2, §10.10)', async () => {
    const h = await setup();
    const codes = await Promise.all(Array.from({ length: 20 }, () => getCode(h)));
    assert.equal(new Set(codes).size, codes.length);
    for (const value of codes) assert.ok(Buffer.from(value, 'base64url').length >= 16, value);
    await assert.rejects(createTestServer({ authorizationCodeTtl: 601 }), { field: 'authorizationCodeTtl' });
    const [a, b, c, d] = codes as [string, string, string, string];
    assertError(await redeem(h, a, {}, POSTER), 401, 'invalid_client');
    assertError(await h.token(tokenRequest({ grant_type: 'authorization_code', code: a, redirect_uri: REDIRECT_URI, client_id: POSTER[0], client_secret: POSTER[1] })), 400, 'invalid_grant');
    assertError(await redeem(h, b, { redirect_uri: 'https://client.example.com/other' }), 400, 'invalid_grant');
    const narrow = assertTokens(await redeem(h, await getCode(h, { scope: 'read' })));
    assert.equal((await h.authenticate({ method: 'GET', url: '/secure', headers: { authorization: `Bearer ${narrow.access_token}` } }, ['write'])).status, 403);
    const { challenge } = pkcePair();
    assertError(await redeem(h, await getCode(h, { challenge }), { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
    assertTokens(await redeem(h, c));
    assertTokens(await redeem(h, d));
  });

  it('a code stored with plain PKCE is refused at the token endpoint while plain is not enabled, and burnt (RFC 7636 §4.2, RFC 9700 §2.1.1)', async () => {
    const h = await setup();
    const client = await h.store.getClient('SkyVaultapp', null);
    assert.ok(client);
    const verifier = pkcePair().verifier;
    // Issued while plain was allowed, or written by a model: the token endpoint must still refuse it.
    const code = {
      authorizationCode: `plain-${verifier.slice(0, 20)}`,
      expiresAt: new Date(Date.now() + 60_000),
      redirectUri: REDIRECT_URI,
      scope: ['read'],
      client,
      user: { id: 'admin-id', username: 'admin' },
      codeChallenge: verifier,
      codeChallengeMethod: 'plain' as const,
      grantId: `grant-${verifier.slice(0, 12)}`,
    };
    await h.store.saveAuthorizationCode(code, client, code.user);
    assertError(await redeem(h, code.authorizationCode, { code_verifier: verifier }), 400, 'invalid_grant');
    const burnt = await h.store.getAuthorizationCode(code.authorizationCode);
    assert.ok(burnt && burnt.consumedAt, 'a refused plain code is consumed, never retried');
  });

  it('a code is single-use even under parallel redemption, and a replay revokes its tokens (RFC 6749 §4.1.2, RFC 9700 §4.2.1)', async () => {
    const h = await setup();
    const code = await getCode(h);
    const results = await Promise.all(Array.from({ length: 10 }, () => redeem(h, code)));
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    const [winner] = winners;
    assertError(await redeem(h, code), 400, 'invalid_grant');
    const tokens = json(winner!);
    assert.equal(await accepted(h, String(tokens.access_token)), false);
    assertError(await refresh(h, String(tokens.refresh_token)), 400, 'invalid_grant');
  });

  it('the token request\'s redirect_uri must equal the authorization request\'s (RFC 6749 §4.1.3)', async () => {
    const h = await setup();
    assertError(await redeem(h, await getCode(h), { redirect_uri: `${REDIRECT_URI}?x` }), 400, 'invalid_grant');
  });

  it('S256 is advertised; plain only when enabled; public clients must use PKCE (RFC 9700 §2.1.1)', async () => {
    const h = await setup();
    assert.deepEqual(json(await h.metadata()).code_challenge_methods_supported, ['S256']);
    const plain = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }));
    assert.match(plain.response.headers.location ?? '', /error=invalid_request/);
    const publicWithout = await h.authorize(authorizeRequest({ response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example.com/cb' }));
    assert.match(publicWithout.response.headers.location ?? '', /error=invalid_request/);
  });

  it('a code_verifier for a code issued without code_challenge is refused (PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const h = await setup();
    assertError(await redeem(h, await getCode(h), { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
  });

  it('a wrong code_verifier burns the code (RFC 9700 §4.2.1)', async () => {
    const h = await setup();
    const { verifier, challenge } = pkcePair();
    const code = await getCode(h, { challenge });
    assertError(await redeem(h, code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
    assertError(await redeem(h, code, { code_verifier: verifier }), 400, 'invalid_grant');
  });
});
