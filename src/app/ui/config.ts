/**
 * The config's `ui` (issue 18): product name, logo, colour, scope descriptions, languages and
 * templates; and its older spellings `branding` and `scopeDescriptions`, which keep working. One
 * thing given under both names is an error: a config must not say two things at once.
 */
import { array, fail, object, string } from '../config.js';
import type { Branding, ScopeDescription } from '../views.js';
import { LANGUAGES } from './messages.js';
import { PAGE_NAMES } from './templates.js';
import type { PageName } from './templates.js';

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** The pages' look as the config gives it, templates still as file names (read by `loadConfig`). */
export interface UiConfig {
  branding: Branding;
  /** Page name → template file, relative to the config file. */
  templates: Partial<Record<PageName, string>>;
}

/**
 * Name, logo and colour. The logo must be https (a page served over https loading a plain-http
 * image is mixed content, and the CSP names its origin); the colour a hex literal, since it goes
 * into the stylesheet itself.
 */
function look(b: Record<string, unknown>, field: string): Branding {
  const result: Branding = {};
  if (b.productName !== undefined) {
    const name = string(b.productName, `${field}.productName`);
    if (name.trim() === '' || name.length > 60) fail(`${field}.productName`, 'must be 1 to 60 characters');
    result.productName = name;
  }
  if (b.logoUrl !== undefined) {
    const url = string(b.logoUrl, `${field}.logoUrl`);
    if (!URL.canParse(url) || new URL(url).protocol !== 'https:') fail(`${field}.logoUrl`, `must be an https URL, not ${show(url)}`);
    result.logoUrl = new URL(url).href;
  }
  if (b.primaryColor !== undefined) {
    const color = string(b.primaryColor, `${field}.primaryColor`);
    if (!/^#(?:[0-9a-fA-F]{3}){1,2}$/.test(color)) fail(`${field}.primaryColor`, `must be a CSS hex colour such as #1d4ed8, not ${show(color)}`);
    result.primaryColor = color;
  }
  return result;
}

/** `{ "read": "Read your files" }`, or per language `{ "read": { "en": "…", "de": "…" } }`. */
function scopeDescriptions(value: unknown, field: string): Record<string, ScopeDescription> {
  const d = object(value, field, Object.keys(value ?? {}));
  return Object.fromEntries(
    Object.entries(d).map(([scope, text]): [string, ScopeDescription] => {
      // Anything but an object is one description for every language (and a string, or the error says so).
      if (typeof text !== 'object' || text === null || Array.isArray(text)) return [scope, string(text, `${field}.${scope}`)];
      const perLanguage = object(text, `${field}.${scope}`, LANGUAGES);
      if (Object.keys(perLanguage).length === 0) fail(`${field}.${scope}`, `must give a description for at least one of ${LANGUAGES.join(', ')}`);
      return [scope, Object.fromEntries(Object.entries(perLanguage).map(([lang, words]) => [lang, string(words, `${field}.${scope}.${lang}`)]))];
    }),
  );
}

function languages(value: unknown, field: string): string[] {
  const list = array(value, field).map((lang, i) => {
    const tag = string(lang, `${field}[${i}]`);
    if (!LANGUAGES.includes(tag)) fail(`${field}[${i}]`, `must be one of the built-in languages ${LANGUAGES.join(', ')}, not ${show(tag)}`);
    return tag;
  });
  if (list.length === 0) fail(field, 'must list at least one language (the first is the default)');
  const repeated = list.find((lang, i) => list.indexOf(lang) !== i);
  if (repeated !== undefined) fail(field, `lists ${show(repeated)} twice`);
  return list;
}

function templates(value: unknown, field: string): Partial<Record<PageName, string>> {
  const t = object(value, field, PAGE_NAMES);
  return Object.fromEntries(Object.entries(t).map(([page, file]) => [page, string(file, `${field}.${page}`)]));
}

/** The fields of `ui` (and of `createPages`' options, tollgate/pages: the same names). */
export const UI_FIELDS = ['productName', 'logoUrl', 'primaryColor', 'scopes', 'languages', 'templates'] as const;

/** Everything of `ui` but its templates, checked, under `field` (`config.ui`, or `pages` for the library). */
export function uiLook(u: Record<string, unknown>, field: string): Branding {
  const branding = look(u, field);
  if (u.scopes !== undefined) branding.scopeDescriptions = scopeDescriptions(u.scopes, `${field}.scopes`);
  if (u.languages !== undefined) branding.languages = languages(u.languages, `${field}.languages`);
  return branding;
}

/** `ui`, with `branding` and `scopeDescriptions` as its documented aliases. */
export function uiConfig(ui: unknown, brandingAlias: unknown, descriptionsAlias: unknown): UiConfig {
  const legacy: Branding = brandingAlias === undefined ? {} : look(object(brandingAlias, 'config.branding', ['productName', 'logoUrl', 'primaryColor']), 'config.branding');
  if (descriptionsAlias !== undefined) legacy.scopeDescriptions = scopeDescriptions(descriptionsAlias, 'config.scopeDescriptions');
  if (ui === undefined) return { branding: legacy, templates: {} };
  const u = object(ui, 'config.ui', UI_FIELDS);
  const branding = uiLook(u, 'config.ui');
  for (const key of Object.keys(legacy) as Array<keyof Branding>) {
    if (branding[key] === undefined) continue;
    const old = key === 'scopeDescriptions' ? 'config.scopeDescriptions' : `config.branding.${key}`;
    const now = key === 'scopeDescriptions' ? 'config.ui.scopes' : `config.ui.${key}`;
    fail(now, `is also given as ${old} (its older name): give it once, under ui`);
  }
  return { branding: { ...legacy, ...branding }, templates: u.templates === undefined ? {} : templates(u.templates, 'config.ui.templates') };
}
