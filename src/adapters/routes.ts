/** The endpoints every adapter mounts, by path: token (RFC 6749 §3.2), revocation, introspection, metadata (RFC 8414 §3), JWKS. */
import type { AuthorizationServer } from '../authorization-server.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';

export type Endpoint = (request: OAuthRequest) => Promise<OAuthResponse> | OAuthResponse;

/** Path -> endpoint for a server's configured paths; the authorization endpoint is not among them (it needs the host's login step). */
export function endpointRoutes(server: AuthorizationServer): ReadonlyMap<string, Endpoint> {
  const { endpoints } = server.options;
  return new Map<string, Endpoint>([
    [endpoints.token, server.token],
    [endpoints.revocation, server.revoke],
    [endpoints.introspection, server.introspect],
    ['/.well-known/oauth-authorization-server', server.metadata],
    [endpoints.jwks, server.jwks],
  ]);
}
