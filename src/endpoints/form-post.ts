/** Reading a form POST to the token, revocation or introspection endpoint. RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1. */
import type { OAuthRequest } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { Params } from '../request.js';
import { bodyLength, bodyOf, isFormRequest, parseParams, queryString } from '../request.js';
import { InvalidRequestError } from '../errors.js';

/**
 * The parameters of a form POST: POST only, `application/x-www-form-urlencoded` only, each
 * parameter once, the body no larger than `maxBodyBytes`.
 * With `queryParams` (the SkyVault leniency), parameters in the URL count too.
 */
export function readFormPost(request: OAuthRequest, options: ResolvedOptions, queryParams = false): Params {
  if (request.method.toUpperCase() !== 'POST') {
    // RFC 9110 §15.5.6: a 405 response MUST name the allowed methods.
    throw new InvalidRequestError('This endpoint accepts only POST', { status: 405, headers: { Allow: 'POST' } });
  }
  if (bodyLength(request) > options.maxBodyBytes) {
    throw new InvalidRequestError(`The request body exceeds ${options.maxBodyBytes} bytes`, { status: 413 });
  }
  const body = bodyOf(request);
  const hasBody = typeof body === 'string' ? body !== '' : Object.keys(body).length > 0;
  // A body a framework already parsed (e.g. from JSON) is held to the same rule as a raw one.
  if (hasBody && !isFormRequest(request)) {
    throw new InvalidRequestError('The request body must be application/x-www-form-urlencoded');
  }
  const query = queryString(request.url);
  if (query === '') return parseParams(body);
  if (queryParams) return parseParams(body, query);
  // The parameters belong in the body (RFC 6749 §3.2): URLs end up in logs and histories, so a
  // request that puts any in the URL (a client_secret, say) is refused rather than half-read.
  throw new InvalidRequestError('Request parameters belong in the form body, not the URL');
}
