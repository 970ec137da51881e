/** Pushed authorization request endpoint. RFC 9126 §2. */
import type { BaseModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { AuthorizeEndpoint } from './authorize.js';
import type { PushedRequests } from '../pushed-requests.js';
import type { Params } from '../request.js';
import type { Client } from '../types.js';
import { InvalidDpopProofError, InvalidRequestError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { readFormPost } from './form-post.js';
import { verifyRequestObject } from '../request-object.js';
import { checkDpopProof } from '../dpop/proof.js';

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
    const signed = params.request !== undefined && options.requestObjects !== undefined;
    const sent = signed ? await requestObjectParams(context, params.request as string, client) : withoutClientAuth(params);
    const authorizationParams = await bindDpopKey(context, request, sent);
    // RFC 9126 §2.1: validated as the authorization endpoint would, before anything is kept.
    await authorization.validatePushed(authorizationParams, signed);
    return jsonResponse(201, await pushed.push(client.client_id, authorizationParams));
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}

function withoutClientAuth(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([name]) => !CLIENT_AUTH_PARAMS.includes(name)));
}

/** RFC 9126 §3: a pushed request object; its parameters alone count, the form's others are ignored (RFC 9101 §6.3). */
function requestObjectParams(context: ParEndpointContext, requestObject: string, client: Client): Promise<Params> {
  const { model, options } = context;
  const policy = { issuer: options.issuer, algorithms: options.requestObjects?.algorithms ?? [], fetchDocument: options.fetchDocument };
  return verifyRequestObject(requestObject, client, model, policy);
}

/**
 * RFC 9449 §10.1: a DPoP proof at the PAR endpoint binds the authorization code to its key, as
 * `dpop_jkt` does; both at once must name the same key. Without a proof (or with DPoP off) the
 * parameters are as sent.
 */
async function bindDpopKey(context: ParEndpointContext, request: OAuthRequest, params: Params): Promise<Params> {
  const { model, options } = context;
  const { dpop } = options;
  if (!dpop || !model.useOnce) return params;
  // RFC 9449 §4.3 item 9: htu is the PAR endpoint as the metadata names it.
  const target = { method: request.method, url: `${options.issuer}${options.endpoints.pushedAuthorizationRequest}`, status: 400 as const };
  const proof = await checkDpopProof(request, target, dpop, model.useOnce.bind(model));
  if (proof === undefined) return params;
  if (params.dpop_jkt !== undefined && params.dpop_jkt !== proof.jkt) {
    throw new InvalidDpopProofError('dpop_jkt is not the thumbprint of the DPoP proof\'s key (RFC 9449 §10.1)');
  }
  return { ...params, dpop_jkt: proof.jkt };
}
