/**
 * What `npm pack` ships: the licence the package.json names, the changelog, and every file the
 * README links to relatively (npm renders the README on the package page and in node_modules, where a
 * link to a file left out of the tarball is dead).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function packedFiles(): Set<string> {
  // --ignore-scripts: the file list is what matters here, not a fresh build of dist/.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((file) => file.path));
}

const files = packedFiles();

test('the package ships LICENSE (MIT, as package.json says) and CHANGELOG.md', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { license: string };
  assert.equal(pkg.license, 'MIT');
  assert.ok(files.has('LICENSE'));
  assert.match(readFileSync(`${root}LICENSE`, 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the tollgate authors\n/);
  assert.ok(files.has('CHANGELOG.md'));
  assert.match(readFileSync(`${root}CHANGELOG.md`, 'utf8'), /^## \[Unreleased\]$/m);
});

test("every relative link in the README points at a file the package ships", () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
  assert.ok(targets.length > 10, 'the README links to docs/ and examples/');
  const missing = targets.filter((target) =>
    target.endsWith('/') ? ![...files].some((file) => file.startsWith(target)) : !files.has(target),
  );
  assert.deepEqual(missing, []);
});
