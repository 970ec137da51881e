/**
 * `tollgate/oidc`: OpenID Connect (Core 1.0, Discovery 1.0) for a tollgate server. Pass
 * `createOpenIdProvider({ keys: store })` as the `openid` option of `createAuthorizationServer`.
 */
export { createOpenIdProvider } from './provider.js';
export type { IdTokenHint, OidcProvider, OpenIdProviderOptions } from './provider.js';
export type { ClaimsRequest, IdTokenInput, OpenIdAuthorizationRequest, OpenIdEndpoint, OpenIdGrantRecord, OpenIdProvider, OpenIdServer, Prompt } from '../openid.js';
export { OPENID_SCOPES, SCOPE_CLAIMS, STANDARD_CLAIMS, claimsForScope, claimsProblem } from './claims.js';
export type { UserClaims } from './claims.js';
export { ID_TOKEN_ALGORITHMS, accessTokenHash } from './id-token.js';
export { DISCOVERY_PATH } from './discovery.js';
export { USERINFO_PATH } from './userinfo.js';
export {
  AccountSelectionRequiredError,
  ConsentRequiredError,
  InteractionRequiredError,
  LoginRequiredError,
  RequestNotSupportedError,
  RequestUriNotSupportedError,
} from '../errors.js';
