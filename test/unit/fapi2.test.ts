/** `profile: "fapi2"` in the core: what it turns on, and the options it refuses at start (FAPI 2.0 Security Profile §5.3.2). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestServer } from '../helpers/fixtures.js';
import { tokenRequest } from '../helpers/http.js';

const fapi2 = { profile: 'fapi2', grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'] } as const;

describe('profile "fapi2"', () => {
  it('turns on PAR required, PKCE for every client with S256 only, private_key_jwt only, 60-second codes', async () => {
    const { options } = (await createTestServer(fapi2)).server;
    assert.deepEqual(options.pushedAuthorizationRequests, { ttl: 60, required: true });
    assert.equal(options.requirePkce, true);
    assert.equal(options.allowPlainPkce, false);
    assert.deepEqual(options.tokenEndpointAuthMethods, ['private_key_jwt']);
    assert.equal(options.authorizationCodeTtl, 60);
  });

  for (const [field, overrides] of [
    ['grantTypes', { grantTypes: ['authorization_code', 'password'] }],
    ['grantTypes', { grantTypes: ['authorization_code', 'implicit'] }],
    ['allowPlainPkce', { allowPlainPkce: true }],
    ['requirePkce', { requirePkce: false }],
    ['pushedAuthorizationRequests', { pushedAuthorizationRequests: false }],
    ['requirePushedAuthorizationRequests', { requirePushedAuthorizationRequests: false }],
    ['tokenEndpointAuthMethods', { tokenEndpointAuthMethods: ['private_key_jwt', 'client_secret_basic'] }],
    ['authorizationCodeTtl', { authorizationCodeTtl: 61 }],
    ['dpop', { dpop: false }],
  ] as const) {
    it(`refuses ${field} ${JSON.stringify(Object.values(overrides)[0])} at start, naming the field`, async () => {
      await assert.rejects(createTestServer({ ...fapi2, grants: [], ...overrides }), { code: 'ERR_TOLLGATE_INVALID_OPTION', field });
    });
  }

  it('refuses a profile it does not know', async () => {
    // @ts-expect-error: not a profile
    await assert.rejects(createTestServer({ profile: 'fapi1' }), { field: 'profile' });
  });

  it('a client_secret_basic client cannot authenticate anywhere (FAPI 2.0 §5.3.2.1: private_key_jwt)', async () => {
    const { server } = await createTestServer({ ...fapi2, grants: [] });
    const response = await server.token(tokenRequest({ grant_type: 'client_credentials' }, ['service', 'service-secret']));
    assert.equal(response.status, 401);
    assert.equal(JSON.parse(response.body).error, 'invalid_client');
  });
});
