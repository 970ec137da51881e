import { it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { Harness, ServerOverrides } from '../helpers/hosts.js';
import type { TokenExchangeRequest } from '../../src/model.js';
import { describeHosts } from '../helpers/hosts.js';
import { json, tokenRequest } from '../helpers/http.js';
import { POSTER, SKYVAULT, accepted, assertError, assertTokens, codeTokens } from '../helpers/flows.js';
import { ISSUER, skyvault, poster } from '../helpers/fixtures.js';
import { createJwtAccessTokenFormat } from '../../src/tokens/jwt.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const API = 'https://api.example.com/';

const options: ServerOverrides = {
  grantTypes: ['authorization_code', 'client_credentials', 'refresh_token', TOKEN_EXCHANGE],
  resources: [{ uri: API, scope: ['read'] }],
};

/** A server where SkyVaultapp and poster may use token exchange. */
async function exchangeServer(setup: (o?: ServerOverrides) => Promise<Harness>, overrides: ServerOverrides = {}): Promise<Harness> {
  const h = await setup({ ...options, ...overrides });
  await h.store.saveClient({ ...skyvault, grant_types: [...skyvault.grant_types, TOKEN_EXCHANGE] });
  await h.store.saveClient({ ...poster, grant_types: [...poster.grant_types, TOKEN_EXCHANGE] });
  return h;
}

/** A token exchange request, as SkyVaultapp (Basic) or as poster (its secret in the body, client_secret_post). */
function exchange(h: Harness, params: Record<string, string>, as: 'SkyVaultapp' | 'poster' = 'SkyVaultapp'): ReturnType<Harness['token']> {
  const body = { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...params };
  if (as === 'poster') return h.token(tokenRequest({ ...body, client_id: POSTER[0], client_secret: POSTER[1] }));
  return h.token(tokenRequest(body, SKYVAULT));
}

async function introspect(h: Harness, token: string): Promise<Record<string, unknown>> {
  return json(await h.introspect(tokenRequest({ token }, SKYVAULT, '/oauth/introspect')));
}

describeHosts('token exchange grant (RFC 8693)', (setup) => {
  it('exchanges the client\'s own access token for a working one, with issued_token_type and no refresh token (RFC 8693 §2.2.1)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h, 'read write');
    const body = assertTokens(await exchange(h, { subject_token: access_token }));
    assert.equal(body.issued_token_type, ACCESS_TOKEN);
    assert.equal(body.refresh_token, undefined);
    assert.notEqual(body.access_token, access_token);
    assert.ok(await accepted(h, body.access_token));
    const info = await introspect(h, body.access_token);
    assert.equal(info.sub, 'user-admin');
    assert.equal(info.scope, 'read write');
  });

  it('down-scoping only: a narrower scope is issued, a wider one is invalid_scope (RFC 8693 §2.1)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h, 'read');
    const narrowed = assertTokens(await exchange(h, { subject_token: (await codeTokens(h, 'read write')).access_token, scope: 'read' }));
    assert.equal((await introspect(h, narrowed.access_token)).scope, 'read');
    assertError(await exchange(h, { subject_token: access_token, scope: 'read write' }), 400, 'invalid_scope');
  });

  it('an unknown, revoked or expired subject_token is invalid_request (RFC 8693 §2.2.2)', async () => {
    const h = await exchangeServer(setup);
    assertError(await exchange(h, { subject_token: 'no-such-token' }), 400, 'invalid_request');
    const { access_token } = await codeTokens(h);
    assert.equal((await h.revoke(tokenRequest({ token: access_token }, SKYVAULT, '/oauth/revoke'))).status, 200);
    assertError(await exchange(h, { subject_token: access_token }), 400, 'invalid_request');
    const expired = await setup({ ...options, accessTokenTtl: 1 });
    await expired.store.saveClient({ ...skyvault, grant_types: [...skyvault.grant_types, TOKEN_EXCHANGE] });
    const shortLived = (await codeTokens(expired)).access_token;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assertError(await exchange(expired, { subject_token: shortLived }), 400, 'invalid_request');
  });

  it('by default a client may not exchange a token issued to another client (RFC 8693 §5)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h);
    const body = assertError(await exchange(h, { subject_token: access_token }, 'poster'), 400, 'invalid_request');
    assert.match(String(body.error_description), /not acceptable/);
  });

  it('the authorizeTokenExchange model hook decides instead of the default, and sees the request', async () => {
    const seen: TokenExchangeRequest[] = [];
    const setupWithPolicy: typeof setup = async (overrides) => {
      const h = await setup(overrides);
      Object.assign(h.store, { authorizeTokenExchange: (request: TokenExchangeRequest) => (seen.push(request), request.client.client_id === 'poster') });
      return h;
    };
    const h = await exchangeServer(setupWithPolicy);
    const { access_token } = await codeTokens(h, 'read');
    const body = assertTokens(await exchange(h, { subject_token: access_token }, 'poster'));
    assert.ok(await accepted(h, body.access_token));
    assert.equal(seen[0]?.subject.client.client_id, 'SkyVaultapp');
    assert.deepEqual(seen[0]?.scope, ['read']);
    // The hook refuses SkyVaultapp, even for its own token.
    assertError(await exchange(h, { subject_token: access_token }), 400, 'invalid_request');
  });

  it('delegation: an actor_token puts the actor in act, and an earlier actor nests under it (RFC 8693 §4.1)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h);
    const actor = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', scope: 'read' }, SKYVAULT)));
    const delegated = assertTokens(await exchange(h, { subject_token: access_token, actor_token: actor.access_token, actor_token_type: ACCESS_TOKEN }));
    const info = await introspect(h, delegated.access_token);
    assert.equal(info.sub, 'user-admin');
    // The actor is the client itself (its client_credentials token has the client as subject, RFC 9068 §2.2).
    const first = { sub: 'SkyVaultapp', client_id: 'SkyVaultapp' };
    assert.deepEqual(info.act, first);
    // Delegating the delegated token again: the new actor on top, the earlier one nested.
    const again = assertTokens(await exchange(h, { subject_token: delegated.access_token, actor_token: actor.access_token, actor_token_type: ACCESS_TOKEN }));
    assert.deepEqual((await introspect(h, again.access_token)).act, { ...first, act: first });
    // Impersonation (no actor) has no act.
    const plain = assertTokens(await exchange(h, { subject_token: access_token }));
    assert.equal((await introspect(h, plain.access_token)).act, undefined);
  });

  it('an actor_token without actor_token_type, or an unknown one, is invalid_request (RFC 8693 §2.1, §2.2.2)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h);
    assertError(await exchange(h, { subject_token: access_token, actor_token: access_token }), 400, 'invalid_request');
    assertError(await exchange(h, { subject_token: access_token, actor_token: 'nope', actor_token_type: ACCESS_TOKEN }), 400, 'invalid_request');
  });

  it('only access tokens: another requested_token_type or subject_token_type is invalid_request (RFC 8693 §2.1)', async () => {
    const h = await exchangeServer(setup);
    const { access_token, refresh_token } = await codeTokens(h);
    assertError(await exchange(h, { subject_token: access_token, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), 400, 'invalid_request');
    assertError(await exchange(h, { subject_token: refresh_token, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), 400, 'invalid_request');
    assertError(await h.token(tokenRequest({ grant_type: TOKEN_EXCHANGE, subject_token: access_token }, SKYVAULT)), 400, 'invalid_request');
    assertTokens(await exchange(h, { subject_token: access_token, requested_token_type: ACCESS_TOKEN }));
  });

  it('audience and resource name a configured resource, which becomes the token\'s aud; an unknown one is invalid_target (RFC 8693 §2.1, RFC 8707)', async () => {
    const h = await exchangeServer(setup);
    const { access_token } = await codeTokens(h, 'read write');
    const byAudience = assertTokens(await exchange(h, { subject_token: access_token, audience: API }));
    const info = await introspect(h, byAudience.access_token);
    assert.deepEqual(info.aud, [API]);
    // The resource serves only `read`: the token is narrowed to it.
    assert.equal(info.scope, 'read');
    const byResource = assertTokens(await exchange(h, { subject_token: access_token, resource: API }));
    assert.deepEqual((await introspect(h, byResource.access_token)).aud, [API]);
    assertError(await exchange(h, { subject_token: access_token, audience: 'https://elsewhere.example.com/' }), 400, 'invalid_target');
    assertError(await exchange(h, { subject_token: access_token, resource: 'https://elsewhere.example.com/' }), 400, 'invalid_target');
  });

  it('a client not registered for token exchange is unauthorized_client, and public clients never exchange', async () => {
    const h = await setup(options);
    const { access_token } = await codeTokens(h);
    assertError(await exchange(h, { subject_token: access_token }), 400, 'unauthorized_client');
    await h.store.saveClient({ client_id: 'public-te', redirect_uris: [], grant_types: [TOKEN_EXCHANGE] });
    assertError(await h.token(tokenRequest({ grant_type: TOKEN_EXCHANGE, client_id: 'public-te', subject_token: access_token, subject_token_type: ACCESS_TOKEN })), 400, 'unauthorized_client');
  });

  it('the exchanged token expires no later than the subject token (an exchange never extends a lease)', async () => {
    const h = await exchangeServer(setup);
    const { access_token, expires_in } = await codeTokens(h);
    assert.equal(expires_in, 3600);
    const subject = await h.store.getAccessToken(access_token);
    assert.ok(subject);
    // The subject token has 60 seconds left.
    await h.store.saveToken({ ...subject, accessToken: 'short-lived', accessTokenExpiresAt: new Date(Date.now() + 60_000) }, subject.client, subject.user);
    const body = assertTokens(await exchange(h, { subject_token: 'short-lived' }));
    assert.ok((body.expires_in as number) <= 60 && (body.expires_in as number) >= 58, String(body.expires_in));
    const info = await introspect(h, body.access_token);
    assert.ok((info.exp as number) <= Date.now() / 1000 + 61, `exp ${String(info.exp)} is past the subject token's`);
  });

  it('revoking the subject\'s grant revokes the exchanged token too (one grantId)', async () => {
    const h = await exchangeServer(setup);
    const { access_token, refresh_token } = await codeTokens(h);
    const exchanged = assertTokens(await exchange(h, { subject_token: access_token }));
    assert.equal((await h.revoke(tokenRequest({ token: refresh_token }, SKYVAULT, '/oauth/revoke'))).status, 200);
    assert.equal(await accepted(h, exchanged.access_token), false);
  });

  it('metadata lists the grant type when enabled (RFC 8414 §2)', async () => {
    const h = await exchangeServer(setup);
    assert.ok((json(await h.metadata()).grant_types_supported as string[]).includes(TOKEN_EXCHANGE));
  });
});

describeHosts('token exchange with JWT access tokens (RFC 8693 §4.1, RFC 9068)', (setup) => {
  it('a delegated JWT access token carries the act claim', async () => {
    const { createMemoryStore } = await import('../../src/stores/memory.js');
    const keys = await createMemoryStore();
    const format = createJwtAccessTokenFormat({ issuer: ISSUER, accessTokenTtl: 3600, keyActivationDelay: 0, store: keys });
    const h = await exchangeServer(setup, { accessTokenFormat: format });
    const { access_token } = await codeTokens(h);
    const actor = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', scope: 'read' }, SKYVAULT)));
    const delegated = assertTokens(await exchange(h, { subject_token: access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', actor_token: actor.access_token, actor_token_type: ACCESS_TOKEN }));
    const claims = decodeJwt(delegated.access_token);
    assert.equal(claims.sub, 'user-admin');
    assert.deepEqual(claims.act, { sub: 'SkyVaultapp', client_id: 'SkyVaultapp' });
    assert.equal(decodeJwt(access_token).act, undefined);
  });
});
