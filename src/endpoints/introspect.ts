/** Token introspection. RFC 7662. */
import type { AuthenticateModel, BaseModel, RefreshTokenModel } from '../model.js';
import type { Client, OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { FoundToken } from './find-token.js';
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { formatScope } from '../scope.js';
import { findToken } from './find-token.js';
import { readFormPost } from './form-post.js';
import { audienceOf } from '../resource-indicators.js';
import { actorOf } from '../grants/token-exchange.js';
import { boundJkt } from '../dpop/binding.js';

type Context = { model: BaseModel & AuthenticateModel & Partial<RefreshTokenModel>; options: ResolvedOptions };

/** The token's expiry, or undefined when it no longer counts (expired or rotated). */
function activeUntil(found: FoundToken, now: number): Date | undefined {
  const expiresAt = found.kind === 'access_token' ? found.token.accessTokenExpiresAt : found.token.refreshTokenExpiresAt;
  if (found.kind === 'refresh_token' && found.token.consumedAt) return undefined;
  return expiresAt.getTime() > now ? expiresAt : undefined;
}

/**
 * RFC 7662 §4: the server decides which clients may learn about which tokens. A client may always
 * introspect its own; another client's access tokens only when it is registered with
 * `introspection_allowed` (a resource server's client); another client's refresh tokens never,
 * since only the client they were issued to may present them (RFC 6749 §6).
 */
function mayIntrospect(caller: Client, found: FoundToken): boolean {
  if (found.token.client.client_id === caller.client_id) return true;
  return found.kind === 'access_token' && caller.introspection_allowed === true;
}

/** The §2.2 response for an active token. */
function describe(found: FoundToken, expiresAt: Date, issuer: string): Record<string, unknown> {
  const { token } = found;
  const sub = token.user.id ?? token.user.username;
  const aud = found.kind === 'access_token' ? audienceOf(token.extra) : undefined;
  // RFC 9449 §6.2: a DPoP-bound access token's key thumbprint, and its token_type DPoP.
  const jkt = found.kind === 'access_token' ? boundJkt(token.extra) : undefined;
  return {
    active: true,
    scope: formatScope(token.scope),
    client_id: token.client.client_id,
    ...(token.user.username !== undefined && { username: token.user.username }),
    ...(found.kind === 'access_token' && { token_type: jkt === undefined ? 'Bearer' : 'DPoP' }),
    ...(jkt !== undefined && { cnf: { jkt } }),
    exp: Math.floor(expiresAt.getTime() / 1000),
    ...(sub !== undefined && { sub }),
    // RFC 7662 §2.2: the token's audience, the resources it was issued for (RFC 8707).
    ...(aud !== undefined && { aud }),
    // RFC 8693 §4.1: a delegated token's actor, as its JWT form carries it.
    ...(found.kind === 'access_token' && actorOf(token.extra) !== undefined && { act: actorOf(token.extra) }),
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
    const client = await authenticateClient(request, params, model, clientAuthPolicy(options, options.endpoints.introspection));
    // §2.1: the endpoint requires authorization; a public client proves nothing about itself.
    if (client.token_endpoint_auth_method === 'none') throw new InvalidClientError('Introspection requires client authentication');
    if (params.token === undefined) throw new InvalidRequestError('Missing parameter: token');
    const found = await findToken(model, params.token, params.token_type_hint);
    // §2.2: a token the caller may not see is answered exactly as an unknown one, so the answer
    // does not even reveal that it exists.
    const visible = found && mayIntrospect(client, found) ? found : undefined;
    const expiresAt = visible && activeUntil(visible, Date.now());
    // §2.2: an inactive token gets nothing but `active: false`.
    return jsonResponse(200, visible && expiresAt ? describe(visible, expiresAt, options.issuer) : { active: false });
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}
