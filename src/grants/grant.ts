/**
 * A grant type as a module (RFC 6749 §4, §4.5): it validates its own parameters and issues tokens
 * through the shared TokenIssuer. The token endpoint does everything grants share.
 */
import type { BaseModel } from '../model.js';
import type { Client, OAuthRequest, User } from '../types.js';
import type { Params } from '../request.js';

/** The §5.1 success body. Extension grants may add fields of their own. */
export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  [extra: string]: unknown;
}

export interface IssueRequest {
  client: Client;
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
  values?: { accessToken: string; refreshToken?: string | undefined } | undefined;
  /** Extra fields kept with the token in the store. */
  extra?: Record<string, unknown> | undefined;
}

/** Issues tokens: values, lifetimes, format and storage, the same way for every grant. */
export interface TokenIssuer {
  issue(request: IssueRequest): Promise<TokenResponseBody>;
}

export interface GrantContext<M extends BaseModel = BaseModel> {
  /** The request's parameters: duplicates refused, empty values dropped (RFC 6749 §3.2). */
  params: Params;
  /** The authenticated client, already allowed this grant type. */
  client: Client;
  model: M;
  issuer: TokenIssuer;
  /** The `scope` parameter, syntax-checked (§3.3); undefined when absent. */
  scope: string[] | undefined;
  request: OAuthRequest;
  /** Extra credentials the host passed in (the oauthlib seed's `credentials`), e.g. the client's IP. */
  credentials: Readonly<Record<string, unknown>>;
  now: Date;
}

/**
 * A grant type. Register extension grants with `createAuthorizationServer({ grants: [myGrant] })`;
 * an absolute URI `type` is fine (RFC 6749 §4.5).
 */
export interface Grant<M extends BaseModel = BaseModel> {
  readonly type: string;
  /** Whether public clients (no secret) may use it. Default false. */
  readonly publicClients?: boolean;
  handle(context: GrantContext<M>): Promise<TokenResponseBody>;
}
