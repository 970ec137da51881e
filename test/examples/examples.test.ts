/** Every example starts as its README says (with PORT=0), prints its URL, and issues a client_credentials token that its /secure accepts. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = ['node', 'express', 'fastify', 'koa', 'hono', 'compat', 'compat-cjs'];
/** How an example starts when not `node --import tsx examples/<name>/server.ts`: compat-cjs is plain CommonJS on the built package. */
const COMMANDS: Readonly<Record<string, readonly string[]>> = { 'compat-cjs': ['examples/compat-cjs/server.cjs'] };
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill();
    await once(child, 'exit');
  }
});

/** Starts an example (by default `node --import tsx examples/<name>/server.ts`) on a free port and resolves to the URL it prints. */
async function start(name: string): Promise<string> {
  const args = COMMANDS[name] ?? ['--import', 'tsx', `examples/${name}/server.ts`];
  const child = spawn(process.execPath, [...args], { cwd: ROOT, env: { ...process.env, PORT: '0' } });
  children.push(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`examples/${name} exited with ${code}:\n${output}`)));
  });
}

for (const name of EXAMPLES) {
  test(`examples/${name}: issues a client_credentials token its /secure accepts (RFC 6749 §4.4, RFC 6750 §2.1)`, async () => {
    const url = await start(name);
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo:demo-secret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(typeof body.access_token, 'string');
    const secure = await fetch(`${url}/secure`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(secure.status, 200);
    assert.equal(await secure.text(), 'Hello, demo!');
    assert.equal((await fetch(`${url}/secure`)).status, 401);
  });
}

test('examples/compat-cjs: the CommonJS app\'s error handler tells errors apart with the statics: RFC 6749 §5.2 JSON, a bare challenge without credentials, a model\'s own error (RFC 6750 §3.1)', async () => {
  const url = await start('compat-cjs');
  const token = (credentials: string) =>
    fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
  const wrong = await token('demo:wrong');
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error?: string }).error, 'invalid_client');
  const suspended = await token('suspended:suspended-secret');
  assert.equal(suspended.status, 400);
  assert.deepEqual(await suspended.json(), { error: 'invalid_grant', error_description: 'Client account suspended' });
  const bare = await fetch(`${url}/secure`);
  assert.equal(bare.status, 401);
  assert.equal(bare.headers.get('www-authenticate'), 'Bearer realm="Service"');
  assert.equal(await bare.text(), '');
  const invalid = await fetch(`${url}/secure`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(invalid.status, 401);
  assert.equal(((await invalid.json()) as { error?: string }).error, 'invalid_token');
});
