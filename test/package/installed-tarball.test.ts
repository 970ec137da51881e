/**
 * The package as a user gets it: `npm pack`, then README's install line, the package's name mapped to
 * the tarball, into an empty project.
 * There, with nothing of this repository in reach, the README's quick start runs, the types resolve,
 * `tollgate serve` starts from a config file, and a store whose optional driver is missing says
 * which package to install. Then docs/'s code blocks run there (the same checks as in the repository:
 * test/docs-snippets.test.ts and test/docs/code-blocks.test.ts): the snippets and fragments compiled
 * against the installed types, the demo and CLI shell blocks and the checks that do not read the
 * repository's own files with the installed `tollgate` command;
 * only the hosts' frameworks are linked in from this repository. Needs `npm run build` first (npm test
 * builds); the install reads the npm cache first, and builds better-sqlite3 when no prebuilt binary
 * can be downloaded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { docBlocks } from '../helpers/doc-blocks.js';
import { DOC_CHECKS, checkUnavailable } from '../helpers/doc-checks.js';
import { runGrantsBlocks } from '../helpers/doc-grants.js';
import { CliWorld, runDemoBlock } from '../helpers/doc-shell.js';
import { assertFragmentRan, describeSnippetChecks, fragmentFile, snippetFile, writeDocCode } from '../helpers/doc-snippets.js';
import { freePort, runReadmeQuickstart } from '../helpers/quickstart.js';

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
  // README's install line (`<!-- run: install -->`) as written, but for the one word that names the
  // package: `tollgate`, which the registry would resolve, becomes the packed tarball's path.
  const install = docBlocks().find((block) => block.kind === 'run' && block.value === 'install');
  assert.ok(install, "README's install line is marked run: install");
  assert.match(install.code, /^npm install tollgate(\s|$)/, `${install.where} installs the package by its name`);
  const installed = await run('bash', ['-c', `set -euo pipefail\n${install.code.replace(/^npm install tollgate/, `npm install '${tarball}'`)}`], {
    cwd: app,
    env: {
      ...process.env,
      // npm's settings for this run, from the environment so that the line stays as written: no audit
      // or funding requests, and the npm cache first (the registry only for what it lacks).
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_prefer_offline: 'true',
      // A native module built from source (better-sqlite3) must be built against the headers of the Node
      // that runs it: an npmrc's nodedir (here /usr, a Node 20) would give a binary this Node refuses to load.
      npm_config_nodedir: dirname(dirname(process.execPath)),
    },
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
  // Bounded: a snippet that waits forever (a store driver found where none should be, in a
  // node_modules above the app, retrying a closed port) fails here instead of holding CI to its limit.
  const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 60_000 });
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
    await runReadmeQuickstart(app);
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

/**
 * What docs/'s code imports beside tollgate, which a user installs themselves: the hosts' frameworks
 * the adapter snippets import, and the types they and Node need; openid-client, the client the
 * relying-party fragments use; pg and ioredis, the optional drivers of docs/stores.md's stores (linked
 * only now, after the test above saw them missing). Here they are linked from this repository's
 * node_modules (an install from the registry would add minutes). tollgate itself, and jose, come
 * from the tarball.
 */
const FRAMEWORKS = ['express', 'fastify', 'koa', 'hono', '@hono/node-server', '@types/express', '@types/koa', '@types/node', 'openid-client', 'pg', 'ioredis'];

describe("docs/'s code blocks in the user's project, importing the installed tollgate", () => {
  let code: string;
  let out: string;
  const compiled = (file: string): string => join(out, file.slice(code.length).replace(/\.ts$/, '.js'));
  const fragments = docBlocks().filter((block) => block.kind === 'fragment');

  before(() => {
    code = join(app, 'docs-code');
    out = join(app, 'docs-out');
    writeDocCode(code);
    for (const name of FRAMEWORKS) {
      mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
      if (!existsSync(join(app, 'node_modules', name))) symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name));
    }
  });

  it('every snippet and fragment compiles with the project\'s TypeScript against the installed types (strict)', async () => {
    // This repository's compiler options, as the docs promise strict code; the files and types are the user's.
    await writeFile(
      join(code, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { rootDir: '.', outDir: out, declaration: false, sourceMap: false }, include: ['**/*.ts'] }),
    );
    const { stdout } = await run(process.execPath, [tsc, '-p', code]).catch((err: { stdout: string; stderr: string }) => assert.fail(err.stdout + err.stderr));
    assert.equal(stdout, '');
    assert.ok(readFileSync(compiled(fragmentFile(code, 'dpop-options')), 'utf8').includes("from 'tollgate'"));
  });

  for (const block of fragments) {
    it(`${block.where} runs inside its fixture (test/docs/fragments/${block.value}.ts.tmpl)`, (t) => {
      assertFragmentRan(t, block.where, spawnSync(process.execPath, [compiled(fragmentFile(code, block.value))], { cwd: app, encoding: 'utf8' }));
    });
  }

  describeSnippetChecks({
    importSnippet: (doc, name) => import(pathToFileURL(compiled(snippetFile(code, doc, name))).href),
    runTestFile(doc, name) {
      const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
      return spawnSync(process.execPath, ['--test', '--test-reporter=tap', compiled(snippetFile(code, doc, name))], { cwd: app, encoding: 'utf8', env });
    },
  });

  for (const host of ['node.ts', 'express.ts', 'fastify.ts', 'koa.ts', 'hono.ts']) {
    it(`docs/adapters.md's ${host} serves a client_credentials token and /me behind the bearer check`, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [compiled(snippetFile(code, 'adapters.md', host))], { cwd: app, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const url = await listeningUrl(child);
        const issued = await fetch(`${url}/oauth/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from('reports-service:change-me-to-32-random-characters!!').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=read',
        });
        assert.equal(issued.status, 200);
        const { access_token: token } = (await issued.json()) as { access_token: string };
        const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
        assert.deepEqual(await me.json(), { id: 'reports-service' });
        assert.equal((await fetch(`${url}/me`)).status, 401);
      } finally {
        await stop(child);
      }
    });
  }

  describe('check: blocks, with the installed tollgate command and package', () => {
    const checks = docBlocks().filter((block) => block.kind === 'check' && !DOC_CHECKS[block.value]?.repositoryOnly);
    it('some checks run here', () => assert.ok(checks.length >= 4, `${checks.length} checks`));
    for (const block of checks) {
      it(`${block.where} agrees with ${DOC_CHECKS[block.value]!.against}`, async (t) => {
        const skipped = await DOC_CHECKS[block.value]!.run(block, { tollgate: [join(app, 'node_modules', '.bin', 'tollgate')], project: app });
        if (skipped) checkUnavailable(t, skipped);
      });
    }
  });

  describe('shell blocks, with the installed tollgate command', () => {
    it('every run: demo block, against the demo config served by node_modules/.bin/tollgate', async () => {
      const { port: _port, issuer: _issuer, ...demo } = JSON.parse(readFileSync(join(root, 'config', 'demo.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(app, 'demo.json'), JSON.stringify({ ...demo, store: 'memory' }));
      const child = spawn(join(app, 'node_modules', '.bin', 'tollgate'), ['serve', '--config', 'demo.json', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const url = await listeningUrl(child);
        const demoBlocks = docBlocks().filter((block) => block.kind === 'run' && block.value === 'demo');
        assert.ok(demoBlocks.length > 0);
        for (const block of demoBlocks) runDemoBlock(block, url, app);
      } finally {
        await stop(child);
      }
    });

    it('every run: grants block, in order, against node_modules/.bin/tollgate serve with the values the harness supplies', async () => {
      const grants = docBlocks().filter((block) => block.kind === 'run' && block.value === 'grants');
      assert.ok(grants.length > 0);
      await runGrantsBlocks(grants, { tollgate: [join(app, 'node_modules', '.bin', 'tollgate')], project: app });
    });

    it('every run: cli block, in document order, with node_modules/.bin/tollgate', () => {
      const world = new CliWorld(join(app, 'cli'), [join(app, 'node_modules', '.bin', 'tollgate')], app);
      const cliBlocks = docBlocks().filter((block) => block.kind === 'run' && block.value === 'cli');
      assert.ok(cliBlocks.length > 0);
      for (const block of cliBlocks) world.run(block);
    });
  });
});

/**
 * The URL a server prints in its "listening on" line. Its stdout keeps being read afterwards: a
 * closed pipe would make the server's own shutdown log fail, and its SIGTERM stop with it.
 */
function listeningUrl(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
}

/** Stops a server the test started and waits until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
