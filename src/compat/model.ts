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

type Falsey = false | null | undefined | 0 | '';

/** Their client: `id`, `redirectUris`, `grants`, optional per-client lifetimes in seconds. */
export interface CompatClient {
  id: string;
  redirectUris?: string | readonly string[] | undefined;
  grants?: readonly string[] | undefined;
  accessTokenLifetime?: number | undefined;
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
  accessToken?: string | undefined;
  accessTokenExpiresAt?: Date | undefined;
  refreshToken?: string | undefined;
  refreshTokenExpiresAt?: Date | undefined;
  scope?: readonly string[] | undefined;
  client: CompatClient;
  user: CompatUser;
  /** Added by tollgate: a model that stores the object as given keeps it; one that does not gets a derived one. */
  grantId?: string | undefined;
  [key: string]: unknown;
}

/** Their authorization code (`code` is accepted for `authorizationCode`, as older models return it). */
export interface CompatAuthorizationCode {
  authorizationCode?: string | undefined;
  code?: string | undefined;
  expiresAt: Date;
  redirectUri?: string | undefined;
  scope?: readonly string[] | undefined;
  client: CompatClient;
  user: CompatUser;
  codeChallenge?: string | undefined;
  codeChallengeMethod?: string | undefined;
  grantId?: string | undefined;
  [key: string]: unknown;
}

/** The fields `saveToken` receives. */
export interface CompatTokenToSave {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  scope: string[];
  grantId: string;
}

/** The fields `saveAuthorizationCode` receives. */
export interface CompatCodeToSave {
  authorizationCode: string;
  expiresAt: Date;
  redirectUri?: string;
  scope: string[];
  codeChallenge?: string;
  codeChallengeMethod?: CodeChallengeMethod;
  grantId: string;
}

/** Their model (v5: every function returns a value or a promise; no callbacks). */
export interface CompatModel {
  getClient(clientId: string, clientSecret: string | null): Awaitable<CompatClient | Falsey>;
  saveToken(token: CompatTokenToSave, client: CompatClient, user: CompatUser): Awaitable<CompatToken | Falsey>;
  getAccessToken?(accessToken: string): Awaitable<CompatToken | Falsey>;
  getRefreshToken?(refreshToken: string): Awaitable<CompatToken | Falsey>;
  /** Must report whether it removed the token: tollgate relies on it for single use. */
  revokeToken?(token: CompatToken): Awaitable<boolean>;
  getAuthorizationCode?(authorizationCode: string): Awaitable<CompatAuthorizationCode | Falsey>;
  saveAuthorizationCode?(code: CompatCodeToSave, client: CompatClient, user: CompatUser): Awaitable<CompatAuthorizationCode | Falsey>;
  /** Must report whether it removed the code: of two parallel redemptions, one alone gets true. */
  revokeAuthorizationCode?(code: CompatAuthorizationCode): Awaitable<boolean>;
  getUser?(username: string, password: string, client: CompatClient): Awaitable<CompatUser | Falsey>;
  getUserFromClient?(client: CompatClient): Awaitable<CompatUser | Falsey>;
  validateScope?(user: CompatUser, client: CompatClient, scope: string[]): Awaitable<readonly string[] | Falsey>;
  verifyScope?(token: CompatToken, scope: string[]): Awaitable<boolean>;
  generateAccessToken?(client: CompatClient, user: CompatUser, scope: string[]): Awaitable<string>;
  generateRefreshToken?(client: CompatClient, user: CompatUser, scope: string[]): Awaitable<string>;
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
