/**
 * Batching by event-loop turn for a store that talks to its database over the network
 * (PostgreSQL): the calls of one turn go out as one statement, so concurrent requests share one
 * round trip (and, for writes, one commit: one WAL flush) instead of paying one each. The SQLite
 * store does the same for writes with a transaction (sqlite-group-commit.ts).
 */

export interface TurnBatch<T, R> {
  /** Queues `item` into this turn's batch; resolves with its own result once the batch has run. */
  add(item: T): Promise<R>;
}

/**
 * `many` receives every item added during one turn, once the turn ends, and answers one result per
 * item, in order. Should it fail for a batch of several, each item is run again alone with `one`,
 * so that one bad item (a value the database refuses) fails only its own caller and not the
 * requests that happened to share its turn. `shared(err)` says an error is the database's, not an
 * item's (it is down): then every caller gets it at once, instead of after a retry that would wait
 * for the same outage once more.
 */
export function createTurnBatch<T, R>(
  many: (items: T[]) => Promise<R[]>,
  one: (item: T) => Promise<R>,
  shared: (err: unknown) => boolean = () => false,
): TurnBatch<T, R> {
  let pending: { items: T[]; outcomes: Promise<PromiseSettledResult<R>[]> } | undefined;

  /** Each item's outcome, by its index in `items`. */
  async function run(items: T[]): Promise<PromiseSettledResult<R>[]> {
    try {
      return (await many(items)).map((value) => ({ status: 'fulfilled', value }));
    } catch (reason) {
      if (items.length === 1 || shared(reason)) return items.map(() => ({ status: 'rejected', reason }));
      return Promise.allSettled(items.map((item) => one(item)));
    }
  }

  return {
    async add(item) {
      if (pending === undefined) {
        const items: T[] = [];
        // setImmediate: after this turn's I/O callbacks, so every request read in this turn joins.
        const outcomes = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          pending = undefined;
          return run(items);
        });
        pending = { items, outcomes };
      }
      const batch = pending;
      const index = batch.items.push(item) - 1;
      const outcome = (await batch.outcomes)[index] as PromiseSettledResult<R>;
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    },
  };
}
