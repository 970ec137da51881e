/**
 * Client metadata a client registers itself (RFC 7591 §2), checked field by field: what it stores
 * is only what passed. Redirect URIs follow RFC 6749 §3.1.2 and RFC 8252 §7 (native apps).
 */
import type { Client, TokenEndpointAuthMethod } from './types.js';
import { InvalidClientMetadataError, InvalidRedirectUriError, UnapprovedSoftwareStatementError } from './errors.js';
import { parseScope } from './scope.js';

export type ApplicationType = NonNullable<Client['application_type']>;

/** The metadata as validated: a Client without its id (the server assigns that, RFC 7591 §3.2.1). */
export type ClientMetadata = Omit<Client, 'client_id'>;

/** What the server lets a registration ask for. */
export interface RegistrationPolicy {
  /** Grant types the server answers (RFC 7591 §2 `grant_types`). */
  grantTypes: readonly string[];
  /** Scopes a registered client may have; omitted `scope` registers all of them. */
  scope: readonly string[];
}

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
/** RFC 7591 §2.1: the response type each grant type goes with. */
const RESPONSE_TYPE_OF: Readonly<Record<string, string>> = { authorization_code: 'code', implicit: 'token' };
/** Grants that act with the client's own credentials, which a public client does not have (RFC 6749 §2.1, §4.4). */
const CONFIDENTIAL_ONLY = new Set(['client_credentials', 'password']);
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);

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
  if (!AUTH_METHODS.includes(method as TokenEndpointAuthMethod)) throw metadataError('token_endpoint_auth_method', `must be one of ${AUTH_METHODS.join(', ')}`);

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

  for (const field of ['jwks', 'jwks_uri']) if (m[field] !== undefined) throw metadataError(field, 'is not supported: no client authentication method here uses keys');
  const clientName = optionalString(m.client_name, 'client_name');
  // RFC 9449 §5.2: a boolean, default false.
  const dpopBound = m.dpop_bound_access_tokens;
  if (dpopBound !== undefined && typeof dpopBound !== 'boolean') throw metadataError('dpop_bound_access_tokens', 'must be true or false');
  return {
    token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    redirect_uris: redirectUris,
    grant_types: grantTypes,
    application_type: applicationType,
    // Never absent: a client without `scope` could ask for any (see validateScope's default policy).
    scope: scope.join(' '),
    ...(clientName !== undefined && { client_name: clientName }),
    ...(dpopBound === true && { dpop_bound_access_tokens: true }),
  };
}
