/**
 * tollgate/compat with an in-memory model written the way node-oauth2-server's documentation and
 * examples write one: plain arrays, functions returning plain values, `saveToken` returning the
 * token with its client and user. Each flow runs through their Request/Response API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OAuth2Server, {
  AccessDeniedError,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  OAuthError,
  Request,
  Response,
  UnauthorizedRequestError,
} from '../../src/compat/index.js';
import type { AuthorizationCode, Client, GrantTypeOptions, Model, Token, User } from '../../src/compat/index.js';
import { pkcePair } from '../helpers/flows.js';

const REDIRECT = 'http://localhost:3030/cb';

/** The in-memory model, in the style of their examples. */
function memoryModel() {
  const db = {
    clients: [
      { id: 'application', clientSecret: 'secret', grants: ['password', 'refresh_token', 'client_credentials', 'authorization_code'], redirectUris: [REDIRECT] },
      { id: 'spa', grants: ['authorization_code'], redirectUris: [REDIRECT], public: true },
    ] as Array<Client & { clientSecret?: string }>,
    users: [{ id: '123', username: 'pedroetb', password: 'password' }],
    tokens: [] as Token[],
    codes: [] as AuthorizationCode[],
  };
  const model: Model = {
    getClient(clientId, clientSecret) {
      const client = db.clients.find((c) => c.id === clientId && (clientSecret === null || c.clientSecret === clientSecret));
      return client ?? false;
    },
    saveToken(token, client, user) {
      const saved = { ...token, client, user };
      db.tokens.push(saved);
      return saved;
    },
    getAccessToken: (accessToken) => db.tokens.find((t) => t.accessToken === accessToken) ?? false,
    getRefreshToken: (refreshToken) => db.tokens.find((t) => t.refreshToken === refreshToken) ?? false,
    revokeToken(token) {
      const index = db.tokens.findIndex((t) => t.refreshToken === token.refreshToken);
      if (index === -1) return false;
      db.tokens.splice(index, 1);
      return true;
    },
    getUser: (username, password) => db.users.find((u) => u.username === username && u.password === password) ?? false,
    getUserFromClient: (client) => ({ id: `client:${client.id}` }),
    saveAuthorizationCode(code, client, user) {
      const saved = { ...code, client, user };
      db.codes.push(saved);
      return saved;
    },
    getAuthorizationCode: (authorizationCode) => db.codes.find((c) => c.authorizationCode === authorizationCode) ?? false,
    revokeAuthorizationCode(code) {
      const index = db.codes.findIndex((c) => c.authorizationCode === code.authorizationCode);
      if (index === -1) return false;
      db.codes.splice(index, 1);
      return true;
    },
    verifyScope: (token, scope) => scope.every((s) => token.scope?.includes(s)),
  };
  return { db, model };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function tokenRequest(body: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request({ method: 'POST', headers: { ...FORM, ...headers }, query: {}, body });
}

function setup(options: Partial<ConstructorParameters<typeof OAuth2Server>[0]> = {}) {
  const { db, model } = memoryModel();
  return { db, oauth: new OAuth2Server({ model, accessTokenLifetime: 120, ...options }) };
}

const user: User = { id: '123', username: 'pedroetb' };
const authenticateHandler = { handle: () => user };

async function rejects<E extends OAuthError>(promise: Promise<unknown>, ErrorClass: new (...args: never[]) => E, name: string, code: number): Promise<E> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ErrorClass, String(error));
  assert.ok(error instanceof OAuthError);
  assert.equal(error.name, name);
  assert.equal(error.code, code);
  assert.equal(error.status, code);
  return error;
}

async function authorizeCode(oauth: OAuth2Server, query: Record<string, string> = {}): Promise<{ code: AuthorizationCode; response: Response }> {
  const request = new Request({ method: 'GET', headers: {}, query: { response_type: 'code', client_id: 'application', redirect_uri: REDIRECT, state: 'xyz', scope: 'read', ...query }, body: {} });
  const response = new Response();
  const code = await oauth.authorize(request, response, { authenticateHandler });
  return { code, response };
}

describe('tollgate/compat: node-oauth2-server API over the tollgate core', () => {
  test('exports their shape: default OAuth2Server with Request and Response, and a model is required', () => {
    assert.equal(OAuth2Server.Request, Request);
    assert.equal(OAuth2Server.Response, Response);
    assert.throws(() => new OAuth2Server({} as never), InvalidArgumentError);
    assert.throws(() => new Request({ method: 'GET', query: {} }), /Missing parameter: `headers`/);
  });

  test('password grant: resolves with the token saveToken returned and writes the §5.1 response (RFC 6749 §4.3)', async () => {
    const { oauth } = setup();
    const response = new Response();
    const token = await oauth.token(
      tokenRequest({ grant_type: 'password', username: 'pedroetb', password: 'password', client_id: 'application', client_secret: 'secret', scope: 'read' }),
      response,
    );
    assert.equal(token.client.id, 'application');
    assert.equal(token.user.id, '123');
    assert.deepEqual(token.scope, ['read']);
    assert.equal(response.status, 200);
    assert.equal(response.body.access_token, token.accessToken);
    assert.equal(response.body.refresh_token, token.refreshToken);
    assert.equal(response.body.token_type, 'Bearer');
    assert.equal(response.body.expires_in, 120);
    assert.equal(response.get('Cache-Control'), 'no-store');
    assert.equal(response.get('pragma'), 'no-cache');
  });

  test('a wrong password rejects with their InvalidGrantError and fills the response (RFC 6749 §5.2)', async () => {
    const { oauth } = setup();
    const response = new Response();
    const request = tokenRequest({ grant_type: 'password', username: 'pedroetb', password: 'wrong', client_id: 'application', client_secret: 'secret' });
    await rejects(oauth.token(request, response), InvalidGrantError, 'invalid_grant', 400);
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_grant');
  });

  test('client credentials over HTTP Basic: no refresh token, the user getUserFromClient gave (RFC 6749 §4.4)', async () => {
    const { oauth } = setup();
    const response = new Response();
    const basic = `Basic ${Buffer.from('application:secret').toString('base64')}`;
    const token = await oauth.token(tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic }), response);
    assert.equal(token.user.id, 'client:application');
    assert.equal(response.body.refresh_token, undefined);
  });

  test('a wrong client secret in the body rejects with InvalidClientError 400, as theirs; over Basic 401 with a Basic challenge (RFC 6749 §5.2)', async () => {
    const { oauth } = setup();
    const response = new Response();
    const request = tokenRequest({ grant_type: 'client_credentials', client_id: 'application', client_secret: 'nope' });
    await rejects(oauth.token(request, response), InvalidClientError, 'invalid_client', 400);
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_client');
    assert.equal(response.get('WWW-Authenticate'), undefined);
    const overBasic = new Response();
    const basic = `Basic ${Buffer.from('application:nope').toString('base64')}`;
    await rejects(oauth.token(tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic }), overBasic), InvalidClientError, 'invalid_client', 401);
    assert.equal(overBasic.status, 401);
    assert.match(overBasic.get('WWW-Authenticate') ?? '', /^Basic /);
  });

  test('a token request that is not a form rejects with InvalidRequestError (RFC 6749 §3.2)', async () => {
    const { oauth } = setup();
    const request = new Request({ method: 'POST', headers: { 'content-type': 'application/json' }, query: {}, body: { grant_type: 'client_credentials' } });
    await rejects(oauth.token(request, new Response()), InvalidRequestError, 'invalid_request', 400);
  });

  test('refresh token grant: a new pair, and the used refresh token is refused (RFC 6749 §6)', async () => {
    const { oauth } = setup();
    const credentials = { client_id: 'application', client_secret: 'secret' };
    const first = await oauth.token(tokenRequest({ grant_type: 'password', username: 'pedroetb', password: 'password', ...credentials }), new Response());
    const refresh = { grant_type: 'refresh_token', refresh_token: first.refreshToken as string, ...credentials };
    const second = await oauth.token(tokenRequest(refresh), new Response());
    assert.notEqual(second.accessToken, first.accessToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    await rejects(oauth.token(tokenRequest(refresh), new Response()), InvalidGrantError, 'invalid_grant', 400);
  });

  test('authorization code: authorize resolves with the saved code and redirects, the code redeems once (RFC 6749 §4.1)', async () => {
    const { oauth } = setup();
    const { code, response } = await authorizeCode(oauth);
    assert.equal(code.client.id, 'application');
    assert.equal(code.user, user);
    assert.equal(response.status, 302);
    const location = new URL(response.get('location') ?? '');
    assert.equal(location.searchParams.get('code'), code.authorizationCode);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const redeem = { grant_type: 'authorization_code', code: code.authorizationCode as string, redirect_uri: REDIRECT, client_id: 'application', client_secret: 'secret' };
    const token = await oauth.token(tokenRequest(redeem), new Response());
    assert.deepEqual(token.scope, ['read']);
    await rejects(oauth.token(tokenRequest(redeem), new Response()), InvalidGrantError, 'invalid_grant', 400);
  });

  test('a client without a secret redeems its code with PKCE (RFC 7636 §4.6)', async () => {
    const { oauth } = setup();
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(oauth, { client_id: 'spa', code_challenge: challenge, code_challenge_method: 'S256' });
    const redeem = { grant_type: 'authorization_code', code: code.authorizationCode as string, redirect_uri: REDIRECT, client_id: 'spa', code_verifier: verifier };
    const token = await oauth.token(tokenRequest(redeem), new Response());
    assert.equal(token.client.id, 'spa');
  });

  test('a confidential client cannot redeem a PKCE code without its secret (RFC 6749 §3.2.1; node-oauth2-server 5 lets it)', async () => {
    const { oauth } = setup();
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(oauth, { code_challenge: challenge, code_challenge_method: 'S256' });
    const redeem = { grant_type: 'authorization_code', code: code.authorizationCode as string, redirect_uri: REDIRECT, code_verifier: verifier };
    const response = new Response();
    await rejects(oauth.token(tokenRequest({ ...redeem, client_id: 'application' }), response), InvalidClientError, 'invalid_client', 401);
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
    // Even where their option exempts the grant from client authentication.
    await rejects(
      oauth.token(tokenRequest({ ...redeem, client_id: 'application' }), new Response(), { requireClientAuthentication: { authorization_code: false } }),
      InvalidClientError,
      'invalid_client',
      401,
    );
    // The code was not consumed by the refused attempts: with its secret the client redeems it.
    const token = await oauth.token(tokenRequest({ ...redeem, client_id: 'application', client_secret: 'secret' }), new Response());
    assert.equal(token.client.id, 'application');
  });

  test('allowed=false denies: AccessDeniedError and a redirect with access_denied (RFC 6749 §4.1.2.1)', async () => {
    const { oauth } = setup();
    const request = new Request({ method: 'GET', headers: {}, query: { response_type: 'code', client_id: 'application', redirect_uri: REDIRECT, state: 'xyz', allowed: 'false' }, body: {} });
    const response = new Response();
    await rejects(oauth.authorize(request, response, { authenticateHandler }), AccessDeniedError, 'access_denied', 400);
    assert.equal(response.status, 302);
    assert.equal(new URL(response.get('location') ?? '').searchParams.get('error'), 'access_denied');
  });

  test('a missing state is refused unless allowEmptyState, through the redirect', async () => {
    const { oauth } = setup();
    const request = new Request({ method: 'GET', headers: {}, query: { response_type: 'code', client_id: 'application', redirect_uri: REDIRECT }, body: {} });
    const response = new Response();
    await rejects(oauth.authorize(request, response, { authenticateHandler }), InvalidRequestError, 'invalid_request', 400);
    assert.equal(response.status, 302);
    assert.equal(new URL(response.get('location') ?? '').searchParams.get('error'), 'invalid_request');
    const allowed = await oauth.authorize(request, new Response(), { authenticateHandler, allowEmptyState: true });
    assert.ok(allowed.authorizationCode);
  });

  test('extendedGrantTypes: their grant class issues through their model (RFC 6749 §4.5)', async () => {
    const { db, model } = memoryModel();
    (db.clients[0] as Client).grants = ['urn:example:otp'];
    class OtpGrantType {
      readonly model: Model;
      readonly lifetime: number;
      constructor(options: GrantTypeOptions) {
        this.model = options.model;
        this.lifetime = options.accessTokenLifetime;
      }
      async handle(request: Request, client: Client): Promise<Token> {
        if (request.body.otp !== '123456') throw new InvalidGrantError('Invalid grant: wrong one-time password');
        const token = { accessToken: `otp-${Date.now()}`, accessTokenExpiresAt: new Date(Date.now() + this.lifetime * 1000), scope: [], grantId: 'otp' };
        return (await this.model.saveToken(token, client, { id: '123' })) as Token;
      }
    }
    const oauth = new OAuth2Server({ model, accessTokenLifetime: 60, extendedGrantTypes: { 'urn:example:otp': OtpGrantType } });
    const credentials = { client_id: 'application', client_secret: 'secret' };
    const response = new Response();
    const token = await oauth.token(tokenRequest({ grant_type: 'urn:example:otp', otp: '123456', ...credentials }), response);
    assert.equal(response.body.access_token, token.accessToken);
    assert.equal(response.body.expires_in, 60);
    await rejects(oauth.token(tokenRequest({ grant_type: 'urn:example:otp', otp: 'nope', ...credentials }), new Response()), InvalidGrantError, 'invalid_grant', 400);
  });

  test('authenticate resolves with the token getAccessToken returned, and sets the scope headers (RFC 6750 §2.1)', async () => {
    const { oauth, db } = setup();
    await oauth.token(tokenRequest({ grant_type: 'password', username: 'pedroetb', password: 'password', client_id: 'application', client_secret: 'secret', scope: 'read' }), new Response());
    const saved = db.tokens[0] as Token;
    const response = new Response();
    const request = new Request({ method: 'GET', headers: { Authorization: `Bearer ${saved.accessToken}` }, query: {} });
    const token = await oauth.authenticate(request, response, { scope: 'read' });
    assert.equal(token, saved);
    assert.equal(response.get('X-OAuth-Scopes'), 'read');
    assert.equal(response.get('X-Accepted-OAuth-Scopes'), 'read');
  });

  test('authenticate without a token rejects with UnauthorizedRequestError and a Bearer challenge (RFC 6750 §3.1)', async () => {
    const { oauth } = setup();
    const response = new Response();
    await rejects(oauth.authenticate(new Request({ method: 'GET', headers: {}, query: {} }), response), UnauthorizedRequestError, 'unauthorized_request', 401);
    assert.match(response.get('www-authenticate') ?? '', /^Bearer realm=/);
  });
});
