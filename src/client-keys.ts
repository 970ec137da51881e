/**
 * A client's public keys, which verify what it signs (private_key_jwt assertions, RFC 7523 §2.2):
 * registered inline as `jwks`, or published at `jwks_uri` (RFC 7591 §2) and fetched through the
 * server's document fetcher. A `kid` the fetched set lacks may be a key the client just rotated in,
 * so the set is fetched again once (the fetcher rate-limits such refreshes per URL).
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, errors } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { Client } from './types.js';
import type { DocumentFetcher } from './document-fetcher.js';
import { fetchFailure } from './document-fetcher.js';
import { InvalidClientError } from './errors.js';

type KeySet = NonNullable<Client['jwks']>;

/** Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4): a client registers public keys only. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** Enough for key rotation; bounded because every assertion tries them (RFC 7517 §5). */
const MAX_CLIENT_KEYS = 10;

/**
 * Why `jwks` cannot be a client's public key set, or undefined when it can: a JWK Set (RFC 7517 §5)
 * of at most 10 public RSA (2048 bits or more, RFC 7518 §3.3), EC or OKP signing keys. The problem
 * names the member at fault, e.g. `keys[1].d`.
 */
export function clientJwksProblem(jwks: unknown): { member: string; message: string } | undefined {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    return { member: 'keys', message: 'must be a JWK Set: { "keys": [ ... ] } (RFC 7517 §5)' };
  }
  const { keys } = jwks as { keys: unknown[] };
  if (keys.length === 0 || keys.length > MAX_CLIENT_KEYS) return { member: 'keys', message: `must hold 1 to ${MAX_CLIENT_KEYS} keys` };
  for (const [i, key] of keys.entries()) {
    const at = `keys[${i}]`;
    if (typeof key !== 'object' || key === null || Array.isArray(key)) return { member: at, message: 'must be a JWK object' };
    const jwk = key as Record<string, unknown>;
    const secret = SECRET_MEMBERS.find((m) => m in jwk);
    if (secret) return { member: `${at}.${secret}`, message: 'is private or symmetric key material: register public keys only' };
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) return { member: `${at}.kty`, message: 'must be RSA, EC or OKP' };
    if (jwk.use !== undefined && jwk.use !== 'sig') return { member: `${at}.use`, message: 'must be "sig" when present' };
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) return { member: `${at}.kid`, message: 'must be a non-empty string' };
    let details;
    try {
      details = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails;
    } catch {
      return { member: at, message: 'is not a valid public key' };
    }
    if (jwk.kty === 'RSA' && (details?.modulusLength ?? 0) < 2048) return { member: at, message: 'must be an RSA key of 2048 bits or more' };
  }
  return undefined;
}

/** Key sets already imported, by their JSON: importing a JWK costs about twice what verifying a signature does. */
const imported = new Map<string, JWTVerifyGetKey>();
/** Bounded: the sets come from clients (and their jwks_uri), so their number is not ours to choose. */
const MAX_IMPORTED_SETS = 1000;

function localKeys(set: KeySet): JWTVerifyGetKey {
  // Keyed by the whole key material: the same JSON is the same keys, whichever client or fetch it came from.
  const id = JSON.stringify(set.keys);
  let keys = imported.get(id);
  if (keys === undefined) {
    // jose keeps the imported keys on the objects it is given: copies keep the client's own untouched.
    keys = createLocalJWKSet({ keys: set.keys.map((key) => ({ ...key })) });
    if (imported.size >= MAX_IMPORTED_SETS) imported.delete(imported.keys().next().value as string);
    imported.set(id, keys);
  }
  return keys;
}

/** The key set at `uri`, checked as a registered one would be (public signing keys only, at most 10). */
async function fetchKeys(uri: string, fetchDocument: DocumentFetcher, refresh: boolean): Promise<KeySet> {
  let document: unknown;
  try {
    document = await fetchDocument(uri, { kind: 'jwks', refresh });
  } catch (err) {
    throw new InvalidClientError(`The client's jwks_uri could not be fetched: ${fetchFailure(err)}`, { cause: err });
  }
  const problem = clientJwksProblem(document);
  if (problem) throw new InvalidClientError(`The client's jwks_uri is not a usable key set: ${problem.member} ${problem.message}`);
  return document as KeySet;
}

/**
 * Runs `verify` with the client's keys; with `jwks_uri`, once more with a refetched set when no
 * key matched. Failures to fetch are `invalid_client` (RFC 6749 §5.2); `verify`'s own are passed on.
 */
export async function verifyWithClientKeys<T>(
  client: Client,
  fetchDocument: DocumentFetcher | undefined,
  verify: (keys: JWTVerifyGetKey) => Promise<T>,
): Promise<T> {
  if (client.jwks) return verify(localKeys(client.jwks));
  if (client.jwks_uri === undefined) throw new InvalidClientError('This client registered no jwks or jwks_uri to verify what it signs');
  if (!fetchDocument) throw new InvalidClientError('This server does not fetch jwks_uri (no document fetcher is configured)');
  try {
    return await verify(localKeys(await fetchKeys(client.jwks_uri, fetchDocument, false)));
  } catch (err) {
    if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
  }
  return verify(localKeys(await fetchKeys(client.jwks_uri, fetchDocument, true)));
}
