/** The server's JSON config file (DESIGN.md "Config file"): read once at start, every field checked, errors naming the field. */
import type { AuditConfig } from './audit-log.js';
import type { MetricsConfig, TrustProxyConfig } from './ops-config.js';
import { auditConfig, metricsConfig, trustProxyConfig } from './ops-config.js';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ClientRegistration, UserRegistration } from '../stores/store.js';
import { ConfigError } from '../index.js';
import { parseStoreSpec } from './open-store.js';
import { ID_TOKEN_ALGORITHMS, claimsProblem } from '../oidc/index.js';
import { ASSERTION_ALGORITHMS, assertionAlgorithmsFor, MIN_SECRET_BYTES } from '../client-assertion.js';
import type { TokenEndpointAuthMethod } from '../types.js';
import { clientJwksProblem } from '../client-keys.js';
import { jwksUriProblem } from '../client-metadata.js';
import { redirectUriProblem } from '../client-metadata.js';
import { DPOP_ALGORITHMS } from '../dpop/proof.js';
import { ACCESS_TOKEN_ALGORITHMS } from '../tokens/signing-keys.js';
import type { SigningAlgorithm } from '../tokens/signing-keys.js';
import type { TrustedIssuer } from '../grants/jwt-bearer.js';
import { JWT_BEARER } from '../grants/jwt-bearer.js';
import { TOKEN_EXCHANGE } from '../grants/token-exchange.js';
import { DEVICE_CODE } from '../grants/device-code.js';
import { FAPI2_MAX_CODE_TTL } from '../fapi2.js';
import { isSecretHash, passwordHashProblem } from '../secrets.js';
import type { Branding } from './views.js';
import { uiConfig } from './ui/config.js';
import type { PageName } from './ui/templates.js';
import { loadTemplates } from './ui/templates.js';
import { loadUserModule } from './user-module.js';

/** At most `max` requests per `windowSeconds`, per key. */
export interface RateLimitRule {
  max: number;
  windowSeconds: number;
}

export interface RateLimits {
  /** Token endpoint requests per client_id. */
  tokenPerClient: RateLimitRule;
  /** Token endpoint requests per client IP address. */
  tokenPerIp: RateLimitRule;
  /** Failed password checks per username across every IP address: the ceiling for a spread attack (see password-guard.ts). */
  loginPerUsername: RateLimitRule;
  /** Failed password checks per (username, IP address) pair. */
  loginPerUsernameAndIp: RateLimitRule;
  /** Password checks (sign-in form, password and external_token grants, compat Basic) per client IP address. */
  loginPerIp: RateLimitRule;
  /** Dynamic client registrations (RFC 7591) per client IP address. */
  registrationPerIp: RateLimitRule;
  /** User codes entered at the device page (RFC 8628 §5.1: guessing them) per client IP address. */
  userCodePerIp: RateLimitRule;
  /** User codes entered at the device page per sign-in session. */
  userCodePerSession: RateLimitRule;
}

/** The HTTP server's own limits: slow or idle clients must not hold connections for long. */
export interface HttpLimits {
  /** Seconds to receive a whole request, body included (Node's `requestTimeout`). */
  requestTimeout: number;
  /** Seconds to receive the request headers (Node's `headersTimeout`); at most `requestTimeout`. */
  headersTimeout: number;
  /** Seconds an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /** Open connections at most; more are closed as they arrive. */
  maxConnections: number;
}

/** The upstream authorization server whose tokens the external_token grant imports (seed 002's properties). */
export interface UpstreamConfig {
  /** RFC 7662 introspection endpoint at the upstream: every imported token is checked there. */
  introspectionUri: string;
  clientId: string;
  clientSecret: string;
  accessTokenUri?: string | undefined;
  userAuthorizationUri?: string | undefined;
}

/** A configured user: the registration, and the standard claims UserInfo releases (OpenID Connect Core §5.1). */
export type ConfiguredUser = UserRegistration & {
  claims?: Readonly<Record<string, unknown>> | undefined;
};

/** A protected resource tokens may be asked for with `resource` (RFC 8707). */
export interface ResourceConfig {
  /** Its identifier: an absolute URI without fragment, e.g. the MCP server's URL. */
  uri: string;
  /** The scopes it serves, space-separated. */
  scope: string;
  /** Default: the top-level `accessTokenFormat`. */
  accessTokenFormat?: 'opaque' | 'jwt' | undefined;
  accessTokenTtl?: number | undefined;
}

export interface ServerConfig {
  /** Absent: the URL the server listens on. */
  issuer?: string | undefined;
  host: string;
  port: number;
  store: string;
  accessTokenFormat: 'opaque' | 'jwt';
  /** The `aud` of JWT access tokens. Default: the issuer. */
  audience?: string | undefined;
  /** The algorithm of the JWT signing key made at first start and by `keys rotate` (RFC 9068 §2.1). Default ES256. */
  accessTokenSigningAlg: SigningAlgorithm;
  /** Seconds a rotated-in JWT signing key is published before it signs (JWKS caches must learn it first). */
  keyActivationDelay: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  authorizationCodeTtl: number;
  /** Seconds a device code and its user code live (RFC 8628 §3.2 `expires_in`). */
  deviceCodeTtl: number;
  clients: ClientRegistration[];
  users: ConfiguredUser[];
  /**
   * `users: { module }`: the users come from this module (`getUser`, optionally `getUserById`), not
   * the store; absolute once `loadConfig` has read the file (relative to it). `users` is then empty.
   */
  usersModule?: string | undefined;
  skyvaultCompat: boolean;
  /** OpenTelemetry spans through `@opentelemetry/api` and the tracer provider the host registered (docs/production.md). */
  tracing: boolean;
  upstream?: UpstreamConfig | undefined;
  rateLimit: RateLimits;
  http: HttpLimits;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** Processes serving the port (node:cluster); 1: this process alone. */
  workers: number;
  /** Signs the login session cookie; generated at start when absent (sessions then end with the process). */
  sessionSecret?: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** RFC 8707 resources; empty: tokens are not bound to any. */
  resources: ResourceConfig[];
  /** Dynamic client registration (RFC 7591, RFC 7592) at /oauth/register. */
  registration: { enabled: boolean; initialAccessToken?: string | undefined };
  /** Origins whose browser apps may call the metadata, JWKS, token, revocation and registration endpoints. */
  cors: { origins: string[] };
  /** Issuers whose JWT assertions the jwt-bearer grant accepts (RFC 7523 §2.1), with their public keys inline. */
  trustedIssuers: TrustedIssuer[];
  /**
   * Client ID metadata documents (URL client_ids, fetched). `allowPrivateNetworks` lets every
   * document the server fetches for clients (these and `jwks_uri`) come from loopback and private
   * addresses, over http too: for tests and private deployments only.
   */
  clientIdMetadataDocuments: { enabled: boolean; allowPrivateNetworks: boolean };
  /** How the pages look: `ui` (or its aliases `branding` and `scopeDescriptions`); templates read by `loadConfig`. */
  branding: Branding;
  /** `ui.templates` as the file names them (page → file, relative to the config file). */
  uiTemplates: Partial<Record<PageName, string>>;
  /** Prometheus `/metrics`: off, on the main port, or `{ port }`. */
  metrics: MetricsConfig;
  /** Audit events as JSON lines: off, into the log, or `{ file }`. */
  audit: AuditConfig;
  /** Proxies whose X-Forwarded-* headers count (client address, scheme, host). */
  trustProxy: TrustProxyConfig;
  /** RFC 9126 §5: refuse every authorization request that was not pushed first. */
  requirePushedAuthorizationRequests: boolean;
  /** `fapi2`: the FAPI 2.0 Security Profile (docs/fapi2.md). */
  profile?: 'fapi2' | undefined;
  /** DPoP (RFC 9449): the proof algorithms, and whether proofs must carry a server nonce (§8). */
  dpop: DpopConfig;
}

/** The `dpop` section: always on (every store has the replay cache); algorithms and nonces are the choices. */
export interface DpopConfig {
  algorithms?: string[] | undefined;
  nonce: boolean;
}

/** Generous enough that tests and benchmarks are never throttled unless they ask to be. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  tokenPerClient: { max: 1000, windowSeconds: 1 },
  tokenPerIp: { max: 5000, windowSeconds: 1 },
  loginPerUsername: { max: 50, windowSeconds: 3600 },
  loginPerUsernameAndIp: { max: 5, windowSeconds: 300 },
  loginPerIp: { max: 100, windowSeconds: 60 },
  registrationPerIp: { max: 100, windowSeconds: 3600 },
  userCodePerIp: { max: 60, windowSeconds: 300 },
  userCodePerSession: { max: 20, windowSeconds: 300 },
};

export const DEFAULT_HTTP_LIMITS: HttpLimits = { requestTimeout: 30, headersTimeout: 10, keepAliveTimeout: 5, maxConnections: 1000 };

const GRANT_TYPES = [
  'authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token', 'external_token', TOKEN_EXCHANGE, JWT_BEARER, DEVICE_CODE,
];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'];
const MAX_WORKERS = 256;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Json = Record<string, unknown>;

export function fail(field: string, message: string): never {
  throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', field, message);
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function object(value: unknown, field: string, allowed: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, `must be an object, not ${show(value)}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${field}.${key}`, `is not a known field; allowed: ${allowed.join(', ')}`);
  }
  return value as Json;
}

export function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') fail(field, `must be a non-empty string, not ${show(value)}`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : string(value, field);
}

export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be a whole number from ${min} to ${max}, not ${show(value)}`);
  }
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, `must be true or false, not ${show(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) fail(field, `must be one of ${allowed.join(', ')}, not ${show(value)}`);
  return value as T;
}

export function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, `must be an array, not ${show(value)}`);
  return value;
}

function httpUrl(value: unknown, field: string): string {
  const text = string(value, field);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(field, `${show(text)} is not an absolute http(s) URL`);
  return text;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function issuerUrl(value: unknown, field: string): string {
  const url = new URL(httpUrl(value, field));
  // RFC 8414 §2: https, without query or fragment (http only on this machine).
  if (url.protocol !== 'https:' && !isLoopback(url.hostname)) fail(field, `must use https (http only for localhost), not ${show(value)}`);
  if (url.search || url.hash) fail(field, `must not have a query or fragment: ${show(value)}`);
  return url.href.replace(/\/$/, '');
}

function storeSpec(value: unknown, field: string): string {
  const text = string(value, field);
  try {
    parseStoreSpec(text);
  } catch (err) {
    fail(field, (err as Error).message);
  }
  return text;
}

/**
 * How many processes serve (`--workers`, or the config's `workers`). Each process has its own
 * memory, so the memory store would give each worker tokens the others cannot see.
 */
export function workerCount(value: unknown, store: string, field: string): number {
  const count = integer(value, field, 1, MAX_WORKERS);
  if (count > 1 && store === 'memory') {
    fail(field, `${count} processes cannot share the "memory" store (each would see only its own tokens); use sqlite:, postgres:// or redis://`);
  }
  return count;
}

function rateLimitRule(value: unknown, field: string): RateLimitRule {
  const rule = object(value, field, ['max', 'windowSeconds']);
  return { max: integer(rule.max, `${field}.max`, 1, 1e9), windowSeconds: integer(rule.windowSeconds, `${field}.windowSeconds`, 1, 86_400) };
}

function rateLimits(value: unknown, field: string): RateLimits {
  if (value === undefined) return DEFAULT_RATE_LIMITS;
  const names = Object.keys(DEFAULT_RATE_LIMITS) as Array<keyof RateLimits>;
  const given = object(value, field, names);
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const name of names) if (given[name] !== undefined) limits[name] = rateLimitRule(given[name], `${field}.${name}`);
  return limits;
}

/**
 * A registered redirect URI: absolute http(s), no fragment (RFC 6749 §3.1.2), and https unless the
 * host is the loopback interface (RFC 8252 §7.3) or the client opted out with `allowInsecureRedirect`.
 */
function redirectUri(value: unknown, field: string, allowInsecure: boolean): string {
  const checked = httpUrl(value, field);
  const url = new URL(checked);
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
  if (url.hash) fail(field, `${show(checked)} must not have a fragment (RFC 6749 §3.1.2)`);
  // RFC 6749 §3.1.2.1: codes and tokens travel in this URI; over plain http anyone on the path reads them.
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecure) {
    fail(field, `${show(checked)} uses plain http; only loopback hosts may (RFC 6749 §3.1.2.1, RFC 8252 §7.3), or set allowInsecureRedirect`);
  }
  return checked;
}

/** A native app's redirect URI (RFC 8252 §7): also a private-use scheme, or http://localhost on any port. */
function nativeRedirectUri(value: unknown, field: string): string {
  const uri = string(value, field);
  const problem = redirectUriProblem(uri, 'native');
  if (problem !== undefined) fail(field, `${show(uri)} ${problem}`);
  return uri;
}

/** The `http` object: the server's connection limits, in seconds (and a count). */
function httpLimits(value: unknown, field: string): HttpLimits {
  if (value === undefined) return DEFAULT_HTTP_LIMITS;
  const given = object(value, field, Object.keys(DEFAULT_HTTP_LIMITS));
  const limits = { ...DEFAULT_HTTP_LIMITS };
  for (const name of Object.keys(DEFAULT_HTTP_LIMITS) as Array<keyof HttpLimits>) {
    if (given[name] !== undefined) limits[name] = integer(given[name], `${field}.${name}`, 1, name === 'maxConnections' ? 1e6 : 3600);
  }
  // Node refuses a headers timeout longer than the whole request's.
  if (limits.headersTimeout > limits.requestTimeout) fail(`${field}.headersTimeout`, `must not exceed requestTimeout (${limits.requestTimeout})`);
  return limits;
}

/**
 * A client's `jwks` or `jwks_uri` (never both, RFC 7591 §2) and `token_endpoint_auth_signing_alg`
 * (OpenID Connect Registration §2): public signing keys, one of the two required by private_key_jwt.
 */
function clientKeys(c: Json, field: string, method: string | undefined, secret: object | undefined): Pick<ClientRegistration, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg'> {
  const keys: Pick<ClientRegistration, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg'> = {};
  if (c.jwks !== undefined && c.jwks_uri !== undefined) fail(`${field}.jwks_uri`, 'must not be set together with "jwks" (RFC 7591 §2)');
  if (c.jwks !== undefined) {
    const problem = clientJwksProblem(c.jwks);
    if (problem) fail(`${field}.jwks.${problem.member}`, problem.message);
    keys.jwks = c.jwks as NonNullable<ClientRegistration['jwks']>;
  }
  if (c.jwks_uri !== undefined) {
    const problem = jwksUriProblem(c.jwks_uri);
    if (problem) fail(`${field}.jwks_uri`, `${problem}, not ${show(c.jwks_uri)}`);
    keys.jwks_uri = c.jwks_uri as string;
  }
  if (c.token_endpoint_auth_signing_alg !== undefined) {
    // RFC 8725 §2.1: HS* for client_secret_jwt, asymmetric for the rest, never crossed.
    keys.token_endpoint_auth_signing_alg = oneOf(c.token_endpoint_auth_signing_alg, `${field}.token_endpoint_auth_signing_alg`, assertionAlgorithmsFor((method ?? 'client_secret_basic') as TokenEndpointAuthMethod));
  }
  if (method === 'private_key_jwt') {
    if (keys.jwks === undefined && keys.jwks_uri === undefined) fail(`${field}.jwks`, 'or "jwks_uri" is required by private_key_jwt: the public keys that verify the client\'s assertions');
    // A secret would be a second, weaker way in for a client that chose asymmetric keys.
    if (secret !== undefined) fail(`${field}.client_secret`, 'is set but token_endpoint_auth_method is "private_key_jwt" (which uses no secret)');
  }
  return keys;
}

/**
 * A client_secret_jwt client's secret: the HMAC key of its assertions (RFC 7523 §2.2), so the store
 * keeps it as it is (README, "Client authentication with a signed JWT"): a hash cannot serve, and
 * RFC 7518 §3.2 asks 256 bits of key for HS256.
 */
function clientSecretJwtSecret(secret: { client_secret: string } | { client_secret_hash: string } | undefined, field: string): void {
  if (secret !== undefined && 'client_secret_hash' in secret) {
    fail(`${field}.client_secret_hash`, 'cannot serve client_secret_jwt: its assertions are HMACs keyed with the secret itself, which the store then keeps as it is; give "client_secret", or use private_key_jwt');
  }
  if (secret !== undefined && Buffer.byteLength(secret.client_secret) < MIN_SECRET_BYTES) {
    fail(`${field}.client_secret`, `must be at least ${MIN_SECRET_BYTES} bytes for client_secret_jwt (an HS256 key, RFC 7518 §3.2)`);
  }
}

function client(value: unknown, field: string): ClientRegistration {
  const c = object(value, field, [
    'client_id', 'client_secret', 'client_name', 'redirect_uris', 'grant_types', 'scope',
    'token_endpoint_auth_method', 'require_pkce', 'access_token_lifetime', 'refresh_token_lifetime',
    'introspection_allowed', 'allowInsecureRedirect', 'allowPublicPasswordGrant', 'application_type', 'id_token_signed_response_alg',
    'post_logout_redirect_uris', 'jwks', 'jwks_uri', 'token_endpoint_auth_signing_alg', 'client_secret_hash',
    'require_pushed_authorization_requests',
    'dpop_bound_access_tokens',
    'request_object_signing_alg', 'require_signed_request_object',
  ]);
  const applicationType = c.application_type === undefined ? undefined : oneOf(c.application_type, `${field}.application_type`, ['web', 'native'] as const);
  const clientId = string(c.client_id, `${field}.client_id`);
  // The secret in clear or pre-hashed; either makes the client confidential.
  const secret = clientSecret(c, field);
  const grantTypes = array(c.grant_types ?? ['authorization_code', 'refresh_token'], `${field}.grant_types`).map((g, i) =>
    oneOf(g, `${field}.grant_types[${i}]`, GRANT_TYPES),
  );
  // Config-only: it decides what the file may register and is not stored with the client.
  const allowInsecureRedirect = c.allowInsecureRedirect === undefined ? false : boolean(c.allowInsecureRedirect, `${field}.allowInsecureRedirect`);
  const redirectUris = array(c.redirect_uris ?? [], `${field}.redirect_uris`).map((uri, i) =>
    applicationType === 'native' ? nativeRedirectUri(uri, `${field}.redirect_uris[${i}]`) : redirectUri(uri, `${field}.redirect_uris[${i}]`, allowInsecureRedirect),
  );
  if (redirectUris.length === 0 && (grantTypes.includes('authorization_code') || grantTypes.includes('implicit'))) {
    fail(`${field}.redirect_uris`, 'needs at least one URI for the authorization_code and implicit grants');
  }
  const method = c.token_endpoint_auth_method === undefined ? undefined : oneOf(c.token_endpoint_auth_method, `${field}.token_endpoint_auth_method`, AUTH_METHODS);
  const keys = clientKeys(c, field, method, secret);
  if (secret === undefined && method !== undefined && method !== 'none' && method !== 'private_key_jwt') {
    fail(`${field}.token_endpoint_auth_method`, `is ${show(method)} but the client has no client_secret (a client without one is public: "none")`);
  }
  if (secret !== undefined && method === 'none') fail(`${field}.client_secret`, 'is set but token_endpoint_auth_method is "none" (a public client)');
  if (method === 'client_secret_jwt') clientSecretJwtSecret(secret, field);
  // RFC 9700 §2.4: a public client on the password grant lets anyone guess passwords with no client credentials at all.
  const publicPassword = c.allowPublicPasswordGrant === undefined ? false : boolean(c.allowPublicPasswordGrant, `${field}.allowPublicPasswordGrant`);
  if (secret === undefined && method !== 'private_key_jwt' && grantTypes.includes('password') && !publicPassword) {
    fail(`${field}.grant_types`, 'has "password" but the client is public (no client_secret); set "allowPublicPasswordGrant": true to allow it anyway (discouraged, RFC 9700 §2.4)');
  }
  const registration: ClientRegistration = { client_id: clientId, redirect_uris: redirectUris, grant_types: grantTypes };
  if (secret !== undefined) Object.assign(registration, secret);
  if (method !== undefined) registration.token_endpoint_auth_method = method as ClientRegistration['token_endpoint_auth_method'];
  Object.assign(registration, keys);
  if (c.client_name !== undefined) registration.client_name = string(c.client_name, `${field}.client_name`);
  if (c.scope !== undefined) registration.scope = string(c.scope, `${field}.scope`);
  if (applicationType !== undefined) registration.application_type = applicationType;
  if (c.require_pkce !== undefined) registration.require_pkce = boolean(c.require_pkce, `${field}.require_pkce`);
  if (c.require_pushed_authorization_requests !== undefined) {
    // RFC 9126 §6.
    registration.require_pushed_authorization_requests = boolean(c.require_pushed_authorization_requests, `${field}.require_pushed_authorization_requests`);
  }
  // RFC 9101 §10.5: the algorithm of the client's request objects, and whether it sends only those (verified with its keys).
  if (c.request_object_signing_alg !== undefined) {
    registration.request_object_signing_alg = oneOf(c.request_object_signing_alg, `${field}.request_object_signing_alg`, ASSERTION_ALGORITHMS);
  }
  if (c.require_signed_request_object !== undefined) {
    registration.require_signed_request_object = boolean(c.require_signed_request_object, `${field}.require_signed_request_object`);
    if (registration.require_signed_request_object && keys.jwks === undefined && keys.jwks_uri === undefined) {
      fail(`${field}.require_signed_request_object`, 'needs "jwks" or "jwks_uri": the public keys that verify the request objects');
    }
  }
  // RFC 9449 §5.2: the client's token requests must carry a DPoP proof.
  if (c.dpop_bound_access_tokens !== undefined) registration.dpop_bound_access_tokens = boolean(c.dpop_bound_access_tokens, `${field}.dpop_bound_access_tokens`);
  if (c.access_token_lifetime !== undefined) registration.access_token_lifetime = integer(c.access_token_lifetime, `${field}.access_token_lifetime`, 1, 1e9);
  if (c.refresh_token_lifetime !== undefined) registration.refresh_token_lifetime = integer(c.refresh_token_lifetime, `${field}.refresh_token_lifetime`, 1, 1e9);
  if (c.introspection_allowed !== undefined) {
    const allowed = boolean(c.introspection_allowed, `${field}.introspection_allowed`);
    // RFC 7662 §2.1: introspection needs client authentication, which a public client cannot give.
    if (allowed && secret === undefined && method !== 'private_key_jwt') fail(`${field}.introspection_allowed`, 'is true but the client has no client_secret (a public client cannot introspect)');
    registration.introspection_allowed = allowed;
  }
  if (c.post_logout_redirect_uris !== undefined) {
    // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs (absolute, no fragment, https off loopback).
    registration.post_logout_redirect_uris = array(c.post_logout_redirect_uris, `${field}.post_logout_redirect_uris`).map((uri, i) =>
      redirectUri(uri, `${field}.post_logout_redirect_uris[${i}]`, allowInsecureRedirect),
    );
  }
  if (c.id_token_signed_response_alg !== undefined) {
    // OpenID Connect Registration §2; Core §15.1: RS256 when absent.
    registration.id_token_signed_response_alg = oneOf(c.id_token_signed_response_alg, `${field}.id_token_signed_response_alg`, ID_TOKEN_ALGORITHMS);
  }
  return registration;
}

/** A user's `password`, or its `password_hash` as `tollgate hash-password` prints it: exactly one. */
function userPassword(u: Record<string, unknown>, field: string): { password: string } | { password_hash: string } {
  if (u.password_hash === undefined) return { password: string(u.password, `${field}.password`) };
  if (u.password !== undefined) fail(`${field}.password_hash`, 'is set beside password: give one of the two');
  const hash = string(u.password_hash, `${field}.password_hash`);
  const problem = passwordHashProblem(hash);
  if (problem) fail(`${field}.password_hash`, problem);
  return { password_hash: hash };
}

/** A client's `client_secret`, or its `client_secret_hash` as `tollgate hash-secret` prints it; neither: a public client. */
function clientSecret(c: Record<string, unknown>, field: string): { client_secret: string } | { client_secret_hash: string } | undefined {
  if (c.client_secret_hash === undefined) {
    const secret = optionalString(c.client_secret, `${field}.client_secret`);
    return secret === undefined ? undefined : { client_secret: secret };
  }
  if (c.client_secret !== undefined) fail(`${field}.client_secret_hash`, 'is set beside client_secret: give one of the two');
  const hash = string(c.client_secret_hash, `${field}.client_secret_hash`);
  if (!isSecretHash(hash)) fail(`${field}.client_secret_hash`, 'must be a SHA-256 digest in base64url (43 characters), as `tollgate hash-secret` prints');
  return { client_secret_hash: hash };
}

function user(value: unknown, field: string): ConfiguredUser {
  const u = object(value, field, ['id', 'username', 'password', 'password_hash', 'claims']);
  const registration: ConfiguredUser = { username: string(u.username, `${field}.username`), ...userPassword(u, field) };
  if (u.id !== undefined) registration.id = string(u.id, `${field}.id`);
  if (u.claims !== undefined) {
    const claims = object(u.claims, `${field}.claims`, Object.keys(u.claims ?? {}));
    const problem = claimsProblem(claims);
    if (problem) fail(`${field}.claims.${problem.claim}`, problem.message);
    registration.claims = claims;
  }
  return registration;
}

function upstream(value: unknown, field: string): UpstreamConfig {
  const u = object(value, field, ['introspectionUri', 'clientId', 'clientSecret', 'accessTokenUri', 'userAuthorizationUri']);
  return {
    introspectionUri: httpUrl(u.introspectionUri, `${field}.introspectionUri`),
    clientId: string(u.clientId, `${field}.clientId`),
    clientSecret: string(u.clientSecret, `${field}.clientSecret`),
    accessTokenUri: u.accessTokenUri === undefined ? undefined : httpUrl(u.accessTokenUri, `${field}.accessTokenUri`),
    userAuthorizationUri: u.userAuthorizationUri === undefined ? undefined : httpUrl(u.userAuthorizationUri, `${field}.userAuthorizationUri`),
  };
}

/** Refuses what would be ambiguous: repeated ids, and a client_id a user could be mistaken for. */
function checkIdentities(clients: ClientRegistration[], users: UserRegistration[]): void {
  const seen = new Map<string, number>();
  clients.forEach((c, i) => {
    const first = seen.get(c.client_id);
    if (first !== undefined) fail(`config.clients[${i}].client_id`, `${show(c.client_id)} is already used by config.clients[${first}]`);
    seen.set(c.client_id, i);
  });
  const usernames = new Set<string>();
  users.forEach((u, i) => {
    if (usernames.has(u.username)) fail(`config.users[${i}].username`, `${show(u.username)} is listed twice`);
    usernames.add(u.username);
    for (const name of [u.username, u.id]) {
      const clash = name === undefined ? undefined : seen.get(name);
      // RFC 9700 §4.15: a token's `sub` must never be mistakable for a client acting on its own behalf.
      if (clash !== undefined) {
        fail(`config.clients[${clash}].client_id`, `${show(name)} is also a user's id or username (RFC 9700 §4.15: a client_id must not be mistakable for a user)`);
      }
    }
  });
}

/** A `resources` entry: RFC 8707 §2 identifiers are absolute URIs without a fragment. */
function resource(value: unknown, field: string): ResourceConfig {
  const r = object(value, field, ['uri', 'scope', 'accessTokenFormat', 'accessTokenTtl']);
  const uri = string(r.uri, `${field}.uri`);
  if (!URL.canParse(uri) || uri.includes('#')) fail(`${field}.uri`, `${show(uri)} is not an absolute URI without a fragment (RFC 8707 §2)`);
  const entry: ResourceConfig = { uri, scope: string(r.scope, `${field}.scope`) };
  if (r.accessTokenFormat !== undefined) entry.accessTokenFormat = oneOf(r.accessTokenFormat, `${field}.accessTokenFormat`, ['opaque', 'jwt'] as const);
  if (r.accessTokenTtl !== undefined) entry.accessTokenTtl = integer(r.accessTokenTtl, `${field}.accessTokenTtl`, 1, 1e9);
  return entry;
}

function registration(value: unknown, field: string): ServerConfig['registration'] {
  if (value === undefined) return { enabled: false };
  const r = object(value, field, ['enabled', 'initialAccessToken']);
  const token = optionalString(r.initialAccessToken, `${field}.initialAccessToken`);
  if (token !== undefined && token.length < 32) fail(`${field}.initialAccessToken`, 'must be at least 32 characters');
  return { enabled: r.enabled === undefined ? false : boolean(r.enabled, `${field}.enabled`), ...(token !== undefined && { initialAccessToken: token }) };
}

/** `clientIdMetadataDocuments`: `false` (default), `true` (short for `{ "enabled": true }`), or `{ enabled, allowPrivateNetworks? }`. */
function clientIdMetadataDocuments(value: unknown, field: string): ServerConfig['clientIdMetadataDocuments'] {
  if (value === undefined || typeof value === 'boolean') return { enabled: value ?? false, allowPrivateNetworks: false };
  const d = object(value, field, ['enabled', 'allowPrivateNetworks']);
  return {
    enabled: boolean(d.enabled, `${field}.enabled`),
    allowPrivateNetworks: d.allowPrivateNetworks === undefined ? false : boolean(d.allowPrivateNetworks, `${field}.allowPrivateNetworks`),
  };
}

/** `cors.origins`: each an origin exactly as browsers send it (scheme, host, port; no path). */
function cors(value: unknown, field: string): ServerConfig['cors'] {
  if (value === undefined) return { origins: [] };
  const c = object(value, field, ['origins']);
  const origins = array(c.origins ?? [], `${field}.origins`).map((o, i) => {
    const text = httpUrl(o, `${field}.origins[${i}]`);
    if (new URL(text).origin !== text) fail(`${field}.origins[${i}]`, `${show(text)} is not an origin (scheme://host[:port], no path or trailing slash)`);
    return text;
  });
  return { origins };
}

function resources(value: unknown, field: string): ResourceConfig[] {
  const list = array(value ?? [], field).map((r, i) => resource(r, `${field}[${i}]`));
  list.forEach((r, i) => {
    if (list.findIndex((other) => other.uri === r.uri) !== i) fail(`${field}[${i}].uri`, `${show(r.uri)} is listed twice`);
  });
  return list;
}

/** A `trustedIssuers` entry: `{ issuer, jwks, algorithms?, maxLifetime? }`; the core checks the keys themselves at start. */
function trustedIssuer(value: unknown, field: string): TrustedIssuer {
  const t = object(value, field, ['issuer', 'jwks', 'algorithms', 'maxLifetime']);
  // The same rules as a client's keys (public signing keys only), with the config field named.
  const problem = clientJwksProblem(t.jwks);
  if (problem) fail(`${field}.jwks.${problem.member}`, problem.message);
  const { keys } = t.jwks as { keys: Record<string, unknown>[] };
  const entry: TrustedIssuer = { issuer: string(t.issuer, `${field}.issuer`), jwks: { keys } };
  if (t.algorithms !== undefined) entry.algorithms = array(t.algorithms, `${field}.algorithms`).map((a, i) => string(a, `${field}.algorithms[${i}]`));
  if (t.maxLifetime !== undefined) entry.maxLifetime = integer(t.maxLifetime, `${field}.maxLifetime`, 1, 86_400);
  return entry;
}

function trustedIssuers(value: unknown, field: string, clients: ClientRegistration[]): TrustedIssuer[] {
  const list = array(value ?? [], field).map((t, i) => trustedIssuer(t, `${field}[${i}]`));
  const user = clients.findIndex((c) => c.grant_types.includes(JWT_BEARER));
  // A client registered for the grant with no issuer to trust could never use it: say so at start.
  if (user !== -1 && list.length === 0) fail(field, `is required: config.clients[${user}] lists ${JWT_BEARER}`);
  return list;
}

const FIELDS = [
  'issuer', 'host', 'port', 'store', 'accessTokenFormat', 'audience', 'accessTokenSigningAlg', 'accessTokenTtl', 'refreshTokenTtl',
  'authorizationCodeTtl', 'deviceCodeTtl', 'clients', 'users', 'skyvaultCompat', 'upstream', 'rateLimit', 'bodyLimit',
  'sessionSecret', 'logLevel', 'workers', 'keyActivationDelay', 'http',
  'resources', 'registration', 'cors', 'trustedIssuers', 'clientIdMetadataDocuments',
  'branding', 'scopeDescriptions', 'ui', 'metrics', 'audit', 'trustProxy', 'requirePushedAuthorizationRequests', 'profile', 'dpop',
  'tracing',
];

/**
 * FAPI 2.0 Security Profile §5.3.2.1-2 at start: every client confidential with private_key_jwt,
 * none on the password or implicit grant, codes of 60 seconds at most.
 */
function checkFapi2(clients: ClientRegistration[], authorizationCodeTtl: unknown): void {
  for (const [i, client] of clients.entries()) {
    const field = `config.clients[${i}]`;
    if (client.token_endpoint_auth_method !== 'private_key_jwt') {
      fail(`${field}.token_endpoint_auth_method`, `must be "private_key_jwt" with profile "fapi2" (docs/fapi2.md), not ${show(client.token_endpoint_auth_method ?? 'client_secret_basic')}`);
    }
    const grant = client.grant_types.find((g) => g === 'password' || g === 'implicit');
    if (grant !== undefined) fail(`${field}.grant_types`, `must not include "${grant}" with profile "fapi2"`);
  }
  if (authorizationCodeTtl !== undefined) integer(authorizationCodeTtl, 'config.authorizationCodeTtl', 1, FAPI2_MAX_CODE_TTL);
}

function dpopConfig(value: unknown, field: string): DpopConfig {
  if (value === undefined) return { nonce: false };
  const d = object(value, field, ['algorithms', 'nonce']);
  const result: DpopConfig = { nonce: d.nonce === undefined ? false : boolean(d.nonce, `${field}.nonce`) };
  if (d.algorithms !== undefined) {
    const algorithms = array(d.algorithms, `${field}.algorithms`).map((alg, i) => oneOf(alg, `${field}.algorithms[${i}]`, DPOP_ALGORITHMS));
    if (algorithms.length === 0) fail(`${field}.algorithms`, 'must list at least one algorithm');
    result.algorithms = algorithms;
  }
  return result;
}

/** Checks a parsed config file and fills in the defaults. Throws ConfigError naming the first bad field. */
export function validateConfig(value: unknown): ServerConfig {
  const c = object(value, 'config', FIELDS);
  const clients = array(c.clients ?? [], 'config.clients').map((v, i) => client(v, `config.clients[${i}]`));
  // An existing user database: `{ "module": "./users.mjs" }` instead of a list.
  const usersModule = isUsersModule(c.users) ? string(object(c.users, 'config.users', ['module']).module, 'config.users.module') : undefined;
  const users = usersModule !== undefined ? [] : array(c.users ?? [], 'config.users').map((v, i) => user(v, `config.users[${i}]`));
  checkIdentities(clients, users);
  const sessionSecret = optionalString(c.sessionSecret, 'config.sessionSecret');
  if (sessionSecret !== undefined && sessionSecret.length < 32) fail('config.sessionSecret', 'must be at least 32 characters');
  const store = c.store === undefined ? 'memory' : storeSpec(c.store, 'config.store');
  const profile = c.profile === undefined ? undefined : oneOf(c.profile, 'config.profile', ['fapi2'] as const);
  if (profile === 'fapi2') checkFapi2(clients, c.authorizationCodeTtl);
  const ui = uiConfig(c.ui, c.branding, c.scopeDescriptions);
  return {
    issuer: c.issuer === undefined ? undefined : issuerUrl(c.issuer, 'config.issuer'),
    host: optionalString(c.host, 'config.host') ?? '127.0.0.1',
    port: c.port === undefined ? 9191 : integer(c.port, 'config.port', 0, 65_535),
    store,
    accessTokenFormat: c.accessTokenFormat === undefined ? 'opaque' : oneOf(c.accessTokenFormat, 'config.accessTokenFormat', ['opaque', 'jwt']),
    audience: optionalString(c.audience, 'config.audience'),
    accessTokenSigningAlg: c.accessTokenSigningAlg === undefined ? 'ES256' : oneOf(c.accessTokenSigningAlg, 'config.accessTokenSigningAlg', ACCESS_TOKEN_ALGORITHMS as readonly SigningAlgorithm[]),
    // Default: the JWKS's own max-age, so no cache of it can miss the key that signs.
    keyActivationDelay: c.keyActivationDelay === undefined ? 300 : integer(c.keyActivationDelay, 'config.keyActivationDelay', 0, 86_400),
    accessTokenTtl: c.accessTokenTtl === undefined ? 3600 : integer(c.accessTokenTtl, 'config.accessTokenTtl', 1, 1e9),
    refreshTokenTtl: c.refreshTokenTtl === undefined ? 1_209_600 : integer(c.refreshTokenTtl, 'config.refreshTokenTtl', 1, 1e9),
    // RFC 6749 §4.1.2: ten minutes at most.
    authorizationCodeTtl: c.authorizationCodeTtl === undefined ? (profile === 'fapi2' ? FAPI2_MAX_CODE_TTL : 600) : integer(c.authorizationCodeTtl, 'config.authorizationCodeTtl', 1, 600),
    deviceCodeTtl: c.deviceCodeTtl === undefined ? 600 : integer(c.deviceCodeTtl, 'config.deviceCodeTtl', 1, 86_400),
    clients,
    users,
    usersModule,
    skyvaultCompat: c.skyvaultCompat === undefined ? false : boolean(c.skyvaultCompat, 'config.skyvaultCompat'),
    tracing: c.tracing === undefined ? false : boolean(c.tracing, 'config.tracing'),
    upstream: c.upstream === undefined ? undefined : upstream(c.upstream, 'config.upstream'),
    rateLimit: rateLimits(c.rateLimit, 'config.rateLimit'),
    http: httpLimits(c.http, 'config.http'),
    bodyLimit: c.bodyLimit === undefined ? 64 * 1024 : integer(c.bodyLimit, 'config.bodyLimit', 1024, 16 * 1024 * 1024),
    workers: c.workers === undefined ? 1 : workerCount(c.workers, store, 'config.workers'),
    sessionSecret,
    logLevel: c.logLevel === undefined ? 'info' : oneOf(c.logLevel, 'config.logLevel', LOG_LEVELS),
    resources: resources(c.resources, 'config.resources'),
    registration: registration(c.registration, 'config.registration'),
    cors: cors(c.cors, 'config.cors'),
    trustedIssuers: trustedIssuers(c.trustedIssuers, 'config.trustedIssuers', clients),
    clientIdMetadataDocuments: clientIdMetadataDocuments(c.clientIdMetadataDocuments, 'config.clientIdMetadataDocuments'),
    branding: ui.branding,
    uiTemplates: ui.templates,
    metrics: metricsConfig(c.metrics, 'config.metrics'),
    audit: auditConfig(c.audit, 'config.audit'),
    trustProxy: trustProxyConfig(c.trustProxy, 'config.trustProxy'),
    requirePushedAuthorizationRequests:
      c.requirePushedAuthorizationRequests === undefined ? false : boolean(c.requirePushedAuthorizationRequests, 'config.requirePushedAuthorizationRequests'),
    profile,
    dpop: dpopConfig(c.dpop, 'config.dpop'),
  };
}

/** Reads and checks a config file. */
export async function loadConfig(path: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail('config', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail('config', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  const config = validateConfig(parsed);
  // Files the config names are relative to it, and read and checked now: a bad one stops the start (and `tollgate check`).
  const base = dirname(resolve(path));
  if (config.usersModule !== undefined) {
    config.usersModule = resolve(base, config.usersModule);
    const users = await loadUserModule(config.usersModule);
    // Without getUserById a signed-in user is known only to the process that signed them in.
    if (config.workers > 1 && !users.getUserById) {
      fail('config.workers', `must be 1 when the users module (${config.usersModule}) exports no getUserById: sessions could not find their user in another worker`);
    }
  }
  config.branding = { ...config.branding, templates: await loadTemplates(config.uiTemplates, base, 'config.ui.templates') };
  return config;
}

/** `users` given as `{ "module": … }` rather than a list. */
function isUsersModule(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One client checked as the config file's `clients[i]` are, errors naming `field` (for `tollgate clients add`). */
export const validateClientEntry: (value: unknown, field: string) => ClientRegistration = client;
