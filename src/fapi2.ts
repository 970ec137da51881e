/**
 * The FAPI 2.0 Security Profile switch (`profile: 'fapi2'`): the options the profile's
 * authorization server requirements (FAPI 2.0 Security Profile §5.3.2) turn on together, and
 * the ones it refuses at start. What it does not cover yet is listed in docs/fapi2.md.
 */
import type { AuthorizationServerOptions } from './options.js';
import { ConfigError } from './errors.js';

/** FAPI 2.0 Security Profile §5.3.2.2: "shall issue authorization codes with a maximum lifetime of 60 seconds". */
export const FAPI2_MAX_CODE_TTL = 60;

function conflict(field: string, message: string): ConfigError {
  return new ConfigError('ERR_TOLLGATE_INVALID_OPTION', field, `${message} (profile "fapi2", docs/fapi2.md)`);
}

/** The options with the profile's requirements filled in; throws ConfigError for an option the profile forbids. */
export function applyFapi2Profile(options: AuthorizationServerOptions): AuthorizationServerOptions {
  // §5.3.2.1: no resource owner password credentials; §5.3.2.2: the code flow only (no implicit).
  for (const type of ['password', 'implicit'] as const) {
    if (Array.isArray(options.grantTypes) && (options.grantTypes as readonly string[]).includes(type)) throw conflict('grantTypes', `must not include "${type}"`);
  }
  if (options.allowPlainPkce === true) throw conflict('allowPlainPkce', 'must not be true: PKCE is S256 only');
  if (options.requirePkce === false) throw conflict('requirePkce', 'must not be false: every client uses PKCE');
  if (options.pushedAuthorizationRequests === false) throw conflict('pushedAuthorizationRequests', 'must not be false: every authorization request is pushed');
  if (options.requirePushedAuthorizationRequests === false) throw conflict('requirePushedAuthorizationRequests', 'must not be false');
  const methods = options.tokenEndpointAuthMethods?.filter((m) => m !== 'private_key_jwt');
  // §5.3.2.1: confidential clients only, authenticated with private_key_jwt (mutual TLS is not offered).
  if (methods !== undefined && methods.length > 0) throw conflict('tokenEndpointAuthMethods', `must list only "private_key_jwt", not "${methods[0]}"`);
  // §5.3.2.1: sender-constrained access tokens only, and DPoP is the mechanism offered (not mutual TLS).
  if (options.dpop === false) throw conflict('dpop', 'must not be false: every access token is DPoP-bound');
  if (options.authorizationCodeTtl !== undefined && options.authorizationCodeTtl > FAPI2_MAX_CODE_TTL) {
    throw conflict('authorizationCodeTtl', `must be at most ${FAPI2_MAX_CODE_TTL} seconds`);
  }
  return {
    ...options,
    requirePkce: true,
    allowPlainPkce: false,
    pushedAuthorizationRequests: true,
    requirePushedAuthorizationRequests: true,
    tokenEndpointAuthMethods: ['private_key_jwt'],
    authorizationCodeTtl: options.authorizationCodeTtl ?? FAPI2_MAX_CODE_TTL,
  };
}
