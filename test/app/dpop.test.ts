/**
 * DPoP (RFC 9449) on `tollgate serve`, driven by openid-client's DPoP handle: DPoP-bound tokens from
 * the token endpoint, used at /secure with proofs, refused without one or as Bearer; proofs single
 * use, atomically, on every store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli, tempDir } from '../helpers/app-server.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js';
import { postgresSchema, redisPrefix } from '../helpers/production.js';
import { basicAuth } from '../helpers/http.js';
import { dpopKey, proof as makeProof } from '../helpers/dpop.js';

/** openid-client configured for the demo client, which authenticates with client_secret_basic. */
function skyvaultConfig(url: string): Promise<client.Configuration> {
  return client.discovery(new URL(url), 'SkyVaultapp', undefined, client.ClientSecretBasic('secret'), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
}

/** A fresh key pair and openid-client's DPoP handle for it. */
async function dpopHandle(config: client.Configuration): Promise<client.DPoPHandle> {
  return client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
}

/** Records the DPoP headers openid-client sends, to replay one by hand. */
function recordProofs(config: client.Configuration): string[] {
  const proofs: string[] = [];
  config[client.customFetch] = (url, options) => {
    const dpop = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).get('dpop');
    if (dpop) proofs.push(dpop);
    // openid-client's options are a RequestInit with its own optional-property typing.
    return fetch(url, options as RequestInit);
  };
  return proofs;
}

describe('openid-client DPoP against tollgate serve', () => {
  let cli: RunningCli;
  let config: client.Configuration;
  let proofs: string[];
  let secure: URL;

  before(async () => {
    cli = await startCli(demoConfig());
    config = await skyvaultConfig(cli.url);
    proofs = recordProofs(config);
    secure = new URL(`${cli.url}/secure`);
  });
  after(() => cli.stop());

  test('metadata advertises dpop_signing_alg_values_supported (RFC 9449 §5.1)', () => {
    assert.deepEqual(config.serverMetadata().dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256']);
  });

  test('client_credentials with a DPoP proof: token_type DPoP; the token works at /secure with a proof (RFC 9449 §5, §7.1)', async () => {
    const DPoP = await dpopHandle(config);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const response = await client.fetchProtectedResource(config, tokens.access_token, secure, 'GET', undefined, undefined, { DPoP });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'Secure Hello!');
  });

  test('the bound token fails at /secure without a proof, and as Bearer (RFC 9449 §7.1, §7.2)', async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP: await dpopHandle(config) });
    const noProof = await fetch(secure, { headers: { authorization: `DPoP ${tokens.access_token}` } });
    assert.equal(noProof.status, 401);
    assert.match(noProof.headers.get('www-authenticate') ?? '', /DPoP realm="[^"]+", error="invalid_dpop_proof"/);
    const asBearer = await fetch(secure, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/);
  });

  test('a replayed proof is refused, at the token endpoint and at /secure (RFC 9449 §11.1)', async () => {
    const DPoP = await dpopHandle(config);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    const tokenProof = proofs.at(-1) ?? '';
    const replayed = await fetch(`${cli.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth('SkyVaultapp', 'secret'), 'content-type': 'application/x-www-form-urlencoded', dpop: tokenProof },
      body: 'grant_type=client_credentials&scope=read',
    });
    assert.equal(replayed.status, 400);
    assert.equal(((await replayed.json()) as { error: string }).error, 'invalid_dpop_proof');
    assert.equal((await client.fetchProtectedResource(config, tokens.access_token, secure, 'GET', undefined, undefined, { DPoP })).status, 200);
    const resourceProof = proofs.at(-1) ?? '';
    const again = await fetch(secure, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: resourceProof } });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { error: string }).error, 'invalid_dpop_proof');
  });

  test('refresh keeps the binding: the refreshed token is DPoP and works with the same key (RFC 9449 §5)', async () => {
    const DPoP = await dpopHandle(config);
    const first = await client.genericGrantRequest(config, 'password', { username: 'admin', password: 'tiger', scope: 'read' }, { DPoP });
    assert.equal(first.token_type, 'dpop');
    assert.ok(first.refresh_token);
    const refreshed = await client.refreshTokenGrant(config, first.refresh_token, undefined, { DPoP });
    assert.equal(refreshed.token_type, 'dpop');
    const response = await client.fetchProtectedResource(config, refreshed.access_token, secure, 'GET', undefined, undefined, { DPoP });
    assert.equal(response.status, 200);
    // Another key: openid-client reads the DPoP challenge, which carries the error (RFC 9449 §7.1).
    const other = client.fetchProtectedResource(config, refreshed.access_token, secure, 'GET', undefined, undefined, { DPoP: await dpopHandle(config) });
    await assert.rejects(other, (err: unknown) => {
      assert.ok(err instanceof client.WWWAuthenticateChallengeError);
      assert.equal(err.status, 401);
      assert.equal(err.cause.find((c) => c.scheme === 'dpop')?.parameters.error, 'invalid_token');
      return true;
    });
  });

  test('introspection answers cnf.jkt and token_type DPoP (RFC 9449 §6.2)', async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP: await dpopHandle(config) });
    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.token_type, 'DPoP');
    assert.equal(typeof (introspected.cnf as { jkt?: unknown } | undefined)?.jkt, 'string');
  });
});

describe('tollgate serve with DPoP nonces (RFC 9449 §8, §9)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ dpop: { nonce: true } }));
  });
  after(() => cli.stop());

  test("openid-client follows use_dpop_nonce at the token endpoint and at /secure, and the token works", async () => {
    const config = await skyvaultConfig(cli.url);
    const DPoP = await dpopHandle(config);
    // openid-client retries once itself on use_dpop_nonce, with the DPoP-Nonce it was given.
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const response = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${cli.url}/secure`), 'GET', undefined, undefined, { DPoP });
    assert.equal(response.status, 200);
  });
});

const stores = [
  { name: 'SQLite', available: true, store: () => ({ url: `sqlite:${join(tempDir(), 'tollgate.db')}`, cleanup: async () => {} }) },
  { name: 'PostgreSQL', available: await serviceAvailable('PostgreSQL', POSTGRES_URL), store: () => { const s = postgresSchema(); return { url: s.url, cleanup: s.drop }; } },
  { name: 'Redis', available: await serviceAvailable('Redis', REDIS_URL), store: () => { const p = redisPrefix(); return { url: p.url, cleanup: p.clear }; } },
];

for (const backend of stores.filter((s) => s.available)) {
  describe(`DPoP replay cache on ${backend.name}`, () => {
    let cli: RunningCli;
    let cleanup: () => Promise<void>;
    before(async () => {
      const store = backend.store();
      cleanup = store.cleanup;
      cli = await startCli(demoConfig({ store: store.url, logLevel: 'warn' }));
    });
    after(async () => {
      await cli.stop();
      await cleanup();
    });

    test('50 parallel token requests with one proof: exactly one succeeds (RFC 9449 §11.1)', async () => {
      const proof = await makeProof(await dpopKey(), { htu: `${cli.url}/oauth/token` });
      const send = () =>
        fetch(`${cli.url}/oauth/token`, {
          method: 'POST',
          headers: { authorization: basicAuth('SkyVaultapp', 'secret'), 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
          body: 'grant_type=client_credentials&scope=read',
        }).then((r) => r.status);
      const statuses = await Promise.all(Array.from({ length: 50 }, send));
      assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 400).length, 49);
    });
  });
}
