/**
 * Authorization endpoint. RFC 6749 §3.1, §4.1.1-4.1.2 (code), §4.2.1-4.2.2 (implicit), with `iss`
 * (RFC 9207). It validates the request before the person is asked, and answers with the redirect
 * after; the response type itself (code, token, an extension's) is the grant's authorization half.
 */
import type { BaseModel } from '../model.js';
import type { OAuthRequest, OAuthResponse, User } from '../types.js';
import type { AuthorizationRequest, Grant } from '../grants/grant.js';
import type { ServerTokenIssuer } from '../tokens/issuer.js';
import type { ResolvedOptions } from '../options.js';
import type { Params } from '../request.js';
import type { ResponseMode } from '../response.js';
import type { PushedRequests } from '../pushed-requests.js';
import { isPushedRequestUri } from '../pushed-requests.js';
import {
  AccessDeniedError,
  InvalidClientError,
  InvalidRequestError,
  InvalidRequestUriError,
  OAuthError,
  RequestNotSupportedError,
  RequestUriNotSupportedError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors.js';
import { bodyLength, bodyOf, isFormRequest, parseParams, queryString } from '../request.js';
import { errorRedirect, errorResponse, oauthErrorOf, redirectResponse } from '../response.js';
import { resolveRedirectUri } from '../redirect-uri.js';
import { parseScope } from '../scope.js';
import { precheckScope, validateScope } from '../validate-scope.js';
import { hasOpenId } from '../openid.js';
import { requestedResponseMode } from '../response-mode.js';
import { requestedResources, scopeForResources } from '../resource-indicators.js';
import { verifyRequestObject } from '../request-object.js';

export type { AuthorizationRequest } from '../grants/grant.js';

/** The resource owner's answer, from the host's sign-in and consent pages. */
export interface AuthorizationDecision {
  /** The person who decided: the token's subject. */
  user: User;
  /** True to issue the code or token; false redirects with `access_denied` (RFC 6749 §4.1.2.1). */
  allow: boolean;
  /** The scope the person agreed to, when the page let them narrow it; default: what was asked. */
  scope?: string[] | undefined;
  /** When the person signed in (OpenID Connect Core §2 `auth_time`, checked against `max_age`). */
  authTime?: Date | undefined;
  /** How the person signed in (OpenID Connect Core §2 `amr`, RFC 8176 values such as `pwd`). */
  amr?: readonly string[] | undefined;
}

/** What `authorize` answers for an authorization request (RFC 6749 §4.1.1, §4.2.1). */
export type AuthorizeResult =
  /** Valid: the host must sign the person in and ask consent, then call again with the decision. */
  | {
      /** Valid, waiting for the person. */
      type: 'interaction';
      /** The validated request, to show on the page and to decide. */
      request: AuthorizationRequest;
    }
  /** A redirect to the client: the code, the token (then `scope` is what was granted), or an error the client may see. */
  | {
      /** Answered with a redirect to the client. */
      type: 'redirect';
      /** The redirect (or form post, for `response_mode=form_post`) to send. */
      response: OAuthResponse;
      /** The scope granted, when a code or token was issued. */
      scope?: string[] | undefined;
    }
  /** An error the person must see on a page, never sent to the redirect URI (§4.1.2.1). */
  | {
      /** Refused, shown on a page. */
      type: 'error';
      /** Why. */
      error: OAuthError;
      /** The error as the §5.2 JSON, for a host without a page of its own. */
      response: OAuthResponse;
    };

/** What `authorize` answers once it has the decision. */
export type AuthorizeAnswer = Exclude<
  AuthorizeResult,
  {
    /** The one answer a decision never gets: it is the decision the interaction asked for. */
    type: 'interaction';
  }
>;

export interface AuthorizeEndpointContext {
  model: BaseModel;
  tokens: ServerTokenIssuer;
  options: ResolvedOptions;
  /** RFC 9126: the pushed requests, when the server takes them. */
  pushed?: PushedRequests | undefined;
}

/** Until client_id and redirect_uri check out, errors are shown to the person, never redirected (§4.1.2.1). */
const PAGE_ONLY = { redirectable: false } as const;

/** Where an authorization request's parameters came from: what the client may have been required to use. */
interface Origin {
  /** Pushed (RFC 9126), or kept from a verified request object and continued by its `request_uri`. */
  pushed: boolean;
  /** From a signed request object (RFC 9101), verified at /authorize or at the PAR endpoint. */
  signed: boolean;
}

const FROM_URL: Origin = { pushed: false, signed: false };
const FROM_OBJECT: Origin = { pushed: false, signed: true };
/** A kept request was checked against both requirements before it was kept. */
const KEPT: Origin = { pushed: true, signed: true };

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

/**
 * Where errors for a response type no enabled grant answers go: the fragment for `token`, whose
 * client reads only the fragment (RFC 6749 §4.2.2.1), the query otherwise (§4.1.2.1).
 */
function defaultResponseMode(responseType: string | undefined): ResponseMode {
  return responseType === 'token' ? 'fragment' : 'query';
}

/** The enabled grants that answer at this endpoint, by `response_type`. */
function responseTypes(options: ResolvedOptions): ReadonlyMap<string, Grant> {
  const byType = new Map<string, Grant>();
  for (const grant of options.grants.values()) if (grant.authorization) byType.set(grant.authorization.responseType, grant);
  return byType;
}

/** The authorization request's parameters: the query, and for a POST the form body too (§3.1). */
export function authorizationParams(request: OAuthRequest): Params {
  const method = request.method.toUpperCase();
  // §3.1: GET must be supported, POST may be.
  if (method !== 'GET' && method !== 'POST') throw new InvalidRequestError('The authorization endpoint accepts GET and POST', PAGE_ONLY);
  // A repeated parameter may be the client_id or redirect_uri itself, so nothing can be trusted yet.
  if (method === 'POST' && bodyLength(request) > 0 && !isFormRequest(request)) {
    throw new InvalidRequestError('A POST to the authorization endpoint must be application/x-www-form-urlencoded', PAGE_ONLY);
  }
  try {
    return method === 'POST' ? parseParams(queryString(request.url), bodyOf(request)) : parseParams(queryString(request.url));
  } catch (err) {
    throw err instanceof OAuthError ? new InvalidRequestError(err.description, PAGE_ONLY) : err;
  }
}

/** The authorization endpoint: validation before the interaction, the answer after it. */
export interface AuthorizeEndpoint {
  /** Checks an authorization request's parameters; throws what `answerError` turns into a page or a redirect. */
  validate(params: Params): Promise<AuthorizationRequest>;
  /**
   * Checks a pushed request's parameters (RFC 9126 §2.1) as `validate` would; throws the error to
   * answer as JSON (§2.3). `signed` when they came from a verified request object (RFC 9126 §3).
   */
  validatePushed(params: Params, signed: boolean): Promise<AuthorizationRequest>;
  /** The redirect for a validated request and the resource owner's decision. */
  decide(request: AuthorizationRequest, decision: AuthorizationDecision, method: string): Promise<AuthorizeAnswer>;
  /** An error as the answer it must be: a redirect once the redirect URI is trusted, a page otherwise. */
  answerError(err: unknown, validated: AuthorizationRequest | undefined, method: string): AuthorizeAnswer;
}

export function authorizeEndpoint(context: AuthorizeEndpointContext): AuthorizeEndpoint {
  const { model, tokens, options, pushed } = context;
  const byResponseType = responseTypes(options);

  async function validate(params: Params): Promise<AuthorizationRequest> {
    const requestUri = params.request_uri;
    if (params.request !== undefined && options.requestObjects && pushed) return validateRequestObject(params, params.request, pushed);
    // Without PAR, or a request_uri to fetch (RFC 9101 §5.2): check refuses it as not supported.
    if (requestUri === undefined || !pushed || !isPushedRequestUri(requestUri)) return check(params, FROM_URL);
    if (params.client_id === undefined) throw new InvalidRequestError('Missing parameter: client_id (RFC 9126 §4)', PAGE_ONLY);
    // RFC 9126 §4: the pushed parameters are the request; any others beside request_uri are ignored.
    return { ...(await check(await pushed.resolve(params.client_id, requestUri), KEPT)), requestUri };
  }

  /**
   * RFC 9101 §5-6: a request by value in a signed request object. Once verified it is kept as a
   * pushed request is, and the sign-in and consent pages continue it by `request_uri`: the object
   * is verified and its `jti` spent once, and one decision answers it (as RFC 9126 §4 for PAR).
   */
  async function validateRequestObject(params: Params, requestObject: string, kept: PushedRequests): Promise<AuthorizationRequest> {
    // RFC 9101 §5: client_id is required beside the object (it names whose keys verify it); request_uri must not be.
    if (params.client_id === undefined) throw new InvalidRequestError('Missing parameter: client_id (RFC 9101 §5)', PAGE_ONLY);
    if (params.request_uri !== undefined) throw new InvalidRequestError('request and request_uri must not both be sent (RFC 9101 §5)', PAGE_ONLY);
    const client = await model.getClient(params.client_id, null);
    if (!client) throw new InvalidClientError('Unknown client_id');
    const policy = { issuer: options.issuer, algorithms: options.requestObjects?.algorithms ?? [], fetchDocument: options.fetchDocument };
    // RFC 9101 §6.3: only the object's parameters are used; the others beside client_id are ignored.
    const objectParams = await verifyRequestObject(requestObject, client, model, policy);
    const validated = await check(objectParams, FROM_OBJECT);
    return { ...validated, requestUri: await kept.keep(client.client_id, objectParams) };
  }

  async function validatePushed(params: Params, signed: boolean): Promise<AuthorizationRequest> {
    // RFC 9126 §2.1: a pushed request cannot itself point to one.
    if (params.request_uri !== undefined) throw new InvalidRequestError('request_uri must not be pushed (RFC 9126 §2.1)');
    // FAPI 2.0 Security Profile §5.3.2.2: the redirect URI is always named in the pushed request.
    if (options.profile === 'fapi2' && params.redirect_uri === undefined) throw new InvalidRequestError('Missing parameter: redirect_uri (FAPI 2.0)');
    try {
      return await check(params, { pushed: true, signed });
    } catch (err) {
      // RFC 9126 §2.3: errors go back in the response, never to the redirect URI.
      throw err instanceof Redirectable ? err.error : err;
    }
  }

  async function check(params: Params, origin: Origin): Promise<AuthorizationRequest> {
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
    const grant = responseType === undefined ? undefined : byResponseType.get(responseType);
    const byDefault: ResponseMode = grant?.authorization?.responseMode ?? defaultResponseMode(responseType);
    const asked = requestedResponseMode(params.response_mode, byDefault);
    const responseMode = asked ?? byDefault;
    const fail = (error: OAuthError): Redirectable => new Redirectable(error, { redirectUri, state, responseMode });

    // RFC 9101 §6.2 (OpenID Connect Core §6): a request object here means request objects are off.
    if (params.request !== undefined) throw fail(new RequestNotSupportedError('The request parameter (request objects) is not supported'));
    // RFC 9101 §5.2: a request_uri to fetch is not supported; only this server's pushed ones are (RFC 9126 §4).
    if (params.request_uri !== undefined) throw fail(new RequestUriNotSupportedError('request_uri is supported only as returned by the pushed authorization request endpoint'));
    // RFC 9126 §5, §6: a request that was not pushed, when the server or this client requires pushing.
    if (!origin.pushed && (options.pushedAuthorizationRequests?.required === true || client.require_pushed_authorization_requests === true)) {
      throw fail(new InvalidRequestError('This client must push its authorization requests first (RFC 9126: pushed_authorization_request_endpoint)'));
    }
    // RFC 9101 §10.5: a client that registered require_signed_request_object sends nothing else.
    if (!origin.signed && client.require_signed_request_object === true) {
      throw fail(new InvalidRequestError('This client must send its authorization requests as signed request objects (RFC 9101 §10.5 require_signed_request_object)'));
    }
    if (responseType === undefined) throw fail(new InvalidRequestError('Missing parameter: response_type'));
    if (asked === undefined) throw fail(new InvalidRequestError(`Unsupported response_mode "${params.response_mode}" for response_type=${responseType}`));
    if (!grant?.authorization) throw fail(new UnsupportedResponseTypeError(`Unsupported response_type "${responseType}"`));
    if (!client.grant_types.includes(grant.type)) throw fail(new UnauthorizedClientError(`This client may not use response_type=${responseType}`));

    try {
      const scope = parseScope(params.scope);
      precheckScope(model, client, scope);
      const pkce = grant.authorization.validate?.(params, client, options);
      const resources = requestedResources(params, options.resources);
      return {
        client,
        responseType,
        redirectUri,
        redirectUriSent: params.redirect_uri !== undefined,
        scope,
        state,
        codeChallenge: pkce?.codeChallenge,
        codeChallengeMethod: pkce?.codeChallengeMethod,
        ...(pkce?.dpopJkt !== undefined && { dpopJkt: pkce.dpopJkt }),
        responseMode,
        // OpenID Connect Core §3.1.2.1: the request is an OpenID one when its scope has openid.
        ...(options.openid && hasOpenId(scope) && { openid: options.openid.authorizationRequest(params) }),
        ...(resources && { resources }),
      };
    } catch (err) {
      throw err instanceof OAuthError ? fail(err) : err;
    }
  }

  function answerError(err: unknown, validated: AuthorizationRequest | undefined, method: string): AuthorizeAnswer {
    if (err instanceof Redirectable) {
      const { redirectUri, state, responseMode } = err.request;
      return { type: 'redirect', response: errorRedirect(err.error, redirectUri, state, options.issuer, responseMode, method) };
    }
    const error = oauthErrorOf(err, options.onError);
    // Once the redirect URI is trusted, every error goes back to the client (§4.1.2.1), server_error included.
    if (validated && error.redirectable) {
      return {
        type: 'redirect',
        response: errorRedirect(error, validated.redirectUri, validated.state, options.issuer, validated.responseMode, method),
      };
    }
    return { type: 'error', error, response: errorResponse(error) };
  }

  async function decide(request: AuthorizationRequest, decision: AuthorizationDecision, method: string): Promise<AuthorizeAnswer> {
    try {
      // RFC 9126 §4: one answer per request_uri. Taken before anything else, so a second decision finds nothing.
      if (request.requestUri !== undefined && !(await pushed?.take(request.client.client_id, request.requestUri))) {
        throw new InvalidRequestUriError('The request_uri has already been used (RFC 9126 §4)');
      }
      if (!decision.allow) throw new AccessDeniedError('The resource owner denied the request');
      const { client, redirectUri, state, responseMode } = request;
      const allowed = await validateScope(model, decision.user, client, decision.scope ?? request.scope);
      // RFC 8707: what the resources asked for do not serve is not granted.
      const scope = scopeForResources(allowed, request.resources, options.resources);
      const grant = byResponseType.get(request.responseType);
      const responder = grant?.authorization;
      if (!responder) throw new UnsupportedResponseTypeError(`Unsupported response_type "${request.responseType}"`);
      // Tokens issued here (implicit, RFC 6749 §4.2.2) are the grant's; the request's resources are the grant's to narrow.
      const issuer = tokens.forResources(undefined, grant.type);
      const params = await responder.respond({ request, user: decision.user, scope, authTime: decision.authTime, amr: decision.amr, model, tokens: issuer, settings: options });
      return { type: 'redirect', response: redirectResponse(redirectUri, { ...params, state, iss: options.issuer }, responseMode, method), scope };
    } catch (err) {
      return answerError(err, request, method);
    }
  }

  return { validate, validatePushed, decide, answerError };
}
