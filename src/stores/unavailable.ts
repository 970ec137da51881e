/**
 * The store boundary's answer when the database is down or cannot write: a 503
 * `temporarily_unavailable` with `Retry-After` (RFC 6749 §4.1.2.1; RFC 9110 §15.6.4, §10.2.3),
 * not a 500. Each store says which of its driver's errors mean "cannot serve now"; this module turns
 * them into the one error the core renders.
 */
import { OAuthError, TemporarilyUnavailableError } from '../errors.js';

/** Seconds a client is asked to wait: long enough for a reconnect or a failover, short enough to retry soon. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** The error a store throws when it cannot serve; the driver's own error is kept as `cause`, never sent. */
export function storeUnavailable(cause: unknown): TemporarilyUnavailableError {
  return new TemporarilyUnavailableError('The authorization server cannot reach its store; try again shortly', {
    retryAfter: STORE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/** The `code` a Node.js or driver error carries (`ECONNREFUSED`, a SQLSTATE, `SQLITE_FULL`), if any. */
export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Network failures of a socket to the database, as Node.js names them. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether `err` is a network failure of the connection to the database. */
export function isNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * `store` with every method guarded: an error for which `isUnavailable` holds leaves as
 * `storeUnavailable(err)`; an `OAuthError` and any other error leave unchanged (the latter still a
 * 500, as a bug should be). The methods are async, so only rejections need catching.
 */
export function guardUnavailable<T extends object>(store: T, isUnavailable: (err: unknown) => boolean): T {
  const rethrow = (err: unknown): never => {
    throw !(err instanceof OAuthError) && isUnavailable(err) ? storeUnavailable(err) : err;
  };
  const guarded: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(store)) {
    guarded[name] =
      typeof member === 'function'
        ? (...args: unknown[]) => (member as (...a: unknown[]) => Promise<unknown>).apply(store, args).catch(rethrow)
        : member;
  }
  return guarded as T;
}
