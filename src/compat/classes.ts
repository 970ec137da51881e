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

export const OAuthError = errors.OAuthError;
export type OAuthError = OAuthErrorType;
export const AccessDeniedError = errors.AccessDeniedError as OAuthErrorClass;
export const InsufficientScopeError = errors.InsufficientScopeError as OAuthErrorClass;
export const InvalidArgumentError = errors.InvalidArgumentError as OAuthErrorClass;
export const InvalidClientError = errors.InvalidClientError as OAuthErrorClass;
export const InvalidGrantError = errors.InvalidGrantError as OAuthErrorClass;
export const InvalidRequestError = errors.InvalidRequestError as OAuthErrorClass;
export const InvalidScopeError = errors.InvalidScopeError as OAuthErrorClass;
export const InvalidTokenError = errors.InvalidTokenError as OAuthErrorClass;
export const ServerError = errors.ServerError as OAuthErrorClass;
export const UnauthorizedClientError = errors.UnauthorizedClientError as OAuthErrorClass;
export const UnauthorizedRequestError = errors.UnauthorizedRequestError as OAuthErrorClass;
export const UnsupportedGrantTypeError = errors.UnsupportedGrantTypeError as OAuthErrorClass;
export const UnsupportedResponseTypeError = errors.UnsupportedResponseTypeError as OAuthErrorClass;
export const UnsupportedTokenTypeError = errors.UnsupportedTokenTypeError as OAuthErrorClass;
export const { errorFor, isOAuthError } = errors;

export const { Request } = require('./request.cjs') as { Request: typeof RequestType };
export type Request = RequestType;
export const { Response } = require('./response.cjs') as { Response: typeof ResponseType };
export type Response = ResponseType;
export const { AbstractGrantType } = require('./abstract-grant-type.cjs') as { AbstractGrantType: typeof AbstractGrantTypeType };
export type AbstractGrantType = AbstractGrantTypeType;
export type { ErrorProperties, OAuthErrorClass } from './errors.cjs';
export type { RequestOptions } from './request.cjs';
export type { ResponseOptions } from './response.cjs';
export type { GrantTypeOptions } from './abstract-grant-type.cjs';
