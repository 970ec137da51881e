/** The README's library quick start: read from the README and run as written, wherever `tollgate` resolves. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A port nothing listens on now (the probe closes before answering). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Saves the README's quick start block as `script`, runs it with `node`, and checks that it issues
 * a client_credentials token as the README shows. The one change to the block: a free port for 3000.
 */
export async function runReadmeQuickstart(script: string): Promise<void> {
  const readme = await readFile(`${root}/README.md`, 'utf8');
  const block = /<!-- quickstart:begin -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a quick start block');
  const secret = /client_secret: '([^']+)'/.exec(block)?.[1];
  assert.ok(secret);
  const port = await freePort();
  await writeFile(script, block.replaceAll('3000', String(port)));

  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    assert.match(line.toString(), new RegExp(`listening on http://localhost:${port}`));
    const response = await fetch(`http://localhost:${port}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`reports-service:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.access_token, 'string');
    assert.equal(body.scope, 'reports:read');
  } finally {
    child.kill();
  }
}
