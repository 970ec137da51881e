/**
 * The pages a person sees at the authorization endpoint: sign-in, consent, error and sign-out. Every value
 * goes through `escapeHtml` (the `html` template does it); every page carries headers that keep
 * it out of frames (RFC 9700 §4.16), out of caches, and its URL out of Referer (RFC 9700 §4.2.4).
 * Every string comes from the language's catalogue (ui/messages.ts); a page the config replaces
 * is its template (ui/templates.ts) filled with the same values.
 */
import { createHash } from 'node:crypto';
import type { OAuthResponse } from '../index.js';
import { CATALOGUES, ENGLISH, LANGUAGES, format } from './ui/messages.js';
import type { Messages } from './ui/messages.js';
import { negotiateLanguage } from './ui/language.js';
import { renderTemplate } from './ui/templates.js';
import type { PageName, Template, TemplateValue } from './ui/templates.js';

/** Markup that is already safe: the only thing `html` interpolates without escaping. */
export interface SafeHtml {
  readonly safe: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && 'safe' in value;
}

/** A template tag: interpolated values are escaped, nested `html` and arrays of it are kept. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const render = (value: unknown): string =>
    Array.isArray(value) ? value.map(render).join('') : isSafe(value) ? value.safe : escapeHtml(String(value ?? ''));
  return { safe: strings.reduce((out, s, i) => out + render(values[i - 1]) + s) };
}

const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#eef1f5}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem;box-sizing:border-box}
main{background:#fff;border:1px solid #cbd2d9;border-radius:10px;padding:2rem;width:100%;max-width:24rem;box-shadow:0 2px 8px rgba(15,23,42,.08)}
.brand{margin:0 0 1.5rem;font-size:.875rem;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:#52606d}
.brand.named{font-size:1rem;letter-spacing:0;text-transform:none;color:#1f2933;display:flex;align-items:center;gap:.5rem}
.brand img{height:2rem;width:auto}
.scopes .description{display:block}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .5rem}
p{line-height:1.5;margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .375rem}
input{box-sizing:border-box;width:100%;padding:.625rem .75rem;font:inherit;color:inherit;border:1px solid #7b8794;border-radius:6px}
button{font:inherit;font-weight:600;padding:.625rem 1.25rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button:hover{background:#1e40af;border-color:#1e40af}
button.secondary{background:#fff;color:#1d4ed8}
button.secondary:hover{background:#eff6ff}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
.alert{background:#fdecec;border:1px solid #b91c1c;color:#7f1d1d;padding:.75rem;border-radius:6px;margin:1rem 0}
.scopes{margin:.5rem 0 0;padding-left:1.25rem;line-height:1.7}
.scopes code{font-size:.95em;background:#f1f5f9;padding:.1rem .35rem;border-radius:4px}
.muted{color:#52606d;font-size:.875rem}
form.muted{margin:-.5rem 0 1rem}
button.link,button.link:hover{background:none;border:0;padding:0;color:inherit;font-size:inherit;text-decoration:underline;filter:none}
`;

/** A scope's description: the same words in every language, or per language. */
export type ScopeDescription = string | Readonly<Record<string, string>>;

/** How `tollgate serve`'s pages look: the config's `ui` (or its older `branding` and `scopeDescriptions`). */
export interface Branding {
  /** Shown at the top of every page and in its title, instead of "tollgate". */
  productName?: string | undefined;
  /** An https URL of a logo shown beside the name; the CSP then allows images from its origin only. */
  logoUrl?: string | undefined;
  /** The buttons' colour, a CSS hex colour (#rgb or #rrggbb). */
  primaryColor?: string | undefined;
  /** Shown on the consent page beside each raw scope name, e.g. `{ "read": "Read your files" }` or `{ "read": { "en": "…", "de": "…" } }`. */
  scopeDescriptions?: Readonly<Record<string, ScopeDescription>> | undefined;
  /** The languages the pages are offered in, from the built-in catalogues; the first is the default. All of them when absent. */
  languages?: readonly string[] | undefined;
  /** Pages replaced whole, read and checked at start. */
  templates?: Readonly<Partial<Record<PageName, Template>>> | undefined;
}

/** A branding made ready for the pages in one language: its stylesheet, strings, and headers whose CSP allows exactly that stylesheet and logo. */
export interface Theme {
  readonly branding: Branding;
  readonly css: string;
  /** The page's language (BCP 47), for `<html lang>` and `Content-Language`. */
  readonly lang: string;
  readonly t: Messages;
  readonly headers: Readonly<Record<string, string>>;
  /** This theme in the language a request asks for: `ui_locales` (OpenID Connect Core §3.1.2.1), else `Accept-Language`. */
  forRequest(asked: { uiLocales?: string | undefined; acceptLanguage?: string | undefined }): Theme;
}

/**
 * The CSP allows exactly the page's stylesheet (by hash: a changed colour changes the hash) and the
 * templates' own `<style>` blocks, and no script at all; images only from the logo's origin, when there is one.
 */
export function createTheme(branding: Branding = {}): Theme {
  const color = branding.primaryColor;
  const css = color === undefined
    ? CSS
    : `${CSS}button,button:hover{background:${color};border-color:${color}}button:hover{filter:brightness(.88)}button.secondary{background:#fff;color:${color}}button.secondary:hover{filter:none;background:#f8fafc}\n`;
  const styles = [`'sha256-${createHash('sha256').update(css).digest('base64')}'`, ...Object.values(branding.templates ?? {}).flatMap((t) => t.styleHashes)];
  const csp = [
    "default-src 'none'",
    `style-src ${[...new Set(styles)].join(' ')}`,
    branding.logoUrl === undefined ? "img-src 'none'" : `img-src ${new URL(branding.logoUrl).origin}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const offered = branding.languages ?? LANGUAGES;
  const themes = new Map<string, Theme>();
  const inLanguage = (lang: string): Theme => {
    let theme = themes.get(lang);
    if (theme === undefined) {
      theme = {
        branding,
        css,
        lang,
        t: CATALOGUES[lang] ?? ENGLISH,
        headers: {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': csp,
          'X-Frame-Options': 'DENY',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-store',
          Pragma: 'no-cache',
          'X-Content-Type-Options': 'nosniff',
          // RFC 9110 §8.5, §12.5.5: the page's language, chosen by the request's Accept-Language.
          'Content-Language': lang,
          Vary: 'Accept-Language',
        },
        forRequest: ({ uiLocales, acceptLanguage }) => inLanguage(negotiateLanguage(offered, uiLocales, acceptLanguage)),
      };
      themes.set(lang, theme);
    }
    return theme;
  };
  return inLanguage(offered[0] ?? 'en');
}

/** The pages as tollgate looks without branding. */
export const DEFAULT_THEME = createTheme();

/** A page as the core's response shape, with the page headers (and any extra, e.g. `Set-Cookie`). */
export function pageResponse(status: number, page: string, headers: Record<string, string> = {}, theme = DEFAULT_THEME): OAuthResponse {
  return { status, headers: { ...theme.headers, ...headers }, body: page };
}

/** The name at the top of the page: "tollgate", or the product's name with its logo. */
function brand(branding: Branding): SafeHtml {
  if (branding.productName === undefined && branding.logoUrl === undefined) return html`<p class="brand">tollgate</p>`;
  const name = branding.productName ?? '';
  return html`<p class="brand named">${branding.logoUrl === undefined ? '' : html`<img src="${branding.logoUrl}" alt="">`}${name}</p>`;
}

/** A whole page: the brand, the title and this body, in the theme's stylesheet and language. */
export function page(title: string, body: SafeHtml, theme: Theme = DEFAULT_THEME): string {
  return html`<!doctype html>
<html lang="${theme.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${theme.branding.productName ?? 'tollgate'}</title>
<style>${{ safe: theme.css }}</style>
</head>
<body>
<main>
${brand(theme.branding)}
${body}
</main>
</body>
</html>
`.safe;
}

/**
 * A page by name: the config's template for it, filled with `values` (and what every page offers),
 * or tollgate's own markup.
 */
export function renderPage(name: PageName, title: string, values: Readonly<Record<string, TemplateValue>>, body: () => SafeHtml, theme: Theme): string {
  const template = theme.branding.templates?.[name];
  if (template === undefined) return page(title, body(), theme);
  const messages = Object.fromEntries(Object.entries(theme.t).map(([key, text]) => [`t.${key}`, text]));
  const common = {
    lang: theme.lang,
    title,
    productName: theme.branding.productName ?? 'tollgate',
    logoUrl: theme.branding.logoUrl ?? '',
    brand: brand(theme.branding),
    style: { safe: `<style>${theme.css}</style>` },
  };
  return renderTemplate(template, { ...messages, ...common, ...values }, escapeHtml);
}

/** An alert line (a failed sign-in, a wrong code), or nothing. */
function alert(text: string | undefined): SafeHtml {
  return text === undefined ? html`` : html`<p class="alert" role="alert">${text}</p>`;
}

/** The sign-in page's values. */
export interface SignInView {
  /** Where the form posts. */
  action: string;
  /** The client the person signs in for (its `client_name`, else its `client_id`). */
  clientName: string;
  /** The hidden `csrf_token` field's value, checked when the form comes back (RFC 9700 §4.7). */
  csrf: string;
  /** The username typed before, kept after a failed sign-in. */
  username?: string | undefined;
  /** An alert above the form, e.g. `messages.incorrectCredentials`. */
  error?: string | undefined;
}

/** The sign-in form: Username, Password, Sign in. */
export function loginPage(view: SignInView, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  const values = { action: view.action, csrf: view.csrf, clientName: view.clientName, username: view.username ?? '', error: alert(view.error) };
  return renderPage('sign-in', t.signInTitle, values, () => html`<h1>${t.signInHeading}</h1>
<p>${t.toContinueTo} <strong>${view.clientName}</strong></p>
${values.error}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<label for="username">${t.username}</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${values.username}">
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">${t.signInButton}</button></div>
</form>`, theme);
}

/** The consent page's values. */
export interface ConsentView {
  /** Where the form posts: the authorization endpoint, which resumes the waiting request. */
  action: string;
  /** The client asking (its `client_name`, else its `client_id`). */
  clientName: string;
  /** The person signed in, shown as "Signed in as …". */
  username: string;
  /** The scope asked (RFC 6749 §3.3), each shown with its description when the options give one. */
  scopes: readonly string[];
  /** The hidden `csrf_token` field's value (RFC 9700 §4.7). */
  csrf: string;
  /** The hidden `request` field's value: binds the Allow or Deny to the request this page was shown for. */
  nonce: string;
  /** The resources the access is for (RFC 8707), when the request named them. */
  resources?: readonly string[] | undefined;
  /**
   * For a client known only by its metadata document, whose name is its own claim: where the
   * person will be sent back to (the redirect URI's host), which the name cannot fake.
   */
  redirectHost?: string | undefined;
  /** "Not you? Sign out": the sign-out path, which sends the person back to this request's sign-in. */
  signOutAction?: string | undefined;
  /** Where the sign-out sends the person back to: the authorization request (the default) or the device page's code form. */
  signOutResume?: 'authorization' | 'device' | undefined;
}

/** A scope's description in the theme's language: its own words, else the default language's, else any. */
function described(theme: Theme, scope: string): string | undefined {
  const all = theme.branding.scopeDescriptions ?? {};
  if (!Object.hasOwn(all, scope)) return undefined;
  const text = all[scope] as ScopeDescription;
  if (typeof text === 'string') return text;
  const fallback = theme.branding.languages?.[0] ?? LANGUAGES[0] ?? 'en';
  return text[theme.lang] ?? text[fallback] ?? Object.values(text)[0];
}

/** "You will be sent to {host}." with the host in bold: the one fact on the page the client cannot choose. */
function sentTo(message: string, host: string, unverified: string): SafeHtml {
  const [before = '', after = ''] = message.split('{host}');
  return html`<p>${before}<strong>${host}</strong>${after} ${unverified}</p>`;
}

/** The consent page: the client, the scopes (and resources), Allow and Deny. */
export function consentPage(view: ConsentView, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  // The description is the operator's words; the raw scope stays beside it, as the client asked (RFC 6749 §3.3).
  const scope = (s: string): SafeHtml => {
    const text = described(theme, s);
    return text === undefined ? html`<li><code>${s}</code></li>` : html`<li><span class="description">${text}</span><code>${s}</code></li>`;
  };
  const scopes = view.scopes.length === 0 ? html`<p>${t.noScope}</p>` : html`<p>${t.asksFor}</p><ul class="scopes">${view.scopes.map(scope)}</ul>`;
  const resources = view.resources ? html`<p>${t.at}</p><ul class="scopes">${view.resources.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : html``;
  const notice = view.redirectHost === undefined
    ? html``
    : sentTo(t.sentTo, view.redirectHost, t.unverifiedName);
  // Not the person signed in: sign out (a CSRF-protected POST, RFC 9700 §4.7) and sign in again for this same request.
  const signOut = view.signOutAction === undefined
    ? html``
    : html`<form method="post" action="${view.signOutAction}" class="muted">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<input type="hidden" name="resume" value="${view.signOutResume ?? 'authorization'}">
${t.notYou} <button type="submit" class="link">${t.signOutLink}</button>
</form>`;
  const values = { action: view.action, csrf: view.csrf, request: view.nonce, clientName: view.clientName, username: view.username, scopes, resources, notice, signOut };
  return renderPage('consent', t.consentTitle, values, () => html`<h1><strong>${view.clientName}</strong> ${t.wantsAccess}</h1>
<p class="muted">${format(t.signedInAs, { username: view.username })}</p>
${signOut}
${notice}
${scopes}
${resources}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<input type="hidden" name="request" value="${view.nonce}">
<div class="actions">
<button type="submit" name="decision" value="allow">${t.allow}</button>
<button type="submit" name="decision" value="deny" class="secondary">${t.deny}</button>
</div>
</form>`, theme);
}

/** The page a request that cannot go on ends at; `description` is the reason (the core's, in English, or a catalogue's). */
export function errorPage(description: string, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  return renderPage('error', t.problemTitle, { description }, () => html`<h1>${t.problemTitle}</h1>
<p class="alert" role="alert">${description}</p>
<p class="muted">${t.closeAndGoBack}</p>`, theme);
}

/** The sign-out confirmation's values. */
export interface SignOutView {
  /** Where the form posts. */
  action: string;
  /** The hidden `csrf_token` field's value (RFC 9700 §4.7). */
  csrf: string;
  /** The signed-in person, if anyone is. */
  username: string | undefined;
  /** An RP-initiated logout's parameters, carried through the confirmation (checked again when posted). */
  carry?: Readonly<Record<string, string>> | undefined;
}

/** The sign-out page: a confirmation form (CSRF-protected), or word that nobody is signed in. */
export function signOutPage(view: SignOutView, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  if (view.username === undefined) {
    return renderPage('signed-out', t.signedOutTitle, {}, () => html`<h1>${t.signedOutHeading}</h1><p class="muted">${t.canClose}</p>`, theme);
  }
  const carry = html`${Object.entries(view.carry ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
  const values = { action: view.action, csrf: view.csrf, username: view.username, carry };
  return renderPage('sign-out', t.signOutTitle, values, () => html`<h1>${t.signOutHeading}</h1>
<p class="muted">${format(t.signedInAs, { username: view.username ?? '' })}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
${carry}
<div class="actions"><button type="submit">${t.signOutButton}</button></div>
</form>`, theme);
}
