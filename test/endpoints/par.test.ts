/** Pushed authorization requests (RFC 9126) through the core: the PAR endpoint, then /authorize with request_uri. */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationServer, AuthorizeResult, OAuthResponse } from '../../src/index.js';
import type { AuthorizeAnswer } from '../../src/endpoints/authorize.js';
import { createAuthorizationServer } from '../../src/index.js';
import { ISSUER, REDIRECT_URI, createTestServer, skyvault } from '../helpers/fixtures.js';
import { lowerCased } from '../helpers/hosts.js';
import { authorizeRequest, json, redirectParams, tokenRequest } from '../helpers/http.js';
import { POSTER, SKYVAULT, assertError, assertTokens, pkcePair, resourceOwner } from '../helpers/flows.js';

const PAR = '/oauth/par';
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[\w-]{43}$/;

/** A pushed request: a form POST to the PAR endpoint, Basic-authenticated as `auth`. */
async function push(server: AuthorizationServer, params: Record<string, string>, auth: readonly [string, string] | null = SKYVAULT): Promise<OAuthResponse> {
  const response = await server.handle(tokenRequest(params, auth ?? undefined, PAR));
  assert.ok(response, 'the router serves the PAR endpoint');
  return lowerCased(response);
}

/** SkyVaultapp's code request with PKCE, pushed; resolves with its request_uri and the verifier. */
async function pushCode(server: AuthorizationServer, extra: Record<string, string> = {}): Promise<{ requestUri: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const response = await push(server, {
    response_type: 'code',
    client_id: 'SkyVaultapp',
    redirect_uri: REDIRECT_URI,
    scope: 'read',
    state: 'pushed-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  assert.equal(response.status, 201, response.body);
  const body = json(response);
  return { requestUri: String(body.request_uri), verifier };
}

const allow = { user: resourceOwner, allow: true };

/** The authorization request by reference (RFC 9126 §4), and the person's Allow. */
function byReference(server: AuthorizationServer, requestUri: string, extra: Record<string, string> = {}): Promise<AuthorizeAnswer> {
  return server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request_uri: requestUri, ...extra }), allow);
}

/** The authorization request by reference as a browser first brings it, before any decision. */
function start(server: AuthorizationServer, requestUri: string): Promise<AuthorizeResult> {
  return server.authorize(authorizeRequest({ client_id: 'SkyVaultapp', request_uri: requestUri }));
}

/** Asserts a page-only error (never a redirect) with this code. */
function assertPage(result: AuthorizeResult, error: string): void {
  assert.equal(result.type, 'error', JSON.stringify(result));
  if (result.type !== 'error') return;
  assert.equal(result.response.headers.Location, undefined);
  assert.equal(json(result.response).error, error);
}

describe('pushed authorization requests (RFC 9126)', () => {
  it('answers 201 with a request_uri and expires_in, not to be cached (RFC 9126 §2.2)', async () => {
    const { server } = await createTestServer();
    const { verifier, challenge } = pkcePair();
    const response = await push(server, { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(response.status, 201);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = json(response);
    assert.match(String(body.request_uri), REQUEST_URI);
    assert.equal(body.expires_in, 60);
    assert.ok(verifier);
  });

  it('the pushed request completes the code flow, and its code redeems with the pushed PKCE challenge (RFC 9126 §4)', async () => {
    const { server } = await createTestServer();
    const { requestUri, verifier } = await pushCode(server);
    assert.equal((await start(server, requestUri)).type, 'interaction');
    const answer = await byReference(server, requestUri);
    assert.equal(answer.type, 'redirect', JSON.stringify(answer));
    const params = redirectParams(answer.response);
    assert.equal(params.get('state'), 'pushed-state');
    assert.equal(params.get('iss'), ISSUER);
    const code = params.get('code') ?? '';
    assertTokens(lowerCased(await server.token(tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, SKYVAULT))));
  });

  it('only the pushed parameters count: others beside client_id and request_uri are ignored (RFC 9126 §4)', async () => {
    const { server } = await createTestServer();
    const { requestUri } = await pushCode(server);
    const answer = await byReference(server, requestUri, { redirect_uri: 'https://attacker.example/cb', state: 'evil', scope: 'read write', response_type: 'token' });
    assert.equal(answer.type, 'redirect');
    assert.ok(answer.response.headers.Location?.startsWith(`${REDIRECT_URI}?code=`), answer.response.headers.Location);
    assert.equal(redirectParams(answer.response).get('state'), 'pushed-state');
    assert.deepEqual(answer.type === 'redirect' && answer.scope, ['read']);
  });

  it('a request_uri answers once: a second decision is invalid_request_uri (RFC 9126 §4)', async () => {
    const { server } = await createTestServer();
    const { requestUri } = await pushCode(server);
    assert.equal((await byReference(server, requestUri)).type, 'redirect');
    assertPage(await byReference(server, requestUri), 'invalid_request_uri');
    assertPage(await start(server, requestUri), 'invalid_request_uri');
  });

  it('of parallel decisions on one request_uri, exactly one gets a code (RFC 9126 §4)', async () => {
    const { server } = await createTestServer();
    const { requestUri } = await pushCode(server);
    // Started once, as a browser does before the person decides.
    assert.equal((await start(server, requestUri)).type, 'interaction');
    const answers = await Promise.all(Array.from({ length: 20 }, () => byReference(server, requestUri)));
    const codes = answers.filter((a) => a.type === 'redirect' && redirectParams(a.response).has('code'));
    assert.equal(codes.length, 1);
  });

  it('an expired request_uri is refused; a started one lets the person finish (RFC 9126 §4)', async (t) => {
    const { server } = await createTestServer();
    const unused = await pushCode(server);
    const started = await pushCode(server);
    assert.equal((await start(server, started.requestUri)).type, 'interaction');
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    mock.timers.tick(61_000);
    assertPage(await start(server, unused.requestUri), 'invalid_request_uri');
    assert.equal((await byReference(server, started.requestUri)).type, 'redirect');
  });

  it("another client's request_uri is unknown to this one (RFC 9126 §4)", async () => {
    const { server } = await createTestServer();
    const { requestUri } = await pushCode(server);
    assertPage(await server.authorize(authorizeRequest({ client_id: 'poster', request_uri: requestUri }), allow), 'invalid_request_uri');
    // Refused without spending it: the right client still can.
    assert.equal((await byReference(server, requestUri)).type, 'redirect');
  });

  it('an unknown request_uri or one without client_id is shown a page, never redirected', async () => {
    const { server } = await createTestServer();
    assertPage(await byReference(server, 'urn:ietf:params:oauth:request_uri:nope'), 'invalid_request_uri');
    assertPage(await server.authorize(authorizeRequest({ request_uri: 'urn:ietf:params:oauth:request_uri:nope' })), 'invalid_request');
  });

  it('errors at the PAR endpoint are JSON with the RFC code and status (RFC 9126 §2.3)', async () => {
    const { server } = await createTestServer();
    const { challenge } = pkcePair();
    const good = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
    assertError(await push(server, good, null), 401, 'invalid_client');
    assertError(await push(server, good, ['SkyVaultapp', 'wrong']), 401, 'invalid_client');
    assertError(await push(server, { ...good, client_id: 'poster' }), 400, 'invalid_request');
    assertError(await push(server, { ...good, request_uri: 'urn:ietf:params:oauth:request_uri:x' }), 400, 'invalid_request');
    assertError(await push(server, { ...good, response_type: 'bogus' }), 400, 'unsupported_response_type');
    assertError(await push(server, { ...good, redirect_uri: 'https://attacker.example/cb' }), 400, 'invalid_request');
    assertError(await push(server, { ...good, scope: 'admin' }), 400, 'invalid_scope');
    assertError(await push(server, { ...good, code_challenge_method: 'plain' }), 400, 'invalid_request');
    const withoutClientId = Object.fromEntries(Object.entries(good).filter(([name]) => name !== 'client_id'));
    assertError(await push(server, withoutClientId), 400, 'invalid_request');
    const get = await server.handle({ method: 'GET', url: `${PAR}?client_id=SkyVaultapp`, headers: {} });
    assert.equal(get?.status, 405);
    const json = await server.handle({ method: 'POST', url: PAR, headers: { 'content-type': 'application/json' }, body: '{"client_id":"SkyVaultapp"}' });
    assert.equal(json?.status, 400);
  });

  it('client_secret_post authenticates a push too, and no client secret is kept as a parameter (RFC 9126 §2)', async () => {
    const { server, store } = await createTestServer();
    const response = await push(server, { response_type: 'code', client_id: 'poster', client_secret: POSTER[1], redirect_uri: 'https://poster.example.com/cb' }, null);
    assert.equal(response.status, 201, response.body);
    const record = await store.getRecord('par', String(json(response).request_uri));
    assert.equal(JSON.stringify(record?.value).includes(POSTER[1]), false);
  });

  it('a client with require_pushed_authorization_requests is refused at /authorize without PAR (RFC 9126 §6)', async () => {
    const { server, store } = await createTestServer();
    await store.saveClient({ ...skyvault, require_pushed_authorization_requests: true });
    const { challenge } = pkcePair();
    const plain = await server.authorize(
      authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's', code_challenge: challenge, code_challenge_method: 'S256' }),
      allow,
    );
    assert.equal(plain.type, 'redirect');
    assert.equal(redirectParams(plain.response).get('error'), 'invalid_request');
    assert.equal(redirectParams(plain.response).has('code'), false);
    const { requestUri } = await pushCode(server);
    assert.ok(redirectParams((await byReference(server, requestUri)).response).has('code'));
  });

  it('requirePushedAuthorizationRequests refuses every request not pushed, and says so in metadata (RFC 9126 §5)', async () => {
    const { server } = await createTestServer({ requirePushedAuthorizationRequests: true });
    assert.equal(json(server.metadata()).require_pushed_authorization_requests, true);
    const plain = await server.authorize(authorizeRequest({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI }), allow);
    assert.equal(redirectParams(plain.response).get('error'), 'invalid_request');
    const { requestUri } = await pushCode(server);
    assert.ok(redirectParams((await byReference(server, requestUri)).response).has('code'));
  });

  it('pushedAuthorizationRequestTtl sets expires_in; PAR can be turned off', async () => {
    const { server } = await createTestServer({ pushedAuthorizationRequestTtl: 30 });
    const { challenge } = pkcePair();
    const response = await push(server, { response_type: 'code', client_id: 'SkyVaultapp', code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(json(response).expires_in, 30);
    const off = (await createTestServer({ pushedAuthorizationRequests: false })).server;
    assert.equal(await off.handle(tokenRequest({}, SKYVAULT, PAR)), undefined);
    assert.equal(json(off.metadata()).pushed_authorization_request_endpoint, undefined);
  });

  it('a model without the record store cannot turn PAR on (ConfigError naming model.putRecord)', async () => {
    const { store } = await createTestServer();
    const { putRecord: _put, ...withoutRecords } = store;
    const options = { issuer: ISSUER, grantTypes: ['authorization_code'] as const, model: withoutRecords };
    assert.equal(createAuthorizationServer(options).options.pushedAuthorizationRequests, undefined);
    assert.throws(() => createAuthorizationServer({ ...options, pushedAuthorizationRequests: true }), { field: 'model.putRecord' });
    assert.throws(() => createAuthorizationServer({ ...options, requirePushedAuthorizationRequests: true }), { field: 'requirePushedAuthorizationRequests' });
  });
});
