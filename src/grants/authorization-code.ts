/**
 * The authorization code grant, both halves: minting the code at the authorization endpoint
 * (RFC 6749 §4.1.1-4.1.2, PKCE RFC 7636 §4.3-4.4) and redeeming it at the token endpoint
 * (§4.1.3, RFC 7636 §4.5-4.6).
 */
import type { AuthorizationCodeModel } from '../model.js';
import type { AuthorizationCode } from '../types.js';
import type { Grant } from './grant.js';
import type { ResolvedOptions } from '../options.js';
import { InvalidGrantError, InvalidRequestError, LoginRequiredError } from '../errors.js';
import { checkCodeChallenge, verifyCodeVerifier } from '../pkce.js';
import { randomToken } from '../secrets.js';
import { newGrantId } from '../grant-id.js';
import type { OpenIdGrantRecord } from '../openid.js';
import { openIdRecordOf } from '../openid.js';
import { grantedResourcesOf } from '../resource-indicators.js';
import { codeJkt } from '../dpop/binding.js';

/** RFC 6749 §4.1.2, RFC 9700 §4.2.1: a replayed code revokes what was issued from it. */
async function refuseReplay(model: AuthorizationCodeModel, code: AuthorizationCode, options: AuthorizationCodeOptions): Promise<never> {
  options.events?.({ type: 'code.replayed', clientId: code.client.client_id, grantId: code.grantId });
  await model.revokeGrant?.(code.grantId);
  throw new InvalidGrantError('The authorization code has already been used; tokens issued from it are revoked');
}

/** The code grant's settings at the token endpoint: whether `plain` PKCE is enabled (RFC 7636 §4.2), and who hears of a replay. */
export type AuthorizationCodeOptions = Pick<ResolvedOptions, 'allowPlainPkce' | 'events'>;

export function authorizationCode(options: AuthorizationCodeOptions): Grant<AuthorizationCodeModel> {
  return {
    type: 'authorization_code',
    publicClients: true,
    requires: ['getClient', 'saveToken', 'saveAuthorizationCode', 'getAuthorizationCode', 'revokeAuthorizationCode'],

    authorization: {
      responseType: 'code',
      responseMode: 'query',

      validate(params, client, settings) {
        const codeChallengeMethod = checkCodeChallenge(params.code_challenge, params.code_challenge_method, settings.allowPlainPkce);
        const codeChallenge = params.code_challenge;
        // RFC 9700 §2.1.1: public clients must use PKCE; others when configured to.
        const required = client.token_endpoint_auth_method === 'none' || client.require_pkce === true || settings.requirePkce;
        if (required && codeChallenge === undefined) throw new InvalidRequestError('PKCE is required: send code_challenge with code_challenge_method=S256');
        // RFC 9449 §10: dpop_jkt is a JWK SHA-256 thumbprint, base64url (43 characters).
        const dpopJkt = params.dpop_jkt;
        if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) throw new InvalidRequestError('dpop_jkt must be a base64url JWK SHA-256 thumbprint');
        return { codeChallenge, codeChallengeMethod, dpopJkt };
      },

      async respond({ request, user, scope, authTime, amr, model, settings }) {
        const { client } = request;
        // OpenID Connect Core §5.5.1: asked for a sub, never a response for another end-user.
        const subject = request.openid?.claims?.subject;
        if (subject !== undefined && subject !== (user.id ?? user.username)) {
          throw new LoginRequiredError('The signed-in end-user is not the one the claims parameter names');
        }
        const value = model.generateAuthorizationCode ? await model.generateAuthorizationCode(client, user, scope) : randomToken();
        // §4.1.2: the code is bound to the client, redirect URI, scope, user and PKCE challenge.
        const code: AuthorizationCode = {
          authorizationCode: value,
          expiresAt: new Date(Date.now() + settings.authorizationCodeTtl * 1000),
          redirectUri: request.redirectUriSent ? request.redirectUri : undefined,
          scope,
          client,
          user,
          codeChallenge: request.codeChallenge,
          codeChallengeMethod: request.codeChallengeMethod,
          grantId: newGrantId(),
        };
        // OpenID Connect Core §3.1.3.6: what the ID token will say of this authentication.
        if (request.openid) {
          const { claims } = request.openid;
          const record: OpenIdGrantRecord = {
            nonce: request.openid.nonce,
            authTime: authTime && Math.floor(authTime.getTime() / 1000),
            ...(amr !== undefined && { amr: [...amr] }),
            ...(claims && { claims: { userinfo: claims.userinfo, idToken: claims.idToken } }),
          };
          code.extra = { openid: record };
        }
        // RFC 8707 §2.1: the code remembers the resources consented to; the token request may narrow them.
        if (request.resources) code.extra = { ...code.extra, resources: request.resources };
        // RFC 9449 §10: the code is bound to the DPoP key the client named.
        if (request.dpopJkt !== undefined) code.extra = { ...code.extra, dpop_jkt: request.dpopJkt };
        await model.saveAuthorizationCode(code, client, user);
        return { code: value };
      },
    },

    async handle({ params, client, model, tokens, now, dpop }) {
      if (params.code === undefined) throw new InvalidRequestError('Missing parameter: code');
      const code = await model.getAuthorizationCode(params.code);
      if (!code) throw new InvalidGrantError('The authorization code is invalid or has expired');
      // §4.1.3: the code must have been issued to this client. Not consumed here: another client's
      // guess must not burn the legitimate client's code.
      if (code.client.client_id !== client.client_id) throw new InvalidGrantError('The authorization code was issued to another client');
      if (code.consumedAt) return refuseReplay(model, code, options);
      if (code.expiresAt.getTime() <= now.getTime()) throw new InvalidGrantError('The authorization code has expired');

      // Consume first, verify after: a wrong redirect_uri or code_verifier then burns the code, so it
      // cannot be retried (RFC 9700 §4.2.1). The store makes this atomic: one caller wins.
      if (!(await model.revokeAuthorizationCode(code))) return refuseReplay(model, code, options);

      // §4.1.3: redirect_uri is required and must be identical if the authorization request had one.
      if (code.redirectUri !== undefined) {
        if (params.redirect_uri === undefined) throw new InvalidRequestError('Missing parameter: redirect_uri');
        if (params.redirect_uri !== code.redirectUri) {
          throw new InvalidGrantError('redirect_uri does not match the one in the authorization request');
        }
      }
      verifyCodeVerifier(params.code_verifier, code.codeChallenge, code.codeChallengeMethod, options.allowPlainPkce);
      // RFC 9449 §10: a code bound with dpop_jkt needs a proof by that key; checked after consuming, so a wrong key burns it too.
      const jkt = codeJkt(code.extra);
      if (jkt !== undefined && dpop?.jkt !== jkt) throw new InvalidGrantError('The authorization code is bound to another DPoP key (dpop_jkt, RFC 9449 §10)');

      const openid = openIdRecordOf(code.extra);
      return tokens.issue({
        client,
        user: code.user,
        scope: code.scope,
        requestedScope: code.scope,
        grantId: code.grantId,
        refreshToken: true,
        openid,
        // Core §12.2: a refreshed ID token keeps the original auth_time, amr and claims (the nonce is not repeated).
        ...(openid && { extra: { openid: { ...openid, nonce: undefined } } }),
        resources: grantedResourcesOf(code.extra),
      });
    },
  };
}
