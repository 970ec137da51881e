/**
 * tollgate/compat: node-oauth2-server's public API over the tollgate core, so that an app and its
 * model move by changing one import. The differences are in docs/migrating-from-node-oauth2-server.md.
 * This is the ES module entry; `require('tollgate/compat')` loads index.cts, which hands out the
 * same classes (see errors.cts).
 */
import { OAuth2Server } from './server.js';

export default OAuth2Server;
export { OAuth2Server };
export type { AuthenticateHandler, ExtendedGrantType, OAuth2ServerOptions } from './server.js';
export {
  AbstractGrantType,
  AccessDeniedError,
  InsufficientScopeError,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
  Request,
  Response,
  ServerError,
  UnauthorizedClientError,
  UnauthorizedRequestError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UnsupportedTokenTypeError,
} from './classes.js';
export type { ErrorProperties, GrantTypeOptions, OAuthErrorClass, RequestOptions, ResponseOptions } from './classes.js';
export type {
  Falsey,
  CompatAuthorizationCode as AuthorizationCode,
  CompatClient as Client,
  CompatCodeToSave as AuthorizationCodeToSave,
  CompatModel as Model,
  CompatToken as Token,
  CompatTokenToSave as TokenToSave,
  CompatUser as User,
} from './model.js';
