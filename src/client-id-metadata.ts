/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document-03): a client with no
 * registration uses the URL of a JSON document as its `client_id`, and the server fetches that
 * document for its metadata. Done as a wrapper around the model's `getClient`, so every endpoint
 * that looks a client up (authorize, token, revocation, introspection, PAR, ...) knows such clients.
 */
import type { BaseModel } from './model.js';
import type { Client } from './types.js';
import type { DocumentFetcher } from './document-fetcher.js';
import type { RegistrationPolicy } from './client-metadata.js';
import { fetchFailure } from './document-fetcher.js';
import { InvalidClientError, OAuthError } from './errors.js';
import { validateClientMetadata } from './client-metadata.js';

/** A client_id that names a document: an http(s) URL (http is left to the fetcher, which refuses it unless private networks are allowed). */
const URL_CLIENT_ID = /^https?:\/\//i;

/** Whether `clientId` is a URL, so names a client ID metadata document rather than a registration. */
export function isUrlClientId(clientId: string): boolean {
  return URL_CLIENT_ID.test(clientId);
}

/**
 * Why this URL cannot be a client identifier, or undefined when it can (the draft's "Client
 * Identifier URL" rules): a path, no dot segments, no fragment, no username or password.
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (!URL.canParse(clientId)) return 'is not a valid URL';
  const url = new URL(clientId);
  if (url.username !== '' || url.password !== '') return 'must not contain a username or password';
  if (clientId.includes('#')) return 'must not contain a fragment';
  // The URL parser removes dot segments, so they are looked for in the string as sent.
  const path = /^[a-z]+:\/\/[^/?#]*([^?#]*)/i.exec(clientId)?.[1] ?? '';
  if (path.split('/').some((segment) => ['.', '..'].includes(segment.toLowerCase().replaceAll('%2e', '.')))) return 'must not contain "." or ".." path segments';
  if (path === '' || path === '/') return 'must contain a path';
  return undefined;
}

/** Fields a public document must never carry: a secret in it would be no secret (the draft forbids them). */
const SECRET_FIELDS = ['client_secret', 'client_secret_expires_at'];

/**
 * The client a fetched document describes: its `client_id` must be the URL it came from, it holds
 * no secret, and its metadata passes the checks of dynamic registration (RFC 7591 §2), with only
 * `none` or `private_key_jwt` as the authentication method (a symmetric secret cannot be published).
 */
export function clientFromMetadataDocument(clientId: string, document: unknown, policy: RegistrationPolicy): Client {
  const refuse = (why: string): InvalidClientError => new InvalidClientError(`The client ID metadata document at ${clientId} ${why}`);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw refuse('is not a JSON object');
  const fields = document as Record<string, unknown>;
  // Simple string comparison, as the draft asks: no normalisation could make two identifiers equal.
  if (fields.client_id !== clientId) throw refuse('has a client_id that is not its own URL');
  const secret = SECRET_FIELDS.find((field) => fields[field] !== undefined);
  if (secret !== undefined) throw refuse(`must not contain ${secret}: a published document holds no secret`);
  try {
    return { ...validateClientMetadata(fields, policy), client_id: clientId };
  } catch (err) {
    if (err instanceof OAuthError) throw refuse(`is not acceptable: ${err.description}`);
    throw err;
  }
}

/**
 * The model with a `getClient` that also resolves URL client ids by fetching their documents. A
 * registered client with the same id wins; a document's client never authenticates with a secret.
 * Failures are `invalid_client` saying why, which the authorization endpoint shows as a page.
 */
export function withClientIdMetadataDocuments<M extends BaseModel>(model: M, fetchDocument: DocumentFetcher, policy: RegistrationPolicy): M {
  async function getClient(clientId: string, clientSecret: string | null): Promise<Client | null | undefined | false> {
    const registered = await model.getClient(clientId, clientSecret);
    if (registered || !isUrlClientId(clientId)) return registered;
    if (clientSecret !== null) throw new InvalidClientError('A client identified by a metadata document has no secret: it authenticates with private_key_jwt, or not at all');
    const problem = clientIdUrlProblem(clientId);
    if (problem !== undefined) throw new InvalidClientError(`The client_id URL ${problem} (client ID metadata document)`);
    let document: unknown;
    try {
      document = await fetchDocument(clientId, { kind: 'client-metadata' });
    } catch (err) {
      throw new InvalidClientError(`The client ID metadata document could not be fetched: ${fetchFailure(err)}`, { cause: err });
    }
    return clientFromMetadataDocument(clientId, document, policy);
  }
  // A Proxy rather than a copy: the model may be a class instance whose methods need their own `this`.
  return new Proxy(model, {
    get(target, property) {
      if (property === 'getClient') return getClient;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
