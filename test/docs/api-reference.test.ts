/**
 * The API reference (TypeDoc, `npm run docs:api`) covers every public entry point, and builds with no
 * warning: an exported symbol without a doc comment, a broken `{@link}` or a referenced file that is
 * missing fails here, so CI checks the doc comments as it checks the types.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface TypedocConfig {
  entryPoints: string[];
  treatWarningsAsErrors?: boolean;
  validation?: Record<string, boolean>;
}

const config = JSON.parse(readFileSync(`${ROOT}typedoc.json`, 'utf8')) as TypedocConfig;

test('the reference documents every entry point of package.json "exports", and nothing else', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, string | { types?: string }> };
  const sources = Object.values(pkg.exports)
    .flatMap((target) => (typeof target === 'object' && target.types ? [target.types] : []))
    .map((types) => types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'))
    .sort();
  assert.deepEqual([...config.entryPoints].sort(), sources);
});

test('a missing doc comment, a broken link or any other warning fails the build', () => {
  assert.equal(config.treatWarningsAsErrors, true);
  assert.equal(config.validation?.notDocumented, true);
  assert.equal(config.validation?.invalidLink, true);
});

test('the API reference builds with no warning (TypeDoc: notDocumented, invalidLink, treatWarningsAsErrors)', () => {
  // Types are checked by `npm run typecheck`; here only the doc comments, and nothing is written.
  const run = spawnSync(process.execPath, [`${ROOT}node_modules/typedoc/bin/typedoc`, '--emit', 'none', '--skipErrorChecking'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.doesNotMatch(output, /\[warning\]|\[error\]/, output);
});
