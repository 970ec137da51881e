/**
 * Pages replaced whole (`ui.templates`): an HTML file per page with `{{name}}` placeholders. A
 * value is HTML-escaped unless tollgate built it as markup itself (`brand`, `style`, `scopes`…:
 * docs/ui.md lists them); the file is read and checked at start, so an unknown placeholder or a
 * form without the fields its endpoint needs (the CSRF token first: RFC 9700 §4.7) is a config
 * error naming the file, never a broken page. The CSP stays strict: scripts are refused, and the
 * file's own `<style>` blocks are allowed by hash.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { ENGLISH } from './messages.js';

/** The pages a template can replace. */
export const PAGE_NAMES = ['sign-in', 'consent', 'error', 'sign-out', 'signed-out', 'device-code', 'device-done'] as const;
/** A page a template can replace: `sign-in`, `consent`, `error`, `sign-out`, `signed-out`, `device-code`, `device-done`. */
export type PageName = (typeof PAGE_NAMES)[number];

/** What every page can show: the language, its title, the brand and tollgate's stylesheet. */
const COMMON = ['lang', 'title', 'productName', 'logoUrl', 'brand', 'style'];

/** Per page: the placeholders it offers, and what the file must contain for its form to work. */
const PAGES: Record<PageName, { placeholders: string[]; required: string[] }> = {
  'sign-in': {
    placeholders: ['action', 'csrf', 'clientName', 'username', 'error'],
    required: ['{{action}}', '{{csrf}}', 'name="csrf_token"', 'name="username"', 'name="password"'],
  },
  // The person must see whom they authorize and for what (RFC 6749 §10.2, RFC 9700 §4.12), and a self-named client's warning.
  consent: {
    placeholders: ['action', 'csrf', 'request', 'clientName', 'username', 'scopes', 'resources', 'notice', 'signOut'],
    required: ['{{action}}', '{{csrf}}', '{{request}}', '{{clientName}}', '{{scopes}}', '{{resources}}', '{{notice}}', 'name="csrf_token"', 'name="request"', 'name="decision"'],
  },
  error: { placeholders: ['description'], required: ['{{description}}'] },
  'sign-out': { placeholders: ['action', 'csrf', 'username', 'carry'], required: ['{{action}}', '{{csrf}}', '{{carry}}', 'name="csrf_token"'] },
  'signed-out': { placeholders: [], required: [] },
  'device-code': {
    placeholders: ['action', 'csrf', 'userCode', 'error'],
    required: ['{{action}}', '{{csrf}}', 'name="csrf_token"', 'name="user_code"'],
  },
  'device-done': { placeholders: ['clientName', 'message'], required: ['{{clientName}}'] },
};

/** The placeholders a page's template may use, `t.<key>` for each message of the catalogue included. */
export function placeholders(page: PageName): string[] {
  const messages = Object.keys(ENGLISH).map((key) => `t.${key}`);
  return [...COMMON, ...PAGES[page].placeholders, ...messages];
}

/** A checked template: its text, where it came from, and the hashes of its own `<style>` blocks for the CSP. */
export interface Template {
  readonly file: string;
  readonly source: string;
  readonly styleHashes: readonly string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g;
const STYLE_BLOCK = /<style>([\s\S]*?)<\/style>/gi;

/** Checks a template's text for `page`; throws ConfigError naming `field` and the file. */
export function checkTemplate(page: PageName, file: string, source: string, field: string): Template {
  const fail = (message: string): never => {
    throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', field, `${file}: ${message}`);
  };
  const known = new Set(placeholders(page));
  for (const [, name] of source.matchAll(PLACEHOLDER)) {
    if (!known.has(name as string)) fail(`unknown placeholder {{${name}}} for the ${page} page (docs/ui.md lists them)`);
  }
  // Normalised spacing, so "{{ csrf }}" counts as "{{csrf}}".
  const normalised = source.replace(PLACEHOLDER, (_, name: string) => `{{${name}}}`);
  for (const needed of PAGES[page].required) {
    if (!normalised.includes(needed)) fail(`the ${page} page must contain ${needed}`);
  }
  // The pages' CSP allows no script at all: a template with one would only break in the browser.
  if (/<script\b/i.test(source)) fail('scripts are not allowed on the pages (their Content-Security-Policy forbids them)');
  if (/\sstyle\s*=/i.test(source)) fail('style attributes are blocked by the Content-Security-Policy; use a <style> block');
  const styleHashes = [...source.matchAll(STYLE_BLOCK)].map(([, css]) => `'sha256-${createHash('sha256').update(css ?? '').digest('base64')}'`);
  return { file, source, styleHashes };
}

/** Reads and checks `ui.templates`: paths relative to the config file's directory. */
export async function loadTemplates(files: Readonly<Record<string, string>>, baseDir: string, field: string): Promise<Partial<Record<PageName, Template>>> {
  const loaded: Partial<Record<PageName, Template>> = {};
  for (const [page, file] of Object.entries(files) as Array<[PageName, string]>) {
    let source: string;
    try {
      source = await readFile(resolve(baseDir, file), 'utf8');
    } catch (err) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', `${field}.${page}`, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    loaded[page] = checkTemplate(page, file, source, `${field}.${page}`);
  }
  return loaded;
}

/** A value for a placeholder: text (escaped) or markup tollgate built (kept). */
export type TemplateValue = string | { readonly safe: string };

/** Fills a checked template in; every name was checked at start, so each has a value (text or markup). */
export function renderTemplate(template: Template, values: Readonly<Record<string, TemplateValue>>, escape: (text: string) => string): string {
  return template.source.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name] ?? '';
    return typeof value === 'string' ? escape(value) : value.safe;
  });
}
