/**
 * The default replay cache of a resource server outside the core (RFC 9449 §11.1): proof `jti`s in
 * this process's memory, each until the proof could no longer be accepted, and a bounded number of
 * them. Right for one process; resource servers behind a load balancer pass a shared cache (any
 * tollgate store's `useOnce`), or a proof replayed to another process passes there.
 */
import type { ReplayCache } from './proof.js';
import { TemporarilyUnavailableError } from '../errors.js';

/** Entries kept at most: a proof lives at most twice the window (its iat may lie ahead), ~121 s by default. */
const MAX_ENTRIES = 100_000;

/**
 * A bounded in-memory replay cache. When full of proofs still in their window it refuses new ones
 * (fails closed, 503 `temporarily_unavailable`) rather than forget one that could then be replayed; the resource checks the token
 * and its binding before the proof's jti is recorded, so only a holder of a bound token and its key
 * can fill it.
 */
export function createMemoryReplayCache(maxEntries = MAX_ENTRIES): ReplayCache {
  const entries = new Map<string, number>();
  // When the earliest live entry expires: no sweep before then can free anything.
  let nextSweep = 0;
  const sweep = (now: number): void => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [value, until] of entries) {
      if (until <= now) entries.delete(value);
      else earliest = Math.min(earliest, until);
    }
    nextSweep = earliest;
  };
  return (value, expiresAt) => {
    const now = Date.now();
    const until = entries.get(value);
    if (until !== undefined && until > now) return false;
    if (entries.size >= maxEntries && now >= nextSweep) sweep(now);
    if (entries.size >= maxEntries) throw new TemporarilyUnavailableError('Too many DPoP proofs in their window: retry shortly');
    entries.set(value, expiresAt.getTime());
    return true;
  };
}
