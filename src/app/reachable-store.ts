/**
 * Opening the config's store for `tollgate serve` and `tollgate check`: it must answer at once, or
 * the start fails within a few seconds with one line saying why (issue 18), whatever the store. A
 * PostgreSQL store fails while migrating; a Redis store would otherwise start and answer 503 forever.
 */
import type { Store } from '../stores/store.js';
import { openStore, parseStoreSpec } from './open-store.js';

/** How long the store gets to open (migrations included) and to answer its first ping. */
export const STORE_START_TIMEOUT_MS = 5000;

/** The store could not be opened or did not answer: the message says which store and why, never its URL. */
export class StoreUnreachableError extends Error {}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The driver's words for a failure: the cause's message when the store wrapped it (a 503 error). */
function reason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  // ioredis gives up on a command without saying why (the Redis store's ping names the connection error when it has one).
  if (cause instanceof Error && cause.name === 'MaxRetriesPerRequestError') return 'no connection';
  const message = cause instanceof Error ? cause.message || cause.name : String(cause);
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** What a store spec names, for messages: its kind and, for SQLite, the path (URLs may hold passwords). */
export function describeStore(spec: string): string {
  const parsed = parseStoreSpec(spec);
  return parsed.kind === 'sqlite' ? `the SQLite store at ${parsed.filename}` : parsed.kind === 'memory' ? 'the memory store' : `the ${parsed.kind === 'postgres' ? 'PostgreSQL' : 'Redis'} store`;
}

/** Opens the store and proves it serves and writes (`Store.ping`), or throws `StoreUnreachableError`. */
export async function openReachableStore(spec: string, timeoutMs = STORE_START_TIMEOUT_MS): Promise<Store> {
  const what = describeStore(spec);
  const opening = openStore(spec);
  let store: Store;
  try {
    store = await within(opening, timeoutMs);
  } catch (err) {
    // Opened too late: close it whenever it comes.
    opening.then((late) => late.close(), () => {}).catch(() => {});
    throw new StoreUnreachableError(`${what} cannot be opened: ${reason(err)}`);
  }
  try {
    await within(store.ping(), timeoutMs);
  } catch (err) {
    await store.close().catch(() => {});
    throw new StoreUnreachableError(`${what} cannot be reached: ${reason(err)}`);
  }
  return store;
}
