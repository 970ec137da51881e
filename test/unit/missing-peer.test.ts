/**
 * A missing optional peer (pg, ioredis) names the package and its install command, never Node's bare
 * "Cannot find package". The child processes hide the package with a resolve hook
 * (test/helpers/hide-package.mjs), as an install without it would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MissingPeerError, importPeer, isMissingPackage } from '../../src/peer.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hideHook = fileURLToPath(new URL('../helpers/hide-package.mjs', import.meta.url));

/** Runs `script` (ESM, from the repo root) with `pkg` hidden; returns what it printed. */
async function runWithout(pkg: string, script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', hideHook, '--input-type=module', '-e', script],
    { cwd: root, env: { ...process.env, TOLLGATE_HIDE_PACKAGES: pkg } },
  );
  return stdout;
}

describe('missing optional peers', () => {
  it('the PostgreSQL store without pg says to npm install pg', async () => {
    const out = await runWithout(
      'pg',
      `import { createPostgresStore } from './src/stores/postgres.ts';
       try { await createPostgresStore({ connectionString: 'postgres://127.0.0.1:1/x' }); console.log('opened'); }
       catch (err) { console.log(err.name + ': ' + err.message); }`,
    );
    assert.equal(
      out.trim(),
      'MissingPeerError: The PostgreSQL store needs the optional package "pg", which is not installed: run `npm install pg`',
    );
  });

  it('the Redis store without ioredis says to npm install ioredis', async () => {
    const out = await runWithout(
      'ioredis',
      `import { createRedisStore } from './src/stores/redis.ts';
       try { await createRedisStore({ url: 'redis://127.0.0.1:1' }); console.log('opened'); }
       catch (err) { console.log(err.name + ': ' + err.message); }`,
    );
    assert.equal(
      out.trim(),
      'MissingPeerError: The Redis store needs the optional package "ioredis", which is not installed: run `npm install ioredis`',
    );
  });

  it('tollgate serve opening a postgres:// store without pg says to npm install pg', async () => {
    const out = await runWithout(
      'pg',
      `import { openStore } from './src/app/open-store.ts';
       try { await openStore('postgres://127.0.0.1:1/x'); console.log('opened'); }
       catch (err) { console.log(err.message); }`,
    );
    assert.match(out, /needs the optional package "pg", which is not installed: run `npm install pg`/);
  });

  it('isMissingPackage matches only the named package not being found', async () => {
    const err = await import('tollgate-no-such-package' as string).catch((e: unknown) => e);
    assert.equal(isMissingPackage(err, 'tollgate-no-such-package'), true);
    assert.equal(isMissingPackage(err, 'pg'), false);
    assert.equal(isMissingPackage(new Error("Cannot find package 'pg'"), 'pg'), false, 'no code: not Node\'s resolution error');
  });

  it('importPeer keeps any other failure as it was (an error while the package loads is not "missing")', async () => {
    const broken = new Error('the driver threw while loading');
    await assert.rejects(importPeer('pg', 'x', () => Promise.reject(broken)), (err) => err === broken);
    await assert.rejects(
      importPeer('tollgate-no-such-package', 'A feature', () => import('tollgate-no-such-package' as string)),
      (err) => err instanceof MissingPeerError && err.package === 'tollgate-no-such-package' && err.cause instanceof Error,
    );
  });
});
