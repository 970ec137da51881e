/** Options of `createAuthorizationServer`, their defaults (lifetimes in seconds), and their validation. */
import type { AuthenticateModel, AuthorizationCodeModel, BaseModel, ClientCredentialsModel, PasswordModel, RefreshTokenModel } from './model.js';
import type { Grant } from './grants/grant.js';
import type { AccessTokenFormat } from './tokens/format.js';
import { ConfigError } from './errors.js';

/** The grants tollgate implements itself; `implicit` is the `response_type=token` flow (RFC 6749 §4.2). */
export type BuiltInGrantType = 'authorization_code' | 'implicit' | 'password' | 'client_credentials' | 'refresh_token';

interface GrantModels {
  authorization_code: AuthorizationCodeModel;
  implicit: BaseModel;
  password: PasswordModel;
  client_credentials: ClientCredentialsModel;
  refresh_token: RefreshTokenModel;
}

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The model a server with these grants needs: only the functions those grants call, plus the bearer check. */
export type ModelFor<G extends BuiltInGrantType> = Intersect<GrantModels[G]> & AuthenticateModel & BaseModel;

/** Paths advertised in metadata (RFC 8414 §2); the host mounts the endpoints there. */
export interface EndpointPaths {
  authorization: string;
  token: string;
  revocation: string;
  introspection: string;
  jwks: string;
}

export interface AuthorizationServerOptions<G extends BuiltInGrantType = BuiltInGrantType> {
  /** The issuer identifier: an https URL (http only for localhost), no query or fragment (RFC 8414 §2). */
  issuer: string;
  /** Built-in grants to enable. None is on by default: the password and implicit grants stay off unless listed (RFC 9700 §2.4). */
  grantTypes: readonly G[];
  model: ModelFor<G>;
  /** Extension grants (RFC 6749 §4.5), registered by their `type`. */
  grants?: readonly Grant[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  /** At most 600: RFC 6749 §4.1.2 recommends ten minutes at most. */
  authorizationCodeTtl?: number;
  accessTokenFormat?: AccessTokenFormat;
  /** Issue a new refresh token on every refresh and retire the old one (RFC 9700 §4.14.2). Default true. */
  rotateRefreshTokens?: boolean;
  /**
   * Seconds after a rotation during which presenting the old refresh token again is refused
   * without revoking the grant, for clients that race themselves. Default 0.
   */
  refreshTokenReuseInterval?: number;
  /** Require PKCE from every client, not only public ones and those registered with `require_pkce`. Default false. */
  requirePkce?: boolean;
  /** Accept `code_challenge_method=plain` (RFC 7636 §4.2). Default false: S256 only. */
  allowPlainPkce?: boolean;
  /** Accept a bearer token in the query string (RFC 6750 §2.3). Default false. */
  allowBearerTokensInQueryString?: boolean;
  /** Accept a bearer token in a form body (RFC 6750 §2.2). Default false. */
  allowBearerTokensInBody?: boolean;
  /**
   * The non-standard leniency of the SkyVault guide: token parameters in the query string of a
   * POST. Off by default; such a request is then refused with `invalid_request`.
   */
  skyvaultCompat?: boolean;
  /** Largest accepted request body, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** The `realm` of bearer challenges (RFC 6750 §3). Default: the issuer. */
  realm?: string;
  endpoints?: Partial<EndpointPaths>;
  /** Scopes listed in metadata as `scopes_supported`. */
  scopesSupported?: readonly string[];
  /** Receives unexpected errors (answered as `server_error`). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface ResolvedOptions {
  issuer: string;
  grantTypes: readonly BuiltInGrantType[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  authorizationCodeTtl: number;
  rotateRefreshTokens: boolean;
  refreshTokenReuseInterval: number;
  requirePkce: boolean;
  allowPlainPkce: boolean;
  allowBearerTokensInQueryString: boolean;
  allowBearerTokensInBody: boolean;
  skyvaultCompat: boolean;
  maxBodyBytes: number;
  realm: string;
  endpoints: EndpointPaths;
  scopesSupported: readonly string[] | undefined;
  onError: (error: unknown) => void;
}

export const DEFAULT_ENDPOINTS: EndpointPaths = {
  authorization: '/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
};

const BUILT_IN: readonly BuiltInGrantType[] = ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token'];

/** Model functions each grant calls; checked at start so a missing one fails loudly, not mid-request. */
const REQUIRED_MODEL_FUNCTIONS: Record<BuiltInGrantType, readonly string[]> = {
  authorization_code: ['getClient', 'saveToken', 'saveAuthorizationCode', 'getAuthorizationCode', 'revokeAuthorizationCode'],
  implicit: ['getClient', 'saveToken'],
  password: ['getClient', 'saveToken', 'getUser'],
  client_credentials: ['getClient', 'saveToken', 'getUserFromClient'],
  refresh_token: ['getClient', 'saveToken', 'getRefreshToken', 'revokeToken'],
};

function isBuiltIn(type: string): type is BuiltInGrantType {
  return (BUILT_IN as readonly string[]).includes(type);
}

function invalid(field: string, message: string): ConfigError {
  return new ConfigError('ERR_TOLLGATE_INVALID_OPTION', field, message);
}

function seconds(value: number | undefined, fallback: number, field: string, max = Infinity): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw invalid(field, `must be a whole number of seconds from 1 to ${max === Infinity ? 'any' : max}`);
  }
  return value;
}

function validateIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string') throw invalid('issuer', 'is required: the server\'s https URL');
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw invalid('issuer', `"${issuer}" is not an absolute URL`);
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  // RFC 8414 §2: https, no query, no fragment.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw invalid('issuer', 'must use https (http only for localhost)');
  if (url.search || url.hash) throw invalid('issuer', 'must not have a query or fragment');
  return issuer.replace(/\/$/, '');
}

/** Checks every option once, at start, and fills in the defaults. Throws ConfigError naming the field. */
export function resolveOptions(options: AuthorizationServerOptions): ResolvedOptions {
  const issuer = validateIssuer(options.issuer);
  if (!Array.isArray(options.grantTypes)) throw invalid('grantTypes', `must list the built-in grants to enable: ${BUILT_IN.join(', ')}`);
  const model = options.model as unknown as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) throw invalid('model', 'is required');
  const grantTypes: readonly string[] = options.grantTypes;
  for (const type of grantTypes) {
    if (!isBuiltIn(type)) throw invalid('grantTypes', `"${type}" is not built in; register extension grants with "grants"`);
    for (const fn of REQUIRED_MODEL_FUNCTIONS[type]) {
      if (typeof model[fn] !== 'function') throw new ConfigError('ERR_TOLLGATE_MODEL', `model.${fn}`, `is required by the ${type} grant`);
    }
  }
  if (typeof model['getAccessToken'] !== 'function') {
    throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.getAccessToken', 'is required for bearer authentication');
  }
  for (const grant of options.grants ?? []) {
    if (typeof grant.type !== 'string' || grant.type === '' || typeof grant.handle !== 'function') {
      throw invalid('grants', 'each grant needs a "type" and a "handle" function');
    }
    if (isBuiltIn(grant.type)) throw invalid('grants', `"${grant.type}" is a built-in grant type`);
  }
  return {
    issuer,
    grantTypes: [...options.grantTypes],
    accessTokenTtl: seconds(options.accessTokenTtl, 3600, 'accessTokenTtl'),
    refreshTokenTtl: seconds(options.refreshTokenTtl, 1_209_600, 'refreshTokenTtl'),
    authorizationCodeTtl: seconds(options.authorizationCodeTtl, 600, 'authorizationCodeTtl', 600),
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    refreshTokenReuseInterval: options.refreshTokenReuseInterval ?? 0,
    requirePkce: options.requirePkce ?? false,
    allowPlainPkce: options.allowPlainPkce ?? false,
    allowBearerTokensInQueryString: options.allowBearerTokensInQueryString ?? false,
    allowBearerTokensInBody: options.allowBearerTokensInBody ?? false,
    skyvaultCompat: options.skyvaultCompat ?? false,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    realm: options.realm ?? issuer,
    endpoints: { ...DEFAULT_ENDPOINTS, ...options.endpoints },
    scopesSupported: options.scopesSupported,
    onError: options.onError ?? ((error) => console.error('tollgate: unexpected error', error)),
  };
}
