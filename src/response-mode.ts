/**
 * Response modes: how the authorization response reaches the client. OAuth 2.0 Multiple Response
 * Type Encoding Practices §2.1 (`response_mode`: `query`, `fragment`) and OAuth 2.0 Form Post
 * Response Mode (`form_post`: an HTML form the browser posts to the redirect URI).
 */
import type { OAuthResponse } from './types.js';
import type { ResponseMode } from './response.js';
import { createHash } from 'node:crypto';

/** Every `response_mode` this server answers in. */
export const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];

/**
 * The mode a request asks for with `response_mode`, or its response type's default; undefined when
 * the value is unknown, or `query` for a response type whose default is the fragment (Multiple
 * Response Type Encoding Practices §2.1: tokens must never be put in the query).
 */
export function requestedResponseMode(value: string | undefined, byDefault: ResponseMode): ResponseMode | undefined {
  if (value === undefined) return byDefault;
  const mode = RESPONSE_MODES.find((known) => known === value);
  return mode === 'query' && byDefault === 'fragment' ? undefined : mode;
}

/** Form Post Response Mode §2: the form submits itself; this constant script is allowed by its hash, no other script runs. */
const SUBMIT = 'document.forms[0].submit();';
const SUBMIT_HASH = createHash('sha256').update(SUBMIT).digest('base64');

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Where the page's form may post (CSP `form-action`): the redirect URI's origin, or its scheme when it has none. */
function formTarget(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin === 'null' ? url.protocol : url.origin;
}

/**
 * Form Post Response Mode §2: a page whose form carries the response parameters to the redirect
 * URI by POST (never in a URL, so never in logs or a Referer). The person sees a Continue button;
 * with scripts on it is pressed for them. Nothing but the hashed submit script may run, and the
 * form may post only to the client.
 */
export function formPostResponse(redirectUri: string, params: URLSearchParams): OAuthResponse {
  const fields = [...params].map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('\n');
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Continue</title></head>
<body>
<form method="post" action="${escape(redirectUri)}">
${fields}
<noscript><p>Press Continue to return to the application.</p></noscript>
<button type="submit">Continue</button>
</form>
<script>${SUBMIT}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${SUBMIT_HASH}'`,
    `form-action ${formTarget(redirectUri)}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
    },
    body,
  };
}
