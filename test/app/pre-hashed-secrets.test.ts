/**
 * Secrets that never appear in clear in the config: `tollgate hash-secret` and `tollgate hash-password`
 * print the stored forms, a config holding only those serves, and the clear values authenticate.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { RunningCli } from '../helpers/app-server.js';
import { CLI, runCli, startCli, writeConfig } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';

/** Runs `tollgate <command>` with `input` on stdin. */
async function hashWithCli(command: string, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  child.stdin.end(input);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const SECRET = 'a-client-secret-of-32-characters!';
const PASSWORD = 'correct horse battery staple';

describe('pre-hashed secrets in the config', () => {
  const running: RunningCli[] = [];
  after(() => Promise.all(running.map((cli) => cli.stop())));

  test('hash-secret and hash-password print the stored forms; the final line break is not part of the value', async () => {
    const secret = await hashWithCli('hash-secret', `${SECRET}\n`);
    assert.equal(secret.code, 0, secret.stderr);
    assert.match(secret.stdout, /^[A-Za-z0-9_-]{43}\n$/);
    assert.equal((await hashWithCli('hash-secret', SECRET)).stdout, secret.stdout, 'with or without the line break');
    const password = await hashWithCli('hash-password', `${PASSWORD}\r\n`);
    assert.equal(password.code, 0, password.stderr);
    assert.match(password.stdout, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}\n$/);
  });

  test('hash-password refuses an empty value and one holding NUL (never matchable); neither takes arguments', async () => {
    for (const [command, input] of [['hash-password', '\n'], ['hash-secret', ''], ['hash-password', 'a\u0000b']] as const) {
      const result = await hashWithCli(command, input);
      assert.equal(result.code, 2, `${command} ${JSON.stringify(input)}`);
      assert.equal(result.stdout, '');
    }
    const withArgument = await runCli(['hash-secret', SECRET]);
    assert.equal(withArgument.code, 2);
    assert.match(withArgument.stderr, /reads the secret from stdin and takes no arguments/);
  });

  test('a config holding only the hashes serves: the clear secret and password authenticate, wrong ones do not', async () => {
    const secretHash = (await hashWithCli('hash-secret', SECRET)).stdout.trim();
    const passwordHash = (await hashWithCli('hash-password', PASSWORD)).stdout.trim();
    const file = writeConfig({
      store: 'memory',
      clients: [{ client_id: 'backend', client_secret_hash: secretHash, grant_types: ['client_credentials', 'password'], scope: 'read' }],
      users: [{ username: 'carol', password_hash: passwordHash }],
    });
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(SECRET) && !text.includes(PASSWORD), 'nothing in clear in the file');
    const cli = await startCli(undefined, { configFile: file });
    running.push(cli);

    const ok = await postToken(cli.url, { grant_type: 'client_credentials' }, ['backend', SECRET]);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const wrongSecret = await postToken(cli.url, { grant_type: 'client_credentials' }, ['backend', secretHash]);
    assert.equal(wrongSecret.status, 401, 'the hash itself is not the secret');
    assert.equal(wrongSecret.json.error, 'invalid_client');

    const signedIn = await postToken(cli.url, { grant_type: 'password', username: 'carol', password: PASSWORD }, ['backend', SECRET]);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.json));
    const wrongPassword = await postToken(cli.url, { grant_type: 'password', username: 'carol', password: passwordHash }, ['backend', SECRET]);
    assert.equal(wrongPassword.status, 400);
    assert.equal(wrongPassword.json.error, 'invalid_grant');
  });

  test('a malformed hash stops the start with one line naming the field', async () => {
    const result = await runCli([
      'serve',
      '--config',
      writeConfig({ store: 'memory', users: [{ username: 'carol', password_hash: 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43) }] }),
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'tollgate: invalid configuration: config.users[0].password_hash: the cost must be at least N=16384, r=8\n');
  });
});
