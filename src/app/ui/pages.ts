/**
 * The built-in pages as responses: one object per language that renders each page with its
 * headers (CSP, Content-Language, no-store, no framing). `tollgate serve` shows every page through
 * it, and `createPages` (tollgate/pages) hands the same object to a library host.
 */
import type { OAuthResponse } from '../../types.js';
import { DEFAULT_THEME, consentPage, errorPage, loginPage, pageResponse, signOutPage } from '../views.js';
import type { ConsentView, SignInView, SignOutView, Theme } from '../views.js';
import { deviceCodePage, deviceDonePage } from '../device-views.js';
import type { DeviceCodeView } from '../device-views.js';
import type { Messages } from './messages.js';

/** What picks a page's language: the authorization request's `ui_locales` first (OpenID Connect Core §3.1.2.1), then `Accept-Language`. */
export interface PageRequest {
  /** The request's `Accept-Language` header (RFC 9110 §12.5.4). */
  acceptLanguage?: string | undefined;
  /** The authorization request's `ui_locales` parameter: space-separated language tags in order of preference. */
  uiLocales?: string | undefined;
}

/** The error page's values. */
export interface ErrorView {
  /** Why the request cannot go on: shown to the person, e.g. the core's `error.description`. */
  description: string;
  /** The HTTP status; 400 when absent. */
  status?: number | undefined;
}

/** The page after a device decision (RFC 8628 §3.3): the person goes back to their device. */
export interface DeviceDoneView {
  /** Whether the person allowed the device. */
  approved: boolean;
  /** The device's client (its `client_name`, else its `client_id`). */
  clientName: string;
}

/**
 * tollgate's pages in one language. Each method returns the whole response: status 200 (an error
 * page its own status), the HTML body, and headers whose Content-Security-Policy allows exactly
 * the page's inline stylesheet (by hash), the logo's origin and no script; add your own headers
 * (a `Set-Cookie`) by spreading them in.
 */
export interface Pages {
  /** The language these pages are in (BCP 47), as sent in `Content-Language`. */
  readonly lang: string;
  /** The pages' strings in this language: for the alerts a host shows, e.g. `incorrectCredentials`. */
  readonly messages: Readonly<Messages>;
  /** The same pages in the language a request asks for (one of the languages offered, else the first). */
  forRequest(request: PageRequest): Pages;
  /** The sign-in form: fields `csrf_token`, `username`, `password`. */
  signIn(view: SignInView): OAuthResponse;
  /** The consent page: fields `csrf_token`, `request`, and `decision` (`allow` or `deny`). */
  consent(view: ConsentView): OAuthResponse;
  /** A request that cannot go on: never a redirect (RFC 6749 §4.1.2.1). */
  error(view: ErrorView): OAuthResponse;
  /** The device verification form (RFC 8628 §3.3): fields `csrf_token` and `user_code`. */
  deviceCode(view: DeviceCodeView): OAuthResponse;
  /** After the person allowed or denied a device. */
  deviceDone(view: DeviceDoneView): OAuthResponse;
  /** The sign-out confirmation: field `csrf_token`, and the carried fields. */
  signOut(view: SignOutView): OAuthResponse;
  /** Word that nobody is signed in (any more). */
  signedOut(): OAuthResponse;
}

/** One Pages per theme: a theme is made once per language, so a request allocates no new object for its pages. */
const made = new WeakMap<Theme, Pages>();

/** The pages for a theme, in its language; `forRequest` switches language (the theme caches each). */
export function themePages(theme: Theme): Pages {
  const known = made.get(theme);
  if (known !== undefined) return known;
  const ok = (body: string): OAuthResponse => pageResponse(200, body, {}, theme);
  const pages: Pages = {
    lang: theme.lang,
    messages: theme.t,
    forRequest: (request) => themePages(theme.forRequest(request)),
    signIn: (view) => ok(loginPage(view, theme)),
    consent: (view) => ok(consentPage(view, theme)),
    error: ({ description, status = 400 }) => pageResponse(status, errorPage(description, theme), {}, theme),
    deviceCode: (view) => ok(deviceCodePage(view, theme)),
    deviceDone: ({ approved, clientName }) => ok(deviceDonePage(approved, clientName, theme)),
    signOut: (view) => ok(signOutPage(view, theme)),
    signedOut: () => ok(signOutPage({ action: '', csrf: '', username: undefined }, theme)),
  };
  made.set(theme, pages);
  return pages;
}

/** The pages as tollgate looks without options. */
export const DEFAULT_PAGES = themePages(DEFAULT_THEME);

/** The pages in the language of a waiting request (its form-encoded parameters' `ui_locales`) and the browser's `Accept-Language`. */
export function requestPages(pages: Pages, params: string | undefined, acceptLanguage: string | undefined): Pages {
  return pages.forRequest({ uiLocales: new URLSearchParams(params ?? '').get('ui_locales') ?? undefined, acceptLanguage });
}

/** A page with another status and more headers (a session cookie, `Retry-After`). */
export function withHeaders(page: OAuthResponse, headers: Record<string, string> = {}, status = page.status): OAuthResponse {
  return { status, headers: { ...page.headers, ...headers }, body: page.body };
}
