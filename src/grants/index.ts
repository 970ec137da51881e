/**
 * The built-in grants: the one list from which the grant type names, the model each needs and the
 * server's registry derive. Extension grants (RFC 6749 §4.5) join the registry beside them.
 */
import type { BaseModel } from '../model.js';
import type { Grant } from './grant.js';
import type { RefreshOptions } from './refresh-token.js';
import type { TokenExchangeOptions } from './token-exchange.js';
import type { JwtBearerOptions } from './jwt-bearer.js';
import { authorizationCode } from './authorization-code.js';
import type { AuthorizationCodeOptions } from './authorization-code.js';
import { clientCredentials } from './client-credentials.js';
import { implicit } from './implicit.js';
import { password } from './password.js';
import { refreshToken } from './refresh-token.js';
import { TOKEN_EXCHANGE, tokenExchange } from './token-exchange.js';
import { JWT_BEARER, jwtBearer } from './jwt-bearer.js';
import { DEVICE_CODE, deviceCode } from './device-code.js';

/** The server settings the built-in grants read. */
export type BuiltInGrantSettings = AuthorizationCodeOptions & RefreshOptions & TokenExchangeOptions & JwtBearerOptions;

/** Each built-in grant by its `grant_type` value (`implicit` as RFC 7591 §2 names the `response_type=token` flow). */
const BUILT_IN_GRANTS = {
  authorization_code: (options: AuthorizationCodeOptions) => authorizationCode(options),
  implicit: () => implicit,
  password: () => password,
  client_credentials: () => clientCredentials,
  refresh_token: (options: RefreshOptions) => refreshToken(options),
  [TOKEN_EXCHANGE]: (options: TokenExchangeOptions) => tokenExchange(options),
  [JWT_BEARER]: (options: JwtBearerOptions) => jwtBearer(options),
  [DEVICE_CODE]: () => deviceCode,
} as const;

/**
 * The grants tollgate implements itself, by `grant_type` value.
 *
 * @useDeclaredType
 */
export type BuiltInGrantType = keyof typeof BUILT_IN_GRANTS;

/**
 * The model functions a built-in grant calls: `authorization_code` {@link index!AuthorizationCodeModel},
 * `password` {@link index!PasswordModel}, `client_credentials` {@link index!ClientCredentialsModel},
 * `refresh_token` {@link index!RefreshTokenModel}, token exchange (RFC 8693) {@link TokenExchangeModel},
 * JWT bearer (RFC 7523) {@link JwtBearerModel}, device code (RFC 8628) {@link DeviceCodeModel},
 * and `implicit` only {@link BaseModel}.
 */
export type BuiltInGrantModel<G extends BuiltInGrantType> = ReturnType<(typeof BUILT_IN_GRANTS)[G]> extends Grant<infer M> ? M : BaseModel;

/** Every built-in grant type name. */
export const builtInGrantTypes = Object.keys(BUILT_IN_GRANTS) as BuiltInGrantType[];

export function isBuiltInGrantType(type: string): type is BuiltInGrantType {
  return Object.hasOwn(BUILT_IN_GRANTS, type);
}

/** The built-in grant of this type, made for these settings. */
export function builtInGrant(type: BuiltInGrantType, options: BuiltInGrantSettings): Grant {
  return BUILT_IN_GRANTS[type](options);
}
