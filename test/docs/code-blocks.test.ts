/**
 * Every code block in docs/*.md is run by a test, or says why it cannot be. The line before a block's
 * fence is one of:
 * - `<!-- snippet: NAME -->` / `<!-- quote: PATH -->`: typechecked and run, or checked verbatim against
 *   the source, by test/docs-snippets.test.ts (which reads SNIPPET_DOCS);
 * - `<!-- config -->`: a `tollgate serve` config (JSON), or a part of one, validated by the real config
 *   parser (src/app/config.ts) over `{ "issuer": "https://auth.example.com" }`;
 * - `<!-- run: demo -->`: a shell block, run with bash against `npm start`'s server (config/demo.json on the
 *   memory store, a free port): its `BASE=http://localhost:9191` line is pointed at that server;
 * - `<!-- not run: REASON -->`: shown, not run, for the reason given.
 * A block with none of these fails here, as does a marker on the wrong kind of block.
 * Needs `npm run build` first (the demo server is dist/cli.js).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { validateConfig } from '../../src/app/config.js';
import { startCli } from '../helpers/app-server.js';
import type { RunningCli } from '../helpers/app-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The pages whose snippets and quotes test/docs-snippets.test.ts runs and checks. */
const SNIPPET_DOCS = ['adapters.md', 'model.md', 'grants.md', 'stores.md', 'resource-servers.md'];
const DEMO_BASE = 'BASE=http://localhost:9191';

interface Block {
  /** `docs/NAME.md:LINE`, for messages. */
  where: string;
  doc: string;
  lang: string;
  /** The marker's kind and value, from the line before the fence. */
  kind: string | undefined;
  value: string;
  code: string;
}

function blocksOf(doc: string): Block[] {
  const lines = readFileSync(`${ROOT}docs/${doc}`, 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    assert.ok(end > i, `docs/${doc}:${i + 1}: a code block that never closes`);
    const marker = /^<!-- (snippet|quote|config|run|not run)(?:: (.*?))? -->$/.exec((lines[i - 1] ?? '').trim());
    found.push({ where: `docs/${doc}:${i + 1}`, doc, lang: open[2] ?? '', kind: marker?.[1], value: marker?.[2] ?? '', code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

const docs = readdirSync(`${ROOT}docs`).filter((name) => name.endsWith('.md')).sort();
const blocks = docs.flatMap(blocksOf);

describe('every code block in docs/ is run by a test, or says why not', () => {
  test('docs/ has code blocks, and each one is marked', () => {
    assert.ok(blocks.length >= 40, `found ${blocks.length} blocks`);
    const unmarked = blocks.filter((b) => b.kind === undefined).map((b) => b.where);
    assert.deepEqual(unmarked, [], 'unmarked blocks: add <!-- not run: why --> or make them run (see this test\'s header)');
  });

  test('each marker fits its block', () => {
    for (const b of blocks) {
      if (b.kind === 'snippet' || b.kind === 'quote') assert.ok(SNIPPET_DOCS.includes(b.doc), `${b.where}: test/docs-snippets.test.ts does not read ${b.doc}`);
      if (b.kind === 'config') assert.equal(b.lang, 'json', `${b.where}: a config block is JSON`);
      if (b.kind === 'run') {
        assert.equal(`${b.lang}:${b.value}`, 'sh:demo', `${b.where}: only sh blocks run, against the demo server`);
        assert.ok(b.code.includes(DEMO_BASE), `${b.where}: a demo block sets ${DEMO_BASE}`);
      }
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

describe('shell blocks marked run: demo, against npm start\'s server', () => {
  const demo = blocks.filter((block) => block.kind === 'run');
  let server: RunningCli;
  before(async () => {
    const config = JSON.parse(readFileSync(`${ROOT}config/demo.json`, 'utf8')) as Record<string, unknown>;
    const { port: _port, issuer: _issuer, ...rest } = config;
    server = await startCli({ ...rest, store: 'memory' });
  });
  after(() => server?.stop());

  for (const b of demo) {
    test(`${b.where} runs and every response is a success`, () => {
      const script = `set -euo pipefail\n${b.code.replace(DEMO_BASE, `BASE=${server.url}`)}`;
      const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: process.env.PATH } });
      assert.equal(run.status, 0, `${b.where}:\n${run.stdout}${run.stderr}`);
      assert.doesNotMatch(run.stdout, /"error"/, `${b.where}:\n${run.stdout}`);
      assert.match(run.stdout, /"access_token"/, `${b.where}:\n${run.stdout}`);
    });
  }
});
