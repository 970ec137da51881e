/**
 * tollgate: an OAuth 2.0 authorization server core. Plain requests in, plain responses out.
 * This entry has what an application needs: the server, the Model it runs on, grants, errors.
 * JWT access tokens and their keys are in `tollgate/jwt`; every error detail in `tollgate/errors`;
 * stores, adapters and compatibility each have an entry of their own.
 */
export { createAuthorizationServer } from './authorization-server.js';
export type { AuthorizationServer, TokenTriple } from './authorization-server.js';

// Its options as given and as resolved (`server.options`), and the types their fields name.
export type { AuthorizationServerOptions, BuiltInGrantType, EndpointPaths, ModelFor, RegistrationOptions, ResolvedOptions, SecurityProfile } from './options.js';
export type { BuiltInGrantModel } from './grants/index.js';
export type { TrustedIssuer } from './grants/jwt-bearer.js';
export type { Resources } from './resource-indicators.js';
// DPoP (RFC 9449): the option, the settings it resolves to, the nonces and a checked proof.
export type { DpopNonceOptions, DpopOptions } from './dpop/settings.js';
export type { DpopProof, DpopSettings, ReplayCache } from './dpop/proof.js';
export type { DpopNonces } from './dpop/nonce.js';

// The plain request and response, and the data the Model keeps.
export type {
  AccessToken,
  AuthorizationCode,
  Client,
  CodeChallengeMethod,
  GrantType,
  HeaderMap,
  OAuthRequest,
  OAuthResponse,
  RefreshToken,
  RegistrationSource,
  Token,
  TokenEndpointAuthMethod,
  User,
} from './types.js';
export type { Params } from './request.js';
export type { ResponseMode } from './response.js';

// The Model (seed 000's functions), split per grant.
export type {
  Awaitable,
  AuthenticateModel,
  AuthorizationCodeModel,
  BaseModel,
  ClientCredentialsModel,
  DeviceCodeModel,
  JwtBearerModel,
  Model,
  ModelRecord,
  PasswordModel,
  RefreshTokenModel,
  RevocationModel,
  TokenExchangeModel,
  TokenExchangeRequest,
} from './model.js';

// Grants as modules, and the browser flow a host takes part in.
export type {
  ActorClaim,
  AuthorizationResponder,
  AuthorizationSettings,
  AuthorizeContext,
  Grant,
  GrantContext,
  IssueRequest,
  TokenIssuer,
  TokenResponseBody,
} from './grants/grant.js';
export type { AuthorizationDecision, AuthorizationRequest, AuthorizeAnswer, AuthorizeResult } from './endpoints/authorize.js';
export type {
  DeviceDecisionResult,
  DeviceInteractionContext,
  HandleOptions,
  Interaction,
  InteractionContext,
  InteractionOutcome,
  PendingDeviceAuthorization,
} from './interaction.js';
export type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
export type { AccessTokenFormat } from './tokens/format.js';
export type {
  AuditEvent,
  AuditListener,
  BearerCheckedEvent,
  ClientAuthenticationFailedEvent,
  ClientDeletedEvent,
  ClientRegisteredEvent,
  CodeReplayedEvent,
  RefreshReuseDetectedEvent,
  TokenErrorEvent,
  TokenIssuedEvent,
  TokenRevokedEvent,
} from './events.js';

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
