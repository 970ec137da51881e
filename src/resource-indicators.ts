/**
 * Resource indicators (RFC 8707): the protected resources a server issues tokens for, the
 * `resource` parameter's checks, and what a set of resources means for a token (its audience,
 * scope, format and lifetime).
 */
import type { AccessTokenFormat } from './tokens/format.js';
import type { Params } from './request.js';
import { ConfigError, InvalidScopeError, InvalidTargetError } from './errors.js';
import { paramValues } from './request.js';

/** A protected resource tokens may be issued for. */
export interface ResourceOptions {
  /** Its identifier (RFC 8707 §2): an absolute URI without a fragment, as clients send it in `resource`. */
  uri: string;
  /** The scopes it serves: a token for it carries no others. */
  scope: readonly string[];
  /** The format of its access tokens. Default: the server's `accessTokenFormat`. */
  accessTokenFormat?: AccessTokenFormat | undefined;
  /** Seconds its access tokens live. Default: the client's or the server's lifetime. */
  accessTokenTtl?: number | undefined;
}

/** The configured resources by identifier. */
export type Resources = ReadonlyMap<string, ResourceOptions>;

/** RFC 8707 §2: "an absolute URI ... MUST NOT include a fragment component". */
function isResourceUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  return !value.includes('#');
}

/** Checks the `resources` option at start. Throws ConfigError naming the entry. */
export function resolveResources(list: readonly ResourceOptions[] | undefined): Resources {
  const resources = new Map<string, ResourceOptions>();
  (list ?? []).forEach((resource, i) => {
    const field = `resources[${i}]`;
    if (typeof resource?.uri !== 'string' || !isResourceUri(resource.uri)) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.uri`, 'must be an absolute URI without a fragment (RFC 8707 §2)');
    }
    if (resources.has(resource.uri)) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.uri`, `"${resource.uri}" is listed twice`);
    if (!Array.isArray(resource.scope) || !resource.scope.every((s) => typeof s === 'string' && s !== '')) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.scope`, 'must list the scopes the resource serves');
    }
    const ttl = resource.accessTokenTtl;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.accessTokenTtl`, 'must be a whole number of seconds, 1 or more');
    }
    resources.set(resource.uri, resource);
  });
  return resources;
}

/**
 * The `resource` values of a request, each checked (RFC 8707 §2): a value that is not an absolute
 * URI without fragment, or names no configured resource, is `invalid_target`. Undefined when the
 * request has none.
 */
export function requestedResources(params: Params, resources: Resources): string[] | undefined {
  const values = paramValues(params, 'resource');
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!isResourceUri(value)) throw new InvalidTargetError('The resource parameter must be an absolute URI without a fragment (RFC 8707 §2)');
    if (!resources.has(value)) throw new InvalidTargetError(`Unknown resource "${value}"`);
  }
  return [...new Set(values)];
}

/**
 * The resources a token request ends up with: what it asked for, which must lie within what the
 * grant (a code, a refresh token) covers (RFC 8707 §2.2), else everything the grant covers.
 */
export function narrowResources(requested: string[] | undefined, granted: readonly string[] | undefined): string[] | undefined {
  if (requested === undefined) return granted === undefined ? undefined : [...granted];
  if (granted !== undefined && !requested.every((uri) => granted.includes(uri))) {
    throw new InvalidTargetError('The requested resource is not within the authorization grant');
  }
  return requested;
}

/**
 * The scope to grant for these resources: within the union of the scopes they serve. A scope
 * with nothing left for the resources is `invalid_scope` (RFC 6749 §5.2).
 */
export function scopeForResources(scope: string[], targets: readonly string[] | undefined, resources: Resources): string[] {
  if (targets === undefined || scope.length === 0) return scope;
  const served = new Set(targets.flatMap((uri) => resources.get(uri)?.scope ?? []));
  const within = scope.filter((token) => served.has(token));
  if (within.length === 0) throw new InvalidScopeError('None of the requested scope is served by the requested resources');
  return within;
}

/**
 * The settings of a token for these resources: the first resource's format, and the shortest of
 * their lifetimes (a token must not outlive what any of its audiences allows).
 */
/** What a token for no particular resource takes: the server's own settings (shared: the common case allocates nothing). */
const SERVER_SETTINGS: Readonly<{ format?: AccessTokenFormat; ttl?: number }> = Object.freeze({});

export function tokenSettingsFor(targets: readonly string[] | undefined, resources: Resources): Readonly<{ format?: AccessTokenFormat; ttl?: number }> {
  if (targets === undefined || targets.length === 0) return SERVER_SETTINGS;
  const listed = targets.map((uri) => resources.get(uri)).filter((r): r is ResourceOptions => r !== undefined);
  const ttls = listed.map((r) => r.accessTokenTtl).filter((t): t is number => t !== undefined);
  const format = listed[0]?.accessTokenFormat;
  return { ...(format && { format }), ...(ttls.length > 0 && { ttl: Math.min(...ttls) }) };
}

/** The audience of a stored token, as the issuer recorded it (`Token.extra.audience`). */
export function audienceOf(extra: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const audience = extra?.['audience'];
  return Array.isArray(audience) && audience.every((a) => typeof a === 'string') ? audience : undefined;
}

/** The resources a code or refresh token covers, as recorded (`extra.resources`). */
export function grantedResourcesOf(extra: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const resources = extra?.['resources'];
  return Array.isArray(resources) && resources.every((r) => typeof r === 'string') ? resources : undefined;
}
