/**
 * Fetching a document a client names by URL: its client ID metadata document
 * (draft-ietf-oauth-client-id-metadata-document) or its `jwks_uri` (RFC 7591 §2). The core only
 * calls a `DocumentFetcher`; `createDocumentFetcher` from `tollgate/safe-fetch` is the SSRF-safe one for
 * Node (https only, public addresses only, no redirects, size and time limits, a bounded cache).
 */

/** What the document is for: it decides the size limit (a metadata document is small, a key set larger). */
export type DocumentKind = 'client-metadata' | 'jwks';

/** One fetch, as the core asks for it. */
export interface DocumentRequest {
  /** What the document is, which decides the limits and cache rules that apply. */
  kind: DocumentKind;
  /**
   * Look past the cache: a key set fetched again because an assertion names a `kid` it does not
   * hold. A fetcher may still answer from the cache when the URL was fetched very recently (so an
   * attacker's unknown `kid`s cannot make the server fetch on every request).
   */
  refresh?: boolean | undefined;
}

/** Fetches the JSON document at `url` and returns it parsed; rejects (ideally with DocumentFetchError) when it cannot. */
export type DocumentFetcher = (url: string, request: DocumentRequest) => Promise<unknown>;

/** A document could not be fetched or is not acceptable; the message is safe to show the client's developer. */
export class DocumentFetchError extends Error {
  /** `DocumentFetchError`. */
  override get name(): string {
    return 'DocumentFetchError';
  }
}

/** Why the fetch failed, in words safe for an `error_description` (anything but a DocumentFetchError is the fetcher's own bug). */
export function fetchFailure(err: unknown): string {
  return err instanceof DocumentFetchError ? err.message : 'the fetch failed';
}
