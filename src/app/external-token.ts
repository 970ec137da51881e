/**
 * The SkyVault guide's `external_token` grant (seed 002), an extension grant (RFC 6749 §4.5)
 * written only against tollgate's public API: it imports an access token (and optionally a
 * refresh token) issued by another OAuth server, after the resource owner's credentials check out,
 * so that the imported token then authenticates here like any other.
 */
import type { AuthenticateModel, Client, Grant, PasswordModel, RefreshTokenModel } from '../index.js';
import { InvalidGrantError, InvalidRequestError, validateScope } from '../index.js';

export interface ExternalTokenOptions {
  /**
   * Checks an imported token with the server that issued it, before it is accepted.
   * Resolves to false (or throws an OAuthError) to refuse it. Without it, tokens are imported as given.
   * `username` is the resource owner who signed in here, so the check can bind the token to them.
   */
  verifyUpstream?(accessToken: string, context: { username: string; client: Client }): Promise<boolean>;
}

// RFC 6750 §2.1 b64token: an imported token must be sendable as a Bearer credential.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What the grant reads: the resource owner, and whether a token value is already known. */
type ExternalTokenModel = PasswordModel & AuthenticateModel & Pick<RefreshTokenModel, 'getRefreshToken'>;

export function externalTokenGrant(options: ExternalTokenOptions = {}): Grant<ExternalTokenModel> {
  return {
    type: 'external_token',
    publicClients: false,
    requires: ['getClient', 'saveToken', 'getUser', 'getAccessToken', 'getRefreshToken'],

    async handle({ params, client, model, tokens, scope }) {
      const { username, password, access_token: accessToken, refresh_token: refreshToken } = params;
      if (username === undefined) throw new InvalidRequestError('Missing parameter: username');
      if (password === undefined) throw new InvalidRequestError('Missing parameter: password');
      if (accessToken === undefined) throw new InvalidRequestError('Missing parameter: access_token');
      if (!B64TOKEN.test(accessToken) || (refreshToken !== undefined && !B64TOKEN.test(refreshToken))) {
        throw new InvalidRequestError('access_token and refresh_token must be valid bearer token strings (RFC 6750 §2.1)');
      }
      const user = await model.getUser(username, password, client);
      if (!user) throw new InvalidGrantError('The resource owner credentials are invalid');
      if (options.verifyUpstream && !(await options.verifyUpstream(accessToken, { username, client }))) {
        throw new InvalidGrantError('The upstream authorization server does not accept this access token');
      }
      // An existing token is never overwritten by an import. Rotated refresh tokens are still known
      // (kept for reuse detection, RFC 9700 §4.14.2), so an import cannot revive one either.
      if (await model.getAccessToken(accessToken)) throw new InvalidGrantError('This access token is already known');
      if (refreshToken !== undefined && (await model.getRefreshToken(refreshToken))) {
        throw new InvalidGrantError('This refresh token is already known');
      }
      const granted = await validateScope(model, user, client, scope);
      return tokens.issue({
        client,
        user,
        scope: granted,
        requestedScope: scope,
        refreshToken: refreshToken !== undefined,
        values: { accessToken: accessToken, refreshToken },
        extra: { imported: true },
      });
    },
  };
}
