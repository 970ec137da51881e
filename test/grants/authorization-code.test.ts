import { it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/index.js';
import { describeHosts } from '../helpers/hosts.js';
import { createTestServer, REDIRECT_URI } from '../helpers/fixtures.js';
import { tokenRequest } from '../helpers/http.js';
import { POSTER, SKYVAULT, accepted, assertError, assertTokens, getCode, pkcePair, redeem, refresh } from '../helpers/flows.js';

describeHosts('authorization_code grant (RFC 6749 §4.1.3, RFC 7636)', (setup) => {
  it('redeems a code for an access and a refresh token (RFC 6749 §4.1.3-4.1.4)', async () => {
    const h = await setup();
    const body = assertTokens(await redeem(h, await getCode(h)));
    assert.equal(typeof body.refresh_token, 'string');
    assert.equal(body.expires_in, 3600);
    assert.ok(await accepted(h, body.access_token));
  });

  it('accepts a matching S256 code_verifier (RFC 7636 §4.6)', async () => {
    const h = await setup();
    const { verifier, challenge } = pkcePair();
    assertTokens(await redeem(h, await getCode(h, { challenge }), { code_verifier: verifier }));
  });

  it('refuses code_challenge_method=plain unless allowPlainPkce (RFC 7636 §4.2, RFC 9700 §2.1.1)', async () => {
    const plain = 'a'.repeat(43);
    const strict = await setup();
    const refused = await strict.authorize(
      { method: 'GET', url: `/authorize?response_type=code&client_id=SkyVaultapp&state=s&code_challenge=${plain}&code_challenge_method=plain`, headers: {} },
    );
    assert.equal(refused.type, 'redirect');
    assert.match(refused.response.headers.location ?? '', /error=invalid_request/);

    const lenient = await setup({ allowPlainPkce: true });
    const code = await getCode(lenient, { challenge: plain, challengeMethod: 'plain' });
    assertTokens(await redeem(lenient, code, { code_verifier: plain }));
  });

  it('requires PKCE from public clients (RFC 9700 §2.1.1)', async () => {
    const h = await setup();
    const refused = await h.authorize({ method: 'GET', url: '/authorize?response_type=code&client_id=spa&redirect_uri=https%3A%2F%2Fspa.example.com%2Fcb&state=s', headers: {} });
    assert.equal(refused.type, 'redirect');
    const location = new URL(refused.response.headers.location ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('state'), 's');

    const { verifier, challenge } = pkcePair();
    const code = await getCode(h, { clientId: 'spa', redirectUri: 'https://spa.example.com/cb', challenge });
    const body = assertTokens(
      await h.token(tokenRequest({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: 'https://spa.example.com/cb', code_verifier: verifier })),
    );
    assert.ok(await accepted(h, body.access_token));
  });

  it('requires PKCE with requirePkce, and from clients registered with require_pkce (RFC 9700 §2.1.1)', async () => {
    const h = await setup({ requirePkce: true });
    const refused = await h.authorize({ method: 'GET', url: '/authorize?response_type=code&client_id=SkyVaultapp&state=s', headers: {} });
    assert.match(refused.response.headers.location ?? '', /error=invalid_request/);

    const perClient = await setup();
    await perClient.store.saveClient({
      client_id: 'strict', client_secret: 'strict-secret', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], require_pkce: true,
    });
    const alsoRefused = await perClient.authorize({ method: 'GET', url: '/authorize?response_type=code&client_id=strict&state=s', headers: {} });
    assert.match(alsoRefused.response.headers.location ?? '', /error=invalid_request/);
  });

  it('a code is single-use; a second redemption is invalid_grant and revokes the tokens issued from it (RFC 6749 §4.1.2, RFC 9700 §4.2.1)', async () => {
    const h = await setup();
    const code = await getCode(h);
    const first = assertTokens(await redeem(h, code));
    assertError(await redeem(h, code), 400, 'invalid_grant');
    assert.equal(await accepted(h, first.access_token), false);
    assertError(await refresh(h, String(first.refresh_token)), 400, 'invalid_grant');
  });

  // A wrong code_verifier burning the code: test/security/codes-and-pkce.test.ts.

  it('a code_verifier without a challenge is refused (PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const h = await setup();
    assertError(await redeem(h, await getCode(h), { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
  });

  it('a code with a challenge needs its verifier (RFC 7636 §4.6)', async () => {
    const h = await setup();
    assertError(await redeem(h, await getCode(h, { challenge: pkcePair().challenge })), 400, 'invalid_grant');
  });

  it('redirect_uri must be repeated and identical when the authorization request sent one (RFC 6749 §4.1.3)', async () => {
    const h = await setup();
    assertError(
      await h.token(tokenRequest({ grant_type: 'authorization_code', code: await getCode(h) }, SKYVAULT)),
      400,
      'invalid_request',
    );
    assertError(await redeem(h, await getCode(h), { redirect_uri: `${REDIRECT_URI}/` }), 400, 'invalid_grant');
    // Without redirect_uri in the authorization request, none is needed at the token endpoint.
    const code = await getCode(h, { redirectUri: null });
    assertTokens(await h.token(tokenRequest({ grant_type: 'authorization_code', code }, SKYVAULT)));
  });

  it('a code is bound to the client it was issued to (RFC 6749 §4.1.3)', async () => {
    const h = await setup();
    const code = await getCode(h);
    assertError(
      await h.token(tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: POSTER[0], client_secret: POSTER[1] })),
      400,
      'invalid_grant',
    );
    // Another client's attempt does not burn the code for its owner.
    assertTokens(await redeem(h, code));
  });

  it('an unknown code is invalid_grant, a missing one invalid_request (RFC 6749 §5.2)', async () => {
    const h = await setup();
    assertError(await redeem(h, 'no-such-code'), 400, 'invalid_grant');
    assertError(await h.token(tokenRequest({ grant_type: 'authorization_code' }, SKYVAULT)), 400, 'invalid_request');
  });

  it('a code expires after authorizationCodeTtl (RFC 6749 §4.1.2)', async (t) => {
    const h = await setup({ authorizationCodeTtl: 60 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    const fresh = await getCode(h);
    const stale = await getCode(h);
    mock.timers.tick(59_000);
    assertTokens(await redeem(h, fresh));
    mock.timers.tick(1_000);
    assertError(await redeem(h, stale), 400, 'invalid_grant');
  });

  it('50 parallel redemptions of one code: exactly one succeeds (RFC 6749 §4.1.2)', async () => {
    const h = await setup();
    const code = await getCode(h);
    const responses = await Promise.all(Array.from({ length: 50 }, () => redeem(h, code)));
    assert.equal(responses.filter((r) => r.status === 200).length, 1);
    for (const r of responses.filter((r) => r.status !== 200)) assertError(r, 400, 'invalid_grant');
  });
});

it('authorizationCodeTtl above 600 seconds is a ConfigError (RFC 6749 §4.1.2)', async () => {
  await assert.rejects(createTestServer({ authorizationCodeTtl: 601 }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_TOLLGATE_INVALID_OPTION');
    assert.equal(err.field, 'authorizationCodeTtl');
    return true;
  });
  await createTestServer({ authorizationCodeTtl: 600 });
});
