/**
 * Client authentication at the token, revocation and introspection endpoints. RFC 6749 §2.3:
 * `client_secret_basic` (§2.3.1), `client_secret_post`, and `none` for public clients (§2.1).
 */
import type { BaseModel } from './model.js';
import type { Client, OAuthRequest, TokenEndpointAuthMethod } from './types.js';
import type { Params } from './request.js';
import { basicCredentials } from './request.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';

interface Credentials {
  clientId: string;
  secret: string | null;
}

interface Presented {
  method: TokenEndpointAuthMethod;
  /** What to check, in order: for Basic, the form-decoded credentials, then the raw ones when they differ. */
  candidates: readonly Credentials[];
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
    // §2.3.1 says to form-encode, but many clients send id and secret raw: when the two readings
    // differ, the raw one is a second candidate, checked only if the decoded one fails.
    const candidates = [basic, ...(basic.asSent ? [basic.asSent] : [])]
      .filter((c) => bodyId === undefined || bodyId === c.clientId)
      .map((c) => ({ clientId: c.clientId, secret: c.clientSecret }));
    if (candidates.length === 0) throw new InvalidRequestError('client_id does not match the Basic credentials');
    return { method: 'client_secret_basic', candidates };
  }
  if (bodyId === undefined) throw new InvalidClientError('Client authentication is required');
  if (bodySecret !== undefined) return { method: 'client_secret_post', candidates: [{ clientId: bodyId, secret: bodySecret }] };
  return { method: 'none', candidates: [{ clientId: bodyId, secret: null }] };
}

/** The first candidate the model accepts. The model compares each secret (in constant time, for the shipped stores) and returns nothing on a mismatch. */
async function firstAccepted(model: BaseModel, candidates: readonly Credentials[]): Promise<Client | null> {
  for (const { clientId, secret } of candidates) {
    const client = await model.getClient(clientId, secret);
    if (client) return client;
  }
  return null;
}

/**
 * The authenticated client. A confidential client must authenticate on every request, with the
 * method it registered; a public client only identifies itself.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export async function authenticateClient(request: OAuthRequest, params: Params, model: BaseModel): Promise<Client> {
  const { method, candidates } = presented(request, params);
  const basic = method === 'client_secret_basic';
  const client = await firstAccepted(model, candidates);
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
