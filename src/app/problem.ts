/** The page a person sees when a request cannot go on: never a redirect (RFC 6749 §4.1.2.1). */
import type { OAuthResponse } from '../index.js';
import { DEFAULT_PAGES } from './ui/pages.js';
import type { Pages } from './ui/pages.js';
import { ENGLISH } from './ui/messages.js';

/** What a stale or forged form is told (RFC 9700 §4.7), in English; `formExpired` answers in the page's language. */
export const FORM_EXPIRED = ENGLISH.formExpired;

export function problemPage(status: number, description: string, pages: Pages = DEFAULT_PAGES): OAuthResponse {
  return pages.error({ description, status });
}

/** The answer to a stale or forged form, in the pages' language. */
export function formExpired(pages: Pages = DEFAULT_PAGES): OAuthResponse {
  return problemPage(403, pages.messages.formExpired, pages);
}
