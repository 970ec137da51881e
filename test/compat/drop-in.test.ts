/**
 * tollgate/compat as a drop-in for node-oauth2-server 5 (issue 15): the CommonJS entry, model
 * errors passing through, AbstractGrantType and extension grants, their token responses and their
 * status codes. Each behaviour an app relies on is pinned here in its own words.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import OAuth2Server, {
  AbstractGrantType,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
  Request,
  Response,
  ServerError,
  UnauthorizedClientError,
} from '../../src/compat/index.js';
import type { AuthorizationCode, Client, Model, Token, User } from '../../src/compat/index.js';
import { pkcePair } from '../helpers/flows.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDIRECT = 'http://localhost:3030/cb';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const user: User = { id: 'u1', username: 'ada' };
const authenticateHandler = { handle: () => user };

/** A model in their documentation's style; `overrides` replace functions. */
function memoryModel(overrides: Partial<Model> = {}) {
  const clients: Array<Client & { secret?: string }> = [
    { id: 'app', secret: 'secret', grants: ['password', 'authorization_code', 'client_credentials'], redirectUris: [REDIRECT] },
    { id: 'spa', grants: ['authorization_code'], redirectUris: [REDIRECT], public: true },
  ];
  const tokens: Token[] = [];
  const codes: AuthorizationCode[] = [];
  const model: Model = {
    getClient: (id, secret) => clients.find((c) => c.id === id && (secret === null || c.secret === secret)) ?? false,
    saveToken(token, client, owner) {
      const saved = { ...token, client, user: owner };
      tokens.push(saved);
      return saved;
    },
    getAccessToken: (value) => tokens.find((t) => t.accessToken === value) ?? false,
    getRefreshToken: (value) => tokens.find((t) => t.refreshToken === value) ?? false,
    revokeToken(token) {
      const index = tokens.findIndex((t) => t.refreshToken === token.refreshToken);
      return index !== -1 && tokens.splice(index, 1).length === 1;
    },
    getUser: (username, password) => (username === 'ada' && password === 'lovelace' ? user : false),
    getUserFromClient: (client) => ({ id: `client:${client.id}` }),
    saveAuthorizationCode(code, client, owner) {
      const saved = { ...code, client, user: owner };
      codes.push(saved);
      return saved;
    },
    getAuthorizationCode: (value) => codes.find((c) => c.authorizationCode === value) ?? false,
    revokeAuthorizationCode(code) {
      const index = codes.findIndex((c) => c.authorizationCode === code.authorizationCode);
      return index !== -1 && codes.splice(index, 1).length === 1;
    },
    ...overrides,
  };
  return { model, tokens, codes, clients };
}

function tokenRequest(body: Record<string, string>, headers: Record<string, string> = {}, method = 'POST'): Request {
  return new Request({ method, headers: { ...FORM, ...headers }, query: {}, body });
}

const PASSWORD = { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'app', client_secret: 'secret' };

/** The promise's rejection, which must be an OAuthError. */
async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  const error: unknown = await promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof OAuthError, String(error));
  return error;
}

describe('tollgate/compat: the CommonJS entry', () => {
  test("require('tollgate/compat') is the OAuth2Server class with every error class, Request, Response and AbstractGrantType as statics, the very objects the ES module entry exports", () => {
    // Run in a child from the package root: the package resolves itself by name through "exports" (built dist/).
    const script = `
      const assert = require('node:assert/strict');
      const OAuth2Server = require('tollgate/compat');
      assert.equal(typeof OAuth2Server, 'function');
      assert.throws(() => new OAuth2Server({}), OAuth2Server.InvalidArgumentError);
      const names = ['OAuthError', 'AccessDeniedError', 'InsufficientScopeError', 'InvalidArgumentError', 'InvalidClientError',
        'InvalidGrantError', 'InvalidRequestError', 'InvalidScopeError', 'InvalidTokenError', 'ServerError', 'UnauthorizedClientError',
        'UnauthorizedRequestError', 'UnsupportedGrantTypeError', 'UnsupportedResponseTypeError', 'Request', 'Response', 'AbstractGrantType'];
      const { UnauthorizedRequestError } = OAuth2Server;
      assert.equal(new UnauthorizedRequestError('x').code, 401);
      assert.equal(OAuth2Server.InvalidTokenError.name, 'InvalidTokenError');
      import('tollgate/compat').then(async (esm) => {
        for (const name of names) {
          assert.equal(typeof OAuth2Server[name], 'function', name);
          assert.equal(OAuth2Server[name], esm[name], name + ' is one object in both entries');
          assert.equal(esm.default[name], esm[name], name + ' is a static of the ESM default export');
        }
        const server = new OAuth2Server({ model: { getClient() { return false; }, saveToken() {}, getAccessToken() { return false; } } });
        const request = new OAuth2Server.Request({ method: 'GET', headers: {}, query: {} });
        const error = await server.authenticate(request, new OAuth2Server.Response()).catch((e) => e);
        assert.ok(error instanceof OAuth2Server.UnauthorizedRequestError);
        assert.ok(error instanceof esm.OAuthError);
        console.log('ok');
      });
    `;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout.trim(), 'ok');
    assert.equal(child.status, 0);
  });

  test('the ES module default export carries the same statics (OAuth2Server.InvalidTokenError idiom)', () => {
    assert.equal(OAuth2Server.InvalidTokenError, InvalidTokenError);
    assert.equal(OAuth2Server.AbstractGrantType, AbstractGrantType);
    assert.equal(OAuth2Server.OAuthError, OAuthError);
    const { ServerError: FromDefault } = OAuth2Server;
    assert.equal(FromDefault, ServerError);
    assert.equal(new InvalidTokenError().constructor.name, 'InvalidTokenError');
  });
});

describe('tollgate/compat: OAuth errors thrown by the model pass through', () => {
  test('getUser throwing InvalidGrantError("Account locked") answers 400 invalid_grant "Account locked", rejecting with that very error', async () => {
    const locked = new InvalidGrantError('Account locked');
    const { model } = memoryModel({
      getUser: () => {
        throw locked;
      },
    });
    const response = new Response();
    const error = await rejection(new OAuth2Server({ model }).token(tokenRequest(PASSWORD), response));
    assert.equal(error, locked);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { error: 'invalid_grant', error_description: 'Account locked' });
  });

  test('a rejected promise from the model, and an error of another copy of their classes, pass through with their own status', async () => {
    // Their package's own error (not compat's class): recognised by its fields.
    class TheirOAuthError extends Error {
      code = 429;
      status = 429;
      statusCode = 429;
      override name = 'slow_down';
    }
    const theirs = new TheirOAuthError('Try again later');
    const { model } = memoryModel({ getUserFromClient: () => Promise.reject(theirs) });
    const response = new Response();
    const basic = `Basic ${Buffer.from('app:secret').toString('base64')}`;
    const error = await new OAuth2Server({ model }).token(tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic }), response).catch((err: unknown) => err);
    assert.equal(error, theirs);
    assert.equal(response.status, 429);
    assert.deepEqual(response.body, { error: 'slow_down', error_description: 'Try again later' });
  });

  test('getAccessToken throwing InvalidTokenError answers 401 with their Bearer challenge (RFC 6750 §3.1)', async () => {
    const revoked = new InvalidTokenError('Token revoked by the administrator');
    const { model } = memoryModel({
      getAccessToken: () => {
        throw revoked;
      },
    });
    const response = new Response();
    const request = new Request({ method: 'GET', headers: { authorization: 'Bearer abc' }, query: {}, body: {} });
    const error = await rejection(new OAuth2Server({ model }).authenticate(request, response));
    assert.equal(error, revoked);
    assert.equal(response.status, 401);
    assert.equal(response.get('WWW-Authenticate'), 'Bearer realm="Service",error="invalid_token"');
    assert.equal(response.body.error_description, 'Token revoked by the administrator');
  });

  test('an OAuth error from saveAuthorizationCode goes to the trusted redirect URI, as theirs', async () => {
    const { model } = memoryModel({
      saveAuthorizationCode: () => {
        throw new InvalidScopeError('Scope not allowed for this user');
      },
    });
    const response = new Response();
    const query = { response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, state: 'xyz' };
    const error = await rejection(new OAuth2Server({ model }).authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), response, { authenticateHandler }));
    assert.ok(error instanceof InvalidScopeError);
    const location = new URL(response.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
    assert.equal(location.searchParams.get('state'), 'xyz');
  });

  test('any other model exception is a server_error whose detail never reaches the client', async () => {
    const { model } = memoryModel({
      getUser: () => {
        throw new Error('connection string postgres://admin:hunter2@db');
      },
    });
    const response = new Response();
    const error = await rejection(new OAuth2Server({ model, onError: () => {} }).token(tokenRequest(PASSWORD), response));
    assert.ok(error instanceof ServerError);
    assert.equal(response.status, 500);
    assert.equal(response.body.error, 'server_error');
    assert.doesNotMatch(JSON.stringify(response.body), /hunter2/);
  });
});

describe('tollgate/compat: AbstractGrantType and extendedGrantTypes', () => {
  test('AbstractGrantType takes their constructor options and has their helper methods', async () => {
    assert.throws(() => new AbstractGrantType({ model: {} } as never), InvalidArgumentError);
    assert.throws(() => new AbstractGrantType({ accessTokenLifetime: 60 } as never), /Missing parameter: `model`/);
    const { model } = memoryModel({ validateScope: (_user, _client, scope) => (scope.includes('admin') ? false : scope) });
    const grant = new AbstractGrantType({ accessTokenLifetime: 60, refreshTokenLifetime: 120, model, alwaysIssueNewRefreshToken: false });
    assert.equal(grant.alwaysIssueNewRefreshToken, false);
    const client = { id: 'app' };
    // 256 random bits each, as 64 hex digits like theirs (RFC 6749 §10.10).
    const [first, second] = [await grant.generateAccessToken(client, user, ['read']), await grant.generateRefreshToken(client, user, ['read'])];
    assert.match(first, /^[a-f0-9]{64}$/);
    assert.match(second, /^[a-f0-9]{64}$/);
    assert.notEqual(first, second);
    assert.ok(Math.abs(grant.getAccessTokenExpiresAt().getTime() - (Date.now() + 60_000)) < 1000);
    assert.ok(Math.abs(grant.getRefreshTokenExpiresAt().getTime() - (Date.now() + 120_000)) < 1000);
    const request = (scope: unknown) => new Request({ method: 'POST', headers: {}, query: {}, body: { scope } });
    assert.deepEqual(grant.getScope(request('read write')), ['read', 'write']);
    assert.equal(grant.getScope(request(undefined)), undefined);
    assert.throws(() => grant.getScope(request('bad"scope')), InvalidScopeError);
    assert.deepEqual(await grant.validateScope(user, client, ['read']), ['read']);
    await assert.rejects(grant.validateScope(user, client, ['admin']), InvalidScopeError);
  });

  test('an extension grant extending AbstractGrantType issues through the core: grantId stored, scope and refresh token answered (RFC 6749 §4.5)', async () => {
    const { model, tokens, clients } = memoryModel({ generateAccessToken: () => `custom-${Math.random()}` });
    // A model helper of the app's own, synchronous: the grant uses its result without await.
    const withHelper = Object.assign(model, { expectedOtp: () => '123456' });
    (clients[0] as Client).grants = ['urn:example:otp', 'refresh_token'];
    class OtpGrantType extends AbstractGrantType {
      async handle(request: Request, client: Client): Promise<Token> {
        const expected = (this.model as typeof withHelper).expectedOtp();
        assert.equal(typeof expected, 'string');
        if (request.body.otp !== expected) throw new InvalidGrantError('Invalid grant: wrong one-time password');
        const scope = await this.validateScope(user, client, this.getScope(request));
        const token = {
          accessToken: await this.generateAccessToken(client, user, scope ? [...scope] : undefined),
          accessTokenExpiresAt: this.getAccessTokenExpiresAt(),
          refreshToken: await this.generateRefreshToken(client, user, scope ? [...scope] : undefined),
          refreshTokenExpiresAt: this.getRefreshTokenExpiresAt(),
          scope: scope ? [...scope] : [],
          device: 'otp-device-7',
        };
        return (await this.model.saveToken(token as never, client, user)) as Token;
      }
    }
    const oauth = new OAuth2Server({ model, accessTokenLifetime: 90, extendedGrantTypes: { 'urn:example:otp': OtpGrantType } });
    const response = new Response();
    const body = { grant_type: 'urn:example:otp', otp: '123456', scope: 'read', client_id: 'app', client_secret: 'secret' };
    const token = await oauth.token(tokenRequest(body), response);
    assert.match(token.accessToken ?? '', /^custom-/);
    assert.equal(response.body.access_token, token.accessToken);
    assert.equal(response.body.refresh_token, token.refreshToken);
    assert.equal(response.body.scope, 'read');
    assert.equal(response.body.expires_in, 90);
    // Issued by the core's issuer: the saved token carries the grant id and the extra field.
    assert.equal(typeof tokens.at(-1)?.grantId, 'string');
    assert.equal(tokens.at(-1)?.device, 'otp-device-7');
    const wrong = new Response();
    const error = await rejection(oauth.token(tokenRequest({ ...body, otp: 'nope' }), wrong));
    assert.ok(error instanceof InvalidGrantError);
    assert.equal(wrong.body.error_description, 'Invalid grant: wrong one-time password');
  });
});

describe('tollgate/compat: token responses as theirs', () => {
  test('scope is always in the token response, and the token response leaves Content-Type to the host', async () => {
    const { model } = memoryModel();
    const response = new Response();
    await new OAuth2Server({ model }).token(tokenRequest({ ...PASSWORD, scope: 'read' }), response);
    assert.equal(response.body.scope, 'read');
    assert.equal(response.get('content-type'), undefined);
    assert.equal(response.get('cache-control'), 'no-store');
  });

  test("a refresh token is issued by the password grant whatever the client's grants; using it needs refresh_token in them (unauthorized_client)", async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    const response = new Response();
    const token = await oauth.token(tokenRequest(PASSWORD), response);
    assert.equal(typeof response.body.refresh_token, 'string');
    assert.equal(response.body.refresh_token, token.refreshToken);
    const refresh = { grant_type: 'refresh_token', refresh_token: token.refreshToken as string, client_id: 'app', client_secret: 'secret' };
    const error = await rejection(oauth.token(tokenRequest(refresh), new Response()));
    assert.ok(error instanceof UnauthorizedClientError);
  });

  test('allowExtendedTokenAttributes adds the fields saveToken returned beyond the standard ones; without it they stay out', async () => {
    const { model } = memoryModel();
    const saveToken = model.saveToken.bind(model);
    model.saveToken = async (token, client, owner) => ({ ...((await saveToken(token, client, owner)) as Token), tenant: 'acme' });
    const plain = new Response();
    await new OAuth2Server({ model }).token(tokenRequest(PASSWORD), plain);
    assert.equal(plain.body.tenant, undefined);
    assert.equal(plain.body.grantId, undefined);
    const extended = new Response();
    await new OAuth2Server({ model, allowExtendedTokenAttributes: true }).token(tokenRequest(PASSWORD), extended);
    assert.equal(extended.body.tenant, 'acme');
    assert.equal(extended.body.grantId, undefined);
    assert.equal(extended.body.client, undefined);
  });
});

describe('tollgate/compat: requests, statuses and codes as theirs', () => {
  test('a token request by GET is 400 invalid_request, as theirs (RFC 6749 §3.2, §5.2)', async () => {
    const { model } = memoryModel();
    const response = new Response();
    const error = await rejection(new OAuth2Server({ model }).token(tokenRequest(PASSWORD, {}, 'GET'), response));
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.message, 'Invalid request: method must be POST');
    assert.equal(response.status, 400);
  });

  test('a request without client credentials is invalid_client "cannot retrieve client credentials"', async () => {
    const { model } = memoryModel();
    const error = await rejection(new OAuth2Server({ model }).token(tokenRequest({}), new Response()));
    assert.ok(error instanceof InvalidClientError);
    assert.equal(error.message, 'Invalid client: cannot retrieve client credentials');
  });

  test('a bearer token in the query when not allowed, and a malformed Authorization header, are 400 invalid_request (RFC 6750 §2.3, §3.1)', async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    for (const request of [
      new Request({ method: 'GET', headers: {}, query: { access_token: 'abc' }, body: {} }),
      new Request({ method: 'GET', headers: { authorization: 'Bearer' }, query: {}, body: {} }),
    ]) {
      const response = new Response();
      const error = await rejection(oauth.authenticate(request, response));
      assert.ok(error instanceof InvalidRequestError);
      assert.equal(error.code, 400);
      assert.equal(response.status, 400);
      assert.equal(response.get('WWW-Authenticate'), 'Bearer realm="Service",error="invalid_request"');
    }
  });

  test('getAccessToken may return a token without a client, as theirs needs only the user', async () => {
    const { model } = memoryModel({ getAccessToken: () => ({ accessToken: 'abc', accessTokenExpiresAt: new Date(Date.now() + 60_000), user }) as never });
    const request = new Request({ method: 'GET', headers: { authorization: 'Bearer abc' }, query: {}, body: {} });
    const token = await new OAuth2Server({ model }).authenticate(request, new Response());
    assert.equal(token.user, user);
  });

  test('an unknown client and an unregistered redirect_uri at authorize are invalid_client 400, never redirected (RFC 6749 §4.1.2.1)', async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    for (const [clientId, redirectUri, message] of [
      ['nobody', REDIRECT, 'Invalid client: client credentials are invalid'],
      ['app', 'https://attacker.example/cb', 'Invalid client: `redirect_uri` does not match client value'],
    ] as const) {
      const response = new Response();
      const query = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'xyz' };
      const error = await rejection(oauth.authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), response, { authenticateHandler }));
      assert.ok(error instanceof InvalidClientError);
      assert.equal(error.message, message);
      assert.equal(response.status, 400);
      assert.equal(response.get('location'), undefined);
    }
  });

  test('unsupported_response_type is redirected with state, as theirs (RFC 6749 §4.1.2.1)', async () => {
    const { model } = memoryModel();
    const response = new Response();
    const query = { response_type: 'bogus', client_id: 'app', redirect_uri: REDIRECT, state: 'xyz' };
    await rejection(new OAuth2Server({ model }).authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), response, { authenticateHandler }));
    const location = new URL(response.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
    assert.equal(location.searchParams.get('state'), 'xyz');
  });

  test("authorize reads parameters from the body of a GET too, and sends the code saveAuthorizationCode returned", async () => {
    const { model, codes } = memoryModel();
    const save = model.saveAuthorizationCode?.bind(model);
    model.saveAuthorizationCode = async (code, client, owner) => ({ ...((await save?.({ ...code, authorizationCode: `mine-${code.authorizationCode}` }, client, owner)) as AuthorizationCode) });
    const response = new Response();
    const body = { response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, state: 'xyz' };
    const code = await new OAuth2Server({ model }).authorize(new Request({ method: 'GET', headers: {}, query: {}, body }), response, { authenticateHandler });
    assert.match(code.authorizationCode ?? '', /^mine-/);
    assert.equal(new URL(response.get('location') ?? '').searchParams.get('code'), code.authorizationCode);
    assert.equal(codes.length, 1);
  });

  test('a malformed code_verifier is invalid_request, and the code is burnt (RFC 7636 §4.1, RFC 9700 §4.2.1)', async () => {
    const { model, codes } = memoryModel();
    const oauth = new OAuth2Server({ model });
    const { challenge } = pkcePair();
    const query = { response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' };
    const code = await oauth.authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), new Response(), { authenticateHandler });
    const response = new Response();
    const body = { grant_type: 'authorization_code', code: code.authorizationCode as string, client_id: 'spa', redirect_uri: REDIRECT, code_verifier: 'short' };
    const error = await rejection(oauth.token(tokenRequest(body), response));
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.message, 'Invalid parameter: `code_verifier`');
    assert.equal(response.status, 400);
    assert.equal(codes.length, 0);
  });

  test('a stored plain PKCE code is refused at the token endpoint unless enablePlainPKCE, and burnt (RFC 9700 §2.1.1)', async () => {
    const verifier = 'v'.repeat(50);
    const { model, codes } = memoryModel();
    const seed = () =>
      codes.push({
        authorizationCode: 'plain-code',
        expiresAt: new Date(Date.now() + 60_000),
        scope: [],
        client: { id: 'spa', grants: ['authorization_code'], redirectUris: [REDIRECT], public: true },
        user,
        codeChallenge: verifier,
        codeChallengeMethod: 'plain',
      });
    seed();
    const body = { grant_type: 'authorization_code', code: 'plain-code', client_id: 'spa', code_verifier: verifier };
    const error = await rejection(new OAuth2Server({ model }).token(tokenRequest(body), new Response()));
    assert.ok(error instanceof InvalidRequestError);
    assert.match(error.message, /plain/);
    assert.equal(codes.length, 0);
    seed();
    const token = await new OAuth2Server({ model, enablePlainPKCE: true }).token(tokenRequest(body), new Response());
    assert.ok(token.accessToken);
  });

  test('Request keeps a string body as given and its is() knows type-is shorthands', () => {
    const request = new Request({ method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, query: {}, body: 'raw' as never });
    assert.equal(request.body, 'raw');
    assert.equal(request.is('json'), 'json');
    assert.equal(request.is('urlencoded', 'json'), 'json');
    assert.equal(request.is('application/*'), 'application/*');
    assert.equal(request.is('html'), false);
    assert.equal(request.is('+json'), false);
    const vendor = new Request({ method: 'POST', headers: { 'content-type': 'application/vnd.api+json' }, query: {} });
    assert.equal(vendor.is('+json'), '+json');
  });

  test('PKCE S256 still redeems for a public client (the differences above are refusals only)', async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    const { verifier, challenge } = pkcePair();
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
    const query = { response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' };
    const code = await oauth.authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), new Response(), { authenticateHandler });
    const body = { grant_type: 'authorization_code', code: code.authorizationCode as string, client_id: 'spa', redirect_uri: REDIRECT, code_verifier: verifier };
    const response = new Response();
    await oauth.token(tokenRequest(body), response);
    assert.equal(typeof response.body.access_token, 'string');
  });
});

describe('tollgate/compat: the documented differences, each pinned', () => {
  const authorizeQuery = { response_type: 'code', client_id: 'app', state: 'xyz', scope: 'read' };

  test('authorization responses carry iss (RFC 9207), and a POSTed authorization request is answered 303 (RFC 9700 §4.12)', async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model, issuer: 'https://as.example' });
    const response = new Response();
    await oauth.authorize(new Request({ method: 'GET', headers: {}, query: authorizeQuery, body: {} }), response, { authenticateHandler });
    assert.equal(response.status, 302);
    assert.equal(new URL(response.get('location') ?? '').searchParams.get('iss'), 'https://as.example');
    const posted = new Response();
    await oauth.authorize(new Request({ method: 'POST', headers: FORM, query: {}, body: authorizeQuery }), posted, { authenticateHandler });
    assert.equal(posted.status, 303);
  });

  test("a code's redirectUri is set only when the authorization request sent redirect_uri (RFC 6749 §4.1.3)", async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    const without = await oauth.authorize(new Request({ method: 'GET', headers: {}, query: authorizeQuery, body: {} }), new Response(), { authenticateHandler });
    assert.equal(without.redirectUri, undefined);
    const sent = await oauth.authorize(new Request({ method: 'GET', headers: {}, query: { ...authorizeQuery, redirect_uri: REDIRECT }, body: {} }), new Response(), { authenticateHandler });
    assert.equal(sent.redirectUri, REDIRECT);
  });

  test('a stored code with an unknown code_challenge_method is invalid_grant (theirs: ServerError 503), and burnt', async () => {
    const { model, codes } = memoryModel();
    const verifier = 'x'.repeat(50);
    codes.push({
      authorizationCode: 'forged',
      expiresAt: new Date(Date.now() + 60_000),
      scope: [],
      client: { id: 'spa', grants: ['authorization_code'], redirectUris: [REDIRECT], public: true },
      user,
      codeChallenge: verifier,
      codeChallengeMethod: 'forged-xyz',
    });
    const body = { grant_type: 'authorization_code', code: 'forged', client_id: 'spa', code_verifier: verifier };
    const response = new Response();
    const error = await rejection(new OAuth2Server({ model }).token(tokenRequest(body), response));
    assert.ok(error instanceof InvalidGrantError);
    assert.equal(response.status, 400);
    assert.equal(codes.length, 0);
  });

  test("error descriptions are tollgate's own words where tollgate decides (a denied request, a PKCE mismatch)", async () => {
    const { model } = memoryModel();
    const oauth = new OAuth2Server({ model });
    const denied = await rejection(
      oauth.authorize(new Request({ method: 'GET', headers: {}, query: { ...authorizeQuery, allowed: 'false' }, body: {} }), new Response(), { authenticateHandler }),
    );
    assert.equal(denied.name, 'access_denied');
    assert.equal(denied.message, 'The resource owner denied the request');
    const { challenge } = pkcePair();
    const query = { ...authorizeQuery, client_id: 'spa', code_challenge: challenge, code_challenge_method: 'S256' };
    const code = await oauth.authorize(new Request({ method: 'GET', headers: {}, query, body: {} }), new Response(), { authenticateHandler });
    const body = { grant_type: 'authorization_code', code: code.authorizationCode as string, client_id: 'spa', code_verifier: pkcePair().verifier };
    const mismatch = await rejection(oauth.token(tokenRequest(body), new Response()));
    assert.ok(mismatch instanceof InvalidGrantError);
    assert.equal(mismatch.message, 'code_verifier does not match the code_challenge');
  });
});
