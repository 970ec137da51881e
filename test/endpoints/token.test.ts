import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { createTestServer } from '../helpers/fixtures.js';
import { basicAuth, form, json, tokenRequest } from '../helpers/http.js';
import { POSTER, SERVICE, SKYVAULT, assertError, assertTokens, header } from '../helpers/flows.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CC = form({ grant_type: 'client_credentials' });

describeHosts('token endpoint (RFC 6749 §3.2)', (setup) => {
  it('accepts POST only: 405 with Allow (RFC 6749 §3.2)', async () => {
    const h = await setup();
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await h.token({ method, url: `/oauth/token`, headers: { ...FORM, authorization: basicAuth(...SERVICE) }, body: method === 'GET' ? '' : CC });
      assertError(response, 405, 'invalid_request');
      assert.equal(header(response, 'allow'), 'POST');
    }
  });

  it('accepts application/x-www-form-urlencoded only (RFC 6749 §3.2)', async () => {
    const h = await setup();
    const auth = { authorization: basicAuth(...SERVICE) };
    assertError(await h.token({ method: 'POST', url: '/oauth/token', headers: { ...auth, 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' }), 400, 'invalid_request');
    assertError(await h.token({ method: 'POST', url: '/oauth/token', headers: { ...auth, 'content-type': 'text/plain' }, body: CC }), 400, 'invalid_request');
    assertTokens(await h.token({ method: 'POST', url: '/oauth/token', headers: { ...auth, 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' }, body: CC }));
  });

  it('a parameter sent twice is invalid_request (RFC 6749 §3.2)', async () => {
    const h = await setup();
    const response = await h.token({ method: 'POST', url: '/oauth/token', headers: { ...FORM, authorization: basicAuth(...SERVICE) }, body: `${CC}&scope=read&scope=read` });
    assertError(response, 400, 'invalid_request');
  });

  it('unknown parameters are ignored (RFC 6749 §3.2)', async () => {
    const h = await setup();
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', flavour: 'vanilla', x: '' }, SERVICE)));
  });

  it('every response carries Cache-Control: no-store and Pragma: no-cache, errors included (RFC 6749 §5.1)', async () => {
    const h = await setup();
    const responses = [
      await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE)),
      await h.token(tokenRequest({ grant_type: 'client_credentials' }, [SERVICE[0], 'wrong'])),
      await h.token(tokenRequest({ grant_type: 'nope' }, SERVICE)),
      await h.token({ method: 'GET', url: '/oauth/token', headers: {} }),
    ];
    for (const response of responses) {
      assert.equal(header(response, 'cache-control'), 'no-store');
      assert.equal(header(response, 'pragma'), 'no-cache');
      assert.match(header(response, 'content-type') ?? '', /^application\/json/);
    }
  });

  it('a body over maxBodyBytes is 413 (RFC 9110 §15.5.14)', async () => {
    const h = await setup({ maxBodyBytes: 1024 });
    const response = await h.token(tokenRequest({ grant_type: 'client_credentials', padding: 'x'.repeat(2048) }, SERVICE));
    assertError(response, 413, 'invalid_request');
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', padding: 'x'.repeat(900) }, SERVICE)));
  });

  it('parameters in the URL are refused unless skyvaultCompat (RFC 6749 §3.2, §2.3.1)', async () => {
    const strict = await setup();
    const url = '/oauth/token?grant_type=password&username=admin&password=tiger';
    assertError(await strict.token({ method: 'POST', url, headers: { authorization: basicAuth(...SKYVAULT) } }), 400, 'invalid_request');
    // Query parameters never add to a form body: a client secret in the URL is refused outright.
    assertError(
      await strict.token({ method: 'POST', url: `/oauth/token?client_secret=${POSTER[1]}`, headers: FORM, body: form({ grant_type: 'client_credentials', client_id: POSTER[0] }) }),
      400,
      'invalid_request',
    );
    // The SkyVault guide's curl example, as written (seed 002).
    const compat = await setup({ skyvaultCompat: true });
    assertTokens(await compat.token({ method: 'POST', url, headers: { authorization: basicAuth(...SKYVAULT) } }));
    assertError(await compat.token({ method: 'POST', url: `${url}&scope=read`, headers: { ...FORM, authorization: basicAuth(...SKYVAULT) }, body: 'scope=read' }), 400, 'invalid_request');
  });

  it('a missing grant_type is invalid_request, an unknown one unsupported_grant_type (RFC 6749 §5.2)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({}, SERVICE)), 400, 'invalid_request');
    assertError(await h.token(tokenRequest({ grant_type: 'urn:example:unknown' }, SERVICE)), 400, 'unsupported_grant_type');
  });

  it('a grant the client is not registered for is unauthorized_client (RFC 6749 §5.2)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'password', username: 'admin', password: 'tiger' }, SERVICE)), 400, 'unauthorized_client');
  });
});

describeHosts('client authentication at the token endpoint (RFC 6749 §2.3)', (setup) => {
  it('client_secret_basic, client_secret_post and none each authenticate their client (RFC 6749 §2.3.1, §2.1)', async () => {
    const h = await setup();
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials' }, SKYVAULT)));
    assertTokens(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: POSTER[0], client_secret: POSTER[1] })));
    // A public client identifies itself with client_id alone; its grant then decides (here: no code).
    assertError(await h.token(tokenRequest({ grant_type: 'authorization_code', client_id: 'spa', code: 'x' })), 400, 'invalid_grant');
  });

  it('two authentication methods in one request are invalid_request (RFC 6749 §2.3)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_secret: SKYVAULT[1] }, SKYVAULT)), 400, 'invalid_request');
  });

  it('failed Basic authentication is 401 invalid_client with a Basic challenge (RFC 6749 §5.2)', async () => {
    const h = await setup();
    for (const auth of [[SKYVAULT[0], 'wrong'], ['nobody', 'secret']] as const) {
      const response = await h.token(tokenRequest({ grant_type: 'client_credentials' }, auth));
      assertError(response, 401, 'invalid_client');
      assert.match(header(response, 'www-authenticate') ?? '', /^Basic /);
    }
    const malformed = await h.token({ method: 'POST', url: '/oauth/token', headers: { ...FORM, authorization: 'Basic %%%' }, body: CC });
    assertError(malformed, 401, 'invalid_client');
    assert.match(header(malformed, 'www-authenticate') ?? '', /^Basic /);
  });

  it('failed authentication without Basic is 401 invalid_client with no challenge (RFC 6749 §5.2)', async () => {
    const h = await setup();
    const response = await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: POSTER[0], client_secret: 'wrong' }));
    assertError(response, 401, 'invalid_client');
    assert.equal(header(response, 'www-authenticate'), undefined);
  });

  it('a client must use the method it registered (RFC 7591 §2)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' }, POSTER)), 401, 'invalid_client');
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: SKYVAULT[0], client_secret: SKYVAULT[1] })), 401, 'invalid_client');
  });

  it('a public client presenting a secret is refused (RFC 6749 §2.1)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'authorization_code', code: 'x', client_id: 'spa', client_secret: 'guess' })), 401, 'invalid_client');
    assertError(await h.token(tokenRequest({ grant_type: 'authorization_code', code: 'x' }, ['spa', 'guess'])), 401, 'invalid_client');
  });

  it('a confidential client without authentication is refused (RFC 6749 §3.2.1)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: SKYVAULT[0] })), 401, 'invalid_client');
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials' })), 401, 'invalid_client');
  });

  it('client_id in the body must match the Basic credentials (RFC 6749 §2.3)', async () => {
    const h = await setup();
    assertError(await h.token(tokenRequest({ grant_type: 'client_credentials', client_id: POSTER[0] }, SKYVAULT)), 400, 'invalid_request');
  });
});

describeHosts('unexpected errors at the token endpoint', (setup) => {
  it('an exception in the model is 500 server_error with a generic description; onError gets the original', async () => {
    const seen: unknown[] = [];
    const h = await setup({ onError: (err) => seen.push(err) });
    const original = new Error('connection to db://admin:hunter2@10.0.0.5 refused');
    h.store.getClient = async () => {
      throw original;
    };
    const response = await h.token(tokenRequest({ grant_type: 'client_credentials' }, SERVICE));
    const body = assertError(response, 500, 'server_error');
    assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
    assert.doesNotMatch(response.body, /hunter2|10\.0\.0\.5|db:|stack|at /);
    assert.deepEqual(seen, [original]);
  });
});

it('createTokenResponse takes (uri, method, body, headers, credentials) and returns { headers, body, status } (oauthlib seed)', async () => {
  const { server } = await createTestServer();
  const seen: unknown[] = [];
  const triple = await server.createTokenResponse(
    'https://localhost:9191/oauth/token',
    'POST',
    CC,
    { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(...SERVICE) },
    { ip: '127.0.0.1', seen },
  );
  assert.deepEqual(Object.keys(triple).sort(), ['body', 'headers', 'status']);
  assert.equal(triple.status, 200);
  assert.equal(triple.headers['Cache-Control'], 'no-store');
  assert.equal(typeof json({ status: 200, headers: {}, body: triple.body }).access_token, 'string');
  const failed = await server.createTokenResponse('/oauth/token', 'POST', 'grant_type=password', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(failed.status, 401);
  assert.equal(JSON.parse(failed.body).error, 'invalid_client');
});

it('a framework-parsed body is refused unless the request declared a form (RFC 6749 §3.2)', async () => {
  const { server } = await createTestServer();
  const parsed = { grant_type: 'client_credentials' };
  const asJson = await server.token({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', authorization: basicAuth(...SERVICE) }, body: parsed });
  assert.equal(asJson.status, 400);
  assert.equal(json(asJson).error, 'invalid_request');
  const asForm = await server.token({ method: 'POST', url: '/oauth/token', headers: { ...FORM, authorization: basicAuth(...SERVICE) }, body: parsed });
  assert.equal(asForm.status, 200);
  const repeated = await server.token({ method: 'POST', url: '/oauth/token', headers: { ...FORM, authorization: basicAuth(...SERVICE) }, body: { grant_type: ['client_credentials', 'client_credentials'] } });
  assert.equal(json(repeated).error, 'invalid_request');
});
