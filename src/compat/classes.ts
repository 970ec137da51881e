/**
 * The classes apps touch (errors, Request, Response, AbstractGrantType), loaded from their CommonJS
 * files: one copy whether an app imports `tollgate/compat` or requires it, so `instanceof` and the
 * statics agree (see errors.cts for why they are CommonJS).
 */
import { createRequire } from 'node:module';
import type { OAuthError as OAuthErrorType, OAuthErrorClass, errorFor as errorForFunction, isOAuthError as isOAuthErrorFunction } from './errors.cjs';
import type { Request as RequestType } from './request.cjs';
import type { Response as ResponseType } from './response.cjs';
import type { AbstractGrantType as AbstractGrantTypeType } from './abstract-grant-type.cjs';

const require = createRequire(import.meta.url);
const errors = require('./errors.cjs') as Record<string, OAuthErrorClass> & {
  OAuthError: typeof OAuthErrorType;
  errorFor: typeof errorForFunction;
  isOAuthError: typeof isOAuthErrorFunction;
};

/**
 * node-oauth2-server's OAuthError, the base of the error classes (errors.cts).
 *
 * @class
 */
export const OAuthError = errors.OAuthError;
export type OAuthError = OAuthErrorType;
/**
 * node-oauth2-server's AccessDeniedError (errors.cts).
 *
 * @class
 */
export const AccessDeniedError = errors.AccessDeniedError as OAuthErrorClass;
/**
 * node-oauth2-server's InsufficientScopeError (errors.cts).
 *
 * @class
 */
export const InsufficientScopeError = errors.InsufficientScopeError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidArgumentError (errors.cts).
 *
 * @class
 */
export const InvalidArgumentError = errors.InvalidArgumentError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidClientError (errors.cts).
 *
 * @class
 */
export const InvalidClientError = errors.InvalidClientError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidGrantError (errors.cts).
 *
 * @class
 */
export const InvalidGrantError = errors.InvalidGrantError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidRequestError (errors.cts).
 *
 * @class
 */
export const InvalidRequestError = errors.InvalidRequestError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidScopeError (errors.cts).
 *
 * @class
 */
export const InvalidScopeError = errors.InvalidScopeError as OAuthErrorClass;
/**
 * node-oauth2-server's InvalidTokenError (errors.cts).
 *
 * @class
 */
export const InvalidTokenError = errors.InvalidTokenError as OAuthErrorClass;
/**
 * node-oauth2-server's ServerError (errors.cts).
 *
 * @class
 */
export const ServerError = errors.ServerError as OAuthErrorClass;
/**
 * node-oauth2-server's UnauthorizedClientError (errors.cts).
 *
 * @class
 */
export const UnauthorizedClientError = errors.UnauthorizedClientError as OAuthErrorClass;
/**
 * node-oauth2-server's UnauthorizedRequestError (errors.cts).
 *
 * @class
 */
export const UnauthorizedRequestError = errors.UnauthorizedRequestError as OAuthErrorClass;
/**
 * node-oauth2-server's UnsupportedGrantTypeError (errors.cts).
 *
 * @class
 */
export const UnsupportedGrantTypeError = errors.UnsupportedGrantTypeError as OAuthErrorClass;
/**
 * node-oauth2-server's UnsupportedResponseTypeError (errors.cts).
 *
 * @class
 */
export const UnsupportedResponseTypeError = errors.UnsupportedResponseTypeError as OAuthErrorClass;
/**
 * node-oauth2-server's UnsupportedTokenTypeError (errors.cts).
 *
 * @class
 */
export const UnsupportedTokenTypeError = errors.UnsupportedTokenTypeError as OAuthErrorClass;
export const { errorFor, isOAuthError } = errors;

/**
 * node-oauth2-server's Request (request.cts).
 *
 * @class
 */
export const Request = (require('./request.cjs') as { Request: typeof RequestType }).Request;
export type Request = RequestType;
/**
 * node-oauth2-server's Response (response.cts).
 *
 * @class
 */
export const Response = (require('./response.cjs') as { Response: typeof ResponseType }).Response;
export type Response = ResponseType;
/**
 * node-oauth2-server's AbstractGrantType (abstract-grant-type.cts).
 *
 * @class
 */
export const AbstractGrantType = (require('./abstract-grant-type.cjs') as { AbstractGrantType: typeof AbstractGrantTypeType }).AbstractGrantType;
export type AbstractGrantType = AbstractGrantTypeType;
export type { ErrorProperties, OAuthErrorClass } from './errors.cjs';
export type { RequestOptions } from './request.cjs';
export type { ResponseOptions } from './response.cjs';
export type { GrantTypeOptions } from './abstract-grant-type.cjs';
