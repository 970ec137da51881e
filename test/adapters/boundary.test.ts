/**
 * Importing the core loads no framework and no driver: they are optional peers, reached only
 * through their own subpaths (STYLE.md, "Public API and dependencies").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEERS = ['express', 'koa', 'hono', '@hono/node-server', 'fastify', 'pg', 'ioredis', 'better-sqlite3'];

// A resolve hook in the child that refuses every peer package, so loading one fails the import.
const HOOKS = `export async function resolve(specifier, context, next) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (${JSON.stringify(PEERS)}.includes(name)) throw new Error('loaded peer ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** Imports `path` in a child process that refuses the peers; returns its exit status and stderr. */
function importWithoutPeers(path: string): { status: number | null; stderr: string } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', `await import(${JSON.stringify(path)})`],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: child.status, stderr: child.stderr };
}

test('importing the core (tollgate) loads no framework or driver', () => {
  const { status, stderr } = importWithoutPeers('./src/index.ts');
  assert.equal(status, 0, stderr);
});

test('importing an adapter loads no framework: it needs only the types of the one it serves', () => {
  for (const adapter of ['express', 'koa', 'fastify', 'fetch', 'node']) {
    const { status, stderr } = importWithoutPeers(`./src/adapters/${adapter}.ts`);
    assert.equal(status, 0, `${adapter}: ${stderr}`);
  }
});

test('the check itself works: importing the SQLite store does load better-sqlite3', () => {
  const { status, stderr } = importWithoutPeers('./src/stores/sqlite.ts');
  assert.notEqual(status, 0);
  assert.match(stderr, /loaded peer better-sqlite3/);
});
