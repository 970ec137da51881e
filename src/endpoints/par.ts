/** Pushed authorization request endpoint. RFC 9126 §2. */
import type { BaseModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { AuthorizeEndpoint } from './authorize.js';
import type { PushedRequests } from '../pushed-requests.js';
import { InvalidRequestError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { readFormPost } from './form-post.js';

export interface ParEndpointContext {
  model: BaseModel;
  options: ResolvedOptions;
  authorization: AuthorizeEndpoint;
  pushed: PushedRequests;
}

/** Client authentication parameters: they authenticate the push and are no part of the authorization request. */
const CLIENT_AUTH_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type'];

/**
 * Takes an authorization request by a direct, authenticated POST and answers `201` with the
 * `request_uri` that stands for it at the authorization endpoint (§2.2), or a §2.3 error as JSON.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export async function parEndpoint(context: ParEndpointContext, request: OAuthRequest): Promise<OAuthResponse> {
  const { model, options, authorization, pushed } = context;
  try {
    const params = readFormPost(request, options);
    // RFC 9126 §2: the client authenticates as at the token endpoint; an assertion's aud may be this URL.
    const client = await authenticateClient(request, params, model, clientAuthPolicy(options, options.endpoints.pushedAuthorizationRequest));
    // RFC 9126 §2.1: client_id is required, and names the client that authenticated.
    if (params.client_id === undefined) throw new InvalidRequestError('Missing parameter: client_id (RFC 9126 §2.1)');
    if (params.client_id !== client.client_id) throw new InvalidRequestError('client_id is not the authenticated client');
    const authorizationParams = Object.fromEntries(Object.entries(params).filter(([name]) => !CLIENT_AUTH_PARAMS.includes(name)));
    // RFC 9126 §2.1: validated as the authorization endpoint would, before anything is kept.
    await authorization.validatePushed(authorizationParams);
    return jsonResponse(201, await pushed.push(client.client_id, authorizationParams));
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}
