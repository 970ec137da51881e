/** Reading what a page's request carries, from a plain request: a header, the form body. */
import type { OAuthRequest } from '../index.js';

/** A header's value (the first, if it was repeated); names are matched as adapters hand them over, lower-case. */
export function header(request: OAuthRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/** The form fields of a request (empty unless it is a form POST). */
export function bodyParams(request: OAuthRequest): URLSearchParams {
  const { body } = request;
  const type = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || body === undefined) return new URLSearchParams();
  if (typeof body === 'string') return new URLSearchParams(body);
  if (body instanceof Uint8Array) return new URLSearchParams(Buffer.from(body).toString('utf8'));
  return new URLSearchParams();
}
