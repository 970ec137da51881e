/** The endpoint boundary: anything that is not an OAuthError becomes a generic `server_error`. */
import type { OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import { OAuthError, ServerError } from '../errors.js';
import { errorResponse } from '../response.js';

/** The error to answer with, and its §5.2 response. The original of an unexpected error goes to `onError` only. */
export function asOAuthError(err: unknown, options: Pick<ResolvedOptions, 'onError'>): { error: OAuthError; response: OAuthResponse } {
  if (err instanceof OAuthError) return { error: err, response: errorResponse(err) };
  options.onError(err);
  const error = new ServerError('The authorization server encountered an unexpected condition', { cause: err });
  return { error, response: errorResponse(error) };
}
