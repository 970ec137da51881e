/** The refresh token grant. RFC 6749 §6, with rotation and reuse detection (RFC 9700 §4.14.2). */
import type { RefreshTokenModel } from '../model.js';
import type { Grant } from './grant.js';
import type { ResolvedOptions } from '../options.js';
import { InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../errors.js';
import { isSubset } from '../scope.js';
import { openIdRecordOf } from '../openid.js';
import { grantedResourcesOf } from '../resource-indicators.js';
import { boundJkt } from '../dpop/binding.js';

/** The settings the refresh grant reads: rotation (RFC 9700 §4.14.2), its grace interval, and who hears of a reuse. */
export type RefreshOptions = Pick<ResolvedOptions, 'rotateRefreshTokens' | 'refreshTokenReuseInterval' | 'events'>;

export function refreshToken(options: RefreshOptions): Grant<RefreshTokenModel> {
  return {
    type: 'refresh_token',
    publicClients: true,
    requires: ['getClient', 'saveToken', 'getRefreshToken', 'revokeToken'],

    async handle({ params, client, model, tokens, scope, now, dpop }) {
      if (params.refresh_token === undefined) throw new InvalidRequestError('Missing parameter: refresh_token');
      const token = await model.getRefreshToken(params.refresh_token);
      if (!token) throw new InvalidGrantError('The refresh token is invalid or has expired');
      // RFC 9700 §4.14.2: refresh tokens are bound to the client they were issued to.
      if (token.client.client_id !== client.client_id) throw new InvalidGrantError('The refresh token was issued to another client');
      if (token.consumedAt) {
        const sinceRotation = (now.getTime() - token.consumedAt.getTime()) / 1000;
        // RFC 9700 §4.14.2: a rotated token presented again means one of two parties holds a
        // stolen copy; revoke the whole grant. A client racing itself within the interval is spared.
        const revoke = sinceRotation >= options.refreshTokenReuseInterval;
        options.events?.({ type: 'refresh.reuse_detected', clientId: client.client_id, grantId: token.grantId, grantRevoked: revoke && model.revokeGrant !== undefined });
        if (revoke) await model.revokeGrant?.(token.grantId);
        throw new InvalidGrantError('The refresh token has already been used');
      }
      if (token.refreshTokenExpiresAt.getTime() <= now.getTime()) throw new InvalidGrantError('The refresh token has expired');
      // RFC 9449 §5: a public client's refresh token is bound to the DPoP key it was issued with (its
      // tokens' cnf); only a proof by that key may use it. Checked before rotation, so a thief without
      // the key cannot burn it. A confidential client's is bound by its authentication instead.
      const bound = client.token_endpoint_auth_method === 'none' ? boundJkt(token.extra) : undefined;
      if (bound !== undefined && dpop?.jkt !== bound) {
        throw new InvalidGrantError('The refresh token is bound to a DPoP key: send a proof made with that key (RFC 9449 §5)');
      }

      // §6: the new scope may only narrow the original.
      if (scope !== undefined && !isSubset(scope, token.scope)) {
        throw new InvalidScopeError('The requested scope exceeds the scope originally granted');
      }
      if (options.rotateRefreshTokens && !(await model.revokeToken(token))) {
        // Another request rotated it first: exactly one of parallel refreshes wins.
        throw new InvalidGrantError('The refresh token has already been used');
      }
      return tokens.issue({
        client,
        user: token.user,
        scope: scope ?? token.scope,
        requestedScope: scope ?? token.scope,
        grantId: token.grantId,
        refreshToken: options.rotateRefreshTokens,
        // §6: narrowing applies to this access token; the grant itself, and so the new refresh token, keeps its scope.
        refreshTokenScope: token.scope,
        // The grant's extra fields go on with it; OpenID Connect Core §12.2: a new ID token, same auth_time.
        extra: token.extra,
        openid: openIdRecordOf(token.extra),
        // RFC 8707 §2.2: a refresh may ask for any of the grant's resources, never another.
        resources: grantedResourcesOf(token.extra),
      });
    },
  };
}
