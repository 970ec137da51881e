/** Token introspection. RFC 7662. */
import type { AuthenticateModel, BaseModel, RefreshTokenModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { FoundToken } from './find-token.js';
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import { authenticateClient } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { formatScope } from '../scope.js';
import { findToken } from './find-token.js';
import { readFormPost } from './form-post.js';

type Context = { model: BaseModel & AuthenticateModel & Partial<RefreshTokenModel>; options: ResolvedOptions };

/** The token's expiry, or undefined when it no longer counts (expired or rotated). */
function activeUntil(found: FoundToken, now: number): Date | undefined {
  const expiresAt = found.kind === 'access_token' ? found.token.accessTokenExpiresAt : found.token.refreshTokenExpiresAt;
  if (found.kind === 'refresh_token' && found.token.consumedAt) return undefined;
  return expiresAt.getTime() > now ? expiresAt : undefined;
}

/** The §2.2 response for an active token. */
function describe(found: FoundToken, expiresAt: Date, issuer: string): Record<string, unknown> {
  const { token } = found;
  const sub = token.user.id ?? token.user.username;
  return {
    active: true,
    scope: formatScope(token.scope),
    client_id: token.client.client_id,
    ...(token.user.username !== undefined && { username: token.user.username }),
    ...(found.kind === 'access_token' && { token_type: 'Bearer' }),
    exp: Math.floor(expiresAt.getTime() / 1000),
    ...(sub !== undefined && { sub }),
    iss: issuer,
  };
}

/**
 * Answers whether a token is active, and what it carries, to an authenticated client.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export async function introspectEndpoint({ model, options }: Context, request: OAuthRequest): Promise<OAuthResponse> {
  try {
    const params = readFormPost(request, options);
    const client = await authenticateClient(request, params, model);
    // §2.1: the endpoint requires authorization; a public client proves nothing about itself.
    if (client.token_endpoint_auth_method === 'none') throw new InvalidClientError('Introspection requires client authentication');
    if (params.token === undefined) throw new InvalidRequestError('Missing parameter: token');
    const found = await findToken(model, params.token, params.token_type_hint);
    const expiresAt = found && activeUntil(found, Date.now());
    // §2.2: an inactive token gets nothing but `active: false`.
    return jsonResponse(200, found && expiresAt ? describe(found, expiresAt, options.issuer) : { active: false });
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}
