/**
 * node-oauth2-server's error classes, with their fields: `name` is the RFC error code, `code`,
 * `status` and `statusCode` the HTTP status, `message` the description, `inner` a wrapped error.
 */
import { STATUS_CODES } from 'node:http';

export type ErrorProperties = Readonly<Record<string, unknown>> & { code?: number; name?: string };

/** Their base error: `name` the RFC 6749 §5.2 code, `code` = `status` = `statusCode` the HTTP status, `inner` a wrapped error. */
export class OAuthError extends Error {
  code: number;
  status: number;
  statusCode: number;
  inner?: Error;

  constructor(messageOrError?: string | Error, properties: ErrorProperties = {}) {
    const inner = messageOrError instanceof Error ? messageOrError : undefined;
    const { code = 500, ...rest } = properties;
    const text = messageOrError instanceof Error ? messageOrError.message : messageOrError;
    const message = text || STATUS_CODES[code] || '';
    super(message);
    this.code = this.status = this.statusCode = code;
    if (inner) this.inner = inner;
    Object.assign(this, rest);
  }
}

export type OAuthErrorClass = new (message?: string | Error, properties?: ErrorProperties) => OAuthError;

/** One class per code, as theirs: the code's name and default status, overridable through `properties`. */
function errorClass(name: string, code: number): OAuthErrorClass {
  return class extends OAuthError {
    constructor(message?: string | Error, properties: ErrorProperties = {}) {
      super(message, { code, name, ...properties });
    }
  };
}

/** access_denied (RFC 6749 §4.1.2.1): the resource owner or server refused. */
export const AccessDeniedError = errorClass('access_denied', 400);
/** insufficient_scope (RFC 6750 §3.1): the token lacks the scope the resource requires. */
export const InsufficientScopeError = errorClass('insufficient_scope', 403);
/** invalid_argument: a programming error in the options or model (theirs, not an RFC code). */
export const InvalidArgumentError = errorClass('invalid_argument', 500);
/** invalid_client (RFC 6749 §5.2): client authentication failed. */
export const InvalidClientError = errorClass('invalid_client', 400);
/** invalid_grant (RFC 6749 §5.2): the code, refresh token or credentials are invalid, expired or revoked. */
export const InvalidGrantError = errorClass('invalid_grant', 400);
/** invalid_request (RFC 6749 §5.2): a parameter is missing, repeated or malformed. */
export const InvalidRequestError = errorClass('invalid_request', 400);
/** invalid_scope (RFC 6749 §5.2): the scope asked is unknown or exceeds the grant. */
export const InvalidScopeError = errorClass('invalid_scope', 400);
/** invalid_token (RFC 6750 §3.1): the access token is expired, revoked or malformed. */
export const InvalidTokenError = errorClass('invalid_token', 401);
/** server_error (RFC 6749 §4.1.2.1): an unexpected condition (status 503, as theirs). */
export const ServerError = errorClass('server_error', 503);
/** unauthorized_client (RFC 6749 §5.2): the client may not use this grant type. */
export const UnauthorizedClientError = errorClass('unauthorized_client', 400);
/** unauthorized_request: a request to a protected resource without credentials (RFC 6750 §3.1, no error code). */
export const UnauthorizedRequestError = errorClass('unauthorized_request', 401);
/** unsupported_grant_type (RFC 6749 §5.2): the grant type is not supported. */
export const UnsupportedGrantTypeError = errorClass('unsupported_grant_type', 400);
/** unsupported_response_type (RFC 6749 §4.1.2.1): the response type is not supported. */
export const UnsupportedResponseTypeError = errorClass('unsupported_response_type', 400);
/** unsupported_token_type (RFC 7009 §2.2.1): the token type cannot be revoked. */
export const UnsupportedTokenTypeError = errorClass('unsupported_token_type', 400);

const BY_CODE: Readonly<Record<string, OAuthErrorClass>> = {
  access_denied: AccessDeniedError,
  insufficient_scope: InsufficientScopeError,
  invalid_client: InvalidClientError,
  invalid_grant: InvalidGrantError,
  invalid_request: InvalidRequestError,
  invalid_scope: InvalidScopeError,
  invalid_token: InvalidTokenError,
  server_error: ServerError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  unsupported_response_type: UnsupportedResponseTypeError,
  unsupported_token_type: UnsupportedTokenTypeError,
};

/**
 * Their error for an RFC error code tollgate answered, carrying the status tollgate sent; an error
 * sent through a redirect keeps its class's status, as theirs does.
 */
export function errorFor(error: string, description: string, status?: number): OAuthError {
  const ErrorClass = BY_CODE[error];
  const properties = status === undefined ? {} : { code: status };
  return ErrorClass ? new ErrorClass(description, properties) : new OAuthError(description, { code: status ?? 500, name: error });
}
