/** `createOpenIdProvider`: turns a tollgate server into an OpenID Provider (OpenID Connect Core 1.0, Discovery 1.0). */
import type { OpenIdProvider } from '../openid.js';
import type { SigningKeyStore } from '../tokens/signing-keys.js';
import { ConfigError } from '../errors.js';
import { publicJsonResponse } from '../response.js';
import { createIdTokenSigner, verifyIdTokenHint } from './id-token.js';
import { openIdAuthorizationRequest } from './request.js';
import { USERINFO_PATH, userinfoEndpoint } from './userinfo.js';
import { DISCOVERY_PATH, discoveryDocument } from './discovery.js';

/** Options of `createOpenIdProvider`: where ID token keys live, and ID token lifetimes. */
export interface OpenIdProviderOptions {
  /** Where ID token keys live: the same store (and so the same JWKS) as JWT access token keys. Every shipped store is one. */
  keys: SigningKeyStore;
  /** Seconds an ID token is valid. Default 3600. */
  idTokenTtl?: number | undefined;
  /** Seconds a process trusts its copy of the store's keys. Default 5. */
  keyRefreshInterval?: number | undefined;
  /** Seconds a rotated-in key is published before it signs (relying parties cache the JWKS). Default 300. */
  keyActivationDelay?: number | undefined;
  /** Where UserInfo is served. Default `/userinfo`. */
  userinfoPath?: string | undefined;
  /** The host's RP-Initiated Logout endpoint, advertised as `end_session_endpoint` (RP-Initiated Logout 1.0 §2.1). */
  endSessionPath?: string | undefined;
}

/** What an `id_token_hint` says once verified (RP-Initiated Logout 1.0 §2). */
export interface IdTokenHint {
  /** The `sub` of the ID token. */
  subject: string;
  /** The client it was issued to (`aud`). */
  clientId: string;
}

/** The provider, and what a host's logout endpoint asks of it. */
export interface OidcProvider extends OpenIdProvider {
  /**
   * RP-Initiated Logout 1.0 §2: an ID token this server issued (signature from its keys, `iss`),
   * expired or not; undefined for anything else.
   */
  verifyIdTokenHint(idToken: string, issuer: string): Promise<IdTokenHint | undefined>;
}

function seconds(value: number | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `openid.${field}`, `must be a whole number of seconds, ${min} or more`);
  return value;
}

/**
 * An OpenID Provider for `createAuthorizationServer({ openid })`: ID tokens in the code flow and on
 * refresh, the OpenID authorization request parameters, UserInfo and discovery.
 * @example
 * const server = createAuthorizationServer({ issuer, grantTypes: ['authorization_code', 'refresh_token'], model: store, openid: createOpenIdProvider({ keys: store }) })
 */
export function createOpenIdProvider(options: OpenIdProviderOptions): OidcProvider {
  if (typeof options?.keys?.getSigningKeys !== 'function') throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'openid.keys', 'is required: a signing-key store');
  const userinfoPath = options.userinfoPath ?? USERINFO_PATH;
  if (!userinfoPath.startsWith('/')) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'openid.userinfoPath', 'must be a path starting with /');
  const signer = createIdTokenSigner({
    store: options.keys,
    ttl: seconds(options.idTokenTtl, 3600, 'idTokenTtl', 1),
    keyRefreshInterval: seconds(options.keyRefreshInterval, 5, 'keyRefreshInterval', 0),
    keyActivationDelay: seconds(options.keyActivationDelay, 300, 'keyActivationDelay', 0),
  });
  return {
    authorizationRequest: openIdAuthorizationRequest,
    idToken: (input) => signer.sign(input),
    jwks: () => signer.jwks(),
    verifyIdTokenHint: (idToken, issuer) => verifyIdTokenHint(idToken, issuer, signer),
    endpoints(server) {
      const discovery = publicJsonResponse(discoveryDocument(server, userinfoPath, options.endSessionPath));
      return new Map([
        [userinfoPath, userinfoEndpoint(server, userinfoPath)],
        [DISCOVERY_PATH, () => discovery],
      ]);
    },
  };
}
