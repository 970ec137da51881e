/**
 * The config is the source of truth for what it lists (issue 14): a client and a user removed from
 * the config are gone after a restart on every persistent store, with everything they held; a client
 * registered dynamically (RFC 7591) survives the same restart. Also `tollgate check` (issue 18).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js';
import { postgresSchema, redisPrefix } from '../helpers/production.js';

const DOOMED_CLIENT = { client_id: 'doomed-app', client_secret: 'a-doomed-client-secret-of-forty-characters', redirect_uris: [], grant_types: ['client_credentials', 'password', 'refresh_token'], scope: 'read' };
const DOOMED_USER = { username: 'mallory', password: 'mallory-password' };
const INITIAL = 'an-initial-access-token-for-registration';

/** A fresh store of each persistent kind, and how to clean it up. */
const stores: Array<[string, () => { store: string; drop(): Promise<void> }]> = [['SQLite', () => ({ store: `sqlite:${join(tempDir(), 't.db')}`, drop: async () => {} })]];
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
  describe(`the config is the source of truth (${name})`, () => {
    const { store, drop } = open();
    after(() => drop());

    test('a client and a user removed from the config lose every token at the next start; a dynamically registered client stays', async () => {
      const base = demoConfig({ store, logLevel: 'info', registration: { enabled: true, initialAccessToken: INITIAL } });
      const dir = tempDir();
      const file = writeConfig({ ...base, clients: [...(base.clients as object[]), DOOMED_CLIENT], users: [...(base.users as object[]), DOOMED_USER] }, dir);
      const first = await startCli(undefined, { configFile: file });
      let registered: oidc.Configuration;
      const held: Record<string, Record<string, unknown>> = {};
      try {
        registered = await oidc.dynamicClientRegistration(
          new URL(first.url),
          { grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'client_secret_post' },
          undefined,
          { algorithm: 'oauth2', execute: [oidc.allowInsecureRequests], initialAccessToken: INITIAL },
        );
        held.registered = { ...(await oidc.clientCredentialsGrant(registered, { scope: 'read' })) };
        held.client = (await postToken(first.url, { grant_type: 'client_credentials' }, [DOOMED_CLIENT.client_id, DOOMED_CLIENT.client_secret])).json;
        held.clientForAdmin = (await postToken(first.url, { grant_type: 'password', username: 'admin', password: 'tiger' }, [DOOMED_CLIENT.client_id, DOOMED_CLIENT.client_secret])).json;
        held.user = (await postToken(first.url, { grant_type: 'password', ...DOOMED_USER }, ['SkyVaultapp', 'secret'])).json;
        for (const [what, tokens] of Object.entries(held)) assert.equal(typeof tokens.access_token, 'string', what);
      } finally {
        assert.equal(await first.stop(), 0);
      }

      // The same store, the config without them; the audit trail on (to the log).
      writeFileSync(file, JSON.stringify({ ...base, audit: true }));
      const second = await startCli(undefined, { configFile: file });
      try {
        const secure = async (token: unknown) => (await fetch(`${second.url}/secure`, { headers: { authorization: `Bearer ${String(token)}` } })).status;
        for (const what of ['client', 'clientForAdmin', 'user']) assert.equal(await secure(held[what]!.access_token), 401, `${what}'s access token no longer authenticates`);

        const userRefresh = await postToken(second.url, { grant_type: 'refresh_token', refresh_token: String(held.user!.refresh_token) }, ['SkyVaultapp', 'secret']);
        assert.equal(userRefresh.json.error, 'invalid_grant', "the removed user's refresh token");
        const clientRefresh = await postToken(second.url, { grant_type: 'refresh_token', refresh_token: String(held.clientForAdmin!.refresh_token) }, ['SkyVaultapp', 'secret']);
        assert.equal(clientRefresh.json.error, 'invalid_grant', "the removed client's refresh token, presented by another client");

        const newToken = await postToken(second.url, { grant_type: 'client_credentials' }, [DOOMED_CLIENT.client_id, DOOMED_CLIENT.client_secret]);
        assert.equal(newToken.status, 401);
        assert.equal(newToken.json.error, 'invalid_client');
        assert.equal((await postToken(second.url, { grant_type: 'password', ...DOOMED_USER }, ['SkyVaultapp', 'secret'])).json.error, 'invalid_grant');

        assert.equal(await secure(held.registered!.access_token), 200, 'the registered client keeps its token');
        // The new process listens on another port: the same client, by its registered credentials.
        const { client_id, client_secret } = registered.clientMetadata();
        const again = (await postToken(second.url, { grant_type: 'client_credentials', client_id, client_secret: String(client_secret) })).json;
        assert.equal(typeof again.access_token, 'string');
        assert.equal(await secure(held.registered!.access_token), 200);
      } finally {
        assert.equal(await second.stop(), 0);
      }
      assert.match(second.output(), /removed client \\"doomed-app\\": no longer in the config/);
      assert.match(second.output(), /removed user \\"mallory\\": no longer in the config/);
      assert.doesNotMatch(second.output(), /removed client \\"SkyVaultapp\\"|removed user \\"admin\\"/);
      // Each removal is also an audit event (issue 14), and only the removals are.
      const removals = second
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"audit"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((event) => event.event === 'client.deleted' || event.event === 'user.deleted')
        .map(({ event, clientId, username, reason }) => ({ event, clientId, username, reason }));
      assert.deepEqual(removals, [
        { event: 'client.deleted', clientId: 'doomed-app', username: undefined, reason: 'removed from config' },
        { event: 'user.deleted', clientId: undefined, username: 'mallory', reason: 'removed from config' },
      ]);
    });
  });
}

describe('tollgate check', () => {
  /** Runs `tollgate check` on a config; its output must be one line. */
  async function check(config: Record<string, unknown>) {
    const result = await runCli(['check', '--config', writeConfig(config)]);
    const output = (result.code === 0 ? result.stdout : result.stderr).trim();
    return { ...result, output };
  }

  test('a good config on SQLite: exit 0, one line, and the database is created and migrated', async () => {
    const { code, output } = await check(demoConfig({ store: `sqlite:${join(tempDir(), 'c.db')}` }));
    assert.equal(code, 0);
    assert.match(output, /^tollgate: .* is valid; the SQLite store at .*c\.db is reachable and up to date \(2 clients, 1 users configured\)$/);
  });

  test('users from a module: the line names the module instead of counting no users', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.mjs'), 'export async function getUser() { return null; }\n');
    const result = await runCli(['check', '--config', writeConfig(demoConfig({ store: `sqlite:${join(dir, 'c.db')}`, users: { module: './users.mjs' } }), dir)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.trim(), /^tollgate: .* is valid; .* \(2 clients, users from .*users\.mjs\)$/);
  });

  test('a bad config field: exit 1, one line naming the field', async () => {
    const { code, output } = await check(demoConfig({ accessTokenTtl: -1 }));
    assert.equal(code, 1);
    assert.match(output, /^tollgate: invalid configuration: config\.accessTokenTtl: /);
    assert.equal(output.split('\n').length, 1);
  });

  test('an unwritable SQLite path: exit 1, one line naming it', async () => {
    const dir = tempDir();
    // A regular file where a directory should be: unwritable even for root.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const { code, output } = await check(demoConfig({ store: `sqlite:${join(dir, 'not-a-dir', 'x.db')}` }));
    assert.equal(code, 1);
    assert.match(output, /^tollgate: the SQLite store at .*not-a-dir\/x\.db cannot be opened: /);
    assert.equal(output.split('\n').length, 1);
  });

  test('an unreachable PostgreSQL: exit 1 within seconds, one line, no password shown', async () => {
    const { code, output } = await check(demoConfig({ store: 'postgres://tollgate:hunter2@127.0.0.1:1/db' }));
    assert.equal(code, 1);
    assert.match(output, /^tollgate: the PostgreSQL store cannot be opened: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    assert.doesNotMatch(output, /hunter2/);
  });

  test('an unreachable Redis: exit 1 within seconds, exactly one line naming the cause, no password shown', async () => {
    const { code, output } = await check(demoConfig({ store: 'redis://:hunter2@127.0.0.1:1' }));
    assert.equal(code, 1);
    assert.match(output, /^tollgate: the Redis store cannot be reached: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    assert.doesNotMatch(output, /hunter2/);
  });

  test('serve on an unreachable Redis exits 1 instead of listening', async () => {
    const { code, stdout, stderr } = await runCli(['serve', '--config', writeConfig(demoConfig({ store: 'redis://127.0.0.1:1' })), '--port', '0']);
    assert.equal(code, 1);
    assert.doesNotMatch(stdout, /listening/);
    // Exactly one line: the store's own outage report is for outages after it once connected.
    assert.match(stderr.trim(), /^tollgate: the Redis store cannot be reached: connect ECONNREFUSED 127\.0\.0\.1:1$/);
  });
});
