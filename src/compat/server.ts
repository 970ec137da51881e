/**
 * node-oauth2-server's `OAuth2Server` over the tollgate core: `token`, `authorize` and
 * `authenticate` take their Request and Response, fill the Response, and resolve with what their
 * model returned, or reject with their error classes.
 */
import type { AuthorizationServer } from '../authorization-server.js';
import type { BuiltInGrantType } from '../options.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { CompatAuthorizationCode, CompatModel, CompatToken, CompatUser } from './model.js';
import { createAuthorizationServer } from '../authorization-server.js';
import { InvalidRequestError as CoreInvalidRequestError } from '../errors.js';
import { isFormRequest } from '../request.js';
import { errorRedirect } from '../response.js';
import {
  AbstractGrantType,
  AccessDeniedError,
  InsufficientScopeError,
  InvalidArgumentError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
  Request,
  Response,
  ServerError,
  UnauthorizedClientError,
  UnauthorizedRequestError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UnsupportedTokenTypeError,
  errorFor,
  isOAuthError,
} from './classes.js';
import { compatToken, toModel } from './model.js';
import { extensionGrant } from './extension-grant.js';
import type { ExtendedGrantType } from './extension-grant.js';
import { guardModel, withModelErrors } from './model-errors.js';
import type { ModelErrorSlot } from './model-errors.js';

export type { ExtendedGrantType } from './extension-grant.js';

/** Their `authorize` option `authenticateHandler`: who the resource owner is, as the host knows it. */
export interface AuthenticateHandler {
  /** The logged-in resource owner, or a falsy value. */
  handle(request: Request, response: Response): unknown;
}

/** Their constructor options: the model, lifetimes and leniencies, with tollgate's `issuer` added. */
export interface OAuth2ServerOptions {
  /** Their model: `getClient`, `saveToken`, and the functions the grants in use need. */
  model: CompatModel;
  /** tollgate: the issuer sent as `iss` in authorization responses (RFC 9207). Default `http://localhost`. */
  issuer?: string;
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenLifetime?: number;
  /** Refresh token lifetime in seconds. Default 1209600 (two weeks). */
  refreshTokenLifetime?: number;
  /** Authorization code lifetime in seconds. Default 300. */
  authorizationCodeLifetime?: number;
  /** Accept `access_token` in the query string (RFC 6750 §2.3, not recommended). Default false. */
  allowBearerTokensInQueryString?: boolean;
  /** Per grant type: `false` lets a client without a secret use it (never `client_credentials`, RFC 6749 §4.4). */
  requireClientAuthentication?: Readonly<Record<string, boolean>>;
  /** Rotate the refresh token on every refresh (RFC 9700 §4.14.2). Default true. */
  alwaysIssueNewRefreshToken?: boolean;
  /** Accept an authorization request without `state`. Default false. */
  allowEmptyState?: boolean;
  /** Accept the `plain` PKCE method (RFC 7636 §4.2). Default false: S256 only. */
  enablePlainPKCE?: boolean;
  /** Extension grants (RFC 6749 §4.5) by grant type URI: their `AbstractGrantType` subclasses. */
  extendedGrantTypes?: Readonly<Record<string, ExtendedGrantType>>;
  /** Who the resource owner is at the authorization endpoint. */
  authenticateHandler?: AuthenticateHandler;
  /** The scope `authenticate` requires, when not given per call. */
  scope?: string | readonly string[];
  /** Send `X-Accepted-OAuth-Scopes` from `authenticate`. Default true. */
  addAcceptedScopesHeader?: boolean;
  /** Send `X-OAuth-Scopes` from `authenticate`. Default true. */
  addAuthorizedScopesHeader?: boolean;
  /** Fields `saveToken` returns beyond the standard ones are added to the token response. */
  allowExtendedTokenAttributes?: boolean;
  /** tollgate: the realm of bearer challenges (RFC 6750 §3). Default `Service`, as theirs. */
  realm?: string;
  /** tollgate: receives unexpected errors (answered as `server_error`). */
  onError?: (error: unknown) => void;
}

/** The request as the core sees it: their parsed query and body, repeated fields as arrays. */
function toOAuthRequest(request: Request, headers = request.headers, body = request.body): OAuthRequest {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') query.append(name, item);
  }
  const search = query.toString();
  // A method that is not a string (their tests build `method: {}`) is no POST: read as GET.
  const method = typeof request.method === 'string' ? request.method : 'GET';
  return { method, url: search ? `/?${search}` : '/', headers, body: body as OAuthRequest['body'] };
}

/**
 * The authorization request as the core reads it. Theirs takes each parameter from the body or
 * the query whatever the method; the core reads a GET's query, so a non-POST request's body
 * parameters join its query.
 */
function authorizationRequest(request: Request): OAuthRequest {
  if (request.method === 'POST') return toOAuthRequest(request);
  const query: Record<string, unknown> = { ...request.query };
  for (const [name, value] of Object.entries(request.body ?? {})) if (typeof value === 'string' && value !== '') query[name] = value;
  return toOAuthRequest(Object.assign(Object.create(request) as Request, { query }));
}

/**
 * An authorization request refused before the redirect URI was trusted (RFC 6749 §4.1.2.1: never
 * redirected). Theirs answers an unknown client and an unregistered `redirect_uri` alike, with
 * InvalidClientError 400; other refusals keep the core's code.
 */
async function refusedAuthorization(response: Response, answer: OAuthResponse, request: Request, model: CompatModel): Promise<OAuthError> {
  const error = failure(response, answer);
  if (answer.headers.Location !== undefined) return error;
  if (error.name === 'invalid_client') return rejected(response, new InvalidClientError('Invalid client: client credentials are invalid'));
  const params = authorizationRequest(request).url.split('?')[1];
  const query = new URLSearchParams(params ?? '');
  const clientId = query.get('client_id');
  const redirectUri = query.get('redirect_uri');
  if (error.name === 'invalid_request' && clientId !== null && redirectUri !== null) {
    const client = await model.getClient(clientId, null);
    const registered = client ? [client.redirectUris ?? []].flat() : [];
    if (client && !registered.includes(redirectUri)) return rejected(response, new InvalidClientError('Invalid client: `redirect_uri` does not match client value'));
  }
  return error;
}

/** HTTP Basic credentials, form-encoded first (RFC 6749 §2.3.1). */
function basic(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** Whether the model knows this client and does not mark it `public`. (An unknown client is the core's to refuse.) */
async function isConfidentialClient(model: CompatModel, clientId: string): Promise<boolean> {
  const client = await model.getClient(clientId, null);
  return client ? client.public !== true : false;
}

function assertArguments(request: unknown, response: unknown): asserts request is Request {
  if (!(request instanceof Request)) throw new InvalidArgumentError('Invalid argument: `request` must be an instance of Request');
  if (!(response instanceof Response)) throw new InvalidArgumentError('Invalid argument: `response` must be an instance of Response');
}

/** Copies a core response into theirs: status, headers, and the JSON body as an object. */
function fill(response: Response, answer: OAuthResponse): void {
  response.status = answer.status;
  // Theirs leaves Content-Type to the host, which serializes the body.
  for (const [name, value] of Object.entries(answer.headers)) if (name.toLowerCase() !== 'content-type') response.set(name, value);
  if (answer.body !== '') response.body = JSON.parse(answer.body) as Record<string, unknown>;
}

/** Fills their Response with a core error answer and returns their error for it. */
function failure(response: Response, answer: OAuthResponse): OAuthError {
  fill(response, answer);
  const location = answer.headers.Location;
  const params = location ? new URL(location).searchParams : undefined;
  const body = params ? { error: params.get('error'), error_description: params.get('error_description') } : response.body;
  if (typeof body.error !== 'string') return new UnauthorizedRequestError('Unauthorized request: no authentication given');
  return errorFor(body.error, typeof body.error_description === 'string' ? body.error_description : '', params ? undefined : answer.status);
}

/** Fills their Response with an error found before the core was asked, as their handlers do. */
function rejected(response: Response, error: OAuthError): OAuthError {
  response.status = error.code;
  response.body = { error: error.name, error_description: error.message };
  return error;
}

/** Their error for an exception: theirs as is, anything else wrapped as a server error. */
function asOAuthError(err: unknown, response: Response): OAuthError {
  if (isOAuthError(err)) return err;
  return rejected(response, new ServerError('The authorization server encountered an unexpected condition', { code: 500, inner: err }));
}

/**
 * The model's own OAuth error, when one decided the answer: the core answered with its equivalent
 * (headers such as `WWW-Authenticate` included); the Response gets the model error's status, name
 * and message, unless the answer went to the redirect URI.
 */
function modelFailure(response: Response, answer: OAuthResponse, error: OAuthError): OAuthError {
  fill(response, answer);
  if (answer.headers.Location === undefined) {
    response.status = error.code;
    // RFC 6749 §5.2: error_description excludes `"` and `\`.
    response.body = { error: error.name, error_description: error.message.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '') };
  }
  return error;
}

/** Their RFC 6749 §5.1 body fields: `scope` always when the token has one, and with `allowExtendedTokenAttributes` the token's other fields. */
function completeTokenBody(response: Response, saved: CompatToken | undefined, allowExtended: boolean): void {
  if (!saved) return;
  if (response.body.scope === undefined && saved.scope && saved.scope.length > 0) response.body.scope = saved.scope.join(' ');
  if (!allowExtended) return;
  for (const [name, value] of Object.entries(saved)) {
    if (!STANDARD_TOKEN_FIELDS.has(name) && !(name in response.body)) response.body[name] = value;
  }
}

// RFC 7636 §4.1: code-verifier = 43*128unreserved.
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

const STANDARD_TOKEN_FIELDS = new Set(['accessToken', 'accessTokenExpiresAt', 'refreshToken', 'refreshTokenExpiresAt', 'scope', 'client', 'user', 'grantId']);

/**
 * Their bearer challenge (RFC 6750 §3): the realm, and the error code for the codes §3.1 defines;
 * none for a request that carried no token (UnauthorizedRequestError).
 */
function bearerChallenge(realm: string, error: OAuthError): string {
  const code = ['invalid_request', 'invalid_token', 'insufficient_scope'].includes(error.name) ? `,error="${error.name}"` : '';
  return `Bearer realm="${realm.replace(/["\\]/g, '')}"${code}`;
}

type Resolved = OAuth2ServerOptions & {
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  authorizationCodeLifetime: number;
};

/**
 * node-oauth2-server's server: `token`, `authorize`, `authenticate` and `revoke` on their Request and
 * Response, answered by the tollgate core (differences: docs/migrating-from-node-oauth2-server.md).
 */
export class OAuth2Server {
  /** Their Request class, as `OAuth2Server.Request`: {@link Request}. */
  static Request = Request;
  /** Their Response class, as `OAuth2Server.Response`: {@link Response}. */
  static Response = Response;
  /** The base class of their extension grants: {@link AbstractGrantType}. */
  static AbstractGrantType = AbstractGrantType;
  // Their index.js hangs every error class on the export: `OAuth2Server.InvalidTokenError`.
  /** The base of their error classes: {@link OAuthError}. */
  static OAuthError = OAuthError;
  /** `access_denied`, 400. */
  static AccessDeniedError = AccessDeniedError;
  /** `insufficient_scope`, 403 (RFC 6750 §3.1). */
  static InsufficientScopeError = InsufficientScopeError;
  /** A programming mistake (a missing option or model function), 500. */
  static InvalidArgumentError = InvalidArgumentError;
  /** `invalid_client`, 400. */
  static InvalidClientError = InvalidClientError;
  /** `invalid_grant`, 400. */
  static InvalidGrantError = InvalidGrantError;
  /** `invalid_request`, 400. */
  static InvalidRequestError = InvalidRequestError;
  /** `invalid_scope`, 400. */
  static InvalidScopeError = InvalidScopeError;
  /** `invalid_token`, 401 (RFC 6750 §3.1). */
  static InvalidTokenError = InvalidTokenError;
  /** `server_error`, 503. */
  static ServerError = ServerError;
  /** `unauthorized_client`, 400. */
  static UnauthorizedClientError = UnauthorizedClientError;
  /** A request without credentials: 401 with a bare challenge (RFC 6750 §3.1). */
  static UnauthorizedRequestError = UnauthorizedRequestError;
  /** `unsupported_grant_type`, 400. */
  static UnsupportedGrantTypeError = UnsupportedGrantTypeError;
  /** `unsupported_response_type`, 400. */
  static UnsupportedResponseTypeError = UnsupportedResponseTypeError;
  /** `unsupported_token_type`, 400 (RFC 7009 §2.2.1). */
  static UnsupportedTokenTypeError = UnsupportedTokenTypeError;

  /** The options the server was constructed with. */
  readonly options: OAuth2ServerOptions;
  readonly #servers = new Map<string, AuthorizationServer>();
  readonly #savedTokens = new Map<string, CompatToken>();
  readonly #savedCodes = new Map<string, CompatAuthorizationCode>();

  constructor(options: OAuth2ServerOptions) {
    if (!options?.model) throw new InvalidArgumentError('Missing parameter: `model`');
    this.options = options;
  }

  #resolve(options: Partial<OAuth2ServerOptions> | undefined): Resolved {
    return { accessTokenLifetime: 3600, refreshTokenLifetime: 1_209_600, authorizationCodeLifetime: 300, ...this.options, ...options };
  }

  /**
   * The core server for these options (cached: their per-call options may differ). At the token
   * endpoint a client that sends no secret is public; elsewhere the secret is never sent.
   */
  #core(options: Resolved, atTokenEndpoint: boolean): AuthorizationServer {
    const key = JSON.stringify([
      atTokenEndpoint,
      options.issuer,
      options.accessTokenLifetime,
      options.refreshTokenLifetime,
      options.authorizationCodeLifetime,
      options.alwaysIssueNewRefreshToken,
      options.enablePlainPKCE,
      options.allowBearerTokensInQueryString,
      Object.keys(options.extendedGrantTypes ?? {}),
    ]);
    let server = this.#servers.get(key);
    if (!server) {
      const model = guardModel(options.model);
      const grantTypes: BuiltInGrantType[] = [];
      // The authorization endpoint needs only saveAuthorizationCode (as theirs); the token endpoint all three.
      if (model.saveAuthorizationCode && (!atTokenEndpoint || (model.getAuthorizationCode && model.revokeAuthorizationCode))) {
        grantTypes.push('authorization_code');
      }
      if (model.getUser) grantTypes.push('password');
      if (model.getUserFromClient) grantTypes.push('client_credentials');
      if (model.getRefreshToken && model.revokeToken) grantTypes.push('refresh_token');
      server = createAuthorizationServer({
        issuer: options.issuer ?? 'http://localhost',
        grantTypes,
        model: toModel(model, {
          publicWithoutSecret: atTokenEndpoint,
          savedTokens: this.#savedTokens,
          savedCodes: this.#savedCodes,
          allowPlainPkce: options.enablePlainPKCE === true,
        }) as never,
        grants: Object.entries(options.extendedGrantTypes ?? {}).map(([type, GrantType]) =>
          extensionGrant(type, GrantType, {
            model,
            accessTokenLifetime: options.accessTokenLifetime,
            refreshTokenLifetime: options.refreshTokenLifetime,
            alwaysIssueNewRefreshToken: options.alwaysIssueNewRefreshToken !== false,
            savedTokens: this.#savedTokens,
          }),
        ),
        accessTokenTtl: options.accessTokenLifetime,
        refreshTokenTtl: options.refreshTokenLifetime,
        authorizationCodeTtl: options.authorizationCodeLifetime,
        rotateRefreshTokens: options.alwaysIssueNewRefreshToken !== false,
        allowPlainPkce: options.enablePlainPKCE === true,
        allowBearerTokensInQueryString: options.allowBearerTokensInQueryString === true,
        // Theirs accepts a token in a form body (RFC 6750 §2.2) without an option.
        allowBearerTokensInBody: true,
        ...(options.onError && { onError: options.onError }),
      });
      this.#servers.set(key, server);
    }
    return server;
  }

  /**
   * RFC 6749 §3.2: issues tokens; resolves with the token object the model's `saveToken` returned.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
   */
  async token(request: Request, response: Response, options?: Partial<OAuth2ServerOptions>): Promise<CompatToken> {
    assertArguments(request, response);
    const resolved = this.#resolve(options);
    try {
      const headers = { ...request.headers };
      const body = { ...request.body };
      // RFC 6749 §3.2: POST only; theirs answers 400 invalid_request (RFC 6749 §5.2), not 405.
      if (request.method !== 'POST') throw rejected(response, new InvalidRequestError('Invalid request: method must be POST'));
      if (!isFormRequest({ method: request.method, url: '/', headers })) {
        throw rejected(response, new InvalidRequestError('Invalid request: content must be application/x-www-form-urlencoded'));
      }
      // Their client_secret in the body and in Basic are equivalent: the core takes it as Basic.
      const { client_id: clientId, client_secret: clientSecret, grant_type: grantType, code_verifier: verifier } = body;
      if (headers.authorization === undefined && typeof clientId === 'string' && typeof clientSecret === 'string') {
        headers.authorization = basic(clientId, clientSecret);
        delete body.client_id;
        delete body.client_secret;
      } else if (headers.authorization === undefined) {
        const exempt = typeof grantType === 'string' && resolved.requireClientAuthentication?.[grantType] === false;
        // RFC 9700 §2.1.1: a client without a secret redeems a code only with PKCE.
        if (grantType === 'authorization_code' && verifier === undefined && exempt) {
          throw rejected(response, new InvalidRequestError('Missing parameter: `code_verifier` (a client without a secret must use PKCE)'));
        }
        if (!exempt && !(grantType === 'authorization_code' && verifier !== undefined)) {
          throw rejected(response, new InvalidClientError('Invalid client: cannot retrieve client credentials'));
        }
        // RFC 6749 §3.2.1: a confidential client authenticates at the token endpoint; PKCE proves
        // only that the redeemer started the flow, not that it is the client (theirs skips the secret).
        if (grantType === 'authorization_code' && typeof clientId === 'string' && (await isConfidentialClient(resolved.model, clientId))) {
          throw rejected(response, new InvalidClientError('Invalid client: this client must authenticate with its client_secret', { code: 401 }));
        }
      }
      const slot: ModelErrorSlot = {};
      const core = this.#core(resolved, true);
      const answer = await withModelErrors(slot, () => core.token(toOAuthRequest(request, headers, body), { request }));
      if (slot.error) throw modelFailure(response, answer, slot.error);
      if (answer.status !== 200) {
        const error = failure(response, answer);
        // RFC 6749 §5.2: 401 with a Basic challenge when the client used the Authorization header;
        // with credentials in the body theirs answers 400, which §5.2 allows.
        if (error.name === 'invalid_client' && request.headers.authorization === undefined && error.code === 401) {
          delete response.headers['www-authenticate'];
          throw rejected(response, new InvalidClientError(error.message));
        }
        // RFC 7636 §4.1: a verifier outside the ABNF is a malformed request (theirs: invalid_request),
        // answered once the core has consumed the code.
        if (error.name === 'invalid_grant' && typeof verifier === 'string' && !PKCE_VERIFIER.test(verifier)) {
          throw rejected(response, new InvalidRequestError('Invalid parameter: `code_verifier`'));
        }
        throw error;
      }
      fill(response, answer);
      const accessToken = response.body.access_token as string;
      const saved = this.#savedTokens.get(accessToken);
      this.#savedTokens.delete(accessToken);
      completeTokenBody(response, saved, resolved.allowExtendedTokenAttributes === true);
      return saved ?? (response.body as unknown as CompatToken);
    } catch (err) {
      throw asOAuthError(err, response);
    }
  }

  /**
   * RFC 6749 §4.1.1: answers an authorization request for the user `authenticateHandler` returns
   * (or the bearer token's user); resolves with the code object `saveAuthorizationCode` returned.
   * `allowed=false` in the query or body denies.
   */
  async authorize(request: Request, response: Response, options?: Partial<OAuth2ServerOptions>): Promise<CompatAuthorizationCode> {
    assertArguments(request, response);
    const resolved = this.#resolve(options);
    const core = this.#core(resolved, false);
    const slot: ModelErrorSlot = {};
    try {
      const oauthRequest = authorizationRequest(request);
      const checked = await withModelErrors(slot, () => core.authorize(oauthRequest));
      if (slot.error && checked.type !== 'interaction') throw modelFailure(response, checked.response, slot.error);
      if (checked.type !== 'interaction') throw await refusedAuthorization(response, checked.response, request, resolved.model);
      const { redirectUri, state, responseMode } = checked.request;
      if (state === undefined && !resolved.allowEmptyState) {
        const missing = new CoreInvalidRequestError('Missing parameter: `state`');
        throw failure(response, errorRedirect(missing, redirectUri, state, core.options.issuer, responseMode, request.method));
      }
      const user = await this.#user(request, response, resolved);
      const allow = request.query.allowed !== 'false' && request.body.allowed !== 'false';
      const answer = await withModelErrors(slot, () => core.authorize(oauthRequest, { user: user as CompatUser, allow }));
      if (slot.error) throw modelFailure(response, answer.response, slot.error);
      const code = answer.response.headers.Location && new URL(answer.response.headers.Location).searchParams.get('code');
      if (answer.type !== 'redirect' || !code) throw failure(response, answer.response);
      fill(response, answer.response);
      const saved = this.#savedCodes.get(code);
      this.#savedCodes.delete(code);
      // Theirs sends the code saveAuthorizationCode returned, which the model may have replaced.
      const sent = saved?.authorizationCode;
      if (typeof sent === 'string' && sent !== '' && sent !== code) {
        const location = new URL(response.headers.location as string);
        location.searchParams.set('code', sent);
        response.set('Location', location.href);
      }
      return saved ?? ({ authorizationCode: code } as CompatAuthorizationCode);
    } catch (err) {
      throw asOAuthError(err, response);
    }
  }

  async #user(request: Request, response: Response, options: Resolved): Promise<object> {
    if (options.authenticateHandler) {
      const user: unknown = await options.authenticateHandler.handle(request, response);
      if (!user || typeof user !== 'object') throw new ServerError('Server error: `handle()` did not return a `user` object', { code: 500 });
      return user;
    }
    return (await this.authenticate(request, response, options)).user;
  }

  /**
   * RFC 6750: checks the bearer token; resolves with the token object `getAccessToken` returned.
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
   */
  async authenticate(request: Request, response: Response, options?: Partial<OAuth2ServerOptions>): Promise<CompatToken> {
    assertArguments(request, response);
    const resolved: Resolved = { addAcceptedScopesHeader: true, addAuthorizedScopesHeader: true, ...this.#resolve(options) };
    const scope = typeof resolved.scope === 'string' ? resolved.scope.split(' ').filter(Boolean) : resolved.scope;
    const realm = resolved.realm ?? 'Service';
    try {
      // RFC 6750 §2.3 (SHOULD NOT): a token in the query is refused unless allowed, as theirs, not ignored.
      if (!resolved.allowBearerTokensInQueryString && request.query.access_token !== undefined) {
        const error = rejected(response, new InvalidRequestError('Invalid request: do not send bearer tokens in query URLs'));
        response.set('WWW-Authenticate', bearerChallenge(realm, error));
        throw error;
      }
      const slot: ModelErrorSlot = {};
      const core = this.#core(resolved, false);
      const result = await withModelErrors(slot, () => core.authenticate(toOAuthRequest(request), scope ? { scope } : {}));
      if (result.type === 'error') {
        let error = slot.error ? modelFailure(response, result.response, slot.error) : failure(response, result.response);
        // RFC 6750 §3.1: invalid_request is 400 (e.g. a malformed Authorization header).
        if (error.name === 'invalid_request' && error.code !== 400) error = rejected(response, new InvalidRequestError(error.message));
        response.set('WWW-Authenticate', bearerChallenge(realm, error));
        throw error;
      }
      const token = compatToken(result.token);
      if (scope && resolved.addAcceptedScopesHeader) response.set('X-Accepted-OAuth-Scopes', scope.join(' '));
      if (scope && resolved.addAuthorizedScopesHeader) response.set('X-OAuth-Scopes', result.token.scope.join(' '));
      return token;
    } catch (err) {
      throw asOAuthError(err, response);
    }
  }
}
