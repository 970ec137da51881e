/**
 * The implicit grant: the access token is issued at the authorization endpoint and returned in the
 * redirect URI's fragment. RFC 6749 §4.2. Off unless listed in `grantTypes` (RFC 9700 §2.1.2).
 */
import type { BaseModel } from '../model.js';
import type { Grant } from './grant.js';

export const implicit: Grant<BaseModel> = {
  type: 'implicit',
  requires: ['getClient', 'saveToken'],
  authorization: {
    responseType: 'token',
    // §4.2.2: the token travels in the fragment, which the browser never sends to a server.
    responseMode: 'fragment',

    async respond({ request, user, scope, tokens }) {
      // §4.2.2: "The authorization server MUST NOT issue a refresh token."
      const token = await tokens.issue({
        client: request.client,
        user,
        scope,
        requestedScope: request.scope,
        refreshToken: false,
        resources: request.resources,
      });
      const { access_token, token_type, expires_in } = token;
      return { access_token, token_type, expires_in: String(expires_in), scope: token.scope };
    },
  },
};
