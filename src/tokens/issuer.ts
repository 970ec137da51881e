/** The token issuer every grant goes through: lifetimes, values, refresh tokens, storage, the §5.1 body. */
import type { BaseModel } from '../model.js';
import type { IssueRequest, TokenIssuer, TokenResponseBody } from '../grants/grant.js';
import type { ResolvedOptions } from '../options.js';
import type { AccessTokenFormat } from './format.js';
import type { Token } from '../types.js';
import { randomToken } from '../secrets.js';
import { newGrantId } from '../grant-id.js';
import { formatScope, sameScope } from '../scope.js';
import { hasOpenId } from '../openid.js';

export function createTokenIssuer(model: BaseModel, options: ResolvedOptions, format: AccessTokenFormat): TokenIssuer {
  return {
    async issue({ client, user, scope, requestedScope, grantId = newGrantId(), refreshToken, refreshTokenScope, values, extra, openid }: IssueRequest) {
      const issuedAt = new Date();
      const accessTtl = client.access_token_lifetime ?? options.accessTokenTtl;
      const accessTokenExpiresAt = new Date(issuedAt.getTime() + accessTtl * 1000);
      const accessToken =
        values?.accessToken ??
        (model.generateAccessToken
          ? await model.generateAccessToken(client, user, scope)
          : await format.generate({ client, user, scope, grantId, issuedAt, expiresAt: accessTokenExpiresAt }));

      const token: Token = { accessToken, accessTokenExpiresAt, scope, client, user, grantId };
      if (extra !== undefined) token.extra = extra;
      if (refreshToken && client.grant_types.includes('refresh_token')) {
        const refreshTtl = client.refresh_token_lifetime ?? options.refreshTokenTtl;
        token.refreshToken =
          values?.refreshToken ?? (model.generateRefreshToken ? await model.generateRefreshToken(client, user, scope) : randomToken());
        token.refreshTokenExpiresAt = new Date(issuedAt.getTime() + refreshTtl * 1000);
        if (refreshTokenScope !== undefined && !sameScope(refreshTokenScope, scope)) token.refreshTokenScope = refreshTokenScope;
      }
      await model.saveToken(token, client, user);

      const body: TokenResponseBody = { access_token: accessToken, token_type: 'Bearer', expires_in: accessTtl };
      if (token.refreshToken !== undefined) body.refresh_token = token.refreshToken;
      // §5.1: scope is required in the response when it differs from what was asked.
      if (requestedScope === undefined ? scope.length > 0 : !sameScope(scope, requestedScope)) body.scope = formatScope(scope);
      // OpenID Connect Core §3.1.3.3: the ID token, for a grant that carries an OpenID authentication.
      if (openid && options.openid && hasOpenId(scope)) {
        body.id_token = await options.openid.idToken({ issuer: options.issuer, client, user, accessToken, nonce: openid.nonce, authTime: openid.authTime });
      }
      return body;
    },
  };
}
