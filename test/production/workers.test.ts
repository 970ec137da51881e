/** `tollgate serve --workers N` (DESIGN.md "Scaling out"): one port, one URL, one issuer, one session secret; replaced workers; clean stops. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { demoConfig, REDIRECT_URI, runCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { hiddenField } from '../helpers/app-agent.js';
import type { Served } from '../helpers/production.js';
import { childPids, clientToken, eventually, isAlive, mintCode, postForm, secureStatus, send, serve, stopServers } from '../helpers/production.js';

const running: Served[] = [];
after(() => stopServers(running));

function sqliteConfig(overrides: Record<string, unknown> = {}): string {
  const dir = tempDir();
  return writeConfig(demoConfig({ store: `sqlite:${join(dir, 'tollgate.db')}`, logLevel: 'warn', ...overrides }), dir);
}

async function start(extra: readonly string[], overrides: Record<string, unknown> = {}): Promise<Served> {
  const served = await serve(sqliteConfig(overrides), extra);
  running.push(served);
  return served;
}

describe('tollgate serve --workers 2', () => {
  test('prints one line with the URL; every worker answers with that URL as issuer (RFC 8414 §2); SIGTERM stops every worker', async () => {
    const server = await start(['--workers', '2']);
    const workers = await childPids(server.pid);
    assert.equal(workers.length, 2);

    // A connection per request: the primary hands connections to the workers in turn.
    for (let i = 0; i < 6; i++) {
      const metadata = await send(`${server.url}/.well-known/oauth-authorization-server`);
      assert.equal((JSON.parse(metadata.body) as { issuer: string }).issuer, server.url);
      const token = await clientToken(server.url);
      assert.equal(await secureStatus(server.url, token), 200);
      assert.equal(await secureStatus(server.url, token), 200);
    }

    assert.equal(await server.stop('SIGTERM'), 0);
    assert.deepEqual(workers.filter(isAlive), [], 'no worker outlives the primary');
    await assert.rejects(send(`${server.url}/health`), /ECONNREFUSED/);
    assert.equal(server.lines.filter((line) => line.includes(server.url)).length, 1);
  });

  test('SIGINT stops every worker too, exit 0', async () => {
    const server = await start(['--workers', '2']);
    const workers = await childPids(server.pid);
    assert.equal(workers.length, 2);
    assert.equal(await server.stop('SIGINT'), 0);
    assert.deepEqual(workers.filter(isAlive), []);
  });

  test('a sign-in begun at one worker finishes at another: the workers share one session secret (RFC 9700 §4.7 CSRF check passes)', async () => {
    const server = await start(['--workers', '2']);
    let cookie = '';
    const page = async (path: string, form?: Record<string, string>) => {
      const reply = await send(new URL(path, server.url).href, {
        method: form ? 'POST' : 'GET',
        headers: { cookie, ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) },
        ...(form && { body: new URLSearchParams(form).toString() }),
      });
      const set = reply.headers['set-cookie']?.[0]?.split(';')[0];
      if (set) cookie = set;
      return reply;
    };
    const query = new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'st' });
    const login = await page(`/authorize?${query}`);
    assert.equal(login.status, 200);
    const signedIn = await page('/authorize/login', { csrf_token: hiddenField(login.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.equal(signedIn.status, 303);
    const consent = await page(signedIn.headers.location as string);
    assert.match(consent.body, /action="\/authorize"/);
    const decided = await page('/authorize', {
      csrf_token: hiddenField(consent.body, 'csrf_token'),
      request: hiddenField(consent.body, 'request'),
      decision: 'allow',
    });
    assert.equal(decided.status, 303);
    const location = new URL(decided.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.ok(location.searchParams.get('code'));
    assert.equal(location.searchParams.get('state'), 'st');
  });

  test('a code redeemed at two workers at once gives exactly one token response (RFC 6749 §4.1.2, single use on SQLite)', async () => {
    const server = await start(['--workers', '2'], { skyvaultCompat: true });
    for (let round = 0; round < 10; round++) {
      const params = { grant_type: 'authorization_code', code: await mintCode(server.url), redirect_uri: REDIRECT_URI };
      // Two connections at once: the primary gives them to different workers.
      const replies = await Promise.all([0, 1].map(() => postForm(server.url, '/oauth/token', params)));
      assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 400], `round ${round}`);
    }
  });

  test('a worker that dies is replaced, and the server keeps answering at the same URL', async () => {
    const server = await start(['--workers', '2']);
    const [victim, survivor] = await childPids(server.pid);
    assert.ok(victim !== undefined && survivor !== undefined);
    process.kill(victim, 'SIGKILL');
    const workers = await eventually(() => childPids(server.pid), (pids) => pids.length === 2 && !pids.includes(victim));
    assert.equal(workers.length, 2);
    assert.ok(workers.includes(survivor));
    assert.ok(server.lines.some((line) => line.includes(`worker pid ${victim} died (signal SIGKILL)`)));
    for (let i = 0; i < 4; i++) assert.equal(await secureStatus(server.url, await clientToken(server.url)), 200);
  });

  test('workers that keep dying stop the server with exit 1 instead of restarting forever', async () => {
    const server = await start(['--workers', '2']);
    let killed = 0;
    while (server.child.exitCode === null && killed < 20) {
      const pids = await eventually(() => childPids(server.pid), (found) => found.length > 0 || server.child.exitCode !== null);
      const [victim] = pids;
      if (victim === undefined) break;
      process.kill(victim, 'SIGKILL');
      killed++;
      // Until it is replaced, or the primary gives up.
      await eventually(() => childPids(server.pid), (found) => server.child.exitCode !== null || (found.length === 2 && !found.includes(victim)));
    }
    assert.equal(await server.exited, 1);
    assert.equal(killed, 6, 'five deaths are replaced, the sixth within a minute ends it');
    assert.ok(server.lines.some((line) => /workers died 6 times within 60 s/.test(line)));
    assert.deepEqual(await childPids(server.pid), []);
  });

  test('a worker that cannot listen fails the start: exit 1 with the reason, nothing left running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const { code, stderr, stdout } = await runCli(['serve', '--config', sqliteConfig(), '--port', String(port), '--workers', '2']);
      assert.equal(code, 1);
      assert.match(stderr, /tollgate: cannot start: .*EADDRINUSE/);
      assert.doesNotMatch(stdout, /listening/);
    } finally {
      blocker.close();
    }
  });
});

describe('tollgate serve --workers: refused set-ups', () => {
  test('--workers 2 with the memory store exits 1, saying the workers would not share tokens', async () => {
    const { code, stderr, stdout } = await runCli(['serve', '--config', writeConfig(demoConfig()), '--port', '0', '--workers', '2']);
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration: --workers: 2 processes cannot share the "memory" store/);
    assert.doesNotMatch(stdout, /listening/);
  });

  test('"workers": 2 in the config with the memory store exits 1, naming config.workers', async () => {
    const { code, stderr } = await runCli(['serve', '--config', writeConfig(demoConfig({ workers: 2 })), '--port', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration: config\.workers: 2 processes cannot share the "memory" store/);
  });

  test('"workers": 0 in the config is refused, naming config.workers', async () => {
    const { code, stderr } = await runCli(['serve', '--config', writeConfig(demoConfig({ workers: 0 })), '--port', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /config\.workers: must be a whole number from 1 to 256, not 0/);
  });

  test('--workers 1 with the memory store is one process, as without the option', async () => {
    const server = await serve(writeConfig(demoConfig()), ['--workers', '1']);
    running.push(server);
    assert.deepEqual(await childPids(server.pid), []);
    assert.equal(await secureStatus(server.url, await clientToken(server.url)), 200);
  });

  for (const value of ['two', '-1', '1.5']) {
    test(`--workers ${value} is a usage error (exit 2)`, async () => {
      const { code, stderr } = await runCli(['serve', '--config', 'x.json', `--workers=${value}`]);
      assert.equal(code, 2);
      assert.match(stderr, /--workers must be a number of processes/);
    });
  }

  test('--workers 0 is refused (exit 1)', async () => {
    const { code, stderr } = await runCli(['serve', '--config', sqliteConfig(), '--workers', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /--workers: must be a whole number from 1 to 256, not 0/);
  });
});
