/**
 * A grant type as a module (RFC 6749 §4, §4.5): it validates its own parameters and issues tokens
 * through the shared TokenIssuer. A grant that starts at the authorization endpoint (code,
 * implicit) carries that half too, so a response type and its grant type are one object.
 * The endpoints do everything grants share.
 */
import type { BaseModel, Model } from '../model.js';
import type { Client, CodeChallengeMethod, OAuthRequest, User } from '../types.js';
import type { Params } from '../request.js';
import type { ResponseMode } from '../response.js';
import type { OpenIdAuthorizationRequest, OpenIdGrantRecord } from '../openid.js';
import type { DpopProof } from '../dpop/proof.js';

/** The §5.1 success body. Extension grants may add fields of their own. */
export interface TokenResponseBody {
  /** The access token (RFC 6749 §5.1). */
  access_token: string;
  /** `DPoP` when the access token is bound to the request's DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  /** The access token's lifetime in seconds. */
  expires_in: number;
  /** The refresh token, when one was issued (RFC 6749 §6). */
  refresh_token?: string;
  /** The granted scope, space-separated, when it differs from the requested one (§5.1). */
  scope?: string;
  [extra: string]: unknown;
}

/**
 * What a grant asks `TokenIssuer.issue` for: who the tokens are for, their scope and what ties
 * them to an earlier authorization. The issuer fills in values, lifetimes and the format.
 */
export interface IssueRequest {
  /** The client the tokens are issued to. */
  client: Client;
  /** The resource owner they act for; for a client acting for itself (RFC 6749 §4.4), what the grant's model returned for it. */
  user: User;
  /** The scope granted. */
  scope: string[];
  /** The scope the client asked for, if it asked: the response names the scope when they differ (§5.1). */
  requestedScope?: string[] | undefined;
  /** Ties the tokens to an earlier authorization (a code or refresh token); new when absent. */
  grantId?: string | undefined;
  /** Issue a refresh token too, if the client is registered for the refresh_token grant. */
  refreshToken: boolean;
  /** The refresh token's scope when wider than the access token's (a narrowing refresh, RFC 6749 §6). */
  refreshTokenScope?: string[] | undefined;
  /** Values to issue instead of generated ones: an extension grant importing tokens made elsewhere. */
  values?:
    | {
        /** The access token value to store and answer. */
        accessToken: string;
        /** The refresh token value, when `refreshToken` is true; a generated one otherwise. */
        refreshToken?: string | undefined;
      }
    | undefined;
  /** Extra fields kept with the token in the store. */
  extra?: Record<string, unknown> | undefined;
  /**
   * OpenID Connect: issue an ID token beside the tokens, with these (Core §3.1.3.3, §12.2), when
   * the server has an OpenID provider and the scope has `openid`.
   */
  openid?: OpenIdGrantRecord | undefined;
  /**
   * The resources the authorization covers (RFC 8707), as a code or refresh token recorded them.
   * The token's audience is these, or the part of them the token request names in `resource`.
   */
  resources?: readonly string[] | undefined;
  /**
   * RFC 8693 §4.1: the actor a delegated token acts for (`act`, prior actors nested), kept in
   * `extra.act`, put in JWT access tokens and answered by introspection.
   */
  act?: ActorClaim | undefined;
  /** The access token expires no later than this: a token derived from another must not outlive it (RFC 8693 §2.2.1). */
  notAfter?: Date | undefined;
  /** RFC 9449 §6: the JWK thumbprint the access token is bound to (`cnf.jkt`); set by the token endpoint from the request's proof. */
  jkt?: string | undefined;
}

/** The `act` claim (RFC 8693 §4.1): the acting party, and the one before it nested. */
export interface ActorClaim {
  /** The subject of the actor: who is acting (RFC 8693 §4.1). */
  sub: string;
  /** The client the actor used, when known (RFC 8693 §4.3). */
  client_id?: string | undefined;
  /** The actor before this one, for a chain of delegations; only the outermost is the current actor (§4.1). */
  act?: ActorClaim | undefined;
}

/** Issues tokens: values, lifetimes, format and storage, the same way for every grant. */
export interface TokenIssuer {
  /** Issues the access token (and refresh token, ID token) for a request and answers the §5.1 body. */
  issue(request: IssueRequest): Promise<TokenResponseBody>;
}

/**
 * What a grant's token-endpoint half is handed for one request (RFC 6749 §3.2): the parameters,
 * the authenticated client, the model and the token issuer.
 */
export interface GrantContext<M extends BaseModel = BaseModel> {
  /** The request's parameters: duplicates refused, empty values dropped (RFC 6749 §3.2). */
  params: Params;
  /** The authenticated client, already allowed this grant type. */
  client: Client;
  /** The server's model. */
  model: M;
  /** Issues the tokens (not to be confused with the server's issuer identifier, a URL). */
  tokens: TokenIssuer;
  /** The `scope` parameter, syntax-checked (§3.3); undefined when absent. */
  scope: string[] | undefined;
  /** The HTTP request. */
  request: OAuthRequest;
  /** Extra credentials the host passed in (the oauthlib seed's `credentials`), e.g. the client's IP. */
  credentials: Readonly<Record<string, unknown>>;
  /** The time of the request: one clock for every check in it. */
  now: Date;
  /** The request's checked DPoP proof (RFC 9449 §5), when it sent one; the issued access token is bound to it. */
  dpop?: DpopProof | undefined;
}

/** A validated authorization request (RFC 6749 §4.1.1, §4.2.1): what the consent page shows and the grant answers. */
export interface AuthorizationRequest {
  /** The client that sent the request, registered and allowed the response type. */
  client: Client;
  /** The `response_type` asked for, answered by the grant that registered it. */
  responseType: string;
  /** Where the response goes: the registered URI the request named, or the only one registered. */
  redirectUri: string;
  /** Whether the request named the redirect URI itself (then the token request must repeat it, §4.1.3). */
  redirectUriSent: boolean;
  /** The scope asked for, syntax-checked; undefined when the request had none. */
  scope: string[] | undefined;
  /** The client's `state`, returned unchanged with the response (RFC 6749 §4.1.2). */
  state: string | undefined;
  /** RFC 7636 §4.3, for `response_type=code`. */
  codeChallenge: string | undefined;
  /** RFC 7636 §4.3: how `codeChallenge` was derived; `S256` unless the server allows `plain`. */
  codeChallengeMethod: CodeChallengeMethod | undefined;
  /** How the response parameters reach the client: query, fragment or form post. */
  responseMode: ResponseMode;
  /** OpenID Connect Core §3.1.2.1: set when the server is an OpenID provider and the scope has `openid`. */
  openid?: OpenIdAuthorizationRequest | undefined;
  /** The `resource` values asked for (RFC 8707 §2), checked; undefined when the request had none. */
  resources?: string[] | undefined;
  /** The `request_uri` its parameters were pushed as (RFC 9126 §4); undefined when they came in the request itself. */
  requestUri?: string | undefined;
  /** RFC 9449 §10: the `dpop_jkt` the code is bound to; the code exchange must prove that key. */
  dpopJkt?: string | undefined;
}

/** The server settings an authorization half reads. */
export interface AuthorizationSettings {
  /** Seconds an authorization code lives (RFC 6749 §4.1.2). */
  authorizationCodeTtl: number;
  /** Require PKCE from every client (RFC 9700 §2.1.1). */
  requirePkce: boolean;
  /** Accept `code_challenge_method=plain` (RFC 7636 §4.2). */
  allowPlainPkce: boolean;
}

/** What an authorization half gets once the resource owner has allowed the request. */
export interface AuthorizeContext<M extends BaseModel = BaseModel> {
  /** The validated authorization request. */
  request: AuthorizationRequest;
  /** The person who allowed it. */
  user: User;
  /** The scope granted (after `validateScope`). */
  scope: string[];
  /** When the person signed in, if the host said (OpenID Connect `auth_time`, Core §2). */
  authTime?: Date | undefined;
  /** How the person signed in, if the host said (OpenID Connect `amr`, Core §2). */
  amr?: readonly string[] | undefined;
  /** The server's model. */
  model: M;
  /** Issues tokens, for response types that return one (implicit). */
  tokens: TokenIssuer;
  /** The server settings that apply. */
  settings: AuthorizationSettings;
}

/** The authorization endpoint half of a grant: the `response_type` it answers (RFC 6749 §3.1.1). */
export interface AuthorizationResponder<M extends BaseModel = BaseModel> {
  /** The `response_type` value it answers, e.g. `code`. */
  readonly responseType: string;
  /** Where its response parameters go (RFC 6749 §4.1.2: the query; §4.2.2: the fragment). */
  readonly responseMode: ResponseMode;
  /** Checks the parameters this response type adds (PKCE for `code`); throws an OAuthError to refuse. */
  validate?(params: Params, client: Client, settings: AuthorizationSettings): Pick<AuthorizationRequest, 'codeChallenge' | 'codeChallengeMethod' | 'dpopJkt'>;
  /** Answers an allowed request: the parameters for the redirect (the code, or the token). */
  respond(context: AuthorizeContext<M>): Promise<Record<string, string | undefined>>;
}

/**
 * A grant type. Register extension grants with `createAuthorizationServer({ grants: [myGrant] })`;
 * an absolute URI `type` is fine (RFC 6749 §4.5).
 */
export interface Grant<M extends BaseModel = BaseModel> {
  /** The `grant_type` value it answers: a built-in name or an absolute URI (RFC 6749 §4.5). */
  readonly type: string;
  /** Whether public clients (no secret) may use it. Default false. */
  readonly publicClients?: boolean;
  /** Model functions it calls: checked at start, so a missing one fails loudly, not mid-request. */
  readonly requires?: readonly (keyof Model)[];
  /** The token endpoint half (RFC 6749 §3.2); absent for a grant issued only at the authorization endpoint (implicit). */
  handle?(context: GrantContext<M>): Promise<TokenResponseBody>;
  /** The authorization endpoint half, for grants that start there. */
  readonly authorization?: AuthorizationResponder<M>;
}
