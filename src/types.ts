/** The data tollgate passes around: plain requests and responses, clients, users, tokens, codes. */

/** A header map as frameworks hand it over: lower- or mixed-case names, repeated headers as arrays. */
export type HeaderMap = Record<string, string | readonly string[] | undefined>;

/**
 * A request as the core sees it: no framework, no socket (the oauthlib seed's shape).
 * `body` is the raw form body as text, or a body a framework already parsed
 * (repeated fields as arrays, so duplicates can still be refused, RFC 6749 §3.2).
 */
export interface OAuthRequest {
  /** The HTTP method, e.g. `GET` or `POST` (any case). */
  method: string;
  /** Path and query, e.g. `/authorize?response_type=code&...`; an absolute URL also works. */
  url: string;
  /** The request headers; names in any case. */
  headers: HeaderMap;
  /** The request body: raw text or bytes, or a body a framework already parsed. */
  body?: string | Uint8Array | Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
  /** The client's address as the host sees it (after the proxies it trusts): for rate limits, never for trust. */
  ip?: string | undefined;
}

/** A response as the core returns it: the host writes it out unchanged. */
export interface OAuthResponse {
  /** The HTTP status code. */
  status: number;
  /** The response headers, each once. */
  headers: Record<string, string>;
  /** The response body as text: JSON, HTML, or empty. */
  body: string;
}

/**
 * RFC 6749 §2.3 secrets, `none` (public, §2.1), and the JWT assertions of RFC 7523 §2.2 and OpenID
 * Connect Core §9: `private_key_jwt` (the client's private key) and `client_secret_jwt` (an HMAC over its secret).
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | 'private_key_jwt' | 'client_secret_jwt';

/** Grant type values: RFC 6749 ones, `implicit` (a response type, listed as RFC 7591 §2 does), or any extension URI. */
export type GrantType =
  | 'authorization_code'
  | 'implicit'
  | 'password'
  | 'client_credentials'
  | 'refresh_token'
  | (string & {});

/**
 * A registered client, in RFC 7591 metadata names.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface Client {
  /** The client identifier (RFC 6749 §2.2). */
  client_id: string;
  /** `none` marks a public client (RFC 6749 §2.1): it has no secret and must use PKCE. */
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** The registered redirection URIs, compared exactly (RFC 6749 §3.1.2, RFC 9700 §4.1.3). */
  redirect_uris: readonly string[];
  /** The grant types the client may use (RFC 7591 §2). */
  grant_types: readonly GrantType[];
  /** Space-separated scopes the client may ask for; absent means any scope `validateScope` allows. */
  scope?: string | undefined;
  /** A name to show people, e.g. on the consent page (RFC 7591 §2). */
  client_name?: string | undefined;
  /** Require PKCE even though the client is confidential (it is always required for public clients). */
  require_pkce?: boolean | undefined;
  /** Per-client lifetimes in seconds, overriding the server's. */
  access_token_lifetime?: number | undefined;
  /** Per-client refresh token lifetime in seconds, overriding the server's. */
  refresh_token_lifetime?: number | undefined;
  /**
   * May introspect access tokens issued to other clients (a resource server's client, RFC 7662 §4).
   * Without it a client introspects only its own tokens; another client's refresh tokens are never
   * shown to anyone. Default false.
   */
  introspection_allowed?: boolean | undefined;
  /** OpenID Connect Registration §2: the `alg` of this client's ID tokens. Default RS256 (Core §15.1). */
  id_token_signed_response_alg?: 'RS256' | 'ES256' | 'EdDSA' | undefined;
  /** OpenID Connect RP-Initiated Logout 1.0 §3.1: where the client may ask to be sent after a logout. */
  post_logout_redirect_uris?: readonly string[] | undefined;
  /** RFC 7591 §2 (OpenID Connect Registration): `native` apps may use private-use schemes and `http://localhost` on any port (RFC 8252 §7). Default `web`. */
  application_type?: 'web' | 'native' | undefined;
  /** RFC 7591 §3.2.1: when the client was registered dynamically, in seconds since the epoch. */
  client_id_issued_at?: number | undefined;
  /** RFC 7592 §3: the hash of the token that manages a dynamically registered client; never the token. */
  registration_access_token_hash?: string | undefined;
  /** RFC 7591 §2: the client's public keys (a JWK Set, RFC 7517 §5), which verify its `private_key_jwt` assertions. */
  jwks?:
    | {
        /** The public keys, as JWKs (RFC 7517 §4). */
        keys: ReadonlyArray<Readonly<Record<string, unknown>>>;
      }
    | undefined;
  /** RFC 7591 §2: where the client publishes that key set instead (never both); fetched through the server's `fetchDocument`. */
  jwks_uri?: string | undefined;
  /** OpenID Connect Registration §2: the only `alg` accepted for this client's assertions (HS* for `client_secret_jwt`). Default: any the server allows. */
  token_endpoint_auth_signing_alg?: string | undefined;
  /** RFC 9101 §10.5 (OpenID Connect Registration §2): the only `alg` accepted for this client's request objects. Default: any the server allows. */
  request_object_signing_alg?: string | undefined;
  /** RFC 9101 §10.5: this client's authorization requests must come in a signed request object (`request`). Default false. */
  require_signed_request_object?: boolean | undefined;
  /** RFC 9126 §6: this client's authorization requests must be pushed (PAR) first. Default false. */
  require_pushed_authorization_requests?: boolean | undefined;
  /** RFC 9449 §5.2: the client always uses DPoP; its token requests without a proof are refused. Default false. */
  dpop_bound_access_tokens?: boolean | undefined;
  /** Where the client came from (`tollgate serve` keeps it): a client seeded from the config leaves when the config drops it. */
  source?: RegistrationSource | undefined;
}

/** Where a client or user came from: the config file, dynamic registration (RFC 7591), or a `tollgate` admin command. */
export type RegistrationSource = 'config' | 'registration' | 'cli';

/** The resource owner, as the model knows it. `id` (or else `username`) becomes the token's subject. */
export interface User {
  /** The user's stable identifier; the token's subject when present. */
  id?: string | undefined;
  /** The name the user signs in with; the subject when there is no `id`. */
  username?: string | undefined;
  [key: string]: unknown;
}

/**
 * An issued token pair, as `saveToken` receives it and `getAccessToken` returns it.
 * Field names follow the node-oauth2-server model (seed 000).
 */
export interface Token {
  /** The access token string (RFC 6749 §1.4). */
  accessToken: string;
  /** When the access token expires. */
  accessTokenExpiresAt: Date;
  /** The refresh token string, when one was issued (RFC 6749 §1.5). */
  refreshToken?: string | undefined;
  /** When the refresh token expires. */
  refreshTokenExpiresAt?: Date | undefined;
  /** The access token's scope, one entry per scope token (RFC 6749 §3.3). */
  scope: string[];
  /**
   * The refresh token's scope, when it is wider than the access token's: a refresh that narrows
   * the scope keeps the original grant in the new refresh token (RFC 6749 §6). Default: `scope`.
   */
  refreshTokenScope?: string[] | undefined;
  /** The client the token was issued to. */
  client: Client;
  /** The resource owner; for client_credentials, the client itself. */
  user: User;
  /**
   * Ties every token issued under one authorization together, so a replayed code or a reused
   * refresh token can revoke them all (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
   */
  grantId: string;
  /** Extra fields a grant attaches (e.g. an imported upstream token); stores keep them as JSON. */
  extra?: Record<string, unknown> | undefined;
}

/** What the core issues for the bearer check: the access token's own fields. */
export type AccessToken = Omit<Token, 'refreshToken' | 'refreshTokenExpiresAt' | 'refreshTokenScope'>;

/** A refresh token as `getRefreshToken` returns it. */
export interface RefreshToken {
  /** The refresh token string. */
  refreshToken: string;
  /** When the refresh token expires. */
  refreshTokenExpiresAt: Date;
  /** The scope of the grant the refresh token carries (RFC 6749 §6). */
  scope: string[];
  /** The client the token was issued to. */
  client: Client;
  /** The resource owner. */
  user: User;
  /** The grant this token belongs to (see `Token.grantId`). */
  grantId: string;
  /** Extra fields saved with the token pair (see `Token.extra`). */
  extra?: Record<string, unknown> | undefined;
  /**
   * Set once the token was rotated (`revokeToken` returned true). A store that keeps rotated
   * tokens until they expire lets the core detect reuse (RFC 9700 §4.14.2); one that deletes
   * them returns nothing instead, and reuse is simply `invalid_grant`.
   */
  consumedAt?: Date | undefined;
}

/** PKCE code challenge methods (RFC 7636 §4.2); `plain` only where the server allows it. */
export type CodeChallengeMethod = 'S256' | 'plain';

/** An authorization code and everything it is bound to (RFC 6749 §4.1.2, RFC 7636 §4.4). */
export interface AuthorizationCode {
  /** The code string (RFC 6749 §4.1.2). */
  authorizationCode: string;
  /** When the code expires; short-lived (RFC 6749 §4.1.2 recommends at most 10 minutes). */
  expiresAt: Date;
  /** The `redirect_uri` sent with the authorization request, if one was sent (§4.1.3). */
  redirectUri?: string | undefined;
  /** The scope the person granted. */
  scope: string[];
  /** The client the code was issued to. */
  client: Client;
  /** The person who authorized the client. */
  user: User;
  /** The PKCE code challenge sent with the authorization request (RFC 7636 §4.3). */
  codeChallenge?: string | undefined;
  /** How `codeChallenge` was derived from the verifier (RFC 7636 §4.3). */
  codeChallengeMethod?: CodeChallengeMethod | undefined;
  /** The grant every token issued from this code belongs to (see `Token.grantId`). */
  grantId: string;
  /** Extra fields a grant attaches (OpenID Connect's nonce, RFC 8707 resources); stores keep them as JSON. */
  extra?: Record<string, unknown> | undefined;
  /** Set once redeemed; a store that keeps redeemed codes lets the core detect replay (§4.1.2). */
  consumedAt?: Date | undefined;
}
