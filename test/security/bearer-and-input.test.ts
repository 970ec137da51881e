/** SECURITY-CHECKLIST "Bearer authentication" and "Input and operations": the lines the core implements. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizationServer } from '../../src/index.js';
import { coreHarness, describeHosts } from '../helpers/hosts.js';
import { ISSUER, admin, createTestServer } from '../helpers/fixtures.js';
import { bearerRequest, json, tokenRequest } from '../helpers/http.js';
import { POSTER, SERVICE, SKYVAULT, accepted, assertError, assertTokens, codeTokens, getCode, header, redeem } from '../helpers/flows.js';
import type { Harness } from '../helpers/hosts.js';

const revocation = (params: Record<string, string>, auth?: readonly [string, string]) => tokenRequest(params, auth, '/oauth/revoke');
const introspection = (params: Record<string, string>, auth?: readonly [string, string]) => tokenRequest(params, auth, '/oauth/introspect');

describeHosts('security: bearer authentication and input', (setup) => {
  it('a bearer token in the query string is refused unless explicitly enabled (RFC 6750 §2.3, RFC 9700 §2.4)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h);
    assert.equal((await h.authenticate({ method: 'GET', url: `/secure?access_token=${access_token}`, headers: {} })).status, 401);
  });

  it('failures are 401 with WWW-Authenticate: Bearer and the right error, and nothing that helps an attacker (RFC 6750 §3)', async () => {
    const h = await setup();
    const unknown = await h.authenticate(bearerRequest('guess'));
    const revoked = (await codeTokens(h)).access_token;
    await h.revoke(revocation({ token: revoked }, SKYVAULT));
    const gone = await h.authenticate(bearerRequest(revoked));
    for (const response of [unknown, gone]) {
      assert.equal(response.status, 401);
      assert.match(header(response, 'www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/);
    }
    assert.equal(unknown.body, gone.body, 'unknown and revoked look the same');
  });

  it('a revoked token is refused at once by every server sharing the store', async () => {
    const h = await setup();
    const other = createAuthorizationServer({ issuer: ISSUER, grantTypes: ['client_credentials'], model: h.store, onError: () => {} });
    const token = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE))).access_token;
    assert.equal((await other.authenticate(bearerRequest(token))).type, 'authenticated');
    assert.equal((await other.revoke(revocation({ token }, SERVICE))).status, 200);
    assert.equal(await accepted(h, token), false);
  });

  it('the token endpoint takes POST only, forms only, each parameter once, and a limited body (RFC 6749 §3.2)', async () => {
    const h = await setup({ maxBodyBytes: 256 });
    const ok = tokenRequest({ grant_type: 'client_credentials' }, SERVICE);
    assertError(await h.token({ ...ok, method: 'GET', body: '' }), 405, 'invalid_request');
    assertError(await h.token({ ...ok, headers: { ...ok.headers, 'content-type': 'application/json' } }), 400, 'invalid_request');
    assertError(await h.token({ ...ok, body: `${String(ok.body)}&grant_type=client_credentials` }), 400, 'invalid_request');
    assertError(await h.token({ ...ok, body: `${String(ok.body)}&pad=${'x'.repeat(300)}` }), 413, 'invalid_request');
  });

  it('introspection requires client authentication; revocation revokes only the client\'s own tokens (RFC 7662 §2.1, RFC 7009 §2.1)', async () => {
    const h = await setup();
    const { access_token } = await codeTokens(h);
    assertError(await h.introspect(introspection({ token: access_token })), 401, 'invalid_client');
    assertError(await h.revoke(revocation({ token: access_token })), 401, 'invalid_client');
    assertError(await h.revoke(revocation({ token: access_token, client_id: POSTER[0], client_secret: POSTER[1] })), 400, 'unauthorized_client');
    assert.ok(await accepted(h, access_token));
  });

  it('an internal error answers server_error with nothing internal in it', async () => {
    const h = await setup();
    h.store.getAccessToken = async () => {
      throw new Error('SELECT * FROM tokens -- secret-row');
    };
    const response = await h.authenticate(bearerRequest('abc'));
    assert.equal(response.status, 500);
    assert.equal(json(response).error, 'server_error');
    assert.doesNotMatch(JSON.stringify(response), /SELECT|secret-row/);
  });
});

/** Runs every grant once, with the values a log must never show. */
async function fullRun(h: Harness): Promise<string[]> {
  const secrets: string[] = [SKYVAULT[1], POSTER[1], SERVICE[1], admin.password];
  const code = await getCode(h);
  secrets.push(code);
  const tokens = assertTokens(await redeem(h, code));
  assertError(await redeem(h, code), 400, 'invalid_grant');
  secrets.push(tokens.access_token, String(tokens.refresh_token));
  const password = assertTokens(await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'tiger' }, SKYVAULT)));
  secrets.push(password.access_token, String(password.refresh_token));
  assertError(await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'wrong-tiger' }, SKYVAULT)), 400, 'invalid_grant');
  secrets.push('wrong-tiger');
  const service = assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: POSTER[0], client_secret: POSTER[1] })));
  secrets.push(service.access_token);
  await h.introspect(introspection({ token: service.access_token }, SKYVAULT));
  await h.revoke(revocation({ token: String(password.refresh_token) }, SKYVAULT));
  await h.token(tokenRequest({ grant_type: 'refresh_token', refresh_token: String(password.refresh_token) }, SKYVAULT));
  return secrets;
}

it('logs never hold a secret, a password, a code or a token', async (t) => {
  const lines: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    t.mock.method(console, level, (...args: unknown[]) => lines.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' ')));
  }
  // The default onError (console.error) is in play: `undefined` overrides the fixtures' silent one.
  const { server, store } = await createTestServer({ onError: undefined as never });
  const h = coreHarness(server, store);
  const secrets = await fullRun(h);
  store.saveToken = async () => {
    throw new Error('store unavailable');
  };
  assertError(await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'tiger' }, SKYVAULT)), 500, 'server_error');
  const log = lines.join('\n');
  assert.ok(log.includes('store unavailable'), 'the unexpected error was logged');
  for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds ${secret}`);
});
