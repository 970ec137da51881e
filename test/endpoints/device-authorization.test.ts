/** The device authorization endpoint (RFC 8628 §3.1-3.2, §4, §6.1) and the verification step's lookup. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizationServer } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { hashToken } from '../../src/secrets.js';
import { displayUserCode, generateUserCode, normaliseUserCode } from '../../src/user-code.js';
import { ISSUER, createTestServer } from '../helpers/fixtures.js';
import { SKYVAULT, assertError } from '../helpers/flows.js';
import { json } from '../helpers/http.js';
import { DEVICE_CODE, deviceRequest, deviceServer, lookup } from '../helpers/device.js';

const ALPHABET = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe('device authorization endpoint (RFC 8628 §3.1-3.2)', () => {
  it('answers a public client with a device code, a user code, the verification URIs, expires_in and interval, not cacheable', async () => {
    const { call } = await deviceServer();
    const response = await call(deviceRequest({ scope: 'read' }));
    assert.equal(response.status, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = json(response);
    assert.match(String(body.device_code), /^[A-Za-z0-9_-]{43}$/);
    assert.match(String(body.user_code), ALPHABET);
    assert.equal(body.verification_uri, `${ISSUER}/device`);
    assert.equal(body.verification_uri_complete, `${ISSUER}/device?user_code=${String(body.user_code)}`);
    assert.equal(body.expires_in, 600);
    assert.equal(body.interval, 5);
  });

  it('the device code has high entropy: 256 bits, never repeated, and never kept in clear (only its hash keys the record)', async () => {
    const { call, store } = await deviceServer();
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const body = json(await call(deviceRequest()));
      const code = String(body.device_code);
      assert.equal(Buffer.from(code, 'base64url').length, 32);
      codes.add(code);
      const record = await store.getRecord('device_code', hashToken(code));
      assert.ok(record);
      assert.ok(!JSON.stringify(record.value).includes(code));
    }
    assert.equal(codes.size, 50);
  });

  it('a confidential client authenticates as at the token endpoint; a wrong secret is invalid_client', async () => {
    const { call } = await deviceServer();
    assert.equal((await call(deviceRequest({}, SKYVAULT))).status, 200);
    assertError(await call(deviceRequest({}, ['SkyVaultapp', 'wrong'])), 401, 'invalid_client');
    // A confidential client may not pass as public by leaving its secret out.
    assertError(await call(deviceRequest({ client_id: 'SkyVaultapp' })), 401, 'invalid_client');
  });

  it('a client not registered for the device grant is unauthorized_client', async () => {
    const { call } = await deviceServer();
    assertError(await call(deviceRequest({ client_id: 'spa' })), 400, 'unauthorized_client');
  });

  it('checks the scope and resources as the token endpoint would: invalid_scope, invalid_target', async () => {
    const { call } = await deviceServer();
    assertError(await call(deviceRequest({ scope: 'admin' })), 400, 'invalid_scope');
    assertError(await call(deviceRequest({ resource: 'https://unknown.example/api' })), 400, 'invalid_target');
  });

  it('accepts only a form POST', async () => {
    const { call } = await deviceServer();
    const get = await call({ method: 'GET', url: '/oauth/device_authorization?client_id=tv', headers: {} });
    assertError(get, 405, 'invalid_request');
    assert.equal(get.headers.allow, 'POST');
  });

  it('expires_in follows deviceCodeTtl; a deviceCodeTtl that is not a positive whole number is refused at start, naming it', async () => {
    const { call } = await deviceServer({ deviceCodeTtl: 120 });
    assert.equal(json(await call(deviceRequest())).expires_in, 120);
    await assert.rejects(deviceServer({ deviceCodeTtl: 0 }), { name: 'ConfigError', field: 'deviceCodeTtl' });
    await assert.rejects(deviceServer({ deviceCodeTtl: 1.5 }), { name: 'ConfigError', field: 'deviceCodeTtl' });
  });

  it('metadata names the endpoint and the grant type when the grant is on, neither when it is off (RFC 8628 §4)', async () => {
    const on = json((await deviceServer()).server.metadata());
    assert.equal(on.device_authorization_endpoint, `${ISSUER}/oauth/device_authorization`);
    assert.ok((on.grant_types_supported as string[]).includes(DEVICE_CODE));
    const { server } = await createTestServer();
    const off = json(server.metadata());
    assert.equal(off.device_authorization_endpoint, undefined);
    assert.equal(await server.handle(deviceRequest()), undefined);
    assert.equal(server.serves('/device'), false);
  });

  it('a model without a record store cannot enable the grant: ConfigError naming the function', async () => {
    const store = await createMemoryStore();
    const { putRecord: _put, ...model } = store;
    // A JavaScript caller, or one casting: TypeScript already asks for the record store in the model's type.
    assert.throws(() => createAuthorizationServer({ issuer: ISSUER, grantTypes: [DEVICE_CODE], model: model as typeof store }), {
      name: 'ConfigError',
      code: 'ERR_TOLLGATE_MODEL',
      field: 'model.putRecord',
    });
  });

  it('the verification page answers 501 without an interaction, or one without a device page', async () => {
    const { server } = await deviceServer();
    assert.equal((await server.handle({ method: 'GET', url: '/device', headers: {} }))?.status, 501);
    const authorizeOnly = { authorize: async () => ({ type: 'response' as const, response: { status: 200, headers: {}, body: '' } }) };
    assert.equal((await server.handle({ method: 'GET', url: '/device', headers: {} }, { interaction: authorizeOnly }))?.status, 501);
  });
});

describe('user codes (RFC 8628 §6.1)', () => {
  it('eight characters of a 20-consonant alphabet, shown as XXXX-XXXX', () => {
    for (let i = 0; i < 200; i++) assert.match(displayUserCode(generateUserCode()), ALPHABET);
  });

  it('are compared case-insensitively, dashes and spaces ignored; anything else is no code', () => {
    for (const typed of ['WDJB-MJHT', 'wdjb-mjht', 'WDJBMJHT', ' wdjb mjht ', 'Wd-Jb-Mj-Ht']) assert.equal(normaliseUserCode(typed), 'WDJBMJHT');
    for (const typed of ['WDJB-MJH0', 'WDJB-MJHA', 'WDJB-MJH', 'WDJB-MJHTT', '', 'W'.repeat(1000)]) assert.equal(normaliseUserCode(typed), undefined);
  });

  it('the verification page finds the pending request however the person types the code, with its client and scope', async () => {
    const { call, server } = await deviceServer();
    const userCode = String(json(await call(deviceRequest({ scope: 'read' }))).user_code);
    const found = await lookup(server, ` ${userCode.toLowerCase().replace('-', ' ')} `);
    assert.ok(found);
    assert.equal(found.client.client_id, 'tv');
    assert.deepEqual(found.scope, ['read']);
    assert.equal(found.userCode, userCode);
    assert.equal(await lookup(server, 'BCDF-GHJK'), null);
    assert.equal(await lookup(server, 'not a code'), null);
  });
});
