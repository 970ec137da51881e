/**
 * Sweeping a large in-memory map without stalling the server. One pass over a million entries takes
 * over a second of JavaScript; every request waiting meanwhile would see that second as latency. So
 * a sweep visits at most `SLICE` entries, then lets the event loop serve what is waiting
 * (`setImmediate`, after pending I/O), then goes on where it stopped.
 */

/** Entries visited between two yields: about a millisecond of work. */
export const SLICE = 4096;

/** Resolves after the event loop has had one turn for I/O. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Visits every entry of `map` in slices, deleting those `expired` says are; returns how many went.
 * A Map iterator stays valid while other code sets and deletes between slices: an entry deleted
 * meanwhile is not visited, one added is. `expired` reads the entry as it is at its visit, so a
 * value replaced meanwhile is judged by its new expiry.
 */
export async function sweepMap<K, V>(map: Map<K, V>, expired: (value: V) => boolean): Promise<number> {
  let swept = 0;
  let visited = 0;
  for (const [key, value] of map) {
    if (expired(value) && map.delete(key)) swept++;
    if (++visited % SLICE === 0) await yieldToEventLoop();
  }
  return swept;
}
