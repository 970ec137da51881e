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
import { narrowResources, scopeForResources, tokenSettingsFor } from '../resource-indicators.js';
import { bindExtra } from '../dpop/binding.js';

/** The server's issuer, made per token request: its grant type (for the `token.issued` event) and its `resource` values (RFC 8707 §2). */
export interface ServerTokenIssuer {
  /** The issuer for a request of this grant type that named these resources (undefined: it named none). */
  forResources(requested: string[] | undefined, grantType: string): TokenIssuer;
}

export function createTokenIssuer(model: BaseModel, options: ResolvedOptions, defaultFormat: AccessTokenFormat): ServerTokenIssuer {
  async function issue(request: IssueRequest, requested: string[] | undefined, grantType: string): Promise<TokenResponseBody> {
    const { client, user, requestedScope, grantId = newGrantId(), refreshToken, values, resources: granted, openid, act, jkt } = request;
    // RFC 8707 §2.2: the token is for what the request names, within what the grant covers.
    const audience = narrowResources(requested, granted);
    const scope = scopeForResources(request.scope, audience, options.resources);
    // The grant keeps its scope when this token's audience narrows it (as a narrowing refresh does, RFC 6749 §6).
    const refreshTokenScope = request.refreshTokenScope ?? (scope.length === request.scope.length ? undefined : request.scope);
    const settings = tokenSettingsFor(audience, options.resources);
    const format = settings.format ?? defaultFormat;

    const issuedAt = new Date();
    const leftOfLease = request.notAfter === undefined ? Infinity : Math.floor((request.notAfter.getTime() - issuedAt.getTime()) / 1000);
    const accessTtl = Math.max(1, Math.min(client.access_token_lifetime ?? options.accessTokenTtl, settings.ttl ?? Infinity, leftOfLease));
    const accessTokenExpiresAt = new Date(issuedAt.getTime() + accessTtl * 1000);
    const accessToken =
      values?.accessToken ??
      (model.generateAccessToken
        ? await model.generateAccessToken(client, user, scope)
        : await format.generate({ client, user, scope, grantId, issuedAt, expiresAt: accessTokenExpiresAt, audience, act, jkt }));

    const token: Token = { accessToken, accessTokenExpiresAt, scope, client, user, grantId };
    // `resources`: what a refresh may ask for again; `audience`: what this access token is for.
    const withAudience = audience === undefined ? request.extra : { ...request.extra, resources: granted ?? audience, audience };
    // RFC 9449 §6: the binding is this request's proof's, never one a refreshed token carried.
    const extra = bindExtra(act === undefined ? withAudience : { ...withAudience, act }, jkt);
    if (extra !== undefined) token.extra = extra;
    if (refreshToken && client.grant_types.includes('refresh_token')) {
      const refreshTtl = client.refresh_token_lifetime ?? options.refreshTokenTtl;
      token.refreshToken =
        values?.refreshToken ?? (model.generateRefreshToken ? await model.generateRefreshToken(client, user, scope) : randomToken());
      token.refreshTokenExpiresAt = new Date(issuedAt.getTime() + refreshTtl * 1000);
      if (refreshTokenScope !== undefined && !sameScope(refreshTokenScope, scope)) token.refreshTokenScope = refreshTokenScope;
    }
    await model.saveToken(token, client, user);
    options.events?.({
      type: 'token.issued',
      grantType,
      clientId: client.client_id,
      userId: user.id,
      scope,
      tokenFormat: format.name,
      grantId,
      refreshToken: token.refreshToken !== undefined,
    });

    // RFC 9449 §5: token_type DPoP tells the client the token is bound to its key.
    const body: TokenResponseBody = { access_token: accessToken, token_type: jkt === undefined ? 'Bearer' : 'DPoP', expires_in: accessTtl };
    if (token.refreshToken !== undefined) body.refresh_token = token.refreshToken;
    // §5.1: scope is required in the response when it differs from what was asked.
    if (requestedScope === undefined ? scope.length > 0 : !sameScope(scope, requestedScope)) body.scope = formatScope(scope);
    // OpenID Connect Core §3.1.3.3: the ID token, for a grant that carries an OpenID authentication.
    if (openid && options.openid && hasOpenId(scope)) {
      const claims = openid.claims?.idToken;
      // Core §5.5: the user's claims only when the claims parameter asked for some in the ID token.
      const userClaims = claims && claims.length > 0 && model.getUserClaims ? await model.getUserClaims(user, scope) : undefined;
      body.id_token = await options.openid.idToken({
        issuer: options.issuer, client, user, accessToken, nonce: openid.nonce, authTime: openid.authTime, amr: openid.amr, claims, userClaims,
      });
    }
    return body;
  }

  return { forResources: (requested, grantType) => ({ issue: (request) => issue(request, requested, grantType) }) };
}
