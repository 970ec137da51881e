/**
 * What the core asks of an OpenID Provider (OpenID Connect Core 1.0). The core stays the bottom
 * floor: it declares this contract, and `tollgate/oidc` (src/oidc/) implements it. OpenID Connect
 * is on for a request when a provider is configured and the scope has `openid` (Core §3.1.2.1);
 * plain OAuth requests are untouched.
 */
import type { Client, OAuthRequest, OAuthResponse, User } from './types.js';
import type { BaseModel } from './model.js';
import type { Params } from './request.js';
import type { JsonWebKeySet } from './tokens/format.js';
import type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
import type { ResolvedOptions } from './options.js';

/** Core §3.1.2.1 `prompt` values. */
export type Prompt = 'none' | 'login' | 'consent' | 'select_account';

/** The OpenID parameters of a validated authorization request (Core §3.1.2.1), for the host's interaction. */
export interface OpenIdAuthorizationRequest {
  /** Echoed in the ID token (Core §3.1.2.1, §3.1.3.7 step 11). */
  nonce?: string | undefined;
  /** `none`: no page at all; `login`: sign in again; `consent`: ask again. */
  prompt: readonly Prompt[];
  /** Seconds since the person last signed in beyond which they must sign in again; 0 forces sign-in. */
  maxAge?: number | undefined;
  /** A hint at who signs in: the sign-in page may prefill the username. */
  loginHint?: string | undefined;
  /** The end-user's preferred languages for the pages, as asked (BCP47 tags, space-separated). */
  uiLocales?: string | undefined;
  /** Core §5.5: the claims asked for by name with the `claims` parameter. */
  claims?: ClaimsRequest | undefined;
  /** Core §3.1.2.1 `acr_values`, as asked (accepted; every sign-in here is a password, see `amr`). */
  acrValues?: readonly string[] | undefined;
}

/**
 * Core §5.5: the standard claims a `claims` request parameter names for UserInfo and for the ID
 * token. Essential or voluntary, each is released when the user has it; `value`/`values` are not
 * matched (§5.5.1 lets the OP return the actual value), except `sub`'s, kept as `subject`.
 */
export interface ClaimsRequest {
  /** The claims asked for from the UserInfo endpoint (Core §5.5 `userinfo` member). */
  userinfo: readonly string[];
  /** The claims asked for in the ID token (Core §5.5 `id_token` member). */
  idToken: readonly string[];
  /** Core §5.5.1: a `sub` value asked for; a response for any other end-user is refused. */
  subject?: string | undefined;
}

/** What an ID token says beyond the server's own identity (Core §2). */
export interface IdTokenInput {
  /** The issuer identifier (`iss`). */
  issuer: string;
  /** The client the ID token is for (`aud`). */
  client: Client;
  /** The person the ID token is about (`sub`). */
  user: User;
  /** The access token issued beside it, for `at_hash` (Core §3.1.3.6). */
  accessToken: string;
  /** The authorization request's `nonce`, echoed (Core §3.1.2.1). */
  nonce?: string | undefined;
  /** When the person signed in, seconds since the epoch (`auth_time`). */
  authTime?: number | undefined;
  /** How the person signed in (Core §2 `amr`, RFC 8176 values). */
  amr?: readonly string[] | undefined;
  /** Core §5.5: the claims the `claims` parameter asked for in the ID token. */
  claims?: readonly string[] | undefined;
  /** The user's claims (the model's `getUserClaims`), when `claims` asks for any. */
  userClaims?: Readonly<Record<string, unknown>> | null | undefined;
}

/** The server as an OpenID Provider's endpoints see it. */
export interface OpenIdServer {
  /** The server's resolved options: the issuer, the endpoints' paths, `onError`. */
  options: ResolvedOptions;
  /** The server's model, for the user's claims (`getUserClaims`) at UserInfo. */
  model: BaseModel;
  /** The RFC 8414 metadata document: discovery repeats it (Discovery 1.0 §3). */
  metadata: Readonly<Record<string, unknown>>;
  /** The server's bearer check (RFC 6750), as `AuthorizationServer.authenticate`: UserInfo takes an access token (Core §5.3.1). */
  authenticate(request: OAuthRequest, options?: AuthenticateOptions): Promise<AuthenticateResult>;
}

/** An endpoint an OpenID Provider adds (UserInfo, discovery). */
export type OpenIdEndpoint = (request: OAuthRequest) => Promise<OAuthResponse> | OAuthResponse;

/** The OpenID Provider a server is given as `openid` (see `createOpenIdProvider` in `tollgate/oidc`). */
export interface OpenIdProvider {
  /** Core §3.1.2.1-3.1.2.2: the OpenID parameters of a request whose scope has `openid`; throws an OAuthError to refuse. */
  authorizationRequest(params: Params): OpenIdAuthorizationRequest;
  /** Core §3.1.3.3, §12.2: a signed ID token for a token response. */
  idToken(input: IdTokenInput): Promise<string>;
  /** The public keys of ID tokens: the server publishes them in its JWKS (Core §10.1). */
  jwks(): Promise<JsonWebKeySet>;
  /** The endpoints it serves, by path: UserInfo (Core §5.3) and discovery (Discovery 1.0 §4). */
  endpoints(server: OpenIdServer): ReadonlyMap<string, OpenIdEndpoint>;
}

/** The scope value that makes a request an OpenID Connect one (Core §3.1.2.1). */
export const OPENID_SCOPE = 'openid';

/** Whether a token or request carries OpenID Connect. */
export function hasOpenId(scope: readonly string[] | undefined): boolean {
  return scope?.includes(OPENID_SCOPE) ?? false;
}

/** What a code and the tokens from it keep of the authentication (in `extra.openid`). */
export interface OpenIdGrantRecord {
  /** The authorization request's `nonce`, repeated in the ID token (Core §3.1.2.1). */
  nonce?: string | undefined;
  /** When the person signed in, seconds since the epoch: the ID token's `auth_time` (Core §2). */
  authTime?: number | undefined;
  /** How the person signed in: the ID token's `amr` (Core §2, RFC 8176 values). */
  amr?: readonly string[] | undefined;
  /** Core §5.5: the claims asked for by name, for UserInfo and the ID token (refreshed ones too). */
  claims?: Pick<ClaimsRequest, 'userinfo' | 'idToken'> | undefined;
}

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The OpenID record kept in a code's or token's `extra`, if any. */
export function openIdRecordOf(extra: Readonly<Record<string, unknown>> | undefined): OpenIdGrantRecord | undefined {
  const record = extra?.openid;
  if (typeof record !== 'object' || record === null) return undefined;
  const { nonce, authTime, amr, claims } = record as Record<string, unknown>;
  const { userinfo, idToken } = (typeof claims === 'object' && claims !== null ? claims : {}) as Record<string, unknown>;
  return {
    ...(typeof nonce === 'string' && { nonce }),
    ...(typeof authTime === 'number' && { authTime }),
    ...(isStrings(amr) && { amr }),
    ...(isStrings(userinfo) && isStrings(idToken) && { claims: { userinfo, idToken } }),
  };
}
