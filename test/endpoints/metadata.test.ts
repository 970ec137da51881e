import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import { ISSUER } from '../helpers/fixtures.js';
import { json } from '../helpers/http.js';

describeHosts('authorization server metadata (RFC 8414)', (setup) => {
  it('lists every endpoint, grant, response type, auth method and PKCE method (RFC 8414 §2)', async () => {
    const h = await setup({ scopesSupported: ['read', 'write'] });
    const response = await h.metadata();
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] ?? '', /^application\/json/);
    const methods = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'];
    const algs = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256', 'HS384', 'HS512'];
    assert.deepEqual(json(response), {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      scopes_supported: ['read', 'write'],
      response_types_supported: ['code', 'token'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      grant_types_supported: ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token', 'external_token'],
      token_endpoint_auth_methods_supported: methods,
      token_endpoint_auth_signing_alg_values_supported: algs,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: methods,
      revocation_endpoint_auth_signing_alg_values_supported: algs,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'],
      introspection_endpoint_auth_signing_alg_values_supported: algs,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      pushed_authorization_request_endpoint: `${ISSUER}/oauth/par`,
      require_pushed_authorization_requests: false,
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      request_parameter_supported: true,
      // Request objects are verified with the client's public keys: no HS* (RFC 9101 §6.1).
      request_object_signing_alg_values_supported: algs.filter((alg) => !alg.startsWith('HS')),
      request_uri_parameter_supported: false,
    });
  });

  it('advertises private_key_jwt and its algorithms only when enabled (RFC 8414 §2, RFC 7523)', async () => {
    const off = json(await (await setup({ tokenEndpointAuthMethods: ['client_secret_basic'] })).metadata());
    assert.deepEqual(off.token_endpoint_auth_methods_supported, ['client_secret_basic']);
    assert.equal(off.token_endpoint_auth_signing_alg_values_supported, undefined);
    const es = json(await (await setup({ tokenEndpointAuthSigningAlgs: ['ES256'] })).metadata());
    assert.deepEqual(es.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
  });

  it('advertises plain PKCE only when allowPlainPkce (RFC 7636 §4.2)', async () => {
    const h = await setup({ allowPlainPkce: true });
    assert.deepEqual(json(await h.metadata()).code_challenge_methods_supported, ['S256', 'plain']);
  });

  it('lists only the enabled grants and response types (RFC 8414 §2)', async () => {
    const h = await setup({ grantTypes: ['client_credentials'], grants: [] });
    const body = json(await h.metadata());
    assert.deepEqual(body.grant_types_supported, ['client_credentials']);
    assert.deepEqual(body.response_types_supported, []);
    assert.equal(body.authorization_endpoint, undefined);
  });

  it('names the configured issuer, for iss checks, and the configured endpoint paths (RFC 8414 §3.3, RFC 9207 §2.4)', async () => {
    const h = await setup({ issuer: 'https://auth.example.com/', endpoints: { token: '/t' } });
    const body = json(await h.metadata());
    assert.equal(body.issuer, 'https://auth.example.com');
    assert.equal(body.token_endpoint, 'https://auth.example.com/t');
  });

  it('keeps the issuer\'s path in every endpoint URL (RFC 8414 §2)', async () => {
    const h = await setup({ issuer: 'https://auth.example.com/tenant-a' });
    const body = json(await h.metadata());
    assert.equal(body.issuer, 'https://auth.example.com/tenant-a');
    assert.equal(body.token_endpoint, 'https://auth.example.com/tenant-a/oauth/token');
    assert.equal(body.authorization_endpoint, 'https://auth.example.com/tenant-a/authorize');
  });
});
