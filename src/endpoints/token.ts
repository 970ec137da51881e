/** Token endpoint. RFC 6749 §3.2, §5; the steps every grant shares, then the grant itself. */
import type { BaseModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ServerTokenIssuer } from '../tokens/issuer.js';
import type { IssueRequest } from '../grants/grant.js';
import type { ResolvedOptions } from '../options.js';
import { InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { parseScope } from '../scope.js';
import { readFormPost } from './form-post.js';
import { requestedResources } from '../resource-indicators.js';
import { tokenRequestProof } from '../dpop/token-request.js';
import { freshNonceHeaders } from '../dpop/nonce.js';

export interface TokenEndpointContext {
  model: BaseModel;
  tokens: ServerTokenIssuer;
  options: ResolvedOptions;
}

/**
 * Handles a token request (RFC 6749 §3.2) and returns the §5.1 or §5.2 response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function tokenEndpoint(
  context: TokenEndpointContext,
  request: OAuthRequest,
  credentials: Readonly<Record<string, unknown>> = {},
): Promise<OAuthResponse> {
  const { model, tokens, options } = context;
  let type: string | undefined;
  try {
    // skyvaultCompat: the SkyVault guide's curl examples put every parameter in the URL.
    const params = readFormPost(request, options, options.skyvaultCompat);
    const client = await authenticateClient(request, params, model, clientAuthPolicy(options, options.endpoints.token));
    type = params.grant_type;
    if (type === undefined) throw new InvalidRequestError('Missing parameter: grant_type');
    const grant = options.grants.get(type);
    // A grant with no token endpoint half (implicit) is not a grant_type here (§4.2: it issues at /authorize).
    if (!grant?.handle) throw new UnsupportedGrantTypeError(`Unsupported grant_type "${type}"`);
    if (!client.grant_types.includes(type)) throw new UnauthorizedClientError(`This client may not use the ${type} grant`);
    if (client.token_endpoint_auth_method === 'none' && !grant.publicClients) {
      throw new UnauthorizedClientError(`The ${type} grant is for confidential clients only`);
    }
    const scope = parseScope(params.scope);
    // RFC 8707 §2: `resource` is for every grant; the issuer binds the token to it.
    const resourceIssuer = tokens.forResources(requestedResources(params, options.resources), type);
    // RFC 9449 §5: a valid proof binds the access token to its key, whatever the grant.
    const dpop = await tokenRequestProof(request, client, options, model);
    const issuer = dpop ? { issue: (r: IssueRequest) => resourceIssuer.issue({ ...r, jkt: dpop.jkt }) } : resourceIssuer;
    const body = await grant.handle({ params, client, model, tokens: issuer, scope, request, credentials, now: new Date(), dpop });
    // RFC 9449 §8.2: a fresh nonce with every DPoP answer, so the next proof needs no use_dpop_nonce round trip.
    return jsonResponse(200, body, dpop && freshNonceHeaders(options.dpop?.nonces));
  } catch (err) {
    const error = oauthErrorOf(err, options.onError);
    options.events?.({ type: 'token.error', error: error.error, grantType: type });
    return errorResponse(error);
  }
}
