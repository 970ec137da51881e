/**
 * tollgate's own sign-in, consent, device and error pages for a library host (tollgate/pages):
 * the templates, look, languages and Content-Security-Policy of `tollgate serve`, rendered as
 * plain `{ status, headers, body }` responses that any framework writes out, from an
 * `Interaction` (see docs/adapters.md, "tollgate's own pages").
 *
 * @example
 * ```ts
 * import { createPages } from 'tollgate/pages';
 * const pages = createPages({ productName: 'Acme', scopes: { read: 'Read your files' } });
 * const page = pages.forRequest({ acceptLanguage: 'de' }).signIn({ action: '/authorize', clientName: 'Acme Web', csrf });
 * ```
 *
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';
import { UI_FIELDS, uiLook } from './app/ui/config.js';
import { checkTemplate, PAGE_NAMES } from './app/ui/templates.js';
import type { PageName, Template } from './app/ui/templates.js';
import { createTheme } from './app/views.js';
import { themePages } from './app/ui/pages.js';
import type { Pages } from './app/ui/pages.js';

export type { Pages, PageRequest, ErrorView, DeviceDoneView } from './app/ui/pages.js';
export type { SignInView, ConsentView, SignOutView, ScopeDescription } from './app/views.js';
export type { DeviceCodeView } from './app/device-views.js';
export type { Messages } from './app/ui/messages.js';
export type { PageName } from './app/ui/templates.js';
export { PAGE_NAMES } from './app/ui/templates.js';

/** How the pages look: the same names and rules as `tollgate serve`'s `ui` config (docs/ui.md). */
export interface PagesOptions {
  /** Shown at the top of every page and in its title, instead of "tollgate" (1 to 60 characters). */
  productName?: string | undefined;
  /** An https URL of a logo shown beside the name; the CSP then allows images from its origin only. */
  logoUrl?: string | undefined;
  /** The buttons' colour, a CSS hex colour (#rgb or #rrggbb). */
  primaryColor?: string | undefined;
  /** A description per scope, shown on consent beside the raw name: `{ read: 'Read your files' }` or per language `{ read: { en: '…', de: '…' } }`. */
  scopes?: Readonly<Record<string, string | Readonly<Record<string, string>>>> | undefined;
  /** The languages offered, from the built-in catalogues (`en`, `de`); the first is the default. All when absent. */
  languages?: readonly string[] | undefined;
  /**
   * Pages replaced whole: per page, the HTML text with `{{placeholder}}`s (docs/ui.md lists them).
   * Checked here as `tollgate serve` checks its template files: an unknown placeholder, a missing
   * form field, a script or a style attribute throws.
   */
  templates?: Readonly<Partial<Record<PageName, string>>> | undefined;
}

/**
 * The built-in pages with these options, in the first language offered; `forRequest` gives them
 * in the language a request asks for. The options are checked once, here.
 *
 * @throws {ConfigError} `ERR_TOLLGATE_INVALID_CONFIG`, naming the option (`pages.logoUrl`, `pages.templates.consent`, …).
 */
export function createPages(options: PagesOptions = {}): Pages {
  const field = 'pages';
  const known: readonly string[] = UI_FIELDS;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', `${field}.${key}`, `is not a known option; allowed: ${known.join(', ')}`);
  }
  const branding = uiLook({ ...options }, field);
  const templates: Partial<Record<PageName, Template>> = {};
  for (const [name, source] of Object.entries(options.templates ?? {})) {
    const at = `${field}.templates.${name}`;
    if (!(PAGE_NAMES as readonly string[]).includes(name)) throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', at, `is not a page; pages: ${PAGE_NAMES.join(', ')}`);
    if (typeof source !== 'string') throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', at, 'must be the template\'s HTML text');
    templates[name as PageName] = checkTemplate(name as PageName, 'the HTML given', source, at);
  }
  return themePages(createTheme({ ...branding, templates }));
}
