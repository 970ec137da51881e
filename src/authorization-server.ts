/** createAuthorizationServer: validates the options, wires model and grants, returns the endpoints and their router. */
import type { AuthorizationServerOptions, BuiltInGrantType, ResolvedOptions } from './options.js';
import type { OAuthRequest, OAuthResponse } from './types.js';
import type { AuthorizationDecision, AuthorizeAnswer, AuthorizeResult } from './endpoints/authorize.js';
import type { AuthenticateOptions, AuthenticateResult } from './endpoints/authenticate.js';
import type { JsonWebKeySet } from './tokens/format.js';
import type { Endpoint, Router } from './handle.js';
import { resolveOptions } from './options.js';
import { createTokenIssuer } from './tokens/issuer.js';
import { opaqueAccessTokens } from './tokens/format.js';
import { tokenEndpoint } from './endpoints/token.js';
import { authorizationParams, authorizeEndpoint } from './endpoints/authorize.js';
import { authenticateEndpoint } from './endpoints/authenticate.js';
import { revokeEndpoint } from './endpoints/revoke.js';
import { introspectEndpoint } from './endpoints/introspect.js';
import { registrationEndpoint } from './endpoints/register.js';
import type { DeviceCodeModel, PushedRequestModel, RegistrationModel } from './model.js';
import { deviceAuthorizationEndpoint } from './endpoints/device-authorization.js';
import { deviceVerification } from './endpoints/device-verification.js';
import { DEVICE_CODE } from './grants/device-code.js';
import { parEndpoint } from './endpoints/par.js';
import { createPushedRequests } from './pushed-requests.js';
import { METADATA_PATH, metadataDocument } from './endpoints/metadata.js';
import { publicJsonResponse } from './response.js';
import { createRouter } from './handle.js';
import { createTracing, traceModel } from './telemetry.js';
import type { BaseModel } from './model.js';
import type { Client } from './types.js';
import { withClientIdMetadataDocuments } from './client-id-metadata.js';

/** The oauthlib seed's shape of a token endpoint answer, what `createTokenResponse` returns. */
export interface TokenTriple {
  /** The response headers, `Cache-Control: no-store` among them (RFC 6749 §5.1). */
  headers: Record<string, string>;
  /** The JSON body: the tokens (§5.1) or the error (§5.2), already serialized. */
  body: string;
  /** The HTTP status: 200, or the error's (400, 401 for `invalid_client`, ...). */
  status: number;
}

/**
 * An authorization server: `handle` serves every endpoint by path (what adapters call); the
 * endpoints are also callable one by one.
 */
export interface AuthorizationServer extends Router {
  /** The options as resolved at creation: defaults filled in, every value checked. */
  readonly options: ResolvedOptions;
  /** RFC 6749 §3.2: the token endpoint, every grant. */
  token(request: OAuthRequest, credentials?: Readonly<Record<string, unknown>>): Promise<OAuthResponse>;
  /**
   * The token endpoint in the oauthlib seed's shape: `(uri, method, body, headers, credentials)`
   * in, `{ headers, body, status }` out.
   */
  createTokenResponse(
    uri: string,
    method: string,
    body: string,
    headers: Record<string, string>,
    credentials?: Readonly<Record<string, unknown>>,
  ): Promise<TokenTriple>;
  /** RFC 6749 §3.1: validate an authorization request, or answer it with the resource owner's decision. */
  authorize(request: OAuthRequest): Promise<AuthorizeResult>;
  /** With the decision, the answer is always a redirect, or an error page when the request is not valid. */
  authorize(request: OAuthRequest, decision: AuthorizationDecision): Promise<AuthorizeAnswer>;
  /** RFC 6750: check the bearer token of a request to a protected resource. */
  authenticate(request: OAuthRequest, options?: AuthenticateOptions): Promise<AuthenticateResult>;
  /** RFC 7009 token revocation. */
  revoke(request: OAuthRequest): Promise<OAuthResponse>;
  /** RFC 7662 token introspection. */
  introspect(request: OAuthRequest): Promise<OAuthResponse>;
  /** RFC 8414 metadata response. */
  metadata(): OAuthResponse;
  /** The public keys for signed access tokens (an empty set for opaque ones). */
  jwks(): Promise<OAuthResponse>;
  /** The client with this id as the endpoints find it (a client ID metadata document's too), or undefined; throws `invalid_client` when a document cannot be used. */
  getClient(clientId: string): Promise<Client | undefined>;
}

/**
 * Grants a metadata document's client may use: those where a person approves each authorization.
 * Anyone can publish a document, with no initial access token to gate it (as registration has), so
 * no document makes its publisher a client_credentials (or other machine-to-machine) client.
 */
const DOCUMENT_CLIENT_GRANTS = new Set(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);

/** The model, with URL client ids resolved through their metadata documents when that is on. */
function clientIdMetadataDocumentModel<M extends BaseModel>(model: M, options: ResolvedOptions): M {
  const { clientIdMetadataDocuments: documents, fetchDocument } = options;
  if (!documents || !fetchDocument) return model;
  // A document's client is public or uses private_key_jwt: a secret it published would be no secret.
  const authMethods = options.tokenEndpointAuthMethods.filter((method) => method === 'none' || method === 'private_key_jwt');
  const grantTypes = [...options.grants.keys()].filter((type) => DOCUMENT_CLIENT_GRANTS.has(type));
  return withClientIdMetadataDocuments(model, fetchDocument, { grantTypes, scope: documents.scope, authMethods });
}

/**
 * Creates an authorization server over a model.
 * @example
 * const server = createAuthorizationServer({ issuer: 'https://auth.example.com', grantTypes: ['client_credentials'], model })
 */
export function createAuthorizationServer<const G extends BuiltInGrantType>(
  options: AuthorizationServerOptions<G>,
): AuthorizationServer {
  const resolved = resolveOptions(options as unknown as AuthorizationServerOptions);
  // Spans only when asked for: without `tracing` the model is the caller's own object, untouched.
  const tracing = options.tracing === true ? createTracing() : undefined;
  const model = clientIdMetadataDocumentModel(tracing ? traceModel(options.model, tracing) : options.model, resolved);
  const format = options.accessTokenFormat ?? opaqueAccessTokens;
  const tokens = createTokenIssuer(model, resolved, format);
  const context = { model, tokens, options: resolved };
  // RFC 9126: resolveOptions checked the model has the record store when PAR is on.
  const par = resolved.pushedAuthorizationRequests;
  const pushed = par && createPushedRequests(model as typeof model & PushedRequestModel, par.ttl);
  const authorization = authorizeEndpoint({ ...context, pushed });
  const { openid } = resolved;
  // The signing format publishes the keys, be it the server's or only a resource's (RFC 8707).
  const signing = [format, ...[...resolved.resources.values()].map((r) => r.accessTokenFormat)].find((f) => f?.jwks !== undefined);
  const metadataDoc = metadataDocument(resolved, signing !== undefined || openid !== undefined);
  const metadataResponse = publicJsonResponse(metadataDoc);

  const token: AuthorizationServer['token'] = (request, credentials) => tokenEndpoint(context, request, credentials);
  const revoke: AuthorizationServer['revoke'] = (request) => revokeEndpoint(context, request);
  const introspect: AuthorizationServer['introspect'] = (request) => introspectEndpoint(context, request);
  const metadata = (): OAuthResponse => metadataResponse;
  async function jwks(): Promise<OAuthResponse> {
    const sets: JsonWebKeySet[] = await Promise.all([signing?.jwks?.() ?? { keys: [] }, openid?.jwks() ?? { keys: [] }]);
    // One JWKS for access tokens and ID tokens (OpenID Connect Core §10.1): a key both use is listed once.
    const byKid = new Map(sets.flatMap((set) => set.keys).map((key) => [key.kid, key]));
    return publicJsonResponse({ keys: [...byKid.values()] } satisfies JsonWebKeySet);
  }
  const authenticate: AuthorizationServer['authenticate'] = (request, required) => authenticateEndpoint(context, request, required);

  async function authorize(request: OAuthRequest, decision?: AuthorizationDecision): Promise<AuthorizeResult> {
    let validated;
    try {
      validated = await authorization.validate(authorizationParams(request));
    } catch (err) {
      return authorization.answerError(err, undefined, request.method);
    }
    return decision ? authorization.decide(validated, decision, request.method) : { type: 'interaction', request: validated };
  }

  const { endpoints } = resolved;
  const routes = new Map<string, Endpoint>([
    [endpoints.token, token],
    [endpoints.revocation, revoke],
    [endpoints.introspection, introspect],
    [METADATA_PATH, metadata],
    [endpoints.jwks, jwks],
    ...(openid?.endpoints({ options: resolved, model, metadata: metadataDoc, authenticate }) ?? []),
  ]);
  // RFC 7591: only when turned on (resolveOptions checked the model can save and delete clients).
  if (resolved.registration) {
    // RFC 7592 manages the clients this endpoint registered, which are in the model itself: the
    // model without metadata-document resolution, so a URL client_id is never fetched here.
    const registrationContext = { model: options.model as typeof options.model & RegistrationModel, options: resolved };
    routes.set(endpoints.registration, (request) => registrationEndpoint(registrationContext, request));
  }
  if (pushed) {
    const parContext = { model, options: resolved, authorization, pushed };
    routes.set(endpoints.pushedAuthorizationRequest, (request) => parEndpoint(parContext, request));
  }

  // RFC 8628: only when the grant is on (resolveOptions checked the model has a record store).
  let device;
  if (resolved.grants.has(DEVICE_CODE)) {
    const deviceContext = { model: model as typeof model & DeviceCodeModel, options: resolved };
    routes.set(endpoints.deviceAuthorization, (request) => deviceAuthorizationEndpoint(deviceContext, request));
    device = deviceVerification(deviceContext);
  }

  return {
    options: resolved,
    ...createRouter(resolved, routes, authorization, device, tracing),
    token,
    async createTokenResponse(uri, method, body, headers, credentials) {
      const { status, headers: out, body: text } = await token({ method, url: uri, headers, body }, credentials);
      return { headers: out, body: text, status };
    },
    authorize: authorize as AuthorizationServer['authorize'],
    authenticate,
    revoke,
    introspect,
    metadata,
    jwks,
    getClient: async (clientId) => (await model.getClient(clientId, null)) || undefined,
  };
}
