/** The config file's client keys: `jwks` or `jwks_uri` and `token_endpoint_auth_signing_alg` for private_key_jwt (RFC 7591 §2, RFC 7523), and client_secret_jwt's secret. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { ConfigError } from '../../src/errors.js';
import { validateConfig } from '../../src/app/config.js';

const jwt = (client: Record<string, unknown>) =>
  validateConfig({ clients: [{ client_id: 'signer', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', ...client }] });

function refused(run: () => unknown, field: string, pattern: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, pattern);
    return true;
  });
}

let publicJwk: Record<string, unknown>;
let privateJwk: Record<string, unknown>;
before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1' };
  privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'k1' };
});

describe('config: private_key_jwt clients (RFC 7523 §2.2)', () => {
  it('a private_key_jwt client with public jwks and no secret is registered with its keys and alg', () => {
    const [client] = jwt({ jwks: { keys: [publicJwk] }, token_endpoint_auth_signing_alg: 'ES256' }).clients;
    assert.equal(client?.token_endpoint_auth_method, 'private_key_jwt');
    assert.deepEqual(client?.jwks, { keys: [publicJwk] });
    assert.equal(client?.token_endpoint_auth_signing_alg, 'ES256');
    assert.equal(client?.client_secret, undefined);
  });

  it('private_key_jwt without jwks, or with a client_secret too, is a ConfigError', () => {
    refused(() => jwt({}), 'config.clients[0].jwks', /or "jwks_uri" is required by private_key_jwt/);
    refused(() => jwt({ jwks: { keys: [publicJwk] }, client_secret: 's'.repeat(40) }), 'config.clients[0].client_secret', /uses no secret/);
  });

  it('jwks holding a private key is a ConfigError naming the private member', () => {
    refused(() => jwt({ jwks: { keys: [privateJwk] } }), 'config.clients[0].jwks.keys[0].d', /public keys only/);
    refused(() => jwt({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }), 'config.clients[0].jwks.keys[0].k', /public keys only/);
  });

  it('malformed jwks are ConfigErrors naming the member', () => {
    refused(() => jwt({ jwks: [publicJwk] }), 'config.clients[0].jwks.keys', /JWK Set/);
    refused(() => jwt({ jwks: { keys: [] } }), 'config.clients[0].jwks.keys', /1 to 10 keys/);
    refused(() => jwt({ jwks: { keys: [{ ...publicJwk, x: 'AAAA' }] } }), 'config.clients[0].jwks.keys[0]', /not a valid public key/);
    refused(() => jwt({ jwks: { keys: [{ ...publicJwk, use: 'enc' }] } }), 'config.clients[0].jwks.keys[0].use', /"sig"/);
  });

  it('an RSA key under 2048 bits is refused (RFC 7518 §3.3)', () => {
    // node:crypto, since jose itself will not make a key this small.
    const smallJwk = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    refused(() => jwt({ jwks: { keys: [smallJwk] } }), 'config.clients[0].jwks.keys[0]', /2048 bits/);
  });

  it('token_endpoint_auth_signing_alg must be an asymmetric algorithm (no HS256, no none)', () => {
    for (const alg of ['HS256', 'none']) {
      refused(() => jwt({ jwks: { keys: [publicJwk] }, token_endpoint_auth_signing_alg: alg }), 'config.clients[0].token_endpoint_auth_signing_alg', /must be one of/);
    }
  });

  it('jwks_uri stands in for jwks; both at once, or a jwks_uri that is not a URL, is a ConfigError naming it (RFC 7591 §2)', () => {
    const [client] = jwt({ jwks_uri: 'https://client.example.com/jwks' }).clients;
    assert.equal(client?.jwks_uri, 'https://client.example.com/jwks');
    refused(() => jwt({ jwks_uri: 'https://client.example.com/jwks', jwks: { keys: [publicJwk] } }), 'config.clients[0].jwks_uri', /must not be set together with "jwks"/);
    refused(() => jwt({ jwks_uri: '/jwks' }), 'config.clients[0].jwks_uri', /must be an absolute URL/);
    refused(() => jwt({ jwks_uri: 'https://client.example.com/jwks#k' }), 'config.clients[0].jwks_uri', /fragment/);
  });

  it('clientIdMetadataDocuments: false, true, or { enabled, allowPrivateNetworks }; anything else names the field', () => {
    assert.deepEqual(validateConfig({}).clientIdMetadataDocuments, { enabled: false, allowPrivateNetworks: false });
    assert.deepEqual(validateConfig({ clientIdMetadataDocuments: true }).clientIdMetadataDocuments, { enabled: true, allowPrivateNetworks: false });
    assert.deepEqual(
      validateConfig({ clientIdMetadataDocuments: { enabled: true, allowPrivateNetworks: true } }).clientIdMetadataDocuments,
      { enabled: true, allowPrivateNetworks: true },
    );
    refused(() => validateConfig({ clientIdMetadataDocuments: 'yes' }), 'config.clientIdMetadataDocuments', /must be an object/);
    refused(() => validateConfig({ clientIdMetadataDocuments: { enabled: true, allowPrivate: true } }), 'config.clientIdMetadataDocuments.allowPrivate', /./);
    refused(() => validateConfig({ clientIdMetadataDocuments: { allowPrivateNetworks: true } }), 'config.clientIdMetadataDocuments.enabled', /./);
  });

  it('client_secret_jwt takes a client_secret of 32 bytes or more (RFC 7518 §3.2), never a client_secret_hash, and pins only an HMAC algorithm', () => {
    const hs = (client: Record<string, unknown>) =>
      validateConfig({ clients: [{ client_id: 'hs', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt', ...client }] });
    const [accepted] = hs({ client_secret: 's'.repeat(32), token_endpoint_auth_signing_alg: 'HS512' }).clients;
    assert.equal(accepted?.token_endpoint_auth_method, 'client_secret_jwt');
    assert.equal(accepted?.token_endpoint_auth_signing_alg, 'HS512');
    refused(() => hs({ client_secret: 's'.repeat(31) }), 'config.clients[0].client_secret', /at least 32 bytes for client_secret_jwt/);
    refused(() => hs({ client_secret_hash: 'q'.repeat(42) + 'A' }), 'config.clients[0].client_secret_hash', /cannot serve client_secret_jwt/);
    refused(() => hs({}), 'config.clients[0].token_endpoint_auth_method', /no client_secret/);
    refused(() => hs({ client_secret: 's'.repeat(40), token_endpoint_auth_signing_alg: 'RS256' }), 'config.clients[0].token_endpoint_auth_signing_alg', /HS256/);
    // RFC 8725 §2.1, the other way: a private_key_jwt client never pins an HMAC.
    refused(() => jwt({ jwks: { keys: [publicJwk] }, token_endpoint_auth_signing_alg: 'HS256' }), 'config.clients[0].token_endpoint_auth_signing_alg', /RS256/);
  });
});

describe('config: trustedIssuers keys (RFC 7523 §2.1 JWT bearer assertions)', () => {
  const trusting = (jwks: unknown) => validateConfig({ trustedIssuers: [{ issuer: 'https://partner.example.com', jwks }] });

  it('public keys are taken', () => {
    assert.deepEqual(trusting({ keys: [publicJwk] }).trustedIssuers[0]?.jwks, { keys: [publicJwk] });
  });

  it('private or symmetric key material is a ConfigError naming the config field, as for clients', () => {
    refused(() => trusting({ keys: [privateJwk] }), 'config.trustedIssuers[0].jwks.keys[0].d', /public keys only/);
    refused(() => trusting({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), 'config.trustedIssuers[0].jwks.keys[0].k', /public keys only/);
    refused(() => trusting({ keys: [] }), 'config.trustedIssuers[0].jwks.keys', /1 to 10 keys/);
  });
});
