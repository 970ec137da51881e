/**
 * Dynamic client registration (RFC 7591 §3) and client management (RFC 7592 §2). A client posts
 * its metadata and gets an id it did not choose, a secret shown once, and a registration access
 * token with which it may read, update and delete its registration at `registration_client_uri`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { BaseModel, RegistrationModel } from '../model.js';
import type { Client, OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import { InvalidClientMetadataError, InvalidRequestError, InvalidTokenError, OAuthError } from '../errors.js';
import { bearerChallenge, errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { bodyLength, bodyOf, getHeader, queryString } from '../request.js';
import { hashToken, randomToken } from '../secrets.js';
import { newClientSecret, selfRegistrableGrantTypes, usesSecret, validateClientMetadata } from '../client-metadata.js';

type Context = { model: BaseModel & RegistrationModel; options: ResolvedOptions };

/** Fields the server keeps to itself: a client reads its registration without them. */
const PRIVATE_FIELDS = ['registration_access_token_hash', 'source'] as const;

/** RFC 7592 §2.2: fields a client may send back in an update but never sets. */
const SERVER_FIELDS = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The Bearer token of the request (RFC 6750 §2.1), or undefined. */
function bearerToken(request: OAuthRequest): string | undefined {
  const header = getHeader(request.headers, 'authorization');
  const match = header === undefined ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}

/** The JSON body of a registration or update (RFC 7591 §3.1: application/json). */
function readJson(request: OAuthRequest, options: ResolvedOptions): unknown {
  if (bodyLength(request) > options.maxBodyBytes) throw new InvalidRequestError(`The request body exceeds ${options.maxBodyBytes} bytes`, { status: 413 });
  const type = getHeader(request.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidRequestError('The request body must be application/json (RFC 7591 §3.1)');
  const body = bodyOf(request);
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new InvalidClientMetadataError('The request body is not valid JSON');
  }
}

/** A client's registration as it may read it (RFC 7591 §3.2.1), with the RFC 7592 §3 management URI. */
function registrationOf(client: Client, managementUri: string): Record<string, unknown> {
  const visible: Record<string, unknown> = { ...client };
  for (const field of PRIVATE_FIELDS) delete visible[field];
  // RFC 7591 §3.2.1: client_secret_expires_at is REQUIRED with a secret; 0 means it never expires.
  if (usesSecret(client.token_endpoint_auth_method)) visible.client_secret_expires_at = 0;
  return { ...visible, registration_client_uri: managementUri };
}

function methodNotAllowed(allowed: string): InvalidRequestError {
  // RFC 9110 §15.5.6: a 405 names the allowed methods.
  return new InvalidRequestError(`This endpoint accepts ${allowed}`, { status: 405, headers: { Allow: allowed } });
}

/**
 * The registration endpoint: POST registers (RFC 7591 §3.1); with `?client_id=`, it is that
 * client's configuration endpoint (RFC 7592 §2): GET reads, PUT replaces, DELETE removes.
 */
export async function registrationEndpoint({ model, options }: Context, request: OAuthRequest): Promise<OAuthResponse> {
  const settings = options.registration;
  const base = `${options.issuer}${options.endpoints.registration}`;
  const managementUri = (clientId: string): string => `${base}?client_id=${encodeURIComponent(clientId)}`;
  const policy = { grantTypes: selfRegistrableGrantTypes(options.grants.keys()), scope: settings?.scope ?? [], authMethods: options.tokenEndpointAuthMethods };
  try {
    const method = request.method.toUpperCase();
    const clientId = new URLSearchParams(queryString(request.url)).get('client_id');

    if (clientId === null) {
      if (method !== 'POST') throw methodNotAllowed('POST');
      // RFC 7591 §3: an initial access token, when the server requires one, as a Bearer token.
      const expected = settings?.initialAccessToken;
      const presented = bearerToken(request);
      if (expected !== undefined && (presented === undefined || !sameHash(hashToken(presented), hashToken(expected)))) {
        throw new InvalidTokenError('A valid initial access token is required to register');
      }
      const metadata = validateClientMetadata(readJson(request, options), policy);
      // RFC 7591 §3.2.1, RFC 9700 §4.15: the server chooses the id; nothing the client sent goes into it.
      const id = randomToken(16);
      const secret = usesSecret(metadata.token_endpoint_auth_method) ? newClientSecret(metadata.token_endpoint_auth_method) : undefined;
      const registrationAccessToken = randomToken();
      const client = await model.saveClient({
        ...metadata,
        client_id: id,
        source: 'registration',
        client_id_issued_at: Math.floor(Date.now() / 1000),
        registration_access_token_hash: hashToken(registrationAccessToken),
        ...(secret !== undefined && { client_secret: secret }),
      });
      options.events?.({ type: 'client.registered', clientId: id });
      // The secret and the registration access token are shown this once; the store keeps their hashes
      // (and a client_secret_jwt client's secret as it is, the HMAC key of its assertions).
      return jsonResponse(201, {
        ...registrationOf(client, managementUri(id)),
        ...(secret !== undefined && { client_secret: secret }),
        registration_access_token: registrationAccessToken,
      });
    }

    // RFC 7592 §2: the registration access token authorizes every call; an unknown client and a
    // wrong token get the same 401, so the answer does not tell whether the client exists.
    const token = bearerToken(request);
    const client = token === undefined ? undefined : await model.getClient(clientId, null);
    const hash = client ? client.registration_access_token_hash : undefined;
    if (!client || hash === undefined || token === undefined || !sameHash(hashToken(token), hash)) {
      throw new InvalidTokenError('The registration access token is invalid for this client');
    }

    if (method === 'GET') return jsonResponse(200, registrationOf(client, managementUri(clientId)));
    if (method === 'DELETE') {
      await model.deleteClient(clientId);
      options.events?.({ type: 'client.deleted', clientId });
      // RFC 7592 §2.3: 204 No Content.
      return { status: 204, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body: '' };
    }
    if (method !== 'PUT') throw methodNotAllowed('GET, PUT, DELETE');

    const body = readJson(request, options);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidClientMetadataError('The request body must be a JSON object');
    const sent = { ...(body as Record<string, unknown>) };
    // RFC 7592 §2.2: the request carries the client's own id, and its secret only unchanged.
    if (sent.client_id !== clientId) throw new InvalidClientMetadataError('client_id must be this client\'s id');
    let secret: string | undefined;
    if (sent.client_secret !== undefined) {
      if (typeof sent.client_secret !== 'string' || !(await model.getClient(clientId, sent.client_secret))) {
        throw new InvalidClientMetadataError('client_secret must be the secret currently issued; a client cannot choose its own');
      }
      secret = sent.client_secret;
    }
    for (const field of ['client_id', 'client_secret', ...SERVER_FIELDS]) delete sent[field];
    const metadata = validateClientMetadata(sent, policy);
    // The store keeps only the secret's hash: a confidential client that did not send its secret gets a new one (RFC 7592 §2.2 allows it).
    const newSecret = usesSecret(metadata.token_endpoint_auth_method) ? (secret ?? newClientSecret(metadata.token_endpoint_auth_method)) : undefined;
    const updated = await model.saveClient({
      ...metadata,
      client_id: clientId,
      source: 'registration',
      ...(client.client_id_issued_at !== undefined && { client_id_issued_at: client.client_id_issued_at }),
      registration_access_token_hash: hash,
      ...(newSecret !== undefined && { client_secret: newSecret }),
    });
    return jsonResponse(200, {
      ...registrationOf(updated, managementUri(clientId)),
      ...(newSecret !== undefined && newSecret !== secret && { client_secret: newSecret }),
    });
  } catch (err) {
    const error = oauthErrorOf(err, options.onError);
    // RFC 6750 §3: a bad or missing Bearer token is answered with the challenge.
    if (err instanceof OAuthError && error instanceof InvalidTokenError) return bearerChallenge(options.realm, error);
    return errorResponse(error);
  }
}
