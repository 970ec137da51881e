/**
 * OpenID Connect through the core (createAuthorizationServer + handle, memory store): ID tokens
 * (Core §2, §3.1.3.6, §12.2), the authorization request's OpenID parameters (§3.1.2.1, §3.1.2.6),
 * UserInfo (§5.3, §5.4) and discovery (Discovery 1.0 §3). The host's interaction is scripted.
 */
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload, JSONWebKeySet } from 'jose';
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer, Interaction, InteractionContext, InteractionOutcome, OAuthResponse, User } from '../../src/index.js';
import { ConsentRequiredError, LoginRequiredError, accessTokenHash, createOpenIdProvider } from '../../src/oidc/index.js';
import type { OidcProvider } from '../../src/oidc/index.js';
import { createJwtAccessTokenFormat, rotateSigningKey } from '../../src/jwt.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import type { Store } from '../../src/stores/store.js';
import type { AuditEvent } from '../../src/events.js';
import type { ClientRegistration } from '../../src/stores/store.js';
import { authorizeRequest, bearerRequest, json, redirectParams, tokenRequest } from '../helpers/http.js';
import { pkcePair } from '../helpers/flows.js';

const ISSUER = 'http://localhost:9191';
const REDIRECT_URI = 'https://rp.example.com/cb';
const rp = (client_id: string, extra: Partial<ClientRegistration> = {}): ClientRegistration => ({
  client_id,
  client_secret: `${client_id}-secret-of-32-characters-or-more`,
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  scope: 'openid profile email address phone offline_access read',
  ...extra,
});
const CLIENTS = [
  rp('rp'),
  rp('rp-es', { id_token_signed_response_alg: 'ES256' }),
  rp('rp-ed', { id_token_signed_response_alg: 'EdDSA' }),
  rp('rp-post', { token_endpoint_auth_method: 'client_secret_post' }),
];
const secretOf = (clientId: string): readonly [string, string] => [clientId, `${clientId}-secret-of-32-characters-or-more`];
const CLAIMS = { name: 'Ada Admin', given_name: 'Ada', email: 'ada@example.com', email_verified: true, phone_number: '+1 555 0100', address: { country: 'NL' } };
const SIGNED_IN_AT = new Date('2030-01-01T12:00:00Z');

let store: Store;
let server: AuthorizationServer;
let provider: OidcProvider;
let user: User;
/** What the scripted host answers next; by default the person is signed in and allows. */
let answer: (context: InteractionContext) => InteractionOutcome;
let seen: InteractionContext | undefined;
const interaction: Interaction = {
  async authorize(context) {
    seen = context;
    return answer(context);
  },
};
const allow = (): InteractionOutcome => ({ type: 'decision', decision: { user, allow: true, authTime: SIGNED_IN_AT } });

async function build(options: { jwtAccessTokens?: boolean; allowBearerTokensInBody?: boolean; immediateKeys?: boolean; idTokenTtl?: number; resources?: string[]; events?: (event: AuditEvent) => void } = {}): Promise<void> {
  store = await createMemoryStore({ clients: CLIENTS, users: [{ id: 'user-ada', username: 'ada', password: 'lovelace' }] });
  user = (await store.getUserById('user-ada')) as User;
  const model = { ...store, getUserClaims: async () => CLAIMS };
  server = createAuthorizationServer({
    issuer: ISSUER,
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    model,
    onError: () => {},
    openid: (provider = createOpenIdProvider({ keys: store, ...(options.immediateKeys && { keyActivationDelay: 0, keyRefreshInterval: 0 }), idTokenTtl: options.idTokenTtl })),
    ...(options.jwtAccessTokens && { accessTokenFormat: createJwtAccessTokenFormat({ issuer: ISSUER, store, accessTokenTtl: 3600 }) }),
    ...(options.allowBearerTokensInBody && { allowBearerTokensInBody: true }),
    ...(options.resources && { resources: options.resources.map((uri) => ({ uri, scope: ['openid', 'email', 'read'] })) }),
    ...(options.events && { events: options.events }),
  });
  answer = allow;
  seen = undefined;
}

async function handle(request: Parameters<AuthorizationServer['handle']>[0]): Promise<OAuthResponse> {
  const response = await server.handle(request, { interaction });
  assert.ok(response, `${request.url} is served`);
  return response;
}

/** An authorization request through handle; answers the redirect's parameters. */
async function authorize(params: Record<string, string>, clientId = 'rp'): Promise<{ params: URLSearchParams; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const response = await handle(
    authorizeRequest({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, state: 's', code_challenge: challenge, code_challenge_method: 'S256', ...params }),
  );
  assert.equal(response.status, 302, response.body);
  return { params: redirectParams(response), verifier };
}

/** The token request that redeems a code (Basic client authentication). */
const redeem = (code: string, verifier: string, clientId = 'rp') =>
  handle(tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, secretOf(clientId)));

async function tokens(params: Record<string, string>, clientId = 'rp'): Promise<Record<string, unknown>> {
  const { params: redirect, verifier } = await authorize(params, clientId);
  const code = redirect.get('code');
  assert.ok(code, `a code, not ${redirect.toString()}`);
  const response = await redeem(code, verifier, clientId);
  assert.equal(response.status, 200, response.body);
  return json(response);
}

async function jwks(): Promise<JSONWebKeySet> {
  return json(await handle({ method: 'GET', url: '/.well-known/jwks.json', headers: {} })) as unknown as JSONWebKeySet;
}

async function verifyIdToken(idToken: unknown, clientId = 'rp'): Promise<JWTPayload> {
  assert.equal(typeof idToken, 'string');
  const { payload } = await jwtVerify(idToken as string, createLocalJWKSet(await jwks()), { issuer: ISSUER, audience: clientId });
  return payload;
}

describe('OpenID Connect in the core', () => {
  beforeEach(() => build());

  describe('ID tokens (Core §2, §3.1.3.6)', () => {
    test('the code flow with scope openid returns an ID token: iss, sub, aud, exp, iat, nonce, auth_time, at_hash, RS256 by default', async () => {
      const body = await tokens({ scope: 'openid profile', nonce: 'n-0S6_WzA2Mj', max_age: '3600' });
      const claims = await verifyIdToken(body.id_token);
      assert.equal(decodeProtectedHeader(body.id_token as string).alg, 'RS256');
      assert.equal(claims.iss, ISSUER);
      assert.equal(claims.sub, 'user-ada');
      assert.equal(claims.aud, 'rp');
      assert.equal(claims.nonce, 'n-0S6_WzA2Mj');
      assert.equal(claims.auth_time, SIGNED_IN_AT.getTime() / 1000);
      assert.equal(typeof claims.iat, 'number');
      assert.ok((claims.exp as number) > (claims.iat as number));
      // Core §5.4: profile claims go to UserInfo, not into the code flow's ID token.
      assert.equal(claims.name, undefined);
    });

    test('at_hash binds the ID token to the access token issued with it (left half of SHA-256, base64url)', async () => {
      const body = await tokens({ scope: 'openid' });
      const claims = await verifyIdToken(body.id_token);
      assert.equal(claims.at_hash, accessTokenHash(body.access_token as string, 'RS256'));
      assert.notEqual(claims.at_hash, accessTokenHash(`${body.access_token as string}x`, 'RS256'));
      assert.equal((claims.at_hash as string).length, 22); // 16 bytes, base64url
    });

    test('plain OAuth is unchanged: without scope openid there is no ID token', async () => {
      const body = await tokens({ scope: 'read' });
      assert.equal(body.id_token, undefined);
      assert.equal(seen?.authorization.openid, undefined);
    });

    test('a client registered with id_token_signed_response_alg ES256 or EdDSA gets ID tokens with that alg, verifiable from the same JWKS', async () => {
      for (const [clientId, alg] of [['rp-es', 'ES256'], ['rp-ed', 'EdDSA']] as const) {
        const body = await tokens({ scope: 'openid' }, clientId);
        assert.equal(decodeProtectedHeader(body.id_token as string).alg, alg);
        const claims = await verifyIdToken(body.id_token, clientId);
        assert.equal(claims.at_hash, accessTokenHash(body.access_token as string, alg));
      }
      const algs = (await jwks()).keys.map((key) => key.alg).sort();
      assert.deepEqual(algs, ['ES256', 'EdDSA', 'RS256']);
    });

    test('the JWKS publishes only public keys', async () => {
      await tokens({ scope: 'openid' });
      for (const key of (await jwks()).keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in key, false);
    });

    test('refresh returns a new ID token for the same sub and aud, with the original auth_time and no nonce (Core §12.2)', async () => {
      const body = await tokens({ scope: 'openid offline_access', nonce: 'first-nonce' });
      const refreshed = await handle(tokenRequest({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string }, secretOf('rp')));
      assert.equal(refreshed.status, 200, refreshed.body);
      const next = json(refreshed);
      assert.notEqual(next.id_token, body.id_token);
      const claims = await verifyIdToken(next.id_token);
      assert.equal(claims.sub, 'user-ada');
      assert.equal(claims.auth_time, SIGNED_IN_AT.getTime() / 1000);
      assert.equal(claims.nonce, undefined);
      assert.equal(claims.at_hash, accessTokenHash(next.access_token as string, 'RS256'));
      // And again: the rotated refresh token keeps the OpenID grant.
      const again = json(await handle(tokenRequest({ grant_type: 'refresh_token', refresh_token: next.refresh_token as string }, secretOf('rp'))));
      assert.equal(typeof again.id_token, 'string');
    });

    test('a refresh that narrows the scope away from openid returns no ID token', async () => {
      const body = await tokens({ scope: 'openid read' });
      const narrowed = json(await handle(tokenRequest({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string, scope: 'read' }, secretOf('rp'))));
      assert.equal(narrowed.id_token, undefined);
      assert.equal(typeof narrowed.access_token, 'string');
    });

    test('client credentials never get an ID token, even with scope openid (no end-user authenticated)', async () => {
      const response = await handle(tokenRequest({ grant_type: 'client_credentials', scope: 'openid read' }, secretOf('rp')));
      assert.equal(response.status, 200, response.body);
      assert.equal(json(response).id_token, undefined);
    });

    test('rotating the RS256 key: the new key signs, the old one stays published so ID tokens it signed still verify', async () => {
      await build({ immediateKeys: true });
      const before = await tokens({ scope: 'openid' });
      const oldKid = decodeProtectedHeader(before.id_token as string).kid;
      const rotated = await rotateSigningKey(store, 'RS256');
      const after = await tokens({ scope: 'openid' });
      assert.equal(decodeProtectedHeader(after.id_token as string).kid, rotated.kid);
      assert.notEqual(rotated.kid, oldKid);
      await verifyIdToken(before.id_token);
      await verifyIdToken(after.id_token);
    });

    test('with JWT access tokens in the same store, access tokens stay on their own ES256 chain and ID tokens on RS256; one JWKS verifies both', async () => {
      await build({ jwtAccessTokens: true });
      const body = await tokens({ scope: 'openid' });
      assert.equal(decodeProtectedHeader(body.access_token as string).alg, 'ES256');
      assert.equal(decodeProtectedHeader(body.id_token as string).alg, 'RS256');
      await verifyIdToken(body.id_token);
      const { payload } = await jwtVerify(body.access_token as string, createLocalJWKSet(await jwks()), { issuer: ISSUER, typ: 'at+jwt' });
      assert.equal(payload.sub, 'user-ada');
    });
  });

  describe('id_token_hint (RP-Initiated Logout 1.0 §2)', () => {
    test('an ID token of this server is a hint naming its sub and client, even after it expired', async () => {
      await build({ idTokenTtl: 1 });
      const body = await tokens({ scope: 'openid' });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await assert.rejects(verifyIdToken(body.id_token), /exp/);
      assert.deepEqual(await provider.verifyIdTokenHint(body.id_token as string, ISSUER), { subject: 'user-ada', clientId: 'rp' });
      assert.equal(await provider.verifyIdTokenHint(body.id_token as string, 'https://other.example'), undefined);
    });

    test('a JWT access token signed by a shared key is not an ID token hint', async () => {
      await build({ jwtAccessTokens: true });
      const body = await tokens({ scope: 'openid' }, 'rp-es');
      assert.equal(decodeProtectedHeader(body.access_token as string).alg, 'ES256');
      assert.ok(await provider.verifyIdTokenHint(body.id_token as string, ISSUER));
      assert.equal(await provider.verifyIdTokenHint(body.access_token as string, ISSUER), undefined);
    });
  });

  describe('the authorization request (Core §3.1.2.1, §3.1.2.6)', () => {
    test('the host reads nonce, prompt, max_age, login_hint and ui_locales from the validated request', async () => {
      await authorize({ scope: 'openid', nonce: 'abc', prompt: 'login consent', max_age: '0', login_hint: 'ada', ui_locales: 'nl en' });
      assert.deepEqual(seen?.authorization.openid, { nonce: 'abc', prompt: ['login', 'consent'], maxAge: 0, loginHint: 'ada', uiLocales: 'nl en' });
    });

    test('prompt=none: the host\'s login_required and consent_required go to the redirect URI with state and iss, never a page', async () => {
      for (const ErrorClass of [LoginRequiredError, ConsentRequiredError]) {
        answer = () => ({ type: 'error', error: new ErrorClass('needs a page') });
        const { params } = await authorize({ scope: 'openid', prompt: 'none' });
        assert.equal(params.get('error'), new ErrorClass('x').error);
        assert.equal(params.get('state'), 's');
        assert.equal(params.get('iss'), ISSUER);
      }
    });

    test('prompt=none never shows a page: a host that answers with one is overruled with interaction_required', async () => {
      answer = () => ({ type: 'response', response: { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<form>sign in</form>' } });
      const { params } = await authorize({ scope: 'openid', prompt: 'none' });
      assert.equal(params.get('error'), 'interaction_required');
    });

    test('malformed OpenID parameters are invalid_request at the redirect URI; request objects are refused with their own codes', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ prompt: 'none login' }, 'invalid_request'],
        [{ prompt: 'sometimes' }, 'invalid_request'],
        [{ max_age: '-1' }, 'invalid_request'],
        [{ max_age: '1e3' }, 'invalid_request'],
        [{ request_uri: 'https://rp.example.com/request.jwt' }, 'request_uri_not_supported'],
      ];
      for (const [extra, error] of cases) {
        seen = undefined;
        const { params } = await authorize({ scope: 'openid', ...extra });
        assert.equal(params.get('error'), error, JSON.stringify(extra));
        assert.equal(seen, undefined, 'the host is never asked');
      }
    });
  });

  describe('UserInfo (Core §5.3, §5.4)', () => {
    const userinfo = (token: string, method = 'GET') => handle({ ...bearerRequest(token, '/userinfo'), method });

    test('GET and POST answer sub and the claims of the granted scopes only', async () => {
      const body = await tokens({ scope: 'openid profile email' });
      for (const method of ['GET', 'POST']) {
        const response = await userinfo(body.access_token as string, method);
        assert.equal(response.status, 200, response.body);
        assert.equal(response.headers['Cache-Control'], 'no-store');
        assert.deepEqual(json(response), { sub: 'user-ada', name: 'Ada Admin', given_name: 'Ada', email: 'ada@example.com', email_verified: true });
      }
      const narrow = await tokens({ scope: 'openid email' });
      assert.deepEqual(json(await userinfo(narrow.access_token as string)), { sub: 'user-ada', email: 'ada@example.com', email_verified: true });
    });

    test('the UserInfo sub equals the ID token sub', async () => {
      const body = await tokens({ scope: 'openid' });
      const claims = await verifyIdToken(body.id_token);
      assert.equal(json(await userinfo(body.access_token as string)).sub, claims.sub);
    });

    test('no token: 401 with a Bearer challenge and no error code (RFC 6750 §3.1)', async () => {
      const response = await handle({ method: 'GET', url: '/userinfo', headers: {} });
      assert.equal(response.status, 401);
      assert.match(response.headers['WWW-Authenticate'] ?? '', /^Bearer realm=/);
      assert.doesNotMatch(response.headers['WWW-Authenticate'] ?? '', /error=/);
    });

    test('an unknown token is invalid_token (401)', async () => {
      const response = await userinfo('not-a-token');
      assert.equal(response.status, 401);
      assert.match(response.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
    });

    test('a token without openid is insufficient_scope (403)', async () => {
      const body = await tokens({ scope: 'read' });
      const response = await userinfo(body.access_token as string);
      assert.equal(response.status, 403);
      assert.match(response.headers['WWW-Authenticate'] ?? '', /error="insufficient_scope"/);
    });

    test('a client credentials token, even with scope openid, gets no end-user claims', async () => {
      const token = json(await handle(tokenRequest({ grant_type: 'client_credentials', scope: 'openid' }, secretOf('rp'))));
      const response = await userinfo(token.access_token as string);
      assert.equal(response.status, 403);
      assert.doesNotMatch(response.body, /ada/);
    });

    test('a token issued for another resource (RFC 8707 audience) is refused: that resource cannot replay it here for the person\'s claims', async () => {
      const API = 'https://api.example.com';
      const checks: string[] = [];
      await build({ resources: [API, ISSUER], events: (event) => void (event.type === 'bearer.checked' && checks.push(event.result)) });
      const forApi = await tokens({ scope: 'openid email', resource: API });
      const refused = await userinfo(forApi.access_token as string);
      assert.equal(refused.status, 401);
      assert.match(refused.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
      assert.doesNotMatch(refused.body, /ada/);
      // A token whose audience names this server is UserInfo's to take.
      const forIssuer = await tokens({ scope: 'openid email', resource: ISSUER });
      const answered = await userinfo(forIssuer.access_token as string);
      assert.equal(answered.status, 200, answered.body);
      assert.equal(json(answered).email, 'ada@example.com');
      // The refusal is counted as one (the bearer-check metric), not as a valid check.
      assert.deepEqual(checks, ['invalid_token', 'valid']);
    });

    test('methods other than GET and POST are refused with 405', async () => {
      const body = await tokens({ scope: 'openid' });
      const response = await userinfo(body.access_token as string, 'DELETE');
      assert.equal(response.status, 405);
      assert.equal(response.headers.Allow, 'GET, POST');
    });
  });

  describe('discovery (Discovery 1.0 §3, §4)', () => {
    test('/.well-known/openid-configuration repeats the RFC 8414 document and adds the OpenID fields', async () => {
      const oauth = json(await handle({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: {} }));
      const oidc = json(await handle({ method: 'GET', url: '/.well-known/openid-configuration', headers: {} }));
      for (const [name, value] of Object.entries(oauth)) if (name !== 'scopes_supported') assert.deepEqual(oidc[name], value, name);
      assert.equal(oidc.issuer, ISSUER);
      assert.equal(oidc.userinfo_endpoint, `${ISSUER}/userinfo`);
      assert.equal(oidc.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
      assert.deepEqual(oidc.subject_types_supported, ['public']);
      assert.deepEqual(oidc.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA']);
      assert.deepEqual(oidc.response_types_supported, ['code']);
      for (const scope of ['openid', 'profile', 'email', 'address', 'phone', 'offline_access']) assert.ok((oidc.scopes_supported as string[]).includes(scope), scope);
      for (const claim of ['sub', 'name', 'email', 'email_verified', 'auth_time', 'nonce']) assert.ok((oidc.claims_supported as string[]).includes(claim), claim);
      assert.equal(oidc.claims_parameter_supported, true);
      assert.equal(oidc.request_uri_parameter_supported, false);
    });

    test('the JWKS already has the RS256 key before the first sign-in', async () => {
      const keys = (await jwks()).keys;
      assert.deepEqual(keys.map((key) => key.alg), ['RS256']);
      assert.equal(keys[0]?.use, 'sig');
    });
  });
});

/**
 * The OpenID Foundation's conformance plans, module by module: "Basic OP"
 * (oidcc-basic-certification-test-plan, static client, code flow) and "Config OP"
 * (oidcc-config-certification-test-plan). Each test is named for the module it stands for and
 * checks what that module checks, through the core; modules that need the server's pages are in
 * test/app/oidc.test.ts, and the unsupported ones are listed in docs/oidc.md with the reason.
 */
describe('conformance plan modules (Basic OP, Config OP)', () => {
  beforeEach(() => build());
  const userinfo = async (token: unknown) => json(await handle(bearerRequest(token as string, '/userinfo')));

  test('oidcc-server: the code flow returns a valid ID token whose sub UserInfo repeats', async () => {
    const body = await tokens({ scope: 'openid', nonce: 'n' });
    const claims = await verifyIdToken(body.id_token);
    assert.equal((await userinfo(body.access_token)).sub, claims.sub);
  });

  test('oidcc-alternate-happy-flow: another scope and no state work the same', async () => {
    const body = await tokens({ scope: 'openid email', state: '' });
    await verifyIdToken(body.id_token);
    assert.equal((await userinfo(body.access_token)).email, CLAIMS.email);
  });

  test('oidcc-response-type-missing: no response_type is an error sent to the redirect URI, never a code', async () => {
    const response = await handle(authorizeRequest({ client_id: 'rp', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' }));
    assert.equal(redirectParams(response).get('error'), 'invalid_request');
    assert.equal(redirectParams(response).get('code'), null);
  });

  test('oidcc-idtoken-signature: the ID token verifies with a key of the JWKS, and fails with any change', async () => {
    const body = await tokens({ scope: 'openid' });
    await verifyIdToken(body.id_token);
    const [header, payload, signature] = (body.id_token as string).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), sub: 'mallory' })).toString('base64url')}.${signature}`;
    await assert.rejects(verifyIdToken(forged));
  });

  for (const module of ['oidcc-codereuse', 'oidcc-codereuse-30seconds']) {
    test(`${module}: a code redeemed twice is invalid_grant and the tokens from it are revoked (timing-independent)`, async () => {
      const { params, verifier } = await authorize({ scope: 'openid' });
      const first = json(await redeem(params.get('code') as string, verifier));
      const second = await redeem(params.get('code') as string, verifier);
      assert.equal(second.status, 400);
      assert.equal(json(second).error, 'invalid_grant');
      assert.equal((await handle(bearerRequest(first.access_token as string, '/userinfo'))).status, 401);
    });
  }

  const SCOPE_MODULES: Array<[string, string, Record<string, unknown>]> = [
    ['oidcc-scope-profile', 'openid profile', { name: CLAIMS.name, given_name: CLAIMS.given_name }],
    ['oidcc-scope-email', 'openid email', { email: CLAIMS.email, email_verified: true }],
    ['oidcc-scope-address', 'openid address', { address: CLAIMS.address }],
    ['oidcc-scope-phone', 'openid phone', { phone_number: CLAIMS.phone_number }],
    ['oidcc-scope-all', 'openid profile email address phone', { name: CLAIMS.name, given_name: CLAIMS.given_name, email: CLAIMS.email, email_verified: true, address: CLAIMS.address, phone_number: CLAIMS.phone_number }],
  ];
  for (const [module, scope, expected] of SCOPE_MODULES) {
    test(`${module}: UserInfo releases exactly the claims of "${scope}" (Core §5.4)`, async () => {
      const body = await tokens({ scope });
      assert.deepEqual(await userinfo(body.access_token), { sub: 'user-ada', ...expected });
    });
  }

  test('oidcc-userinfo-get: GET with the token in the Authorization header', async () => {
    const body = await tokens({ scope: 'openid email' });
    assert.equal((await handle({ ...bearerRequest(body.access_token as string, '/userinfo'), method: 'GET' })).status, 200);
  });

  test('oidcc-userinfo-post-header: POST with the token in the Authorization header', async () => {
    const body = await tokens({ scope: 'openid email' });
    assert.equal((await handle({ ...bearerRequest(body.access_token as string, '/userinfo'), method: 'POST' })).status, 200);
  });

  test('oidcc-userinfo-post-body: POST with the token in the form body, when allowBearerTokensInBody is on (RFC 6750 §2.2)', async () => {
    await build({ allowBearerTokensInBody: true });
    const body = await tokens({ scope: 'openid email' });
    const request = { method: 'POST', url: '/userinfo', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${body.access_token as string}` };
    const response = await handle(request);
    assert.equal(response.status, 200, response.body);
    assert.equal(json(response).email, CLAIMS.email);
  });

  const ACCEPTED: Array<[string, Record<string, string>]> = [
    ['oidcc-ensure-request-with-unknown-parameter-succeeds', { extra_parameter: 'ignored' }],
    ['oidcc-display-page', { display: 'page' }],
    ['oidcc-display-popup', { display: 'popup' }],
    ['oidcc-ui-locales', { ui_locales: 'se' }],
    ['oidcc-claims-locales', { claims_locales: 'se' }],
    ['oidcc-ensure-request-with-acr-values-succeeds', { acr_values: '1 2' }],
    ['oidcc-id-token-hint', { id_token_hint: 'eyJhbGciOiJSUzI1NiJ9.e30.sig' }],
  ];
  for (const [module, extra] of ACCEPTED) {
    test(`${module}: the request with ${Object.keys(extra).join(', ')} succeeds`, async () => {
      await verifyIdToken((await tokens({ scope: 'openid profile', ...extra })).id_token);
    });
  }

  test('oidcc-ensure-request-without-nonce-succeeds-for-code-flow: no nonce, an ID token without nonce', async () => {
    const claims = await verifyIdToken((await tokens({ scope: 'openid' })).id_token);
    assert.equal(claims.nonce, undefined);
  });

  test('oidcc-ensure-request-with-valid-pkce-succeeds: S256 PKCE with the right verifier gets tokens, a wrong one does not', async () => {
    await verifyIdToken((await tokens({ scope: 'openid' })).id_token);
    const { params } = await authorize({ scope: 'openid' });
    assert.equal(json(await redeem(params.get('code') as string, 'wrong-verifier-'.repeat(4))).error, 'invalid_grant');
  });

  test('oidcc-ensure-post-request-succeeds: an authorization request sent as a form POST (Core §3.1.2.1)', async () => {
    const { verifier, challenge } = pkcePair();
    const form = new URLSearchParams({ response_type: 'code', client_id: 'rp', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    const response = await handle({ method: 'POST', url: '/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    assert.equal(response.status, 303);
    const code = redirectParams(response).get('code') as string;
    await verifyIdToken(json(await redeem(code, verifier)).id_token);
  });

  test('oidcc-ensure-registered-redirect-uri: an unregistered redirect_uri is an error page, never a redirect', async () => {
    const response = await handle(authorizeRequest({ response_type: 'code', client_id: 'rp', redirect_uri: 'https://attacker.example/cb', scope: 'openid' }));
    assert.equal(response.status, 400);
    assert.equal(response.headers.Location, undefined);
    assert.equal(seen, undefined);
  });

  test('oidcc-refresh-token: refresh returns new tokens and a new ID token for the same sub', async () => {
    const body = await tokens({ scope: 'openid offline_access' });
    const next = json(await handle(tokenRequest({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string }, secretOf('rp'))));
    assert.equal((await verifyIdToken(next.id_token)).sub, 'user-ada');
  });

  test('oidcc-server-client-secret-post: a client_secret_post client gets its ID token', async () => {
    const { params, verifier } = await authorize({ scope: 'openid' }, 'rp-post');
    const [clientId, secret] = secretOf('rp-post');
    const response = await handle(tokenRequest({ grant_type: 'authorization_code', code: params.get('code') as string, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: clientId, client_secret: secret }));
    assert.equal(response.status, 200, response.body);
    await verifyIdToken(json(response).id_token, 'rp-post');
  });

  /** A request object the server must refuse: invalid_request_object on a page, never sent to a redirect URI (RFC 9101 §6.2). */
  async function refusedRequestObject(request: string): Promise<void> {
    const response = await handle(authorizeRequest({ response_type: 'code', client_id: 'rp', redirect_uri: REDIRECT_URI, scope: 'openid', request }));
    assert.equal(response.status, 400, response.body);
    assert.equal(response.headers.Location, undefined);
    assert.equal(json(response).error, 'invalid_request_object');
  }

  test('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: an unsigned request object is refused (none is not in request_object_signing_alg_values_supported)', async () => {
    await refusedRequestObject('eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.');
  });

  test('oidcc-ensure-request-object-with-redirect-uri: a request object the client did not sign with a registered key is refused (RFC 9101 §6.2)', async () => {
    await refusedRequestObject('eyJhbGciOiJSUzI1NiJ9.e30.sig');
  });

  test('oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported: request_uri is refused with request_uri_not_supported', async () => {
    const { params } = await authorize({ scope: 'openid', request_uri: 'https://rp.example.com/request.jwt' });
    assert.equal(params.get('error'), 'request_uri_not_supported');
  });

  const claimsParam = (request: unknown) => ({ claims: JSON.stringify(request) });

  test('oidcc-claims-essential: an essential claim asked for UserInfo with the claims parameter is released outside the scope (Core §5.5)', async () => {
    const body = await tokens({ scope: 'openid', ...claimsParam({ userinfo: { name: { essential: true }, email: null } }) });
    assert.deepEqual(await userinfo(body.access_token), { sub: 'user-ada', name: CLAIMS.name, email: CLAIMS.email });
  });

  test('claims parameter, id_token member: the ID token carries the named claims; UserInfo stays per scope; refresh keeps them (Core §5.5, §12.2)', async () => {
    const body = await tokens({ scope: 'openid', ...claimsParam({ id_token: { email: { essential: true }, given_name: null } }) });
    const claims = await verifyIdToken(body.id_token);
    assert.equal(claims.email, CLAIMS.email);
    assert.equal(claims.given_name, CLAIMS.given_name);
    assert.deepEqual(await userinfo(body.access_token), { sub: 'user-ada' });
    const refreshed = json(await handle(tokenRequest({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string }, secretOf('rp'))));
    assert.equal((await verifyIdToken(refreshed.id_token)).email, CLAIMS.email);
  });

  test('claims parameter: value and values are not matched but never break the request; iss, aud or sub asked for are never overridden', async () => {
    const request = { id_token: { email: { value: 'someone@else.example' }, locale: { values: ['nl', 'en'] }, iss: { value: 'https://evil.example' }, aud: null }, userinfo: { sub: null } };
    const body = await tokens({ scope: 'openid', ...claimsParam(request) });
    const claims = await verifyIdToken(body.id_token);
    assert.equal(claims.email, CLAIMS.email);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, 'rp');
  });

  test('claims parameter: a sub value for another end-user is login_required, never a code for the signed-in one (Core §5.5.1)', async () => {
    const { params } = await authorize({ scope: 'openid', ...claimsParam({ id_token: { sub: { value: 'user-someone-else' } } }) });
    assert.equal(params.get('error'), 'login_required');
    assert.equal(params.get('code'), null);
    const same = await tokens({ scope: 'openid', ...claimsParam({ id_token: { sub: { value: 'user-ada' } } }) });
    assert.equal((await verifyIdToken(same.id_token)).sub, 'user-ada');
  });

  for (const [label, value] of [['not JSON', '{"userinfo":'], ['not an object', '["email"]'], ['a member not an object', '{"userinfo":["email"]}'], ['essential not a boolean', '{"id_token":{"email":{"essential":"yes"}}}']]) {
    test(`claims parameter ${label}: invalid_request at the redirect URI, no page (Core §5.5, §3.1.2.6)`, async () => {
      const { params } = await authorize({ scope: 'openid', claims: value as string });
      assert.equal(params.get('error'), 'invalid_request');
      assert.equal(seen, undefined, 'the person is never asked');
    });
  }

  test('amr: a decision that says how the person signed in puts amr in the ID token; acr_values is accepted', async () => {
    answer = () => ({ type: 'decision', decision: { user, allow: true, authTime: SIGNED_IN_AT, amr: ['pwd'] } });
    const body = await tokens({ scope: 'openid', acr_values: 'urn:mace:incommon:iap:silver' });
    assert.deepEqual((await verifyIdToken(body.id_token)).amr, ['pwd']);
  });

  test('oidcc-discovery-endpoint-verification (Config OP): every required field, the issuer, RS256, and a JWKS with its key', async () => {
    const doc = json(await handle({ method: 'GET', url: '/.well-known/openid-configuration', headers: {} }));
    assert.equal(doc.issuer, ISSUER);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']) {
      assert.ok(doc[field] !== undefined, field);
    }
    for (const url of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) assert.ok((doc[url] as string).startsWith(`${ISSUER}/`), url);
    assert.ok((doc.response_types_supported as string[]).includes('code'));
    assert.ok((doc.id_token_signing_alg_values_supported as string[]).includes('RS256'));
    assert.ok((doc.scopes_supported as string[]).includes('openid'));
    assert.ok((await jwks()).keys.some((key) => key.alg === 'RS256' && key.kty === 'RSA'));
  });
});
