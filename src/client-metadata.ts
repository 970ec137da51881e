/**
 * Client metadata a client registers itself (RFC 7591 §2), checked field by field: what it stores
 * is only what passed. Redirect URIs follow RFC 6749 §3.1.2 and RFC 8252 §7 (native apps).
 */
import type { Client, TokenEndpointAuthMethod } from './types.js';
import { InvalidClientMetadataError, InvalidRedirectUriError, UnapprovedSoftwareStatementError } from './errors.js';
import { parseScope } from './scope.js';
import { ASSERTION_ALGORITHMS, assertionAlgorithmsFor } from './client-assertion.js';
import { randomToken } from './secrets.js';
import { clientJwksProblem } from './client-keys.js';

export type ApplicationType = NonNullable<Client['application_type']>;

/** The metadata as validated: a Client without its id (the server assigns that, RFC 7591 §3.2.1). */
export type ClientMetadata = Omit<Client, 'client_id'>;

/** What the server lets a registration ask for. */
export interface RegistrationPolicy {
  /** Grant types the server answers (RFC 7591 §2 `grant_types`). */
  grantTypes: readonly string[];
  /** Scopes a registered client may have; omitted `scope` registers all of them. */
  scope: readonly string[];
  /** The `token_endpoint_auth_method`s a client may register (the server's, less any this kind of client may not use). */
  authMethods: readonly TokenEndpointAuthMethod[];
}

/** RFC 7591 §2.1: the response type each grant type goes with. */
const RESPONSE_TYPE_OF: Readonly<Record<string, string>> = { authorization_code: 'code', implicit: 'token' };
/** Grants that act with the client's own credentials, which a public client does not have (RFC 6749 §2.1, §4.4). */
const CONFIDENTIAL_ONLY = new Set(['client_credentials', 'password']);
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
/** The ID token algorithms a client may choose (the Client type's; the core floor does not import tollgate/oidc). */
const ID_TOKEN_ALGORITHMS: readonly NonNullable<Client['id_token_signed_response_alg']>[] = ['RS256', 'ES256', 'EdDSA'];

/**
 * Why this redirect URI may not be registered, or undefined when it may. https anywhere; http on
 * a loopback IP (RFC 8252 §7.3), and on `localhost` for native apps; a private-use scheme for
 * native apps only, in reverse-domain form (RFC 8252 §7.1), never `javascript:` and the like.
 */
export function redirectUriProblem(uri: string, applicationType: ApplicationType): string | undefined {
  if (!URL.canParse(uri)) return 'is not an absolute URI';
  // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component."
  if (uri.includes('#')) return 'must not have a fragment (RFC 6749 §3.1.2)';
  const url = new URL(uri);
  const native = applicationType === 'native';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (LOOPBACK_IPS.has(url.hostname) || (native && url.hostname === 'localhost')) return undefined;
    return native ? 'uses http on a host other than the loopback interface (RFC 8252 §7.3)' : 'uses http; only https, or http on 127.0.0.1 or [::1] (RFC 8252 §7.3)';
  }
  if (!native) return 'uses a private-use scheme, which only application_type "native" may (RFC 8252 §7.1)';
  // RFC 8252 §7.1: a reverse domain name the app controls, e.g. com.example.app:/callback.
  if (!url.protocol.slice(0, -1).includes('.')) return 'uses a private-use scheme that is not a reverse domain name (RFC 8252 §7.1)';
  return undefined;
}

/**
 * Why this cannot be a client's `jwks_uri`, or undefined when it can: an absolute http(s) URL
 * without a fragment. Whether it may be fetched (https, a public address) is the fetcher's to say.
 */
export function jwksUriProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return 'must be an absolute URL';
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (value.includes('#')) return 'must not have a fragment';
  return undefined;
}

/** The grant types a client may give itself: RFC 9700 §2.1.2, §2.4, never the implicit or the password grant. */
export function selfRegistrableGrantTypes(grantTypes: Iterable<string>): string[] {
  return [...grantTypes].filter((type) => type !== 'implicit' && type !== 'password');
}

/**
 * Whether a client with this method holds a secret the server issues (RFC 6749 §2.3.1), sent as it
 * is or, for client_secret_jwt, as the HMAC key of its assertions; `none` and private_key_jwt do not.
 */
export function usesSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt';
}

/**
 * A new secret for a client with this method: 256 random bits, or 512 for client_secret_jwt, whose
 * secret is an HMAC key and must be as long as the hash output of HS512 as well (RFC 7518 §3.2).
 */
export function newClientSecret(method: TokenEndpointAuthMethod): string {
  return randomToken(method === 'client_secret_jwt' ? 64 : 32);
}

function metadataError(field: string, message: string): InvalidClientMetadataError {
  return new InvalidClientMetadataError(`${field} ${message}`);
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw metadataError(field, 'must be an array of strings');
  return [...new Set(value as string[])];
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw metadataError(field, 'must be a non-empty string');
  return value;
}

/**
 * The client's public keys (RFC 7591 §2): `jwks` or `jwks_uri`, never both, one of them required
 * by private_key_jwt (RFC 7523 §2.2); `token_endpoint_auth_signing_alg` one the server accepts.
 */
function registeredKeys(m: Record<string, unknown>, method: TokenEndpointAuthMethod): Pick<ClientMetadata, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg'> {
  const keys: Pick<ClientMetadata, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg'> = {};
  if (m.jwks !== undefined && m.jwks_uri !== undefined) throw metadataError('jwks_uri', 'must not be sent together with jwks (RFC 7591 §2)');
  if (m.jwks !== undefined) {
    const problem = clientJwksProblem(m.jwks);
    if (problem) throw metadataError(`jwks.${problem.member}`, problem.message);
    keys.jwks = m.jwks as NonNullable<ClientMetadata['jwks']>;
  }
  if (m.jwks_uri !== undefined) {
    const problem = jwksUriProblem(m.jwks_uri);
    if (problem) throw metadataError('jwks_uri', problem);
    keys.jwks_uri = m.jwks_uri as string;
  }
  if (method === 'private_key_jwt' && keys.jwks === undefined && keys.jwks_uri === undefined) {
    throw metadataError('jwks', 'or jwks_uri is required by private_key_jwt: the public keys that verify the client\'s assertions');
  }
  const alg = m.token_endpoint_auth_signing_alg;
  if (alg !== undefined) {
    // RFC 8725 §2.1: HS* for client_secret_jwt, asymmetric for the rest, never crossed.
    const allowed = assertionAlgorithmsFor(method);
    if (!(allowed as readonly unknown[]).includes(alg)) throw metadataError('token_endpoint_auth_signing_alg', `must be one of ${allowed.join(', ')} for ${method}`);
    keys.token_endpoint_auth_signing_alg = alg as string;
  }
  return keys;
}

/** The scope a registration asks for: well-formed, and only what the server offers. */
function registeredScope(value: unknown, policy: RegistrationPolicy): string[] {
  if (typeof value !== 'string') throw metadataError('scope', 'must be a space-separated string');
  let asked: string[];
  try {
    asked = parseScope(value) ?? [];
  } catch {
    throw metadataError('scope', 'is malformed (RFC 6749 §3.3)');
  }
  const unknown = asked.filter((token) => !policy.scope.includes(token));
  if (unknown.length > 0) throw metadataError('scope', `has scopes this server does not offer: ${unknown.join(' ')}`);
  return asked;
}

/**
 * The metadata of a registration request (RFC 7591 §2, §3.1), checked against the policy:
 * `invalid_redirect_uri` for a redirect URI, `invalid_client_metadata` for anything else,
 * `unapproved_software_statement` for a software statement (§2.3), which this server does not take.
 * Unknown fields are ignored, as §2 asks.
 */
export function validateClientMetadata(body: unknown, policy: RegistrationPolicy): ClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidClientMetadataError('The request body must be a JSON object');
  const m = body as Record<string, unknown>;
  if (m.software_statement !== undefined) throw new UnapprovedSoftwareStatementError('Software statements are not accepted by this server');

  const applicationType = m.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native') throw metadataError('application_type', 'must be "web" or "native"');

  // RFC 7591 §2: token_endpoint_auth_method defaults to client_secret_basic.
  const method = m.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!policy.authMethods.includes(method as TokenEndpointAuthMethod)) throw metadataError('token_endpoint_auth_method', `must be one of ${policy.authMethods.join(', ')}`);

  // RFC 7591 §2: grant_types defaults to authorization_code, response_types to code.
  const grantTypes = stringList(m.grant_types, 'grant_types') ?? ['authorization_code'];
  for (const type of grantTypes) {
    if (!policy.grantTypes.includes(type)) throw metadataError('grant_types', `has "${type}", which this server does not support`);
    if (method === 'none' && CONFIDENTIAL_ONLY.has(type)) throw metadataError('grant_types', `has "${type}", which a public client (token_endpoint_auth_method "none") may not use`);
  }
  if (grantTypes.includes('refresh_token') && !grantTypes.some((type) => type in RESPONSE_TYPE_OF || CONFIDENTIAL_ONLY.has(type))) {
    throw metadataError('grant_types', 'has refresh_token without a grant that issues one');
  }
  // RFC 7591 §2.1: response types and grant types must agree.
  const responseTypes = stringList(m.response_types, 'response_types') ?? grantTypes.flatMap((type) => RESPONSE_TYPE_OF[type] ?? []);
  const expected = grantTypes.flatMap((type) => RESPONSE_TYPE_OF[type] ?? []);
  if (responseTypes.length !== expected.length || !responseTypes.every((type) => expected.includes(type))) {
    throw metadataError('response_types', `must be ${JSON.stringify(expected)} for these grant_types (RFC 7591 §2.1)`);
  }

  const redirectUris = stringList(m.redirect_uris, 'redirect_uris') ?? [];
  if (expected.length > 0 && redirectUris.length === 0) throw new InvalidRedirectUriError('redirect_uris is required for the authorization_code and implicit grants');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri, applicationType);
    if (problem !== undefined) throw new InvalidRedirectUriError(`The redirect URI "${uri}" ${problem}`);
  }

  const scope = m.scope === undefined ? [...policy.scope] : registeredScope(m.scope, policy);

  const keys = registeredKeys(m, method as TokenEndpointAuthMethod);
  const clientName = optionalString(m.client_name, 'client_name');
  // RFC 9126 §6: a client may ask that its authorization requests be accepted only when pushed.
  const requirePar = m.require_pushed_authorization_requests;
  if (requirePar !== undefined && typeof requirePar !== 'boolean') throw metadataError('require_pushed_authorization_requests', 'must be true or false');
  const openid = openIdMetadata(m, applicationType);
  const requestObjects = requestObjectMetadata(m, keys);
  // RFC 9449 §5.2: a boolean, default false.
  const dpopBound = m.dpop_bound_access_tokens;
  if (dpopBound !== undefined && typeof dpopBound !== 'boolean') throw metadataError('dpop_bound_access_tokens', 'must be true or false');
  return {
    ...keys,
    token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    redirect_uris: redirectUris,
    grant_types: grantTypes,
    application_type: applicationType,
    // Never absent: a client without `scope` could ask for any (see validateScope's default policy).
    scope: scope.join(' '),
    ...(clientName !== undefined && { client_name: clientName }),
    ...(requirePar === true && { require_pushed_authorization_requests: true }),
    ...(dpopBound === true && { dpop_bound_access_tokens: true }),
    ...openid,
    ...requestObjects,
  };
}

/**
 * RFC 9101 §10.5 (OpenID Connect Registration §2): the one algorithm of the client's request
 * objects, and whether it sends only those, which needs keys to verify them.
 */
function requestObjectMetadata(m: Record<string, unknown>, keys: Pick<ClientMetadata, 'jwks' | 'jwks_uri'>): Pick<ClientMetadata, 'request_object_signing_alg' | 'require_signed_request_object'> {
  const alg = m.request_object_signing_alg;
  if (alg !== undefined && !(ASSERTION_ALGORITHMS as readonly unknown[]).includes(alg)) throw metadataError('request_object_signing_alg', `must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  const required = m.require_signed_request_object;
  if (required !== undefined && typeof required !== 'boolean') throw metadataError('require_signed_request_object', 'must be true or false');
  if (required === true && keys.jwks === undefined && keys.jwks_uri === undefined) {
    throw metadataError('require_signed_request_object', 'needs jwks or jwks_uri: the public keys that verify the request objects');
  }
  return {
    ...(alg !== undefined && { request_object_signing_alg: alg as string }),
    ...(required === true && { require_signed_request_object: true }),
  };
}

/**
 * The OpenID Connect registration fields (Dynamic Client Registration 1.0 §2): the ID token's
 * algorithm, the logout redirect URIs (RP-Initiated Logout 1.0 §3.1: the rules of redirect URIs),
 * and `subject_type`, of which only `public` is served (Core §8).
 */
function openIdMetadata(m: Record<string, unknown>, applicationType: ApplicationType): Pick<ClientMetadata, 'id_token_signed_response_alg' | 'post_logout_redirect_uris'> {
  if (m.subject_type !== undefined && m.subject_type !== 'public') throw metadataError('subject_type', 'must be "public" (pairwise subject identifiers are not supported)');
  const alg = m.id_token_signed_response_alg;
  if (alg !== undefined && !ID_TOKEN_ALGORITHMS.some((known) => known === alg)) {
    throw metadataError('id_token_signed_response_alg', `must be one of ${ID_TOKEN_ALGORITHMS.join(', ')}`);
  }
  const logoutUris = stringList(m.post_logout_redirect_uris, 'post_logout_redirect_uris');
  for (const uri of logoutUris ?? []) {
    const problem = redirectUriProblem(uri, applicationType);
    if (problem !== undefined) throw metadataError('post_logout_redirect_uris', `has "${uri}", which ${problem}`);
  }
  return {
    ...(alg !== undefined && { id_token_signed_response_alg: alg as (typeof ID_TOKEN_ALGORITHMS)[number] }),
    ...(logoutUris !== undefined && { post_logout_redirect_uris: logoutUris }),
  };
}
