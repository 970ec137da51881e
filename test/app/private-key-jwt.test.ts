/** private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9) on `tollgate serve`, driven by openid-client's `PrivateKeyJwt`. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { openIdClientCodeFlow, assertReplayedAssertionRefused } from '../helpers/app-agent.js';
import type { DocumentServer } from '../helpers/document-server.js';
import { startDocumentServer } from '../helpers/document-server.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The demo config plus `signer`, a private_key_jwt client with this public key. */
async function configWithSigner(publicKey: CryptoKey, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const jwk = { ...(await exportJWK(publicKey)), kid: 'signer-1', alg: 'ES256', use: 'sig' };
  const signer = {
    client_id: 'signer',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [jwk] },
    redirect_uris: [REDIRECT_URI],
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    scope: 'read',
  };
  const base = demoConfig(overrides);
  return { ...base, clients: [...(base.clients as unknown[]), signer] };
}

/** openid-client configured for a private_key_jwt client (default `signer`), authenticating with PrivateKeyJwt. */
function signerConfig(url: string, privateKey: CryptoKey, clientId = 'signer', kid = 'signer-1'): Promise<client.Configuration> {
  return client.discovery(new URL(url), clientId, {}, client.PrivateKeyJwt({ key: privateKey, kid }), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

describe('openid-client PrivateKeyJwt against tollgate serve', () => {
  let cli: RunningCli;
  let config: client.Configuration;
  /** The form bodies openid-client sent, to replay one of its assertions by hand. */
  const sent: URLSearchParams[] = [];

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    cli = await startCli(await configWithSigner(publicKey));
    config = await signerConfig(cli.url, privateKey);
    config[client.customFetch] = (url, options) => {
      if (options.body instanceof URLSearchParams) sent.push(new URLSearchParams(options.body));
      // openid-client's options are a RequestInit with its own optional-property typing.
      return fetch(url, options as RequestInit);
    };
  });
  after(() => cli.stop());

  test('metadata advertises private_key_jwt and its algorithms (RFC 8414 §2)', () => {
    const metadata = config.serverMetadata();
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('private_key_jwt'));
    assert.ok(metadata.token_endpoint_auth_signing_alg_values_supported?.includes('ES256'));
  });

  test('client_credentials with private_key_jwt: the token works at /secure, introspects and revokes with assertions too', async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    const assertion = sent.at(-1);
    assert.equal(assertion?.get('client_assertion_type'), JWT_BEARER);
    assert.equal(assertion?.get('client_secret'), null);
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, 'signer');
    await client.tokenRevocation(config, tokens.access_token);
    assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
  });

  test('the authorization code flow with private_key_jwt at the token endpoint, then refresh', async () => {
    const tokens = await openIdClientCodeFlow(config, cli.url, REDIRECT_URI);
    assert.equal(sent.at(-1)?.get('client_assertion_type'), JWT_BEARER);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    assert.notEqual(refreshed.access_token, tokens.access_token);
  });

  test("a replayed openid-client assertion (same jti) is invalid_client over HTTP (RFC 7523 §3)", async () => {
    await client.clientCredentialsGrant(config, { scope: 'read' });
    await assertReplayedAssertionRefused(cli.url, sent.at(-1));
  });

  test('an assertion signed by a key the client did not register is invalid_client', async () => {
    const stranger = await generateKeyPair('ES256');
    const forged = await signerConfig(cli.url, stranger.privateKey);
    await assert.rejects(client.clientCredentialsGrant(forged, { scope: 'read' }), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_client');
      assert.equal(err.status, 401);
      return true;
    });
  });
});

describe('the per-client token limit counts private_key_jwt clients by the assertion\'s iss', () => {
  let cli: RunningCli;
  let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  before(async () => {
    keys = await generateKeyPair('ES256');
    cli = await startCli(await configWithSigner(keys.publicKey, { rateLimit: { tokenPerClient: { max: 2, windowSeconds: 3600 } } }));
  });
  after(() => cli.stop());

  test('failed assertions naming the client do not count; the third authenticated request is over its limit', async () => {
    // openid-client sends client_id beside the assertion; without it the limit reads the assertion's iss.
    const withoutClientId: client.CustomFetch = (url, options) => {
      const body = new URLSearchParams(options.body as URLSearchParams);
      body.delete('client_id');
      return fetch(url, { ...(options as RequestInit), body });
    };
    const stranger = await generateKeyPair('ES256');
    const forged = await signerConfig(cli.url, stranger.privateKey);
    forged[client.customFetch] = withoutClientId;
    for (let i = 0; i < 5; i++) await assert.rejects(client.clientCredentialsGrant(forged, { scope: 'read' }), { error: 'invalid_client' });
    const config = await signerConfig(cli.url, keys.privateKey);
    config[client.customFetch] = withoutClientId;
    await client.clientCredentialsGrant(config, { scope: 'read' });
    await client.clientCredentialsGrant(config, { scope: 'read' });
    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'read' }), { status: 429 });
  });
});

/** A fresh ES256 key pair and its public JWK under `kid`. */
async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('private_key_jwt with keys published at a jwks_uri (RFC 7591 §2), fetched through the SSRF-safe fetcher', () => {
  let cli: RunningCli;
  let docs: DocumentServer;
  let first: { privateKey: CryptoKey; jwk: Record<string, unknown> };
  /** A jwks_uri that nothing answers at: a server that was started and closed. */
  let closedUrl: string;
  const INITIAL = 'an-initial-access-token-for-jwks-uri-tests';

  before(async () => {
    first = await signingKey('remote-1');
    docs = await startDocumentServer({ '/jwks': { json: { keys: [first.jwk] }, headers: { 'cache-control': 'max-age=3600' } } });
    const closed = await startDocumentServer();
    closedUrl = `${closed.url}/jwks`;
    await closed.close();
    const remote = (clientId: string, jwksUri: string) => ({
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: jwksUri,
      grant_types: ['client_credentials'],
      scope: 'read',
      redirect_uris: [],
    });
    const base = demoConfig({
      // The test-only allowance: the key set lives on this machine, over http.
      clientIdMetadataDocuments: { enabled: false, allowPrivateNetworks: true },
      registration: { enabled: true, initialAccessToken: INITIAL },
    });
    cli = await startCli({ ...base, clients: [...(base.clients as unknown[]), remote('remote', `${docs.url}/jwks`), remote('unreachable', closedUrl)] });
  });
  after(async () => {
    await cli.stop();
    await docs.close();
  });

  test('openid-client PrivateKeyJwt client_credentials with the key from the jwks_uri; the set is cached', async () => {
    const config = await signerConfig(cli.url, first.privateKey, 'remote', 'remote-1');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
    await client.clientCredentialsGrant(config, { scope: 'read' });
    assert.equal(docs.hits('/jwks'), 1);
  });

  test('key rotation: an assertion with a new kid makes the server fetch the set again and succeeds', async () => {
    const rotated = await signingKey('remote-2');
    docs.route('/jwks', { json: { keys: [first.jwk, rotated.jwk] }, headers: { 'cache-control': 'max-age=3600' } });
    const config = await signerConfig(cli.url, rotated.privateKey, 'remote', 'remote-2');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    assert.ok(tokens.access_token);
  });

  test('unknown kids cannot make the server fetch the jwks_uri on every request (refreshes are rate-limited)', async () => {
    const stranger = await signingKey('never-published');
    const config = await signerConfig(cli.url, stranger.privateKey, 'remote', 'never-published');
    const before = docs.hits('/jwks');
    for (let i = 0; i < 5; i++) await assert.rejects(client.clientCredentialsGrant(config, { scope: 'read' }), { error: 'invalid_client' });
    assert.ok(docs.hits('/jwks') - before <= 1, `fetched ${docs.hits('/jwks') - before} times`);
  });

  test('an unreachable jwks_uri gives invalid_client, never a 5xx', async () => {
    const key = await signingKey('any');
    const config = await signerConfig(cli.url, key.privateKey, 'unreachable', 'any');
    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'read' }), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.error, 'invalid_client');
      assert.match(err.error_description ?? '', /jwks_uri could not be fetched/);
      return true;
    });
  });

  test('dynamic registration accepts private_key_jwt with a jwks_uri; the registered client then authenticates with it', async () => {
    const key = await signingKey('dcr-1');
    docs.route('/dcr-jwks', { json: { keys: [key.jwk] } });
    const registered = await fetch(`${cli.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
      body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${docs.url}/dcr-jwks` }),
    });
    assert.equal(registered.status, 201);
    const body = (await registered.json()) as Record<string, unknown>;
    assert.equal(body.client_secret, undefined);
    assert.equal(body.jwks_uri, `${docs.url}/dcr-jwks`);
    const config = await signerConfig(cli.url, key.privateKey, String(body.client_id), 'dcr-1');
    assert.ok((await client.clientCredentialsGrant(config, { scope: 'read' })).access_token);
  });

  test('dynamic registration with private_key_jwt and inline jwks works; without keys, or with both, it is invalid_client_metadata', async () => {
    const key = await signingKey('dcr-inline');
    const register = (metadata: Record<string, unknown>) =>
      fetch(`${cli.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'private_key_jwt', ...metadata }),
      });
    const inline = await register({ jwks: { keys: [key.jwk] } });
    assert.equal(inline.status, 201);
    const config = await signerConfig(cli.url, key.privateKey, String(((await inline.json()) as Record<string, unknown>).client_id), 'dcr-inline');
    assert.ok((await client.clientCredentialsGrant(config, { scope: 'read' })).access_token);
    for (const [metadata, message] of [
      [{}, /jwks or jwks_uri is required by private_key_jwt/],
      [{ jwks: { keys: [key.jwk] }, jwks_uri: `${docs.url}/jwks` }, /must not be sent together with jwks/],
      [{ jwks: { keys: [{ ...key.jwk, d: 'secret' }] } }, /jwks\.keys\[0\]\.d is private/],
      [{ jwks_uri: 'not a url' }, /jwks_uri must be an absolute URL/],
    ] as const) {
      const refused = await register(metadata);
      assert.equal(refused.status, 400);
      const error = (await refused.json()) as Record<string, string>;
      assert.equal(error.error, 'invalid_client_metadata');
      assert.match(error.error_description ?? '', message);
    }
  });
});
