/**
 * The adapter contract: one HTTP suite run against every framework host, each listening on port 0
 * (node-oidc-provider's one-suite-per-mount idea, done with a shared function).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuthorizationServer, Interaction } from '../../src/index.js';
import { REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { SERVICE, SKYVAULT, pkcePair, resourceOwner } from '../helpers/flows.js';
import { basicAuth, form } from '../helpers/http.js';

/** The protected resources every host serves behind its bearer middleware, and the scope each requires. */
export const RESOURCES: Readonly<Record<string, readonly string[] | undefined>> = {
  '/secure': undefined,
  '/admin': ['admin'],
};

/** The body of a protected resource for a valid token (seed 002). */
export const SECURE_BODY = 'Secure Hello!';

/** The header with which a test asks the login and consent step to deny. */
const DENY = 'x-test-deny';

/** The test's sign-in and consent step, the same for every host: the resource owner is signed in, and allows unless told to deny. */
export const interaction: Interaction = {
  authorize: async ({ request }) => ({ type: 'decision', decision: { user: resourceOwner, allow: request.headers[DENY] === undefined } }),
};

export interface RunningHost {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a framework on port 0 serving the OAuth endpoints through its adapter, the authorization
 * endpoint with an interaction answered by `decide`, and `RESOURCES` behind its bearer middleware.
 */
export type StartHost = (server: AuthorizationServer) => Promise<RunningHost>;

const MAX_BODY = 4096;

export function adapterContract(name: string, start: StartHost): void {
  describe(`adapter contract: ${name}`, () => {
    let host: RunningHost;
    let server: AuthorizationServer;

    before(async () => {
      ({ server } = await createTestServer({ allowBearerTokensInQueryString: true, allowBearerTokensInBody: true, maxBodyBytes: MAX_BODY }));
      host = await start(server);
    });
    after(() => host.close());

    const call = (path: string, init: RequestInit = {}): Promise<Response> => fetch(host.url + path, { redirect: 'manual', ...init });

    function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
      return call(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    }

    function tokenPost(params: Record<string, string>, auth: readonly [string, string] = SKYVAULT): Promise<Response> {
      return post('/oauth/token', form(params), { authorization: basicAuth(auth[0], auth[1]) });
    }

    async function assertTokens(response: Response): Promise<Record<string, string>> {
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('pragma'), 'no-cache');
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = JSON.parse(text) as Record<string, string>;
      assert.equal(body.token_type, 'Bearer');
      assert.equal(typeof body.access_token, 'string');
      return body;
    }

    async function assertError(response: Response, status: number, error: string): Promise<void> {
      const text = await response.text();
      assert.equal(response.status, status, text);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.equal(body.error, error);
      assert.equal(typeof body.error_description, 'string');
    }

    async function serviceToken(): Promise<string> {
      return (await assertTokens(await tokenPost({ grant_type: 'client_credentials' }, SERVICE))).access_token as string;
    }

    function bearer(token: string, path = '/secure'): Promise<Response> {
      return call(path, { headers: { authorization: `Bearer ${token}` } });
    }

    async function assertAuthenticated(response: Response): Promise<void> {
      assert.equal(response.status, 200);
      assert.equal(await response.text(), SECURE_BODY);
    }

    function authorizeQuery(params: Record<string, string>): string {
      return `/authorize?${form({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz', ...params })}`;
    }

    test('metadata is served with the issuer and endpoints (RFC 8414 §3)', async () => {
      const response = await call('/.well-known/oauth-authorization-server');
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.issuer, server.options.issuer);
      assert.equal(body.token_endpoint, `${server.options.issuer}/oauth/token`);
    });

    test('the JWKS endpoint answers a key set (RFC 7517 §5)', async () => {
      const response = await call('/.well-known/jwks.json');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { keys: [] });
    });

    test('client_credentials issues a token without a refresh token, with no-store (RFC 6749 §4.4.3, §5.1)', async () => {
      const body = await assertTokens(await tokenPost({ grant_type: 'client_credentials' }, SERVICE));
      assert.equal(body.refresh_token, undefined);
    });

    test('an answer is framed by its Content-Length, never chunked (RFC 9112 §6.3)', async () => {
      const tokens = await tokenPost({ grant_type: 'client_credentials' }, SERVICE);
      const text = await tokens.text();
      assert.equal(tokens.headers.get('content-length'), String(Buffer.byteLength(text)));
      assert.equal(tokens.headers.get('transfer-encoding'), null);
      const refused = await bearer('not-a-token');
      assert.equal(refused.headers.get('content-length'), String(Buffer.byteLength(await refused.text())));
      assert.equal(refused.headers.get('transfer-encoding'), null);
    });

    test('the password grant issues an access and a refresh token (RFC 6749 §4.3.3)', async () => {
      const body = await assertTokens(await tokenPost({ grant_type: 'password', username: 'admin', password: 'tiger' }));
      assert.equal(typeof body.refresh_token, 'string');
    });

    test('a refresh token rotates, and the rotated one is refused (RFC 6749 §6, RFC 9700 §4.14.2)', async () => {
      const first = await assertTokens(await tokenPost({ grant_type: 'password', username: 'admin', password: 'tiger' }));
      const second = await assertTokens(await tokenPost({ grant_type: 'refresh_token', refresh_token: first.refresh_token as string }));
      assert.notEqual(second.refresh_token, first.refresh_token);
      await assertError(await tokenPost({ grant_type: 'refresh_token', refresh_token: first.refresh_token as string }), 400, 'invalid_grant');
    });

    test('authorization code: the interaction allows, the redirect carries code, state and iss, and the code redeems once (RFC 6749 §4.1.2, RFC 9207 §2)', async () => {
      const response = await call(authorizeQuery({ scope: 'read' }));
      assert.equal(response.status, 302);
      const location = new URL(response.headers.get('location') ?? '');
      assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
      assert.equal(location.searchParams.get('state'), 'xyz');
      assert.equal(location.searchParams.get('iss'), server.options.issuer);
      const code = location.searchParams.get('code') ?? '';
      assert.notEqual(code, '');
      const redeem = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
      const tokens = await assertTokens(await tokenPost(redeem));
      await assertAuthenticated(await bearer(tokens.access_token as string));
      await assertError(await tokenPost(redeem), 400, 'invalid_grant');
    });

    test('an authorization request posted as a form is answered with 303 (RFC 9700 §4.12)', async () => {
      const params = new URL(authorizeQuery({}), host.url).searchParams;
      const response = await post('/authorize', params.toString());
      assert.equal(response.status, 303);
      assert.ok(new URL(response.headers.get('location') ?? '').searchParams.get('code'));
    });

    test('a public client redeems its code with the PKCE verifier (RFC 7636 §4.5-4.6)', async () => {
      const { verifier, challenge } = pkcePair();
      const redirectUri = 'https://spa.example.com/cb';
      const response = await call(authorizeQuery({ client_id: 'spa', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }));
      assert.equal(response.status, 302);
      const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'spa', code_verifier: verifier };
      await assertTokens(await post('/oauth/token', form(params)));
    });

    test('a denied authorization redirects with access_denied and state (RFC 6749 §4.1.2.1)', async () => {
      const response = await call(authorizeQuery({}), { headers: { [DENY]: '1' } });
      assert.equal(response.status, 302);
      const location = new URL(response.headers.get('location') ?? '');
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'xyz');
    });

    test('an unknown client_id is answered here, never redirected (RFC 6749 §4.1.2.1)', async () => {
      const response = await call(authorizeQuery({ client_id: 'nobody' }));
      assert.equal(response.headers.get('location'), null);
      await assertError(response, 401, 'invalid_client');
    });

    test('external_token imports an upstream token, which then authenticates (RFC 6749 §4.5)', async () => {
      const imported = `upstream-${Date.now()}`;
      const body = await assertTokens(
        await tokenPost({ grant_type: 'external_token', username: 'admin', password: 'tiger', access_token: imported }),
      );
      assert.equal(body.access_token, imported);
      await assertAuthenticated(await bearer(imported));
    });

    test('a bearer token in the Authorization header reaches the resource (RFC 6750 §2.1)', async () => {
      await assertAuthenticated(await bearer(await serviceToken()));
    });

    test('a bearer token in the query reaches the resource when enabled (RFC 6750 §2.3)', async () => {
      await assertAuthenticated(await call(`/secure?access_token=${encodeURIComponent(await serviceToken())}`));
    });

    test('a bearer token in a form body reaches the resource when enabled (RFC 6750 §2.2)', async () => {
      await assertAuthenticated(await post('/secure', form({ access_token: await serviceToken() })));
    });

    test('no token: 401 with a Bearer challenge and no error code (RFC 6750 §3.1)', async () => {
      const response = await call('/secure');
      assert.equal(response.status, 401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer realm="/);
      assert.doesNotMatch(challenge, /error=/);
    });

    test('an unknown token: 401 invalid_token in the challenge (RFC 6750 §3.1)', async () => {
      const response = await bearer('not-a-token');
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      await assertError(response, 401, 'invalid_token');
    });

    test('a token without the required scope: 403 insufficient_scope naming the scope (RFC 6750 §3.1)', async () => {
      const response = await bearer(await serviceToken(), '/admin');
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="admin"/);
      await assertError(response, 403, 'insufficient_scope');
    });

    test('a token sent in two places is invalid_request (RFC 6750 §2)', async () => {
      const token = await serviceToken();
      const response = await call(`/secure?access_token=${encodeURIComponent(token)}`, { headers: { authorization: `Bearer ${token}` } });
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
      await assertError(response, 400, 'invalid_request');
    });

    test('failed Basic client authentication: 401 invalid_client with a Basic challenge (RFC 6749 §5.2)', async () => {
      const response = await tokenPost({ grant_type: 'client_credentials' }, ['service', 'wrong']);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
      await assertError(response, 401, 'invalid_client');
    });

    test('a repeated parameter is refused (RFC 6749 §3.2)', async () => {
      const body = 'grant_type=client_credentials&scope=read&scope=read';
      await assertError(await post('/oauth/token', body, { authorization: basicAuth(...SERVICE) }), 400, 'invalid_request');
    });

    test('a body over maxBodyBytes is refused with 413', async () => {
      const body = `grant_type=client_credentials&pad=${'a'.repeat(MAX_BODY * 4)}`;
      await assertError(await post('/oauth/token', body, { authorization: basicAuth(...SERVICE) }), 413, 'invalid_request');
    });

    test('the token endpoint refuses GET with 405 (RFC 6749 §3.2)', async () => {
      await assertError(await call('/oauth/token?grant_type=client_credentials'), 405, 'invalid_request');
    });

    test('the token endpoint refuses a JSON body (RFC 6749 §3.2)', async () => {
      const response = await call('/oauth/token', {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credentials' }),
        headers: { 'content-type': 'application/json', authorization: basicAuth(...SERVICE) },
      });
      await assertError(response, 400, 'invalid_request');
    });

    test('a revoked access token no longer authenticates (RFC 7009 §2.1)', async () => {
      const token = await serviceToken();
      const response = await post('/oauth/revoke', form({ token }), { authorization: basicAuth(...SERVICE) });
      assert.equal(response.status, 200);
      await assertError(await bearer(token), 401, 'invalid_token');
    });

    test('introspection describes an active token to its client (RFC 7662 §2.2)', async () => {
      const token = await serviceToken();
      const response = await post('/oauth/introspect', form({ token }), { authorization: basicAuth(...SERVICE) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.active, true);
      assert.equal(body.client_id, 'service');
    });
  });
}

/** Listens on port 0 and returns the base URL and a close that ends kept-alive connections too. */
export function listen(http: Server): Promise<RunningHost> {
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () => {
      const { port } = http.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => {
          http.close(() => done());
          http.closeAllConnections();
        }),
      });
    });
  });
}
