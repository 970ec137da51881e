/**
 * The API reference (TypeDoc, `npm run docs:api`) covers every public entry point, and builds with no
 * warning: an exported symbol without a doc comment, a type a public signature uses that no entry
 * point exports (a hole in the reference), a broken `{@link}` or a referenced file that is missing
 * fails here, so CI checks the doc comments as it checks the types.
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
  intentionallyNotExported?: string[];
  validation?: Record<string, boolean>;
}

/**
 * The only declarations public signatures may name without the reference documenting them, each for
 * a reason TypeDoc cannot see. Anything else a signature uses must be exported and documented.
 */
const NOT_EXPORTED_ON_PURPOSE: readonly string[] = [
  // Type machinery of ModelFor and BuiltInGrantModel, whose comments name the model each grant needs:
  // exporting them would put a generic helper and the grant table (a value) in the public API.
  'src/options.ts:Intersect',
  'src/grants/index.ts:BUILT_IN_GRANTS',
  // tollgate/compat's CommonJS classes (type-only exports, as verbatimModuleSyntax requires in a .cts
  // file) are documented as compat's classes (`@class` in src/compat/classes.ts); only OAuth2Server's
  // statics, typed by the compiler from the CommonJS declaration, still name it, and their comments
  // link the documented class.
  'src/compat/errors.cts:OAuthError',
  'src/compat/request.cts:Request',
  'src/compat/response.cts:Response',
  'src/compat/abstract-grant-type.cts:AbstractGrantType',
];

const config = JSON.parse(readFileSync(`${ROOT}typedoc.json`, 'utf8')) as TypedocConfig;

test('the reference documents every entry point of package.json "exports", and nothing else', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, string | { types?: string }> };
  const sources = Object.values(pkg.exports)
    .flatMap((target) => (typeof target === 'object' && target.types ? [target.types] : []))
    .map((types) => types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'))
    .sort();
  assert.deepEqual([...config.entryPoints].sort(), sources);
});

test('a missing doc comment, an unexported type in a signature, a broken link or any other warning fails the build', () => {
  assert.equal(config.treatWarningsAsErrors, true);
  assert.equal(config.validation?.notDocumented, true);
  assert.equal(config.validation?.notExported, true);
  assert.equal(config.validation?.invalidLink, true);
  // No silent exemptions: the list is exactly the one above (TypeDoc itself warns about an unused entry).
  assert.deepEqual([...(config.intentionallyNotExported ?? [])].sort(), [...NOT_EXPORTED_ON_PURPOSE].sort());
});

test('the API reference builds with no warning (TypeDoc: notDocumented, notExported, invalidLink, treatWarningsAsErrors)', () => {
  // Types are checked by `npm run typecheck`; here only the doc comments, and nothing is written.
  const run = spawnSync(process.execPath, [`${ROOT}node_modules/typedoc/bin/typedoc`, '--emit', 'none', '--skipErrorChecking'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.doesNotMatch(output, /\[warning\]|\[error\]/, output);
});
