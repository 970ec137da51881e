/** The page a person sees when a request cannot go on: never a redirect (RFC 6749 §4.1.2.1). */
import type { OAuthResponse } from '../index.js';
import { errorPage, pageResponse } from './views.js';

/** What a stale or forged form is told (RFC 9700 §4.7). */
export const FORM_EXPIRED = 'This form has expired or was not sent from this site. Go back to the application and start again.';

export function problemPage(status: number, description: string): OAuthResponse {
  return pageResponse(status, errorPage('This request cannot be completed', description));
}
