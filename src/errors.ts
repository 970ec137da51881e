/**
 * OAuth errors, one class per code. RFC 6749 §4.1.2.1, §4.2.2.1, §5.2; RFC 6750 §3.1;
 * RFC 7009 §2.2.1. Grants and endpoints throw these; `response.ts` renders them.
 */

/** Every error code tollgate answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'interaction_required'
  | 'login_required'
  | 'account_selection_required'
  | 'consent_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_request_uri'
  | 'invalid_request_object'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'unapproved_software_statement'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** How one error is answered, when it differs from its code's defaults. */
export interface OAuthErrorOptions {
  /** The private detail: logged through `onError`, never sent. */
  cause?: unknown;
  /** Another HTTP status for the same code, e.g. 405 or 413 for an `invalid_request`, 429 for a rate limit. */
  status?: number;
  /** Extra response headers, e.g. `Allow`, `Retry-After` or a `WWW-Authenticate` challenge. */
  headers?: Readonly<Record<string, string>>;
  /** False when the error must be shown to the person, never sent to the redirect URI (RFC 6749 §4.1.2.1). */
  redirectable?: boolean;
}

/**
 * The base of every OAuth error: `error` is the RFC code, `description` is safe to send, `cause` is
 * private. Status, headers and redirectability are fixed at construction; `response.ts` renders them.
 */
export abstract class OAuthError extends Error {
  /** The code's HTTP status; a subclass sets its own. */
  static readonly status: number = 400;
  /** Whether errors of this code may go to a trusted redirect URI; a subclass may say no. */
  static readonly redirectable: boolean = true;

  /** The RFC error code, sent as `error` (RFC 6749 §5.2). */
  abstract readonly error: OAuthErrorCode;
  /** The HTTP status of the response: the code's own, or the one given at construction. */
  readonly status: number;
  /**
   * False when the error must never be sent to the redirect URI: an unknown client or a
   * redirect URI that is not registered (RFC 6749 §4.1.2.1). The host shows a page instead.
   */
  readonly redirectable: boolean;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as `error_description`: safe for clients. The private detail goes in `cause`. */
  readonly description: string;

  constructor(description: string, options: OAuthErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    const defaults = new.target as unknown as { status: number; redirectable: boolean };
    this.description = description;
    this.status = options.status ?? defaults.status;
    this.redirectable = options.redirectable ?? defaults.redirectable;
    this.headers = options.headers ?? {};
  }

  /** The subclass's name, e.g. `InvalidRequestError`, as stack traces show it. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** 400: a missing, repeated or malformed parameter. RFC 6749 §5.2. */
export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
  static override readonly status = 400;
}

/** 401: client authentication failed. RFC 6749 §5.2. */
export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  static override readonly status = 401;
  static override readonly redirectable = false;

  constructor(description: string, options: OAuthErrorOptions & { basic?: boolean } = {}) {
    // RFC 6749 §5.2: a client that tried Basic gets a Basic challenge back.
    const challenge = options.basic ? { 'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"' } : undefined;
    super(description, challenge ? { ...options, headers: { ...challenge, ...options.headers } } : options);
  }
}

/** 400: the code, refresh token or resource owner credentials are invalid, expired or revoked. RFC 6749 §5.2. */
export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
  static override readonly status = 400;
}

/** 400: this client may not use this grant or response type. RFC 6749 §4.1.2.1, §5.2. */
export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
  static override readonly status = 400;
}

/** 400: the grant type is not supported. RFC 6749 §5.2. */
export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
  static override readonly status = 400;
}

/** 400: the scope is invalid, unknown, malformed or beyond what was granted. RFC 6749 §5.2. */
export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
  static override readonly status = 400;
}

/** 400: the resource owner or the server denied the request. RFC 6749 §4.1.2.1. */
export class AccessDeniedError extends OAuthError {
  readonly error = 'access_denied';
  static override readonly status = 400;
}

/** 400: the response type is not supported. RFC 6749 §4.1.2.1. */
export class UnsupportedResponseTypeError extends OAuthError {
  readonly error = 'unsupported_response_type';
  static override readonly status = 400;
}

/** 500: an unexpected condition. Its description is always generic. RFC 6749 §4.1.2.1. */
export class ServerError extends OAuthError {
  readonly error = 'server_error';
  static override readonly status = 500;
}

/** 503: overloaded, down for maintenance, or the store cannot be reached. RFC 6749 §4.1.2.1. */
export class TemporarilyUnavailableError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  static override readonly status = 503;

  /** `retryAfter`: seconds, sent as `Retry-After` (RFC 9110 §10.2.3). */
  constructor(description: string, options: OAuthErrorOptions & { retryAfter?: number } = {}) {
    const { retryAfter, ...rest } = options;
    super(description, retryAfter === undefined ? rest : { ...rest, headers: { 'Retry-After': String(retryAfter), ...rest.headers } });
  }
}

/** 401: the access token is expired, revoked, malformed or unknown. RFC 6750 §3.1. */
export class InvalidTokenError extends OAuthError {
  readonly error = 'invalid_token';
  static override readonly status = 401;
}

/** 403: the token lacks the scope the resource needs. RFC 6750 §3.1. */
export class InsufficientScopeError extends OAuthError {
  readonly error = 'insufficient_scope';
  static override readonly status = 403;
}

/** 400: the server cannot revoke this type of token. RFC 7009 §2.2.1. */
export class UnsupportedTokenTypeError extends OAuthError {
  readonly error = 'unsupported_token_type';
  static override readonly status = 400;
}

/** 400: the request needs a page (sign-in, consent or another step) and `prompt=none` forbids one. OpenID Connect Core §3.1.2.6. */
export class InteractionRequiredError extends OAuthError {
  readonly error = 'interaction_required';
  static override readonly status = 400;
}

/** 400: nobody is signed in (or not recently enough) and `prompt=none` forbids the sign-in page. OpenID Connect Core §3.1.2.6. */
export class LoginRequiredError extends OAuthError {
  readonly error = 'login_required';
  static override readonly status = 400;
}

/** 400: the person must choose an account and `prompt=none` forbids the page. OpenID Connect Core §3.1.2.6. */
export class AccountSelectionRequiredError extends OAuthError {
  readonly error = 'account_selection_required';
  static override readonly status = 400;
}

/** 400: the person has not consented and `prompt=none` forbids the consent page. OpenID Connect Core §3.1.2.6. */
export class ConsentRequiredError extends OAuthError {
  readonly error = 'consent_required';
  static override readonly status = 400;
}

/** 400: the server does not support request objects (the `request` parameter). OpenID Connect Core §3.1.2.6, §6. */
export class RequestNotSupportedError extends OAuthError {
  readonly error = 'request_not_supported';
  static override readonly status = 400;
}

/** 400: the server does not support the `request_uri` parameter. OpenID Connect Core §3.1.2.6, §6. */
export class RequestUriNotSupportedError extends OAuthError {
  readonly error = 'request_uri_not_supported';
  static override readonly status = 400;
}

/** 400: a `request_uri` that is unknown, expired, already used or not the client's. RFC 9101 §6.2, RFC 9126 §4. */
export class InvalidRequestUriError extends OAuthError {
  readonly error = 'invalid_request_uri';
  static override readonly status = 400;
}

/** 400: a request object (`request`) that is not signed as required, or fails a check of its claims. RFC 9101 §6.2, §6.3. */
export class InvalidRequestObjectError extends OAuthError {
  readonly error = 'invalid_request_object';
  static override readonly status = 400;
}

/** 400: a `resource` that is malformed, not known, or not within the grant. RFC 8707 §2. */
export class InvalidTargetError extends OAuthError {
  readonly error = 'invalid_target';
  static override readonly status = 400;
}

/** 400: a redirect URI the registration may not have. RFC 7591 §3.2.2. */
export class InvalidRedirectUriError extends OAuthError {
  readonly error = 'invalid_redirect_uri';
  static override readonly status = 400;
}

/** 400: a client metadata field that is malformed or not allowed. RFC 7591 §3.2.2. */
export class InvalidClientMetadataError extends OAuthError {
  readonly error = 'invalid_client_metadata';
  static override readonly status = 400;
}

/** 400: a software statement, which this server does not accept. RFC 7591 §3.2.2. */
export class UnapprovedSoftwareStatementError extends OAuthError {
  readonly error = 'unapproved_software_statement';
  static override readonly status = 400;
}

/** 400: the person has not yet approved or denied the device authorization; poll again. RFC 8628 §3.5. */
export class AuthorizationPendingError extends OAuthError {
  readonly error = 'authorization_pending';
  static override readonly status = 400;
}

/** 400: the device polls faster than its interval, which grows by 5 seconds. RFC 8628 §3.5. */
export class SlowDownError extends OAuthError {
  readonly error = 'slow_down';
  static override readonly status = 400;
}

/** 400: the device code has expired; the device must start a new authorization. RFC 8628 §3.5. */
export class ExpiredTokenError extends OAuthError {
  readonly error = 'expired_token';
  static override readonly status = 400;
}

/** 400 at the token endpoint (401 at a resource): the DPoP proof is missing where required, malformed or fails a check. RFC 9449 §5, §7.1. */
export class InvalidDpopProofError extends OAuthError {
  readonly error = 'invalid_dpop_proof';
  static override readonly status = 400;
}

/** 400 at the token endpoint (401 at a resource): the proof must carry the nonce sent in the `DPoP-Nonce` header. RFC 9449 §8, §9. */
export class UseDpopNonceError extends OAuthError {
  readonly error = 'use_dpop_nonce';
  static override readonly status = 400;
}

/** Every code and its class: the registry the docs table and its test are kept in sync with. */
export const errorClasses: { readonly [C in OAuthErrorCode]: new (description: string) => OAuthError } = {
  invalid_request: InvalidRequestError,
  invalid_client: InvalidClientError,
  invalid_grant: InvalidGrantError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  invalid_scope: InvalidScopeError,
  access_denied: AccessDeniedError,
  unsupported_response_type: UnsupportedResponseTypeError,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailableError,
  invalid_token: InvalidTokenError,
  insufficient_scope: InsufficientScopeError,
  unsupported_token_type: UnsupportedTokenTypeError,
  interaction_required: InteractionRequiredError,
  login_required: LoginRequiredError,
  account_selection_required: AccountSelectionRequiredError,
  consent_required: ConsentRequiredError,
  request_not_supported: RequestNotSupportedError,
  request_uri_not_supported: RequestUriNotSupportedError,
  invalid_request_uri: InvalidRequestUriError,
  invalid_request_object: InvalidRequestObjectError,
  invalid_target: InvalidTargetError,
  invalid_redirect_uri: InvalidRedirectUriError,
  invalid_client_metadata: InvalidClientMetadataError,
  unapproved_software_statement: UnapprovedSoftwareStatementError,
  authorization_pending: AuthorizationPendingError,
  slow_down: SlowDownError,
  expired_token: ExpiredTokenError,
  invalid_dpop_proof: InvalidDpopProofError,
  use_dpop_nonce: UseDpopNonceError,
};

/** Stable codes for programmer and configuration mistakes (not OAuth errors). */
export type ConfigErrorCode = 'ERR_TOLLGATE_INVALID_OPTION' | 'ERR_TOLLGATE_INVALID_CONFIG' | 'ERR_TOLLGATE_MODEL';

/** Thrown at start-up for a bad option or config field; `field` names it. */
export class ConfigError extends Error {
  /** `ConfigError`. */
  override readonly name = 'ConfigError';

  /** What is wrong, as a stable code a program can test. */
  readonly code: ConfigErrorCode;
  /** The option or config field at fault, e.g. `issuer` or `clients[0].redirect_uris`. */
  readonly field: string;

  constructor(code: ConfigErrorCode, field: string, message: string) {
    super(`${field}: ${message}`);
    this.code = code;
    this.field = field;
  }
}
