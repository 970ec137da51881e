/**
 * The `tollgate` admin commands (issue 14), run through the built CLI as an operator types them,
 * against a server running on the same SQLite file or PostgreSQL schema: what a command changes, the
 * running server honours.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js';
import { postgresSchema } from '../helpers/production.js';
import { createJwtVerifier } from '../../src/jwt.js';
import type { JsonWebKeySet } from '../../src/tokens/format.js';

const stores: Array<[string, () => Promise<{ store: string; drop(): Promise<void> }>]> = [
  ['SQLite', async () => ({ store: `sqlite:${join(tempDir(), 'tollgate.db')}`, drop: async () => {} })],
];
if (await serviceAvailable('PostgreSQL', POSTGRES_URL)) {
  stores.push([
    'PostgreSQL',
    async () => {
      const { url, drop } = postgresSchema();
      return { store: url, drop };
    },
  ]);
}

for (const [name, open] of stores) {
  describe(`tollgate admin commands on ${name}`, () => {
    let server: RunningCli;
    let config: string;
    let drop: () => Promise<void>;
    before(async () => {
      const opened = await open();
      drop = opened.drop;
      config = writeConfig(demoConfig({ store: opened.store, logLevel: 'warn' }));
      server = await startCli(undefined, { configFile: config });
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    /** Runs `tollgate <args> --config <the server's config>`. */
    const tollgate = (args: string[], input?: string) => runCli([...args, '--config', config], input === undefined ? {} : { input });
    const ok = async (args: string[], input?: string) => {
      const result = await tollgate(args, input);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    const clientCredentials = (id: string, secret: string) => postToken(server.url, { grant_type: 'client_credentials' }, [id, secret]);
    const password = (username: string, pw: string) => postToken(server.url, { grant_type: 'password', username, password: pw }, ['SkyVaultapp', 'secret']);
    const secure = async (token: unknown) => (await fetch(`${server.url}/secure`, { headers: { authorization: `Bearer ${String(token)}` } })).status;

    test('clients add prints a generated secret once; the client gets tokens; list and show name it with source cli and never show the secret', async () => {
      const id = `svc-${randomUUID()}`;
      const added = await ok(['clients', 'add', '--id', id, '--name', 'Nightly job', '--grant-type', 'client_credentials', '--scope', 'read']);
      const secret = /client_secret: (\S+)/.exec(added)?.[1];
      assert.ok(secret && secret.length >= 43, added);
      assert.equal((await clientCredentials(id, secret)).status, 200);

      const list = await ok(['clients', 'list']);
      assert.match(list, new RegExp(`${id}\\s+cli\\s+client_secret_basic\\s+client_credentials\\s+Nightly job`));
      const shown = JSON.parse(await ok(['clients', 'show', id, '--json'])) as Record<string, unknown>;
      assert.equal(shown.source, 'cli');
      assert.equal(shown.client_name, 'Nightly job');
      for (const output of [list, JSON.stringify(shown), await ok(['clients', 'list', '--json'])]) assert.ok(!output.includes(secret), 'the secret is shown once only');
      const configured = (JSON.parse(await ok(['clients', 'list', '--json'])) as Array<{ client_id: string; source: string }>).find((c) => c.client_id === 'SkyVaultapp');
      assert.equal(configured?.source, 'config');
    });

    test('clients add --file - takes RFC 7591 fields as JSON on stdin; a public client gets no secret', async () => {
      const id = `spa-${randomUUID()}`;
      const out = await ok(['clients', 'add', '--file', '-', '--json'], JSON.stringify({ client_id: id, redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none' }));
      const client = JSON.parse(out) as Record<string, unknown>;
      assert.equal(client.token_endpoint_auth_method, 'none');
      assert.equal(client.client_secret, undefined);
    });

    test('clients add refuses a chosen secret, an existing id, a client_id that is a username (RFC 9700 §4.15), and a bad field', async () => {
      const cases: Array<[string[], string | undefined, RegExp]> = [
        [['clients', 'add', '--file', '-'], JSON.stringify({ client_id: `x-${randomUUID()}`, client_secret: 'mine', grant_types: ['client_credentials'] }), /client_secret is generated/],
        [['clients', 'add', '--id', 'SkyVaultapp', '--grant-type', 'client_credentials'], undefined, /client "SkyVaultapp" exists already/],
        [['clients', 'add', '--id', 'admin', '--grant-type', 'client_credentials'], undefined, /also a user's id or username \(RFC 9700 §4\.15\)/],
        [['clients', 'add', '--id', `x-${randomUUID()}`, '--grant-type', 'magic'], undefined, /invalid client: client\.grant_types\[0\]: must be one of/],
      ];
      for (const [args, input, message] of cases) {
        const { code, stderr } = await tollgate(args, input);
        assert.equal(code, 1, stderr);
        assert.match(stderr, message);
        assert.equal(stderr.trim().split('\n').length, 1, 'one line');
      }
    });

    test('clients rotate-secret: the new secret, printed once, works and the old one is invalid_client', async () => {
      const id = `rot-${randomUUID()}`;
      const old = /client_secret: (\S+)/.exec(await ok(['clients', 'add', '--id', id, '--grant-type', 'client_credentials']))?.[1] ?? '';
      const fresh = (JSON.parse(await ok(['clients', 'rotate-secret', id, '--json'])) as { client_secret: string }).client_secret;
      assert.notEqual(fresh, old);
      const refused = await clientCredentials(id, old);
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error, 'invalid_client');
      assert.equal((await clientCredentials(id, fresh)).status, 200);
    });

    test('clients remove revokes its tokens at once (401 at /secure) and the client is invalid_client', async () => {
      const id = `gone-${randomUUID()}`;
      const secret = /client_secret: (\S+)/.exec(await ok(['clients', 'add', '--id', id, '--grant-type', 'client_credentials']))?.[1] ?? '';
      const { json } = await clientCredentials(id, secret);
      assert.equal(await secure(json.access_token), 200);
      assert.match(await ok(['clients', 'remove', id]), /removed client .*tokens, codes and consents are revoked/);
      assert.equal(await secure(json.access_token), 401);
      assert.equal((await clientCredentials(id, secret)).json.error, 'invalid_client');
      const missing = await tollgate(['clients', 'remove', id]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no client/);
    });

    test('users add and set-password read the password from stdin; list shows no hash; remove revokes their tokens', async () => {
      const username = `carol-${randomUUID()}`;
      assert.match(await ok(['users', 'add', username], 'first-password\n'), /added user/);
      const first = await password(username, 'first-password');
      assert.equal(first.status, 200);
      const listed = await ok(['users', 'list', '--json']);
      assert.deepEqual(Object.keys((JSON.parse(listed) as Array<{ username: string }>).find((u) => u.username === username) ?? {}).sort(), ['id', 'source', 'username']);
      assert.doesNotMatch(listed, /scrypt|first-password/);

      await ok(['users', 'set-password', username], 'second-password\n');
      assert.equal((await password(username, 'first-password')).json.error, 'invalid_grant');
      assert.equal((await password(username, 'second-password')).status, 200);

      await ok(['users', 'remove', username]);
      assert.equal(await secure(first.json.access_token), 401);
      const refresh = await postToken(server.url, { grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token) }, ['SkyVaultapp', 'secret']);
      assert.equal(refresh.json.error, 'invalid_grant');
      assert.equal((await password(username, 'second-password')).json.error, 'invalid_grant');
    });

    test('a password given as an argument is refused: passwords come from stdin only', async () => {
      const { code, stderr } = await tollgate(['users', 'add', 'dave', 'a-password']);
      assert.equal(code, 2);
      assert.match(stderr, /expected 1 argument/);
    });

    test('grants list shows a user\'s and a client\'s live grants without token values; grants revoke --grant, --user and --client end them', async () => {
      const username = `erin-${randomUUID()}`;
      await ok(['users', 'add', username], 'pw-of-erin');
      const tokens = [await password(username, 'pw-of-erin'), await password(username, 'pw-of-erin')];
      const listed = JSON.parse(await ok(['grants', 'list', '--user', username, '--json'])) as Array<{ grantId: string; clientId: string; username: string; scope: string[] }>;
      assert.equal(listed.length, 2);
      assert.deepEqual(new Set(listed.map((g) => `${g.clientId} ${g.username}`)), new Set([`SkyVaultapp ${username}`]));
      const table = await ok(['grants', 'list', '--client', 'SkyVaultapp']);
      assert.match(table, /^GRANT\s+CLIENT\s+USER\s+SCOPE\s+EXPIRES/);
      for (const { json } of tokens) assert.ok(!table.includes(String(json.access_token)) && !table.includes(String(json.refresh_token)));

      await ok(['grants', 'revoke', '--grant', listed[0]!.grantId]);
      assert.equal((JSON.parse(await ok(['grants', 'list', '--user', username, '--json'])) as unknown[]).length, 1);
      await ok(['grants', 'revoke', '--user', username]);
      for (const { json } of tokens) assert.equal(await secure(json.access_token), 401);
      assert.match(await ok(['grants', 'list', '--user', username]), /no live grants/);

      const client = await clientCredentials('SkyVaultapp', 'secret');
      await ok(['grants', 'revoke', '--client', 'SkyVaultapp']);
      assert.equal(await secure(client.json.access_token), 401);
    });

    test('sessions revoke --user ends the user\'s sessions; an unknown user is an error', async () => {
      assert.match(await ok(['sessions', 'revoke', '--user', 'admin']), /^ended \d+ sessions? of user admin/);
      const { code, stderr } = await tollgate(['sessions', 'revoke', '--user', 'nobody']);
      assert.equal(code, 1);
      assert.match(stderr, /no user "nobody"/);
    });

    test('keys rotate adds a signing key and keys list shows it with its status, never a private key', async () => {
      const rotated = JSON.parse(await ok(['keys', 'rotate', '--json'])) as { kid: string };
      const keys = JSON.parse(await ok(['keys', 'list', '--json'])) as Array<Record<string, string>>;
      assert.equal(keys[0]?.kid, rotated.kid);
      assert.deepEqual(Object.keys(keys[0] ?? {}).sort(), ['alg', 'createdAt', 'kid', 'status']);
      assert.match(await ok(['keys', 'list']), new RegExp(`${rotated.kid}\\s+ES256`));
    });
  });

  describe(`tollgate keys retire on ${name}`, () => {
    let server: RunningCli;
    let config: string;
    let drop: () => Promise<void>;
    before(async () => {
      const opened = await open();
      drop = opened.drop;
      // JWT access tokens, and a new key signs at once, so a rotation takes over within one key refresh.
      config = writeConfig(demoConfig({ store: opened.store, logLevel: 'warn', accessTokenFormat: 'jwt', keyActivationDelay: 0 }));
      server = await startCli(undefined, { configFile: config });
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    const tollgate = (args: string[]) => runCli([...args, '--config', config]);
    const jwks = async () => (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JsonWebKeySet;
    const kidsOf = (set: JsonWebKeySet) => set.keys.map((key) => key.kid);
    const jwtToken = async () => String((await postToken(server.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token);
    const verifies = async (token: string, set: JsonWebKeySet) =>
      createJwtVerifier({ issuer: server.url, audience: server.url, jwks: set, cacheSize: 0 }).verify(token).then(() => true, () => false);

    test('keys retire refuses the signing key (exit 1, one line), then drops a rotated-out key from the JWKS so its tokens stop verifying (RFC 7517 §5)', async () => {
      const before = await jwtToken();
      const [first] = JSON.parse((await tollgate(['keys', 'list', '--json'])).stdout) as Array<{ kid: string; status: string }>;
      assert.equal(first?.status, 'signing');
      assert.equal(await verifies(before, await jwks()), true);

      const refused = await tollgate(['keys', 'retire', first.kid]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`^tollgate: key ${first.kid} signs tokens now: run "tollgate keys rotate"`));
      assert.equal(refused.stderr.trim().split('\n').length, 1);
      assert.ok(kidsOf(await jwks()).includes(first.kid), 'a refused retire changes nothing');

      const rotated = JSON.parse((await tollgate(['keys', 'rotate', '--json'])).stdout) as { kid: string };
      const retired = await tollgate(['keys', 'retire', first.kid]);
      assert.equal(retired.code, 0, retired.stderr);
      assert.match(retired.stdout, new RegExp(`^retired signing key ${first.kid}: it is out of the JWKS`));
      const listed = JSON.parse((await tollgate(['keys', 'list', '--json'])).stdout) as Array<{ kid: string; status: string }>;
      assert.deepEqual(listed.map(({ kid, status }) => ({ kid, status })), [{ kid: rotated.kid, status: 'signing' }, { kid: first.kid, status: 'retired' }]);
      assert.match((await tollgate(['keys', 'list'])).stdout, new RegExp(`${first.kid}\\s+ES256\\s+\\S+\\s+retired`));

      // The running server reads its keys again within keyRefreshInterval (5 s): wait for that, not for a time.
      let set = await jwks();
      for (let i = 0; i < 100 && kidsOf(set).includes(first.kid); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        set = await jwks();
      }
      assert.deepEqual(kidsOf(set), [rotated.kid], 'only the new key is published');
      assert.equal(await verifies(before, set), false, 'a token signed by the retired key no longer verifies');
      assert.equal(await verifies(await jwtToken(), set), true, 'the new key signs and verifies');

      // A kid is a base64url thumbprint (RFC 7638): about one in 64 begins with "-" and is still a kid, not an option.
      for (const [kid, message] of [[first.kid, /is already retired/], ['no-such-kid', /no signing key "no-such-kid"/], ['-aFk0-no-such', /no signing key "-aFk0-no-such"/]] as const) {
        const again = await tollgate(['keys', 'retire', kid]);
        assert.equal(again.code, 1, kid);
        assert.match(again.stderr, message);
      }
    });
  });
}

describe('tollgate admin commands: usage, help and the memory store', () => {
  test('every command answers --help with its usage and exit 0', async () => {
    for (const command of ['serve', 'check', 'clients', 'users', 'grants', 'keys', 'sessions', 'hash-secret', 'hash-password']) {
      const { code, stdout } = await runCli([command, '--help']);
      assert.equal(code, 0, command);
      assert.match(stdout, new RegExp(`^Usage:\\n  tollgate ${command}`), command);
    }
    const { code, stdout } = await runCli(['clients', 'add', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /tollgate clients add/);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse((await import('node:fs')).readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout, `tollgate ${version}\n`);
  });

  test('keys rotate and the other admin commands refuse a memory store (the key would vanish on exit), exit 1, one line', async () => {
    const config = writeConfig(demoConfig());
    for (const args of [['keys', 'rotate'], ['clients', 'list'], ['users', 'add', 'x']]) {
      const { code, stderr, stdout } = await runCli([...args, '--config', config], { input: 'pw' });
      assert.equal(code, 1, args.join(' '));
      assert.match(stderr, /needs a persistent store: the config's store is "memory"/);
      assert.equal(stderr.trim().split('\n').length, 1);
      assert.equal(stdout, '');
    }
  });

  test('usage errors exit 2 with the command\'s usage', async () => {
    for (const [args, message] of [
      [['clients', 'frobnicate', '--config', 'x.json'], /unknown command "clients frobnicate"/],
      [['grants', 'list', '--config', 'x.json'], /give exactly one of --user, --client/],
      [['clients', 'list'], /--config <file.json> is required/],
      [['keys', 'retire', '--config', 'x.json'], /expected 1 argument/],
      [['keys', 'retire', 'kid', '--typo', '--config', 'x.json'], /"--typo" is not an option of this command/],
    ] as const) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assert.match(stderr, /Usage:/);
    }
  });
});
