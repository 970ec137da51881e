/** The authorization code grant's token request. RFC 6749 §4.1.3, with PKCE (RFC 7636 §4.5-4.6). */
import type { AuthorizationCodeModel } from '../model.js';
import type { AuthorizationCode } from '../types.js';
import type { Grant } from './grant.js';
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import { verifyCodeVerifier } from '../pkce.js';

/** RFC 6749 §4.1.2, RFC 9700 §4.2.1: a replayed code revokes what was issued from it. */
async function refuseReplay(model: AuthorizationCodeModel, code: AuthorizationCode): Promise<never> {
  await model.revokeGrant?.(code.grantId);
  throw new InvalidGrantError('The authorization code has already been used; tokens issued from it are revoked');
}

export const authorizationCode: Grant<AuthorizationCodeModel> = {
  type: 'authorization_code',
  publicClients: true,

  async handle({ params, client, model, issuer, now }) {
    if (params.code === undefined) throw new InvalidRequestError('Missing parameter: code');
    const code = await model.getAuthorizationCode(params.code);
    if (!code) throw new InvalidGrantError('The authorization code is invalid or has expired');
    // §4.1.3: the code must have been issued to this client. Not consumed here: another client's
    // guess must not burn the legitimate client's code.
    if (code.client.client_id !== client.client_id) throw new InvalidGrantError('The authorization code was issued to another client');
    if (code.consumedAt) return refuseReplay(model, code);
    if (code.expiresAt.getTime() <= now.getTime()) throw new InvalidGrantError('The authorization code has expired');

    // Consume first, verify after: a wrong redirect_uri or code_verifier then burns the code, so it
    // cannot be retried (RFC 9700 §4.2.1). The store makes this atomic: one caller wins.
    if (!(await model.revokeAuthorizationCode(code))) return refuseReplay(model, code);

    // §4.1.3: redirect_uri is required and must be identical if the authorization request had one.
    if (code.redirectUri !== undefined) {
      if (params.redirect_uri === undefined) throw new InvalidRequestError('Missing parameter: redirect_uri');
      if (params.redirect_uri !== code.redirectUri) {
        throw new InvalidGrantError('redirect_uri does not match the one in the authorization request');
      }
    }
    verifyCodeVerifier(params.code_verifier, code.codeChallenge, code.codeChallengeMethod);

    return issuer.issue({
      client,
      user: code.user,
      scope: code.scope,
      requestedScope: code.scope,
      grantId: code.grantId,
      refreshToken: true,
    });
  },
};
