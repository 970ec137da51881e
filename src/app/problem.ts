/** The page a person sees when a request cannot go on: never a redirect (RFC 6749 §4.1.2.1). */
import type { OAuthResponse } from '../index.js';
import { DEFAULT_THEME, errorPage, pageResponse } from './views.js';
import type { Theme } from './views.js';
import { ENGLISH } from './ui/messages.js';

/** What a stale or forged form is told (RFC 9700 §4.7), in English; `formExpired` answers in the page's language. */
export const FORM_EXPIRED = ENGLISH.formExpired;

export function problemPage(status: number, description: string, theme: Theme = DEFAULT_THEME): OAuthResponse {
  return pageResponse(status, errorPage(description, theme), {}, theme);
}

/** The answer to a stale or forged form, in the theme's language. */
export function formExpired(theme: Theme = DEFAULT_THEME): OAuthResponse {
  return problemPage(403, theme.t.formExpired, theme);
}
