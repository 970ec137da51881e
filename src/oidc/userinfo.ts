/** The UserInfo endpoint: OpenID Connect Core 1.0 §5.3, with bearer errors per RFC 6750 §3. */
import type { OpenIdEndpoint, OpenIdServer } from '../openid.js';
import { InsufficientScopeError, InvalidRequestError } from '../errors.js';
import { bearerChallenge, errorResponse, jsonResponse } from '../response.js';
import { OPENID_SCOPE, openIdRecordOf } from '../openid.js';
import { claimsForScope, subjectOf } from './claims.js';
import { namedClaims } from './claims-request.js';

/** Where UserInfo is served unless configured otherwise (DESIGN.md). */
export const USERINFO_PATH = '/userinfo';

/**
 * Core §5.3.1: GET and POST with an access token that has `openid`; §5.3.2: `sub` and the claims
 * the token's scope asks for (§5.4), as JSON that no cache keeps. `path` is where it is served.
 */
export function userinfoEndpoint(server: OpenIdServer, path: string): OpenIdEndpoint {
  const { model, options } = server;
  // RFC 8707 §2, RFC 9700 §2.3: a token issued for another resource (its audience) must not be
  // replayed here by that resource to read the person's claims. An audience-restricted token must
  // name this server or UserInfo itself; one with no audience is this server's.
  const required = { scope: [OPENID_SCOPE], resource: [options.issuer, `${options.issuer}${path}`], allowNoAudience: true };
  return async (request) => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      return errorResponse(new InvalidRequestError('The UserInfo endpoint accepts GET and POST', { status: 405, headers: { Allow: 'GET, POST' } }));
    }
    // RFC 6750 §3: 401 without a token, invalid_token for a bad one, insufficient_scope without openid.
    const result = await server.authenticate(request, required);
    if (result.type === 'error') return result.response;
    const { token } = result;
    const subject = subjectOf(token.user);
    // Only a token from an OpenID authentication (code grant, or its refresh) speaks for an end-user.
    const record = openIdRecordOf(token.extra);
    if (subject === undefined || record === undefined) {
      return bearerChallenge(options.realm, new InsufficientScopeError('The access token was not issued by an OpenID Connect authentication'), [OPENID_SCOPE]);
    }
    const claims = model.getUserClaims ? await model.getUserClaims(token.user, [...token.scope]) : undefined;
    // §5.3.2: sub is always returned, and is the ID token's; §5.5: and the claims asked for by name.
    return jsonResponse(200, { ...claimsForScope(token.scope, claims), ...namedClaims(record.claims?.userinfo, claims), sub: subject });
  };
}
