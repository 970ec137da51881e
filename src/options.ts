/** Options of `createAuthorizationServer`, their defaults (lifetimes in seconds), and their validation. */
import type { AuthenticateModel, BaseModel } from './model.js';
import type { Grant } from './grants/grant.js';
import type { BuiltInGrantModel, BuiltInGrantType } from './grants/index.js';
import type { AccessTokenFormat } from './tokens/format.js';
import type { OpenIdProvider } from './openid.js';
import type { ResourceOptions, Resources } from './resource-indicators.js';
import type { TrustedIssuer } from './grants/jwt-bearer.js';
import type { TokenEndpointAuthMethod } from './types.js';
import type { AuditEvent, AuditListener } from './events.js';
import type { DocumentFetcher } from './document-fetcher.js';
import { ASSERTION_ALGORITHMS, SECRET_ASSERTION_ALGORITHMS } from './client-assertion.js';
import { ConfigError } from './errors.js';
import { builtInGrant, builtInGrantTypes, isBuiltInGrantType } from './grants/index.js';
import { resolveResources } from './resource-indicators.js';
import { DEVICE_CODE } from './grants/device-code.js';
import { guardListener } from './events.js';
import { hasRecordStore } from './pushed-requests.js';
import { applyFapi2Profile } from './fapi2.js';
import type { DpopOptions } from './dpop/settings.js';
import type { DpopSettings } from './dpop/proof.js';
import { resolveDpop } from './dpop/settings.js';

export type { BuiltInGrantType } from './grants/index.js';

/** A union of model types made into their intersection: a server with several grants needs every function each of them calls. */
type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The model a server with these grants needs: only the functions those grants call, plus the bearer check. */
export type ModelFor<G extends BuiltInGrantType> = Intersect<BuiltInGrantModel<G>> & AuthenticateModel & BaseModel;

/** Paths advertised in metadata (RFC 8414 §2); the host mounts the endpoints there. */
export interface EndpointPaths {
  /** RFC 6749 §3.1. Default `/authorize`. */
  authorization: string;
  /** RFC 6749 §3.2. Default `/oauth/token`. */
  token: string;
  /** RFC 7009 §2. Default `/oauth/revoke`. */
  revocation: string;
  /** RFC 7662 §2. Default `/oauth/introspect`. */
  introspection: string;
  /** The signing keys (RFC 7517 §5), for JWT access tokens and ID tokens. Default `/.well-known/jwks.json`. */
  jwks: string;
  /** RFC 7591 §3: served only when `registration` is set. */
  registration: string;
  /** RFC 8628 §3.1: served when the device_code grant is enabled. */
  deviceAuthorization: string;
  /** RFC 8628 §3.3: the verification page (`verification_uri`), served with the host's `interaction.device`. */
  deviceVerification: string;
  /** RFC 9126 §2: served when pushed authorization requests are on. */
  pushedAuthorizationRequest: string;
}

/** Security profiles that turn several options on together: `fapi2` is the FAPI 2.0 Security Profile (docs/fapi2.md). */
export type SecurityProfile = 'fapi2';

/** Dynamic client registration (RFC 7591, RFC 7592); the model must then implement `RegistrationModel`. */
export interface RegistrationOptions {
  /** When set, registering needs this as a Bearer token (RFC 7591 §3, the "initial access token"). */
  initialAccessToken?: string | undefined;
  /** Scopes a registered client may have. Default: `scopesSupported`, else every scope the `resources` serve. */
  scope?: readonly string[] | undefined;
}

/**
 * Options of `createAuthorizationServer`: the issuer, the grants and the model, lifetimes and
 * leniencies.
 */
export interface AuthorizationServerOptions<G extends BuiltInGrantType = BuiltInGrantType> {
  /** The issuer identifier: an https URL (http only for localhost), no query or fragment (RFC 8414 §2). */
  issuer: string;
  /** Built-in grants to enable. None is on by default: the password and implicit grants stay off unless listed (RFC 9700 §2.4). */
  grantTypes: readonly G[];
  /** The model: the functions the enabled grants need (docs/model.md), e.g. a store from `tollgate/stores/*`. */
  model: ModelFor<G>;
  /** Extension grants (RFC 6749 §4.5), registered by their `type`. */
  grants?: readonly Grant[];
  /** Seconds an access token lives. Default 3600. */
  accessTokenTtl?: number;
  /** Seconds a refresh token lives. Default 1209600 (two weeks). */
  refreshTokenTtl?: number;
  /** At most 600: RFC 6749 §4.1.2 recommends ten minutes at most. */
  authorizationCodeTtl?: number;
  /** Seconds a device code and its user code live (RFC 8628 §3.2 `expires_in`). Default 600. */
  deviceCodeTtl?: number;
  /** How access tokens are made: opaque random strings by default, or `jwtAccessTokens` (RFC 9068) from `tollgate/jwt`. */
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
  /** The endpoints' paths, where they differ from the defaults (`/authorize`, `/oauth/token`, ...). */
  endpoints?: Partial<EndpointPaths>;
  /** Scopes listed in metadata as `scopes_supported`. */
  scopesSupported?: readonly string[];
  /** Receives unexpected errors (answered as `server_error`). Default: console.error. */
  onError?: (error: unknown) => void;
  /** OpenID Connect (`createOpenIdProvider` from `tollgate/oidc`): ID tokens, UserInfo, discovery. Off when absent. */
  openid?: OpenIdProvider | undefined;
  /**
   * The protected resources clients may name in `resource` (RFC 8707). A token asked for some of
   * them has them as its audience and only scope they serve; an unlisted one is `invalid_target`.
   */
  resources?: readonly ResourceOptions[];
  /** Turns on dynamic client registration at `endpoints.registration` (RFC 7591, RFC 7592). Off by default. */
  registration?: RegistrationOptions | undefined;
  /**
   * The issuers whose JWT assertions the `urn:ietf:params:oauth:grant-type:jwt-bearer` grant accepts
   * (RFC 7523 §2.1), each with its public keys. None by default: every assertion is refused.
   */
  trustedIssuers?: readonly TrustedIssuer[] | undefined;
  /**
   * Client authentication methods accepted at the token, revocation and introspection endpoints.
   * Default: `client_secret_basic`, `client_secret_post`, `none`, and `private_key_jwt` (RFC 7523)
   * when the model has `useOnce` (its replay cache for assertion `jti`s, required for it), and
   * `client_secret_jwt` when it also has `getClientSecret` (the HMAC key of such a client's assertions).
   */
  tokenEndpointAuthMethods?: readonly TokenEndpointAuthMethod[];
  /**
   * Algorithms accepted for client assertions: asymmetric ones for `private_key_jwt`, HS256/HS384/HS512
   * for `client_secret_jwt` (each client only those of its own method). Default RS256, PS256, ES256,
   * EdDSA, and HS256, HS384, HS512 when `client_secret_jwt` is on.
   */
  tokenEndpointAuthSigningAlgs?: readonly string[];
  /**
   * Receives every audit event (`token.issued`, `client.authentication_failed`, ...; see `AuditEvent`),
   * synchronously, as it happens. Events never carry a token, code, secret or password. A listener
   * that throws or rejects never breaks a request: the first failure goes to `onError`.
   */
  events?: AuditListener | undefined;
  /**
   * OpenTelemetry spans (`tollgate.token`, `tollgate.store.getClient`, ...) through `@opentelemetry/api`,
   * an optional peer: recorded when the package is installed and the host registered a tracer
   * provider; otherwise nothing. Attributes never hold a token, code, secret or password. Default false.
   */
  tracing?: boolean | undefined;
  /**
   * Pushed authorization requests (RFC 9126) at `endpoints.pushedAuthorizationRequest`. Default: on
   * when the model has the record store (`putRecord`, `getRecord`, `replaceRecord`, `takeRecord`)
   * and a grant answers at the authorization endpoint.
   */
  pushedAuthorizationRequests?: boolean;
  /** Seconds a pushed request's `request_uri` may start an authorization (RFC 9126 §2.2 `expires_in`). Default 60, at most 600. */
  pushedAuthorizationRequestTtl?: number;
  /** Refuse every authorization request that was not pushed (RFC 9126 §5 `require_pushed_authorization_requests`). Default false. */
  requirePushedAuthorizationRequests?: boolean;
  /** `fapi2`: the FAPI 2.0 Security Profile's requirements together (PAR, PKCE S256, private_key_jwt, codes of 60 s at most). */
  profile?: SecurityProfile | undefined;
  /**
   * Fetches documents clients name by URL: `jwks_uri` and client ID metadata documents. Use
   * `createDocumentFetcher()` from `tollgate/safe-fetch` (SSRF-safe). Without it, a client's `jwks_uri`
   * cannot be used and `clientIdMetadataDocuments` cannot be on.
   */
  fetchDocument?: DocumentFetcher | undefined;
  /**
   * Accept URL `client_id`s naming a client ID metadata document
   * (draft-ietf-oauth-client-id-metadata-document), fetched with `fetchDocument`. Default false.
   */
  clientIdMetadataDocuments?: boolean | undefined;
  /**
   * DPoP sender-constrained tokens (RFC 9449): on by default when the model has `useOnce` (the
   * replay cache of proof `jti`s); `false` turns it off. Algorithms, the `iat` window and nonces.
   */
  dpop?: DpopOptions | false | undefined;
}

/**
 * The options as the server runs with them (`AuthorizationServer.options`): every value checked
 * and every default filled in, once, at `createAuthorizationServer`. Hosts read it for what they
 * must agree with, e.g. `endpoints.authorization` as a form's action, `maxBodyBytes` as a body limit.
 */
export interface ResolvedOptions {
  /** The issuer identifier, without a trailing slash (RFC 8414 §2). */
  issuer: string;
  /** The built-in grants enabled, as `grantTypes` listed them. */
  grantTypes: readonly BuiltInGrantType[];
  /** Every grant the server answers, built-in and extension, by `grant_type`. */
  grants: ReadonlyMap<string, Grant>;
  /** Seconds an access token lives (default 3600). */
  accessTokenTtl: number;
  /** Seconds a refresh token lives (default 1209600, two weeks). */
  refreshTokenTtl: number;
  /** Seconds an authorization code lives: at most 600 (RFC 6749 §4.1.2), the default. */
  authorizationCodeTtl: number;
  /** Seconds a device code and its user code live (RFC 8628 §3.2 `expires_in`; default 600). */
  deviceCodeTtl: number;
  /** Whether a refresh retires the refresh token and issues a new one (RFC 9700 §4.14.2; default true). */
  rotateRefreshTokens: boolean;
  /** Seconds after a rotation in which the old refresh token is refused without revoking the grant (default 0). */
  refreshTokenReuseInterval: number;
  /** Whether every client must use PKCE, not only public ones and those registered with `require_pkce` (default false). */
  requirePkce: boolean;
  /** Whether `code_challenge_method=plain` is accepted (RFC 7636 §4.2; default false: S256 only). */
  allowPlainPkce: boolean;
  /** Whether a bearer token is accepted in the query string (RFC 6750 §2.3; default false). */
  allowBearerTokensInQueryString: boolean;
  /** Whether a bearer token is accepted in a form body (RFC 6750 §2.2; default false). */
  allowBearerTokensInBody: boolean;
  /** Whether token parameters in the query string of a POST are accepted (the SkyVault guide's leniency; default false). */
  skyvaultCompat: boolean;
  /** Largest accepted request body in bytes (default 65536): adapters use it as their body limit. */
  maxBodyBytes: number;
  /** The `realm` of bearer challenges (RFC 6750 §3; default the issuer). */
  realm: string;
  /** Every endpoint's path, the defaults merged with `endpoints`: where the host mounts them and metadata points. */
  endpoints: EndpointPaths;
  /** `scopes_supported` in metadata (RFC 8414 §2); undefined when not set. */
  scopesSupported: readonly string[] | undefined;
  /** Where unexpected errors go (answered as `server_error`): the `onError` given, else one that logs to the console. */
  onError: (error: unknown) => void;
  /** The OpenID Provider, when the server is one; undefined otherwise. */
  openid: OpenIdProvider | undefined;
  /** The protected resources clients may name in `resource` (RFC 8707), by identifier; empty when none are listed. */
  resources: Resources;
  /** With the scope a registered client may have resolved; undefined when registration is off. */
  registration:
    | {
        /** The Bearer token registering needs (RFC 7591 §3); undefined when registration is open. */
        initialAccessToken: string | undefined;
        /** The scopes a registered client may have: `registration.scope`, else `scopesSupported`, else what the resources serve. */
        scope: readonly string[];
      }
    | undefined;
  /** The client authentication methods accepted (RFC 8414 `token_endpoint_auth_methods_supported`); by default the JWT ones only when the model has what they need. */
  tokenEndpointAuthMethods: readonly TokenEndpointAuthMethod[];
  /** The JWS algorithms accepted for client assertions (RFC 7523 §3; RFC 8414 `token_endpoint_auth_signing_alg_values_supported`). */
  tokenEndpointAuthSigningAlgs: readonly string[];
  /** The `events` listener, guarded; undefined when nobody listens (call it as `events?.(...)`: no event is built then). */
  events: ((event: AuditEvent) => void) | undefined;
  /** RFC 9126: undefined when pushed authorization requests are off. */
  pushedAuthorizationRequests:
    | {
        /** Seconds a `request_uri` may start an authorization (RFC 9126 §2.2 `expires_in`). */
        ttl: number;
        /** Whether every authorization request must be pushed (RFC 9126 §5). */
        required: boolean;
      }
    | undefined;
  /** The security profile applied (`fapi2`), when one was asked for; its requirements are already in the other fields. */
  profile: SecurityProfile | undefined;
  /** The fetcher of documents clients name by URL (`jwks_uri`, client ID metadata documents); undefined when none was given. */
  fetchDocument: DocumentFetcher | undefined;
  /** Client ID metadata documents: on, with the scope such a client may have; undefined when off. */
  clientIdMetadataDocuments:
    | {
        /** The scopes a client named by its metadata document may have, as for a registered client. */
        scope: readonly string[];
      }
    | undefined;
  /** DPoP (RFC 9449); undefined when off. */
  dpop: DpopSettings | undefined;
  /**
   * Signed request objects (RFC 9101): on with PAR (their verified parameters are kept as a pushed
   * request is) when the model has `useOnce` (the replay cache of their `jti`s); undefined when off.
   */
  requestObjects:
    | {
        /** The JWS algorithms accepted: the asymmetric ones of `tokenEndpointAuthSigningAlgs` (RFC 9101 §6.1, §10.1). */
        algorithms: readonly string[];
      }
    | undefined;
}

export const DEFAULT_ENDPOINTS: EndpointPaths = {
  authorization: '/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
  registration: '/oauth/register',
  deviceAuthorization: '/oauth/device_authorization',
  deviceVerification: '/device',
  pushedAuthorizationRequest: '/oauth/par',
};

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

/** The scope a client that registers itself may have (dynamic registration, metadata documents): the server's `scopesSupported`, else what its resources serve. */
function selfRegisteredScope(options: AuthorizationServerOptions, resources: Resources): string[] {
  return [...(options.scopesSupported ?? new Set([...resources.values()].flatMap((r) => r.scope)))];
}

/** Client ID metadata documents need a fetcher; such clients get the scope a registered one would. */
function resolveClientIdMetadataDocuments(options: AuthorizationServerOptions, resources: Resources): ResolvedOptions['clientIdMetadataDocuments'] {
  if (options.clientIdMetadataDocuments !== true) return undefined;
  if (typeof options.fetchDocument !== 'function') {
    throw invalid('fetchDocument', 'is required by clientIdMetadataDocuments: createDocumentFetcher() from tollgate/safe-fetch');
  }
  return { scope: options.registration?.scope ?? selfRegisteredScope(options, resources) };
}

/** Registration's settings, checked at start: the model must save and delete clients, and there must be scopes to give. */
function resolveRegistration(options: AuthorizationServerOptions, resources: Resources, model: Record<string, unknown>): ResolvedOptions['registration'] {
  const registration = options.registration;
  if (registration === undefined) return undefined;
  for (const fn of ['saveClient', 'deleteClient']) {
    if (typeof model[fn] !== 'function') throw new ConfigError('ERR_TOLLGATE_MODEL', `model.${fn}`, 'is required by dynamic client registration');
  }
  const scope = registration.scope ?? selfRegisteredScope(options, resources);
  // A client registered with no scope would be granted whatever it asks (validateScope's default policy).
  if (scope.length === 0) throw invalid('registration.scope', 'must list the scopes a registered client may have (or set scopesSupported or resources)');
  const token = registration.initialAccessToken;
  if (token !== undefined && (typeof token !== 'string' || token.length < 32)) throw invalid('registration.initialAccessToken', 'must be at least 32 characters');
  return { initialAccessToken: token, scope: [...scope] };
}

/** RFC 8628: the device grant keeps its state in the model's record store, checked at start like registration's functions. */
function checkDeviceModel(grants: ReadonlyMap<string, Grant>, model: Record<string, unknown>): void {
  if (!grants.has(DEVICE_CODE)) return;
  for (const fn of ['putRecord', 'getRecord', 'replaceRecord', 'takeRecord']) {
    if (typeof model[fn] !== 'function') {
      throw new ConfigError('ERR_TOLLGATE_MODEL', `model.${fn}`, `is required by the ${DEVICE_CODE} grant (its short-lived record store)`);
    }
  }
}

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'];
const DEFAULT_ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const ALL_ASSERTION_ALGORITHMS: readonly string[] = [...ASSERTION_ALGORITHMS, ...SECRET_ASSERTION_ALGORITHMS];

/**
 * The client authentication methods and assertion algorithms, checked at start: the JWT methods need
 * the model's replay cache, and client_secret_jwt the secret itself (`getClientSecret`).
 */
function resolveClientAuth(
  options: AuthorizationServerOptions,
  model: Record<string, unknown>,
): Pick<ResolvedOptions, 'tokenEndpointAuthMethods' | 'tokenEndpointAuthSigningAlgs'> {
  const replayCache = typeof model['useOnce'] === 'function';
  const secrets = typeof model['getClientSecret'] === 'function';
  const methods =
    options.tokenEndpointAuthMethods ??
    AUTH_METHODS.filter((m) => (m !== 'private_key_jwt' && m !== 'client_secret_jwt') || (replayCache && (m !== 'client_secret_jwt' || secrets)));
  for (const method of methods) {
    if (!AUTH_METHODS.includes(method)) throw invalid('tokenEndpointAuthMethods', `"${String(method)}" is not one of ${AUTH_METHODS.join(', ')}`);
    // RFC 7523 §3 item 7: without a replay cache an assertion's jti could not be single use.
    if ((method === 'private_key_jwt' || method === 'client_secret_jwt') && !replayCache) {
      throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.useOnce', `is required by ${method} (the replay cache of assertion jti values)`);
    }
  }
  if (methods.includes('client_secret_jwt') && !secrets) {
    throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.getClientSecret', 'is required by client_secret_jwt (its assertions are HMACs keyed with the client secret)');
  }
  const hmac = methods.includes('client_secret_jwt');
  const algorithms = options.tokenEndpointAuthSigningAlgs ?? [...DEFAULT_ASSERTION_ALGORITHMS, ...(hmac ? SECRET_ASSERTION_ALGORITHMS : [])];
  for (const alg of algorithms) {
    if (!ALL_ASSERTION_ALGORITHMS.includes(alg)) {
      throw invalid('tokenEndpointAuthSigningAlgs', `"${String(alg)}" is not a JWS algorithm for client assertions (${ALL_ASSERTION_ALGORITHMS.join(', ')})`);
    }
    if (!hmac && (SECRET_ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
      throw invalid('tokenEndpointAuthSigningAlgs', `"${alg}" is for client_secret_jwt, which tokenEndpointAuthMethods does not list`);
    }
  }
  return { tokenEndpointAuthMethods: [...methods], tokenEndpointAuthSigningAlgs: [...algorithms] };
}

/** Pushed authorization requests (RFC 9126), checked at start: they live in the model's record store. */
function resolvePushedRequests(
  options: AuthorizationServerOptions,
  model: Record<string, unknown>,
  grants: ReadonlyMap<string, Grant>,
): ResolvedOptions['pushedAuthorizationRequests'] {
  const records = hasRecordStore(model);
  const required = options.requirePushedAuthorizationRequests ?? false;
  const on = options.pushedAuthorizationRequests ?? (records && [...grants.values()].some((grant) => grant.authorization !== undefined));
  if (!on) {
    if (required) throw invalid('requirePushedAuthorizationRequests', 'is true but pushedAuthorizationRequests is off');
    return undefined;
  }
  if (!records) {
    throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.putRecord', 'is required by pushed authorization requests (the record store: putRecord, getRecord, replaceRecord, takeRecord)');
  }
  return { ttl: seconds(options.pushedAuthorizationRequestTtl, 60, 'pushedAuthorizationRequestTtl', 600), required };
}

/** Checks every option once, at start, and fills in the defaults. Throws ConfigError naming the field. */
export function resolveOptions(given: AuthorizationServerOptions): ResolvedOptions {
  if (given.profile !== undefined && given.profile !== 'fapi2') throw invalid('profile', `"${String(given.profile)}" is not a profile (only "fapi2")`);
  const options = given.profile === 'fapi2' ? applyFapi2Profile(given) : given;
  const issuer = validateIssuer(options.issuer);
  if (!Array.isArray(options.grantTypes)) throw invalid('grantTypes', `must list the built-in grants to enable: ${builtInGrantTypes.join(', ')}`);
  const model = options.model as unknown as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) throw invalid('model', 'is required');
  const rotation = {
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    refreshTokenReuseInterval: options.refreshTokenReuseInterval ?? 0,
  };
  const resources = resolveResources(options.resources);
  const onError = options.onError ?? ((error: unknown) => console.error('tollgate: unexpected error', error));
  const events = guardListener(options.events, onError);
  const endpoints = { ...DEFAULT_ENDPOINTS, ...options.endpoints };
  if (options.trustedIssuers !== undefined && !Array.isArray(options.trustedIssuers)) throw invalid('trustedIssuers', 'must be a list of { issuer, jwks }');
  const settings = { ...rotation, allowPlainPkce: options.allowPlainPkce ?? false, resources, issuer, tokenEndpoint: `${issuer}${endpoints.token}`, trustedIssuers: options.trustedIssuers ?? [], events };
  const grants = new Map<string, Grant>();
  for (const type of options.grantTypes as readonly string[]) {
    if (!isBuiltInGrantType(type)) throw invalid('grantTypes', `"${type}" is not built in; register extension grants with "grants"`);
    grants.set(type, builtInGrant(type, settings));
  }
  for (const grant of options.grants ?? []) {
    if (typeof grant.type !== 'string' || grant.type === '' || (typeof grant.handle !== 'function' && grant.authorization === undefined)) {
      throw invalid('grants', 'each grant needs a "type" and a "handle" function (or an "authorization" half)');
    }
    if (isBuiltInGrantType(grant.type)) throw invalid('grants', `"${grant.type}" is a built-in grant type`);
    grants.set(grant.type, grant);
  }
  for (const grant of grants.values()) {
    for (const fn of grant.requires ?? []) {
      if (typeof model[fn] !== 'function') throw new ConfigError('ERR_TOLLGATE_MODEL', `model.${fn}`, `is required by the ${grant.type} grant`);
    }
  }
  checkDeviceModel(grants, model);
  if (typeof model['getAccessToken'] !== 'function') {
    throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.getAccessToken', 'is required for bearer authentication');
  }
  const resolved: Omit<ResolvedOptions, 'requestObjects'> = {
    issuer,
    grantTypes: [...options.grantTypes],
    grants,
    accessTokenTtl: seconds(options.accessTokenTtl, 3600, 'accessTokenTtl'),
    refreshTokenTtl: seconds(options.refreshTokenTtl, 1_209_600, 'refreshTokenTtl'),
    authorizationCodeTtl: seconds(options.authorizationCodeTtl, 600, 'authorizationCodeTtl', 600),
    deviceCodeTtl: seconds(options.deviceCodeTtl, 600, 'deviceCodeTtl'),
    ...rotation,
    requirePkce: options.requirePkce ?? false,
    allowPlainPkce: options.allowPlainPkce ?? false,
    allowBearerTokensInQueryString: options.allowBearerTokensInQueryString ?? false,
    allowBearerTokensInBody: options.allowBearerTokensInBody ?? false,
    skyvaultCompat: options.skyvaultCompat ?? false,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    realm: options.realm ?? issuer,
    endpoints,
    scopesSupported: options.scopesSupported,
    onError,
    openid: options.openid,
    resources,
    registration: resolveRegistration(options, resources, model),
    ...resolveClientAuth(options, model),
    events,
    pushedAuthorizationRequests: resolvePushedRequests(options, model, grants),
    profile: options.profile,
    fetchDocument: options.fetchDocument,
    clientIdMetadataDocuments: resolveClientIdMetadataDocuments(options, resources),
    dpop: resolveDpop(options.dpop, typeof model['useOnce'] === 'function'),
  };
  // RFC 9101 §10.1: the algorithms accepted for request objects are those accepted for client assertions (asymmetric only).
  // RFC 9101 §6.1: request objects are verified with the client's registered public keys, so only the
  // asymmetric algorithms (an HS* list is client_secret_jwt's, RFC 7523 §2.2).
  const requestObjects = resolved.pushedAuthorizationRequests && typeof model['useOnce'] === 'function' ? { algorithms: resolved.tokenEndpointAuthSigningAlgs.filter((alg) => !(SECRET_ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) } : undefined;
  return { ...resolved, requestObjects };
}
