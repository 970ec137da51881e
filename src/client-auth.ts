/**
 * Client authentication at the token, revocation and introspection endpoints. RFC 6749 §2.3:
 * `client_secret_basic` (§2.3.1), `client_secret_post`, `none` for public clients (§2.1), and
 * `private_key_jwt` and `client_secret_jwt` (RFC 7523 §2.2, src/client-assertion.ts).
 */
import type { BaseModel } from './model.js';
import type { Client, OAuthRequest, TokenEndpointAuthMethod } from './types.js';
import type { Params } from './request.js';
import type { ResolvedOptions } from './options.js';
import type { ClientAssertionPolicy } from './client-assertion.js';
import { basicCredentials } from './request.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';
import { assertedClientId, assertionMethod, JWT_BEARER_ASSERTION, verifyClientAssertion } from './client-assertion.js';

/** What an endpoint accepts: the methods the server enabled and how to check an assertion sent to it. */
export interface ClientAuthPolicy {
  methods: readonly TokenEndpointAuthMethod[];
  assertion: ClientAssertionPolicy;
  /** Hears of each failed authentication (`client.authentication_failed`). */
  events?: ResolvedOptions['events'];
}

/** The policy of the endpoint served at `path`, from the server's options. */
export function clientAuthPolicy(options: ResolvedOptions, path: string): ClientAuthPolicy {
  return {
    methods: options.tokenEndpointAuthMethods,
    assertion: {
      issuer: options.issuer,
      // FAPI 2.0 Security Profile §5.3.2.1: the issuer identifier is the only audience accepted.
      endpointUrl: options.profile === 'fapi2' ? options.issuer : `${options.issuer}${path}`,
      algorithms: options.tokenEndpointAuthSigningAlgs,
      fetchDocument: options.fetchDocument,
    },
    events: options.events,
  };
}

/** The longest claimed client id an audit event carries. */
const MAX_LOGGED_CLIENT_ID = 200;

/** The RFC 6749 methods, accepted by every server. */
const SECRET_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

interface Credentials {
  clientId: string;
  secret: string | null;
}

/** The methods that send a JWT assertion instead of a secret (RFC 7523 §2.2). */
type AssertionMethod = 'private_key_jwt' | 'client_secret_jwt';

interface Presented {
  method: Exclude<TokenEndpointAuthMethod, AssertionMethod>;
  /** What to check, in order: for Basic, the form-decoded credentials, then the raw ones when they differ. */
  candidates: readonly Credentials[];
}

/** An assertion, the client it names and the method its `alg` belongs to (RFC 7523 §2.2). */
interface PresentedAssertion {
  method: AssertionMethod;
  clientId: string;
  assertion: string;
}

/** Which method the request uses; more than one is refused (§2.3: "MUST NOT use more than one"). */
function presented(request: OAuthRequest, params: Params): Presented | PresentedAssertion {
  const basic = basicCredentials(request);
  if (basic === 'malformed') throw new InvalidClientError('The Basic credentials are malformed', { basic: true });
  const { client_id: bodyId, client_secret: bodySecret, client_assertion: assertion, client_assertion_type: assertionType } = params;
  if (assertion !== undefined || assertionType !== undefined) {
    if (basic || bodySecret !== undefined) {
      throw new InvalidRequestError('Use only one client authentication method per request (RFC 6749 §2.3)');
    }
    if (assertion === undefined || assertionType === undefined) {
      throw new InvalidRequestError('client_assertion and client_assertion_type go together (RFC 7521 §4.2)');
    }
    if (assertionType !== JWT_BEARER_ASSERTION) throw new InvalidClientError(`client_assertion_type must be ${JWT_BEARER_ASSERTION} (RFC 7523 §2.2)`);
    const clientId = assertedClientId(assertion);
    // RFC 7521 §4.2: a client_id sent beside the assertion must name the same client.
    if (bodyId !== undefined && bodyId !== clientId) throw new InvalidClientError('client_id does not match the client_assertion');
    return { method: assertionMethod(assertion), clientId, assertion };
  }
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
export async function authenticateClient(
  request: OAuthRequest,
  params: Params,
  model: BaseModel,
  policy?: ClientAuthPolicy,
): Promise<Client> {
  if (policy?.events === undefined) return authenticate(request, params, model, policy);
  try {
    return await authenticate(request, params, model, policy);
  } catch (err) {
    if (err instanceof InvalidClientError) {
      // Who the request claimed to be: the Basic user or client_id as sent, never a secret or an assertion.
      const basic = basicCredentials(request);
      // Capped: it is whatever the request sent, and goes into a log line.
      const clientId = ((basic && basic !== 'malformed' ? basic.clientId : undefined) ?? params.client_id)?.slice(0, MAX_LOGGED_CLIENT_ID);
      const method = basic ? 'client_secret_basic' : params.client_assertion !== undefined ? assertionMethodOf(params.client_assertion) : params.client_secret !== undefined ? 'client_secret_post' : clientId === undefined ? undefined : 'none';
      policy.events({ type: 'client.authentication_failed', clientId, method, reason: err.description });
    }
    throw err;
  }
}

/** The method an assertion's `alg` names, for an audit event; undefined when it is not even a JWT. */
function assertionMethodOf(assertion: string): AssertionMethod | undefined {
  try {
    return assertionMethod(assertion);
  } catch {
    return undefined;
  }
}

async function authenticate(request: OAuthRequest, params: Params, model: BaseModel, policy: ClientAuthPolicy | undefined): Promise<Client> {
  const found = presented(request, params);
  const { method } = found;
  const basic = method === 'client_secret_basic';
  // Without a policy (a direct caller), the RFC 6749 methods only: an assertion needs an audience to check.
  if (!(policy?.methods ?? SECRET_METHODS).includes(method)) throw new InvalidClientError(`This server does not accept ${method}`, { basic });
  const assertion = 'assertion' in found ? found.assertion : undefined;
  const client = 'assertion' in found ? await model.getClient(found.clientId, null) : await firstAccepted(model, found.candidates);
  if (!client) throw new InvalidClientError('Client authentication failed', { basic });
  if (client.token_endpoint_auth_method !== method) {
    throw new InvalidClientError(
      client.token_endpoint_auth_method === 'none'
        ? 'This client is public and has no secret'
        : assertion !== undefined
          ? // RFC 8725 §2.1: an HMAC never stands for a private key's signature, nor the reverse.
            `client_assertion is signed with an algorithm of ${method}, but this client must authenticate with ${client.token_endpoint_auth_method}`
          : `This client must authenticate with ${client.token_endpoint_auth_method}`,
      { basic },
    );
  }
  // The client is found by the assertion's own iss; only its registered keys (or its secret) may have signed it.
  if (assertion !== undefined) {
    // Never skipped: without a policy the methods check above already refused the assertion.
    if (!policy) throw new InvalidClientError(`This server does not accept ${method}`);
    await verifyClientAssertion(assertion, client, model, policy.assertion);
  }
  return client;
}
