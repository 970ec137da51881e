/**
 * Every code block in docs/*.md and README.md is run or checked by a test, or says why it cannot be.
 * The line before a block's fence is one of:
 * - `<!-- snippet: NAME -->` / `<!-- quote: PATH -->`: typechecked and run, or checked verbatim against
 *   the source, by test/docs-snippets.test.ts (snippets in SNIPPET_DOCS, quotes in any page);
 * - `<!-- fragment: FIXTURE -->`: a TypeScript fragment with free variables, put inside
 *   test/docs/fragments/FIXTURE.ts.tmpl (which supplies them, then asserts what the block did), then
 *   typechecked and run by test/docs-snippets.test.ts and in the tarball. Fixtures may import the
 *   modules of test/docs/fragments/support/ (`./issuer-host.js` serves a real tollgate as
 *   https://auth.example.com for openid-client). A fixture that needs a server that is not there
 *   (PostgreSQL, Redis) prints why and exits 77: skipped, or failed when `CI=true`;
 * - `<!-- config -->`: a `tollgate serve` config (JSON), or a part of one, validated by the real config
 *   parser (src/app/config.ts) over `{ "issuer": "https://auth.example.com" }`;
 * - `<!-- run: demo -->`: a shell block, run with bash against `npm start`'s server (config/demo.json on the
 *   memory store, a free port): its `BASE=http://localhost:9191` line is pointed at that server;
 * - `<!-- run: cli -->`: a shell block of `tollgate` commands, run with bash in document order in one temp
 *   dir that has `my.json`, `tollgate.json` (SQLite in that dir), `client.json` and `$PASSWORD`,
 *   `$NEW_PASSWORD`, `$SECRET`; the example grant id and key id it shows are replaced by real ones, and
 *   `tollgate serve` is started and stopped (test/helpers/doc-shell.ts, CliWorld, says exactly what is set up);
 * - `<!-- run: grants -->`: a shell block that needs values from earlier steps (`$BASE`, `$TOKEN`, `$JWT`,
 *   `$DEVICE_CODE`), on any page, run in order against a server the harness configures and gets them from
 *   (test/helpers/doc-grants.ts says exactly what it supplies); every answer must be a success or
 *   `authorization_pending`;
 * - `<!-- run: host -->` (docs/adapters.md): a curl block against the page's node.ts host, run by
 *   test/docs-snippets.test.ts with `http://localhost:3000` pointed at it and `<access_token>` / `<code>`
 *   filled in by the harness: a token it got with the block's own first request, a code it got by
 *   signing in as alice at the link the page gives;
 * - `<!-- run: mcp -->` (docs/mcp.md): its commands run as written in the repository (they are a
 *   clone's), the servers in the background, the client last; the harness is the person who signs in
 *   at the URL the client prints (test/helpers/doc-mcp.ts), and the client must print its steps;
 * - `<!-- run: walkthrough -->` (README): the curl walk-through, run in order in one shell against the
 *   demo config served by the CLI, by test/app/readme-walkthrough.test.ts;
 * - `<!-- run: quickstart -->` (README): the library quick start, its js block saved under the name
 *   its first line gives and its sh block run beside it (test/helpers/quickstart.ts), by
 *   test/readme.test.ts and in the installed tarball;
 * - `<!-- run: install -->` (README): the install line, run by test/package/installed-tarball.test.ts
 *   in an empty project, the package name `tollgate` replaced by the path of the packed tarball;
 * - `<!-- output -->`: what the `run` or `check` block just before it prints, checked by the test that
 *   runs that block: each line shown is a line printed, in order (`assertShown` in
 *   test/helpers/doc-blocks.ts says what `…` stands for);
 * - `<!-- check: NAME -->`: compared with the real thing by the check NAME of test/helpers/doc-checks.ts
 *   (a command summary with `tollgate --help`, store URLs with the store spec parser, a redis.conf
 *   with redis-server, an error message with the error tollgate prints, a users module with
 *   `tollgate serve` signing in through it, …), here and in the tarball (but those marked
 *   `repositoryOnly`: they check a clone's own scripts and sources);
 * - `<!-- not run: REASON -->`: shown, not run, for the reason given.
 * A block with none of these fails here, as does a marker on the wrong kind of block.
 * Needs `npm run build` first (the demo server is dist/cli.js).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { validateConfig } from '../../src/app/config.js';
import { startCli } from '../helpers/app-server.js';
import { FRAGMENT_FIXTURES, docBlocks, outputOf } from '../helpers/doc-blocks.js';
import { DOC_CHECKS, checkUnavailable } from '../helpers/doc-checks.js';
import { runGrantsBlocks } from '../helpers/doc-grants.js';
import { runMcpBlock } from '../helpers/doc-mcp.js';
import { CliWorld, DEMO_BASE, runDemoBlock } from '../helpers/doc-shell.js';
import type { RunningCli } from '../helpers/app-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The pages whose snippets test/docs-snippets.test.ts runs and checks (it checks the quotes of every page). */
const SNIPPET_DOCS = ['adapters.md', 'model.md', 'grants.md', 'stores.md', 'resource-servers.md'];

const blocks = docBlocks();

describe('every code block in docs/ and README.md is run or checked by a test, or says why not', () => {
  test('docs/ and README.md have code blocks, and each one is marked', () => {
    assert.ok(blocks.filter((b) => b.file !== 'README.md').length >= 40, `found ${blocks.length} blocks`);
    assert.ok(blocks.filter((b) => b.file === 'README.md').length >= 40, 'README.md\'s blocks are read');
    const unmarked = blocks.filter((b) => b.kind === undefined).map((b) => b.where);
    assert.deepEqual(unmarked, [], 'unmarked blocks: add <!-- not run: why --> or make them run (see this test\'s header)');
  });

  test('each marker fits its block', () => {
    for (const b of blocks) {
      if (b.kind === 'snippet') assert.ok(SNIPPET_DOCS.includes(b.doc), `${b.where}: test/docs-snippets.test.ts does not read ${b.doc}`);
      if (b.kind === 'quote') assert.ok(existsSync(`${ROOT}${b.value}`), `${b.where}: quotes ${b.value}, which does not exist`);
      if (b.kind === 'fragment') {
        assert.equal(b.lang, 'ts', `${b.where}: a fragment is TypeScript`);
        assert.ok(existsSync(`${FRAGMENT_FIXTURES}${b.value}.ts.tmpl`), `${b.where}: no fixture test/docs/fragments/${b.value}.ts.tmpl`);
      }
      if (b.kind === 'config') assert.equal(b.lang, 'json', `${b.where}: a config block is JSON`);
      if (b.kind === 'run') {
        const runs = ['sh:demo', 'sh:cli', 'sh:grants', ...(b.doc === 'adapters.md' ? ['sh:host'] : []), ...(b.doc === 'mcp.md' ? ['sh:mcp'] : []), ...(b.file === 'README.md' ? ['sh:walkthrough', 'js:quickstart', 'sh:quickstart', 'sh:install'] : [])];
        assert.ok(runs.includes(`${b.lang}:${b.value}`), `${b.where}: run: ${b.value} is not one of ${runs.join(', ')}`);
        if (b.value === 'demo') assert.ok(b.code.includes(DEMO_BASE), `${b.where}: a demo block sets ${DEMO_BASE}`);
      }
      if (b.kind === 'output') {
        const before = blocks[blocks.indexOf(b) - 1];
        assert.ok(before?.file === b.file && (before.kind === 'run' || before.kind === 'check'), `${b.where}: an output follows the run or check block that prints it`);
      }
      if (b.kind === 'check') assert.ok(DOC_CHECKS[b.value], `${b.where}: no check named ${b.value} in test/helpers/doc-checks.ts`);
      if (b.kind === 'not run') assert.ok(b.value.length >= 10, `${b.where}: say why it is not run`);
    }
  });
});

describe('config blocks: the real config parser accepts them', () => {
  for (const b of blocks.filter((block) => block.kind === 'config')) {
    test(`${b.where} is a valid tollgate serve config`, () => {
      const parsed = JSON.parse(b.code) as Record<string, unknown>;
      assert.doesNotThrow(() => validateConfig({ issuer: 'https://auth.example.com', ...parsed }), b.where);
    });
  }

  test('and a bad one would fail: the parser names the field (no test that cannot fail)', () => {
    assert.throws(() => validateConfig({ issuer: 'https://auth.example.com', clients: [{ client_id: 'x', grant_types: 'nope' }] }), /clients\[0\]/);
  });
});

describe('blocks marked check: NAME, compared with the real thing', () => {
  const place = { tollgate: [process.execPath, `${ROOT}dist/cli.js`], project: ROOT };
  for (const b of blocks.filter((block) => block.kind === 'check')) {
    test(`${b.where} agrees with ${DOC_CHECKS[b.value]?.against ?? b.value}`, async (t) => {
      const skipped = await DOC_CHECKS[b.value]!.run(b, place);
      if (skipped) checkUnavailable(t, skipped);
    });
  }
});

test('shell blocks marked run: grants, in order, with the values the harness supplies', async () => {
  const grants = blocks.filter((block) => block.kind === 'run' && block.value === 'grants');
  assert.ok(grants.length >= 3, `${grants.length} blocks`);
  await runGrantsBlocks(grants, { tollgate: [process.execPath, `${ROOT}dist/cli.js`], project: ROOT });
});

test('the shell block marked run: mcp, as written; the harness signs in as the person, the client prints each step', async () => {
  const mcp = blocks.filter((block) => block.kind === 'run' && block.value === 'mcp');
  assert.equal(mcp.length, 1);
  const printed = await runMcpBlock(mcp[0]!);
  // What the page says the client prints: its client id, the request's resource, whoami's audience, the refresh.
  for (const step of [/as client \S+/, /with resource=http:\/\/127\.0\.0\.1:3001\/mcp/, /tool call whoami: .*"audience":\["http:\/\/127\.0\.0\.1:3001\/mcp"\]/, /refreshed; tool call whoami again/]) {
    assert.match(printed, step);
  }
});

describe('shell blocks marked run: demo, against npm start\'s server', () => {
  let server: RunningCli;
  before(async () => {
    const config = JSON.parse(readFileSync(`${ROOT}config/demo.json`, 'utf8')) as Record<string, unknown>;
    const { port: _port, issuer: _issuer, ...rest } = config;
    server = await startCli({ ...rest, store: 'memory' });
  });
  after(() => server?.stop());

  for (const b of blocks.filter((block) => block.kind === 'run' && block.value === 'demo')) {
    test(`${b.where} runs and every response is a success`, () => runDemoBlock(b, server.url, tmpdir()));
  }
});

describe('shell blocks marked run: cli, in document order in one directory', () => {
  let dir: string;
  let world: CliWorld;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-cli-'));
    world = new CliWorld(dir, [process.execPath, `${ROOT}dist/cli.js`], ROOT);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const b of blocks.filter((block) => block.kind === 'run' && block.value === 'cli')) {
    test(`${b.where} exits 0${outputOf(b, blocks) ? ' and prints what the page shows' : ''}`, () => {
      assert.notEqual(world.run(b, blocks).trim(), '', `${b.where} printed nothing`);
    });
  }
});
