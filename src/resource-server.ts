/**
 * `tollgate/resource`: the protected resource's side (RFC 9728). Its metadata document at
 * `/.well-known/oauth-protected-resource[/path]`, naming the authorization servers a client should
 * go to, and the options that make a bearer check bind tokens to this resource (RFC 8707) and
 * challenge with `resource_metadata` and `scope` (RFC 9728 §5.1). What MCP clients follow.
 */
import type { OAuthRequest, OAuthResponse } from './types.js';
import type { AuthenticateOptions } from './endpoints/authenticate.js';
import type { OAuthError } from './errors.js';
import { ConfigError } from './errors.js';
import { pathOf } from './request.js';
import { bearerChallenge, publicJsonResponse } from './response.js';

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
}

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
  /** A challenge of this resource, for a host that checks tokens itself (e.g. with `tollgate/jwt`'s verifier). */
  challenge(error?: OAuthError, scope?: readonly string[]): OAuthResponse;
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
  const url = resourceUrl(options.resource);
  const servers = options.authorizationServers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string' && URL.canParse(s))) {
    throw invalid('authorizationServers', 'must list at least one issuer URL');
  }
  const metadata: ProtectedResourceMetadata = {
    resource: options.resource,
    authorization_servers: [...servers],
    ...(options.scopesSupported && { scopes_supported: [...options.scopesSupported] }),
    bearer_methods_supported: [...(options.bearerMethodsSupported ?? ['header'])],
    ...(options.resourceName !== undefined && { resource_name: options.resourceName }),
  };
  // RFC 9728 §3.1: the well-known string goes between the host and the path; a trailing "/" alone adds nothing.
  const metadataPath = PROTECTED_RESOURCE_METADATA_PATH + (url.pathname === '/' ? '' : url.pathname);
  const metadataUrl = `${url.origin}${metadataPath}`;
  const response = publicJsonResponse(metadata);

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
    challenge(error, scope) {
      return bearerChallenge(options.resource, error, scope, metadataUrl);
    },
  };
}
