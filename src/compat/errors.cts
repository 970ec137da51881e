/**
 * node-oauth2-server's error classes, with their fields: `name` is the RFC error code, `code`,
 * `status` and `statusCode` the HTTP status, `message` the description, `inner` a wrapped error.
 *
 * CommonJS (a .cts file, emitted as .cjs) so that `require('tollgate/compat')` can hand these very
 * classes out synchronously on Node 20, where require() of an ES module is not available; the ES
 * module entry loads the same file (see classes.ts), so `instanceof` holds whichever way an app loads.
 */
const { STATUS_CODES } = require('node:http') as typeof import('node:http');

/** Extra properties an error may carry (their `code` sets the status, `name` the class name). */
type ErrorProperties = Readonly<Record<string, unknown>> & {
  /** The HTTP status. */
  code?: number;
  /** The OAuth error code. */
  name?: string;
};

/** node-oauth2-server's OAuthError: the base of their error classes (`code` the HTTP status, `name` the OAuth error code). */
class OAuthError extends Error {
  /** The HTTP status, as their `code` means it (not the OAuth error code, which is `name`). */
  code: number;
  /** The HTTP status, under the name http-errors and Koa read. */
  status: number;
  /** The HTTP status, under the name Node's `ServerResponse` and Express read. */
  statusCode: number;
  /** The error this one wraps, when it was built from one (a model's exception becomes a `server_error`). */
  inner?: Error;

  constructor(messageOrError?: string | Error, properties: ErrorProperties = {}) {
    const inner = messageOrError instanceof Error ? messageOrError : undefined;
    const { code = 500, ...rest } = properties;
    const text = messageOrError instanceof Error ? messageOrError.message : messageOrError;
    super(text || STATUS_CODES[code] || '');
    this.code = this.status = this.statusCode = code;
    if (inner) this.inner = inner;
    Object.assign(this, rest);
  }
}

/** What each error class is: constructed with a message (or an error to wrap) and extra properties, as theirs. */
type OAuthErrorClass = new (message?: string | Error, properties?: ErrorProperties) => OAuthError;

/** One class per code, as theirs: the code's name and default status, overridable through `properties`. */
function errorClass(className: string, name: string, code: number): OAuthErrorClass {
  const ErrorClass = class extends OAuthError {
    constructor(message?: string | Error, properties: ErrorProperties = {}) {
      super(message, { code, name, ...properties });
    }
  };
  // Named as theirs, for stack traces and `constructor.name` checks.
  Object.defineProperty(ErrorClass, 'name', { value: className });
  return ErrorClass;
}

/** node-oauth2-server's AccessDeniedError: `access_denied`, status 400. */
const AccessDeniedError = errorClass('AccessDeniedError', 'access_denied', 400);
/** node-oauth2-server's InsufficientScopeError: `insufficient_scope`, status 403. */
const InsufficientScopeError = errorClass('InsufficientScopeError', 'insufficient_scope', 403);
/** node-oauth2-server's InvalidArgumentError: `invalid_argument`, status 500. */
const InvalidArgumentError = errorClass('InvalidArgumentError', 'invalid_argument', 500);
/** node-oauth2-server's InvalidClientError: `invalid_client`, status 400. */
const InvalidClientError = errorClass('InvalidClientError', 'invalid_client', 400);
/** node-oauth2-server's InvalidGrantError: `invalid_grant`, status 400. */
const InvalidGrantError = errorClass('InvalidGrantError', 'invalid_grant', 400);
/** node-oauth2-server's InvalidRequestError: `invalid_request`, status 400. */
const InvalidRequestError = errorClass('InvalidRequestError', 'invalid_request', 400);
/** node-oauth2-server's InvalidScopeError: `invalid_scope`, status 400. */
const InvalidScopeError = errorClass('InvalidScopeError', 'invalid_scope', 400);
/** node-oauth2-server's InvalidTokenError: `invalid_token`, status 401. */
const InvalidTokenError = errorClass('InvalidTokenError', 'invalid_token', 401);
/** node-oauth2-server's ServerError: `server_error`, status 503. */
const ServerError = errorClass('ServerError', 'server_error', 503);
/** node-oauth2-server's UnauthorizedClientError: `unauthorized_client`, status 400. */
const UnauthorizedClientError = errorClass('UnauthorizedClientError', 'unauthorized_client', 400);
/** node-oauth2-server's UnauthorizedRequestError: `unauthorized_request`, status 401. */
const UnauthorizedRequestError = errorClass('UnauthorizedRequestError', 'unauthorized_request', 401);
/** node-oauth2-server's UnsupportedGrantTypeError: `unsupported_grant_type`, status 400. */
const UnsupportedGrantTypeError = errorClass('UnsupportedGrantTypeError', 'unsupported_grant_type', 400);
/** node-oauth2-server's UnsupportedResponseTypeError: `unsupported_response_type`, status 400. */
const UnsupportedResponseTypeError = errorClass('UnsupportedResponseTypeError', 'unsupported_response_type', 400);
/** node-oauth2-server's UnsupportedTokenTypeError: `unsupported_token_type`, status 400. */
const UnsupportedTokenTypeError = errorClass('UnsupportedTokenTypeError', 'unsupported_token_type', 400);

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
function errorFor(error: string, description: string, status?: number): OAuthError {
  const ErrorClass = BY_CODE[error];
  const properties = status === undefined ? {} : { code: status };
  return ErrorClass ? new ErrorClass(description, properties) : new OAuthError(description, { code: status ?? 500, name: error });
}

/**
 * Whether a model threw an OAuth error meant for the client: compat's, or node-oauth2-server's own
 * (another copy of their package, so `instanceof` cannot tell): an Error with their numeric `code`
 * and `statusCode` and a string `name`.
 */
function isOAuthError(err: unknown): err is OAuthError {
  if (err instanceof OAuthError) return true;
  if (!(err instanceof Error)) return false;
  const { code, statusCode } = err as Error & { code?: unknown; statusCode?: unknown };
  return typeof code === 'number' && code === statusCode && typeof err.name === 'string';
}

module.exports = {
  OAuthError,
  AccessDeniedError,
  InsufficientScopeError,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  ServerError,
  UnauthorizedClientError,
  UnauthorizedRequestError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UnsupportedTokenTypeError,
  errorFor,
  isOAuthError,
};
export type { ErrorProperties, OAuthError, OAuthErrorClass, errorFor, isOAuthError };
