/**
 * The pages a person sees at the authorization endpoint: sign-in, consent, error and sign-out. Every value
 * goes through `escapeHtml` (the `html` template does it); every page carries headers that keep
 * it out of frames (RFC 9700 §4.16), out of caches, and its URL out of Referer (RFC 9700 §4.2.4).
 */
import { createHash } from 'node:crypto';
import type { OAuthResponse } from '../index.js';

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
`;

/** How `tollgate serve`'s pages look: the config's `branding` and `scopeDescriptions`. */
export interface Branding {
  /** Shown at the top of every page and in its title, instead of "tollgate". */
  productName?: string | undefined;
  /** An https URL of a logo shown beside the name; the CSP then allows images from its origin only. */
  logoUrl?: string | undefined;
  /** The buttons' colour, a CSS hex colour (#rgb or #rrggbb). */
  primaryColor?: string | undefined;
  /** Shown on the consent page beside each raw scope name, e.g. `{ "read": "Read your files" }`. */
  scopeDescriptions?: Readonly<Record<string, string>> | undefined;
}

/** A branding made ready for the pages: its stylesheet, and headers whose CSP allows exactly that stylesheet and logo. */
export interface Theme {
  readonly branding: Branding;
  readonly css: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The CSP allows exactly the page's stylesheet (by hash: a changed colour changes the hash) and no
 * script at all; images only from the logo's origin, when there is one.
 */
export function createTheme(branding: Branding = {}): Theme {
  const color = branding.primaryColor;
  const css = color === undefined
    ? CSS
    : `${CSS}button,button:hover{background:${color};border-color:${color}}button:hover{filter:brightness(.88)}button.secondary{background:#fff;color:${color}}button.secondary:hover{filter:none;background:#f8fafc}\n`;
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`,
    branding.logoUrl === undefined ? "img-src 'none'" : `img-src ${new URL(branding.logoUrl).origin}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    branding,
    css,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    },
  };
}

/** The pages as tollgate looks without branding. */
export const DEFAULT_THEME = createTheme();

/** Headers for every page without branding. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = DEFAULT_THEME.headers;

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

/** A whole page: the brand, the title and this body, in the theme's stylesheet. */
export function page(title: string, body: SafeHtml, theme: Theme = DEFAULT_THEME): string {
  return html`<!doctype html>
<html lang="en">
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

export interface LoginView {
  /** Where the form posts. */
  action: string;
  clientName: string;
  csrf: string;
  username?: string | undefined;
  error?: string | undefined;
}

export function loginPage(view: LoginView, theme: Theme = DEFAULT_THEME): string {
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${view.clientName}</strong></p>
${view.error === undefined ? '' : html`<p class="alert" role="alert">${view.error}</p>`}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${view.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`,
    theme,
  );
}

export interface ConsentView {
  /** Where the form posts: the authorization endpoint, which resumes the waiting request. */
  action: string;
  clientName: string;
  username: string;
  scopes: readonly string[];
  csrf: string;
  nonce: string;
  /** The resources the access is for (RFC 8707), when the request named them. */
  resources?: readonly string[] | undefined;
  /**
   * For a client known only by its metadata document, whose name is its own claim: where the
   * person will be sent back to (the redirect URI's host), which the name cannot fake.
   */
  redirectHost?: string | undefined;
}

export function consentPage(view: ConsentView, theme: Theme = DEFAULT_THEME): string {
  const described = theme.branding.scopeDescriptions ?? {};
  // The description is the operator's words; the raw scope stays beside it, as the client asked (RFC 6749 §3.3).
  const scope = (s: string): SafeHtml =>
    Object.hasOwn(described, s) ? html`<li><span class="description">${described[s]}</span><code>${s}</code></li>` : html`<li><code>${s}</code></li>`;
  const asked =
    view.scopes.length === 0
      ? html`<p>It asks for basic access to your account, with no particular scope.</p>`
      : html`<p>It asks for:</p><ul class="scopes">${view.scopes.map(scope)}</ul>`;
  return page(
    'Allow access?',
    html`<h1><strong>${view.clientName}</strong> wants to access your account</h1>
<p class="muted">Signed in as ${view.username}</p>
${view.redirectHost === undefined ? '' : html`<p>You will be sent to <strong>${view.redirectHost}</strong>. The application named itself; this server has not verified that name.</p>`}
${asked}
${view.resources ? html`<p>At:</p><ul class="scopes">${view.resources.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<input type="hidden" name="request" value="${view.nonce}">
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
    theme,
  );
}

export function errorPage(title: string, description: string): string {
  return page(
    title,
    html`<h1>${title}</h1>
<p class="alert" role="alert">${description}</p>
<p class="muted">You can close this page and go back to the application you came from.</p>`,
  );
}

export interface SignOutView {
  action: string;
  csrf: string;
  /** The signed-in person, if anyone is. */
  username: string | undefined;
  /** An RP-initiated logout's parameters, carried through the confirmation (checked again when posted). */
  carry?: Readonly<Record<string, string>> | undefined;
}

/** The sign-out page: a confirmation form (CSRF-protected), or word that nobody is signed in. */
export function signOutPage(view: SignOutView): string {
  if (view.username === undefined) {
    return page('Signed out', html`<h1>You are signed out</h1><p class="muted">You can close this page.</p>`);
  }
  return page(
    'Sign out',
    html`<h1>Sign out?</h1>
<p class="muted">Signed in as ${view.username}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
${Object.entries(view.carry ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<div class="actions"><button type="submit">Sign out</button></div>
</form>`,
  );
}
