/**
 * `tollgate/resource`: the protected resource's side (RFC 9728). Its metadata document at
 * `/.well-known/oauth-protected-resource[/path]`, naming the authorization servers a client should
 * go to, and the options that make a bearer check bind tokens to this resource (RFC 8707) and
 * challenge with `resource_metadata` and `scope` (RFC 9728 §5.1). What MCP clients follow.
 */
import type { OAuthRequest, OAuthResponse } from './types.js';
import type { AuthenticateOptions } from './endpoints/authenticate.js';
import type { ResourceDpopOptions } from './dpop/presentation.js';
import { ConfigError, InsufficientScopeError, InvalidTokenError, OAuthError } from './errors.js';
import { getHeader, pathOf } from './request.js';
import { bearerChallenge, publicJsonResponse } from './response.js';
import { checkPresentedToken, resolveResourceDpop } from './dpop/presentation.js';

/** Where bearer tokens may be sent (RFC 9728 §2, `bearer_methods_supported`; RFC 6750 §2). */
export type BearerMethod = 'header' | 'body' | 'query';

/** Options of `createProtectedResource`: the resource's identifier, its authorization servers and scopes (RFC 9728 §2). */
export interface ProtectedResourceOptions {
  /** The resource identifier (RFC 9728 §2): an https URL (http only on loopback), no query or fragment. */
  resource: string;
  /** Issuer identifiers of the authorization servers whose tokens it accepts (RFC 8414 §2). */
  authorizationServers: readonly string[];
  /** The scopes it serves (RFC 9728 §2 `scopes_supported`). */
  scopesSupported?: readonly string[];
  /** Default `['header']`: RFC 9700 §2.4 advises against tokens in URLs. */
  bearerMethodsSupported?: readonly BearerMethod[];
  /** A human-readable name (RFC 9728 §2 `resource_name`). */
  resourceName?: string;
  /**
   * DPoP (RFC 9449 §7) for `authenticate` and the challenges, on when given (`{}` for the defaults):
   * proof algorithms (advertised in the metadata and the `DPoP` challenge), window, nonces, and the
   * replay cache of proof `jti`s (default: bounded, in this process's memory). Off by default: the
   * metadata and challenges advertise DPoP only where the host asked for it.
   */
  dpop?: ResourceDpopOptions;
}

/**
 * What a resource learns of a token from its authorization server, by RFC 7662 §2.2 (introspection)
 * and RFC 9068 §2.2 (JWT claims) names: both name the audience `aud`, the scope `scope` and the DPoP
 * binding `cnf.jkt` (RFC 9449 §6).
 */
export interface TokenClaims {
  /** An introspection answer's `active`; false is refused as `invalid_token`. */
  active?: boolean;
  /** The audience: must name this resource when present (RFC 8707, RFC 9068 §4). */
  aud?: string | string[];
  /** The granted scope, space-separated (RFC 6749 §3.3). */
  scope?: string;
  /** The confirmation of a sender-constrained token (RFC 7800). */
  cnf?: {
    /** The JWK SHA-256 thumbprint of the DPoP key it is bound to (RFC 9449 §6). */
    jkt?: string;
  };
  [claim: string]: unknown;
}

/** How `authenticate` checks a request's token. */
export interface ResourceAuthenticateOptions<C extends TokenClaims> {
  /**
   * The token's claims from its authorization server: an RFC 7662 introspection answer, or
   * `tollgate/jwt`'s verifier's claims. Throw an `OAuthError` (`InvalidTokenError`) for a bad token.
   */
  verify(token: string): Promise<C>;
  /** Scope the request needs; the token's `scope` must cover all of it (else 403 `insufficient_scope`). */
  scope?: readonly string[];
  /** The absolute URL the client addressed, for DPoP's `htu`. Default: the request's path on the resource's origin. */
  url?: string;
}

/** What `authenticate` answers: the token's claims, or the challenge to send. */
export type ResourceAuthenticateResult<C> =
  | {
      /** The token is valid, bound as presented, and covers the required scope. */
      type: 'authenticated';
      /** The token's claims, as `verify` returned them. */
      claims: C;
      /** How it was presented: `DPoP` only with a valid proof by the key of its `cnf.jkt`. */
      scheme: 'Bearer' | 'DPoP';
      /** Send these with the answer: a fresh `DPoP-Nonce` when nonces are on (RFC 9449 §8.2). */
      headers: Record<string, string>;
    }
  | {
      /** Refused. */
      type: 'error';
      /** Why; undefined when the request had no token at all (RFC 6750 §3.1: a bare challenge). */
      error: OAuthError | undefined;
      /** The 400, 401 or 403 to send as it is: it carries the `WWW-Authenticate` challenge. */
      response: OAuthResponse;
    };

/** The RFC 9728 §2 metadata document. */
export interface ProtectedResourceMetadata {
  /** The resource identifier: its URL (RFC 9728 §2). */
  resource: string;
  /** The issuers whose tokens it accepts. */
  authorization_servers: string[];
  /** The scopes it understands. */
  scopes_supported?: string[];
  /** How it accepts a bearer token: `header`, `body`, `query` (RFC 6750 §2). */
  bearer_methods_supported: BearerMethod[];
  /** A name to show people. */
  resource_name?: string;
  /** RFC 9728 §2: the DPoP proof algorithms it accepts, when DPoP is on. */
  dpop_signing_alg_values_supported?: string[];
}

/** A protected resource: its metadata endpoint and the options that bind `authenticate` to it (RFC 9728, RFC 8707). */
export interface ProtectedResource {
  /** The metadata document. */
  readonly metadata: ProtectedResourceMetadata;
  /** Its path on the resource's host: the well-known prefix, then the resource's own path (RFC 9728 §3.1). */
  readonly metadataPath: string;
  /** Its absolute URL, as challenges carry it in `resource_metadata` (RFC 9728 §5.1). */
  readonly metadataUrl: string;
  /** The metadata response for a GET (or HEAD) of `metadataPath`; undefined for any other request. */
  handle(request: OAuthRequest): OAuthResponse | undefined;
  /**
   * Options for `server.authenticate` (on any host): the token must be for this resource (its
   * audience, RFC 8707) and cover `scope`; challenges carry `resource_metadata` and `scope`.
   */
  authenticateOptions(scope?: readonly string[]): AuthenticateOptions;
  /**
   * A challenge of this resource, for a host that checks tokens itself (e.g. with `tollgate/jwt`'s
   * `verifyRequest`). With DPoP on it names both schemes, the error in the one `request` used (RFC 9449 §7.1).
   */
  challenge(error?: OAuthError, scope?: readonly string[], request?: OAuthRequest): OAuthResponse;
  /**
   * Checks a request's access token (RFC 6750, RFC 9449 §7): its scheme (Bearer for an unbound token,
   * DPoP with a proof by its key for a bound one), that it is active, issued for this resource (its
   * `aud`, RFC 8707) and covers `scope`; answers with the challenge otherwise.
   */
  authenticate<C extends TokenClaims>(request: OAuthRequest, options: ResourceAuthenticateOptions<C>): Promise<ResourceAuthenticateResult<C>>;
}

/** RFC 9728 §3: where protected-resource metadata is published (with the resource's path appended). */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

function invalid(field: string, message: string): ConfigError {
  return new ConfigError('ERR_TOLLGATE_INVALID_OPTION', field, message);
}

/** RFC 9728 §2: https, no query, no fragment (http allowed on loopback for development). */
function resourceUrl(value: unknown): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) throw invalid('resource', 'must be an absolute URL');
  const url = new URL(value);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw invalid('resource', 'must use https (http only on loopback)');
  if (url.search || url.hash || value.includes('#')) throw invalid('resource', 'must not have a query or fragment (RFC 9728 §2)');
  return url;
}

/**
 * A protected resource's metadata and challenges.
 * @example
 * const mcp = createProtectedResource({ resource: 'https://mcp.example.com/mcp', authorizationServers: ['https://auth.example.com'] })
 * const result = await server.authenticate(request, mcp.authenticateOptions(['tools']))
 */
export function createProtectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const identifier = resourceUrl(options.resource);
  const servers = options.authorizationServers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string' && URL.canParse(s))) {
    throw invalid('authorizationServers', 'must list at least one issuer URL');
  }
  const dpop = options.dpop === undefined ? undefined : resolveResourceDpop(options.dpop);
  const metadata: ProtectedResourceMetadata = {
    resource: options.resource,
    authorization_servers: [...servers],
    ...(options.scopesSupported && { scopes_supported: [...options.scopesSupported] }),
    bearer_methods_supported: [...(options.bearerMethodsSupported ?? ['header'])],
    ...(options.resourceName !== undefined && { resource_name: options.resourceName }),
    ...(dpop && { dpop_signing_alg_values_supported: [...dpop.settings.algorithms] }),
  };
  // RFC 9728 §3.1: the well-known string goes between the host and the path; a trailing "/" alone adds nothing.
  const metadataPath = PROTECTED_RESOURCE_METADATA_PATH + (identifier.pathname === '/' ? '' : identifier.pathname);
  const metadataUrl = `${identifier.origin}${metadataPath}`;
  const response = publicJsonResponse(metadata);
  /** RFC 6750 §3, RFC 9728 §5.1; with DPoP, RFC 9449 §7.1: both schemes, the error in the one the request used. */
  function challenge(error?: OAuthError, scope?: readonly string[], request?: OAuthRequest): OAuthResponse {
    const usedDpop = request !== undefined && /^dpop(\s|$)/i.test(getHeader(request.headers, 'authorization') ?? '');
    return bearerChallenge(options.resource, error, scope, metadataUrl, dpop && { algs: dpop.settings.algorithms, usedDpop });
  }

  return {
    metadata,
    metadataPath,
    metadataUrl,
    handle(request) {
      const method = request.method.toUpperCase();
      if ((method !== 'GET' && method !== 'HEAD') || pathOf(request.url) !== metadataPath) return undefined;
      return response;
    },
    authenticateOptions(scope) {
      return { resource: options.resource, resourceMetadata: metadataUrl, ...(scope && { scope }) };
    },
    challenge,
    async authenticate(request, check) {
      // The token's own checks come before the proof's, so a proof's jti is recorded only for a token this resource takes.
      const verify = async (token: string) => {
        const claims = await check.verify(token);
        // RFC 7662 §2.2: an inactive token is no token.
        if (claims.active === false) throw new InvalidTokenError('The access token is invalid, expired or revoked');
        // RFC 8707 §2, RFC 9068 §4: a token issued for another resource is refused here.
        const audience = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
        if (!audience.includes(options.resource)) throw new InvalidTokenError('The access token was not issued for this resource');
        return claims;
      };
      try {
        const url = check.url ?? `${identifier.origin}${pathOf(request.url)}`;
        const checked = await checkPresentedToken(request, { verify, dpop, url });
        if (checked === undefined) return { type: 'error', error: undefined, response: challenge(undefined, check.scope, request) };
        const { scope } = checked.claims;
        const granted = typeof scope === 'string' ? scope.split(' ') : [];
        if (check.scope && !check.scope.every((s) => granted.includes(s))) throw new InsufficientScopeError('The access token does not cover the required scope');
        return { type: 'authenticated', ...checked };
      } catch (err) {
        // Anything but an OAuth error (the host's verify failing) is the host's to handle.
        if (!(err instanceof OAuthError)) throw err;
        return { type: 'error', error: err, response: challenge(err, check.scope, request) };
      }
    },
  };
}
