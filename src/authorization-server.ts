/** createAuthorizationServer: validates the options, wires model and grants, returns the endpoints. */
import type { BuiltInGrantType, AuthorizationServerOptions, ResolvedOptions } from './options.js';
import type { OAuthRequest, OAuthResponse } from './types.js';
import type { Grant } from './grants/grant.js';
import type { AuthorizationDecision, AuthorizeAnswer, AuthorizeResult } from './endpoints/authorize.js';
import type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
import type { JsonWebKeySet } from './tokens/format.js';
import { resolveOptions } from './options.js';
import { builtInGrants } from './grants/index.js';
import { createTokenIssuer } from './tokens/issuer.js';
import { opaqueAccessTokens } from './tokens/format.js';
import { tokenEndpoint } from './endpoints/token.js';
import { authorizeEndpoint } from './endpoints/authorize.js';
import { authenticateEndpoint } from './endpoints/authenticate.js';
import { revokeEndpoint } from './endpoints/revoke.js';
import { introspectEndpoint } from './endpoints/introspect.js';
import { metadataDocument } from './endpoints/metadata.js';
import { publicJsonResponse } from './response.js';

/** The oauthlib seed's shape of a token endpoint answer. */
export interface TokenTriple {
  headers: Record<string, string>;
  body: string;
  status: number;
}

export interface AuthorizationServer {
  readonly options: ResolvedOptions;
  /** RFC 6749 §3.2: the token endpoint, every grant. */
  token(request: OAuthRequest, credentials?: Readonly<Record<string, unknown>>): Promise<OAuthResponse>;
  /**
   * The token endpoint in the oauthlib seed's shape: `(uri, method, body, headers, credentials)`
   * in, `{ headers, body, status }` out.
   */
  createTokenResponse(
    uri: string,
    method: string,
    body: string,
    headers: Record<string, string>,
    credentials?: Readonly<Record<string, unknown>>,
  ): Promise<TokenTriple>;
  /** RFC 6749 §3.1: validate an authorization request, or answer it with the resource owner's decision. */
  authorize(request: OAuthRequest): Promise<AuthorizeResult>;
  /** With the decision, the answer is always a redirect, or an error page when the request is not valid. */
  authorize(request: OAuthRequest, decision: AuthorizationDecision): Promise<AuthorizeAnswer>;
  /** RFC 6750: check the bearer token of a request to a protected resource. */
  authenticate(request: OAuthRequest, options?: AuthenticateOptions): Promise<AuthenticateResult>;
  /** RFC 7009 token revocation. */
  revoke(request: OAuthRequest): Promise<OAuthResponse>;
  /** RFC 7662 token introspection. */
  introspect(request: OAuthRequest): Promise<OAuthResponse>;
  /** RFC 8414 metadata response. */
  metadata(): OAuthResponse;
  /** The public keys for signed access tokens (an empty set for opaque ones). */
  jwks(): Promise<OAuthResponse>;
}

/**
 * Creates an authorization server over a model.
 * @example
 * const server = createAuthorizationServer({ issuer: 'https://auth.example.com', grantTypes: ['client_credentials'], model })
 */
export function createAuthorizationServer<const G extends BuiltInGrantType>(
  options: AuthorizationServerOptions<G>,
): AuthorizationServer {
  const resolved = resolveOptions(options as unknown as AuthorizationServerOptions);
  const model = options.model;
  const format = options.accessTokenFormat ?? opaqueAccessTokens;
  const issuer = createTokenIssuer(model, resolved, format);
  const grants = builtInGrants(resolved);
  for (const grant of options.grants ?? []) grants.set(grant.type, grant as Grant);
  const tokenContext = { model, grants, issuer, options: resolved };
  const context = { model, issuer, options: resolved };
  const metadata = publicJsonResponse(metadataDocument(resolved, [...resolved.grantTypes, ...(options.grants ?? []).map((g) => g.type)], format.jwks !== undefined));

  return {
    options: resolved,
    token: (request, credentials) => tokenEndpoint(tokenContext, request, credentials),
    async createTokenResponse(uri, method, body, headers, credentials) {
      const { status, headers: out, body: text } = await tokenEndpoint(tokenContext, { method, url: uri, headers, body }, credentials);
      return { headers: out, body: text, status };
    },
    authorize: ((request: OAuthRequest, decision?: AuthorizationDecision) =>
      authorizeEndpoint(context, request, decision)) as AuthorizationServer['authorize'],
    authenticate: (request, required) => authenticateEndpoint(context, request, required),
    revoke: (request) => revokeEndpoint(context, request),
    introspect: (request) => introspectEndpoint(context, request),
    metadata: () => metadata,
    async jwks() {
      const set: JsonWebKeySet = format.jwks ? await format.jwks() : { keys: [] };
      return publicJsonResponse(set);
    },
  };
}
