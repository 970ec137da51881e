/** tollgate: an OAuth 2.0 authorization server core. Plain requests in, plain responses out. */
export { createAuthorizationServer } from './authorization-server.js';
export type { AuthorizationServer, TokenTriple } from './authorization-server.js';
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
  Token,
  TokenEndpointAuthMethod,
  User,
} from './types.js';
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
export type { AuthorizationServerOptions, BuiltInGrantType, EndpointPaths, ModelFor, ResolvedOptions } from './options.js';
export type { Grant, GrantContext, IssueRequest, TokenIssuer, TokenResponseBody } from './grants/grant.js';
export type { Params } from './request.js';
export type { AuthorizationDecision, AuthorizationRequest, AuthorizeAnswer, AuthorizeResult } from './endpoints/authorize.js';
export type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
export type { AccessTokenContext, AccessTokenFormat, JsonWebKeySet } from './tokens/format.js';
export { createJwtAccessTokenFormat } from './tokens/jwt.js';
export type { JwtAccessTokenFormat, JwtAccessTokenOptions } from './tokens/jwt.js';
export { ensureSigningKey, generateSigningKey, publishedKeys, rotateSigningKey } from './tokens/signing-keys.js';
export type { SigningAlgorithm, SigningKeyStore } from './tokens/signing-keys.js';
export type { SigningKey } from './tokens/signing-keys.js';
export * from './errors.js';
export { validateScope } from './validate-scope.js';
export { formatScope, parseScope } from './scope.js';
export { hashPassword, hashSecret, hashToken, randomToken, verifyPassword, verifySecret } from './secrets.js';
