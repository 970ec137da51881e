/**
 * The package ships what its docs link to: every relative link in README.md, docs/*.md and the examples'
 * READMEs names a file (or a folder with files) that `npm pack` puts in the tarball, so the links work
 * in node_modules/tollgate as they do in the repository.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every relative link in the README, docs/ and the examples points into the package', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [
    { files: { path: string }[] },
  ];
  const files = new Set(packed[0].files.map((f) => f.path));
  const docs = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
    ...readdirSync(join(ROOT, 'examples')).map((name) => `examples/${name}/README.md`).filter((path) => files.has(path)),
  ];
  const missing: string[] = [];
  let links = 0;
  for (const doc of docs) {
    for (const [, target = ''] of readFileSync(join(ROOT, doc), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      links++;
      const path = normalize(join(dirname(doc), target)).replace(/\/$/, '');
      if (!files.has(path) && ![...files].some((file) => file.startsWith(`${path}/`))) missing.push(`${doc} -> ${target}`);
    }
  }
  assert.ok(links >= 30, `found ${links} relative links`);
  assert.deepEqual(missing, []);
});
