/**
 * The model: the storage and policy functions the core calls, with the node-oauth2-server
 * names and meanings (seed 000). Every function may return a value or a promise.
 * Split per grant so a model implements only what the grants it enables need.
 */
import type { AccessToken, AuthorizationCode, Client, RefreshToken, Token, User } from './types.js';

/** A value or a promise of it: a model may be synchronous or not. */
export type Awaitable<T> = T | Promise<T>;

/** Functions every grant and endpoint uses. */
export interface BaseModel {
  /**
   * The client with this id, or a falsy value. With a secret, return the client only if the
   * secret matches (compare in constant time: `verifySecret` does). With `null`, just look it up.
   */
  getClient(clientId: string, clientSecret: string | null): Awaitable<Client | null | undefined | false>;
  /** Store a newly issued token; return it (the core sends what it issued, not what this returns). */
  saveToken(token: Token, client: Client, user: User): Awaitable<Token | null | undefined | false | void>;
  /** Optional: the scope to grant for a requested one, or a falsy value to refuse. Default: subset of the client's `scope`. */
  validateScope?(user: User, client: Client, scope: string[]): Awaitable<string[] | null | undefined | false>;
  /** Optional: an access token value. Default: 256 random bits, base64url. */
  generateAccessToken?(client: Client, user: User, scope: string[]): Awaitable<string>;
  /** Optional: a refresh token value. Default: 256 random bits, base64url. */
  generateRefreshToken?(client: Client, user: User, scope: string[]): Awaitable<string>;
  /**
   * Optional (tollgate): revoke every access and refresh token that carries this `grantId`.
   * Called when a code is replayed or a rotated refresh token is reused (RFC 9700 §4.2.1, §4.14.2).
   */
  revokeGrant?(grantId: string): Awaitable<unknown>;
  /**
   * Optional (OpenID Connect, `tollgate/oidc`): the user's standard claims (Core §5.1) for UserInfo.
   * Return them all: the server releases only those the granted scope asks for (Core §5.4).
   */
  getUserClaims?(user: User, scope: string[]): Awaitable<Readonly<Record<string, unknown>> | null | undefined>;
  /**
   * Optional (tollgate): mark a single-use value as used until `expiresAt`; true only for the first
   * caller, atomically. Required for `private_key_jwt` and the jwt-bearer grant: the replay cache of assertion `jti`s
   * (RFC 7523 §3 item 7). Every shipped store has it (`Store.useOnce`).
   */
  useOnce?(value: string, expiresAt: Date): Awaitable<boolean>;
  /**
   * Optional (tollgate): the secret itself, in clear, of a client whose `token_endpoint_auth_method`
   * is `client_secret_jwt`: the HMAC key its assertions are signed with (RFC 7523 §2.2, OpenID
   * Connect Core §9). A falsy value for any other client. Required for `client_secret_jwt`. It is a
   * method of its own, not a field of the client, so that the secret never travels with the client
   * into token records, logs or registration reads. Every shipped store has it.
   */
  getClientSecret?(client: Client): Awaitable<string | null | undefined | false>;
}

/** RFC 6749 §4.1: the authorization code grant. */
export interface AuthorizationCodeModel extends BaseModel {
  /** Saves an issued code with everything it is bound to; the return value is not used. */
  saveAuthorizationCode(
    code: AuthorizationCode,
    client: Client,
    user: User,
  ): Awaitable<AuthorizationCode | null | undefined | false | void>;
  /** The code, or a falsy value when unknown. Return it with `consumedAt` after redemption to enable replay detection. */
  getAuthorizationCode(authorizationCode: string): Awaitable<AuthorizationCode | null | undefined | false>;
  /**
   * Consume the code. Must be atomic: return true only to the one caller that consumed it,
   * so that of two parallel redemptions exactly one wins (RFC 6749 §4.1.2).
   */
  revokeAuthorizationCode(code: AuthorizationCode): Awaitable<boolean>;
  /** Optional: an authorization code value. Default: 256 random bits, base64url. */
  generateAuthorizationCode?(client: Client, user: User, scope: string[]): Awaitable<string>;
}

/** RFC 6749 §4.3: the resource owner password credentials grant. */
export interface PasswordModel extends BaseModel {
  /** The user with these credentials, or a falsy value. Compare passwords with a slow KDF in constant time. */
  getUser(username: string, password: string, client: Client): Awaitable<User | null | undefined | false>;
}

/** RFC 6749 §4.4: the client credentials grant. */
export interface ClientCredentialsModel extends BaseModel {
  /** The user a client acts as (often a service account standing for the client itself). */
  getUserFromClient(client: Client): Awaitable<User | null | undefined | false>;
}

/** RFC 6749 §6: the refresh token grant. */
export interface RefreshTokenModel extends BaseModel {
  /** The refresh token, or a falsy value. Return it with `consumedAt` after rotation to enable reuse detection. */
  getRefreshToken(refreshToken: string): Awaitable<RefreshToken | null | undefined | false>;
  /** Revoke (consume) a refresh token. Atomic: true only for the one caller that revoked it. */
  revokeToken(token: RefreshToken): Awaitable<boolean>;
}

/** What a token exchange asks, for the policy to decide (RFC 8693 §2.1, §5). */
export interface TokenExchangeRequest {
  /** The authenticated client asking. */
  client: Client;
  /** The token exchanged: an active access token this server issued. */
  subject: AccessToken;
  /** The actor's token, for delegation (RFC 8693 §1.1); absent for impersonation. */
  actor: AccessToken | undefined;
  /** The scope the new token would have. */
  scope: string[];
  /** The resources (`resource` or `audience`) the new token would be for; undefined when none was named. */
  audience: string[] | undefined;
}

/** RFC 8693: the token exchange grant. */
export interface TokenExchangeModel extends BaseModel, AuthenticateModel {
  /**
   * Optional: whether this client may make this exchange (RFC 8693 §5: the server's policy).
   * Default: only tokens issued to the requesting client itself, subject and actor alike.
   */
  authorizeTokenExchange?(request: TokenExchangeRequest): Awaitable<boolean>;
}

/** RFC 7523 §2.1: the JWT bearer assertion grant. */
export interface JwtBearerModel extends BaseModel {
  /** Refuses a replayed `jti` (RFC 7523 §3, item 7): required by this grant. */
  useOnce(value: string, expiresAt: Date): Promise<boolean>;
  /**
   * Optional: the user an assertion's verified claims name, or a falsy value to refuse it.
   * Default: `getUserById(claims.sub)`.
   */
  getUserFromAssertion?(claims: Readonly<Record<string, unknown>> & { iss: string; sub: string }, client: Client): Awaitable<User | null | undefined | false>;
  /** The user with this id (the shipped stores have it); the default mapping of `sub`. */
  getUserById?(id: string): Awaitable<User | null | undefined | false>;
}

/** A short-lived record as the model hands it back (every shipped store's `RecordStore` has this shape). */
export interface ModelRecord {
  /** What was put or last replaced, as JSON gives it back (dates as strings or numbers). */
  value: Readonly<Record<string, unknown>>;
  /** Grows with every replace: what a compare-and-swap compares. */
  version: number;
  /** When the record is gone for every method: set when it was put, unchanged by a replace. */
  expiresAt: Date;
}

/**
 * RFC 8628: the device authorization grant keeps each pending authorization in a generic,
 * atomic short-lived record store (every shipped store has it: `Store.putRecord` and the rest).
 */
export interface DeviceCodeModel extends BaseModel {
  /** Creates a record; false, changing nothing, when a live one of this kind already has this key. */
  putRecord(kind: string, key: string, value: Readonly<Record<string, unknown>>, options: { expiresAt: Date }): Awaitable<boolean>;
  /** The live record of this kind and key, or null. */
  getRecord(kind: string, key: string): Awaitable<ModelRecord | null>;
  /** Compare-and-swap: replaces the value if the version is still `version`; false otherwise. */
  replaceRecord(kind: string, key: string, version: number, value: Readonly<Record<string, unknown>>): Awaitable<boolean>;
  /** Reads and deletes a live record in one step: of parallel callers, exactly one gets it. */
  takeRecord(kind: string, key: string): Awaitable<ModelRecord | null>;
}

/** RFC 6750: authenticating requests with a bearer token. */
export interface AuthenticateModel {
  /** The access token, or a falsy value when unknown or revoked. The core checks expiry. */
  getAccessToken(accessToken: string): Awaitable<AccessToken | null | undefined | false>;
  /** Optional: whether the token covers the required scope. Default: every required scope is in the token's. */
  verifyScope?(token: AccessToken, scope: string[]): Awaitable<boolean>;
}

/** RFC 7009 and RFC 7662: revocation and introspection need to find and revoke either kind of token. */
export interface RevocationModel extends AuthenticateModel, RefreshTokenModel {
  /** Revoke an access token (tollgate). True when it was removed. */
  revokeAccessToken(token: AccessToken): Awaitable<boolean>;
}

/** RFC 7591 and RFC 7592: dynamic client registration writes and deletes clients. */
export interface RegistrationModel {
  /** Create or replace a client; a `client_secret` given in clear is stored hashed. */
  saveClient(client: Client & { client_secret?: string | undefined }): Awaitable<Client>;
  /**
   * Delete a client and invalidate what it holds: its access tokens, refresh tokens, codes and
   * consents (RFC 7592 §2.3; tollgate's stores do it in the same write). True when it existed.
   */
  deleteClient(clientId: string): Awaitable<boolean>;
}

/** A short-lived record as the record store hands it back (tollgate): what PAR reads. */
export interface KeptRecord {
  value: Readonly<Record<string, unknown>>;
  /** What `replaceRecord` compares (compare-and-swap). */
  version: number;
}

/**
 * RFC 9126 (tollgate): pushed authorization requests live in the record store, by kind and key.
 * Every shipped store has it (`Store`, whose doc comments give each function's contract).
 */
export interface PushedRequestModel {
  /** Creates a record; false when a live one already has this key. */
  putRecord(kind: string, key: string, value: Readonly<Record<string, unknown>>, options: { expiresAt: Date }): Awaitable<boolean>;
  /** The live record, or null. */
  getRecord(kind: string, key: string): Awaitable<KeptRecord | null>;
  /** Replaces a live record's value if its version is still `version`; false otherwise. */
  replaceRecord(kind: string, key: string, version: number, value: Readonly<Record<string, unknown>>): Awaitable<boolean>;
  /** Reads and deletes a live record in one step: of parallel callers, exactly one gets it. */
  takeRecord(kind: string, key: string): Awaitable<KeptRecord | null>;
}

/** A model that supports every built-in grant and endpoint. */
export interface Model
  extends AuthorizationCodeModel,
    PasswordModel,
    ClientCredentialsModel,
    RefreshTokenModel,
    RevocationModel {}
