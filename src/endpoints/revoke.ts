/** Token revocation. RFC 7009. */
import type { AuthenticateModel, BaseModel, RevocationModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import { InvalidRequestError, UnauthorizedClientError, UnsupportedTokenTypeError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { findToken } from './find-token.js';
import { readFormPost } from './form-post.js';

type Context = { model: BaseModel & AuthenticateModel & Partial<RevocationModel>; options: ResolvedOptions };

/**
 * Revokes an access or refresh token of the authenticated client. An unknown token is answered
 * 200 too (§2.2): the client's goal, that the token be unusable, is met.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeEndpoint({ model, options }: Context, request: OAuthRequest): Promise<OAuthResponse> {
  try {
    const params = readFormPost(request, options);
    const client = await authenticateClient(request, params, model, clientAuthPolicy(options, options.endpoints.revocation));
    if (params.token === undefined) throw new InvalidRequestError('Missing parameter: token');
    const found = await findToken(model, params.token, params.token_type_hint);
    if (found) {
      // §2.1: a client may revoke only the tokens issued to it.
      if (found.token.client.client_id !== client.client_id) throw new UnauthorizedClientError('The token was not issued to this client');
      options.events?.({ type: 'token.revoked', clientId: client.client_id, tokenType: found.kind, grantId: found.token.grantId });
      if (found.kind === 'access_token') {
        if (!model.revokeAccessToken) throw new UnsupportedTokenTypeError('This server cannot revoke access tokens');
        await model.revokeAccessToken(found.token);
      } else {
        if (!model.revokeToken) throw new UnsupportedTokenTypeError('This server cannot revoke refresh tokens');
        await model.revokeToken(found.token);
        // §2.1: revoking a refresh token should also end the access tokens of the same grant.
        await model.revokeGrant?.(found.token.grantId);
      }
    }
    return jsonResponse(200, {});
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}
