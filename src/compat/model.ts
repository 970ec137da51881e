/**
 * node-oauth2-server's model shape, and its translation to the tollgate Model: clients from
 * `{ id, redirectUris, grants }` to RFC 7591 names, codes and tokens with a `grantId` added.
 * Their objects travel through the core untouched and are handed back to their functions.
 */
import type { Awaitable, Model } from '../model.js';
import { UnauthorizedClientError } from '../errors.js';
import { InvalidRequestError } from './classes.js';
import { crossing } from './model-errors.js';
import type { AccessToken, AuthorizationCode, Client, CodeChallengeMethod, RefreshToken, Token, TokenEndpointAuthMethod, User } from '../types.js';

/**
 * What their model functions may return for "nothing": any falsy value, as node-oauth2-server's
 * handlers test `if (!client)`. A lookup's falsy answer means not found, `validateScope`'s a refused scope.
 */
export type Falsey = false | null | undefined | 0 | '';

/** Their client: `id`, `redirectUris`, `grants`, optional per-client lifetimes in seconds. */
export interface CompatClient {
  /** The client identifier. */
  id: string;
  /** The registered redirect URIs (one string or a list). */
  redirectUris?: string | readonly string[] | undefined;
  /** The grant types the client may use, e.g. `authorization_code`. */
  grants?: readonly string[] | undefined;
  /** This client's access token lifetime in seconds, overriding the server's. */
  accessTokenLifetime?: number | undefined;
  /** This client's refresh token lifetime in seconds, overriding the server's. */
  refreshTokenLifetime?: number | undefined;
  /**
   * tollgate: the client has no secret (RFC 6749 §2.1, a single-page or native app). Only such a
   * client redeems a code with its `code_verifier` and no client authentication; any other client
   * must send its secret, PKCE or not (RFC 6749 §3.2.1).
   */
  public?: boolean | undefined;
  [key: string]: unknown;
}

/** Their user: whatever object the model returns; tollgate reads only `id` when it has one. */
export type CompatUser = Record<string, unknown>;

/** Their token, as `saveToken` returns it and `getAccessToken` / `getRefreshToken` return it. */
export interface CompatToken {
  /** The access token string. */
  accessToken?: string | undefined;
  /** When the access token expires. */
  accessTokenExpiresAt?: Date | undefined;
  /** The refresh token string, when one was issued. */
  refreshToken?: string | undefined;
  /** When the refresh token expires; absent means never. */
  refreshTokenExpiresAt?: Date | undefined;
  /** The token's scope, one entry per scope token. */
  scope?: readonly string[] | undefined;
  /** The client, as the model returned it. */
  client: CompatClient;
  /** The user, as the model returned it. */
  user: CompatUser;
  /** Added by tollgate: a model that stores the object as given keeps it; one that does not gets a derived one. */
  grantId?: string | undefined;
  [key: string]: unknown;
}

/** Their authorization code (`code` is accepted for `authorizationCode`, as older models return it). */
export interface CompatAuthorizationCode {
  /** The code string. */
  authorizationCode?: string | undefined;
  /** The code string, as older models name it. */
  code?: string | undefined;
  /** When the code expires. */
  expiresAt: Date;
  /** The `redirect_uri` of the authorization request, if one was sent (RFC 6749 §4.1.3). */
  redirectUri?: string | undefined;
  /** The scope the user granted. */
  scope?: readonly string[] | undefined;
  /** The client, as the model returned it. */
  client: CompatClient;
  /** The user, as the model returned it. */
  user: CompatUser;
  /** The PKCE code challenge (RFC 7636 §4.3). */
  codeChallenge?: string | undefined;
  /** `S256` or `plain` (RFC 7636 §4.3). */
  codeChallengeMethod?: string | undefined;
  /** Added by tollgate: the grant the code belongs to. */
  grantId?: string | undefined;
  [key: string]: unknown;
}

/** The fields `saveToken` receives. */
export interface CompatTokenToSave {
  /** The new access token string. */
  accessToken: string;
  /** When it expires. */
  accessTokenExpiresAt: Date;
  /** The new refresh token string, when one is issued. */
  refreshToken?: string;
  /** When it expires. */
  refreshTokenExpiresAt?: Date;
  /** The granted scope. */
  scope: string[];
  /** The grant the tokens belong to; keep it to let tollgate revoke the whole grant. */
  grantId: string;
}

/** The fields `saveAuthorizationCode` receives. */
export interface CompatCodeToSave {
  /** The new code string. */
  authorizationCode: string;
  /** When it expires. */
  expiresAt: Date;
  /** The `redirect_uri` of the authorization request, if one was sent. */
  redirectUri?: string;
  /** The granted scope. */
  scope: string[];
  /** The PKCE code challenge (RFC 7636 §4.3). */
  codeChallenge?: string;
  /** How the challenge was derived (RFC 7636 §4.3). */
  codeChallengeMethod?: CodeChallengeMethod;
  /** The grant the code belongs to. */
  grantId: string;
}

/** Their model (v5: every function returns a value or a promise; no callbacks). */
export interface CompatModel {
  /** Finds a client; `clientSecret` is null when the client did not authenticate with a secret. */
  getClient(clientId: string, clientSecret: string | null): Awaitable<CompatClient | Falsey>;
  /** Saves an issued token pair and returns it with `client` and `user`. */
  saveToken(token: CompatTokenToSave, client: CompatClient, user: CompatUser): Awaitable<CompatToken | Falsey>;
  /** Finds an access token, for the bearer check. */
  getAccessToken?(accessToken: string): Awaitable<CompatToken | Falsey>;
  /** Finds a refresh token, for the refresh_token grant. */
  getRefreshToken?(refreshToken: string): Awaitable<CompatToken | Falsey>;
  /** Must report whether it removed the token: tollgate relies on it for single use. */
  revokeToken?(token: CompatToken): Awaitable<boolean>;
  /** Finds an authorization code, for the authorization_code grant. */
  getAuthorizationCode?(authorizationCode: string): Awaitable<CompatAuthorizationCode | Falsey>;
  /** Saves an issued code and returns it. */
  saveAuthorizationCode?(code: CompatCodeToSave, client: CompatClient, user: CompatUser): Awaitable<CompatAuthorizationCode | Falsey>;
  /** Must report whether it removed the code: of two parallel redemptions, one alone gets true. */
  revokeAuthorizationCode?(code: CompatAuthorizationCode): Awaitable<boolean>;
  /** Checks a username and password (the password grant). */
  getUser?(username: string, password: string, client: CompatClient): Awaitable<CompatUser | Falsey>;
  /** The user a client_credentials token is issued for. */
  getUserFromClient?(client: CompatClient): Awaitable<CompatUser | Falsey>;
  /** The scope to grant for a requested one; falsy refuses it (`invalid_scope`). */
  validateScope?(user: CompatUser, client: CompatClient, scope: string[]): Awaitable<readonly string[] | Falsey>;
  /** Whether a token's scope covers the scope a resource asks for. */
  verifyScope?(token: CompatToken, scope: string[]): Awaitable<boolean>;
  /** Makes an access token string; default: a random one. */
  generateAccessToken?(client: CompatClient, user: CompatUser, scope: string[]): Awaitable<string>;
  /** Makes a refresh token string; default: a random one. */
  generateRefreshToken?(client: CompatClient, user: CompatUser, scope: string[]): Awaitable<string>;
  /** Makes a code string; default: a random one. */
  generateAuthorizationCode?(client: CompatClient, user: CompatUser, scope: string[]): Awaitable<string>;
}

/** The model's own object behind each translated one, to hand back to its functions. */
const originals = new WeakMap<object, object>();

function remember<T extends object>(translated: T, original: object): T {
  originals.set(translated, original);
  return translated;
}

function original<T>(translated: object, fallback: T): T {
  return (originals.get(translated) as T | undefined) ?? fallback;
}

/** Their client behind a core client. */
export function compatClient(client: Client): CompatClient {
  return original(client, { id: client.client_id });
}

/** Their token behind a core access token. */
export function compatToken(token: AccessToken): CompatToken {
  return original(token, { ...token, client: compatClient(token.client) });
}

// Their expiry fields are optional for refresh tokens: absent means it never expires.
const NEVER = new Date(8.64e15);

/**
 * Their rule for refresh tokens: the password and authorization code grants always issue one,
 * whether or not the client may use the refresh_token grant (which getRefreshToken still checks).
 * The core issues one to clients registered for refresh_token, so the translated client is.
 */
function grantTypes(client: CompatClient): string[] {
  const grants = [...(client.grants ?? [])];
  if (!grants.includes('refresh_token') && (grants.includes('password') || grants.includes('authorization_code'))) grants.push('refresh_token');
  return grants;
}

function toClient(client: CompatClient, method: TokenEndpointAuthMethod): Client {
  const { redirectUris } = client;
  return remember(
    {
      client_id: client.id,
      token_endpoint_auth_method: method,
      redirect_uris: typeof redirectUris === 'string' ? [redirectUris] : [...(redirectUris ?? [])],
      grant_types: grantTypes(client),
      access_token_lifetime: client.accessTokenLifetime,
      refresh_token_lifetime: client.refreshTokenLifetime,
    },
    client,
  );
}

/** A stable grant id for a model that did not keep the one it was given. */
function grantIdOf(stored: { grantId?: string | undefined }, value: string): string {
  return stored.grantId ?? `compat:${value}`;
}

export interface CompatModelOptions {
  /**
   * How a client that presented no secret counts: in a token request it is a public client
   * (`none`); at the authorization endpoint the secret is never presented, so it does not say.
   */
  publicWithoutSecret: boolean;
  /** Receives what `saveToken` returned, by access token, for `token()` to resolve with. */
  savedTokens: Map<string, CompatToken>;
  /** Receives what `saveAuthorizationCode` returned, by code, for `authorize()` to resolve with. */
  savedCodes: Map<string, CompatAuthorizationCode>;
  /** `enablePlainPKCE`: also at the token endpoint, a code whose challenge is `plain` is refused without it. */
  allowPlainPkce: boolean;
}

// Their tokens need only a user (getAccessToken results often carry no client): such a token belongs to no client.
const NO_CLIENT: CompatClient = { id: '' };

/** The tollgate Model over their model. Functions their model lacks stay absent, so the grants needing them stay off. */
export function toModel(model: CompatModel, options: CompatModelOptions): Partial<Model> & Pick<Model, 'getClient' | 'saveToken' | 'getAccessToken'> {
  const { publicWithoutSecret, savedTokens, savedCodes, allowPlainPkce } = options;
  const userOf = (user: User): CompatUser => user;
  const clientOf = (client: CompatClient): Client => toClient(client, 'client_secret_basic');
  const fromToken = (token: CompatToken, value: string): Token => {
    const translated: Token = {
      accessToken: token.accessToken ?? value,
      accessTokenExpiresAt: token.accessTokenExpiresAt ?? NEVER,
      scope: [...(token.scope ?? [])],
      client: clientOf(token.client ?? NO_CLIENT),
      user: token.user as User,
      grantId: grantIdOf(token, value),
    };
    return remember(translated, token);
  };
  const fromRefreshToken = (token: CompatToken, value: string): RefreshToken =>
    remember({ ...fromToken(token, value), refreshToken: value, refreshTokenExpiresAt: token.refreshTokenExpiresAt ?? NEVER }, token);

  const translated: ReturnType<typeof toModel> = {
    async getClient(clientId, clientSecret) {
      const client = await model.getClient(clientId, clientSecret);
      if (!client) return null;
      return toClient(client, clientSecret === null && publicWithoutSecret ? 'none' : 'client_secret_basic');
    },
    async saveToken(token, client, user) {
      const toSave: CompatTokenToSave = {
        // Fields an extension grant passed to saveToken beyond the standard ones (extension-grant.ts).
        ...token.extra,
        accessToken: token.accessToken,
        accessTokenExpiresAt: token.accessTokenExpiresAt,
        scope: token.scope,
        grantId: token.grantId,
      };
      if (token.refreshToken !== undefined) toSave.refreshToken = token.refreshToken;
      if (token.refreshTokenExpiresAt !== undefined) toSave.refreshTokenExpiresAt = token.refreshTokenExpiresAt;
      const saved = await model.saveToken(toSave, compatClient(client), userOf(user));
      if (saved) savedTokens.set(token.accessToken, saved);
      return token;
    },
    async getAccessToken(value) {
      const token = model.getAccessToken ? await model.getAccessToken(value) : undefined;
      return token ? fromToken(token, value) : null;
    },
  };

  if (model.getRefreshToken && model.revokeToken) {
    const { getRefreshToken, revokeToken } = model;
    translated.getRefreshToken = async (value) => {
      const token = await getRefreshToken.call(model, value);
      if (!token) return null;
      // Theirs: a client may refresh only when its grants name refresh_token (grantTypes() adds it for issuing).
      // The token is bound to the client asking (checked by the core), so its client's grants are the asker's.
      if (token.client && !(token.client.grants ?? []).includes('refresh_token')) {
        throw new UnauthorizedClientError('The client is not allowed the refresh_token grant');
      }
      return fromRefreshToken(token, value);
    };
    translated.revokeToken = async (token) => Boolean(await revokeToken.call(model, original(token, token as unknown as CompatToken)));
  }

  // The authorization endpoint needs only saveAuthorizationCode, as theirs; the token endpoint
  // enables the grant only with all three (server.ts), so the stand-ins below are never reached there.
  if (model.saveAuthorizationCode) {
    const { getAuthorizationCode = () => null, saveAuthorizationCode, revokeAuthorizationCode = () => false } = model;
    translated.saveAuthorizationCode = async (code, client, user) => {
      const toSave: CompatCodeToSave = { authorizationCode: code.authorizationCode, expiresAt: code.expiresAt, scope: code.scope, grantId: code.grantId };
      if (code.redirectUri !== undefined) toSave.redirectUri = code.redirectUri;
      if (code.codeChallenge !== undefined) toSave.codeChallenge = code.codeChallenge;
      if (code.codeChallengeMethod !== undefined) toSave.codeChallengeMethod = code.codeChallengeMethod;
      const saved = await saveAuthorizationCode.call(model, toSave, compatClient(client), userOf(user));
      if (saved) savedCodes.set(code.authorizationCode, saved);
      return code;
    };
    translated.getAuthorizationCode = async (value) => {
      const code = await getAuthorizationCode.call(model, value);
      if (!code) return null;
      const translatedCode: AuthorizationCode = {
        authorizationCode: code.authorizationCode ?? code.code ?? value,
        expiresAt: code.expiresAt,
        redirectUri: code.redirectUri,
        scope: [...(code.scope ?? [])],
        client: clientOf(code.client),
        user: code.user as User,
        codeChallenge: code.codeChallenge,
        codeChallengeMethod: code.codeChallengeMethod as CodeChallengeMethod | undefined,
        grantId: grantIdOf(code, value),
      };
      return remember(translatedCode, code);
    };
    translated.revokeAuthorizationCode = async (code) => {
      const revoked = Boolean(await revokeAuthorizationCode.call(model, original(code, code as unknown as CompatAuthorizationCode)));
      // RFC 9700 §2.1.1: `plain` only when enabled, also for a code already stored with it; refused
      // once the code is consumed (the core consumes before it verifies), so it cannot be retried.
      if (revoked && code.codeChallenge !== undefined && code.codeChallengeMethod === 'plain' && !allowPlainPkce) {
        // Their error and words, passed through as a model's own error would be.
        throw crossing(new InvalidRequestError('Invalid request: `code_challenge_method` "plain" is not allowed; use "S256"'));
      }
      return revoked;
    };
  }

  if (model.getUser) {
    const { getUser } = model;
    translated.getUser = async (username, password, client) => (await getUser.call(model, username, password, compatClient(client))) || null;
  }
  if (model.getUserFromClient) {
    const { getUserFromClient } = model;
    translated.getUserFromClient = async (client) => (await getUserFromClient.call(model, compatClient(client))) || null;
  }
  if (model.validateScope) {
    const { validateScope } = model;
    translated.validateScope = async (user, client, scope) => {
      const granted = await validateScope.call(model, userOf(user), compatClient(client), scope);
      return granted ? [...granted] : null;
    };
  }
  if (model.verifyScope) {
    const { verifyScope } = model;
    translated.verifyScope = async (token, scope) => Boolean(await verifyScope.call(model, compatToken(token), scope));
  }
  for (const name of ['generateAccessToken', 'generateRefreshToken', 'generateAuthorizationCode'] as const) {
    const generate = model[name];
    if (generate) translated[name] = (client, user, scope) => generate.call(model, compatClient(client), userOf(user), scope);
  }
  return translated;
}
