/** client_secret_jwt (RFC 7523 §2.2, OpenID Connect Core §9) on `tollgate serve`, driven by openid-client's `ClientSecretJwt`, on every store. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { openIdClientCodeFlow, assertReplayedAssertionRefused } from '../helpers/app-agent.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js';
import { postgresSchema, redisPrefix } from '../helpers/production.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A config-seeded client_secret_jwt client's secret: 64 characters, enough for HS512 too (RFC 7518 §3.2). */
const SECRET = 'a-client-secret-jwt-secret-of-sixty-four-characters-for-hs512!!';
const INITIAL = 'an-initial-access-token-for-client-secret-jwt';

/** The demo config plus `hmac`, a client_secret_jwt client, with registration on. */
function configWithHmacClient(store: string): Record<string, unknown> {
  const hmac = {
    client_id: 'hmac',
    client_secret: SECRET,
    token_endpoint_auth_method: 'client_secret_jwt',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    scope: 'read',
  };
  const base = demoConfig({ store, registration: { enabled: true, initialAccessToken: INITIAL } });
  return { ...base, clients: [...(base.clients as unknown[]), hmac] };
}

/** openid-client configured for a client_secret_jwt client, authenticating with ClientSecretJwt (HS256). */
function hmacConfig(url: string, clientId: string, secret: string): Promise<client.Configuration> {
  return client.discovery(new URL(url), clientId, {}, client.ClientSecretJwt(secret), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
}

/** A token request (client_credentials) with this assertion, as its raw HTTP answer. */
async function tokenWith(url: string, assertion: string): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** The persistent stores reachable here, each fresh; memory always. */
const stores: Array<[string, () => { store: string; drop(): Promise<void> }]> = [
  ['memory', () => ({ store: 'memory', drop: async () => {} })],
  ['SQLite', () => ({ store: `sqlite:${join(tempDir(), 't.db')}`, drop: async () => {} })],
];
if (await serviceAvailable('PostgreSQL', POSTGRES_URL)) {
  stores.push(['PostgreSQL', () => {
    const { url, drop } = postgresSchema();
    return { store: url, drop };
  }]);
}
if (await serviceAvailable('Redis', REDIS_URL)) {
  stores.push(['Redis', () => {
    const { url, clear } = redisPrefix();
    return { store: url, drop: clear };
  }]);
}

for (const [name, open] of stores) {
  describe(`openid-client ClientSecretJwt against tollgate serve (${name} store)`, () => {
    const { store, drop } = open();
    let cli: RunningCli;
    let config: client.Configuration;
    /** The form bodies openid-client sent, to replay one of its assertions by hand. */
    const sent: URLSearchParams[] = [];

    before(async () => {
      cli = await startCli(configWithHmacClient(store));
      config = await hmacConfig(cli.url, 'hmac', SECRET);
      config[client.customFetch] = (url, options) => {
        if (options.body instanceof URLSearchParams) sent.push(new URLSearchParams(options.body));
        return fetch(url, options as RequestInit);
      };
    });
    after(async () => {
      await cli.stop();
      await drop();
    });

    test('metadata lists client_secret_jwt and HS256 (RFC 8414 §2)', () => {
      const metadata = config.serverMetadata();
      assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('client_secret_jwt'));
      assert.ok(metadata.token_endpoint_auth_signing_alg_values_supported?.includes('HS256'));
      assert.ok(metadata.introspection_endpoint_auth_methods_supported?.includes('client_secret_jwt'));
    });

    test('client_credentials with client_secret_jwt (a config-seeded client): the token works at /secure, introspects and revokes', async () => {
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
      assert.equal(sent.at(-1)?.get('client_assertion_type'), JWT_BEARER);
      assert.equal(sent.at(-1)?.get('client_secret'), null);
      const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(await secure.text(), 'Secure Hello!');
      const introspected = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(introspected.active, true);
      assert.equal(introspected.client_id, 'hmac');
      assert.ok(!JSON.stringify(introspected).includes(SECRET), 'introspection shows the secret');
      await client.tokenRevocation(config, tokens.access_token);
      assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
    });

    test('the authorization code flow with client_secret_jwt at the token endpoint, then refresh', async () => {
      const tokens = await openIdClientCodeFlow(config, cli.url, REDIRECT_URI);
      assert.equal(sent.at(-1)?.get('client_assertion_type'), JWT_BEARER);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
      assert.notEqual(refreshed.access_token, tokens.access_token);
    });

    test('a replayed openid-client assertion (same jti) is invalid_client (RFC 7523 §3 item 7)', async () => {
      await client.clientCredentialsGrant(config, { scope: 'read' });
      await assertReplayedAssertionRefused(cli.url, sent.at(-1));
    });

    test('a wrong aud, an expired, an unsigned (alg none) or a wrongly keyed assertion is invalid_client', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = (overrides: Record<string, unknown> = {}) => ({ iss: 'hmac', sub: 'hmac', aud: cli.url, jti: randomUUID(), iat: now, exp: now + 60, ...overrides });
      const hs256 = (payload: Record<string, unknown>, secret = SECRET) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
      for (const [assertion, why] of [
        [await hs256(claims({ aud: 'https://another-server.example' })), /aud/],
        [await hs256(claims({ iat: now - 600, exp: now - 300 })), /expired/],
        [new UnsecuredJWT(claims()).encode(), /./],
        [await hs256(claims(), `${SECRET.slice(1)}x`), /signature does not verify/],
      ] as const) {
        const { status, body } = await tokenWith(cli.url, assertion);
        assert.equal(status, 401);
        assert.equal(body.error, 'invalid_client');
        assert.match(body.error_description ?? '', why);
      }
      // The same claims, correctly keyed, do authenticate: the refusals above are each for their one fault.
      assert.equal((await tokenWith(cli.url, await hs256(claims()))).status, 200);
    });

    test('dynamic registration (RFC 7591) registers a client_secret_jwt client: its secret is shown once, never in its registration read', async () => {
      const registered = await fetch(`${cli.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' }),
      });
      assert.equal(registered.status, 201);
      const body = (await registered.json()) as Record<string, string | number>;
      const secret = String(body.client_secret);
      assert.equal(body.token_endpoint_auth_method, 'client_secret_jwt');
      assert.equal(body.client_secret_expires_at, 0);
      assert.ok(Buffer.byteLength(secret) >= 64, 'a generated secret long enough for HS512');
      const registeredConfig = await hmacConfig(cli.url, String(body.client_id), secret);
      assert.ok((await client.clientCredentialsGrant(registeredConfig, { scope: 'read' })).access_token);
      const read = await fetch(String(body.registration_client_uri), { headers: { authorization: `Bearer ${body.registration_access_token}` } });
      assert.equal(read.status, 200);
      assert.ok(!(await read.text()).includes(secret), 'the registration read shows the secret');
      // RFC 8725 §2.1: a client_secret_jwt client may pin only an HMAC algorithm.
      const refused = await fetch(`${cli.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
        body: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'RS256' }),
      });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as Record<string, string>).error, 'invalid_client_metadata');
    });
  });
}

describe('client_secret_jwt clients added with the CLI and refused in the config', () => {
  test('`tollgate clients add` gives a client_secret_jwt client a generated secret that openid-client authenticates with', async () => {
    const dir = tempDir();
    const store = `sqlite:${join(dir, 'cli.db')}`;
    const file = writeConfig(demoConfig({ store }), dir);
    const metadataFile = join(dir, 'client.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(metadataFile, JSON.stringify({ client_id: 'cli-hmac', grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'client_secret_jwt' }));
    const added = await runCli(['clients', 'add', '--config', file, '--file', metadataFile, '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { client_secret: secret } = JSON.parse(added.stdout) as { client_secret: string };
    assert.ok(secret && Buffer.byteLength(secret) >= 64);
    const cli = await startCli(demoConfig({ store }));
    try {
      const config = await hmacConfig(cli.url, 'cli-hmac', secret);
      assert.ok((await client.clientCredentialsGrant(config, { scope: 'read' })).access_token);
    } finally {
      await cli.stop();
    }
  });

  test('a client_secret_jwt client with a client_secret_hash, or a short secret, is refused at start naming the field', async () => {
    const base = { client_id: 'hmac', token_endpoint_auth_method: 'client_secret_jwt', grant_types: ['client_credentials'], redirect_uris: [] };
    for (const [client, field] of [
      [{ ...base, client_secret_hash: 'q'.repeat(42) + 'A' }, /clients\[2\]\.client_secret_hash.*client_secret_jwt/],
      [{ ...base, client_secret: 'too-short' }, /clients\[2\]\.client_secret.*at least 32 bytes/],
      [{ ...base, client_secret: SECRET, token_endpoint_auth_signing_alg: 'ES256' }, /clients\[2\]\.token_endpoint_auth_signing_alg/],
    ] as const) {
      const config = demoConfig();
      const result = await runCli(['serve', '--config', writeConfig({ ...config, clients: [...(config.clients as unknown[]), client] }), '--port', '0']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, field);
    }
  });
});
