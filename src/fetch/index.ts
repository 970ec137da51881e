/**
 * `tollgate/safe-fetch`: the SSRF-safe fetcher of documents clients name by URL (client ID metadata
 * documents, `jwks_uri`), for the `fetchDocument` option of `createAuthorizationServer`. Node only
 * (node:https, node:dns); the core itself never fetches.
 */
export { createDocumentFetcher } from './safe-fetch.js';
export type { DocumentFetcherOptions } from './safe-fetch.js';
export type { CachePolicy } from './document-cache.js';
export { DocumentFetchError } from '../document-fetcher.js';
export type { DocumentFetcher, DocumentKind, DocumentRequest } from '../document-fetcher.js';
