/**
 * Authorization endpoint. RFC 6749 §3.1, §4.1.1-4.1.2 (code), §4.2.1-4.2.2 (implicit), with PKCE
 * (RFC 7636 §4.3) and `iss` (RFC 9207). The host logs the person in and asks consent; the core
 * validates the request before that and answers with the redirect after.
 */
import type { AuthorizationCodeModel, BaseModel } from '../model.js';
import type { AuthorizationCode, Client, CodeChallengeMethod, OAuthRequest, OAuthResponse, User } from '../types.js';
import type { TokenIssuer } from '../grants/grant.js';
import type { ResolvedOptions } from '../options.js';
import type { ResponseMode } from '../response.js';
import {
  AccessDeniedError,
  InvalidClientError,
  InvalidRequestError,
  OAuthError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors.js';
import { bodyLength, bodyOf, isFormRequest, parseParams, queryString } from '../request.js';
import { errorRedirect, redirectResponse } from '../response.js';
import { resolveRedirectUri } from '../redirect-uri.js';
import { parseScope } from '../scope.js';
import { checkCodeChallenge } from '../pkce.js';
import { precheckScope, validateScope } from '../validate-scope.js';
import { randomToken } from '../secrets.js';
import { newGrantId } from '../grant-id.js';
import { asOAuthError } from './boundary.js';

/** A validated authorization request: what the host shows on the consent page and hands back. */
export interface AuthorizationRequest {
  client: Client;
  responseType: 'code' | 'token';
  /** Where the response goes: the registered URI the request named, or the only one registered. */
  redirectUri: string;
  /** Whether the request named the redirect URI itself (then the token request must repeat it, §4.1.3). */
  redirectUriSent: boolean;
  /** The scope asked for, syntax-checked; undefined when the request had none. */
  scope: string[] | undefined;
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: CodeChallengeMethod | undefined;
  responseMode: ResponseMode;
}

/** The resource owner's answer, from the host's login and consent pages. */
export interface AuthorizationDecision {
  user: User;
  allow: boolean;
  /** The scope the person agreed to, when the page let them narrow it; default: what was asked. */
  scope?: string[] | undefined;
}

export type AuthorizeResult =
  /** Valid: the host must log the person in and ask consent, then call again with the decision. */
  | { type: 'interaction'; request: AuthorizationRequest }
  /** A redirect to the client: the code, the token, or an error the client may see. */
  | { type: 'redirect'; response: OAuthResponse }
  /** An error the person must see on a page, never sent to the redirect URI (§4.1.2.1). */
  | { type: 'error'; error: OAuthError; response: OAuthResponse };

/** What `authorize` answers once it has the decision. */
export type AuthorizeAnswer = Exclude<AuthorizeResult, { type: 'interaction' }>;

export interface AuthorizeEndpointContext {
  model: BaseModel & Partial<AuthorizationCodeModel>;
  issuer: TokenIssuer;
  options: ResolvedOptions;
}

/** Until client_id and redirect_uri check out, errors are shown to the person, never redirected (§4.1.2.1). */
const PAGE_ONLY = { redirectable: false } as const;

const RESPONSE_TYPES = { code: 'authorization_code', token: 'implicit' } as const;

/** Thrown once the redirect URI is trusted: the error then goes back to the client. */
class Redirectable extends Error {
  readonly error: OAuthError;
  readonly request: Pick<AuthorizationRequest, 'redirectUri' | 'state' | 'responseMode'>;

  constructor(error: OAuthError, request: Pick<AuthorizationRequest, 'redirectUri' | 'state' | 'responseMode'>) {
    super(error.description);
    this.error = error;
    this.request = request;
  }
}

async function validate(context: AuthorizeEndpointContext, request: OAuthRequest): Promise<AuthorizationRequest> {
  const { model, options } = context;
  const method = request.method.toUpperCase();
  // §3.1: GET must be supported, POST may be.
  if (method !== 'GET' && method !== 'POST') throw new InvalidRequestError('The authorization endpoint accepts GET and POST', PAGE_ONLY);
  // A repeated parameter may be the client_id or redirect_uri itself, so nothing can be trusted yet.
  if (method === 'POST' && bodyLength(request) > 0 && !isFormRequest(request)) {
    throw new InvalidRequestError('A POST to the authorization endpoint must be application/x-www-form-urlencoded', PAGE_ONLY);
  }
  let params;
  try {
    params = method === 'POST' ? parseParams(queryString(request.url), bodyOf(request)) : parseParams(queryString(request.url));
  } catch (err) {
    throw err instanceof InvalidRequestError ? new InvalidRequestError(err.description, PAGE_ONLY) : err;
  }

  // §4.1.2.1: until client_id and redirect_uri check out, errors are shown, never redirected.
  if (params.client_id === undefined) throw new InvalidRequestError('Missing parameter: client_id', PAGE_ONLY);
  const client = await model.getClient(params.client_id, null);
  if (!client) throw new InvalidClientError('Unknown client_id');
  const redirectUri = resolveRedirectUri(client, params.redirect_uri);
  if (redirectUri === undefined) {
    throw new InvalidRequestError(
      params.redirect_uri === undefined
        ? 'Missing parameter: redirect_uri (this client has several registered)'
        : 'The redirect_uri is not registered for this client',
      PAGE_ONLY,
    );
  }

  const { response_type: responseType, state } = params;
  const responseMode: ResponseMode = responseType === 'token' ? 'fragment' : 'query';
  const fail = (error: OAuthError): Redirectable => new Redirectable(error, { redirectUri, state, responseMode });

  if (responseType === undefined) throw fail(new InvalidRequestError('Missing parameter: response_type'));
  if (responseType !== 'code' && responseType !== 'token') {
    throw fail(new UnsupportedResponseTypeError(`Unsupported response_type "${responseType}"`));
  }
  const grantType = RESPONSE_TYPES[responseType];
  if (!options.grantTypes.includes(grantType)) throw fail(new UnsupportedResponseTypeError(`response_type=${responseType} is not enabled`));
  if (!client.grant_types.includes(grantType)) throw fail(new UnauthorizedClientError(`This client may not use response_type=${responseType}`));

  try {
    const scope = parseScope(params.scope);
    precheckScope(model, client, scope);
    let codeChallenge: string | undefined;
    let codeChallengeMethod: CodeChallengeMethod | undefined;
    if (responseType === 'code') {
      codeChallengeMethod = checkCodeChallenge(params.code_challenge, params.code_challenge_method, options.allowPlainPkce);
      codeChallenge = params.code_challenge;
      // RFC 9700 §2.1.1: public clients must use PKCE; others when configured to.
      const pkceRequired = client.token_endpoint_auth_method === 'none' || client.require_pkce === true || options.requirePkce;
      if (pkceRequired && codeChallenge === undefined) throw new InvalidRequestError('PKCE is required: send code_challenge with code_challenge_method=S256');
    }
    return {
      client,
      responseType,
      redirectUri,
      redirectUriSent: params.redirect_uri !== undefined,
      scope,
      state,
      codeChallenge,
      codeChallengeMethod,
      responseMode,
    };
  } catch (err) {
    throw err instanceof OAuthError ? fail(err) : err;
  }
}

async function respond(
  context: AuthorizeEndpointContext,
  request: AuthorizationRequest,
  decision: AuthorizationDecision,
  method: string,
): Promise<OAuthResponse> {
  const { model, issuer, options } = context;
  const { client, redirectUri, state, responseMode } = request;
  if (!decision.allow) throw new AccessDeniedError('The resource owner denied the request');
  const scope = await validateScope(model, decision.user, client, decision.scope ?? request.scope);

  if (request.responseType === 'token') {
    // §4.2.2: the token goes in the fragment, and never with a refresh token.
    const token = await issuer.issue({ client, user: decision.user, scope, requestedScope: request.scope, refreshToken: false });
    const { access_token, token_type, expires_in } = token;
    return redirectResponse(
      redirectUri,
      { access_token, token_type, expires_in: String(expires_in), scope: token.scope, state, iss: options.issuer },
      responseMode,
      method,
    );
  }

  const codes = model as AuthorizationCodeModel;
  const value = codes.generateAuthorizationCode ? await codes.generateAuthorizationCode(client, decision.user, scope) : randomToken();
  // §4.1.2: the code is bound to the client, redirect URI, scope, user and PKCE challenge.
  const code: AuthorizationCode = {
    authorizationCode: value,
    expiresAt: new Date(Date.now() + options.authorizationCodeTtl * 1000),
    redirectUri: request.redirectUriSent ? redirectUri : undefined,
    scope,
    client,
    user: decision.user,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    grantId: newGrantId(),
  };
  await codes.saveAuthorizationCode(code, client, decision.user);
  return redirectResponse(redirectUri, { code: value, state, iss: options.issuer }, responseMode, method);
}

/**
 * Handles an authorization request. Without a decision, it validates the request and asks the
 * host for an interaction; with the resource owner's decision, it answers with the redirect.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export async function authorizeEndpoint(
  context: AuthorizeEndpointContext,
  request: OAuthRequest,
  decision?: AuthorizationDecision,
): Promise<AuthorizeResult> {
  const { options } = context;
  const method = request.method;
  let validated: AuthorizationRequest | undefined;
  try {
    validated = await validate(context, request);
    if (decision === undefined) return { type: 'interaction', request: validated };
    return { type: 'redirect', response: await respond(context, validated, decision, method) };
  } catch (err) {
    if (err instanceof Redirectable) {
      const { redirectUri, state, responseMode } = err.request;
      return { type: 'redirect', response: errorRedirect(err.error, redirectUri, state, options.issuer, responseMode, method) };
    }
    const { error, response } = asOAuthError(err, options);
    // Once the redirect URI is trusted, every error goes back to the client (§4.1.2.1), server_error included.
    if (validated && error.redirectable) {
      return {
        type: 'redirect',
        response: errorRedirect(error, validated.redirectUri, validated.state, options.issuer, validated.responseMode, method),
      };
    }
    return { type: 'error', error, response };
  }
}
