/** The `tollgate` command line (DESIGN.md "CLI"): the printed URL, config errors, usage errors, clean stops, SQLite restarts. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('tollgate serve', () => {
  const running: RunningCli[] = [];
  after(() => Promise.all(running.map((cli) => cli.stop())));

  test('prints one line naming the URL; without an issuer in the config, the issuer is that URL', async () => {
    const cli = await startCli(demoConfig());
    running.push(cli);
    assert.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(cli.output().split('\n').filter((line) => line.includes(cli.url)).length, 1);
    const metadata = (await (await fetch(`${cli.url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
    assert.equal(metadata.issuer, cli.url);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} stops it: the process exits 0 and the port closes`, async () => {
      const cli = await startCli(demoConfig());
      assert.equal(await portOpen(cli.url), true);
      assert.equal(await cli.stop(signal), 0);
      assert.equal(await portOpen(cli.url), false);
    });
  }

  test('a token issued before a restart is still valid after it (SQLite store)', async () => {
    const dir = tempDir();
    const database = join(dir, 'nested', 'tollgate.db');
    const file = writeConfig(demoConfig({ store: `sqlite:${database}` }), dir);
    const first = await startCli(undefined, { configFile: file });
    const { json } = await postToken(first.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret']);
    assert.equal(await first.stop(), 0);
    assert.ok(existsSync(database), 'the data directory is created');

    const second = await startCli(undefined, { configFile: file });
    running.push(second);
    const response = await fetch(`${second.url}/secure`, { headers: { authorization: `Bearer ${json.access_token as string}` } });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'Secure Hello!');
  });

  test('a client secret shorter than 32 characters is warned about, without the secret', async () => {
    const cli = await startCli(demoConfig({ clients: [{ client_id: 'short', client_secret: 'Zq9-short', grant_types: ['client_credentials'] }] }));
    // Stopped first, so every log line has been written.
    assert.equal(await cli.stop(), 0);
    assert.match(cli.output(), /config\.clients\[0\]\.client_secret .*too short to be safe with a fast hash/);
    assert.doesNotMatch(cli.output(), /Zq9-short/);
  });

  test('skyvaultCompat with an issuer beyond loopback is warned about loudly at start', async () => {
    const cli = await startCli(demoConfig({ skyvaultCompat: true, issuer: 'https://auth.example.com' }));
    assert.equal(await cli.stop(), 0);
    assert.match(cli.output(), /"level":40,.*WARNING: skyvaultCompat is on at https:\/\/auth\.example\.com/);
    assert.match(cli.output(), /without a consent page/);
  });

  test('skyvaultCompat on loopback only (the demo) starts without that warning; the issuer alone is not enough when listening on every interface', async () => {
    const local = await startCli(demoConfig({ skyvaultCompat: true }));
    assert.equal(await local.stop(), 0);
    assert.doesNotMatch(local.output(), /skyvaultCompat is on/);
    const exposed = await startCli(demoConfig({ skyvaultCompat: true, issuer: 'http://localhost:9191', host: '0.0.0.0' }));
    assert.equal(await exposed.stop(), 0);
    assert.match(exposed.output(), /WARNING: skyvaultCompat is on/);
  });
});

describe('tollgate serve: configuration errors exit 1 and name the field', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'a redirect URI that is not http(s)',
      demoConfig({ clients: [{ client_id: 'c', client_secret: 's'.repeat(40), redirect_uris: ['https://ok.example/cb', 'ftp://x'] }] }),
      /config\.clients\[0\]\.redirect_uris\[1\]: "ftp:\/\/x" is not an absolute http\(s\) URL/,
    ],
    ['an unknown store', demoConfig({ store: 'mysql://x' }), /config\.store: must be "memory", "sqlite:<path>"/],
    ['an unknown field', demoConfig({ issuerr: 'http://localhost' }), /config\.issuerr: is not a known field; allowed: issuer/],
    ['an unknown grant type', demoConfig({ clients: [{ client_id: 'c', grant_types: ['magic'] }] }), /config\.clients\[0\]\.grant_types\[0\]: must be one of authorization_code/],
    ['a code lifetime over ten minutes (RFC 6749 §4.1.2)', demoConfig({ authorizationCodeTtl: 601 }), /config\.authorizationCodeTtl: must be a whole number from 1 to 600/],
    ['an http issuer off localhost (RFC 8414 §2)', demoConfig({ issuer: 'http://auth.example.com' }), /config\.issuer: must use https/],
    [
      'a client_id equal to a username (RFC 9700 §4.15)',
      demoConfig({ clients: [{ client_id: 'admin', client_secret: 's'.repeat(40), grant_types: ['client_credentials'] }] }),
      /config\.clients\[0\]\.client_id: "admin" is also a user's id or username/,
    ],
    ['a wrong accessTokenFormat', demoConfig({ accessTokenFormat: 'paseto' }), /config\.accessTokenFormat: must be one of opaque, jwt/],
    [
      'a public client on the password grant without allowPublicPasswordGrant (RFC 9700 §2.4)',
      demoConfig({ clients: [{ client_id: 'cli-app', grant_types: ['password'] }] }),
      /config\.clients\[0\]\.grant_types: has "password" but the client is public .*allowPublicPasswordGrant/,
    ],
    ['a headers timeout longer than the request timeout', demoConfig({ http: { requestTimeout: 5, headersTimeout: 10 } }), /config\.http\.headersTimeout: must not exceed requestTimeout/],
  ];
  for (const [name, config, message] of cases) {
    test(`${name}`, async () => {
      const { code, stderr, stdout } = await runCli(['serve', '--config', writeConfig(config), '--port', '0']);
      assert.equal(code, 1);
      assert.match(stderr, message);
      assert.doesNotMatch(stdout, /listening/);
    });
  }

  test('a file that is not JSON', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    (await import('node:fs')).writeFileSync(file, '{ "port": ');
    const { code, stderr } = await runCli(['serve', '--config', file]);
    assert.equal(code, 1);
    assert.match(stderr, /bad\.json is not valid JSON/);
  });

  test('a missing file', async () => {
    const { code, stderr } = await runCli(['serve', '--config', '/nonexistent/tollgate.json']);
    assert.equal(code, 1);
    assert.match(stderr, /cannot read \/nonexistent\/tollgate\.json: ENOENT/);
  });
});

describe('tollgate: usage errors exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /a command is required/],
    ['an unknown command', ['start'], /unknown command "start"/],
    ['serve without --config', ['serve'], /--config <file.json> is required/],
    ['a port that is not a number', ['serve', '--config', 'x.json', '--port', 'abc'], /--port must be a number/],
    ['an unknown option', ['serve', '--config', 'x.json', '--verbose'], /Unknown option '--verbose'/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2);
      assert.match(stderr, message);
      assert.match(stderr, /Usage:/);
    });
  }
});
