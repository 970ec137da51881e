/**
 * The SSRF-safe fetcher of documents clients name (client ID metadata documents, `jwks_uri`):
 * https only, the name resolved once and the connection made to the address that was checked (no
 * DNS-rebinding gap), loopback, private and link-local addresses refused, no redirects, a size and
 * a time limit, JSON only, and a bounded cache honouring `Cache-Control`.
 * draft-ietf-oauth-client-id-metadata-document "Security Considerations" (SSRF, response size).
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { DocumentFetcher, DocumentKind } from '../document-fetcher.js';
import { DocumentFetchError } from '../document-fetcher.js';
import { addressProblem } from './address-policy.js';
import type { CachePolicy } from './document-cache.js';
import { DEFAULT_CACHE_POLICY, cacheLifetime, createDocumentCache } from './document-cache.js';

/** How the fetcher behaves; every field has a safe default. */
export interface DocumentFetcherOptions {
  /**
   * Allow loopback, private and link-local addresses, and plain http. For tests and private
   * deployments only: on a public server it lets any client make the server call its own network.
   * Default false.
   */
  allowPrivateNetworks?: boolean | undefined;
  /** The whole fetch, connection to last byte, in milliseconds. Default 5000. */
  timeoutMs?: number | undefined;
  /** Largest accepted body per kind of document, in bytes. Default 5 KiB for metadata documents, 64 KiB for key sets. */
  maxBytes?: Partial<Record<DocumentKind, number>> | undefined;
  /** Cache bounds (see CachePolicy). */
  cache?: Partial<CachePolicy> | undefined;
  /** A `refresh` fetches past the cache at most once per this many seconds per URL. Default 30. */
  refreshIntervalSeconds?: number | undefined;
  /** PEM certificates trusted besides the usual roots (a private CA). */
  ca?: readonly string[] | undefined;
}

const DEFAULT_MAX_BYTES: Record<DocumentKind, number> = { 'client-metadata': 5 * 1024, jwks: 64 * 1024 };
/** Bounded like the cache: client-chosen URLs cannot hold an unbounded number of sockets open. */
const MAX_IN_FLIGHT = 100;

/** JSON media types: `application/json` and any `+json` (RFC 6839 §3.1), e.g. `application/jwk-set+json`. */
function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The URL if it may be fetched at all: https (http only with private networks allowed), no credentials. */
function fetchableUrl(text: string, allowPrivateNetworks: boolean): URL {
  if (!URL.canParse(text)) throw new DocumentFetchError(`"${text}" is not an absolute URL`);
  const url = new URL(text);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivateNetworks)) throw new DocumentFetchError(`${url.href} does not use https`);
  if (url.username !== '' || url.password !== '') throw new DocumentFetchError(`${url.href} carries credentials`);
  return url;
}

/** A DNS lookup that answers only with addresses the policy allows, so the socket connects to a checked address. */
function guardedLookup(allowPrivateNetworks: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(new DocumentFetchError(`${hostname} does not resolve`), '');
      // Every address must pass: a name with one public and one private address is refused.
      for (const { address } of addresses) {
        const problem = addressProblem(address, allowPrivateNetworks);
        if (problem !== undefined) return callback(new DocumentFetchError(`${hostname} resolves to ${problem}`), '');
      }
      const [first] = addresses;
      if (first === undefined) return callback(new DocumentFetchError(`${hostname} does not resolve`), '');
      return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
    });
  };
}

interface Fetched {
  value: unknown;
  cacheControl: string | undefined;
}

/** Reads the body within `maxBytes`, refusing early on a Content-Length that says it is larger. */
function readBody(response: IncomingMessage, maxBytes: number, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      return reject(new DocumentFetchError(`${url} is larger than ${maxBytes} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new DocumentFetchError(`${url} is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

/**
 * Creates the fetcher the server uses for client ID metadata documents and `jwks_uri`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function createDocumentFetcher(options: DocumentFetcherOptions = {}): DocumentFetcher {
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = { ...DEFAULT_MAX_BYTES, ...options.maxBytes };
  const refreshMs = (options.refreshIntervalSeconds ?? 30) * 1000;
  const cachePolicy = { ...DEFAULT_CACHE_POLICY, ...options.cache };
  const cache = createDocumentCache(cachePolicy);
  const lookup = guardedLookup(allowPrivateNetworks);
  const ca = options.ca && [...rootCertificates, ...options.ca];
  const inFlight = new Map<string, Promise<unknown>>();

  function fetchOnce(url: URL, kind: DocumentKind): Promise<Fetched> {
    // An IP literal is never looked up, so it is checked here (URL has already normalised forms like 0x7f.1).
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) !== 0) {
      const problem = addressProblem(literal, allowPrivateNetworks);
      if (problem !== undefined) return Promise.reject(new DocumentFetchError(`${url.href} names ${problem}`));
    }
    return new Promise<Fetched>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // agent: false: a fresh connection each time, so no pooled socket skips the lookup's check.
      const request = send(url, { method: 'GET', lookup, agent: false, ...(ca && { ca }), headers: { accept: 'application/json', 'user-agent': 'tollgate' } });
      // The whole exchange has one deadline, so a slow answer (slowloris) cannot hold the request.
      let timedOut: DocumentFetchError | undefined;
      const timer = setTimeout(() => {
        timedOut = new DocumentFetchError(`${url.href} did not answer within ${timeoutMs} ms`);
        request.destroy(timedOut);
      }, timeoutMs);
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        request.destroy();
        // Destroying the socket also fails the body's stream: the deadline is the reason then.
        reject(timedOut ?? (err instanceof DocumentFetchError ? err : new DocumentFetchError(`${url.href} could not be fetched`, { cause: err })));
      };
      request.on('error', fail);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        // Redirects are not followed: the target would escape every check made on this URL.
        if (status >= 300 && status < 400) return fail(new DocumentFetchError(`${url.href} answered with a redirect (HTTP ${status}), which is not followed`));
        if (status !== 200) return fail(new DocumentFetchError(`${url.href} answered HTTP ${status}`));
        if (!isJson(response.headers['content-type'])) return fail(new DocumentFetchError(`${url.href} is not JSON (Content-Type ${response.headers['content-type'] ?? 'missing'})`));
        readBody(response, maxBytes[kind], url.href).then((body) => {
          clearTimeout(timer);
          try {
            resolve({ value: JSON.parse(body.toString('utf8')) as unknown, cacheControl: response.headers['cache-control'] });
          } catch {
            reject(new DocumentFetchError(`${url.href} is not valid JSON`));
          }
        }, fail);
      });
      request.end();
    });
  }

  return async (text, { kind, refresh }) => {
    const url = fetchableUrl(text, allowPrivateNetworks);
    const key = `${kind} ${url.href}`;
    const now = Date.now();
    const cached = cache.get(key, now);
    // A refresh is honoured at most once per interval per URL: a client's rotated-in key is found at
    // once, but unknown kids sent on purpose cannot make the server fetch on every request.
    const mayRefresh = refresh === true && (cached?.refreshedAt === undefined || now - cached.refreshedAt >= refreshMs);
    if (cached !== undefined && !mayRefresh) return cached.value;
    const pending = inFlight.get(key);
    if (pending) return pending;
    if (inFlight.size >= MAX_IN_FLIGHT) throw new DocumentFetchError('Too many documents are being fetched at once; try again');
    const fetching = fetchOnce(url, kind)
      .then(({ value, cacheControl }) => {
        cache.set(key, value, cacheLifetime(cacheControl, cachePolicy), Date.now(), refresh === true);
        return value;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, fetching);
    return fetching;
  };
}
