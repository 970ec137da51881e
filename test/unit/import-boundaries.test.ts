/**
 * The floors of the source tree (DESIGN.md, "The layers"): the core knows nothing of databases, so
 * only the stores themselves, the server (src/app) and the store test kit (src/testing) may import
 * from src/stores/; and no two floors import each other, directly or around a loop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every .ts and .cts file under src/, as paths relative to src/ with forward slashes. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') || entry.name.endsWith('.cts') ? [relative(SRC, path).split(sep).join('/')] : [];
  });
}

/** `from '…'`, `import '…'` and `import('…')`: every module a file names, types included. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The files under src/ that `file` imports, resolved (`./x.js` is `x.ts`, `./x.cjs` is `x.cts`); packages are left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(SPECIFIER)]
    .map((match) => match[1] as string)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(SRC, resolve(SRC, dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'));
}

/**
 * A file's floor: its folder under src/. Files at the top of src/ are the protocol core, with
 * endpoints/, grants/, tokens/ and dpop/; cli.ts and its commands in cli/ are the server's command
 * line, and pages.ts (tollgate/pages) is the entry to the server's pages: they belong to app.
 */
function floorOf(file: string): string {
  if (file === 'cli.ts' || file === 'pages.ts' || file.startsWith('cli/')) return 'app';
  const [top] = file.split('/');
  if (top === undefined || top === file || ['endpoints', 'grants', 'tokens', 'dpop'].includes(top)) return 'core';
  return top;
}

const STORE_IMPORTERS = new Set(['stores', 'app', 'testing']);
const files = sourceFiles();
const edges = files.flatMap((file) => importsOf(file).map((target) => ({ file, target })));

describe('import boundaries', () => {
  it('the scan sees the tree: it finds files and resolves the imports between them', () => {
    assert.ok(files.includes('stores/store.ts') && files.includes('index.ts'));
    // Every relative import names a file that exists, so a resolution mistake cannot hide an edge.
    const missing = edges.filter(({ target }) => !files.includes(target));
    assert.deepEqual(missing, []);
    assert.ok(edges.some(({ file, target }) => file === 'stores/sqlite.ts' && target === 'stores/store.ts'));
  });

  it('no file outside src/stores, src/app and src/testing imports from src/stores (the core never reaches into a store)', () => {
    const offending = edges
      .filter(({ file, target }) => target.startsWith('stores/') && !STORE_IMPORTERS.has(floorOf(file)))
      .map(({ file, target }) => `${file} -> ${target}`);
    assert.deepEqual(offending, []);
  });

  it('no store imports another store: shared code lives in modules of its own', () => {
    const stores = new Set(['stores/memory.ts', 'stores/sqlite.ts', 'stores/postgres.ts', 'stores/redis.ts']);
    const offending = edges.filter(({ file, target }) => stores.has(file) && stores.has(target)).map(({ file, target }) => `${file} -> ${target}`);
    assert.deepEqual(offending, []);
  });

  it('the floors import each other without a cycle', () => {
    const graph = new Map<string, Set<string>>();
    for (const { file, target } of edges) {
      const [from, to] = [floorOf(file), floorOf(target)];
      if (from !== to) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
    // Depth-first search; a floor met again while still on the path closes a cycle.
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (floor: string, path: string[]): void => {
      if (path.includes(floor)) {
        cycles.push([...path.slice(path.indexOf(floor)), floor].join(' -> '));
        return;
      }
      if (done.has(floor)) return;
      for (const next of graph.get(floor) ?? []) visit(next, [...path, floor]);
      done.add(floor);
    };
    for (const floor of graph.keys()) visit(floor, []);
    assert.deepEqual(cycles, []);
    // The core is the bottom floor: it imports no other.
    assert.deepEqual([...(graph.get('core') ?? [])], []);
  });
});
