/**
 * Client authentication at the token, revocation and introspection endpoints. RFC 6749 §2.3:
 * `client_secret_basic` (§2.3.1), `client_secret_post`, and `none` for public clients (§2.1).
 */
import type { BaseModel } from './model.js';
import type { Client, OAuthRequest, TokenEndpointAuthMethod } from './types.js';
import type { Params } from './request.js';
import { basicCredentials } from './request.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';

interface Presented {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret: string | null;
}

/** Which method the request uses; more than one is refused (§2.3: "MUST NOT use more than one"). */
function presented(request: OAuthRequest, params: Params): Presented {
  const basic = basicCredentials(request);
  if (basic === 'malformed') throw new InvalidClientError('The Basic credentials are malformed', { basic: true });
  const { client_id: bodyId, client_secret: bodySecret } = params;
  if (basic) {
    if (bodySecret !== undefined) {
      throw new InvalidRequestError('Use only one client authentication method per request (RFC 6749 §2.3)');
    }
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new InvalidRequestError('client_id does not match the Basic credentials');
    }
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.clientSecret };
  }
  if (bodyId === undefined) throw new InvalidClientError('Client authentication is required');
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId, secret: null };
}

/**
 * The authenticated client. A confidential client must authenticate on every request, with the
 * method it registered; a public client only identifies itself.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export async function authenticateClient(request: OAuthRequest, params: Params, model: BaseModel): Promise<Client> {
  const { method, clientId, secret } = presented(request, params);
  const basic = method === 'client_secret_basic';
  // The model compares the secret (in constant time, for the shipped stores) and returns nothing on a mismatch.
  const client = await model.getClient(clientId, secret);
  if (!client) throw new InvalidClientError('Client authentication failed', { basic });
  if (client.token_endpoint_auth_method !== method) {
    throw new InvalidClientError(
      client.token_endpoint_auth_method === 'none'
        ? 'This client is public and has no secret'
        : `This client must authenticate with ${client.token_endpoint_auth_method}`,
      { basic },
    );
  }
  return client;
}
