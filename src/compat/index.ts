/**
 * tollgate/compat: node-oauth2-server's public API over the tollgate core, so that an app and its
 * model move by changing one import. The differences are in docs/migrating-from-node-oauth2-server.md.
 */
import { OAuth2Server } from './server.js';

export default OAuth2Server;
export { OAuth2Server };
export type { AuthenticateHandler, ExtendedGrantType, GrantTypeOptions, OAuth2ServerOptions } from './server.js';
export { Request } from './request.js';
export type { RequestOptions } from './request.js';
export { Response } from './response.js';
export type { ResponseOptions } from './response.js';
export type {
  CompatAuthorizationCode as AuthorizationCode,
  CompatClient as Client,
  CompatCodeToSave as AuthorizationCodeToSave,
  CompatModel as Model,
  CompatToken as Token,
  CompatTokenToSave as TokenToSave,
  CompatUser as User,
} from './model.js';
export {
  AccessDeniedError,
  InsufficientScopeError,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
  ServerError,
  UnauthorizedClientError,
  UnauthorizedRequestError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UnsupportedTokenTypeError,
} from './errors.js';
