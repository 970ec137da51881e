/**
 * The code blocks of docs/*.md and README.md and the marker on the line before each
 * (test/docs/code-blocks.test.ts lists the kinds), read once for every test that runs them: in the
 * repository and in the installed tarball (test/package/installed-tarball.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `<!-- fragment: NAME -->` finds NAME.ts.tmpl (not .ts: a template alone does not compile). */
export const FRAGMENT_FIXTURES = `${ROOT}test/docs/fragments/`;
const PLACEHOLDER = '// {{block}}';

export interface DocBlock {
  /** `docs/NAME.md:LINE` or `README.md:LINE`, for messages. */
  where: string;
  /** The page: its name under docs/, or `README.md` for the repository's own (`file` tells the two apart). */
  doc: string;
  /** The page's path in the repository: `docs/NAME.md` or `README.md`. */
  file: string;
  lang: string;
  /** The marker's kind and value, from the line before the fence. */
  kind: string | undefined;
  value: string;
  code: string;
}

/** The blocks of one page, in order: `file` is its path in the repository (`docs/NAME.md`, `README.md`). */
export function blocksOf(file: string): DocBlock[] {
  const doc = file.replace(/^docs\//, '');
  const lines = readFileSync(`${ROOT}${file}`, 'utf8').split('\n');
  const found: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    assert.ok(end > i, `${file}:${i + 1}: a code block that never closes`);
    const marker = /^<!-- (snippet|quote|config|fragment|run|output|check|not run)(?:: (.*?))? -->$/.exec((lines[i - 1] ?? '').trim());
    // A block indented under a list item: its lines without that indentation, as a reader copies them.
    const indent = open[1] ?? '';
    const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    found.push({ where: `${file}:${i + 1}`, doc, file, lang: open[2] ?? '', kind: marker?.[1], value: marker?.[2] ?? '', code: code.join('\n') });
    i = end;
  }
  return found;
}

/** Every block of every page of docs/, pages in name order, then README.md's. */
export function docBlocks(): DocBlock[] {
  const docs = readdirSync(`${ROOT}docs`).filter((name) => name.endsWith('.md')).sort();
  return [...docs.map((name) => `docs/${name}`), 'README.md'].flatMap(blocksOf);
}

/** The `output` block right after `block` on its page, if any: what the page says `block` prints. */
export function outputOf(block: DocBlock, blocks: readonly DocBlock[] = docBlocks()): DocBlock | undefined {
  const at = blocks.findIndex((b) => b.where === block.where);
  const next = at < 0 ? undefined : blocks[at + 1];
  return next?.file === block.file && next.kind === 'output' ? next : undefined;
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

/**
 * Example values the docs show where a real run prints another of the same shape: a device's user
 * code (RFC 8628 §6.1, the base-20 letters tollgate draws from).
 */
const SHOWN_EXAMPLES: readonly (readonly [string, string])[] = [['WDJB-MJHT', '[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}']];

/**
 * Fails unless every non-empty line of `shown` (what a page says is printed) is a line of `actual`,
 * in that order; other lines may come between (an HTTP answer's other headers). Within a line, `…`
 * (with the start of a value it shortens, as in `wIsKlrET…`) stands for any text, a number of nine or
 * more digits (a time) for any number, a SHOWN_EXAMPLES value for any of its shape, and each
 * `[literal, pattern]` of `places` for what the pattern matches (a port the test chose).
 */
export function assertShown(where: string, shown: string, actual: string, places: readonly (readonly [string, string])[] = []): void {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lines = actual.replace(/\r/g, '').split('\n');
  let at = 0;
  for (const line of shown.split('\n').filter((text) => text.trim() !== '')) {
    let pattern = escape(line);
    for (const [literal, regex] of [...places, ...SHOWN_EXAMPLES]) pattern = pattern.replaceAll(escape(literal), regex);
    pattern = pattern.replace(/[\w-]*…/g, '.*?').replace(/\d{9,}/g, '\\d+');
    const matcher = new RegExp(`^${pattern}$`);
    const found = lines.findIndex((text, i) => i >= at && matcher.test(text));
    assert.ok(found >= 0, `${where} shows a line the run did not print (in this order):\n  ${line}\nThe run printed:\n${actual}`);
    at = found + 1;
  }
}
