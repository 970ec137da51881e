/**
 * node-oauth2-server's error classes, with their fields: `name` is the RFC error code, `code`,
 * `status` and `statusCode` the HTTP status, `message` the description, `inner` a wrapped error.
 */
import { STATUS_CODES } from 'node:http';

export type ErrorProperties = Readonly<Record<string, unknown>> & { code?: number; name?: string };

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

export const AccessDeniedError = errorClass('access_denied', 400);
export const InsufficientScopeError = errorClass('insufficient_scope', 403);
export const InvalidArgumentError = errorClass('invalid_argument', 500);
export const InvalidClientError = errorClass('invalid_client', 400);
export const InvalidGrantError = errorClass('invalid_grant', 400);
export const InvalidRequestError = errorClass('invalid_request', 400);
export const InvalidScopeError = errorClass('invalid_scope', 400);
export const InvalidTokenError = errorClass('invalid_token', 401);
export const ServerError = errorClass('server_error', 503);
export const UnauthorizedClientError = errorClass('unauthorized_client', 400);
export const UnauthorizedRequestError = errorClass('unauthorized_request', 401);
export const UnsupportedGrantTypeError = errorClass('unsupported_grant_type', 400);
export const UnsupportedResponseTypeError = errorClass('unsupported_response_type', 400);
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
