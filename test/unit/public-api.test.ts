/**
 * The public API (issue 9): the main entry stays small (at most 60 names) and every name any
 * package.json "exports" entry offers, type or value, has a doc comment. Read with the TypeScript
 * compiler API from the sources each entry is built from (./dist/x.js <- src/x.ts), resolving
 * re-exports to the declaration they name.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_MAIN_ENTRY_NAMES = 60;

/** "exports" entries with their source file: `./dist/adapters/node.js` is built from `src/adapters/node.ts`. */
function entrySources(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { default: string }> };
  const sources = new Map<string, string>();
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue; // ./package.json
    sources.set(entry, join(ROOT, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')));
  }
  return sources;
}

const sources = entrySources();
const program = ts.createProgram([...sources.values()], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

/** Every name the module exports, types included. */
function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  assert.ok(module, `${file} is not a module`);
  return checker.getExportsOfModule(module);
}

/** The doc comment of the declaration an export names (through `export { x } from`, `export default x`). */
function docComment(symbol: ts.Symbol): string {
  const declared = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return ts.displayPartsToString(declared.getDocumentationComment(checker)).trim();
}

test('package.json "exports" has the entries the docs name, each built from an existing source file', () => {
  for (const entry of ['.', './errors', './jwt', './node', './express', './fastify', './koa', './fetch', './compat', './testing', './stores/memory']) {
    assert.ok(sources.has(entry), `missing entry ${entry}`);
  }
  for (const [entry, file] of sources) assert.ok(program.getSourceFile(file), `${entry}: no source ${file}`);
});

test(`the main entry (tollgate) exports at most ${MAX_MAIN_ENTRY_NAMES} names, types included`, () => {
  const names = exportsOf(sources.get('.') ?? '').map((symbol) => symbol.name);
  assert.ok(names.length > 0);
  assert.ok(names.length <= MAX_MAIN_ENTRY_NAMES, `${names.length} names: ${names.join(', ')}`);
  // Internals stay out (issue 9 named these).
  for (const internal of ['withStatus', 'ResolvedOptions', 'notRedirectable']) assert.ok(!names.includes(internal), `${internal} is exported`);
});

for (const [entry, file] of sources) {
  test(`every export of ${entry === '.' ? 'tollgate' : `tollgate/${entry.slice(2)}`} has a doc comment`, () => {
    const exported = exportsOf(file);
    assert.ok(exported.length > 0, `${entry} exports nothing`);
    const undocumented = exported.filter((symbol) => docComment(symbol) === '').map((symbol) => symbol.name);
    assert.deepEqual(undocumented, [], `${entry} (${file}): no doc comment on ${undocumented.join(', ')}`);
  });
}

test('the check itself works: a declaration without a doc comment is found', () => {
  const host = ts.createCompilerHost({});
  const file = join(ROOT, 'probe.ts');
  const text = '/** Documented. */\nexport const a = 1;\nexport const b = 2;\n';
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => (name === file ? ts.createSourceFile(name, text, version) : read(name, version));
  const probe = ts.createProgram([file], { noEmit: true, noLib: true }, host);
  const probeChecker = probe.getTypeChecker();
  const module = probeChecker.getSymbolAtLocation(probe.getSourceFile(file) as ts.SourceFile);
  assert.ok(module);
  const docs = Object.fromEntries(probeChecker.getExportsOfModule(module).map((s) => [s.name, ts.displayPartsToString(s.getDocumentationComment(probeChecker))]));
  assert.deepEqual(docs, { a: 'Documented.', b: '' });
});
