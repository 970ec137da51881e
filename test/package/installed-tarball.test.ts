/**
 * The package as a user gets it: `npm pack`, then `npm install` of the tarball into an empty project.
 * There, with nothing of this repository in reach, the README's quick start runs, the types resolve,
 * `tollgate serve` starts from a config file, and a store whose optional driver is missing says
 * which package to install. Needs `npm run build` first (npm test builds); the install reads the
 * npm cache first, and builds better-sqlite3 when no prebuilt binary can be downloaded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runReadmeQuickstart } from '../helpers/quickstart.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let dir: string;
let app: string;
let installLog: string;

before(async () => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is built (npm test builds it first)');
  dir = await mkdtemp(join(tmpdir(), 'tollgate-tarball-'));
  app = join(dir, 'app');
  // --ignore-scripts: dist/ is already built; the tarball is exactly what `npm publish` would upload.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root });
  const tarball = join(dir, packed.stdout.trim().split('\n').pop()!);
  await run('mkdir', [app]);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'tarball-user', private: true, type: 'module' }));
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: app,
    // Building better-sqlite3 from source takes a minute or two on two idle cores, far more on busy ones.
    timeout: 1_800_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  installLog = installed.stdout + installed.stderr;
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `code` as an ES module inside the user's project; returns what it printed. */
async function inApp(code: string): Promise<string> {
  const file = join(app, `snippet-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, code);
  const { stdout } = await run(process.execPath, [file], { cwd: app });
  return stdout.trim();
}

describe('the packed tarball installed into an empty project', () => {
  it('installs without an engine warning on a supported Node version', () => {
    const warned = [...installLog.matchAll(/EBADENGINE\s+package: '(@?[^@']+)@/g)].map((m) => m[1]!);
    const supported = Number(process.versions.node.split('.')[0]) >= 22;
    if (supported) assert.deepEqual(warned, [], installLog);
    // Below package.json's engines (Node 20, end of life): npm must say so for tollgate itself; the only
    // other warning is fastify 5 -> light-my-request -> cookie 2, which declares the same floor.
    else assert.deepEqual([...new Set(warned)].sort(), ['cookie', 'tollgate'], installLog);
  });

  it("runs the README's library quick start as written", async () => {
    await runReadmeQuickstart(join(app, 'server.mjs'));
  });

  it('ships the type declarations of every entry a user imports', async () => {
    await writeFile(
      join(app, 'check.ts'),
      `import { createAuthorizationServer, type Model } from 'tollgate';
       import { createMemoryStore } from 'tollgate/stores/memory';
       import { createJwtVerifier } from 'tollgate/jwt';
       import { InvalidGrantError } from 'tollgate/errors';
       import { express } from 'tollgate/express';
       const model: Model | undefined = undefined;
       export const used = [createAuthorizationServer, createMemoryStore, createJwtVerifier, InvalidGrantError, express, model];`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }),
    );
    await run(process.execPath, [tsc, '-p', app]);
  });

  it('tollgate serve starts from a config file and issues a token', async () => {
    const config = join(app, 'tollgate.json');
    await writeFile(
      config,
      JSON.stringify({
        store: 'memory',
        clients: [{ client_id: 'svc', client_secret: 'a-secret-of-32-characters-or-more!', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' }],
      }),
    );
    const child = spawn(join(app, 'node_modules', '.bin', 'tollgate'), ['serve', '--config', config, '--port', '0'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /listening on (http:\/\/\S+)/.exec(line.toString())?.[1];
      assert.ok(url, line.toString());
      const response = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('svc:a-secret-of-32-characters-or-more!').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      assert.equal(response.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('a store whose optional driver is not installed names the package to install', async () => {
    const out = await inApp(
      `import { createPostgresStore } from 'tollgate/stores/postgres';
       import { createRedisStore } from 'tollgate/stores/redis';
       for (const open of [() => createPostgresStore({ connectionString: 'postgres://127.0.0.1:1/x' }), () => createRedisStore({ url: 'redis://127.0.0.1:1' })]) {
         try { await open(); console.log('opened'); } catch (err) { console.log(err.name + ': ' + err.message); }
       }`,
    );
    assert.equal(
      out,
      [
        'MissingPeerError: The PostgreSQL store needs the optional package "pg", which is not installed: run `npm install pg`',
        'MissingPeerError: The Redis store needs the optional package "ioredis", which is not installed: run `npm install ioredis`',
      ].join('\n'),
    );
  });
});
