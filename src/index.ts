/**
 * tollgate: an OAuth 2.0 authorization server core. Plain requests in, plain responses out.
 * This entry has what an application needs: the server, the Model it runs on, grants, errors.
 * JWT access tokens and their keys are in `tollgate/jwt`; every error detail in `tollgate/errors`;
 * the further types its signatures name in `tollgate/types`; stores, adapters and compatibility
 * each have an entry of their own.
 */
export { createAuthorizationServer } from './authorization-server.js';
export type { AuthorizationServer } from './authorization-server.js';
export type { AuthorizationServerOptions, BuiltInGrantType } from './options.js';

// The plain request and response, and the data the Model keeps.
export type { AccessToken, AuthorizationCode, Client, OAuthRequest, OAuthResponse, RefreshToken, Token, User } from './types.js';

// The Model (seed 000's functions), split per grant.
export type {
  Awaitable,
  AuthenticateModel,
  AuthorizationCodeModel,
  BaseModel,
  ClientCredentialsModel,
  Model,
  PasswordModel,
  RefreshTokenModel,
  RevocationModel,
} from './model.js';

// Grants as modules, and the browser flow a host takes part in.
export type { AuthorizationResponder, AuthorizeContext, Grant, GrantContext, TokenIssuer, TokenResponseBody } from './grants/grant.js';
export type { AuthorizationDecision, AuthorizationRequest, AuthorizeResult } from './endpoints/authorize.js';
export type { DeviceInteractionContext, HandleOptions, Interaction, InteractionContext, InteractionOutcome } from './interaction.js';
export type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
export type { AccessTokenFormat } from './tokens/format.js';
export type { AuditEvent } from './events.js';

// Errors a grant, a model or a host throws; a host renders any of them with errorResponse. The
// ones only the core raises (unsupported_grant_type, unsupported_response_type, ...) are in tollgate/errors.
export {
  AccessDeniedError,
  ConfigError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
  ServerError,
  TemporarilyUnavailableError,
  UnauthorizedClientError,
} from './errors.js';
export { errorResponse } from './response.js';

// For grants and models: the scope policy and the hashing a store must use.
export { validateScope } from './validate-scope.js';
export { parseScope } from './scope.js';
export { hashPassword, hashSecret, verifyPassword, verifySecret } from './secrets.js';
