/** The built-in grant registry: `grant_type` value -> Grant. */
import type { BuiltInGrantType, ResolvedOptions } from '../options.js';
import type { Grant } from './grant.js';
import { authorizationCode } from './authorization-code.js';
import { clientCredentials } from './client-credentials.js';
import { password } from './password.js';
import { refreshToken } from './refresh-token.js';

/** The token-endpoint grants for the enabled built-in types (`implicit` has none: it issues at /authorize). */
export function builtInGrants(options: ResolvedOptions): Map<string, Grant> {
  const all: Record<Exclude<BuiltInGrantType, 'implicit'>, Grant> = {
    authorization_code: authorizationCode as Grant,
    client_credentials: clientCredentials as Grant,
    password: password as Grant,
    refresh_token: refreshToken(options) as Grant,
  };
  const registry = new Map<string, Grant>();
  for (const type of options.grantTypes) if (type !== 'implicit') registry.set(type, all[type]);
  return registry;
}
