/**
 * The code blocks of docs/*.md and the marker on the line before each (test/docs/code-blocks.test.ts
 * lists the kinds), read once for every test that runs them: in the repository and in the installed
 * tarball (test/package/installed-tarball.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `<!-- fragment: NAME -->` finds NAME.ts.tmpl (not .ts: a template alone does not compile). */
export const FRAGMENT_FIXTURES = `${ROOT}test/docs/fragments/`;
const PLACEHOLDER = '// {{block}}';

export interface DocBlock {
  /** `docs/NAME.md:LINE`, for messages. */
  where: string;
  doc: string;
  lang: string;
  /** The marker's kind and value, from the line before the fence. */
  kind: string | undefined;
  value: string;
  code: string;
}

/** The blocks of one page of docs/, in order. */
export function blocksOf(doc: string): DocBlock[] {
  const lines = readFileSync(`${ROOT}docs/${doc}`, 'utf8').split('\n');
  const found: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    assert.ok(end > i, `docs/${doc}:${i + 1}: a code block that never closes`);
    const marker = /^<!-- (snippet|quote|config|fragment|run|shown|not run)(?:: (.*?))? -->$/.exec((lines[i - 1] ?? '').trim());
    found.push({ where: `docs/${doc}:${i + 1}`, doc, lang: open[2] ?? '', kind: marker?.[1], value: marker?.[2] ?? '', code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

/** Every block of every page of docs/, pages in name order. */
export function docBlocks(): DocBlock[] {
  const docs = readdirSync(`${ROOT}docs`).filter((name) => name.endsWith('.md')).sort();
  return docs.flatMap(blocksOf);
}

/**
 * A `<!-- fragment: NAME -->` block inside its fixture, as one TypeScript module: the block's own
 * `import` lines go to the top (a fragment's body may land inside a function), the rest replaces each of the
 * fixture's `// {{block}}` line. The fixture supplies the block's free variables and then asserts
 * what the block must have done, so the module exits 0 only if the block works as shown.
 */
export function composeFragment(block: DocBlock): string {
  const fixture = readFileSync(`${FRAGMENT_FIXTURES}${block.value}.ts.tmpl`, 'utf8');
  assert.ok(fixture.includes(PLACEHOLDER), `${block.value}.ts.tmpl has the ${PLACEHOLDER} line`);
  const lines = block.code.split('\n');
  const imports = lines.filter((line) => /^import .* from '[^']+';$/.test(line));
  const body = lines.filter((line) => !imports.includes(line)).join('\n');
  return `${imports.join('\n')}\n${fixture.replaceAll(PLACEHOLDER, () => body)}`;
}
